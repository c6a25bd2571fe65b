"""Page behaviour over plain HTTP against the live server: CSRF, redirects, roles, fragments."""

from __future__ import annotations

import re

from tests.cockpit.seed import day_of
from tests.live_server import Live, signed_in_client


def test_an_htmx_request_gets_only_the_table_fragment(live_server: Live) -> None:
    client = signed_in_client(live_server, "admin")
    full = client.get("/accounts?tier=KA")
    fragment = client.get("/accounts?tier=KA", headers={"HX-Request": "true"})
    assert full.text.startswith("<!doctype html>") and 'id="portfolio-filters"' in full.text
    assert "<html" not in fragment.text and 'id="portfolio-table"' in fragment.text
    assert "Aurora Retail" in fragment.text and "Fjord Bank" in fragment.text
    assert "Birch Logistics" not in fragment.text


def test_a_bad_filter_value_is_refused_naming_the_field(live_server: Live) -> None:
    client = signed_in_client(live_server, "admin")
    response = client.get("/accounts?size=5000")
    assert response.status_code == 422
    assert "size" in response.text


def _names(html: str) -> list[str]:
    return re.findall(r'class="fw-medium account-name">([^<]+)</a>', html)


def test_churned_and_lead_pool_accounts_leave_the_default_view_and_a_filter_brings_them_back(
    live_server: Live,
) -> None:
    day_of(live_server)
    client = signed_in_client(live_server, "kai")
    assert _names(client.get("/accounts").text) == ["Harbor Shipping", "Lotus Tea"]
    everything = client.get("/accounts?closed=1").text
    assert _names(everything) == ["Harbor Shipping", "Lotus Tea", "Old Mill"]
    mill = everything[everything.index("Old Mill") :]
    stage_cell = re.findall(r'<td class="text-nowrap">([^<]*)', mill)[0]
    assert stage_cell.strip() == "Lead pool"  # the label, never the key lead_pool
    # The issue: Health = Red listed only churned accounts, Stage = At risk none. Live ones now answer.
    assert _names(client.get("/accounts?grade=red").text) == ["Harbor Shipping"]
    assert _names(client.get("/accounts?stage=at_risk").text) == ["Harbor Shipping"]
    assert _names(client.get("/accounts?stage=lead_pool").text) == ["Old Mill"]  # asked for by name


def test_the_summary_keeps_each_currency_apart_and_counts_grades_and_stages(live_server: Live) -> None:
    day_of(live_server)
    html = signed_in_client(live_server, "kai").get("/accounts").text
    summary = html[html.index('data-testid="portfolio-summary"') : html.index('data-testid="quick-sorts"')]
    assert re.search(r'data-testid="summary-accounts">2<', summary)
    assert 'data-currency="USD">250,000 USD<' in summary and 'data-currency="CNY">100,000 CNY<' in summary
    assert re.search(r">\s*Red 1\s*<", summary) and re.search(r">\s*Green 1\s*<", summary)
    assert re.search(r">\s*At risk 1\s*<", summary) and re.search(r">\s*Maturity 1\s*<", summary)


def test_quick_sorts_order_by_risk_arr_health_and_renewal(live_server: Live) -> None:
    day_of(live_server)
    client = signed_in_client(live_server, "kai")
    assert _names(client.get("/accounts?sort=risk&desc=1").text) == ["Harbor Shipping", "Lotus Tea"]
    assert _names(client.get("/accounts?sort=risk").text) == ["Lotus Tea", "Harbor Shipping"]
    assert _names(client.get("/accounts?sort=health_score").text) == ["Harbor Shipping", "Lotus Tea"]
    assert _names(client.get("/accounts?sort=renewal_date").text) == ["Harbor Shipping", "Lotus Tea"]
    # ARR compares what each amount is worth in the company currency (250,000 USD, then 100,000 CNY).
    assert _names(client.get("/accounts?sort=arr&desc=1").text) == ["Harbor Shipping", "Lotus Tea"]
