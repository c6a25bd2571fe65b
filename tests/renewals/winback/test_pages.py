"""The lead pool page and its export over HTTP (row-level: a CSM sees only their own leads), and the public
survey form: no sign-in, refusals in both languages and never a 5xx, bad answers named, nothing replayed."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.auth.models import Role, User
from lodestar.kit.time import today_in
from lodestar.renewals.winback import service, survey_tokens
from lodestar.renewals.winback.models import ChurnSurvey, WinBack
from lodestar.settings import DEV_SECRET_KEY, Settings, load_settings
from tests.api_fixtures import client, quick_password_hashes
from tests.factories import PASSWORD, make_user
from tests.live_server import csrf_of
from tests.renewals.winback.conftest import WINDOW, churned_account, day

__all__ = ["client", "quick_password_hashes"]
TODAY = today_in(load_settings().zone)


def _sign_in(client: TestClient, user: User) -> TestClient:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    answer = client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def leads(db: Session, settings: Settings) -> dict[str, User]:
    """Two CSMs' churned accounts (one in a manager's team), both in the lead pool."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    other = make_user(db, Role.CSM, name="Otto Other")
    churned_account(db, admin, csm, "=Aurora Retail")  # a name a spreadsheet would run as a formula
    churned_account(db, admin, other, "Birch Logistics", reason="competitor")
    service.after_snapshot(db, day(WINDOW + 1), settings)
    db.commit()
    return {"admin": admin, "manager": manager, "csm": csm, "other": other}


def _names(html: str) -> list[str]:
    return sorted(n for n in ("=Aurora Retail", "Birch Logistics") if f">{n}</a>" in html)


def test_the_lead_pool_shows_each_viewer_only_the_leads_they_may_see(
    client: TestClient, leads: dict[str, User]
) -> None:
    seen = {who: _names(_sign_in(client, leads[who]).get("/lead-pool").text) for who in leads}
    assert seen == {
        "admin": ["=Aurora Retail", "Birch Logistics"],
        "manager": ["=Aurora Retail"],
        "csm": ["=Aurora Retail"],
        "other": ["Birch Logistics"],
    }
    page = _sign_in(client, leads["csm"]).get("/lead-pool").text
    assert "Price or budget" in page and "Wang Fang" in page and "Li Na" not in page
    assert 'data-testid="count-lost">1<' in page


def test_the_export_is_scoped_and_formula_safe(client: TestClient, leads: dict[str, User]) -> None:
    answer = _sign_in(client, leads["csm"]).get("/lead-pool/export.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["account"], r["churn_reason"], r["last_arr"], r["lead_since"]) for r in rows] == [
        ("'=Aurora Retail", "Price or budget", "120000.00", str(day(WINDOW + 1)))
    ]
    assert rows[0]["contacts"] == "Wang Fang wang@example.cn"
    everyone = _sign_in(client, leads["admin"]).get("/lead-pool/export.csv").content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(everyone)))) == 2


def test_the_lead_pool_needs_a_sign_in(client: TestClient) -> None:
    assert client.get("/lead-pool", follow_redirects=False).status_code == 303
    assert client.get("/lead-pool/export.csv", follow_redirects=False).status_code == 303


def _survey(db: Session, expires_on: date, locale: str = "en") -> str:
    """A churn survey of a churned account (written directly), and its link's token."""
    admin = make_user(db, Role.ADMIN)
    made = churned_account(db, admin, make_user(db, Role.CSM), f"Survey Co {expires_on}")
    db.flush()
    win_back = WinBack(
        account_id=made.account.id, contract_id=made.contract.id, churned_on=day(0), window_ends_on=day(90),
        arr=made.contract.arr, currency="CNY", outcome="open",
    )  # fmt: skip
    db.add(win_back)
    db.flush()
    survey = ChurnSurvey(
        win_back_id=win_back.id, account_id=made.account.id, email="wang@example.cn", locale=locale,
        nonce=survey_tokens.new_nonce(), sent_on=expires_on - timedelta(days=30), expires_on=expires_on,
    )  # fmt: skip
    db.add(survey)
    db.commit()
    return survey_tokens.token_for(DEV_SECRET_KEY, survey.id, survey.nonce, survey.expires_on)


def test_the_public_form_opens_without_sign_in_in_the_surveys_language(
    client: TestClient, db: Session
) -> None:
    token = _survey(db, TODAY + timedelta(days=10), locale="zh_CN")
    page = client.get(f"/survey/{token}")
    assert page.status_code == 200
    assert "您为什么离开？" in page.text and "价格或预算" in page.text
    assert "Survey Co" not in page.text and "wang@example.cn" not in page.text  # nothing but the survey
    assert 'data-testid="nav-lead-pool"' not in page.text


def test_a_bad_answer_is_named_and_nothing_is_written_then_a_good_one_is_stored_once(
    client: TestClient, db: Session
) -> None:
    token = _survey(db, TODAY + timedelta(days=10))
    csrf = csrf_of(client.get(f"/survey/{token}").text)
    bad = client.post(f"/survey/{token}", data={"csrf_token": csrf, "reasons": ["price_budget"]})
    assert bad.status_code == 422 and 'data-testid="error-would_return"' in bad.text
    db.expire_all()
    assert db.scalars(select(ChurnSurvey.answered_at)).one() is None
    good = {
        "csrf_token": csrf,
        "reasons": ["price_budget", "service"],
        "would_return": "7",
        "feedback": "Slow",
    }
    done = client.post(f"/survey/{token}", data=good)
    assert done.status_code == 200 and 'data-testid="survey-thanks"' in done.text
    again = client.post(f"/survey/{token}", data={**good, "would_return": "0"})
    assert again.status_code == 410 and "already been answered" in again.text and "已经提交过" in again.text
    db.expire_all()
    survey = db.scalars(select(ChurnSurvey)).one()
    assert (survey.reasons, survey.would_return, survey.feedback) == (["price_budget", "service"], 7, "Slow")


@pytest.mark.parametrize("tamper", ["id", "nonce", "signature", "junk"])
def test_tampered_and_expired_links_get_a_clear_page_in_both_languages(
    client: TestClient, db: Session, tamper: str
) -> None:
    token = _survey(db, TODAY + timedelta(days=10))
    survey_id, nonce, signature = token.split(".")
    bad = {
        "id": f"{int(survey_id) + 7}.{nonce}.{signature}",
        "nonce": f"{survey_id}.{nonce[::-1]}.{signature}",
        "signature": f"{survey_id}.{nonce}.{signature[::-1]}",
        "junk": "not-a-token." * 30,
    }[tamper]
    answer = client.get(f"/survey/{bad}")
    assert answer.status_code == 404
    assert "This survey link is not valid" in answer.text and "此调研链接无效" in answer.text
    assert client.get("/survey/%00%ff").status_code == 404  # the input guard's refusal: never a 5xx
    expired = _survey(db, TODAY - timedelta(days=1))
    late = client.get(f"/survey/{expired}")
    assert late.status_code == 410 and "has expired" in late.text and "已过期" in late.text
