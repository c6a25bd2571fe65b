"""Page behaviour over plain HTTP against the live server: CSRF, redirects, roles, fragments."""

from __future__ import annotations

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
