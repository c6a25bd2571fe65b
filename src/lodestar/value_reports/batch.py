"""Many reports of one period at once (`lodestar reports build`): the accounts chosen by tier or by id / CRM
id, figures read in chunks (one roll-up scan and one snapshot read per chunk), one PDF per account."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.kit.errors import InvalidInput
from lodestar.kit.progress import Progress, silent
from lodestar.kit.text import N_, Text
from lodestar.value_reports import periods, rendering
from lodestar.value_reports.report_figures import Store, figures_for

if TYPE_CHECKING:  # the PDF engine (WeasyPrint, a second to load) loads when a PDF is made
    from lodestar.value_reports.pdf_worker import Renderers

CHUNK = 200  # accounts whose figures are held at once: bounds memory, keeps the scans few
POOL_FROM = 8  # reports from which PDFs are drawn in worker processes


@dataclass(frozen=True)
class BuiltReport:
    """One report written by a batch."""

    account_id: int
    account_name: str
    path: str
    events: int
    active_users: int


def choose_accounts(session: Session, tier: str | None, wanted: Sequence[str] | None) -> list[int]:
    """The accounts of a batch: these ids or CRM ids (each must exist), else every active account, then
    only those of the tier when given."""
    if wanted:
        ids: list[int] = []
        by_crm = accounts_service.account_ids_by(session, "crm_id", list(wanted))
        numeric = {int(w) for w in wanted if w.isdigit()}
        known = accounts_service.accounts_exist(session, numeric)
        missing = [w for w in wanted if w not in by_crm and not (w.isdigit() and int(w) in known)]
        if missing:
            message = Text(N_("no account with id or CRM id %(values)s"), values=", ".join(missing))
            raise InvalidInput.one("accounts", message)
        ids = sorted({by_crm[w] if w in by_crm else int(w) for w in wanted})
    else:
        ids = sorted(a for a, _, _ in accounts_service.owners_and_tiers(session))
    if tier is None:
        return ids
    tiers = {p["account_id"]: p["tier"] for p in accounts_service.tier_profiles(session, ids)}
    return [a for a in ids if tiers.get(a) == tier]


@contextmanager
def _renderer(count: int) -> Iterator[Renderers | None]:
    """Worker processes for the PDFs (one per core, at most two: PDF layout is the batch's cost and each
    worker holds its own fonts); none for a handful of reports (starting one costs about a second)."""
    if count < POOL_FROM:
        yield None
        return
    from lodestar.value_reports.pdf_worker import Renderers

    with Renderers(max(1, min(2, len(os.sched_getaffinity(0))))) as workers:
        yield workers


def build_batch(
    session: Session,
    period_key: str,
    today: date,
    account_ids: Sequence[int],
    locale: str,
    out_dir: Path,
    store: Store,
    progress: Progress = silent,
) -> list[BuiltReport]:
    """Writes `<out_dir>/<period>/<account id>-<locale>.pdf` for each account (figures as of today); a
    period in the future is refused before anything is written."""
    from lodestar.value_reports.pdf import render_to_file

    period = periods.parse(period_key, today)
    progress(0, total=len(account_ids))
    built: list[BuiltReport] = []
    with _renderer(len(account_ids)) as workers:
        for at in range(0, len(account_ids), CHUNK):
            chunk = list(account_ids[at : at + CHUNK])
            found = figures_for(session, chunk, period, store, locale == "zh_CN")
            jobs, made = [], []
            for account_id in chunk:
                f = found[account_id]
                document = rendering.document(f, locale, {"highlights": None, "next_plan": None})
                target = str(out_dir / period.key / f"{account_id}-{locale}.pdf")
                jobs.append((document, target))
                made.append(
                    BuiltReport(account_id, f.account_name, target, f.usage.events, f.usage.active_users)
                )
            if workers is None:
                for (document, target), report in zip(jobs, made, strict=True):
                    render_to_file(document, target)
                    progress(1, note=report.account_name)
            else:
                workers.render(jobs, lambda i, made=made: progress(1, note=made[i].account_name))  # type: ignore[misc]
            built += made
    return built
