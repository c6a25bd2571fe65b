"""Importing past forecast calls: each renewal's history chained oldest first and its last call the
forecast (closed renewals too); bad rows refused naming the field, nothing written."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from lodestar.kit.errors import InvalidInput
from lodestar.renewals.records import service
from lodestar.renewals.records.models import ForecastChange
from lodestar.renewals.records.schemas import ForecastCall
from tests.renewals.records.conftest import Team


def _at(month: int) -> datetime:
    return datetime(2025, month, 1, 2, tzinfo=UTC)


def test_the_calls_become_each_renewals_history_and_forecast(team: Team) -> None:
    a, b = team.account(name="A"), team.account(name="B")
    closed = team.contract(a, date(2024, 1, 1), date(2025, 1, 1), status="expired")
    still = team.contract(b, date(2025, 6, 1), date(2026, 6, 1))
    service.open_and_derive(team.db, date(2026, 3, 1))
    gone, live = team.renewal_of(closed), team.renewal_of(still)
    assert gone.outcome == "churned" and live.outcome is None
    calls = [
        ForecastCall(gone.id, "likely", team.csm.id, _at(1)),
        ForecastCall(gone.id, "lost", team.csm.id, _at(2)),
        ForecastCall(live.id, "commit", None, _at(3)),
    ]
    assert service.import_forecast_history(team.db, calls) == 3
    team.db.expire_all()
    assert (gone.forecast, live.forecast) == ("lost", "commit")
    history = [(h.from_category, h.to_category, h.changed_by) for h in service.forecast_history(
        team.db, team.admin, gone.id)]  # fmt: skip
    assert history == [(None, "likely", team.csm.id), ("likely", "lost", team.csm.id)]


@pytest.mark.parametrize(
    ("calls", "fields"),
    [
        ([("maybe", 1)], ["row 1: forecast"]),
        ([("likely", 2), ("lost", 1)], ["changed_at"]),
        ([("likely", 1), ("lost", 2)], []),  # the control: in order, a known category
    ],
)
def test_a_bad_call_is_refused_naming_the_field_and_nothing_is_written(
    team: Team, calls: list[tuple[str, int]], fields: list[str]
) -> None:
    contract = team.contract(team.account(name="A"), date(2025, 6, 1), date(2026, 6, 1))
    service.open_and_derive(team.db, date(2026, 3, 1))
    renewal = team.renewal_of(contract)
    made = [ForecastCall(renewal.id, category, None, _at(month)) for category, month in calls]
    if not fields:
        assert service.import_forecast_history(team.db, made) == 2
        return
    with pytest.raises(InvalidInput) as refused:
        service.import_forecast_history(team.db, made)
    assert [p.field for p in refused.value.problems] == fields
    assert team.db.scalar(select(func.count()).select_from(ForecastChange)) == 0
    assert team.renewal_of(contract).forecast is None


def test_an_unknown_renewal_is_refused_naming_it(team: Team) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.import_forecast_history(team.db, [ForecastCall(999_999, "commit", None, _at(1))])
    assert [p.field for p in refused.value.problems] == ["renewal_id"]
