"""Claims on rows that several processes may work on (the outbox's messages, the inbox's requests): a row is
claimed by a compare-and-set that names this process and how long the claim holds. A claim of a process that
died (same machine: its pid is gone) or that ran out may be taken over."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime


def process_id() -> str:
    """This process, as other processes can check it: host and pid namespace, pid, and a random part."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = 0
    return f"{socket.gethostname()}/{namespace}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def takeable(me: str, claimed_by: str | None, until: datetime | None, wall: datetime) -> bool:
    """Whether process `me` may claim a row that carries this claim at wall-clock time `wall`."""
    if claimed_by is None or until is None or until < wall:
        return True
    if claimed_by.startswith(me + "#"):
        return True       # this process's own claim, left by work that broke off: the loop is ours
    owner, _, _ = claimed_by.partition("#")
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return host == me.partition(":")[0] and pid.isdigit() and not alive(int(pid))
