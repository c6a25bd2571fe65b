"""Value reports: preview an account's report of a period, write its narrative, publish it (figures frozen,
PDF written), share it by a signed link, and build many in a batch. Every figure is computed in
`report_figures`; this module decides who may do what and what is stored."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.kit.text import N_, Text
from lodestar.kit.time import utcnow
from lodestar.settings import Settings
from lodestar.value_reports import config_kind, periods, rendering, repository, share_tokens
from lodestar.value_reports.batch import BuiltReport, build_batch, choose_accounts
from lodestar.value_reports.models import ShareLink, ValueReport
from lodestar.value_reports.report_figures import Store, figures_for
from lodestar.value_reports.schemas import LinkRead, NarrativeUpdate, ReportFigures

LOCALES = ("en", "zh_CN")
__all__ = ["BuiltReport", "build_batch", "choose_accounts", "periods"]


@dataclass(frozen=True)
class Place:
    """Where reports read (the analytical store) and write (PDFs), and the key that signs share links."""

    store: Store
    reports_dir: Path
    secret_key: str


def place_of(settings: Settings) -> Place:
    """The place of these settings: snapshots and roll-ups under the data folder, PDFs in `reports/`."""
    store = Store(
        snapshot_store.root_of(settings), settings.data_dir / "rollups", settings.zone, settings.events_dir
    )
    return Place(store, settings.data_dir / "reports", settings.secret_key)


@dataclass
class Draft:
    """A report as the CSM sees it before (or after) publishing: figures as of now and the narrative."""

    account: Account
    figures: ReportFigures
    locale: str
    stored: ValueReport | None

    @property
    def narrative(self) -> dict[str, Any]:
        """The highlights and next-period plan written so far."""
        s = self.stored
        return {"highlights": s.highlights if s else None, "next_plan": s.next_plan if s else None}


def _locale(asked: str | None, stored: ValueReport | None, account: Account, fallback: str) -> str:
    """The language asked for, else the report's, else the account's (`traits.language`), else fallback."""
    if asked is not None and asked not in LOCALES:
        raise InvalidInput.one("locale", Text(N_("is not one of %(known)s"), known=", ".join(LOCALES)))
    trait = (account.traits or {}).get("language")
    for choice in (asked, stored.locale if stored else None, trait, fallback):
        if choice in LOCALES:
            return str(choice)
    return "en"


def preview(
    session: Session,
    viewer: User,
    account_id: int,
    period_key: str,
    today: date,
    place: Place,
    locale: str | None = None,
) -> Draft:
    """The account's report of a period as of today (404 outside the viewer's scope; a future period is
    refused)."""
    account = accounts_service.get_account(session, viewer, account_id)
    period = periods.parse(period_key, today)
    stored = repository.report_of(session, account_id, period.key)
    chosen = _locale(locale, stored, account, getattr(viewer, "locale", None) or "en")
    found = figures_for(session, [account_id], period, place.store, chosen == "zh_CN")
    return Draft(account, found[account_id], chosen, stored)


def save_narrative(
    session: Session, viewer: User, account_id: int, period_key: str, data: NarrativeUpdate, today: date
) -> ValueReport:
    """Writes the highlights, next-period plan and language of the account's report (a draft until
    published; editing a published one changes the share link's text at once)."""
    auth_service.require_editor(viewer)
    accounts_service.get_account(session, viewer, account_id)
    period = periods.parse(period_key, today)
    report = repository.report_of(session, account_id, period.key) or ValueReport(
        account_id=account_id, period=period.key, status="draft"
    )
    report.locale, report.highlights, report.next_plan = data.locale, data.highlights, data.next_plan
    report.updated_at = utcnow()
    session.add(report)
    session.flush()
    auth_service.record(session, viewer, "value_report.update", "value_reports", report.id, data.model_dump())
    return report


def publish(
    session: Session,
    viewer: User,
    account_id: int,
    period_key: str,
    data: NarrativeUpdate,
    today: date,
    place: Place,
) -> ValueReport:
    """Saves the narrative, freezes today's figures and writes the PDF: the report the customer sees."""
    from lodestar.value_reports.pdf import pdf_bytes, write_pdf  # WeasyPrint: loaded when a PDF is made

    report = save_narrative(session, viewer, account_id, period_key, data, today)
    draft = preview(session, viewer, account_id, period_key, today, place, data.locale)
    document = rendering.document(draft.figures, data.locale, draft.narrative)
    target = place.reports_dir / str(account_id) / f"{report.period}-{data.locale}.pdf"
    write_pdf(target, pdf_bytes(document))
    report.figures = draft.figures.model_dump(mode="json")
    report.status, report.pdf_path = "published", str(target)
    report.published_at, report.published_by = utcnow(), viewer.id
    session.flush()
    auth_service.record(
        session,
        viewer,
        "value_report.publish",
        "value_reports",
        report.id,
        {"period": report.period, "locale": data.locale},
    )
    return report


