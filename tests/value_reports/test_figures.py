"""Every figure of a report equals the same figure computed here from the hand-made world (tests/value_reports
/world.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from lodestar.value_reports import config_kind, periods, service
from lodestar.value_reports.peer_ranking import size_band
from lodestar.value_reports.schemas import ValueReportSettings
from tests.value_reports import world
from tests.value_reports.world import IDENTIFY, PEERS, Q3, TODAY, USAGE


def _in_q3(day: date) -> bool:
    return Q3[0] <= day <= Q3[1]


def test_process_data_counts_only_the_period_and_reads_seats_from_its_last_snapshot(
    db: Session, tmp_path: Path
) -> None:
    w = world.build(db, tmp_path)
    f = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place, "en").figures
    rows = [r for r in USAGE if _in_q3(r[0])]
    assert f.usage.events == sum(r[3] for r in rows) == 55
    assert f.usage.active_users == len({r[1] for r in rows}) == 3
    assert f.usage.logins == len({(r[0], r[1]) for r in rows}) == 6
    assert f.usage.seats == world.MAIN_SEATS
    assert f.usage.active_share == pytest.approx(3 / world.MAIN_SEATS)
    created = {"Lead Created", "Task Created", "Note Added", "File Uploaded", "Comment Posted"}
    assert f.usage.data_created == sum(r[3] for r in rows if r[2] in created) == 7
    by_feature: dict[str, int] = {}
    for r in rows:
        by_feature[r[2]] = by_feature.get(r[2], 0) + r[3]
    expected_top = sorted(by_feature.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert [(t.name, t.events) for t in f.usage.top_features] == expected_top
    weeks = {}
    for r in rows:
        first = Q3[0] + timedelta(days=7 * ((r[0] - Q3[0]).days // 7))
        weeks[first.isoformat()] = weeks.get(first.isoformat(), 0) + r[3]
    assert {d: n for d, n in f.usage.buckets if n} == weeks
    assert len(f.usage.buckets) == 14 and sum(n for _, n in f.usage.buckets) == 55


def test_value_metrics_apply_their_formula_to_the_periods_feature_counts(db: Session, tmp_path: Path) -> None:
    w = world.build(db, tmp_path)
    f = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place, "zh_CN").figures
    workflows = sum(r[3] for r in USAGE if _in_q3(r[0]) and r[2] == "Workflow Run")
    reports = sum(r[3] for r in USAGE if _in_q3(r[0]) and r[2] == "Report Exported")
    got = {v.key: (v.input_value, v.value, v.unit) for v in f.value}
    assert got["hours_saved_workflows"] == (workflows, pytest.approx(workflows * 12 / 60), "小时")
    assert got["hours_saved_reports"] == (reports, pytest.approx(reports * 30 / 60), "小时")
    assert f.value[0].label == "自动化流程节省的工时"


def test_the_ranking_is_the_percentile_among_peers_of_the_same_industry_and_size_band(
    db: Session, tmp_path: Path
) -> None:
    w = world.build(db, tmp_path)
    f = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place).figures
    band = size_band(300, [100, 500, 2000])
    peers = [r for e, i, r in PEERS if i == "Retail" and size_band(e, [100, 500, 2000]) == band]
    below = sum(r < world.MAIN_RATIO for r in peers) + sum(r == world.MAIN_RATIO for r in peers) / 2
    assert (f.ranking.size_band, f.ranking.industry, f.ranking.peers) == ("100-499", "Retail", len(peers))
    assert f.ranking.percentile == pytest.approx(100 * below / len(peers)) == 62.5


def test_service_figures_measure_tickets_opened_in_the_period_against_the_tiers_sla(
    db: Session, tmp_path: Path
) -> None:
    w = world.build(db, tmp_path)
    s = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place).figures.service
    first, resolved = [2, 6, 3], [10, 30]  # the three tickets opened in Q3 (world._engagement)
    assert (s.tickets_opened, s.tickets_resolved) == (3, 2)
    assert s.resolution_rate == pytest.approx(2 / 3)
    assert s.first_response_hours == median(first) and s.resolution_hours == median(resolved)
    assert (s.sla_first_response_hours, s.sla_resolution_hours) == (4, 24)  # tier KA
    assert s.first_response_in_sla == pytest.approx(sum(h <= 4 for h in first) / 3)
    assert s.resolved_in_sla == pytest.approx(sum(h <= 24 for h in resolved) / 2)
    assert (s.touches, s.visits, s.trainings) == (4, 1, 2)
    scores = [10, 9, 5, 7]
    nps = 100 * (sum(x >= 9 for x in scores) - sum(x <= 6 for x in scores)) / len(scores)
    assert (s.nps, s.nps_answers) == (nps, 4) and nps == 25


def test_milestones_reached_missed_and_next_follow_the_period(db: Session, tmp_path: Path) -> None:
    w = world.build(db, tmp_path)
    m = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place).figures.milestones
    assert sorted(x.title for x in m.reached) == ["Admins trained", "Core module live"]
    assert [x.title for x in m.missed] == ["Three departments live"]
    assert [x.title for x in m.next] == ["80% of seats active"]


def test_a_year_report_buckets_by_month_and_covers_the_whole_year_to_date(
    db: Session, tmp_path: Path
) -> None:
    w = world.build(db, tmp_path)
    f = service.preview(db, w.csm, w.account_id, "2026", TODAY, w.place).figures
    assert (f.start, f.through, f.next_period) == (date(2026, 1, 1), TODAY, "2027")
    assert f.usage.events == sum(r[3] for r in USAGE)
    assert [d for d, _ in f.usage.buckets] == [date(2026, m, 1).isoformat() for m in range(1, 13)]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("2027Q1", "2027Q1 is in the future (today is 2026-12-01)"),
        ("2026Q5", "is not a quarter (2026Q3) or a year (2026): 2026Q5"),
    ],
)
def test_a_future_or_malformed_period_is_refused_naming_the_field(key: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        periods.parse(key, TODAY)
    assert [(p.field, str(p.message)) for p in caught.value.problems] == [("period", message)]


def _teams_by_hand(traits: list[str], end: datetime) -> tuple[dict[str, tuple[int, int]], int]:
    """{team: (active users, events)} of 2026Q3 and the active users without a team, from the world's
    lists: each user's team is the first trait present on their latest identify call of the account (or of
    no account) before `end`."""
    events: dict[str, int] = {}
    for day, user, _, n in USAGE:
        if _in_q3(day):
            events[user] = events.get(user, 0) + n
    team_of: dict[str, str] = {}
    for at, group, user, said in sorted(IDENTIFY, key=lambda r: r[0]):
        named = next((said[t] for t in traits if said.get(t) is not None), None)
        if at < end and group in ("g-main", None) and named is not None and named.strip():
            team_of[user] = named.strip()
    teams: dict[str, tuple[int, int]] = {}
    for user, n in events.items():
        if user in team_of:
            users, total = teams.get(team_of[user], (0, 0))
            teams[team_of[user]] = (users + 1, total + n)
    return teams, sum(1 for u in events if u not in team_of)


def test_the_customers_teams_are_ranked_by_events_per_active_user_from_identify_traits(
    db: Session, tmp_path: Path
) -> None:
    w = world.build(db, tmp_path)
    f = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place, "en").figures
    end = datetime(2026, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai"))  # the period's end, the company's time
    teams, without = _teams_by_hand(["department", "team"], end)
    assert teams == {"Finance": (1, 35), "Sales": (2, 20)}  # u2 still Sales, u3 Sales at 23:30 Shanghai
    ranked = sorted(teams.items(), key=lambda kv: (-kv[1][1] / kv[1][0], -kv[1][0], kv[0]))
    assert f.teams is not None
    assert [(t.rank, t.name, t.active_users, t.events, t.events_per_user) for t in f.teams.teams] == [
        (i, name, users, n, n / users) for i, (name, (users, n)) in enumerate(ranked, start=1)
    ]
    assert (
        (f.teams.users_without_team, f.teams.other_teams, f.teams.other_users) == (without, 0, 0) == (0, 0, 0)
    )


def test_team_traits_and_the_number_of_teams_shown_come_from_the_configuration(
    db: Session, tmp_path: Path
) -> None:
    w = world.build(db, tmp_path)
    settings, _ = config_kind.current(db)
    _apply(db, w, settings.model_copy(update={"team_traits": ["team"]}))
    f = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place, "en").figures
    end = datetime(2026, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    teams, without = _teams_by_hand(["team"], end)
    assert teams == {"Sales": (1, 14)} and without == 2  # only u2 names a `team`
    assert f.teams is not None
    assert [(t.name, t.active_users, t.events) for t in f.teams.teams] == [("Sales", 1, 14)]
    assert f.teams.users_without_team == without
    _apply(db, w, settings.model_copy(update={"top_teams": 1}))
    f = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place, "en").figures
    assert f.teams is not None
    assert [t.name for t in f.teams.teams] == ["Finance"]
    assert (f.teams.other_teams, f.teams.other_users) == (1, 2)
    _apply(db, w, settings.model_copy(update={"team_traits": ["cost_center"]}))
    f = service.preview(db, w.csm, w.account_id, "2026Q3", TODAY, w.place, "en").figures
    assert f.teams is None  # no user's team known: no section


def _apply(db: Session, w: world.World, settings: ValueReportSettings) -> None:
    config_service.save(db, "value_reports", settings.model_dump(mode="json"), w.admin.email)
