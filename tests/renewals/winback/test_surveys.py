"""The churn survey: sent once after the configured delay to a real SMTP server on loopback in the owner's
language, with a one-use signed link; expired, reused and tampered links are all refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.kit.errors import InvalidInput
from lodestar.notifications.models import OutboxMessage
from lodestar.notifications.worker import Worker
from lodestar.renewals.winback import service
from lodestar.renewals.winback.models import ChurnSurvey
from lodestar.settings import Settings, load_settings
from tests.factories import make_user
from tests.notifications.conftest import drain
from tests.notifications.receivers import smtp_server
from tests.renewals.winback.conftest import Churned, churned_account, count, day

LINK = re.compile(r"http://cs\.example\.com/survey/(\S+)")
ANSWER = service.SurveyAnswer(reasons=["price_budget", "competitor"], feedback="Too dear", would_return=6)


def _sent_token(db: Session) -> str:
    [message] = db.scalars(select(OutboxMessage)).all()
    found = LINK.search(message.body["text"])
    assert found, message.body
    return found.group(1)


def test_the_survey_goes_out_once_on_the_delay_day_to_the_decision_maker(
    db: Session, churned: Churned, settings: Settings
) -> None:
    service.after_snapshot(db, day(1), settings)
    assert service.after_snapshot(db, day(13), settings).surveys == 0  # the default delay: 14 days
    assert service.after_snapshot(db, day(14), settings).surveys == 1
    assert service.after_snapshot(db, day(15), settings).surveys == 0
    [survey] = db.scalars(select(ChurnSurvey)).all()
    [message] = db.scalars(select(OutboxMessage)).all()
    assert (survey.email, survey.sent_on, survey.expires_on) == ("wang@example.cn", day(14), day(44))
    assert (message.channel_key, message.recipient, message.locale) == ("email", "wang@example.cn", "en")
    assert message.subject == "Two minutes to tell us why you left"
    assert "Hello Wang Fang," in message.body["text"] and day(44).isoformat() in message.body["text"]


def test_a_churn_found_after_its_link_would_have_expired_gets_no_survey(
    db: Session, churned: Churned, settings: Settings
) -> None:
    assert service.after_snapshot(db, day(14 + 31), settings).surveys == 0
    assert count(db, ChurnSurvey) == 0


def test_the_link_opens_the_form_once_and_the_answers_are_stored(
    db: Session, churned: Churned, settings: Settings
) -> None:
    service.after_snapshot(db, day(14), settings)
    token = _sent_token(db)
    opened = service.open_survey(db, token, day(20), settings)
    assert (opened.locale, opened.expires_on) == ("en", day(44))
    assert [key for key, _, _ in opened.reasons][:2] == ["no_usage", "champion_left"]
    service.answer_survey(db, token, ANSWER, day(20), settings)
    db.commit()
    [survey] = db.scalars(select(ChurnSurvey)).all()
    assert (survey.reasons, survey.feedback, survey.would_return) == (
        ["competitor", "price_budget"],
        "Too dear",
        6,
    )
    with pytest.raises(service.SurveyRefused) as used:
        service.answer_survey(db, token, ANSWER, day(21), settings)
    assert used.value.why == "used"
    with pytest.raises(service.SurveyRefused) as reopened:
        service.open_survey(db, token, day(21), settings)
    assert reopened.value.why == "used"


def test_expired_and_tampered_links_are_refused(db: Session, churned: Churned, settings: Settings) -> None:
    service.after_snapshot(db, day(14), settings)
    token = _sent_token(db)
    survey_id, nonce, signature = token.split(".")
    flip = {"A": "B", "B": "A"}
    tampered = [
        f"{int(survey_id) + 1}.{nonce}.{signature}",  # another survey's id
        f"{survey_id}.{nonce[:-1]}{flip.get(nonce[-1], 'A')}.{signature}",  # a guessed nonce
        f"{survey_id}.{nonce}.{signature[:-1]}{flip.get(signature[-1], 'A')}",  # a forged signature
        "1.short.token",
        "",
        "../../etc/passwd",
    ]
    for bad in tampered:
        with pytest.raises(service.SurveyRefused) as refused:
            service.open_survey(db, bad, day(15), settings)
        assert refused.value.why == "invalid", bad
    other_secret = load_settings(database_url=settings.database_url, secret_key="another-secret-" * 3)
    with pytest.raises(service.SurveyRefused):
        service.open_survey(db, token, day(15), other_secret)
    assert service.open_survey(db, token, day(44), settings).expires_on == day(44)  # its last day
    with pytest.raises(service.SurveyRefused) as late:
        service.answer_survey(db, token, ANSWER, day(45), settings)
    assert late.value.why == "expired"
    db.expire_all()
    assert db.scalars(select(ChurnSurvey.answered_at)).one() is None


def test_an_unknown_reason_is_refused_naming_the_field_and_nothing_is_written(
    db: Session, churned: Churned, settings: Settings
) -> None:
    service.after_snapshot(db, day(14), settings)
    token = _sent_token(db)
    bad = service.SurveyAnswer(reasons=["price_budget", "aliens"], would_return=3)
    with pytest.raises(InvalidInput) as refused:
        service.answer_survey(db, token, bad, day(15), settings)
    assert [p.field for p in refused.value.problems] == ["reasons"]
    assert db.scalars(select(ChurnSurvey.answered_at)).one() is None


def test_the_survey_reaches_a_real_smtp_server_in_the_owners_language(
    db: Session, engine: Engine, settings: Settings
) -> None:
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    zh_csm = make_user(db, Role.CSM, name="Zhao Lei", locale="zh_CN")
    churned_account(db, admin, zh_csm, "Delta Foods")
    db.commit()
    with smtp_server() as (inbox, port):
        mailing = load_settings(
            database_url=settings.database_url, data_dir=settings.data_dir, base_url="http://cs.example.com",
            smtp_host="127.0.0.1", smtp_port=port, notify_backoff_base_s=0.02,
        )  # fmt: skip
        service.after_snapshot(db, day(14), mailing)
        db.commit()
        worker = Worker(engine, mailing)
        try:
            drain(worker, engine)
        finally:
            worker.close()
    [mail] = inbox.messages
    assert (mail["To"], mail["Subject"]) == ("wang@example.cn", "两分钟告诉我们您离开的原因")
    body = mail.get_content()
    assert "您好，Wang Fang：" in body and "您的订阅已于 2026-01-01 到期。" in body
    assert LINK.search(body) is not None and inbox.duplicates == 0


def test_reason_statistics_count_churns_arr_and_survey_mentions(
    db: Session, churned: Churned, settings: Settings
) -> None:
    churned_account(db, churned.admin, churned.csm, "Ember Games", reason="price_budget")
    churned_account(db, churned.admin, churned.csm, "Fjord Bank", reason=None)
    service.after_snapshot(db, day(14), settings)
    tokens = [LINK.search(m.body["text"]).group(1) for m in db.scalars(select(OutboxMessage))]  # type: ignore[union-attr]
    service.answer_survey(db, tokens[0], ANSWER, day(15), settings)
    figures = {f.reason: f for f in service.reason_statistics(db, day(0), day(0))}
    assert (figures["price_budget"].churns, figures["price_budget"].arr) == (2, 240000)
    assert (figures["price_budget"].survey_mentions, figures["competitor"].survey_mentions) == (1, 1)
    assert (figures[None].churns, figures["no_usage"].churns) == (1, 0)
    assert service.reason_statistics(db, day(1), day(30))[0].churns == 0
