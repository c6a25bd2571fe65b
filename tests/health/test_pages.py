"""The account page's health part (card, trend, stage history, tier), the portfolio's health filters and
sorts, and the stored backtests."""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow.compute as pc
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.auth.models import User
from lodestar.health.explain import diff
from lodestar.health.models import Backtest, HealthHistory
from lodestar.lifecycle.models import StageTransition
from tests.factories import make_account
from tests.snapshots.conftest import DATES, Snapped, sign_in, visible_text


def _stored(snapped: Snapped, name: str, index: int = -1) -> dict[str, Any]:
    table = store.read(snapped.root, DATES[index])
    assert table is not None
    return table.filter(pc.equal(table["account_id"], snapped.ids[name])).to_pylist()[0]


def _match(pattern: str, html: str) -> str:
    """The first group of a pattern that must be on the page."""
    found = re.search(pattern, html)
    assert found, f"{pattern!r} is not on the page"
    return found.group(1)


def _names(html: str) -> list[str]:
    return re.findall(r'class="fw-medium account-name">([^<]+)<', html)


def test_the_account_page_shows_score_grade_coverage_trend_and_model(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "admin")
    html = client.get(f"/accounts/{snapped.ids['quiet']}").text
    row = _stored(snapped, "quiet")
    assert _match(r'data-testid="health-score">(\d+)<', html) == f"{row['score']:.0f}"
    assert f'data-grade="{row["grade"]}"' in html
    assert _match(r'data-testid="health-coverage">([^<]+)<', html) == f"{row['coverage'] * 100:.0f}%"
    with Session(snapped.engine) as db:
        quiet = db.get(Account, snapped.ids["quiet"])
        assert quiet is not None and quiet.health_trend_7d is not None
        assert f"↑ {quiet.health_trend_7d:+.1f}" in visible_text(html)
    assert "default v0" in visible_text(html)


def test_the_explanation_lists_every_measure_with_its_numbers(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    html = client.get(f"/accounts/{snapped.ids['busy']}").text
    table = html.split('data-testid="health-explanation"')[1].split("</table>")[0]
    rows = [visible_text(r).strip() for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)][1:]
    stored = _stored(snapped, "busy")["explanations"]
    assert isinstance(stored, list) and len(rows) == len(stored)
    first = stored[0]
    assert first["measure"] == "active-user ratio"  # a share: shown as a percentage
    assert rows[0].startswith(
        f"{first['measure']} {first['group'].upper()} {first['value'] * 100:.0f}% poor "
    )
    assert f"higher is better {first['score']:.0f} " in rows[0]  # the thresholds, then the measure's score
    assert rows[0].endswith(f"{first['contribution']:.1f}")


def test_what_moved_since_the_last_snapshot_is_told_in_sentences(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "admin")
    text = visible_text(client.get(f"/accounts/{snapped.ids['quiet']}").text)
    sentences = diff(_stored(snapped, "quiet", -2), _stored(snapped, "quiet", -1))
    assert sentences[0].startswith("health rose")
    assert "last activity 2 days ago" in sentences[0]
    for sentence in sentences:
        assert sentence.replace(">", ">") in text


