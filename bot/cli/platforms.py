"""`triagebot start`, `verwerker`, `socket` and `controleer`: the chat platforms. Their modules (bot/slack/serve.py,
bot/mattermost/serve.py) read their settings from the environment; the command line's options go there first."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager

from ..config import ENV_DATABASE, ENV_DIRECTORY, ENV_LOG, ENV_PROFILE
from .logs import server_logging


@contextmanager
def given_settings(args: argparse.Namespace) -> Iterator[None]:
    """The platform modules read their settings from the environment: what the command line gives goes there
    first (so it wins), for the duration of the command."""
    given = {ENV_DATABASE: args.db, ENV_PROFILE: args.profiel, ENV_DIRECTORY: args.adressenlijst}
    saved = {name: os.environ.get(name) for name in given}
    os.environ.update({name: value for name, value in given.items() if value})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def start(args: argparse.Namespace) -> int:
    from ..serving import ALL, RECEIVE

    server_logging(os.environ.get(ENV_LOG))
    role = RECEIVE if args.alleen_ontvangen else ALL
    with given_settings(args):
        if args.platform == "mattermost":
            from ..mattermost import serve as mm
            return mm.serve(role, args.processen)
        from ..slack import serve as slack
        return slack.serve(role, args.processen)


def verwerker(args: argparse.Namespace) -> int:
    server_logging(os.environ.get(ENV_LOG))
    with given_settings(args):
        if args.platform == "mattermost":
            from ..mattermost import serve as mm
            return mm.process(args.crash_na)
        from ..slack import serve as slack
        return slack.process(args.crash_na)


def socket(args: argparse.Namespace) -> int:
    from ..slack import serve as slack

    server_logging(os.environ.get(ENV_LOG))
    with given_settings(args):
        return slack.socket()


def controleer(args: argparse.Namespace) -> int:
    with given_settings(args):
        if args.platform == "mattermost":
            from ..mattermost import serve as mm
            return mm.check_main([])
        from ..slack import serve as slack
        return slack.check_main([])


