"""Threshold, change and swing: which accounts hold on hand-made snapshots, and their evidence."""

from __future__ import annotations

from datetime import date, timedelta

from tests.alerts.conftest import AS_OF, Company, rule

THRESHOLD = "%(metric)s %(now)s (threshold %(op)s %(limit)s)"
CHANGE = "%(metric)s %(before)s → %(now)s (%(change)s) in %(days)s days"
SWING_WEEKS = "%(metric)s %(before)s → %(now)s (%(change)s) vs the prior %(weeks)s weeks"
SWING_DAYS = "%(metric)s %(before)s → %(now)s (%(change)s) vs the prior %(days)s days"
HEALTH = {"msgid": "health score"}


def days_ago(n: int) -> date:
    return AS_OF - timedelta(days=n)


def test_threshold_holds_below_the_limit_and_never_on_a_missing_score(company: Company) -> None:
    low, edge, unscored = (company.account().id for _ in range(3))
    company.snapshot(AS_OF, {low: {"score": 35.46}, edge: {"score": 40.0}, unscored: {"score": None}})
    found = company.evaluate(
        rule("low", {"kind": "threshold", "metric": "health_score", "op": "<", "value": 40})
    )
    assert list(found["low"]) == [low]
    assert found["low"][low] == [
        {"msgid": THRESHOLD, "values": {"metric": HEALTH, "now": 35.5, "op": "<", "limit": 40}}
    ]
    at_most = rule("at_most", {"kind": "threshold", "metric": "health_score", "op": "<=", "value": 40})
    assert sorted(company.evaluate(at_most)["at_most"]) == [low, edge]


def test_threshold_compares_grades_as_words(company: Company) -> None:
    red, green, ungraded = (company.account().id for _ in range(3))
    company.snapshot(AS_OF, {red: {"grade": "red"}, green: {}, ungraded: {"grade": None}})
    found = company.evaluate(
        rule("red", {"kind": "threshold", "metric": "health_grade", "op": "==", "value": "red"}),
        rule("not_red", {"kind": "threshold", "metric": "health_grade", "op": "!=", "value": "red"}),
        rule("at_risk", {"kind": "threshold", "metric": "stage", "op": "==", "value": "at_risk"}),
    )
    assert list(found["red"]) == [red]
    assert found["red"][red][0]["values"] == {
        "metric": {"msgid": "health grade"},
        "now": {"msgid": "red"},
        "op": "=",
        "limit": {"msgid": "red"},
    }
    assert list(found["not_red"]) == [green]  # no grade is not "not red"
    assert "at_risk" not in found


def test_threshold_shows_shares_as_percentages(company: Company) -> None:
    quiet, busy = company.account().id, company.account().id
    company.snapshot(AS_OF, {quiet: {"active_user_ratio_30d": 0.25}, busy: {}})
    when = {"kind": "threshold", "metric": "active_user_ratio_30d", "op": "<", "value": 0.3}
    found = company.evaluate(rule("quiet", when))
    assert found["quiet"] == {
        quiet: [
            {
                "msgid": THRESHOLD,
                "values": {"metric": {"msgid": "active-user ratio"}, "now": "25%", "op": "<", "limit": "30%"},
            }
        ]
    }


def test_change_compares_with_the_date_the_window_starts(company: Company) -> None:
    fell, dipped, rose = (company.account().id for _ in range(3))
    company.snapshot(days_ago(14), {fell: {"score": 80.0}, dipped: {"score": 80.0}, rose: {"score": 50.0}})
    company.snapshot(days_ago(7), {fell: {"score": 10.0}, dipped: {"score": 10.0}, rose: {"score": 50.0}})
    company.snapshot(AS_OF, {fell: {"score": 62.0}, dipped: {"score": 65.5}, rose: {"score": 70.0}})
    falls = {"kind": "change", "metric": "health_score", "direction": "falls", "by": 15, "days": 14}
    rises = {**falls, "direction": "rises", "by": 20}
    found = company.evaluate(rule("falls", falls), rule("rises", rises))
    assert found["falls"] == {
        fell: [
            {
                "msgid": CHANGE,
                "values": {"metric": HEALTH, "before": 80, "now": 62, "change": "−18", "days": 14},
            }
        ]
    }
    assert list(found["rises"]) == [rose]
    assert found["rises"][rose][0]["values"]["change"] == "+20"


def test_change_on_a_weekly_history_takes_the_newest_date_before_the_window_within_a_week(
    company: Company,
) -> None:
    fell = company.account().id
    company.snapshot(days_ago(17), {fell: {"score": 80.0}})
    company.snapshot(AS_OF, {fell: {"score": 60.0}})
    when = {"kind": "change", "metric": "health_score", "by": 15, "days": 14}
    found = company.evaluate(rule("falls", when))
    assert found["falls"][fell][0]["values"]["days"] == 17
    # Nothing stored from 14 days back to 7: no date to compare with, so the change holds for nobody.
    assert company.evaluate(rule("falls", {**when, "days": 7})) == {}


def test_change_needs_the_account_on_both_dates(company: Company) -> None:
    old, new = company.account().id, company.account().id
    company.snapshot(days_ago(14), {old: {"score": 90.0}})
    company.snapshot(AS_OF, {old: {"score": 20.0}, new: {"score": 20.0}})
    found = company.evaluate(
        rule("falls", {"kind": "change", "metric": "health_score", "by": 15, "days": 14})
    )
    assert list(found["falls"]) == [old]


def test_swing_against_the_mean_of_the_prior_weeks(company: Company) -> None:
    halved, eased, from_zero, gaps = (company.account().id for _ in range(4))
    weekly = {28: (40, 40, 0, 40), 21: (44, 44, 0, None), 14: (40, 40, 0, None), 7: (44, 44, 0, 44)}
    for ago, (a, b, c, d) in weekly.items():
        users = {halved: a, eased: b, from_zero: c, gaps: d}
        company.snapshot(days_ago(ago), {k: {"active_users_7d": v} for k, v in users.items()})
    company.snapshot(days_ago(35), {halved: {"active_users_7d": 1000}})  # before the baseline: not in it
    now = {halved: 21, eased: 27, from_zero: 0, gaps: 20}
    company.snapshot(AS_OF, {k: {"active_users_7d": v} for k, v in now.items()})
    when = {
        "kind": "swing",
        "metric": "active_users_7d",
        "direction": "falls",
        "percent": 40,
        "baseline_days": 28,
    }
    found = company.evaluate(rule("usage", when))
    assert sorted(found["usage"]) == [halved, gaps]
    users = {"msgid": "active users in 7 days"}
    assert found["usage"][halved] == [
        {
            "msgid": SWING_WEEKS,
            "values": {"metric": users, "before": 42, "now": 21, "change": "−50%", "weeks": 4},
        }
    ]
    assert found["usage"][gaps][0]["values"]["before"] == 42  # the mean of the dates it has
    rises = company.evaluate(rule("up", {**when, "direction": "rises", "percent": 10, "baseline_days": 30}))
    assert rises == {}
    company.snapshot(AS_OF, {k: {"active_users_7d": 60} for k in now})
    rises = company.evaluate(rule("up", {**when, "direction": "rises", "percent": 10, "baseline_days": 30}))
    assert sorted(rises["up"]) == [halved, eased, gaps]  # a zero baseline has no percentage
    assert rises["up"][halved][0] == {
        "msgid": SWING_DAYS,
        "values": {"metric": users, "before": 42, "now": 60, "change": "+43%", "days": 30},
    }
