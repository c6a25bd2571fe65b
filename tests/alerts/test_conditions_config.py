"""The rules' conditions as configuration: values of the wrong kind are refused by path, and every
default rule finds the account made for it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from lodestar.alerts import config_kind
from lodestar.alerts.conditions.evaluate import evaluate
from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from tests.alerts.conftest import AS_OF, SHANGHAI, Company, rule
from tests.factories import make_answer, make_contact, make_contract, make_tickets


@pytest.mark.parametrize(
    ("when", "field", "message"),
    [
        ({"metric": "health_score", "op": "<", "value": "forty"}, "value", "health_score is a number"),
        ({"metric": "health_grade", "op": "==", "value": 1}, "value", "health_grade is text"),
        ({"metric": "health_grade", "op": "<", "value": "red"}, "op", "text is compared with == or != only"),
        ({"metric": "logins_per_day", "op": "<", "value": 1}, "metric", "unknown metric 'logins_per_day'"),
    ],
)
def test_a_threshold_of_the_wrong_kind_is_refused_by_path(
    db: Session, when: dict[str, object], field: str, message: str
) -> None:
    rules = {"rules": [rule("bad", {"kind": "any", "conditions": [{"kind": "threshold", **when}]})]}
    with pytest.raises(InvalidInput) as caught:
        config_service.validated(db, "alerts", rules)
    [problem] = caught.value.problems
    assert problem.field == f"alerts.rules.0.when.conditions.0.{field}"
    assert problem.message.startswith(message)


def test_a_change_of_a_text_field_is_refused(db: Session) -> None:
    when = {"kind": "change", "metric": "stage", "by": 1, "days": 7}
    with pytest.raises(InvalidInput) as caught:
        config_service.validated(db, "alerts", {"rules": [rule("bad", when)]})
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("alerts.rules.0.when.metric", "stage is text: only a threshold compares it")
    ]


def _days(n: int) -> date:
    return AS_OF - timedelta(days=n)


def test_every_default_rule_finds_the_account_made_for_it(company: Company) -> None:
    db, admin = company.db, company.admin
    names = [
        "health_red", "health_drop", "usage_drop", "usage_decline", "no_activity", "ticket_spike",
        "nps_detractor", "champion_left", "renewal_window_opened", "contract_ending_undecided", "quiet",
    ]  # fmt: skip
    acc = {n: company.account(name=n) for n in names}
    for account in acc.values():  # a contract each, running past the 30 days, so only one ends
        ends = AS_OF + timedelta(days=20 if account.name == "contract_ending_undecided" else 300)
        make_contract(db, account, admin, start_date=date(2025, 9, 1), end_date=ends, today=AS_OF)
    make_tickets(db, acc["ticket_spike"], [datetime(2026, 6, 28, 4, tzinfo=UTC)] * 3)
    make_answer(db, acc["nps_detractor"], 2, datetime(2026, 6, 29, 4, tzinfo=UTC))
    make_contact(db, acc["champion_left"], admin, name="Wang Fang", role="champion", left_on=_days(2))
    ids = {n: a.id for n, a in acc.items()}
    weak = (ids["usage_decline"], ids["nps_detractor"])  # weak health all along: no sharp fall
    for ago in (28, 21, 14, 7):
        company.snapshot(
            _days(ago),
            {a: {"score": 50.0 if a in weak else 80.0, "active_users_30d": 20} for a in ids.values()},
        )
    company.snapshot(
        AS_OF,
        {
            ids["health_red"]: {"grade": "red"},
            ids["health_drop"]: {"score": 50.0},  # down 30 points, and below 55
            ids["usage_drop"]: {"active_users_30d": 10},
            ids["usage_decline"]: {"usage_trend_30d": -0.3, "score": 50.0},
            ids["nps_detractor"]: {"score": 50.0},  # a detractor where health is weak
            ids["no_activity"]: {"days_since_last_activity": 15},
            ids["renewal_window_opened"]: {"in_renewal_window": True},
            **{ids[n]: {} for n in ("ticket_spike", "champion_left")},
            **{ids[n]: {} for n in ("contract_ending_undecided", "quiet")},
        },
    )
    db.flush()
    rules, _ = config_kind.current(db)
    table = evaluate(db, company.root, rules, AS_OF, zone=SHANGHAI)
    found = sorted(
        zip(table.column("rule_key").to_pylist(), table.column("account_id").to_pylist(), strict=True)
    )
    assert found == sorted((n, ids[n]) for n in names if n != "quiet")
