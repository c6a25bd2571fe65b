"""Every query on value reports, their share links and the links' views."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lodestar.value_reports.models import ShareLink, ShareView, ValueReport


def report_of(session: Session, account_id: int, period: str) -> ValueReport | None:
    """The account's report of a period (None before anyone saved or published it)."""
    query = select(ValueReport).where(ValueReport.account_id == account_id, ValueReport.period == period)
    return session.scalars(query).one_or_none()


def report(session: Session, report_id: int) -> ValueReport | None:
    """One report by id."""
    return session.get(ValueReport, report_id)


def reports_of(session: Session, account_ids: Collection[int]) -> list[ValueReport]:
    """These accounts' reports, newest period first."""
    query = select(ValueReport).where(ValueReport.account_id.in_(list(account_ids)))
    return list(session.scalars(query.order_by(ValueReport.period.desc(), ValueReport.id)))


def published_since(session: Session, account_ids: Collection[int]) -> list[tuple[int, str, object]]:
    """(account, period, published instant) of every published report of these accounts."""
    query = select(ValueReport.account_id, ValueReport.period, ValueReport.published_at).where(
        ValueReport.account_id.in_(list(account_ids)), ValueReport.status == "published"
    )
    return [(a, p, at) for a, p, at in session.execute(query) if at is not None]


def link(session: Session, link_id: int) -> ShareLink | None:
    """One share link by id."""
    return session.get(ShareLink, link_id)


def links_of(session: Session, report_id: int) -> list[tuple[ShareLink, int, int]]:
    """A report's links with their page views and PDF downloads, newest first."""
    downloads = func.sum(case((ShareView.kind == "download", 1), else_=0))
    uses = (
        select(
            ShareView.link_id,
            (func.count() - downloads).label("views"),
            downloads.label("downloads"),
        )
        .group_by(ShareView.link_id)
        .subquery()
    )
    query = (
        select(ShareLink, func.coalesce(uses.c.views, 0), func.coalesce(uses.c.downloads, 0))
        .outerjoin(uses, uses.c.link_id == ShareLink.id)
        .where(ShareLink.report_id == report_id)
        .order_by(ShareLink.id.desc())
    )
    return [(link_, int(views), int(got)) for link_, views, got in session.execute(query)]


def add_view(session: Session, link_id: int, user_agent: str | None, kind: str = "view") -> None:
    """Records one use of a link: its page opened (view) or its PDF downloaded (download)."""
    session.add(ShareView(link_id=link_id, user_agent=(user_agent or "")[:200] or None, kind=kind))
    session.flush()
