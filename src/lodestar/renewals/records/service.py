"""Renewal records: the daily opening and derivation, the scoped list and pipeline, one renewal, editing
its forecast and proposal, closing it with an outcome and reasons. Every change is in the audit log."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.accounts.schemas import AccountFilter
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.contracts import service as contracts_service
from lodestar.db.base import table_of
from lodestar.db.generation import GenerationCache
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound
from lodestar.kit.fields import apply_changes
from lodestar.kit.text import Text
from lodestar.kit.time import utcnow
from lodestar.renewals import config_kind
from lodestar.renewals.records import opening, pipeline_figures, repository
from lodestar.renewals.records.derivation import Chain, amounts, chains, contradiction, split
from lodestar.renewals.records.models import BY_HAND, ForecastChange, Renewal
from lodestar.renewals.records.pipeline_figures import Call, Pipeline
from lodestar.renewals.records.schemas import ForecastCall, RenewalClose, RenewalQuery, RenewalUpdate
from lodestar.renewals.schemas import FORECAST_CATEGORIES

NEED_REASONS = ("churned", "contracted")  # outcomes that must say why
FORECAST_MONTHS = 12  # the forecast-vs-actual looks back over this many whole months


def open_and_derive(session: Session, as_of: date) -> dict[str, int]:
    """The daily step: opens the renewals due on as_of, then derives the outcomes the contracts decide."""
    return {"opened": opening.open_due(session, as_of), "derived": opening.derive_outcomes(session, as_of)}


def store_links(session: Session) -> int:
    """Keeps on each contract the contract renewing it by the successor rule (the stage engine reads it);
    how many contracts changed. The daily pipeline runs it before the snapshot."""
    return opening.store_links(session)


def _accounts(session: Session, viewer: User, query: RenewalQuery) -> Any:
    """The viewer's accounts matching the query's account filters, as a subquery (closed accounts too:
    their last renewal is where they churned)."""
    wanted = (query.tier, query.industry, query.owner_id, query.grade)
    if all(w is None for w in wanted) and auth_service.scope_for(session, viewer).everything:
        return None  # every account: no IN over the whole accounts table
    flt = AccountFilter(
        tier=query.tier, industry=query.industry, owner_id=query.owner_id, grade=query.grade, closed=True
    )
    return accounts_service.matching_ids(session, viewer, flt)


# The pipeline's sums and the list's count per scope and filters, kept while the renewals and the accounts
# stay as they are (lodestar.db.generation): at 100,000 accounts a company-wide page spends 0.3-0.8 s on
# them, the cached page a fingerprint and one page of rows.
_SUMS: GenerationCache[Any] = GenerationCache(
    (table_of(Renewal), table_of(Account)), counted=(table_of(Renewal),), size=64
)


def _cached(session: Session, viewer: User, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    return _SUMS.get(session, (auth_service.scope_for(session, viewer).owner_ids, *key), compute)


def _open_groups(
    session: Session, viewer: User, query: RenewalQuery, accounts: Any, dates: list[date]
) -> list[Any]:
    opened = query.model_copy(update={"status": "open"})
    return _cached(
        session, viewer, ("open", opened.model_dump_json(), tuple(dates)),
        lambda: repository.open_groups(session, opened, accounts, dates),
    )  # fmt: skip


def list_renewals(
    session: Session, viewer: User, query: RenewalQuery, limit: int = 50, offset: int = 0
) -> tuple[list[Renewal], int]:
    """The renewals the viewer may see matching the query, soonest contract end first, and their count."""
    accounts = _accounts(session, viewer, query)
    if query.status == "open":  # the pipeline's groups count them already: no second pass
        dates = config_kind.exchange_rates(session).change_dates()
        total = sum(int(g[-2]) for g in _open_groups(session, viewer, query, accounts, dates))
    else:
        total = _cached(
            session,
            viewer,
            ("count", query.model_dump_json()),
            lambda: repository.count(session, query, accounts),
        )
    return (repository.search(session, query, accounts, limit, offset) if total else []), total


def get_renewal(session: Session, viewer: User, renewal_id: int) -> Renewal:
    """A renewal whose account the viewer may see (NotFound otherwise: we do not say it exists)."""
    renewal = repository.get(session, renewal_id)
    if renewal is None:
        raise NotFound(Text("renewal %(id)s not found", id=renewal_id))
    try:
        accounts_service.get_account(session, viewer, renewal.account_id)
    except NotFound:
        raise NotFound(Text("renewal %(id)s not found", id=renewal_id)) from None
    return renewal


def forecast_history(session: Session, viewer: User, renewal_id: int) -> list[ForecastChange]:
    """The forecast changes of a renewal the viewer may see, oldest first."""
    get_renewal(session, viewer, renewal_id)
    return repository.history(session, renewal_id)


def update_renewal(session: Session, viewer: User, renewal_id: int, data: RenewalUpdate) -> Renewal:
    """Changes the forecast (history kept), next step, proposal and documents; a closed renewal keeps the
    forecast it was called with (the forecast-vs-actual grades that call)."""
    auth_service.require_editor(viewer)
    renewal = get_renewal(session, viewer, renewal_id)
    fields = data.model_dump(exclude_unset=True, mode="python")
    if "documents" in fields:
        fields["documents"] = [dict(d) for d in fields["documents"]]
    before = renewal.forecast
    if renewal.outcome is not None and fields.get("forecast", before) != before:
        raise InvalidInput.one("forecast", Text("the renewal is closed: its forecast stays as it was called"))
    changes = apply_changes(renewal, fields)
    if "forecast" in changes:
        repository.add_change(
            session, ForecastChange(renewal_id=renewal.id, from_category=before, to_category=renewal.forecast,
                                    changed_by=viewer.id, changed_at=utcnow()),
        )  # fmt: skip
    session.flush()
    if changes:
        auth_service.record(session, viewer, "renewal.update", "renewals", renewal.id, changes)
    return renewal


def renewal_facts(session: Session) -> list[Any]:
    """(id, contract_id, owner_id, opened_on, contract_end, outcome, closed_on, forecast) of every renewal,
    company-wide: for the demo's simulated CS team, never for a person's view."""
    return repository.facts(session)


def import_forecast_history(session: Session, calls: Sequence[ForecastCall]) -> int:
    """Records past forecast calls in bulk (an import of a CRM's history, or the demo's team): per renewal,
    oldest first, each call a change from the one before and the last one the renewal's forecast — closed
    renewals too, since the calls were made before the outcome. Refused naming the field (nothing written)
    for an unknown category or renewal, or calls out of order."""
    problems: list[FieldProblem] = []
    by_renewal: dict[int, list[ForecastCall]] = {}
    for n, call in enumerate(calls, start=1):
        if call.category not in FORECAST_CATEGORIES:
            problems.append(FieldProblem(f"row {n}: forecast", Text("unknown category %(value)s",
                                                                    value=call.category)))  # fmt: skip
        by_renewal.setdefault(call.renewal_id, []).append(call)
    current = {r.id: r.forecast for r in repository.facts(session) if r.id in by_renewal}
    unknown = sorted(set(by_renewal) - set(current))
    if unknown:
        problems.append(FieldProblem("renewal_id", Text("unknown renewals: %(ids)s", ids=unknown[:10])))
    if any(a.changed_at > b.changed_at for cs in by_renewal.values() for a, b in itertools.pairwise(cs)):
        problems.append(FieldProblem("changed_at", Text("each renewal's calls must be oldest first")))
    if problems:
        raise InvalidInput(problems)
    changes: list[dict[str, Any]] = []
    for renewal_id, chain in by_renewal.items():
        before = current[renewal_id]
        for call in chain:
            changes.append({"renewal_id": renewal_id, "from_category": before, "to_category": call.category,
                            "changed_by": call.changed_by, "changed_at": call.changed_at})  # fmt: skip
            before = call.category
    repository.insert_changes(session, changes)
    repository.update_many(session, [{"id": i, "forecast": cs[-1].category} for i, cs in by_renewal.items()])
    return len(changes)


def _chain(session: Session, renewal: Renewal) -> Chain:
    ids = select(Renewal.contract_id).where(Renewal.id == renewal.id)
    rule = config_kind.current(session)[0].successor
    return chains(contracts_service.account_chain_rows(session, ids), [renewal.contract_id], rule)[
        renewal.contract_id
    ]


def _reason_problems(session: Session, data: RenewalClose) -> list[FieldProblem]:
    keys = set(config_kind.reason_keys(session))
    unknown = [k for k in data.reasons if k not in keys]
    if unknown:
        return [FieldProblem("reasons", Text("unknown reasons: %(keys)s", keys=", ".join(unknown)))]
    if data.outcome in NEED_REASONS and not data.reasons:
        return [FieldProblem("reasons", Text("give at least one reason for a renewal that is %(outcome)s",
                                             outcome=data.outcome))]  # fmt: skip
    return []


def close_renewal(
    session: Session, viewer: User, renewal_id: int, data: RenewalClose, today: date
) -> Renewal:
    """Closes a renewal by hand with its outcome, reasons and note; refused (naming the field, nothing
    written) for an unknown or missing reason or an outcome the contracts contradict."""
    auth_service.require_editor(viewer)
    renewal = get_renewal(session, viewer, renewal_id)
    if renewal.outcome_source == BY_HAND:
        raise InvalidInput.one("outcome", Text("the renewal is already closed"))
    chain = _chain(session, renewal)
    rates = config_kind.exchange_rates(session)
    problems = _reason_problems(session, data)
    found = contradiction(data.outcome, chain, rates, today)
    if found:
        problems.append(found)
    if problems:
        raise InvalidInput(problems)
    at_stake, renewed = amounts(chain, rates)
    renewal_arr, expansion, contraction, churn = split(data.outcome, at_stake, renewed)
    fields = {
        "outcome": data.outcome, "outcome_source": BY_HAND, "reasons": list(dict.fromkeys(data.reasons)),
        "note": data.note, "closed_on": today, "closed_at": utcnow(), "closed_by": viewer.id,
        "renewing_contract_id": chain.followers[0].id if chain.followers else None,
        "change_currency": rates.company_currency, "renewal_arr": renewal_arr, "expansion_arr": expansion,
        "contraction_arr": contraction, "churn_arr": churn,
    }  # fmt: skip
    changes = apply_changes(renewal, fields)
    session.flush()
    auth_service.record(session, viewer, "renewal.close", "renewals", renewal.id, changes)
    return renewal


@dataclass
class PipelinePage:
    """The renewals page's figures: the open pipeline and the forecast against the actual outcome."""

    pipeline: Pipeline
    calls: list[Call]
    calls_from: date
    calls_to: date
    missing_rates: list[str]