def get_report(session: Session, viewer: User, report_id: int) -> ValueReport:
    """One stored report (404 when missing or outside the viewer's scope)."""
    report = repository.report(session, report_id)
    if report is None:
        raise NotFound("report not found")
    accounts_service.get_account(session, viewer, report.account_id)
    return report


def published_pdf(session: Session, viewer: User, report_id: int) -> Path:
    """The published report's PDF file (404 for a draft or a file gone missing)."""
    report = get_report(session, viewer, report_id)
    if report.status != "published" or not report.pdf_path or not Path(report.pdf_path).is_file():
        raise NotFound("report not published")
    return Path(report.pdf_path)


def account_reports(session: Session, account_ids: Collection[int]) -> list[ValueReport]:
    """These accounts' stored reports, newest period first (the caller checked visibility)."""
    return repository.reports_of(session, account_ids)


def published_reports(session: Session, account_ids: Collection[int]) -> list[tuple[int, str, Any]]:
    """(account, period, published instant) of these accounts' published reports (for playbook evidence)."""
    return repository.published_since(session, account_ids)


def create_link(
    session: Session, viewer: User, report_id: int, days: int | None, today: date, place: Place
) -> tuple[ShareLink, str]:
    """A new view-only link to a published report, expiring after `days` (the configured default)."""
    auth_service.require_editor(viewer)
    report = get_report(session, viewer, report_id)
    if report.status != "published":
        raise InvalidInput.one("report_id", Text(N_("publish the report before sharing it")))
    lifetime = days or config_kind.current(session)[0].link_days
    link = ShareLink(
        report_id=report.id,
        nonce=share_tokens.new_nonce(),
        expires_on=today + timedelta(days=lifetime),
        created_by=viewer.id,
    )
    session.add(link)
    session.flush()
    auth_service.record(
        session,
        viewer,
        "value_report.share",
        "value_report_links",
        link.id,
        {"report_id": report.id, "expires_on": link.expires_on},
    )
    return link, share_tokens.token_for(place.secret_key, link.id, link.nonce, link.expires_on)


def revoke_link(session: Session, viewer: User, link_id: int) -> ShareLink:
    """Revokes a link at once (404 outside the viewer's scope)."""
    auth_service.require_editor(viewer)
    link = repository.link(session, link_id)
    if link is None:
        raise NotFound("link not found")
    get_report(session, viewer, link.report_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.flush()
        auth_service.record(session, viewer, "value_report.revoke", "value_report_links", link.id, {})
    return link


def links(session: Session, viewer: User, report_id: int) -> list[LinkRead]:
    """A report's links with their views, newest first."""
    get_report(session, viewer, report_id)
    return [
        LinkRead(
            id=k.id,
            report_id=k.report_id,
            path=None,
            expires_on=k.expires_on,
            revoked_at=k.revoked_at,
            views=views,
            downloads=downloads,
        )
        for k, views, downloads in repository.links_of(session, report_id)
    ]


def open_link(
    session: Session,
    token: str,
    today: date,
    place: Place,
    user_agent: str | None,
    kind: str = "view",
) -> ValueReport:
    """The published report a share link shows, its use logged (a page view or a PDF download); anything
    wrong (malformed, tampered, expired, revoked, unpublished) is the same 404, so a link tells nothing
    about other reports."""
    link_id = share_tokens.link_id_of(token)
    link = repository.link(session, link_id) if link_id else None
    if link is None or not share_tokens.genuine(
        place.secret_key, token, link.id, link.nonce, link.expires_on
    ):
        raise NotFound("link not found")
    report = repository.report(session, link.report_id)
    if (
        link.revoked_at is not None
        or today > link.expires_on
        or report is None
        or report.status != "published"
    ):
        raise NotFound("link not found")
    repository.add_view(session, link.id, user_agent, kind)
    return report


def shared_document(report: ValueReport, pdf_href: str | None = None) -> str:
    """The standalone page of a published report, from its frozen figures (with a link to its PDF when
    `pdf_href` is given: the share page, not the PDF itself)."""
    figures = ReportFigures.model_validate(report.figures)
    narrative = {"highlights": report.highlights, "next_plan": report.next_plan}
    return rendering.document(figures, report.locale, narrative, pdf_href)


def shared_pdf(report: ValueReport) -> bytes:
    """The PDF written when the report was published; should the file be gone (a restored database without
    its data folder), it is drawn again from the frozen figures and written back, so every later download
    is that one file."""
    path = Path(report.pdf_path) if report.pdf_path else None
    if path is not None and path.is_file():
        return path.read_bytes()
    from lodestar.value_reports.pdf import pdf_bytes, write_pdf  # WeasyPrint: loaded when a PDF is made

    content = pdf_bytes(shared_document(report))
    if path is not None:
        with suppress(OSError):  # a read-only data folder still serves the PDF, drawn each time
            write_pdf(path, content)
    return content
