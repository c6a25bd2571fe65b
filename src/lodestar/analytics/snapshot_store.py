"""The snapshot store: one Parquet file per date under <data_dir>/snapshots/as_of=YYYY-MM-DD/.

It sits in analytics, below the domains, because health and sop read snapshot files and the snapshot run
(which writes them) records health history through health: the store must be below both health and
snapshots so that neither reaches up for it.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lodestar.settings import Settings

FILE = "snapshot.parquet"


def root_of(settings: Settings) -> Path:
    """Where the snapshot store of these settings lives."""
    return settings.data_dir / "snapshots"


def folder(root: Path, as_of: date) -> Path:
    """The folder of one date's snapshot."""
    return root / f"as_of={as_of.isoformat()}"


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary-encoded strings inside the explanations become plain strings (stable on read-back)."""
    if "explanations" not in table.column_names:
        return table
    item = table.schema.field("explanations").type.value_type
    fields = [pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type) for f in item]
    index = table.column_names.index("explanations")
    return table.set_column(
        index, "explanations", table.column("explanations").cast(pa.list_(pa.struct(fields)))
    )


def write(root: Path, as_of: date, table: pa.Table) -> Path:
    """Writes (or atomically replaces) one date's snapshot."""
    target = folder(root, as_of)
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f".{FILE}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        pq.write_table(_plain(table), tmp, compression="zstd")
        os.replace(tmp, target / FILE)
    finally:
        tmp.unlink(missing_ok=True)
    return target / FILE


def read(root: Path, as_of: date, columns: list[str] | None = None) -> pa.Table | None:
    """One date's snapshot (only `columns` when given), or None when it was never computed."""
    path = folder(root, as_of) / FILE
    return pq.read_table(path, columns=columns) if path.exists() else None


def dates(root: Path) -> list[date]:
    """Every date with a stored snapshot, oldest first."""
    if not root.exists():
        return []
    found = []
    for child in root.glob("as_of=*"):
        if (child / FILE).exists():
            try:
                found.append(date.fromisoformat(child.name.removeprefix("as_of=")))
            except ValueError:
                continue
    return sorted(found)


def latest_before(root: Path, as_of: date) -> date | None:
    """The newest stored date strictly before as_of."""
    earlier = [d for d in dates(root) if d < as_of]
    return earlier[-1] if earlier else None
