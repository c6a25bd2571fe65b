"""Usage events from files into the event store, column at a time (no per-row Python on the hot path)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics import event_store as store
from lodestar.contracts import service as contracts_service
from lodestar.imports.mapping import FIRST_ROW, Mapped, Problems
from lodestar.imports.schemas import MappingSpec
from lodestar.kit.time import from_day_number

_NULL = pa.scalar(None, pa.string())


def _json_value(m: Mapped) -> pa.Array:
    """Each cell as a JSON literal (null when blank)."""
    if m.type in ("int", "bool"):
        text = pc.cast(m.values, pa.string())
    elif m.type == "number":
        text = pc.cast(pc.cast(m.values, pa.float64()), pa.string())
    else:
        source = m.values if m.type == "string" else pc.cast(m.values, pa.string())
        escaped = pc.replace_substring(pc.replace_substring(source, "\\", "\\\\"), '"', '\\"')
        for raw, code in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            escaped = pc.replace_substring(escaped, raw, code)
        text = pc.binary_join_element_wise('"', escaped, '"', "")
    return pc.fill_null(text, "null")


def properties(mapped: dict[str, Mapped], rows: int) -> pa.Array:
    """The properties.* columns as one JSON object per row."""
    names = [t for t in mapped if t.startswith("properties.")]
    if not names:
        return pa.array(["{}"] * rows, pa.string())
    parts: list[pa.Array | str] = []
    for i, target in enumerate(names):
        key = target.removeprefix("properties.").replace("\\", "\\\\").replace('"', '\\"')
        parts += [("{" if i == 0 else ",") + f'"{key}":', _json_value(mapped[target])]
    return pc.binary_join_element_wise(*parts, "}", "")


def _lookup(text: pa.Array, found: dict[str, str | None]) -> pa.Array:
    keys = [k for k, v in found.items() if v is not None]
    index = pc.index_in(text, value_set=pa.array(keys, pa.string()))
    return pc.take(pa.array([found[k] for k in keys], pa.string()), index)


def group_ids(session: Session, mapped: dict[str, Mapped], spec: MappingSpec, problems: Problems) -> pa.Array:
    """The account groupId of every row: given, or looked up through an account or a contract."""
    if "group_id" in mapped:
        return mapped["group_id"].values
    target = "contract" if "contract" in mapped else "account" if "account" in mapped else None
    if target is None:
        return pa.nulls(len(next(iter(mapped.values())).text), pa.string())
    m = mapped[target]
    wanted = pc.unique(pc.drop_null(m.text)).to_pylist()
    if target == "contract":
        refs = contracts_service.contract_refs(session, wanted)
        account_of = {k: a for k, (_, a) in refs.items()}
    else:
        lookup = spec.fields[target].lookup if target in spec.fields else None
        account_of = accounts_service.account_ids_by(session, lookup or "crm_id", wanted)
    groups = accounts_service.group_ids_of(session, sorted(set(account_of.values())))
    found = {k: groups.get(a) for k, a in account_of.items()}
    unknown = pc.and_(pc.is_valid(m.text), pc.invert(pc.is_in(m.text, value_set=pa.array(list(account_of)))))
    problems.add_mask(pc.fill_null(unknown, False), m.text, m.column or target, f"no {target} with this id")
    known = pa.array([k for k in account_of if found[k] is None], pa.string())
    nogroup = pc.fill_null(pc.is_in(m.text, value_set=known), False)
    problems.add_mask(nogroup, m.text, m.column or target, "the account has no segment_group_id")
    return _lookup(m.text, found)


def message_ids(table: pa.Table, mapped: dict[str, Mapped]) -> pa.Array:
    """The file's message ids, or ids derived from each row's cells and row number."""
    if "message_id" in mapped:
        return mapped["message_id"].values
    numbers = pa.array(np.arange(FIRST_ROW, FIRST_ROW + table.num_rows).astype(str))
    cells = [pc.fill_null(c, "") for c in table.columns]
    joined = pc.binary_join_element_wise(numbers, *cells, "\x1f").to_pylist()
    return pa.array(
        ["imp-" + hashlib.blake2b(s.encode(), digest_size=12).hexdigest() for s in joined], pa.string()
    )


def _constant_or(mapped: dict[str, Mapped], target: str, value: str | None, rows: int) -> pa.Array:
    if target in mapped:
        return mapped[target].values
    return pa.array([value] * rows, pa.string())


def event_table(
    session: Session, spec: MappingSpec, table: pa.Table, mapped: dict[str, Mapped], problems: Problems
) -> pa.Table:
    """The file's rows as an EVENT_SCHEMA table; bad cells go to `problems`."""
    rows = table.num_rows
    if "timestamp" not in mapped:  # its column could not be read as dates (already reported)
        return table
    kinds = _constant_or(mapped, "type", "track", rows)
    bad_type = pc.invert(pc.fill_null(pc.is_in(kinds, value_set=pa.array(store.MESSAGE_TYPES)), False))
    problems.add_mask(bad_type, kinds, _column(mapped, "type"), "is not a Segment message type")
    event = _constant_or(mapped, "event", None, rows)
    no_event = pc.and_(pc.equal(kinds, "track"), pc.is_null(event))
    problems.add_mask(
        pc.fill_null(no_event, False), event, _column(mapped, "event"), "track events need a name"
    )
    ids = message_ids(table, mapped)
    if "message_id" in mapped:  # derived ids include the row number, so cannot repeat
        _repeats(ids, _column(mapped, "message_id"), problems)
    stamp = mapped["timestamp"].values
    columns = {
        "message_id": ids,
        "type": kinds,
        "event": pc.if_else(pc.equal(kinds, "track"), event, _NULL),
        "name": _constant_or(mapped, "name", None, rows),
        "user_id": _constant_or(mapped, "user_id", None, rows),
        "anonymous_id": _constant_or(mapped, "anonymous_id", None, rows),
        "group_id": group_ids(session, mapped, spec, problems),
        "timestamp": stamp,
        "received_at": stamp,  # historic rows: receipt time is the event's own, so a re-import is identical
        "source": _constant_or(mapped, "source", "import", rows),
        "properties": properties(mapped, rows),
        "traits": pa.array(["{}"] * rows, pa.string()) if rows else pa.array([], pa.string()),
    }
    return pa.table(columns, schema=store.EVENT_SCHEMA) if not problems.items else pa.table(columns)


