"""Imported enumerations are checked: a tier must be one of the configured tiers."""

from __future__ import annotations

from tests.imports.conftest import rejected, run


def test_an_imported_tier_must_be_a_configured_tier(db, tmp_path) -> None:
    report = rejected(db, "accounts", b"crm_id,name,tier\nC-1,Acme,=1+2\nC-2,Beta,KA\n", "a.csv", tmp_path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "tier", "=1+2")]
    assert "known: " in report.problems[0].reason
    assert run(db, "accounts", b"crm_id,name,tier\nC-2,Beta,KA\n", "a.csv", tmp_path).created == 1
