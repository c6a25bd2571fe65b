"""Absence, contact left, NPS detractor and ticket spike on hand-made records and snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.alerts.conftest import AS_OF, Company, rule
from tests.factories import make_answer, make_contact, make_contract, make_tickets

IDLE = "no activity for %(days)s days"
NEVER = "no activity since the first contract began %(days)s days ago"
LEFT = "%(name)s (%(role)s) left on %(date)s"
ONE_NPS = "NPS %(score)s on %(date)s (a detractor: %(limit)s or less)"
MANY_NPS = "%(count)s NPS answers of %(limit)s or less in %(days)s days, the lowest %(score)s on %(date)s"
SPIKE = "%(count)s tickets in %(days)s days, %(factor)s× the %(baseline)s-day daily mean"
FIRST_TICKETS = "%(count)s tickets in %(days)s days, none in the %(baseline)s days before"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_absence_counts_idle_days_and_customers_never_active(company: Company) -> None:
    idle, busy, never, fresh, prospect, ended, churned = (company.account() for _ in range(7))
    make_contract(company.db, never, company.admin, start_date=date(2026, 1, 1), end_date=date(2027, 1, 1))
    make_contract(
        company.db, fresh, company.admin, start_date=AS_OF - timedelta(days=5), end_date=date(2027, 6, 1)
    )
    make_contract(company.db, ended, company.admin, start_date=date(2025, 1, 1), end_date=date(2026, 1, 1))
    silent = {"days_since_last_activity": None}
    company.snapshot(
        AS_OF,
        {
            idle.id: {"days_since_last_activity": 20},
            busy.id: {"days_since_last_activity": 13},
            never.id: silent,
            fresh.id: silent,
            prospect.id: silent,
            ended.id: silent,
            churned.id: {"days_since_last_activity": 40, "phase": "churned", "stage": "churned"},
        },
    )
    found = company.evaluate(rule("idle", {"kind": "absence", "days": 14}))
    assert found["idle"] == {
        idle.id: [{"msgid": IDLE, "values": {"days": 20}}],
        never.id: [{"msgid": NEVER, "values": {"days": 180}}],
    }


def test_contact_left_names_each_contact_of_the_roles_in_the_window(company: Company) -> None:
    one, two, none = company.account(), company.account(), company.account()

    def left(account, name: str, role: str, ago: int) -> None:  # type: ignore[no-untyped-def]
        on = AS_OF - timedelta(days=ago)
        make_contact(company.db, account, company.admin, name=name, role=role, left_on=on)

    left(one, "Wang Fang", "champion", 3)
    left(two, "Li Na", "decision_maker", 6)
    left(two, "Zhou Jie", "champion", 1)
    left(none, "Old Boss", "decision_maker", 7)  # 7 days ago is outside the last 7 days
    left(none, "Some User", "user", 1)  # not a watched role
    make_contact(company.db, none, company.admin, name="Gone Quietly", role="champion", active=False)
    company.snapshot(AS_OF, {a.id: {} for a in (one, two, none)})
    found = company.evaluate(rule("left", {"kind": "contact_left", "within_days": 7}))
    assert found["left"] == {
        one.id: [
            {
                "msgid": LEFT,
                "values": {"name": "Wang Fang", "role": {"msgid": "Champion"}, "date": "2026-06-27"},
            }
        ],
        two.id: [
            {
                "msgid": LEFT,
                "values": {"name": "Li Na", "role": {"msgid": "Decision maker"}, "date": "2026-06-24"},
            },
            {
                "msgid": LEFT,
                "values": {"name": "Zhou Jie", "role": {"msgid": "Champion"}, "date": "2026-06-29"},
            },
        ],
    }


def test_nps_detractor_counts_company_zone_days(company: Company) -> None:
    once, twice, promoter, late = (company.account() for _ in range(4))
    make_answer(company.db, once, 5, utc(2026, 6, 23, 16, 30))  # 00:30 on the 24th in Shanghai: inside
    make_answer(company.db, once, 9, utc(2026, 6, 26, 8))
    make_answer(company.db, twice, 6, utc(2026, 6, 28, 8))
    make_answer(company.db, twice, 3, utc(2026, 6, 25, 8))
    make_answer(company.db, promoter, 7, utc(2026, 6, 29, 8))  # 7 is passive, not a detractor
    make_answer(company.db, late, 0, utc(2026, 6, 30, 17))  # 01:00 on July 1st in Shanghai: after the date
    make_answer(company.db, late, 0, utc(2026, 6, 23, 15, 30))  # 23:30 on the 23rd: before the window
    company.snapshot(AS_OF, {a.id: {} for a in (once, twice, promoter, late)})
    found = company.evaluate(rule("nps", {"kind": "nps_detractor", "max_score": 6, "within_days": 7}))
    assert found["nps"] == {
        once.id: [{"msgid": ONE_NPS, "values": {"score": 5, "date": "2026-06-24", "limit": 6}}],
        twice.id: [
            {
                "msgid": MANY_NPS,
                "values": {"score": 3, "date": "2026-06-25", "limit": 6, "count": 2, "days": 7},
            }
        ],
    }


def test_ticket_spike_against_the_daily_mean_before_the_window(company: Company) -> None:
    first, spike, steady, few, midnight = (company.account() for _ in range(5))
    recent = utc(2026, 6, 28, 4)
    make_tickets(company.db, first, [recent] * 3)
    make_tickets(company.db, spike, [recent] * 4 + [utc(2026, 5, 1, 4)] * 9)
    make_tickets(
        company.db, steady, [recent] * 4 + [utc(2026, 4, 1, 4) + timedelta(days=i) for i in range(90)]
    )
    make_tickets(company.db, few, [recent] * 2)
    # 00:30 on June 24th in Shanghai (still the 23rd in UTC): inside the last 7 company days; one ticket in
    # the 90 days before them (April 20th), one before those (March 20th).
    make_tickets(
        company.db, midnight, [utc(2026, 6, 23, 16, 30)] * 3 + [utc(2026, 4, 20, 4), utc(2026, 3, 20, 4)]
    )
    company.snapshot(AS_OF, {a.id: {} for a in (first, spike, steady, few, midnight)})
    when = {"kind": "ticket_spike", "factor": 3, "days": 7, "baseline_days": 90, "min_tickets": 3}
    found = company.evaluate(rule("spike", when))
    assert found["spike"] == {
        first.id: [{"msgid": FIRST_TICKETS, "values": {"count": 3, "days": 7, "baseline": 90}}],
        spike.id: [{"msgid": SPIKE, "values": {"count": 4, "days": 7, "factor": 5.7, "baseline": 90}}],
        midnight.id: [{"msgid": SPIKE, "values": {"count": 3, "days": 7, "factor": 38.6, "baseline": 90}}],
    }
