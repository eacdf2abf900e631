"""The audit log's hash chain (NEN 7513: tamper-evident): each entry's hash covers its content and the previous
entry's hash, in the order of the entries' ids. Changing, removing or reordering an entry breaks every link after
it; `first_break` finds the first. (Removing the newest entries leaves no trace in a chain: an external copy of
the last hash — `triagebot audit controleer` prints it — is what shows that.)"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64      # the previous hash of the first chained entry


def _moment(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def content(at: datetime, actor: str, on_behalf_of: str | None, case_number: str | None, action: str,
            outcome: str, detail: dict[str, Any] | None) -> bytes:
    """The entry as the hash sees it: every column but the id and the hashes, in one canonical form."""
    return json.dumps([_moment(at), actor, on_behalf_of, case_number, action, outcome, detail or {}],
                      sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link(prev_hash: str, entry: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + entry).hexdigest()


@dataclass(frozen=True)
class Break:
    id: int
    at: datetime
    why: str        # "inhoud" (the entry changed), "schakel" (an entry before it was removed or moved), "ontbreekt"


def first_break(rows: Iterable[Any]) -> tuple[Break | None, int, str]:
    """Walk the chain in id order: the first broken link (None: intact), how many entries it checked, and the last
    hash. Entries from before the chain existed (no hash) are skipped, but none may follow a chained one."""
    prev, checked = None, 0
    for row in rows:
        if row.hash is None:
            if prev is not None:
                return Break(row.id, row.at, "ontbreekt"), checked, prev
            continue
        expected_prev = GENESIS if prev is None else prev
        if row.prev_hash != expected_prev:
            return Break(row.id, row.at, "schakel"), checked, prev or GENESIS
        body = content(row.at, row.actor, row.on_behalf_of, row.case_number, row.action, row.outcome, row.detail)
        if link(row.prev_hash, body) != row.hash:
            return Break(row.id, row.at, "inhoud"), checked, prev or GENESIS
        prev, checked = row.hash, checked + 1
    return None, checked, prev or GENESIS
