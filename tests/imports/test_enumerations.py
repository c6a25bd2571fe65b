"""Imported enumerations are checked: a tier must be one of the configured tiers."""

from __future__ import annotations

from tests.imports.conftest import rejected, run


def test_an_imported_tier_must_be_a_configured_tier(db, tmp_path) -> None:
    report = rejected(db, "accounts", b"crm_id,name,tier\nC-1,Acme,=1+2\nC-2,Beta,KA\n", "a.csv", tmp_path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "tier", "=1+2")]
    assert "known: " in report.problems[0].reason
    assert run(db, "accounts", b"crm_id,name,tier\nC-2,Beta,KA\n", "a.csv", tmp_path).created == 1


def test_a_column_that_maps_to_no_field_is_a_problem_not_silently_dropped(db, tmp_path) -> None:
    csv = b"crm_id,name,renewal_date,notes\nC-1,Acme,2025-13-45,\nC-2,Beta,not a date,\n"
    report = rejected(db, "accounts", csv, "a.csv", tmp_path)
    assert [(p.row, p.column) for p in report.problems] == [(0, "renewal_date")]  # the empty column is fine
    assert "accounts have no field renewal_date" in report.problems[0].reason


def test_an_imported_touch_dated_in_the_future_names_its_row(db, tmp_path) -> None:
    run(db, "accounts", b"crm_id,name\nC-1,Acme\n", "a.csv", tmp_path)
    csv = b"account,kind,occurred_at\nC-1,call,2025-01-01 10:00\nC-1,call,2999-01-01 10:00\n"
    report = rejected(db, "touches", csv, "t.csv", tmp_path)
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (3, "occurred_at", "must not be in the future")
    ]
