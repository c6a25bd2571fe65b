"""The signals every evaluated date keeps for the backtest, as packed sets: one row per date, rule and rules
version holding the ids of the accounts whose condition held.

A row per account and date made each daily run insert one row per finding (135,000 a day at 100,000
accounts, a table growing by 49 million rows a year); a date's sets are a handful of rows, rewritten only
where their accounts changed. The ids are sorted, stored as the differences between neighbours (small
numbers) and zlib-compressed: a few bytes per account.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Sequence
from datetime import date

import numpy as np
import pyarrow as pa
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from lodestar.alerts.models import AlertSignalSet

SETS: Table = AlertSignalSet.__table__  # type: ignore[assignment]
SIGNALS = pa.schema(
    [
        ("as_of", pa.date32()),
        ("rule_key", pa.string()),
        ("rules_version", pa.int64()),
        ("account_id", pa.int64()),
    ]
)
_NONE = np.array([], dtype=np.int64)

Key = tuple[str, int]  # rule_key, rules_version


def pack(ids: np.ndarray) -> bytes:
    """Sorted distinct account ids as compressed little-endian differences."""
    return zlib.compress(np.diff(ids.astype(np.int64), prepend=0).astype("<i8").tobytes())


def unpack(blob: bytes) -> np.ndarray:
    """The sorted account ids of a packed set."""
    return np.cumsum(np.frombuffer(zlib.decompress(blob), dtype="<i8")).astype(np.int64)


def _by_rule(findings: pa.Table) -> dict[str, np.ndarray]:
    """Each rule's sorted distinct account ids among the findings (rule_key, account_id)."""
    if findings.num_rows == 0:
        return {}
    keys = np.asarray(findings.column("rule_key").to_pylist(), dtype=object)
    ids = findings.column("account_id").to_numpy().astype(np.int64)
    return {str(k): np.unique(ids[keys == k]) for k in np.unique(keys)}


def _stored(session: Session, as_of: date) -> dict[Key, tuple[int, np.ndarray]]:
    stmt = select(SETS.c.id, SETS.c.rule_key, SETS.c.rules_version, SETS.c.account_ids).where(
        SETS.c.as_of == as_of
    )
    return {(k, v): (i, unpack(blob)) for i, k, v, blob in session.execute(stmt)}


def _wanted(
    stored: dict[Key, tuple[int, np.ndarray]],
    new: dict[str, np.ndarray],
    version: int,
    evaluated: pa.Array | None,
) -> dict[Key, np.ndarray]:
    """The date's sets after the evaluation: the new findings under `version`; with `evaluated` (a recompute
    of some accounts), every other account keeps what it had."""
    if evaluated is None:
        return {(k, version): ids for k, ids in new.items()}
    these = np.unique(np.asarray(evaluated.to_numpy(zero_copy_only=False), dtype=np.int64))
    wanted = {key: np.setdiff1d(ids, these, assume_unique=True) for key, (_, ids) in stored.items()}
    for k, ids in new.items():
        wanted[(k, version)] = np.union1d(wanted.get((k, version), _NONE), ids)
    return wanted


def replace_signals(
    session: Session, as_of: date, version: int, findings: pa.Table, evaluated: pa.Array | None = None
) -> int:
    """Makes the date's signals (of the evaluated accounts; None: all) exactly the findings (rule_key,
    account_id) under this rules version; signals removed or added (a signal kept under another version
    counts as one of each). Only sets whose accounts changed are written."""
    stored = _stored(session, as_of)
    wanted = _wanted(stored, _by_rule(findings), version, evaluated)
    moved = 0
    for key in sorted(set(stored) | set(wanted)):
        row_id, before = stored.get(key, (None, _NONE))
        after = wanted.get(key, _NONE)
        changed = len(np.setdiff1d(before, after, assume_unique=True))
        changed += len(np.setdiff1d(after, before, assume_unique=True))
        if not changed:
            continue
        moved += changed
        values = {"accounts": len(after), "account_ids": pack(after)}
        if row_id is not None and len(after) == 0:
            session.execute(delete(SETS).where(SETS.c.id == row_id))
        elif row_id is not None:
            session.execute(update(SETS).where(SETS.c.id == row_id).values(values))
        else:
            session.execute(insert(SETS).values(as_of=as_of, rule_key=key[0], rules_version=key[1], **values))
    return moved


def stored_dates(session: Session, days: Sequence[date], version: int) -> set[date]:
    """The dates whose every stored signal carries this rules version."""
    stmt = (
        select(SETS.c.as_of)
        .where(SETS.c.as_of.in_(sorted(set(days))))
        .group_by(SETS.c.as_of)
        .having(func.min(SETS.c.rules_version) == version, func.max(SETS.c.rules_version) == version)
    )
    return set(session.scalars(stmt))


def signal_rows(
    session: Session, days: Collection[date] | None = None, rule_keys: Collection[str] | None = None
) -> pa.Table:
    """(as_of, rule_key, rules_version, account_id) of every stored signal (of these dates and rules), by
    date, rule and account."""
    stmt = select(SETS.c.as_of, SETS.c.rule_key, SETS.c.rules_version, SETS.c.account_ids)
    if days is not None:
        stmt = stmt.where(SETS.c.as_of.in_(sorted(days)))
    if rule_keys is not None:
        stmt = stmt.where(SETS.c.rule_key.in_(sorted(rule_keys)))
    stmt = stmt.order_by(SETS.c.as_of, SETS.c.rule_key, SETS.c.rules_version)
    parts = []
    for as_of, rule_key, version, blob in session.execute(stmt):
        ids = unpack(blob)
        n = len(ids)
        columns = [
            pa.repeat(pa.scalar(as_of, pa.date32()), n),
            pa.repeat(pa.scalar(rule_key, pa.string()), n),
            pa.repeat(pa.scalar(version, pa.int64()), n),
            pa.array(ids, pa.int64()),
        ]
        parts.append(pa.table(columns, schema=SIGNALS))
    return pa.concat_tables(parts) if parts else SIGNALS.empty_table()
