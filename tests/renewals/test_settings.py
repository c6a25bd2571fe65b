"""The configuration kind `renewals`: round trip, refusals by path, and conversion at the dated rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.kit.errors import InvalidInput
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.schemas import RenewalSettings
from tests.conftest import wipe

runner = CliRunner()
REASONS = [{"key": "no_usage", "name": "No usage", "name_zh": "没有使用"}]


@pytest.fixture
def env(db_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def _exported(env: dict[str, str]) -> dict[str, Any]:
    return yaml.safe_load(runner.invoke(app, ["config", "export"], env=env).output)


def _apply(env: dict[str, str], tmp_path: Path, doc: dict[str, Any]) -> Any:
    file = tmp_path / "c.yaml"
    file.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return runner.invoke(app, ["config", "apply", str(file)], env=env)


def test_the_defaults_name_every_reason_of_the_taxonomy_in_both_languages(env: dict[str, str]) -> None:
    doc = _exported(env)["renewals"]
    keys = [r["key"] for r in doc["reasons"]]
    assert keys == [
        "no_usage", "champion_left", "product_gap", "price_budget", "competitor",
        "business_closed", "m_and_a", "service", "other",
    ]  # fmt: skip
    assert all(r["name"] and r["name_zh"] and r["name"] != r["name_zh"] for r in doc["reasons"])
    assert doc["company_currency"] == "CNY" and doc["survey"] == {"delay_days": 14, "link_valid_days": 30}


def test_renewal_settings_round_trip_through_export_and_apply(env: dict[str, str], tmp_path: Path) -> None:
    doc = _exported(env)
    doc["renewals"]["exchange_rates"].append({"currency": "USD", "rate": "7.25", "valid_from": "2026-01-01"})
    doc["renewals"]["reasons"].append({"key": "reorg", "name": "Reorganisation", "name_zh": "组织调整"})
    applied = _apply(env, tmp_path, doc)
    assert applied.exit_code == 0, applied.output
    assert applied.output.strip() == "applied: renewals v1"
    again = _exported(env)["renewals"]
    assert again["reasons"][-1]["key"] == "reorg"
    assert {"currency": "USD", "rate": "7.25", "valid_from": "2026-01-01"} in again["exchange_rates"]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"company_currency": "yuan"}, "renewals.company_currency", "pattern"),
        ({"exchange_rates": [{"currency": "USD", "rate": "-1", "valid_from": "2026-01-01"}]},
         "renewals.exchange_rates[0].rate", "must be > 0"),
        ({"exchange_rates": [{"currency": "CNY", "rate": "1", "valid_from": "2026-01-01"}]},
         "renewals", "the company currency CNY needs no exchange rate"),
        ({"reasons": REASONS * 2}, "renewals", "reason keys must be unique; twice: no_usage"),
        ({"reasons": []}, "renewals.reasons", "at least 1 item"),
        ({"survey": {"delay_days": -3}}, "renewals.survey.delay_days", "must be >= 0"),
    ],
)  # fmt: skip
def test_bad_renewal_settings_are_refused_by_path_and_nothing_is_written(
    env: dict[str, str], tmp_path: Path, change: dict[str, Any], field: str, reason: str
) -> None:
    doc = _exported(env)
    doc["renewals"].update(change)
    refused = _apply(env, tmp_path, doc)
    assert refused.exit_code != 0
    assert field in refused.output and reason in refused.output, refused.output
    assert _exported(env)["renewals"]["company_currency"] == "CNY"
    assert len(_exported(env)["renewals"]["reasons"]) == 9


def _rates(*rows: tuple[str, str, date]) -> ExchangeRates:
    return ExchangeRates(
        RenewalSettings(
            company_currency="CNY",
            reasons=REASONS,
            exchange_rates=[{"currency": c, "rate": r, "valid_from": d} for c, r, d in rows],
        )
    )


def test_an_amount_converts_at_the_rate_in_force_on_its_date() -> None:
    rates = _rates(("USD", "7.00", date(2025, 1, 1)), ("USD", "7.20", date(2026, 1, 1)))
    assert rates.convert(Decimal("1000"), "USD", date(2025, 12, 31)) == Decimal("7000.00")
    assert rates.convert(Decimal("1000"), "USD", date(2026, 1, 1)) == Decimal("7200.00")
    # Before the first rate the first one applies; the company currency converts at 1.
    assert rates.convert(Decimal("1000"), "USD", date(2020, 6, 1)) == Decimal("7000.00")
    assert rates.convert(Decimal("12.345"), "CNY", date(2026, 5, 1)) == Decimal("12.35")
    assert rates.missing({"USD", "EUR", "CNY", "JPY"}) == ["EUR", "JPY"]


def test_a_currency_without_a_rate_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        _rates().convert(Decimal("5"), "EUR", date(2026, 1, 1))
    assert refused.value.problems[0].field == "renewals.exchange_rates"
    assert "no exchange rate for EUR" in refused.value.problems[0].message
