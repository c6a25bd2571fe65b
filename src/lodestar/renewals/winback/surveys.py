"""The churn survey (流失调研): sent once per churn after the configured delay, by e-mail in the contact's
language through the notification outbox, with a one-use signed link to a public form; its answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.kit.errors import FieldProblem, InvalidInput
from lodestar.kit.text import Text
from lodestar.kit.time import utcnow
from lodestar.notifications import service as notifications_service
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.winback import repository, survey_tokens
from lodestar.renewals.winback.leads import ROLE_ORDER
from lodestar.renewals.winback.models import ChurnSurvey, WinBack, WinBackOutcome
from lodestar.renewals.winback.schemas import AnsweredSurvey, SurveyAnswer
from lodestar.settings import Settings
from lodestar.web.i18n import LANGUAGES, gettext_for

ENTITY = "churn_surveys"


def _recipient(contacts: list[Any]) -> Any | None:
    """Who is asked: the present contact with an e-mail ranking first (decision maker, champion, ...)."""
    present = [c for c in contacts if c.active and c.left_on is None and c.email]
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    return min(present, key=lambda c: (rank.get(c.role, len(rank)), c.id), default=None)


def _email(survey: ChurnSurvey, name: str, churned_on: date, link: str) -> tuple[str, str]:
    """The subject and text of the survey e-mail in the survey's language."""
    _ = gettext_for(survey.locale)
    subject = _(Text("Two minutes to tell us why you left"))
    lines = [
        _(Text("Hello %(name)s,", name=name)),
        "",
        _(Text("Your subscription ended on %(day)s.", day=churned_on.isoformat())),
        _(Text("We would like to learn what we could have done better: three questions, two minutes.")),
        _(Text("The link works once, until %(day)s:", day=survey.expires_on.isoformat())),
        "",
        link,
        "",
        _(Text("Thank you.")),
    ]
    return subject, "\n".join(lines)


def send_due_surveys(session: Session, as_of: date, settings: Settings) -> int:
    """Sends the survey of every churn whose delay has passed by as_of, once; a churn found later than its
    link would live gets none (answers decay). Needs SMTP and a contact with an e-mail; surveys sent."""
    config = renewals_kind.current(session)[0].survey
    if not settings.smtp_host:
        return 0
    last = as_of - timedelta(days=config.delay_days)
    due = [
        w
        for w in repository.without_survey(session, last - timedelta(days=config.link_valid_days), last)
        if w.outcome != WinBackOutcome.REACTIVATED.value
    ]
    if not due:
        return 0
    contacts: dict[int, list[Any]] = {}
    for contact in accounts_service.contacts_of_accounts(session, {w.account_id for w in due}):
        contacts.setdefault(contact.account_id, []).append(contact)
    locales = {u.id: u.locale for u in auth_service.list_users(session)}
    sent = 0
    for win_back in due:
        recipient = _recipient(contacts.get(win_back.account_id, []))
        if recipient is not None:
            locale = locales.get(win_back.owner_id or 0) or settings.default_locale
            sent += _send(session, win_back, recipient, locale, as_of, config.link_valid_days, settings)
    return sent


def _send(
    session: Session, win_back: WinBack, contact: Any, locale: str, as_of: date, days: int, settings: Settings
) -> int:
    survey = ChurnSurvey(
        win_back_id=win_back.id, account_id=win_back.account_id, contact_id=contact.id, email=contact.email,
        locale=locale if locale in LANGUAGES else "en", nonce=survey_tokens.new_nonce(), sent_on=as_of,
        expires_on=as_of + timedelta(days=days),
    )  # fmt: skip
    repository.add(session, survey)
    token = survey_tokens.token_for(settings.secret_key, survey.id, survey.nonce, survey.expires_on)
    link = f"{settings.base_url.rstrip('/')}/survey/{token}"
    subject, text = _email(survey, contact.name, win_back.churned_on, link)
    key = f"churn-survey:{survey.id}"
    notifications_service.email_outside(session, key, survey.email, survey.locale, subject, text, settings)
    auth_service.record(session, None, "churn_survey.send", ENTITY, survey.id, {"win_back": win_back.id})
    return 1