def _column(mapped: dict[str, Mapped], target: str) -> str:
    return mapped[target].column or target if target in mapped else target


def _repeats(ids: pa.Array, column: str, problems: Problems) -> None:
    if len(pc.unique(ids)) == len(ids):
        return
    first: dict[str, int] = {}
    for index, value in enumerate(ids.to_pylist()):
        if value in first:
            problems.add(index + FIRST_ROW, column, value, f"message_id repeats row {first[value]}")
        else:
            first.setdefault(value, index + FIRST_ROW)


def store_name(raw: bytes, spec: MappingSpec) -> str:
    """The part-file name for this file under this mapping: the same input always gets the same name."""
    digest = hashlib.blake2b(raw, digest_size=16)
    digest.update(spec.model_dump_json().encode())
    return "import-" + digest.hexdigest()[:20]


def day_counts(events: pa.Table) -> dict[date, int]:
    """How many events fall on each UTC day."""
    micros = events.column("timestamp").cast(pa.int64()).to_numpy()
    days, counts = np.unique(np.floor_divide(micros, 86_400_000_000), return_counts=True)
    return {from_day_number(d): int(n) for d, n in zip(days, counts, strict=True)}


def write(events_dir: Path, events: pa.Table, name: str, dry_run: bool) -> tuple[int, int]:
    """Writes (unless dry run) and returns (created, unchanged): days already written count unchanged."""
    created = unchanged = 0
    for day, count in day_counts(events).items():
        if store.part_path(events_dir, day, name).exists():
            unchanged += count
        else:
            created += count
    if not dry_run and created:
        store.write_events(events_dir, events, name=name)
    return created, unchanged
