"""A tiny hand-made company: three accounts, a dozen events and a few operational rows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from lodestar.analytics.event_store import EVENT_SCHEMA, write_events
from lodestar.analytics.inputs import MetricInputs, days, hours, make_inputs

A, B = date(2026, 3, 31), date(2026, 3, 1)


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    """An instant in UTC."""
    return datetime(y, m, d, h, tzinfo=UTC)


def event(when: datetime, group: str, user: str | None, name: str, kind: str = "track") -> dict[str, object]:
    """One Segment message."""
    return {
        "message_id": uuid.uuid4().hex,
        "type": kind,
        "event": name if kind == "track" else None,
        "name": name if kind == "page" else None,
        "user_id": user,
        "anonymous_id": None,
        "group_id": group,
        "timestamp": when,
        "received_at": when,
        "source": "test",
        "properties": "{}",
        "traits": "{}",
    }


EVENTS = [
    *[event(at(2026, 3, 31), "g1", "u1", "Login") for _ in range(2)],
    event(at(2026, 3, 31), "g1", "u2", "Report"),
    event(at(2026, 3, 31), "g1", "u5", "x", kind="identify"),
    event(at(2026, 3, 25), "g1", "u1", "Report"),
    event(at(2026, 3, 10), "g1", "u3", "Training Completed"),
    event(at(2026, 2, 15), "g1", "u1", "Home", kind="page"),
    event(at(2026, 1, 10), "g1", "u4", "Login"),
    *[event(at(2026, 2, 20), "g2", "u9", "Login") for _ in range(3)],
]


def write_world(events_dir: Path) -> None:
    """Writes the hand-made events into an event store."""
    write_events(events_dir, pa.Table.from_pylist(EVENTS, schema=EVENT_SCHEMA))


def world_inputs() -> MetricInputs:
    """The operational rows of the hand-made company."""
    return make_inputs(
        key_features=["Report", "Login"],
        accounts=[
            {"account_id": 1, "group_id": "g1", "tier": "KA", "sla_first_response_hours": 24.0},
            {"account_id": 2, "group_id": "g2", "tier": "SMB", "sla_first_response_hours": 4.0},
            {"account_id": 3, "group_id": None, "tier": None, "sla_first_response_hours": None},
        ],
        contracts=[
            {
                "account_id": 1,
                "contract_id": 10,
                "start_day": days(date(2026, 1, 1)),
                "end_day": days(date(2026, 12, 31)),
                "arr": 120000.0,
                "seats": 10,
                "status": "active",
            },
            {
                "account_id": 1,
                "contract_id": 11,
                "start_day": days(date(2026, 1, 1)),
                "end_day": days(date(2026, 12, 31)),
                "arr": 999.0,
                "seats": 99,
                "status": "cancelled",
            },
            {
                "account_id": 1,
                "contract_id": 9,
                "start_day": days(date(2025, 1, 1)),
                "end_day": days(date(2025, 12, 31)),
                "arr": 100000.0,
                "seats": 8,
                "status": "renewed",
            },
            {
                "account_id": 2,
                "contract_id": 20,
                "start_day": days(date(2026, 4, 1)),
                "end_day": days(date(2027, 3, 31)),
                "arr": 50000.0,
                "seats": 5,
                "status": "active",
            },
        ],
        tickets=[
            {
                "account_id": 1,
                "severity": "normal",
                "opened_hour": hours(at(2026, 3, 20, 10)),
                "first_response_hour": hours(at(2026, 3, 20, 12)),
                "resolved_hour": hours(at(2026, 3, 22, 10)),
            },
            {
                "account_id": 1,
                "severity": "critical",
                "opened_hour": hours(at(2026, 3, 30, 9)),
                "first_response_hour": None,
                "resolved_hour": None,
            },
            {
                "account_id": 1,
                "severity": "normal",
                "opened_hour": hours(at(2026, 2, 25, 0)),
                "first_response_hour": hours(at(2026, 2, 27, 0)),
                "resolved_hour": hours(at(2026, 4, 5, 0)),
            },
        ],
        surveys=[
            {
                "account_id": 1,
                "response_id": 1,
                "kind": "nps",
                "score": 8.0,
                "answered_hour": hours(at(2026, 2, 1)),
            },
            {
                "account_id": 1,
                "response_id": 2,
                "kind": "nps",
                "score": 3.0,
                "answered_hour": hours(at(2026, 3, 15)),
            },
            {
                "account_id": 1,
                "response_id": 3,
                "kind": "csat",
                "score": 4.0,
                "answered_hour": hours(at(2026, 1, 5)),
            },
        ],
        # Account 1's success plan: on time, late, never reached, early, dropped; account 2's is not due.
        referrals=[{"account_id": 1, "referred_day": days(date(2026, 3, 10)), "status": "won"}],
        milestones=[
            {
                "account_id": 1,
                "target_day": days(date(2026, 2, 15)),
                "reached_day": days(date(2026, 2, 10)),
                "status": "reached",
            },
            {
                "account_id": 1,
                "target_day": days(date(2026, 3, 10)),
                "reached_day": days(date(2026, 3, 20)),
                "status": "reached",
            },
            {"account_id": 1, "target_day": days(date(2026, 3, 15)), "reached_day": None, "status": "missed"},
            {
                "account_id": 1,
                "target_day": days(date(2026, 6, 1)),
                "reached_day": days(date(2026, 3, 5)),
                "status": "reached",
            },
            {"account_id": 1, "target_day": days(date(2026, 2, 1)), "reached_day": None, "status": "dropped"},
            {
                "account_id": 2,
                "target_day": days(date(2026, 4, 30)),
                "reached_day": None,
                "status": "planned",
            },
        ],
        touches=[
            {"account_id": 1, "kind": "call", "day": days(date(2026, 3, 28))},
            {"account_id": 1, "kind": "training", "day": days(date(2025, 9, 1))},
            {"account_id": 1, "kind": "training", "day": days(date(2026, 3, 5))},
        ],
        contacts=[
            {"account_id": 1, "role": "champion", "active": False, "left_day": days(date(2026, 3, 20))},
            {"account_id": 1, "role": "decision_maker", "active": False, "left_day": days(date(2026, 3, 10))},
            {"account_id": 2, "role": "champion", "active": True, "left_day": None},
            {"account_id": 3, "role": "champion", "active": False, "left_day": None},
            {"account_id": 3, "role": "decision_maker", "active": False, "left_day": None},
            {"account_id": 3, "role": "champion", "active": False, "left_day": days(date(2026, 3, 15))},
        ],
    )
