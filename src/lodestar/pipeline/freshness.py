"""Freshness: the accounts a moved range of events touched get today's metrics and health within seconds.

The event mover (events.ingest) stores each acknowledged range and then tells the step chained here: bring
the roll-ups and the last-active state up to date (only the days that changed are rebuilt), then recompute
every touched account once, in one batch, at today's date in the company's time zone
(snapshots.recompute), then evaluate the alert rules for those accounts (alerts.snapshot_step). Events
sit below snapshots, so the chaining is composed here: `app` names this module as the mover's entry point
at startup, and its `main` runs the mover with the step.

The step takes the snapshot lock for its short write, so it never interleaves with a run; accounts whose
round found the lock held wait for the next moved range.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from lodestar.events.ingest import mover_process
from lodestar.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import Engine


def moved_groups(moved: pa.Table) -> set[str]:
    """The group ids (accounts, as events name them) of a moved range's rows."""
    import pyarrow.compute as pc

    if "group_id" not in moved.column_names:
        return set()
    return {g for g in pc.unique(moved.column("group_id").drop_null()).to_pylist() if g}


class Refresh:
    """The step after each moved range: roll-ups, then one recompute of the touched accounts."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings, self.engine = settings, engine
        self.analytics: Any = None  # made with the first moved range (see _ready)
        self.waiting: set[str] = set()  # groups whose round found the snapshot lock held

    def _ready(self) -> None:
        # The analytics stack is imported when the first range moves, not at startup: the mover process
        # starts beside the server and lowers its priority first, so it must start light.
        from lodestar.analytics.engines.engine import from_settings

        if self.analytics is None:
            self.analytics = from_settings(self.settings)

    def __call__(self, moved: pa.Table) -> None:
        """Recomputes the accounts of the moved rows (and of any round that had to wait) at today's date."""
        from lodestar.accounts import service as accounts_service
        from lodestar.analytics.rollups import update_rollups
        from lodestar.db.engine import unit_of_work
        from lodestar.snapshots import run_records

        self._ready()
        groups = self.waiting | moved_groups(moved)
        with unit_of_work(self.engine) as session:
            ids = accounts_service.accounts_of_groups(session, groups) if groups else []
        if not ids:  # events of groups no account claims (yet) change no metric
            return
        update_rollups(self.settings.events_dir, self.analytics.rollup_dir)
        holder = run_records.new_holder()
        try:
            run_records.claim(self.engine, holder)
        except run_records.SnapshotBusy:
            self.waiting = groups
            return
        try:
            self.recompute(ids)
            self.waiting = set()
        finally:
            run_records.release(self.engine, holder)

    def recompute(self, account_ids: Collection[int]) -> int:
        """Recomputes these accounts at today's date and evaluates the alert rules for them, in one unit of
        work; how many were recomputed."""
        from lodestar.alerts.snapshot_step import after_recompute
        from lodestar.analytics import snapshot_store
        from lodestar.db.engine import unit_of_work
        from lodestar.kit.time import today_in
        from lodestar.snapshots.recompute import recompute_accounts

        self._ready()
        root, today = snapshot_store.root_of(self.settings), today_in(self.settings.zone)
        with unit_of_work(self.engine) as session:
            done = recompute_accounts(session, self.analytics, root, account_ids, today)
            after_recompute(session, root, done.column("account_id").to_pylist(), today)
            return done.num_rows


def main() -> None:
    """Runs the event mover with the freshness step chained (the server starts it; see the docstring)."""
    settings = Settings.model_validate_json(os.environ[mover_process.SETTINGS_ENV])
    mover_process.main(chain=lambda engine: Refresh(settings, engine))


if __name__ == "__main__":
    main()
