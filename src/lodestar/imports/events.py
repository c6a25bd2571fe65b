"""Usage events from a file's batch of rows to event-store rows, column at a time (no per-row Python)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics import event_store as store
from lodestar.contracts import service as contracts_service
from lodestar.imports.mapping import Mapped, Problems
from lodestar.imports.schemas import MappingSpec

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
        return pa.repeat(pa.scalar("{}", pa.string()), rows)
    parts: list[pa.Array | str] = []
    for i, target in enumerate(names):
        key = target.removeprefix("properties.").replace("\\", "\\\\").replace('"', '\\"')
        parts += [("{" if i == 0 else ",") + f'"{key}":', _json_value(mapped[target])]
    return pc.binary_join_element_wise(*parts, "}", "")


class GroupLookup:
    """Finds the account groupId of each row, looking each account (or contract) key up once per import:
    a streamed file's batches share what earlier batches found."""

    def __init__(self, session: Session, spec: MappingSpec, target: str) -> None:
        self.session, self.spec, self.target = session, spec, target
        self.groups: dict[str, str | None] = {}  # key -> groupId (None: the account has none)
        self.unknown: set[str] = set()
        self._sets: tuple[pa.Array, pa.Array, pa.Array, pa.Array] | None = None

    def _learn(self, wanted: list[str]) -> None:
        if self.target == "contract":
            found = contracts_service.group_ids_by_contract(self.session, wanted)
        else:
            field = self.spec.fields.get(self.target)
            found = accounts_service.group_ids_by(
                self.session, (field.lookup if field else None) or "crm_id", wanted
            )
        self.groups.update(found)
        self.unknown.update(k for k in wanted if k not in found)
        self._sets = None

    def _value_sets(self) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
        if self._sets is None:
            grouped = [k for k, g in self.groups.items() if g is not None]
            self._sets = (
                pa.array(list(self.groups), pa.string()),
                pa.array([k for k, g in self.groups.items() if g is None], pa.string()),
                pa.array(grouped, pa.string()),
                pa.array([self.groups[k] for k in grouped], pa.string()),
            )
        return self._sets

    def __call__(self, m: Mapped, problems: Problems) -> pa.Array:
        """The batch's groupIds; unknown keys and accounts without a groupId go to `problems`."""
        seen = pc.unique(pc.drop_null(m.text)).to_pylist()
        wanted = [k for k in seen if k not in self.groups and k not in self.unknown]
        if wanted:
            self._learn(wanted)
        known, nogroup, keys, values = self._value_sets()
        column = m.column or self.target
        unknown = pc.and_(pc.is_valid(m.text), pc.invert(pc.is_in(m.text, value_set=known)))
        problems.add_mask(pc.fill_null(unknown, False), m.text, column, f"no {self.target} with this id")
        without = pc.fill_null(pc.is_in(m.text, value_set=nogroup), False)
        problems.add_mask(without, m.text, column, "the account has no segment_group_id")
        return pc.take(values, pc.index_in(m.text, value_set=keys))


def group_lookup(session: Session, spec: MappingSpec, fields: Iterable[str]) -> GroupLookup | None:
    """The lookup of account groupIds, when the file names accounts or contracts instead of groupIds."""
    names = set(fields)
    if "group_id" in names:
        return None
    target = "contract" if "contract" in names else "account" if "account" in names else None
    return GroupLookup(session, spec, target) if target else None


def _group_ids(
    mapped: dict[str, Mapped], lookup: GroupLookup | None, rows: int, problems: Problems
) -> pa.Array:
    if "group_id" in mapped:
        return mapped["group_id"].values
    if lookup is None or lookup.target not in mapped:
        return pa.nulls(rows, pa.string())
    return lookup(mapped[lookup.target], problems)


def message_ids(name: str, mapped: dict[str, Mapped], first_row: int, rows: int) -> pa.Array:
    """The file's message ids, or ids made of the file's store name and the row number: the same file
    under the same mapping gets the same ids, another file other ones."""
    if "message_id" in mapped:
        return mapped["message_id"].values
    numbers = pc.cast(pa.array(np.arange(first_row, first_row + rows, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(name, numbers, "-")


def _constant_or(mapped: dict[str, Mapped], target: str, value: str | None, rows: int) -> pa.Array:
    if target in mapped:
        return mapped[target].values
    return pa.repeat(pa.scalar(value, pa.string()), rows)


def event_table(
    spec: MappingSpec,
    mapped: dict[str, Mapped],
    rows: int,
    problems: Problems,
    *,
    name: str,
    groups: GroupLookup | None,
) -> pa.Table | None:
    """One batch's rows as an EVENT_SCHEMA table (None when a bad cell went to `problems`)."""
    if "timestamp" not in mapped:  # its column could not be read as dates (already reported)
        return None
    kinds = _constant_or(mapped, "type", "track", rows)
    bad_type = pc.invert(pc.fill_null(pc.is_in(kinds, value_set=pa.array(store.MESSAGE_TYPES)), False))
    problems.add_mask(bad_type, kinds, _column(mapped, "type"), "is not a Segment message type")
    event = _constant_or(mapped, "event", None, rows)
    no_event = pc.and_(pc.equal(kinds, "track"), pc.is_null(event))
    problems.add_mask(
        pc.fill_null(no_event, False), event, _column(mapped, "event"), "track events need a name"
    )
    stamp = mapped["timestamp"].values
    columns = {
        "message_id": message_ids(name, mapped, problems.first_row, rows),
        "type": kinds,
        "event": pc.if_else(pc.equal(kinds, "track"), event, _NULL),
        "name": _constant_or(mapped, "name", None, rows),
        "user_id": _constant_or(mapped, "user_id", None, rows),
        "anonymous_id": _constant_or(mapped, "anonymous_id", None, rows),
        "group_id": _group_ids(mapped, groups, rows, problems),
        "timestamp": stamp,
        "received_at": stamp,  # historic rows: receipt time is the event's own, so a re-import is identical
        "source": _constant_or(mapped, "source", "import", rows),
        "properties": properties(mapped, rows),
        "traits": pa.repeat(pa.scalar("{}", pa.string()), rows),
    }
    if "message_id" in mapped:
        ids = mapped["message_id"]
        problems.add_mask(pc.is_null(ids.values), ids.text, ids.column or "message_id", "is empty")
    if problems.items:  # this batch or an earlier one: the import is refused, nothing more is staged
        return None
    return pa.table(columns, schema=store.EVENT_SCHEMA)


def _column(mapped: dict[str, Mapped], target: str) -> str:
    return mapped[target].column or target if target in mapped else target


def store_name(handle: BinaryIO, spec: MappingSpec) -> str:
    """The part-file name for this file under this mapping: the same input always gets the same name.

    The file is hashed a megabyte at a time, so a large file is never held whole."""
    digest = hashlib.blake2b(digest_size=16)
    handle.seek(0)
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
    handle.seek(0)
    digest.update(spec.model_dump_json().encode())
    return "import-" + digest.hexdigest()[:20]