def import_answered_surveys(session: Session, answers: Sequence[AnsweredSurvey]) -> int:
    """Records surveys already sent and answered (an import of past surveys, or the demo's customers): each
    goes to its win-back's first present contact with an e-mail, like a sent one; win-backs that already
    have a survey or no such contact are skipped. Refused naming the field (nothing written) for an
    unknown reason, a likelihood outside 0-10 or an answer before its sending; how many were recorded."""
    config = renewals_kind.current(session)[0]
    known = {r.key for r in config.reasons}
    problems = [
        FieldProblem(f"row {n}: {name}", message)
        for n, a in enumerate(answers, start=1)
        for name, message in _answer_problems(a, known)
    ]
    if problems:
        raise InvalidInput(problems)
    records = {w.id: w for w in repository.win_backs_by_ids(session, {a.win_back_id for a in answers})}
    contacts: dict[int, list[Any]] = {}
    for contact in accounts_service.contacts_of_accounts(session, {w.account_id for w in records.values()}):
        contacts.setdefault(contact.account_id, []).append(contact)
    taken = repository.surveyed(session, set(records))
    rows = []
    for a in answers:
        win_back = records.get(a.win_back_id)
        recipient = _recipient(contacts.get(win_back.account_id, [])) if win_back else None
        if win_back is None or recipient is None or win_back.id in taken:
            continue
        taken.add(win_back.id)
        rows.append({
            "win_back_id": win_back.id, "account_id": win_back.account_id, "contact_id": recipient.id,
            "email": recipient.email, "locale": a.locale if a.locale in LANGUAGES else "en",
            "nonce": survey_tokens.new_nonce(), "sent_on": a.sent_on, "answered_at": a.answered_at,
            "expires_on": a.sent_on + timedelta(days=config.survey.link_valid_days),
            "reasons": sorted(set(a.reasons)), "feedback": a.feedback or None, "would_return": a.would_return,
        })  # fmt: skip
    repository.insert_surveys(session, rows)
    return len(rows)


def _answer_problems(answer: AnsweredSurvey, known: set[str]) -> list[tuple[str, Text]]:
    out = []
    unknown = [r for r in answer.reasons if r not in known]
    if unknown:
        out.append(("reasons", Text("unknown reason: %(keys)s", keys=", ".join(unknown))))
    elif not answer.reasons:
        out.append(("reasons", Text("name at least one reason")))
    if not 0 <= answer.would_return <= 10:
        out.append(("would_return", Text("must be between 0 and 10")))
    if answer.answered_at.date() < answer.sent_on:
        out.append(("answered_at", Text("must not be before the survey was sent")))
    return out


class SurveyRefused(Exception):
    """A survey link that does not open the form: unknown or altered, expired, or already answered."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why  # invalid, expired, used


@dataclass(frozen=True)
class OpenSurvey:
    """What the public form shows: the survey's language and the reasons to choose from, nothing else."""

    survey_id: int
    locale: str
    expires_on: date
    reasons: list[tuple[str, str, str]]  # key, English name, Chinese name


def open_survey(session: Session, token: str, today: date, settings: Settings) -> OpenSurvey:
    """The survey a link opens, or SurveyRefused saying why (a tampered link reads as unknown)."""
    parts = survey_tokens.parse(token)
    survey = repository.survey(session, parts[0]) if parts else None
    if survey is None or not survey_tokens.genuine(
        settings.secret_key, token, survey.id, survey.nonce, survey.expires_on
    ):
        raise SurveyRefused("invalid")
    if survey.answered_at is not None:
        raise SurveyRefused("used")
    if today > survey.expires_on:
        raise SurveyRefused("expired")
    config = renewals_kind.current(session)[0]
    reasons = [(r.key, r.name, r.name_zh) for r in config.reasons]
    return OpenSurvey(survey.id, survey.locale, survey.expires_on, reasons)


def answer_survey(session: Session, token: str, answer: SurveyAnswer, today: date, settings: Settings) -> int:
    """Stores the answers of an open survey once (a second post is refused as used); the survey id."""
    opened = open_survey(session, token, today, settings)
    known = {key for key, _, _ in opened.reasons}
    unknown = [r for r in answer.reasons if r not in known]
    if unknown:
        raise InvalidInput.one("reasons", Text("unknown reason: %(keys)s", keys=", ".join(unknown)))
    done = session.execute(
        update(ChurnSurvey)
        .where(ChurnSurvey.id == opened.survey_id, ChurnSurvey.answered_at.is_(None))
        .values(
            answered_at=utcnow(),
            reasons=sorted(set(answer.reasons)),
            feedback=answer.feedback or None,
            would_return=answer.would_return,
        )
    )
    if getattr(done, "rowcount", 0) != 1:  # answered meanwhile by another post of the same link
        raise SurveyRefused("used")
    auth_service.record(session, None, "churn_survey.answer", ENTITY, opened.survey_id, {})
    return opened.survey_id
