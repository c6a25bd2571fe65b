"""Every retention formula against figures worked out by hand from the chains in chains.py (2025-Q1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from lodestar.kit.errors import InvalidInput
from lodestar.renewals.retention import service
from lodestar.renewals.retention.schemas import RetentionFigures, RetentionQuery
from tests.renewals.retention.chains import TODAY, World, build

Q1 = RetentionQuery(period="quarter", first=date(2025, 1, 1), last=date(2025, 3, 31))

# ARR on 2025-01-01 and on 2025-04-01 of each account of the starting cohort, by hand (CNY):
START = {
    "flat": 100_000, "expansion": 50_000, "contraction": 60_000, "churn": 40_000,
    "early": 30_000,  # the renewal signed early (from 2025-02-01) is not live yet on 01-01
    "multi_year": 20_000,  # a three-year contract counts its annual ARR once
    "upgrade": 10_000,
    "currency": 10_000 * 7,  # 10,000 USD at the 7.00 in force on the quarter's first day
    "late": 12_000,  # ended 2025-01-01, renewed from 01-20: the gap is bridged, no churn
    "left_midterm": 8_000,
    "others": 7_000,
}  # fmt: skip
END = {
    "flat": 100_000, "expansion": 80_000, "contraction": 45_000, "churn": 0,
    "early": 36_000,  # the early renewal replaced the old contract: 36,000, not 30,000 + 36,000
    "multi_year": 20_000,
    "upgrade": 25_000,  # the mid-term upgrade replaced the 10,000 contract
    "currency": 10_000 * 7,  # still at 7.00: the rate moved to 7.50 on 02-15, which is not expansion
    "late": 12_000, "left_midterm": 0, "others": 7_000,
}  # fmt: skip
# Up for renewal in Q1 (end date in the quarter): (ARR due, renewal ARR).
DUE = {"flat": (100_000, 100_000), "expansion": (50_000, 80_000), "contraction": (60_000, 45_000),
       "churn": (40_000, 0), "late": (12_000, 12_000)}  # fmt: skip


def _expected(names: set[str]) -> dict[str, object]:
    start = sum(START[n] for n in names)
    expansion = sum(max(END[n] - START[n], 0) for n in names)
    contraction = sum(START[n] - END[n] for n in names if 0 < END[n] < START[n])
    churn = sum(START[n] for n in names if END[n] == 0)
    due = sum(DUE[n][0] for n in names if n in DUE)
    renewed = sum(min(DUE[n]) for n in names if n in DUE)
    q = Decimal("0.0001")
    return {
        "start_arr": Decimal(start), "expansion": Decimal(expansion), "contraction": Decimal(contraction),
        "churn": Decimal(churn), "end_arr": Decimal(sum(END[n] for n in names)),
        "customers_at_start": len(names), "customers_kept": sum(END[n] > 0 for n in names),
        "grr": (Decimal(start - contraction - churn) / start).quantize(q),
        "nrr": (Decimal(start + expansion - contraction - churn) / start).quantize(q),
        "logo_retention": (Decimal(sum(END[n] > 0 for n in names)) / len(names)).quantize(q),
        "arr_up_for_renewal": Decimal(due), "arr_renewed": Decimal(renewed),
        "renewal_rate": (Decimal(renewed) / due).quantize(q) if due else None,
        "contracts_up_for_renewal": sum(n in DUE for n in names),
    }  # fmt: skip


def _as_dict(f: RetentionFigures) -> dict[str, object]:
    return {k: v for k, v in f.model_dump().items()}


@pytest.fixture
def world(db: Session) -> World:
    return build(db)


def test_the_quarter_bridge_equals_the_hand_computed_one(db: Session, world: World) -> None:
    report = service.retention(db, world.admin, Q1, TODAY)
    assert report.periods == ["2025-Q1", "2025-Q2"] or report.periods == ["2025-Q1"]
    q1 = report.totals[0]
    assert (q1.period, q1.partial, q1.measured_on) == ("2025-Q1", False, date(2025, 4, 1))
    assert _as_dict(q1.figures) == _expected(set(START))
    # The figures spelled out once: 407,000 at start; +51,000 -15,000 -48,000; 395,000 at the end.
    f = q1.figures
    assert (f.start_arr, f.expansion, f.contraction, f.churn, f.end_arr) == (
        407_000,
        51_000,
        15_000,
        48_000,
        395_000,
    )
    assert (f.grr, f.nrr, f.logo_retention, f.renewal_rate) == (
        Decimal("0.8452"), Decimal("0.9705"), Decimal("0.8182"), Decimal("0.7901"),
    )  # fmt: skip


def test_a_csm_gets_the_figures_of_their_own_accounts_only(db: Session, world: World) -> None:
    report = service.retention(db, world.csm, Q1, TODAY)
    assert _as_dict(report.totals[0].figures) == _expected(set(START) - {"others"})


def test_the_next_quarter_converts_at_its_own_first_days_rate(db: Session, world: World) -> None:
    query = RetentionQuery(period="quarter", by=["tier"], first=date(2025, 4, 1), last=date(2025, 6, 30))
    report = service.retention(db, world.admin, query, TODAY)
    ka = next(r for r in report.groups if r.group == {"tier": "KA"})
    assert (ka.period, ka.partial, ka.measured_on) == ("2025-Q2", True, TODAY)
    assert (ka.figures.start_arr, ka.figures.end_arr, ka.figures.expansion) == (75_000, 75_000, 0)


def test_groups_split_the_totals(db: Session, world: World) -> None:
    report = service.retention(db, world.admin, Q1.model_copy(update={"by": ["tier", "csm"]}), TODAY)
    groups = {(r.group["tier"], r.label["csm"]): r.figures for r in report.groups if r.period == "2025-Q1"}
    assert set(groups) == {("KA", "Cora Csm"), ("SMB", "Cora Csm"), ("SMB", "Otto Other")}
    assert _as_dict(groups[("SMB", "Cora Csm")]) == _expected(set(START) - {"others", "currency"})
    assert groups[("SMB", "Otto Other")].start_arr == 7_000
    total = report.totals[0].figures
    for name in ("start_arr", "expansion", "contraction", "churn", "end_arr", "arr_renewed"):
        assert sum(getattr(g, name) for g in groups.values()) == getattr(total, name), name


def test_the_signing_year_cohort_and_the_heatmap(db: Session, world: World) -> None:
    report = service.retention(db, world.admin, Q1.model_copy(update={"by": ["cohort"]}), TODAY)
    cohorts = {r.group["cohort"]: r.figures for r in report.groups}
    assert set(cohorts) == {"2023", "2024", "2025"}
    assert cohorts["2023"].start_arr == START["multi_year"]
    assert cohorts["2025"].customers_at_start == 0  # signed during the period: not in the cohort
    heat = report.cohort_heatmap
    row = heat.cohorts.index("2024-Q4")  # the upgrade account alone: 10,000 -> 25,000
    assert heat.nrr[row][heat.periods.index("2025-Q1")] == 250.0


def test_the_trailing_twelve_months_and_the_whole_range(db: Session, world: World) -> None:
    report = service.retention(db, world.admin, Q1, TODAY)
    assert report.whole_range.figures == report.totals[0].figures  # one period: the same window
    t12 = report.trailing_12_months
    assert (t12.start, t12.end) == (date(2024, 4, 1), date(2025, 4, 1))
    # On 2024-04-01 the customers were: flat, expansion, contraction, churn, multi_year, late, others
    # (currency starts 05-01, early 06-01, upgrade 10-01, left_midterm 09-01).
    names = {"flat", "expansion", "contraction", "churn", "multi_year", "late", "others"}
    assert t12.figures.start_arr == sum(START[n] for n in names)
    assert t12.figures.end_arr == sum(END[n] for n in names)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "week"}, "period"),
        ({"by": "tier,colour"}, "by"),
        ({"from": "2025-05-01", "to": "2025-04-01"}, "from"),
        ({"to": "2025-07-01"}, "to"),
        ({"from": "2000-01-01", "period": "month"}, "from"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(
    db: Session, world: World, query: dict[str, str], field: str
) -> None:
    from lodestar.web.forms import validate

    with pytest.raises(InvalidInput) as refused:
        service.retention(db, world.admin, validate(RetentionQuery, query), TODAY)
    assert [p.field for p in refused.value.problems] == [field]
