"""Page behaviour over plain HTTP against the live server: CSRF, redirects, roles, fragments."""

from __future__ import annotations

from tests.live_server import Live, csrf_of, signed_in_client


def test_adding_a_stakeholder_who_left_shows_them_greyed_with_the_date(live_server: Live) -> None:
    client = signed_in_client(live_server, "li")
    delta = live_server.accounts["Delta Foods"]
    token = csrf_of(client.get(f"/accounts/{delta}/contacts/new").text)
    response = client.post(
        f"/accounts/{delta}/contacts/new",
        data={"csrf_token": token, "name": "Qian Hao", "role": "champion", "left_on": "2026-05-04"},
    )
    assert response.status_code == 303
    page = client.get(f"/accounts/{delta}").text
    row = page[page.index('class="contact-left"') :]
    assert "Qian Hao" in row[:600] and "Left 2026-05-04" in row[:2000]
