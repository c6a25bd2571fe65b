"""A date's patch: fresh rows of a few accounts beside the date's snapshot file, so that a one-account
recompute never rewrites the portfolio's file.

Writers hold the date's lock (a one-account recompute in the server and the freshness step after the
event mover may write at once). The patch is stamped with the identity of the file it patches (see
analytics.snapshot_store); once it holds COMPACT_SHARE of that file's rows (and more than a row group) it
is folded into a new file and removed, so readers never merge more than a small patch.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lodestar.analytics import snapshot_store as store
from lodestar.analytics.snapshot_files import signature

COMPACT_SHARE = 0.05  # fold the patch into the date's file once it holds this share of the file's rows
COMPACT_MIN_ROWS = store.ROW_GROUP_ROWS  # and never before it passes one row group (small portfolios)
LOCK = ".patch.lock"


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _replace_rows(old: pa.Table, fresh: pa.Table) -> pa.Table:
    """`old` with the rows of fresh's accounts replaced by fresh's (columns of either kept)."""
    keep = pc.invert(pc.is_in(old.column("account_id"), fresh.column("account_id")))
    return pa.concat_tables([old.filter(keep), fresh], promote_options="permissive")


def write_patch(root: Path, as_of: date, rows: pa.Table) -> None:
    """Stores these accounts' fresh rows of one date (the date's file is rewritten only to fold the patch)."""
    fresh = store.plain_explanations(rows)
    target = store.folder(root, as_of)
    with _locked(target):
        base, patch = store.files(root, as_of)
        if patch is not None:
            fresh = _replace_rows(patch, fresh)
        if base is None or fresh.num_rows < max(COMPACT_MIN_ROWS, COMPACT_SHARE * base.parquet.num_rows):
            store.write_patch_file(target / store.PATCH, fresh, base)
            return
        whole = _replace_rows(pq.read_table(base.path), fresh)
        if signature(base.path) == base.signature:  # a full run that published meanwhile wins
            store.write(root, as_of, whole)
        else:
            (target / store.PATCH).unlink(missing_ok=True)
