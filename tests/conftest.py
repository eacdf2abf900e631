"""Database fixtures: every persistence test runs on SQLite and on PostgreSQL (the production database).

PostgreSQL is found through DATABASE_TEST_URL (default: the local server, database `test`). Each test
gets a schema of its own, so runs do not disturb each other. The PostgreSQL tests never skip: if the
server is down they fail, and .ci/run starts it first.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import settings
from sqlalchemy.engine import Engine

from bot.config import load_profile
from bot.storage.db import make_engine, migrate
from bot.storage.uow import uow_factory

# In CI the property tests run the same examples every time (a red build is reproducible and does not
# depend on luck); on a developer's machine they explore new ones on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

PG_URL = os.environ.get("DATABASE_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def profile_for(profile_name: str):
    return load_profile(profile_name if profile_name != "test" else "gelderland-midden")


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_size=10)
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def engine(request) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def uow(engine):
    return uow_factory(engine, profile_for)


@pytest.fixture(params=["console", "slack", "mattermost"])
def world(request, tmp_path):
    """One bot on each platform: the console, Slack (fake Web API) and Mattermost (fake server)."""
    from tests.fake_slack import FakeSlack
    from tests.worlds import ConsoleWorld, SlackWorld, chat_directory, mattermost_world

    start = "2025-05-26T08:30"
    if request.param == "console":
        yield ConsoleWorld(tmp_path, start)
    elif request.param == "slack":
        from bot.slack.spec import SCOPES

        with FakeSlack(scopes=set(SCOPES)) as fake:
            yield SlackWorld(fake, chat_directory(tmp_path), f"sqlite:///{tmp_path / 'slack.db'}", start)
            assert fake.server_errors == []
    else:
        fake, w = mattermost_world(tmp_path, start)
        try:
            yield w
            assert fake.server_errors == [] and fake.integration_errors == []
        finally:
            fake.stop()


@pytest.fixture(scope="session")
def year(tmp_path_factory):
    """A year of cases made by the generator (`tests/year_of_cases.py`, fixed seed), for the report tests."""
    import random

    from bot.app import Bot
    from bot.config import load_directory, load_profile
    from bot.console.console import SimClock
    from bot.render import Renderer
    from bot.storage.db import make_engine, migrate
    from tests.year_of_cases import START, CountingPlatform, Year

    folder = tmp_path_factory.mktemp("jaar")
    url = f"sqlite:///{folder / 'jaar.db'}"
    engine = make_engine(url)
    migrate(engine)
    directory, profile = load_directory(None), load_profile("gelderland-midden")
    clock = SimClock(START)
    bot = Bot(directory, profile, engine, CountingPlatform(), Renderer(directory, "console", profile.wording), clock)
    generated = Year(bot, clock, random.Random(11), 90)
    generated.run()
    with bot.uow() as uow:
        states = [uow.cases.get(n) for n in uow.cases.numbers()]
    yield {"log": generated.log, "states": states, "bot": bot, "url": url, "folder": folder, "profile": profile}
    engine.dispose()
