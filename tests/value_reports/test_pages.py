"""The report's pages through the app: preview in the report's language, narrative saved, published with
its PDF, the share link (view-only, logged; expired, revoked, tampered or another report's: 404), another
CSM's account refused, and bad input naming the field with nothing written."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.app import create_app
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.settings import load_settings
from lodestar.value_reports.models import ShareLink, ShareView, ValueReport
from lodestar.web.deps import company_today
from tests.factories import PASSWORD
from tests.live_server import csrf_of
from tests.value_reports import world


@dataclass
class Setup:
    app: FastAPI
    client: TestClient
    w: world.World
    db_url: str


@pytest.fixture
def setup(db: Session, db_url: str, tmp_path: Path) -> Iterator[Setup]:
    w = world.build(db, tmp_path)
    db.commit()
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    app.dependency_overrides[company_today] = lambda: world.TODAY
    with TestClient(app) as client:
        yield Setup(app, client, w, db_url)


def _sign_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303


def _count(db_url: str, model: type) -> int:
    with unit_of_work(make_engine(db_url)) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _publish(s: Setup, locale: str = "zh_CN") -> tuple[int, str]:
    """Publishes the account's 2026Q3 report as its CSM and makes a share link; (report id, link path)."""
    _sign_in(s.client, s.w.csm.email)
    page = s.client.get(f"/accounts/{s.w.account_id}/value-report?period=2026Q3&locale={locale}")
    form = {
        "csrf_token": csrf_of(page.text),
        "period": "2026Q3",
        "locale": locale,
        "action": "publish",
        "highlights": "三个部门已上线",
        "next_plan": "推广到财务部",
    }
    published = s.client.post(f"/accounts/{s.w.account_id}/value-report", data=form, follow_redirects=False)
    assert published.status_code == 303
    with unit_of_work(make_engine(s.db_url)) as session:
        report_id = session.scalars(select(ValueReport.id)).one()
    shared = s.client.post(
        f"/value-reports/{report_id}/links", data={"csrf_token": csrf_of(page.text), "days": "7"}
    )
    found = re.search(r"/r/[A-Za-z0-9._-]+", shared.text)
    assert shared.status_code == 200 and found
    return report_id, found.group(0)


def _bad_links(path: str) -> list[str]:
    """Links that must answer 404: the token tampered, another link's id, garbage, a token grown longer."""
    link_id, nonce, signature = path.removeprefix("/r/").split(".")
    tampered = f"/r/{link_id}.{nonce}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    return [tampered, f"/r/{int(link_id) + 1}.{nonce}.{signature}", "/r/garbage", path + "x"]


