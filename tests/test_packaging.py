"""What `pip install .` puts on a machine: every module of the bot, importable from anywhere (not only
from a checkout), and the data files it reads. (With an editable install this cannot be seen: skipped.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MIGRATION_ENV = "bot.storage.migrations.env"     # run by alembic, not imported: it migrates when loaded


def installed(script: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_installed_package_has_every_module_and_data_file(tmp_path):
    where = installed("import bot; print(bot.__file__)", tmp_path)
    assert where.returncode == 0, "the bot is not installed: run the README's test command"
    if Path(where.stdout.strip()).resolve() == (ROOT / "bot" / "__init__.py").resolve():
        pytest.skip("editable install: the checkout is the package")
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                     for top in ("bot", "commands", "models") for p in (ROOT / top).rglob("*.py"))
    assert {"bot.slack.serve", "bot.mattermost.serve", MIGRATION_ENV} <= set(modules)
    modules.remove(MIGRATION_ENV)
    done = installed(
        "import importlib, importlib.util\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"assert importlib.util.find_spec({MIGRATION_ENV!r}) is not None\n"
        "from bot.config import load_directory, load_profile\n"
        "from bot.render import Renderer\n"
        "load_profile('zuid-limburg')\n"
        "Renderer(load_directory(), 'mattermost').render('weigering/verzoek_onleesbaar', {})\n", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