def pipeline_page(session: Session, viewer: User, query: RenewalQuery, today: date) -> PipelinePage:
    """The open pipeline by month × forecast category and the last FORECAST_MONTHS whole months' calls."""
    rates = config_kind.exchange_rates(session)
    accounts = _accounts(session, viewer, query)
    last = pipeline_figures.month_of(today) - timedelta(days=1)
    first = date(last.year - (1 if last.month < FORECAST_MONTHS else 0), last.month % FORECAST_MONTHS + 1, 1)
    dates = rates.change_dates()
    opened = _open_groups(session, viewer, query, accounts, dates)
    closed = _cached(
        session, viewer, ("closed", query.model_dump_json(), first, last, tuple(dates)),
        lambda: repository.closed_groups(session, query, accounts, first, last, dates),
    )  # fmt: skip
    figures = pipeline_figures.pipeline(opened, rates)
    called, missing = pipeline_figures.calls(closed, rates)
    return PipelinePage(figures, called, first, last, sorted({*figures.missing_rates, *missing}))


def forecast_totals(session: Session, account_ids: Any) -> Pipeline:
    """The open renewals of these accounts (a subquery of ids the caller may show) by forecast category,
    ARR in the company currency: the cockpit's renewal-forecast card."""
    rates = config_kind.exchange_rates(session)
    groups = repository.open_groups(session, RenewalQuery(), account_ids, rates.change_dates())
    return pipeline_figures.pipeline(groups, rates)


