"""Aggregates as a CSM sees them: figures over their own accounts only, or no answer at all.

Every GET route without a path parameter is classified below (a new one fails the suite until it is):
its figures for a CSM must equal those computed over the CSM's own accounts (the admin's answer filtered
to them), no other CSM's name or account may show, or it is refused with 403.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pyarrow as pa
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store as store
from lodestar.auth.models import Role, User
from lodestar.sop.measurement.top_performers import top_performers
from tests.api_contract.conftest import World
from tests.api_contract.test_row_level import _signed_in
from tests.factories import make_account, make_user

REFUSED = {  # company-wide figures (ingestion, model backtests, runs, users): admins (and managers) only
    "/api/v1/events/stats", "/api/v1/backtests", "/api/v1/snapshot-runs", "/api/v1/users",
    "/api/v1/write-keys", "/ingestion-status", "/health/backtest", "/settings/runs", "/settings/health",
    "/settings/playbooks", "/settings/write-keys", "/imports", "/settings/config", "/alerts/backtest",
    "/settings/alerts", "/settings/predictions",
    "/api/v1/notifications/channels", "/api/v1/notifications/outbox", "/settings/channels",
    "/settings/outbox",
}  # fmt: skip
SCOPED = {  # figures or lists over the caller's own accounts and tasks
    "/api/v1/accounts", "/api/v1/tasks", "/api/v1/tasks/counts", "/api/v1/tokens", "/accounts", "/tasks",
    "/tasks/badge", "/sop", "/sop/effectiveness", "/sop/performers", "/sop/shape", "/sop/missed", "/cockpit",
    "/api/v1/alerts", "/api/v1/alerts/counts", "/alerts",
    "/api/v1/retention", "/api/v1/retention/renewal-report", "/retention", "/retention/report",
    "/retention/report.csv", "/retention/report.xlsx",
    "/lead-pool", "/lead-pool/export.csv",
    "/api/v1/renewals", "/renewals", "/renewals/export", "/api/v1/winbacks", "/api/v1/lead-pool",
    "/api/v1/levels", "/levels", "/api/v1/intent/leads", "/intent", "/api/v1/milestones",
    "/api/v1/feature-requests", "/api/v1/feature-requests/untold", "/feature-requests",
    "/feature-requests/untold", "/feature-requests/export.csv", "/api/v1/referrers", "/referrers",
    "/referrers/export.csv",
}  # fmt: skip
NOT_AGGREGATES = {"/", "/login", "/accounts/new", "/api/v1/me", "/api/v1/playbooks", "/docs", "/healthz"}
NOT_AGGREGATES |= {"/openapi.json", "/static", "/data-health"}  # the last: a redirect to /ingestion-status
NOT_AGGREGATES |= {"/api/v1/notifications/preferences", "/me/notifications"}  # the caller's own choices
NOT_AGGREGATES |= {"/feature-requests/new"}  # an empty form


def _get_routes(world: World) -> set[str]:
    assert world.app is not None
    return {
        r.path or ""
        for r in iter_route_contexts(world.app.router.routes)
        if (r.methods is None or "GET" in r.methods) and r.path and "{" not in r.path
    }


def test_every_parameterless_get_route_is_classified(world: World) -> None:
    assert _get_routes(world) - REFUSED - SCOPED - NOT_AGGREGATES == set()


def test_company_wide_figures_are_refused_to_a_csm(world: World) -> None:
    page = _signed_in(world, "csm")
    answers = {
        p: (httpx.get(world.url + p, headers=world.headers["csm"]) if p.startswith("/api/") else page.get(p))
        for p in sorted(REFUSED)
    }
    page.close()
    assert {p: r.status_code for p, r in answers.items()} == dict.fromkeys(sorted(REFUSED), 403)


def _json(world: World, role: str, path: str) -> dict:
    response = httpx.get(world.url + path, headers=world.headers[role])
    assert response.status_code == 200, (path, response.text)
    return response.json()


def test_a_csms_counts_equal_the_admins_counts_over_the_csms_accounts(world: World) -> None:
    mine = world.mine.account
    admin_accounts = _json(world, "admin", f"/api/v1/accounts?owner_id={world.users['csm']}")
    assert _json(world, "csm", "/api/v1/accounts")["total"] == admin_accounts["total"] == 1
    for bucket in ("all", "open", "overdue", "today", "upcoming", "done"):
        own = _json(world, "admin", f"/api/v1/tasks?bucket={bucket}&account_id={mine}")["total"]
        assert _json(world, "csm", f"/api/v1/tasks?bucket={bucket}")["total"] == own, bucket
    counts = _json(world, "csm", "/api/v1/tasks/counts")
    own_open = _json(world, "admin", f"/api/v1/tasks?bucket=open&account_id={mine}")["total"]
    assert sum(counts.values()) == own_open > 0
    alerts = _json(world, "admin", f"/api/v1/alerts?owner_id={world.users['csm']}")
    assert _json(world, "csm", "/api/v1/alerts")["total"] == alerts["total"] == 1
    counts = _json(world, "csm", "/api/v1/alerts/counts")
    assert (counts["total"], counts["by_severity"]["critical"]) == (1, 1)
    renewals = _json(world, "admin", f"/api/v1/renewals?owner_id={world.users['csm']}")
    assert _json(world, "csm", "/api/v1/renewals")["total"] == renewals["total"] == 1
    assert _json(world, "admin", "/api/v1/renewals")["total"] == 2
    win_backs = _json(world, "admin", f"/api/v1/winbacks?owner_id={world.users['csm']}")
    assert _json(world, "csm", "/api/v1/winbacks")["total"] == win_backs["total"] == 1
    assert _json(world, "admin", "/api/v1/winbacks")["total"] == 2
    leads = _json(world, "csm", "/api/v1/lead-pool")
    assert [lead["account_id"] for lead in leads["items"]] == [world.mine.account]
    assert "theirs Ltd" not in str(leads) and "Otto Other" not in str(leads)
    assert _json(world, "admin", "/api/v1/lead-pool")["total"] == 2
    leads = _json(world, "csm", "/api/v1/intent/leads")
    assert [lead["account_id"] for lead in leads["items"]] == [world.mine.account]
    assert _json(world, "admin", "/api/v1/intent/leads")["total"] == 2
    tokens = _json(world, "csm", "/api/v1/tokens")
    assert {t["user_id"] for t in tokens} == {world.users["csm"]}


def test_a_csms_retention_equals_the_admins_figures_for_that_csm(world: World) -> None:
    mine = _json(world, "csm", "/api/v1/retention?by=csm")
    admin = _json(world, "admin", "/api/v1/retention?by=csm")
    hers = [r for r in admin["groups"] if r["label"] == {"csm": "Cora Csm"}]
    assert [r["figures"] for r in mine["totals"]] == [r["figures"] for r in hers]
    assert {r["label"]["csm"] for r in mine["groups"]} == {"Cora Csm"}
    assert mine["totals"][-1]["figures"]["start_arr"] == "120000.00"  # her one contract; Otto's not added
    assert admin["totals"][-1]["figures"]["start_arr"] == "240000.00"


def test_no_scoped_page_shows_another_csms_name_or_account(world: World) -> None:
    page = _signed_in(world, "csm")
    paths = [p for p in sorted(SCOPED) if not p.startswith("/api/")]
    texts = {
        p: page.get(p + ("?by=csm&key=" + str(world.users["other_csm"]) if p == "/sop/missed" else ""))
        for p in paths
    }
    page.close()
    assert {p: r.status_code for p, r in texts.items()} == dict.fromkeys(paths, 200)
    leaks = {p: m for p, r in texts.items() for m in ("Otto Other", "theirs Ltd") if m in r.text}
    assert leaks == {}
    assert "mine Ltd" in texts["/accounts"].text  # the control: the page lists the CSM's own


def _ranked_world(db: Session, root: Path) -> dict[str, int]:
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    people = {
        "csm": make_user(db, Role.CSM, manager=manager, name="Cora Csm"),
        "mate": make_user(db, Role.CSM, manager=manager, name="Mia Mate"),
        "outsider": make_user(db, Role.CSM, name="Otto Other"),
    }
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    health: dict[int, float] = {}
    for rank, who in enumerate(("outsider", "mate", "csm")):
        for i in range(5):
            account = make_account(db, people[who], admin, name=f"{who} {i}")
            health[account.id] = 90.0 - 20 * rank - i
    db.commit()
    ids = list(health)
    store.write(
        root,
        date(2026, 3, 1),
        pa.table(
            {
                "account_id": pa.array(ids, pa.int64()),
                "score": pa.array([health[i] for i in ids], pa.float64()),
            }
        ),
    )
    return {"manager": manager.id, "admin": admin.id, **{k: u.id for k, u in people.items()}}


def test_performers_show_a_csm_only_their_own_figures_and_rank(db: Session, tmp_path: Path) -> None:
    # Issue 10 item 6: every CSM's account count and mean health went to any CSM.
    ids = _ranked_world(db, tmp_path)

    def seen(role: str) -> list[tuple[int, str, int, float]]:
        viewer = db.get(User, ids[role])
        report = top_performers(db, tmp_path, as_of=date(2026, 3, 2), viewer=viewer)
        assert report.ranked == 3
        return [(c.rank, c.name, c.accounts, c.mean) for c in report.csms]

    assert seen("csm") == [(3, "Cora Csm", 5, 48.0)]
    assert seen("outsider") == [(1, "Otto Other", 5, 88.0)]
    assert seen("manager") == [(2, "Mia Mate", 5, 68.0), (3, "Cora Csm", 5, 48.0)]
    assert [name for _, name, _, _ in seen("admin")] == ["Otto Other", "Mia Mate", "Cora Csm"]