def _revoke(s: Setup, path: str) -> None:
    """Revokes the share link of this path as the account's CSM, then signs out."""
    link_id = path.removeprefix("/r/").split(".")[0]
    _sign_in(s.client, s.w.csm.email)
    page = s.client.get(f"/accounts/{s.w.account_id}/value-report?period=2026Q3")
    revoked = s.client.post(
        f"/value-report-links/{link_id}/revoke",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    s.client.cookies.clear()


def test_a_published_report_has_its_pdf_and_a_share_link_that_shows_only_it_until_it_expires_or_is_revoked(
    setup: Setup,
) -> None:
    s = setup
    report_id, path = _publish(s)
    page = s.client.get(f"/accounts/{s.w.account_id}/value-report?period=2026Q3")
    assert "过程数据" in page.text and "三个部门已上线" in page.text  # the stored language and narrative
    pdf = s.client.get(f"/value-reports/{report_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with unit_of_work(make_engine(s.db_url)) as session:
        report = session.get(ValueReport, report_id)
        assert report is not None and report.status == "published" and report.figures is not None
        assert report.figures["usage"]["events"] == 55
    s.client.cookies.clear()
    opened = s.client.get(path)  # logged out
    assert opened.status_code == 200 and "Acme Retail" in opened.text and "过程数据" in opened.text
    assert (
        opened.headers["cache-control"] == "no-store" and opened.headers["referrer-policy"] == "same-origin"
    )
    assert "default-src 'self'" in opened.headers["content-security-policy"]
    assert "csrf_token" not in opened.text and "/accounts" not in opened.text  # view-only, no way in
    assert [s.client.get(p).status_code for p in _bad_links(path)] == [404] * 4
    s.app.dependency_overrides[company_today] = lambda: world.TODAY + timedelta(days=8)  # made for 7 days
    assert s.client.get(path).status_code == 404
    s.app.dependency_overrides[company_today] = lambda: world.TODAY + timedelta(days=7)  # its last day
    assert s.client.get(path).status_code == 200
    assert _count(s.db_url, ShareView) == 2  # each opening logged, refusals not
    _revoke(s, path)
    assert s.client.get(path).status_code == 404


def test_the_share_link_downloads_the_published_pdf_logged_out_and_refuses_every_bad_link(
    setup: Setup,
) -> None:
    s = setup
    report_id, path = _publish(s, locale="en")
    with unit_of_work(make_engine(s.db_url)) as session:
        report = session.get(ValueReport, report_id)
        assert report is not None and report.pdf_path is not None
        published = Path(report.pdf_path).read_bytes()
    s.client.cookies.clear()
    page = s.client.get(path)
    assert f'href="{path}/pdf"' in page.text  # the customer's download link on the share page
    got = s.client.get(path + "/pdf")  # logged out
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == 'attachment; filename="value-report-2026Q3.pdf"'
    assert got.headers["cache-control"] == "no-store" and "noindex" in got.headers["x-robots-tag"]
    assert got.content == published  # the PDF as published, not one drawn again
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
    assert "Acme Retail" in text and "Process data" in text
    assert [s.client.get(p + "/pdf").status_code for p in _bad_links(path)] == [404] * 4
    s.app.dependency_overrides[company_today] = lambda: world.TODAY + timedelta(days=8)  # expired
    assert s.client.get(path + "/pdf").status_code == 404
    s.app.dependency_overrides[company_today] = lambda: world.TODAY
    with unit_of_work(make_engine(s.db_url)) as session:
        kinds = session.scalars(select(ShareView.kind).order_by(ShareView.id)).all()
    assert kinds == ["view", "download"]  # each use logged, refusals not
    _sign_in(s.client, s.w.csm.email)
    links = s.client.get(f"/api/v1/value-reports/{report_id}/links").json()
    assert [(k["views"], k["downloads"]) for k in links] == [(1, 1)]
    _revoke(s, path)
    assert s.client.get(path + "/pdf").status_code == 404


def test_a_shared_pdf_gone_from_disk_is_drawn_again_from_the_frozen_figures(setup: Setup) -> None:
    s = setup
    report_id, path = _publish(s, locale="zh_CN")
    with unit_of_work(make_engine(s.db_url)) as session:
        report = session.get(ValueReport, report_id)
        assert report is not None and report.pdf_path is not None
        stored = Path(report.pdf_path)
        # Figures frozen at publishing: a later change of the live data must not reach the customer.
        frozen = dict(report.figures or {})
        frozen["usage"] = {**frozen["usage"], "events": 4321}
        report.figures = frozen
    stored.unlink()
    s.client.cookies.clear()
    got = s.client.get(path + "/pdf")
    assert got.status_code == 200 and stored.read_bytes() == got.content  # written back for the next time
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
    assert "Acme Retail" in text and "过程数据" in text and "4,321" in text


def test_another_csms_account_and_report_are_not_found_and_nothing_is_written(setup: Setup) -> None:
    s = setup
    with unit_of_work(make_engine(s.db_url)) as session:
        report = ValueReport(account_id=s.w.account_id, period="2026Q3", status="published", figures={})
        session.add(report)
        session.flush()
        report_id = report.id
    _sign_in(s.client, s.w.other.email)
    assert s.client.get(f"/accounts/{s.w.account_id}/value-report").status_code == 404
    assert s.client.get(f"/value-reports/{report_id}/pdf").status_code == 404
    page = s.client.get(f"/accounts/{s.w.peer_ids[0]}/value-report?period=2026Q3")
    token = csrf_of(page.text)
    assert s.client.post(f"/value-reports/{report_id}/links", data={"csrf_token": token}).status_code == 404
    assert _count(s.db_url, ShareLink) == 0


def test_a_future_period_is_refused_naming_the_field_and_nothing_is_written(setup: Setup) -> None:
    s = setup
    _sign_in(s.client, s.w.csm.email)
    with unit_of_work(
        make_engine(s.db_url)
    ) as session:  # the renewal window opens: the annual report offered
        session.execute(update(Account).where(Account.id == s.w.account_id).values(in_renewal_window=True))
    offer = s.client.get(f"/accounts/{s.w.account_id}").text
    assert (
        'data-testid="annual-offer"' in offer
        and f"/accounts/{s.w.account_id}/value-report?period=2026" in offer
    )
    page = s.client.get(f"/accounts/{s.w.account_id}/value-report?period=2027Q2")
    assert page.status_code == 422 and "2027Q2 is in the future" in page.text
    form = {"csrf_token": csrf_of(page.text), "period": "2027Q2", "action": "publish", "locale": "en"}
    answer = s.client.post(f"/accounts/{s.w.account_id}/value-report", data=form)
    assert answer.status_code == 422 and "is in the future" in answer.text
    api = s.client.get(f"/api/v1/accounts/{s.w.account_id}/value-report?period=2027Q2")
    assert api.status_code in (401, 422)
    assert _count(s.db_url, ValueReport) == 0