def test_the_trend_chart_gets_the_health_history(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    html = client.get(f"/accounts/{snapped.ids['quiet']}").text
    dates = json.loads(_match(r"data-dates='([^']+)'", html))
    scores = json.loads(_match(r"data-scores='([^']+)'", html))
    with Session(snapped.engine) as db:
        rows = db.scalars(
            select(HealthHistory)
            .where(HealthHistory.account_id == snapped.ids["quiet"])
            .order_by(HealthHistory.as_of)
        ).all()
    assert dates == [d.isoformat() for d in DATES]
    assert scores == [round(h.score, 1) for h in rows if h.score is not None]
    assert "/static/vendor/echarts/echarts.min.js" in html


def test_the_stage_history_shows_each_change_with_its_date_and_reason(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "admin")
    text = visible_text(client.get(f"/accounts/{snapped.ids['quiet']}").text)
    with Session(snapped.engine) as db:
        moves = db.scalars(
            select(StageTransition).where(StageTransition.account_id == snapped.ids["quiet"])
        ).all()
    assert [m.to_stage for m in moves] == ["at_risk"] and moves[0].reason
    assert f"Lifecycle stage At risk since {moves[0].on.isoformat()}" in text
    assert f"{moves[0].on.isoformat()} — → At risk {moves[0].reason}" in text


def test_the_tier_card_shows_the_touch_model_slas_and_cadence(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    text = visible_text(client.get(f"/accounts/{snapped.ids['busy']}").text)
    assert (
        "Tier MM · Mid-market Touch model Low touch First response SLA 8 h Resolution SLA 48 h "
        "QBR every 6 months Check-in every 30 days" in text
    )


def test_an_account_without_a_snapshot_says_to_run_the_snapshot(snapped: Snapped, client: TestClient) -> None:
    with Session(snapped.engine) as db:
        admin = db.scalars(select(User).where(User.email == "ui-admin@example.com")).one()
        newcomer = make_account(db, admin, name="Newcomer")
        db.commit()
        new_id = newcomer.id
    try:
        sign_in(client, "admin")
        html = client.get(f"/accounts/{new_id}").text
        assert "No health yet: run `lodestar run`" in html
        assert 'data-chart="health"' not in html and "No tier yet" in html
    finally:
        with Session(snapped.engine) as db:
            db.execute(delete(Account).where(Account.id == new_id))
            db.commit()


def test_the_portfolio_filters_by_grade_stage_and_renewal_window(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "admin")
    with Session(snapped.engine) as db:
        accounts = {a.name: a for a in db.scalars(select(Account))}
    assert accounts["Busy"].health_grade == "green"
    for grade in ("green", "yellow", "red", "none"):
        expected = sorted(n for n, a in accounts.items() if (a.health_grade or "none") == grade)
        assert sorted(_names(client.get(f"/accounts?grade={grade}").text)) == expected
    assert _names(client.get("/accounts?stage=at_risk").text) == ["Quiet"]
    inside = sorted(n for n, a in accounts.items() if a.in_renewal_window)
    assert sorted(_names(client.get("/accounts?renewal_window=1").text)) == inside
    outside = sorted(n for n, a in accounts.items() if not a.in_renewal_window)
    assert sorted(_names(client.get("/accounts?renewal_window=0").text)) == outside


def test_the_portfolio_sorts_by_score_and_by_trend(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    with Session(snapped.engine) as db:
        accounts = list(db.scalars(select(Account)))
    by_score = [a.name for a in sorted(accounts, key=lambda a: -a.health_score if a.health_score else 1e9)]
    assert _names(client.get("/accounts?sort=health_score&desc=1").text) == by_score
    html = client.get("/accounts?sort=health_trend_30d").text
    assert 'aria-sort="ascending"' in html.split("30-day trend")[0].rsplit("<th", 1)[1]
    busy = html.split(f'data-account-id="{snapped.ids["busy"]}"')[1].split("</tr>")[0]
    stage = next(a.stage for a in accounts if a.name == "Busy")
    assert 'data-grade="green"' in busy and (stage or "—").replace("_", " ").capitalize() in busy


def test_a_bad_portfolio_filter_is_refused_naming_the_field(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    answer = client.get("/accounts?grade=purple")
    assert answer.status_code == 422
    assert "grade" in answer.text


def test_stored_backtests_are_listed_with_auc_lift_and_counts(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "manager")
    html = client.get("/health/backtest").text
    text = visible_text(html)
    with Session(snapped.engine) as db:
        stored = db.scalars(select(Backtest).order_by(Backtest.as_of)).all()
    assert [b.as_of for b in stored] == DATES
    for b in stored:
        assert (
            f"{b.as_of.isoformat()} v0 180 d {b.accounts} {b.churned} {b.auc:.3f} [{b.auc_low:.3f}–" in text
        )
    chart = json.loads(_match(r"data-chart-data='([^']+)'", html))
    assert chart["series"][0]["name"] == "v0" and len(chart["series"][0]["data"]) == 3


def test_a_csm_may_not_open_backtests(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "csm")
    assert client.get("/health/backtest").status_code == 403
