"""Upsert by an external key: insert new rows, update changed ones, leave equal ones alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from lodestar.db.bulk import insert_returning_ids

BATCH = 5_000  # keeps IN (...) lists under SQLite's bound-parameter limit


@dataclass
class UpsertCounts:
    """How many rows an upsert created, changed and found already equal; ids in input order."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


def rows_by_key(
    session: Session, model: type[Any], key: str, values: Sequence[Any], columns: Sequence[str] = ()
) -> dict[Any, Any]:
    """The stored rows whose `key` is one of these values, by value: plain rows of id, key and `columns`
    (no ORM objects, which cost far more than the query for a file of 100,000 rows)."""
    table = model.__table__
    names = list(dict.fromkeys(["id", key, *columns]))
    wanted = sorted({v for v in values if v is not None})
    found: dict[Any, Any] = {}
    for i in range(0, len(wanted), BATCH):
        query = select(*(table.c[n] for n in names)).where(table.c[key].in_(wanted[i : i + BATCH]))
        for row in session.execute(query):
            found[getattr(row, key)] = row
    return found


def update_by_id(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Updates rows by primary key (each dict carries its id and the columns it changes): one
    executemany per set of changed columns, then loaded objects are expired so they re-read."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(n for n in row if n != "id")), []).append(row)
    table = model.__table__
    for names, members in groups.items():
        if not names:
            continue
        # Core executemany (bound names may not be the columns' own); the ORM's bulk path costs several
        # times more per row for the same statement.
        values = {n: bindparam(f"v_{n}", type_=table.c[n].type) for n in names}
        stmt = update(table).where(table.c.id == bindparam("v_id_")).values(values)
        session.execute(stmt, [{"v_id_": m["id"], **{f"v_{n}": m[n] for n in names}} for m in members])
    for row in rows:
        loaded = session.identity_map.get(identity_key(model, row["id"]))
        if loaded is not None:
            session.expire(loaded)


def upsert_by_key(
    session: Session,
    model: type[Any],
    key: str,
    rows: Sequence[dict[str, Any]],
    merge: tuple[str, ...] = (),
    defaults: dict[str, Any] | None = None,
) -> UpsertCounts:
    """Writes rows keyed by `key` (unique); dict fields in `merge` are merged; `defaults` fill new rows.

    Set-based: one query reads the stored rows' compared columns, changed rows are updated in bulk by
    id and new rows inserted in bulk; a row equal to what is stored is not written at all."""
    session.flush()  # pending ORM changes first: the rows are read and written past the ORM
    columns = sorted({n for r in rows for n in r} - {"id"})
    stored = rows_by_key(session, model, key, [r[key] for r in rows], columns)
    counts = UpsertCounts(ids=[0] * len(rows))
    fresh: list[int] = []
    changes: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        current = stored.get(row[key])
        if current is None:
            fresh.append(index)
            continue
        changed: dict[str, Any] = {}
        for name, value in row.items():
            if name in merge and isinstance(value, dict):
                value = {**(getattr(current, name) or {}), **value}
            if getattr(current, name) != value:
                changed[name] = value
        if changed:
            changes.append({"id": current.id, **changed})
        counts.updated += bool(changed)
        counts.unchanged += not changed
        counts.ids[index] = current.id
    update_by_id(session, model, changes)
    new_ids = insert_returning_ids(session, model, [{**(defaults or {}), **rows[i]} for i in fresh])
    for index, new_id in zip(fresh, new_ids, strict=True):
        counts.ids[index] = new_id
    counts.created = len(fresh)
    return counts
