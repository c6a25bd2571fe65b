"""Point reads of snapshot-shaped Parquet files: footers kept in memory, only the row groups asked for.

A file's footer (its row groups' account_id ranges) is parsed once per file identity (inode, size,
mtime), so a server answering account pages reads one small row group per file and request; a file
replaced under the same name is a new identity and is parsed afresh.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

Signature = tuple[int, int, int]
_CACHE_FILES = 512  # footers kept; a server touches the newest dates' files over and over
_footers: dict[str, Footer] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Footer:
    """What a point read needs of one file: its identity, metadata and each row group's account range."""

    path: Path
    signature: Signature
    parquet: pq.FileMetaData
    names: tuple[str, ...]
    metadata: dict[bytes, bytes]
    first: np.ndarray
    last: np.ndarray


def _signature_of(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def signature(path: Path) -> Signature | None:
    """The identity of a file (None when it does not exist)."""
    try:
        return _signature_of(path.stat())
    except FileNotFoundError:
        return None


def _ranges(meta: pq.FileMetaData) -> tuple[np.ndarray, np.ndarray]:
    """Each row group's smallest and largest account_id (the whole range where statistics are missing)."""
    column = next((i for i in range(meta.num_columns) if meta.schema.column(i).path == "account_id"), None)
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    first = np.full(meta.num_row_groups, lo, dtype=np.int64)
    last = np.full(meta.num_row_groups, hi, dtype=np.int64)
    if column is None:
        return first, last
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(column).statistics
        if stats is not None and stats.has_min_max:
            first[g], last[g] = int(stats.min), int(stats.max)
    return first, last


def _load(path: Path, source: pa.NativeFile | str, sig: Signature) -> Footer:
    meta = pq.read_metadata(source)
    first, last = _ranges(meta)
    schema = meta.schema.to_arrow_schema()
    found = Footer(path, sig, meta, tuple(schema.names), dict(schema.metadata or {}), first, last)
    with _lock:
        if len(_footers) >= _CACHE_FILES:
            _footers.clear()
        _footers[str(path)] = found
    return found


def footer(path: Path) -> Footer | None:
    """The file's footer (parsed once per file identity), or None when the file does not exist."""
    sig = signature(path)
    if sig is None:
        return None
    known = _footers.get(str(path))
    if known is not None and known.signature == sig:
        return known
    try:
        return _load(path, str(path), sig)
    except FileNotFoundError:
        return None


def _groups(found: Footer, ids: np.ndarray) -> list[int]:
    """The row groups whose account range holds any of these ids."""
    if not len(ids) or not len(found.first):
        return []
    inside = (found.first[None, :] <= ids[:, None]) & (found.last[None, :] >= ids[:, None])
    return [int(g) for g in np.flatnonzero(inside.any(axis=0))]


def read_rows(found: Footer, ids: np.ndarray, columns: list[str] | None = None) -> pa.Table:
    """The rows of these accounts in one file, decoding only the row groups that can hold them."""
    asked = ["account_id", *(columns or ())]
    wanted = None if columns is None else [c for c in dict.fromkeys(asked) if c in found.names]
    with pa.OSFile(str(found.path), "rb") as source:
        sig = _signature_of(os.fstat(source.fileno()))
        if sig != found.signature:  # replaced since its footer was read: read this file's own
            found = _load(found.path, source, sig)
            source.seek(0)
        reader = pq.ParquetFile(source, metadata=found.parquet)
        groups = _groups(found, ids)
        if groups:
            table = reader.read_row_groups(groups, columns=wanted)
        else:
            table = found.parquet.schema.to_arrow_schema().empty_table()
            table = table.select(wanted) if wanted is not None else table
    # account_id stays (first) whatever was asked: callers merge files by it
    return table.filter(pc.is_in(table.column("account_id"), pa.array(ids, pa.int64())))
