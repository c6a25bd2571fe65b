"""Importing answered churn surveys: each goes to its win-back's first present contact with an e-mail, once;
bad answers are refused naming the field, nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.kit.errors import InvalidInput
from lodestar.renewals.winback import service
from lodestar.renewals.winback.models import ChurnSurvey
from lodestar.settings import Settings
from tests.renewals.winback.conftest import Churned, day, win_backs


def _answer(win_back_id: int, **changes: object) -> service.AnsweredSurvey:
    values: dict[str, object] = {
        "win_back_id": win_back_id, "locale": "zh_CN", "sent_on": day(14),
        "answered_at": datetime(2026, 1, 20, 3, tzinfo=UTC), "reasons": ["price_budget", "competitor"],
        "feedback": "今年预算缩减。", "would_return": 4,
    }  # fmt: skip
    return service.AnsweredSurvey(**(values | changes))  # type: ignore[arg-type]


def test_an_answered_survey_is_recorded_once_to_the_decision_maker(
    db: Session, churned: Churned, settings: Settings
) -> None:
    service.after_snapshot(db, day(1), settings.model_copy(update={"smtp_host": None}))
    (win_back,) = win_backs(db)
    assert service.import_answered_surveys(db, [_answer(win_back.id), _answer(win_back.id)]) == 1
    assert service.import_answered_surveys(db, [_answer(win_back.id)]) == 0  # it has its survey
    survey = db.scalars(select(ChurnSurvey)).one()
    assert (survey.email, survey.locale, survey.sent_on, survey.expires_on) == (
        "wang@example.cn",
        "zh_CN",
        day(14),
        day(44),
    )
    assert (survey.reasons, survey.feedback, survey.would_return) == (["competitor", "price_budget"],
                                                                      "今年预算缩减。", 4)  # fmt: skip
    figures = {f.reason: f.survey_mentions for f in service.reason_statistics(db, day(0), day(0))}
    assert (figures["price_budget"], figures["competitor"]) == (1, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reasons": ["bogus"]}, "row 1: reasons"),
        ({"reasons": []}, "row 1: reasons"),
        ({"would_return": 11}, "row 1: would_return"),
        ({"answered_at": datetime(2026, 1, 2, tzinfo=UTC)}, "row 1: answered_at"),
    ],
)
def test_a_bad_answer_is_refused_naming_the_field_and_nothing_is_written(
    db: Session, churned: Churned, settings: Settings, changes: dict[str, object], field: str
) -> None:
    service.after_snapshot(db, day(1), settings.model_copy(update={"smtp_host": None}))
    (win_back,) = win_backs(db)
    with pytest.raises(InvalidInput) as refused:
        service.import_answered_surveys(db, [_answer(win_back.id), _answer(win_back.id, **changes)])
    assert [p.field for p in refused.value.problems] == [field.replace("row 1", "row 2")]
    assert db.scalar(select(func.count()).select_from(ChurnSurvey)) == 0
