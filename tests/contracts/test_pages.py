"""Page behaviour over plain HTTP against the live server: CSRF, redirects, roles, fragments."""

from __future__ import annotations

from sqlalchemy import func, select

from lodestar.contracts.models import Contract
from tests.live_server import Live, csrf_of, signed_in_client


def test_an_invalid_contract_names_end_date_and_writes_nothing(live_server: Live) -> None:
    client = signed_in_client(live_server, "chen")
    aurora = live_server.accounts["Aurora Retail"]
    form = client.get(f"/accounts/{aurora}/contracts/new")
    with live_server.engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(Contract))
    response = client.post(
        f"/accounts/{aurora}/contracts/new",
        data={
            "csrf_token": csrf_of(form.text),
            "product": "Lodestar Cloud",
            "start_date": "2027-01-01",
            "end_date": "2026-01-01",
            "arr": "100",
            "currency": "CNY",
            "seats": "5",
            "status": "active",
        },
    )
    assert response.status_code == 422
    assert 'data-field-error="end_date">end_date must be after start_date' in response.text
    with live_server.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Contract)) == before
