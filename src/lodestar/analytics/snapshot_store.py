"""The snapshot store: one Parquet file per date under <data_dir>/snapshots/as_of=YYYY-MM-DD/, plus a patch.

It sits in analytics, below the domains, because health and sop read snapshot files and the snapshot run
(which writes them) records health history through health: the store must be below both health and
snapshots so that neither reaches up for it.

Each file is sorted by account_id in row groups of ROW_GROUP_ROWS rows with min/max statistics, so one
account's row is one small row group: a point read (the account page, one-account recompute) finds it
from the footer, kept in memory per file identity, and never decodes the rest of the portfolio.

A one-account recompute does not rewrite the date's file: its rows go to ``patch.arrow`` beside it
(analytics.snapshot_patch), stamped with the identity (inode, size, mtime) of the file it patches. Every
read here merges a patch whose stamp matches; a full run that replaces the date's file leaves the old
patch stale, so it is ignored and then removed. The patch is an Arrow IPC file, not Parquet: each
recompute rewrites it whole and every read maps it whole, and at a few thousand rows Parquet's encoding
would cost tens of milliseconds each way where Arrow's costs one or two.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lodestar.analytics.snapshot_files import Footer, footer, read_rows
from lodestar.settings import Settings

FILE = "snapshot.parquet"
PATCH = "patch.arrow"
ROW_GROUP_ROWS = 2048  # one account's point read decodes at most this many rows of each column
BASE_KEY = b"lodestar.patches"  # in a patch's key-value metadata: the identity of the file it patches


def root_of(settings: Settings) -> Path:
    """Where the snapshot store of these settings lives."""
    return settings.data_dir / "snapshots"


def folder(root: Path, as_of: date) -> Path:
    """The folder of one date's snapshot."""
    return root / f"as_of={as_of.isoformat()}"


def plain_explanations(table: pa.Table) -> pa.Table:
    """Dictionary-encoded strings inside the explanations become plain strings (stable on read-back)."""
    if "explanations" not in table.column_names:
        return table
    item = table.schema.field("explanations").type.value_type
    fields = [pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type) for f in item]
    index = table.column_names.index("explanations")
    return table.set_column(
        index, "explanations", table.column("explanations").cast(pa.list_(pa.struct(fields)))
    )


def sorted_by_account(table: pa.Table) -> pa.Table:
    """The table sorted by account_id (returned as is when it already is, as the run's tables are)."""
    ids = np.asarray(table.column("account_id").to_numpy(zero_copy_only=False))
    return table if bool(np.all(ids[1:] >= ids[:-1])) else table.sort_by("account_id")


def write_file(target: Path, table: pa.Table, metadata: dict[bytes, bytes] | None = None) -> Path:
    """Writes (or atomically replaces) one snapshot-shaped file, sorted, in small row groups."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    table = plain_explanations(sorted_by_account(table))
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def write(root: Path, as_of: date, table: pa.Table) -> Path:
    """Writes (or atomically replaces) one date's snapshot; any patch of the date is superseded."""
    path = write_file(folder(root, as_of) / FILE, table)
    (folder(root, as_of) / PATCH).unlink(missing_ok=True)
    return path


def write_patch_file(target: Path, table: pa.Table, base: Footer | None) -> None:
    """Writes (or atomically replaces) a patch of `base`, sorted, as an Arrow IPC file."""
    table = plain_explanations(sorted_by_account(table))
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), BASE_KEY: stamp(base)})
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _patch_rows(path: Path) -> pa.Table | None:
    """A patch's rows, memory-mapped (None when there is none), with the stamp in its schema metadata."""
    try:
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()
    except FileNotFoundError:
        return None


def files(root: Path, as_of: date) -> tuple[Footer | None, pa.Table | None]:
    """The date's file and its patch's rows (None when the patch is absent or patches another file)."""
    base = footer(folder(root, as_of) / FILE)
    patch = _patch_rows(folder(root, as_of) / PATCH)
    metadata = dict(patch.schema.metadata or {}) if patch is not None else {}
    if patch is None or metadata.pop(BASE_KEY, None) != stamp(base):
        return base, None
    return base, patch.replace_schema_metadata(metadata or None)


