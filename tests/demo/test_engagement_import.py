from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lodestar.auth.models import Role
from lodestar.engagement import service as engagement_service
from lodestar.engagement.models import SurveyResponse, Ticket, Touch
from lodestar.kit.errors import InvalidInput
from tests.factories import make_account, make_user

AT = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def account(db):
    admin = make_user(db, Role.ADMIN)
    csm = make_user(db, Role.CSM)
    return make_account(db, csm, admin), csm


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_tickets_touches_and_answers_are_imported_in_order(db, account):
    acct, csm = account
    ids = engagement_service.import_tickets(
        db,
        [
            {
                "account_id": acct.id,
                "external_id": f"T{i}",
                "opened_at": AT + timedelta(hours=i),
                "resolved_at": AT + timedelta(hours=i + 5),
                "severity": "high" if i == 1 else "normal",
                "satisfaction": None if i else 4,
            }
            for i in range(3)
        ],
    )
    tickets = [db.get(Ticket, i) for i in ids]
    assert [t.external_id for t in tickets] == ["T0", "T1", "T2"]
    assert [t.severity for t in tickets] == ["normal", "high", "normal"]
    assert tickets[0].satisfaction == 4 and tickets[1].satisfaction is None
    touch_ids = engagement_service.import_touches(
        db,
        [
            {
                "account_id": acct.id,
                "user_id": csm.id,
                "kind": "training",
                "occurred_at": AT,
                "subject": "Onboarding training",
                "duration_minutes": 90,
            },
        ],
    )
    touch = db.get(Touch, touch_ids[0])
    assert (touch.kind, touch.user_id, touch.occurred_at) == ("training", csm.id, AT)
    answer_ids = engagement_service.import_survey_responses(
        db,
        [
            {"account_id": acct.id, "kind": "nps", "score": 9, "answered_at": AT},
            {"account_id": acct.id, "kind": "csat", "score": 2, "answered_at": AT},
        ],
    )
    assert [db.get(SurveyResponse, i).score for i in answer_ids] == [9, 2]


def test_every_bad_ticket_row_is_named_and_none_is_written(db, account):
    acct, _ = account
    rows = [
        {"account_id": acct.id, "opened_at": AT},
        {"account_id": acct.id, "opened_at": "2025-06-01T09:00:00"},
        {"account_id": acct.id, "opened_at": AT, "resolved_at": AT - timedelta(hours=1)},
        {"account_id": acct.id, "opened_at": AT, "severity": "urgent"},
    ]
    with pytest.raises(InvalidInput) as caught:
        engagement_service.import_tickets(db, rows)
    fields = [p.field for p in caught.value.problems]
    assert fields == ["row 2: opened_at", "row 3: input", "row 4: severity"]
    assert "resolved_at must not be before opened_at" in caught.value.message
    assert _count(db, Ticket) == 0


def test_unknown_accounts_users_and_repeated_ticket_ids_are_refused(db, account):
    acct, _ = account
    with pytest.raises(InvalidInput, match=r"account_id: unknown accounts: \[9999\]"):
        engagement_service.import_touches(db, [{"account_id": 9999, "kind": "call", "occurred_at": AT}])
    with pytest.raises(InvalidInput, match=r"user_id: unknown users: \[4242\]"):
        engagement_service.import_touches(
            db, [{"account_id": acct.id, "user_id": 4242, "kind": "call", "occurred_at": AT}]
        )
    with pytest.raises(InvalidInput, match="external_id: repeated in the input"):
        engagement_service.import_tickets(
            db, [{"account_id": acct.id, "external_id": "X", "opened_at": AT}] * 2
        )
    engagement_service.import_tickets(db, [{"account_id": acct.id, "external_id": "X", "opened_at": AT}])
    with pytest.raises(InvalidInput, match=r"external_id: already imported: \['X'\]"):
        engagement_service.import_tickets(db, [{"account_id": acct.id, "external_id": "X", "opened_at": AT}])
    assert _count(db, Touch) == 0


def test_an_nps_score_must_be_0_to_10_and_a_touch_kind_must_be_known(db, account):
    acct, _ = account
    with pytest.raises(InvalidInput, match="score must be between 0 and 10 for nps"):
        engagement_service.import_survey_responses(
            db, [{"account_id": acct.id, "kind": "nps", "score": 11, "answered_at": AT}]
        )
    with pytest.raises(InvalidInput, match="row 1: kind"):
        engagement_service.import_touches(db, [{"account_id": acct.id, "kind": "fax", "occurred_at": AT}])
    assert _count(db, SurveyResponse) == 0