def account_renewals(session: Session, viewer: User, account_id: int) -> list[Renewal]:
    """An account's renewals (open first), for the account page."""
    accounts_service.get_account(session, viewer, account_id)
    return repository.for_account(session, account_id)


def names(session: Session, renewals: list[Renewal]) -> tuple[dict[int, str], dict[int, str]]:
    """(account names, user names) of the accounts and people these renewals name."""
    accounts = accounts_service.account_names(session, {r.account_id for r in renewals})
    return accounts, names_of_users(session, {i for r in renewals for i in (r.owner_id, r.closed_by)})


def names_of_users(session: Session, ids: set[int | None]) -> dict[int, str]:
    """The names of these users, by id."""
    wanted = {i for i in ids if i is not None}
    return {u.id: u.name for u in auth_service.list_users(session) if u.id in wanted} if wanted else {}


def expansion_in_hand(account_id: ColumnElement[int]) -> ColumnElement[bool]:
    """A condition on an account id: it has an open renewal proposing more than the ARR at stake."""
    return repository.expansion_in_hand(account_id)


def set_predicted_likelihoods(session: Session, churn_by_account: dict[int, float]) -> int:
    """Open renewals' predicted likelihood of renewal: one minus their account's churn likelihood from the
    active churn model (the daily step and `predict churn score` call this); how many were set."""
    return repository.set_open_likelihoods(session, {a: 1.0 - p for a, p in churn_by_account.items()})
