"""The project stands on its own: no file of it reads, names or points at a folder beside the repository.

A clone anywhere must work, so everything the code, tests, CI and docs need lives inside the repository (the Slack
reference data for the fake and the manifest test is in `tests/specs/`).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests import fake_slack, test_manifest

ROOT = Path(__file__).resolve().parent.parent

# Built from parts so that this file does not match its own patterns.
_WORD = "sha" + "red"
_OUTSIDE = re.compile("|".join([
    re.escape(".." + "/" + _WORD),                     # ../<word> (and ../../<word>)
    re.escape(".." + "\\" + _WORD),                    # ..\<word>
    "[\"']" + _WORD + "[\"']",                         # "<word>" or '<word>' as a path component
    re.escape(_WORD) + "/(?:platform-specs|seeds|hooks|domain\\.md|design\\.md|platforms\\.md)",
]))
_SKIP_DIRS = {".git", ".hg", ".venv", "venv", "env", ".venv-ci", ".tox", ".nox", "build", "dist", "__pycache__",
              ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis", "node_modules", "htmlcov"}


def _walk(root: Path) -> list[Path]:
    """Every file under `root`, leaving out VCS data, virtualenvs, caches and build output."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.endswith(".egg-info")
                             and not (here / d / "pyvenv.cfg").exists())
        files.extend(here / f for f in sorted(filenames))
    return files


def project_files(root: Path = ROOT) -> list[Path]:
    """The project's files as git knows them (tracked, plus new files not ignored); without git, a tree walk."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                                capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return _walk(root)
    paths = [root / p for p in dict.fromkeys(listed.decode("utf-8", "surrogateescape").split("\0")) if p]
    return [p for p in paths if p.is_file()]  # a tracked file may be deleted in the working tree


def references_outside(text: str) -> list[tuple[int, str]]:
    """(line number, line) for each line of `text` that points at the folder beside the repository."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if _OUTSIDE.search(line)]


def test_no_project_file_refers_to_a_folder_outside_the_repository():
    files = project_files()
    assert any(p.name == "pyproject.toml" for p in files)  # the listing found the project
    hits = []
    for path in files:
        data = path.read_bytes()
        if b"\0" in data:  # binary
            continue
        for n, line in references_outside(data.decode("utf-8", "replace")):
            hits.append(f"{path.relative_to(ROOT).as_posix()}:{n}: {line[:160]}")
    assert hits == []


def test_the_check_recognises_the_references_it_looks_for():
    word = _WORD
    for line in [f"SPEC = ROOT / '..' / '..{'/'}{word}/x.json'", f'Path(__file__).parent / "{word}" / "x"',
                 f"see {word}/platforms.md", f"{word}/platform-specs/slack-methods", f"cp {word}/seeds/a.sql .",
                 f"{word}/hooks/pre-commit", f"{word}/domain.md", f"{word}/design.md", f"..\\{word}\\x"]:
        assert references_outside(line), line
    for line in ["is_shared", "shared_team_ids", "the servers' shared parts", "is_org_shared: False"]:
        assert references_outside(line) == [], line


def test_the_walk_without_git_skips_virtualenvs_and_build_output(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    for junk in (".git", "build", "x.egg-info", "__pycache__"):
        (tmp_path / junk).mkdir()
        (tmp_path / junk / "f.py").write_text("x = 1\n")
    (tmp_path / "myenv").mkdir()
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    assert [p.relative_to(tmp_path).as_posix() for p in _walk(tmp_path)] == ["pkg/mod.py"]


def test_the_slack_reference_data_is_inside_the_repository():
    for path in (fake_slack.SPEC_DIR, test_manifest.SCHEMA):
        assert path.resolve().is_relative_to(ROOT) and path.exists(), path
    assert sorted(fake_slack.SPEC_DIR.glob("*.json"))