def _rows_of(patch: pa.Table, ids: np.ndarray, columns: list[str] | None) -> pa.Table:
    """These accounts' rows of a patch (account_id first, then the asked columns it has)."""
    if columns is not None:
        patch = patch.select([c for c in dict.fromkeys(["account_id", *columns]) if c in patch.column_names])
    return patch.filter(pc.is_in(patch.column("account_id"), pa.array(ids, pa.int64())))


def stamp(base: Footer | None) -> bytes:
    """How a patch names the file it applies to (b"none" before the date has a file)."""
    return b"none" if base is None else ",".join(str(v) for v in base.signature).encode()


def read(root: Path, as_of: date, columns: list[str] | None = None) -> pa.Table | None:
    """One date's snapshot with its patch merged (only `columns` when given), or None when never computed."""
    base, patch = files(root, as_of)
    if base is None:
        return None
    wanted = None if columns is None else list(dict.fromkeys(["account_id", *columns]))
    table = pq.read_table(base.path, columns=wanted)
    if patch is not None:
        fresh = patch.select([c for c in table.column_names if c in patch.column_names])
        keep = pc.invert(pc.is_in(table.column("account_id"), fresh.column("account_id")))
        merged = pa.concat_tables([table.filter(keep), fresh], promote_options="permissive")
        table = merged.select(table.column_names).sort_by("account_id")
    return table if columns is None else table.select(columns)


def read_accounts(
    root: Path, as_of: date, account_ids: Collection[int], columns: list[str] | None = None
) -> pa.Table | None:
    """These accounts' rows of one date (patch first), reading only the row groups that hold them.

    Columns the date does not have are left out; None when the date has neither a file nor a patch.
    """
    base, patch = files(root, as_of)
    if base is None and patch is None:
        return None
    ids = np.unique(np.asarray(list(account_ids), dtype=np.int64))
    parts = []
    if patch is not None:
        parts.append(_rows_of(patch, ids, columns))
        ids = np.setdiff1d(ids, np.asarray(parts[0].column("account_id").to_numpy(), dtype=np.int64))
    if base is not None and (len(ids) or not parts):
        parts.append(read_rows(base, ids, columns))
    table = parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="permissive")
    table = table.sort_by("account_id") if len(parts) > 1 else table
    return table if columns is None else table.select([c for c in columns if c in table.column_names])


def read_account(
    root: Path, as_of: date, account_id: int, columns: list[str] | None = None
) -> dict[str, Any] | None:
    """One account's row of one date as a dict (None when the date or the account has none)."""
    table = read_accounts(root, as_of, [account_id], columns)
    return table.to_pylist()[0] if table is not None and table.num_rows else None


def column_names(root: Path, as_of: date) -> list[str]:
    """The columns of one date's snapshot (none when it was never computed)."""
    base = footer(folder(root, as_of) / FILE)
    return list(base.names) if base is not None else []


def schema(root: Path, as_of: date) -> pa.Schema | None:
    """The column types of one date's snapshot, from its footer (None when it was never computed)."""
    base = footer(folder(root, as_of) / FILE)
    return base.parquet.schema.to_arrow_schema() if base is not None else None


def dates(root: Path, patched: bool = False) -> list[date]:
    """Every date with a stored snapshot, oldest first.

    A date with only a patch (accounts recomputed before the date's run) counts only with `patched`:
    it answers point reads, never questions about the whole portfolio.
    """
    if not root.exists():
        return []
    found = []
    for child in root.glob("as_of=*"):
        if (child / FILE).exists() or (patched and (child / PATCH).exists()):
            try:
                found.append(date.fromisoformat(child.name.removeprefix("as_of=")))
            except ValueError:
                continue
    return sorted(found)


def latest_before(root: Path, as_of: date) -> date | None:
    """The newest stored date strictly before as_of."""
    earlier = [d for d in dates(root) if d < as_of]
    return earlier[-1] if earlier else None
