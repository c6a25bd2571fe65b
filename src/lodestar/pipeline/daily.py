"""The daily pipeline: the locked, recorded snapshot run, then the SOP step for the stage entries it found,
then the alert step (rules evaluated on the run's dates; alerts raised on the present date only), then the
renewal records of the present date (renewals opened with their window, outcomes read from the contracts),
then the churn likelihood (when a model is active; it fills open renewals' predicted likelihood), then the
win-back step (win-backs opened and settled, leads and churn surveys sent; on the present date only), then
the purchase-intent stars of the present date.

No domain calls the next step: the pipeline calls each one. The snapshot, the SOP and the alert steps share
one unit of work, so playbooks start and alerts are raised (with their outbox messages) exactly when the
snapshot that found them is committed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.alerts import service as alerts_service
from lodestar.alerts import snapshot_step as alerts_step
from lodestar.analytics import snapshot_store
from lodestar.analytics.engines.engine import AnalyticsEngine, from_settings
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.contracts import commercials
from lodestar.db.engine import unit_of_work
from lodestar.intent import service as intent_service
from lodestar.kit.collector import batch_pace
from lodestar.kit.phases import PhaseClock
from lodestar.kit.progress import Progress, silent
from lodestar.kit.text import Text
from lodestar.kit.time import today_in
from lodestar.notifications import service as notifications_service
from lodestar.notifications.schemas import DigestTask, Notice, RenewalSummary
from lodestar.predictions import service as predictions_service
from lodestar.renewals.records import service as renewal_records
from lodestar.renewals.retention import service as retention_service
from lodestar.renewals.retention.renewal_analysis import NO_REASON, NO_REASON_LABEL, RenewalReport
from lodestar.renewals.winback import service as winback_service
from lodestar.settings import Settings
from lodestar.snapshots import fingerprint, run_records
from lodestar.snapshots import service as snapshots_service
from lodestar.snapshots.models import SnapshotRun
from lodestar.sop import service as sop_service
from lodestar.success_plans import service as success_plans_service

TOP_REASONS_IN_DIGEST = 3
log = logging.getLogger("lodestar.snapshots")  # the logger name operators already filter on


@batch_pace()  # a run reads rows by the hundred thousand: fewer collector passes
def run_job(
    engine: Engine,
    settings: Settings,
    dates: Sequence[date],
    kind: str = "run",
    wait_s: float = 0.0,
    analytics: AnalyticsEngine | None = None,
    progress: Progress = silent,
    today: date | None = None,
) -> SnapshotRun:
    """Runs the snapshot of these dates, its SOP and alert steps under the lock; records the run (failures
    too).

    `progress` hears of each date the snapshot stores (lodestar.kit.progress). `today` is the company's
    today (None: the clock's), to which the accounts' commercials are brought first, whatever the dates.
    """
    days = sorted(set(dates))
    holder = run_records.new_holder()
    run_records.claim(engine, holder, wait_s)
    try:
        run = run_records.start(engine, kind, days)
        root = snapshot_store.root_of(settings)
        name = analytics.name if analytics else settings.analytics_engine
        at = fingerprint.places(
            settings, *((analytics.event_store(), analytics.rollup_dir) if analytics else ())
        )
        try:
            clock = PhaseClock()
            with clock.phase("commercials"):
                clock.count("commercials", _commercials_to_today(engine, today or today_in(settings.zone)))
            with clock.phase("unchanged"):
                skipped = _skip_if_unchanged(engine, settings, name, days, at, clock)
            if skipped is not None:
                skipped.phases = clock.report()
                return run_records.finish(engine, run, "succeeded", outcome=skipped)
            with unit_of_work(engine) as session:
                # Before the fingerprint: the links follow from the contracts and the renewals
                # configuration, and the stage engine of this very run reads them.
                with clock.phase("renewal_links"):
                    clock.count("renewal_links", renewal_records.store_links(session))
                started = fingerprint.start(session, settings, name, days, at)
                outcome = snapshots_service.run_snapshots(
                    session,
                    analytics or from_settings(settings),
                    root,
                    days,
                    settings.events_dir,
                    clock,
                    progress,
                )
                with clock.phase("sop"):
                    sop_service.after_snapshot(
                        session, root, outcome.dates, outcome.stage_changes, outcome.first_stage
                    )
                with clock.phase("success_plans"):  # templates on stage entries, metric completions
                    done_plans = success_plans_service.after_snapshot(
                        session, root, outcome.dates, outcome.stage_changes, outcome.first_stage
                    )
                    clock.count(
                        "success_plans", done_plans["milestones_created"] + done_plans["milestones_reached"]
                    )
                with clock.phase("alerts"):
                    present = alerts_step.present_date(root, outcome.dates)
                    done = alerts_step.after_snapshot(session, root, outcome.dates, present)
                    clock.count("alerts", done["signals"] + done["raised"] + done["resolved"])
                if present is not None:  # a backfill of the past leaves today's renewals as they are
                    with clock.phase("renewals"):
                        renewed = renewal_records.open_and_derive(session, present)
                        clock.count("renewals", renewed["opened"] + renewed["derived"])
                if present is not None:  # churn likelihood of the present date, when a model is active
                    with clock.phase("churn"):
                        clock.count("churn", score_churn(session, root, settings.data_dir, present))
                if present is not None:  # win-backs move on the present date only, never in a backfill
                    with clock.phase("winback"):
                        clock.count(
                            "winback", winback_service.after_snapshot(session, present, settings).written
                        )
                    with clock.phase("intent"):  # purchase-intent stars of the present date
                        clock.count(
                            "intent",
                            intent_service.after_snapshot(session, root, settings.events_dir, present),
                        )
                with clock.phase("fingerprint"):
                    outcome.fingerprint = fingerprint.finish(session, started)
                committing, committing_cpu = time.perf_counter(), time.process_time()
            clock.add("commit", time.perf_counter() - committing, time.process_time() - committing_cpu)
            outcome.phases = clock.report()
        except Exception as exc:
            run_records.finish(engine, run, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        return run_records.finish(engine, run, "succeeded", outcome=outcome)
    finally:
        run_records.release(engine, holder)


def score_churn(session: Session, root: Path, data_dir: Path, day: date, strict: bool = False) -> int:
    """Scores the date with the active churn model and fills open renewals' predicted likelihood; without a
    model (or the date's snapshot) nothing is scored, or with `strict` that is refused."""
    if strict:
        scored = predictions_service.score_date(session, root, data_dir, day)
    else:
        scored = predictions_service.score_if_active(session, root, data_dir, day)
    if scored:
        renewal_records.set_predicted_likelihoods(session, predictions_service.likelihoods_on(session, day))
    return scored


def _commercials_to_today(engine: Engine, today: date) -> int:
    """Brings the accounts' ARR, renewal date and status to today: contracts that began or ended since the
    last run change them with no write of their own (and this run's tiers read the ARR). Returns how many
    accounts changed."""
    last_run = run_records.last_succeeded_start(engine)
    with unit_of_work(engine) as session:
        return commercials.refresh_crossed(session, last_run, today)


def _skip_if_unchanged(
    engine: Engine, settings: Settings, name: str, days: list[date], at: fingerprint.Places, clock: PhaseClock
) -> snapshots_service.RunOutcome | None:
    """The outcome of a run with nothing to do (the newest run had these dates and every input it had), or
    None: the run must compute."""
    with unit_of_work(engine) as session:
        now = fingerprint.now(session, settings, name, days, at)
        last = fingerprint.unchanged_since(session, now)
        if last is None:
            return None
        accounts, versions = last.accounts, dict(last.versions)
    clock.count("unchanged", 0)
    return snapshots_service.RunOutcome(days, accounts, 0, 0, versions, fingerprint=now)


def run_daily_if_due(engine: Engine, settings: Settings, now: datetime | None = None) -> SnapshotRun | None:
    """Runs today's pipeline once the configured hour has passed, unless today's snapshot is already done."""
    local = (now or datetime.now(settings.zone)).astimezone(settings.zone)
    if local.hour < settings.snapshot_hour:
        return None
    with unit_of_work(engine) as session:
        if snapshots_service.done_on(session, local.date()):
            return None
    try:
        return run_job(engine, settings, [local.date()], kind="daily")
    except run_records.SnapshotBusy:
        return None


def digest_tasks(session: Session, today: date) -> list[DigestTask]:
    """Each person's due SOP tasks (overdue, due today, the next 7 days) as the digest takes them."""
    return [
        DigestTask(d.user_id, t["id"], section, t["title"], t["title_zh"], t["due_on"], t["account"])
        for d in sop_service.build_digests(session, today)
        for section, tasks in d.sections.items()
        for t in tasks
    ]


def renewal_summaries(session: Session, today: date, base_url: str) -> list[RenewalSummary]:
    """On the first day of a month (the company's), each active manager's and admin's summary of last
    month's renewals over the accounts they may see, reason names in their language; other days none."""
    if today.day != 1:
        return []
    out = []
    # People who see the same accounts in the same language (every admin, say) share one report.
    reports: dict[tuple[frozenset[int] | None, bool], RenewalReport] = {}
    for user in auth_service.list_users(session):
        if not user.active or user.role not in (Role.MANAGER.value, Role.ADMIN.value):
            continue
        chinese = user.locale == "zh_CN"
        key = (auth_service.scope_for(session, user).owner_ids, chinese)
        if key not in reports:
            reports[key] = retention_service.last_month_report(session, user, today, chinese=chinese)
        report = reports[key]
        totals = report.totals
        reasons = [
            (Text(NO_REASON_LABEL) if line.key == NO_REASON else line.label, line.lost)
            for line in report.top_reasons[:TOP_REASONS_IN_DIGEST]
        ]
        url = f"{base_url.rstrip('/')}/retention/report?period={report.period}"
        out.append(
            RenewalSummary(
                user.id, report.period, report.currency, totals.due, totals.renewed, totals.lost,
                totals.renewal_rate, reasons, url,
            )
        )  # fmt: skip
    return out


def send_digest(
    engine: Engine, settings: Settings, today: date, alerts: Sequence[Notice] | None = None
) -> int:
    """Writes each person's daily digest — the alerts that name them (by default the live ones raised
    today), merged with their due SOP tasks and, on the first of a month, a manager's or admin's summary of
    last month's renewals — to the notification outbox; the worker delivers it by their
    preferences. Once a day per person (the digest's key names the date); a failure is logged, not raised.
    How many messages were written."""
    try:
        with unit_of_work(engine) as session:
            if alerts is None:
                alerts = alerts_service.digest_notices_since(session, today)
            summaries = renewal_summaries(session, today, settings.base_url)
            notices = notifications_service.digest_notices(
                session, today, alerts, digest_tasks(session, today), summaries
            )
            written = notifications_service.notify(session, notices, settings)
        log.info("queued %d digest message(s) for %d person(s)", written, len(notices))
        return written
    except Exception:
        log.exception("daily digest failed")
        return 0
