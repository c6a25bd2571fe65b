"""The alert pages over HTTP: the inbox (scope, filters, evidence in the reader's language), the actions and
their refusals, an alert's page, the account page's panel and feed, the cockpit card, the backtest page."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.alerts.models import Alert
from lodestar.auth.models import User
from tests.alerts.inbox_data import Crew, crew, history
from tests.api_fixtures import quick_password_hashes
from tests.factories import PASSWORD
from tests.live_server import csrf_of

__all__ = ["crew", "history", "quick_password_hashes"]


def _sign_in(client: TestClient, user: User, locale: str | None = None) -> TestClient:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.text
    if locale:
        page = client.get("/alerts").text
        client.post("/language", data={"locale": locale, "next": "/alerts", "csrf_token": csrf_of(page)})
    return client


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="alert" data-alert-id="(\d+)"', html)]


def _post(client: TestClient, path: str, data: dict[str, str]) -> str:
    """Posts a form and follows the redirect; the page it lands on."""
    answer = client.post(path, data={"csrf_token": csrf_of(client.get("/alerts").text), **data})
    assert answer.status_code == 303, answer.text
    return client.get(answer.headers["location"]).text


def test_the_inbox_lists_a_csms_live_alerts_with_evidence_and_filters(client: TestClient, crew: Crew) -> None:
    _sign_in(client, crew.csm)
    html = client.get("/alerts").text
    assert _rows(html) == [crew.alerts["red"], crew.alerts["usage"]]
    assert "Health turned red" in html and "active-user ratio 0.42 -&gt; 0.21" in html
    assert "Mine Ltd" in html and "Theirs Ltd" not in html
    assert 'id="f-owner"' not in html  # a CSM's inbox is their own
    assert _rows(client.get("/alerts?severity=warning").text) == [crew.alerts["usage"]]
    assert _rows(client.get("/alerts?state=resolved").text) == [crew.alerts["old"]]
    assert _rows(client.get("/alerts?rule=nps_detractor").text) == []
    assert client.get("/alerts?severity=urgent").status_code == 422


def test_a_manager_filters_by_csm_and_a_chinese_reader_reads_chinese(client: TestClient, crew: Crew) -> None:
    _sign_in(client, crew.manager)
    assert sorted(_rows(client.get("/alerts").text)) == sorted(
        [crew.alerts["red"], crew.alerts["usage"], crew.alerts["mates"]]
    )
    assert _rows(client.get(f"/alerts?owner={crew.mate.id}").text) == [crew.alerts["mates"]]
    _sign_in(client, crew.manager, "zh_CN")
    html = client.get("/alerts").text
    assert "健康度转为红色" in html and "Health turned red" not in html
    assert "active-user ratio" not in html and "0.42" in html


def test_acknowledge_snooze_and_resolve_from_the_inbox_or_say_why_not(client: TestClient, crew: Crew) -> None:
    _sign_in(client, crew.csm)
    red, usage = crew.alerts["red"], crew.alerts["usage"]
    done = _post(client, f"/alerts/{red}/acknowledge", {"next": "/alerts"})
    assert "Acknowledged the alert on Mine Ltd." in done
    refused = _post(client, f"/alerts/{red}/acknowledge", {"next": "/alerts"})
    assert "Nothing was changed" in refused and f"alert {red} is already acknowledged" in refused
    no_day = _post(client, f"/alerts/{red}/snooze", {"next": "/alerts"})
    assert "Nothing was changed" in no_day
    snoozed = _post(client, f"/alerts/{red}/snooze", {"until": "2099-01-01", "next": "/alerts?state=snoozed"})
    assert "Snoozed the alert on Mine Ltd." in snoozed and "until 2099-01-01" in snoozed
    blank = _post(client, f"/alerts/{usage}/resolve", {"reason": " ", "next": "/alerts"})
    assert "is required: say why the alert is resolved" in blank
    resolved = _post(
        client, f"/alerts/{usage}/resolve", {"reason": "Usage is back", "next": f"/alerts/{usage}"}
    )
    assert "Resolved the alert on Mine Ltd." in resolved and "Usage is back" in resolved


def test_the_bulk_form_acknowledges_the_ticked_alerts_all_or_none(
    client: TestClient, db: Session, crew: Crew
) -> None:
    _sign_in(client, crew.manager)
    a = crew.alerts
    token = csrf_of(client.get("/alerts").text)
    refused = client.post(
        "/alerts/bulk-acknowledge", data={"alert_id": [str(a["red"]), str(a["mates"])], "csrf_token": token}
    )
    assert f"alert {a['mates']} is already acknowledged" in client.get(refused.headers["location"]).text
    db.expire_all()
    assert db.get(Alert, a["red"]).state == "open"  # type: ignore[union-attr]
    done = client.post(
        "/alerts/bulk-acknowledge", data={"alert_id": [str(a["red"]), str(a["usage"])], "csrf_token": token}
    )
    assert "Acknowledged 2 alerts." in client.get(done.headers["location"]).text


def test_another_csms_alert_is_a_404_on_every_page_and_action(client: TestClient, crew: Crew) -> None:
    _sign_in(client, crew.csm)
    theirs = crew.alerts["theirs"]
    token = csrf_of(client.get("/alerts").text)
    assert client.get(f"/alerts/{theirs}").status_code == 404
    for action, form in (("acknowledge", {}), ("snooze", {"until": ""}), ("resolve", {"reason": "x"})):
        assert (
            client.post(f"/alerts/{theirs}/{action}", data={"csrf_token": token, **form}).status_code == 404
        )


def test_an_alerts_page_shows_its_evidence_and_what_was_done(client: TestClient, crew: Crew) -> None:
    _sign_in(client, crew.csm)
    html = client.get(f"/alerts/{crew.alerts['old']}").text
    assert "Ticket spike" in html and "Fixed the integration" in html and 'data-state="resolved"' in html
    assert 'data-testid="alert-actions"' not in html  # a resolved alert takes no action


def test_the_account_page_shows_its_alerts_and_the_feed_their_raising_and_resolving(
    client: TestClient, crew: Crew
) -> None:
    _sign_in(client, crew.csm)
    html = client.get(f"/accounts/{crew.mine.id}").text
    panel = html[html.index('id="alerts"') : html.index('id="sop"')]
    assert re.findall(r'data-testid="account-alert" data-alert-id="(\d+)"', panel) == [
        str(crew.alerts["red"]),
        str(crew.alerts["usage"]),
    ]
    assert re.findall(r'data-testid="past-alert" data-alert-id="(\d+)"', panel) == [str(crew.alerts["old"])]
    feed = html[html.index('data-testid="timeline"') :]
    raised = re.findall(r'data-entry="alert_raised" data-alert-id="(\d+)"', feed)
    assert sorted(raised) == sorted(str(crew.alerts[k]) for k in ("red", "usage", "old"))
    assert re.findall(r'data-entry="alert_resolved" data-alert-id="(\d+)"', feed) == [str(crew.alerts["old"])]


def test_the_cockpit_counts_the_viewers_alerts_by_severity(client: TestClient, crew: Crew) -> None:
    _sign_in(client, crew.csm)
    html = client.get("/cockpit").text
    card = html[html.index('data-testid="open-alerts"') :]
    assert re.search(r'data-testid="open-alert-total">2<', card)
    assert re.search(r'data-severity-count="critical">.*?<span class="fw-medium">1</span>', card, re.S)
    assert 'href="/alerts"' in card and "Theirs Ltd" not in html


def test_the_backtest_page_shows_each_rules_figures_to_leaders_only(
    client: TestClient, crew: Crew, history: list[date]
) -> None:
    _sign_in(client, crew.csm)
    assert client.get("/alerts/backtest").status_code == 403
    _sign_in(client, crew.manager)
    html = client.get("/alerts/backtest?horizon=90&start=2025-09-01").text
    rows = re.findall(r'<tr data-rule="(\w+)">', html)
    assert rows[:2] == ["health_red", "health_drop"] and len(rows) == 10
    red = html.split('<tr data-rule="health_red">')[1].split("</tr>")[0]
    # Red on Mate Ltd (churned 60 days after) on the first of 4 dates, on Theirs Ltd (renewing) on the second:
    # 2 alerts on 2 accounts, the one churn warned (recall 100%), half the warned churned, 1 churn among 3
    # customers, 60 days from the first warning to the contract's end, 2 alerts over 3 CSMs and 4 weeks.
    assert " ".join(re.sub(r"<[^>]+>", " ", red).split()) == (
        "Critical Health turned red 4 2 2 1 / 1 100% [100%, 100%] 50% [0%, 100%] base rate 33% 60 [60, 60] "
        "0.17 [0.00, 0.25]"
    )
    assert client.get("/alerts/backtest?horizon=0").status_code == 422
