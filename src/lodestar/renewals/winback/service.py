"""Win-back: the daily step (open, settle, playbooks by churn reason, lead webhooks, surveys), the lead pool,
the churn survey's public form, and the reason statistics the retention report reads."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.kit.text import Text
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.winback import repository, windows
from lodestar.renewals.winback.leads import lead_pool as _lead_pool
from lodestar.renewals.winback.leads import notify_new_leads
from lodestar.renewals.winback.models import WinBack
from lodestar.renewals.winback.schemas import (
    AnsweredSurvey,
    Lead,
    ReasonFigure,
    StepCounts,
    SurveyAnswer,
    WinBackQuery,
)
from lodestar.renewals.winback.surveys import (
    OpenSurvey,
    SurveyRefused,
    answer_survey,
    import_answered_surveys,
    open_survey,
    send_due_surveys,
)
from lodestar.settings import Settings
from lodestar.sop import service as sop_service

__all__ = [
    "AnsweredSurvey",
    "OpenSurvey",
    "SurveyAnswer",
    "SurveyRefused",
    "after_snapshot",
    "answer_survey",
    "import_answered_surveys",
    "lead_pool",
    "open_survey",
    "outcome_counts",
    "reason_statistics",
]


def after_snapshot(session: Session, as_of: date, settings: Settings) -> StepCounts:
    """The daily step on the present date: opens the win-backs of new churns (and starts the playbook of
    each one's churn reason), settles them from the contracts, tells the CRM of new leads, sends the due
    churn surveys. Set-based and idempotent: a second run on the same day writes nothing."""
    counts = StepCounts()
    counts.opened, starts = windows.open_win_backs(session, as_of)
    settled = windows.settle(session, as_of)
    counts.reactivated, counts.lost, counts.from_pool = (
        settled[k] for k in ("reactivated", "lost", "from_pool")
    )
    counts.playbook_runs = sop_service.start_win_back_playbooks(session, starts)
    counts.lead_messages = notify_new_leads(session, settings)
    counts.surveys = send_due_surveys(session, as_of, settings)
    return counts


def win_back_facts(session: Session) -> list[Any]:
    """(id, account_id, contract_id, churned_on, churn_reason, owner_id, outcome) of every win-back,
    company-wide: for the demo's simulated customers, never for a person's view."""
    return repository.facts(session)


def _accounts(session: Session, viewer: User, owner_id: int | None) -> Select[Any] | None:
    """The viewer's accounts (None: every one) narrowed to one owner's when asked."""
    scope = auth_service.scope_for(session, viewer)
    if owner_id is None:
        return None if scope.everything else accounts_service.ids_owned_by(scope.owner_ids or frozenset())
    # An owner outside the viewer's scope owns nothing the viewer may see: an empty list, not an error.
    return accounts_service.ids_owned_by(
        frozenset({owner_id}) if scope.allows_owner(owner_id) else frozenset()
    )


def list_win_backs(
    session: Session, viewer: User, query: WinBackQuery, limit: int = 50, offset: int = 0
) -> tuple[list[WinBack], int]:
    """The win-backs of the accounts the viewer may see matching the query (latest churn first), and their
    count; an unknown reason key is refused naming `reason`."""
    if query.reason is not None:
        keys = {r.key for r in renewals_kind.current(session)[0].reasons}
        if query.reason not in keys:
            raise InvalidInput.one("reason", Text("unknown reason: %(keys)s", keys=query.reason))
    return repository.search(session, query, _accounts(session, viewer, query.owner_id), limit, offset)


def get_win_back(session: Session, viewer: User, win_back_id: int) -> WinBack:
    """A win-back whose account the viewer may see (NotFound otherwise: we do not say it exists)."""
    record = repository.win_back(session, win_back_id)
    try:
        if record is None:
            raise NotFound(Text("win-back %(id)s not found", id=win_back_id))
        accounts_service.get_account(session, viewer, record.account_id)
    except NotFound:
        raise NotFound(Text("win-back %(id)s not found", id=win_back_id)) from None
    return record


def lead_pool(
    session: Session, viewer: User, limit: int | None = 50, offset: int = 0
) -> tuple[list[Lead], int]:
    """The accounts in the sales lead pool the viewer may see (newest leads first): a page, and the total."""
    return _lead_pool(session, auth_service.scope_for(session, viewer).owner_ids, limit, offset)


def outcome_counts(session: Session, viewer: User) -> dict[str, int]:
    """The viewer's win-backs by outcome (open, reactivated, lost) and the leads won back from the pool."""
    owner_ids = auth_service.scope_for(session, viewer).owner_ids
    scope = None if owner_ids is None else accounts_service.ids_owned_by(owner_ids)
    return repository.outcome_counts(session, scope)


def reason_statistics(session: Session, first: date, last: date) -> list[ReasonFigure]:
    """Per churn reason, over the churns whose last day falls in [first, last]: how many, their last ARR in
    the company currency (at the rate of the churn day), and how many survey answers named the reason.
    In taxonomy order, then reasons no longer in it, then churns without a reason. Company-wide: the
    caller (the retention report) applies its own scope."""
    rates = renewals_kind.exchange_rates(session)
    churns: Counter[str | None] = Counter()
    arr: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    for w in repository.churns_between(session, first, last):
        churns[w.churn_reason] += 1
        arr[w.churn_reason] += rates.convert(w.arr, w.currency, w.churned_on)
    mentions: Counter[str | None] = Counter(
        reason for s in repository.answers_between(session, first, last) for reason in (s.reasons or [])
    )
    taxonomy = [r.key for r in renewals_kind.current(session)[0].reasons]
    keys: list[str | None] = [*taxonomy, *sorted(k for k in {*churns, *mentions} if k and k not in taxonomy)]
    if None in churns:
        keys.append(None)
    return [ReasonFigure(k, churns[k], arr[k], mentions[k]) for k in keys]
