"""How often health grades change on a demo, without and with the grade margin (hysteresis).

    lodestar demo --no-serve            # or any data directory with stored snapshots
    python -m bench.grade_changes [DATA_DIR]

Reads the stored snapshots (each date's score, model and stage per account) and walks the dates in order
twice, grading each score with the stored model's boundaries: once with no margin (every grade follows
its score), once with each model's configured margin (`grades.margin`), each date's previous grade
carried as the snapshot run carries it. The scores are the stored ones, so the two walks differ only in
the grade rule (the run also feeds grades back into the at-risk stage, which this leaves out). Prints grade
changes per account per quarter, and how many live accounts changed grade 6 times or more.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.analytics import snapshot_store as store
from lodestar.health.schemas import HealthConfig
from lodestar.health.scoring import GRADE_NAMES, grades
from lodestar.settings import Settings

OFF_STAGES = ("churned", "lead_pool")  # not live: left out of the "live accounts" figures
COLUMNS = ["account_id", "score", "model", "stage", "grade"]


def _health(data_dir: Path) -> HealthConfig:
    from lodestar.db.engine import engine_for, unit_of_work
    from lodestar.health import config_kind

    settings = Settings(data_dir=data_dir)
    with unit_of_work(engine_for(settings.resolved_database_url)) as session:
        return config_kind.current(session)[0]


def _codes(graded: pa.Array) -> np.ndarray:
    found = pc.fill_null(pc.index_in(graded, value_set=GRADE_NAMES), -1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def walk(tables: Sequence[pa.Table], config: HealthConfig, margin: bool) -> tuple[np.ndarray, np.ndarray]:
    """Grade changes per account over the dates (ids sorted), grading with or without the margins."""
    ids = np.unique(np.concatenate([t.column("account_id").to_numpy() for t in tables]))
    last = np.full(len(ids), -1, dtype=np.int64)
    changes = np.zeros(len(ids), dtype=np.int64)
    models = {
        m.name: m if margin else m.model_copy(update={"grades": m.grades.model_copy(update={"margin": 0})})
        for m in config.models
    }
    for table in tables:
        at = np.searchsorted(ids, table.column("account_id").to_numpy())
        score = np.asarray(
            pc.fill_null(table.column("score"), np.nan).to_numpy(zero_copy_only=False), dtype=float
        )
        now = np.full(len(at), -1, dtype=np.int64)
        for name, model in models.items():
            rows = np.flatnonzero(pc.equal(table.column("model"), name).to_numpy(zero_copy_only=False))
            now[rows] = _codes(grades(score[rows], model, last[at][rows]))
        moved = (last[at] >= 0) & (now >= 0) & (now != last[at])
        changes[at[moved]] += 1
        last[at] = np.where(now >= 0, now, last[at])
    return ids, changes


def stored_changes(tables: Sequence[pa.Table]) -> tuple[np.ndarray, np.ndarray]:
    """Grade changes per account as the stored snapshots hold them (what the run itself decided)."""
    ids = np.unique(np.concatenate([t.column("account_id").to_numpy() for t in tables]))
    last = np.full(len(ids), -1, dtype=np.int64)
    changes = np.zeros(len(ids), dtype=np.int64)
    for table in tables:
        at = np.searchsorted(ids, table.column("account_id").to_numpy())
        now = _codes(pc.cast(table.column("grade"), pa.string()))
        changes[at[(last[at] >= 0) & (now >= 0) & (now != last[at])]] += 1
        last[at] = np.where(now >= 0, now, last[at])
    return ids, changes


def main(data_dir: Path) -> list[str]:
    """The figures, one line each."""
    root = store.root_of(Settings(data_dir=data_dir))
    days = store.dates(root)
    if len(days) < 2:
        raise SystemExit(f"{root}: fewer than two stored snapshots; run `lodestar demo --no-serve` first")
    tables = [store.read(root, day, COLUMNS) for day in days]
    present = [t for t in tables if t is not None]
    config = _health(data_dir)
    quarters = max((days[-1] - days[0]).days / 91.3, 1e-9)
    final = present[-1]
    live = final.filter(pc.invert(pc.is_in(final.column("stage"), pa.array(OFF_STAGES)))).column("account_id")
    lines = [
        f"{len(days)} snapshots {days[0]} … {days[-1]} ({quarters:.2f} quarters), {len(live)} live accounts"
    ]
    for label, with_margin in (("no margin (before)", False), ("configured margin (after)", True)):
        ids, changes = walk(present, config, with_margin)
        mine = np.isin(ids, live.to_numpy())
        per_quarter = changes[mine].mean() / quarters
        flicker = int((changes[mine] >= 6).sum())
        lines.append(
            f"{label:28s} grade changes per live account per quarter {per_quarter:.2f}; "
            f"live accounts with >= 6 changes: {flicker}; all changes: {int(changes[mine].sum())}"
        )
    ids, changes = stored_changes(present)
    mine = np.isin(ids, live.to_numpy())
    lines.append(
        f"{'as the snapshot run graded':28s} grade changes per live account per quarter "
        f"{changes[mine].mean() / quarters:.2f}; "
        f"live accounts with >= 6 changes: {int((changes[mine] >= 6).sum())}"
    )
    margins = sorted({m.grades.margin for m in config.models})
    lines.append(f"configured margins: {margins}")
    return lines


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Settings().data_dir
    for line in main(folder):
        print(line)
