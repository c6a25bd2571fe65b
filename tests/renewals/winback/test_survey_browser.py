"""The public churn-survey form in headless Chromium, in English and in 中文: answered once, a bad answer
named, the language switch, and the link refused once used."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account, Contact
from lodestar.auth.models import User
from lodestar.contracts.models import Contract
from lodestar.kit.time import today_in
from lodestar.renewals.winback import survey_tokens
from lodestar.renewals.winback.models import ChurnSurvey, WinBack
from lodestar.settings import DEV_SECRET_KEY, load_settings
from tests.live_server import Live

pytestmark = pytest.mark.browser
TODAY = today_in(load_settings().zone)


@pytest.fixture
def links(live_server: Live) -> Iterator[dict[str, str]]:
    """An account of its own with two churn surveys (English, 中文), removed afterwards."""
    with Session(live_server.engine) as db:
        owner = db.scalars(select(User).where(User.email == live_server.users["gao"])).one()
        account = Account(name="Winback Survey Co", owner_id=owner.id, status="churned")
        db.add(account)
        db.flush()
        tokens = {}
        for locale in ("en", "zh_CN"):
            end = date(2025, 1, 1) + timedelta(days=len(tokens))
            contract = Contract(
                account_id=account.id, start_date=date(2024, 1, 1), end_date=end, arr=Decimal("50000"),
                status="expired",
            )  # fmt: skip
            db.add(contract)
            db.flush()
            win_back = WinBack(
                account_id=account.id, contract_id=contract.id, churned_on=contract.end_date,
                window_ends_on=contract.end_date + timedelta(days=90), arr=contract.arr, currency="CNY",
            )  # fmt: skip
            db.add(win_back)
            db.flush()
            survey = ChurnSurvey(
                win_back_id=win_back.id, account_id=account.id, email="boss@example.cn", locale=locale,
                nonce=survey_tokens.new_nonce(), sent_on=TODAY, expires_on=TODAY + timedelta(days=30),
            )  # fmt: skip
            db.add(survey)
            db.flush()
            tokens[locale] = survey_tokens.token_for(
                DEV_SECRET_KEY, survey.id, survey.nonce, survey.expires_on
            )
        db.commit()
        account_id = account.id
    yield tokens
    with Session(live_server.engine) as db:
        for model in (ChurnSurvey, WinBack, Contract, Contact):
            db.execute(delete(model).where(model.account_id == account_id))
        db.execute(delete(Account).where(Account.id == account_id))
        db.commit()


def _answers(live: Live) -> list[tuple[str, list[str] | None, int | None, str | None]]:
    with Session(live.engine) as db:
        rows = db.execute(
            select(ChurnSurvey.locale, ChurnSurvey.reasons, ChurnSurvey.would_return, ChurnSurvey.feedback)
            .join(Account, Account.id == ChurnSurvey.account_id)
            .where(Account.name == "Winback Survey Co")
            .order_by(ChurnSurvey.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_an_english_contact_answers_once_without_signing_in(
    page: Page, live_server: Live, links: dict[str, str]
) -> None:
    url = f"{live_server.url}/survey/{links['en']}"
    page.goto(url)
    expect(page.get_by_role("heading", name="Why did you leave?")).to_be_visible()
    expect(page.get_by_test_id("nav-lead-pool")).to_have_count(0)  # no sign-in, no navigation
    page.get_by_text("Price or budget").click()
    page.get_by_text("Went to a competitor").click()
    page.get_by_test_id("would-return-7").click()
    page.fill("#feedback", "Too expensive for our size")
    page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey-thanks")).to_contain_text("Your answers have been recorded.")
    page.goto(url)
    expect(page.get_by_test_id("refused-message")).to_have_text(
        "This survey has already been answered. Thank you for your feedback."
    )
    expect(page.get_by_test_id("refused-other")).to_have_text("此调研已经提交过。感谢您的反馈。")
    assert _answers(live_server)[0] == ("en", ["competitor", "price_budget"], 7, "Too expensive for our size")


def test_a_chinese_contact_sees_the_form_in_chinese_and_a_missing_answer_named(
    page: Page, live_server: Live, links: dict[str, str]
) -> None:
    page.goto(f"{live_server.url}/survey/{links['zh_CN']}")
    expect(page.get_by_role("heading", name="您为什么离开？")).to_be_visible()
    page.get_by_text("没有使用").click()
    page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey-errors")).to_have_text("请检查标出的回答。")
    expect(page.get_by_test_id("error-would_return")).to_be_visible()
    expect(page.get_by_test_id("reason-no_usage")).to_be_checked()  # what was chosen is kept
    assert _answers(live_server)[1][1] is None  # nothing written
    page.get_by_role("button", name="English").click()  # the reader switches language: the form follows
    expect(page.get_by_role("heading", name="Why did you leave?")).to_be_visible()
    page.get_by_text("No usage").click()  # the reload after the switch starts the form afresh
    page.get_by_test_id("would-return-0").click()
    page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
    assert _answers(live_server)[1] == ("zh_CN", ["no_usage"], 0, None)
