"""Row-level security, generated from the route table: one CSM asks for another CSM's objects.

Every route with a parameter in its path is probed, JSON API and pages alike, with a well-formed request
naming an object of the other CSM (outside the caller's team). Each must answer 404 (it does not say the
thing exists) or 403 where the role may never do it, and change nothing. A route whose path parameter
names no object kind known here fails the suite: a new route comes with its row-level probe.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts

from tests.api_contract.conftest import World
from tests.live_server import csrf_of, signed_in_at

# Which of the other CSM's objects each path parameter names.
OBJECTS: dict[str, Callable[[World], int | str]] = {
    "account_id": lambda w: w.theirs.account,
    "contact_id": lambda w: w.theirs.contact,
    "contract_id": lambda w: w.theirs.contract,
    "task_id": lambda w: w.theirs.task,
    "alert_id": lambda w: w.theirs.alert,
    "token_id": lambda w: w.theirs.token,
    "user_id": lambda w: w.users["other_csm"],
    "key_id": lambda w: w.write_key_id,
    "ref": lambda w: w.write_key_id,
    "channel_id": lambda w: w.channel_id,  # notification channels and the outbox: admins only
    "message_id": lambda w: w.message_id,
    "renewal_id": lambda w: w.theirs.renewal,
    "winback_id": lambda w: w.theirs.win_back,
    "milestone_id": lambda w: w.theirs.milestone,
    "referral_id": lambda w: w.theirs.referral,
    "request_id": lambda w: w.feature_request,  # shared: its GETs answer 200 without the other's accounts
    "report_id": lambda w: w.theirs.report,
    "link_id": lambda w: w.theirs.link,
}
# Objects every reader sees (a feature request is the company's): GET answers 200, and what the answer
# shows of the other CSM's accounts is nothing (test_a_shared_request_shows_only_the_callers_accounts).
SHARED_GETS = {"/api/v1/feature-requests/{request_id}", "/feature-requests/{request_id}"}
NOT_OBJECTS = {"kind"}  # /api/v1/imports/{kind}, /settings/config/{kind}: no object; refused as 403 below
# Pages without sign-in, each with why: no row-level rule applies to them (what they show and refuse is
# tested in tests/renewals/winback/test_pages.py).
PUBLIC = {
    "/survey/{token}": "the churn survey a churned customer's contact answers: the signed one-use link is "
    "the credential, and the page shows only that survey's questions",
    "/r/{token}": "a published value report shared with the customer: the signed, expiring, revocable link "
    "is the credential and shows only its own report (tested in tests/value_reports/test_pages.py)",
    "/r/{token}/pdf": "that shared report's PDF as published: the same link, the same checks (tested in "
    "tests/value_reports/test_pages.py)",
}
# What a CSM may never do, whoever owns the object: 403. Everything else answers 404.
ROLE_NEVER = {
    ("GET", "/api/v1/users/{user_id}"),
    ("PATCH", "/api/v1/users/{user_id}"),
    ("POST", "/api/v1/write-keys/{ref}/rotate"),
    ("POST", "/api/v1/write-keys/{ref}/revoke"),
    ("POST", "/settings/write-keys/{key_id}/rotate"),
    ("POST", "/settings/write-keys/{key_id}/revoke"),
    ("GET", "/settings/config/{kind}"),
    ("POST", "/settings/config/{kind}"),
    ("GET", "/api/v1/notifications/channels/{channel_id}"),
    ("PATCH", "/api/v1/notifications/channels/{channel_id}"),
    ("POST", "/api/v1/notifications/channels/{channel_id}/test"),
    ("POST", "/api/v1/notifications/outbox/{message_id}/retry"),
    ("GET", "/settings/channels/{channel_id}"),
    ("POST", "/settings/channels/{channel_id}"),
    ("POST", "/settings/channels/{channel_id}/test"),
    ("POST", "/settings/channels/{channel_id}/toggle"),
    ("POST", "/settings/outbox/{message_id}/retry"),
    ("POST", "/api/v1/feature-requests/{request_id}/status"),  # the product's word: managers and admins
    ("POST", "/api/v1/feature-requests/{request_id}/merge"),
    ("POST", "/feature-requests/{request_id}/status"),
    ("POST", "/feature-requests/{request_id}/merge"),
}
MILESTONE = {"kind": "module_go_live", "title": "HIJACKED", "target_on": "2026-05-01"}
REFERRAL = {"lead_name": "HIJACKED", "lead_company": "HIJACKED", "referred_on": "2026-03-01"}
TOUCH = {"kind": "call", "occurred_at": "2026-03-02T11:00:00+00:00", "subject": "HIJACKED"}
JSON_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/users/{user_id}"): {"name": "HIJACKED"},
    ("PATCH", "/api/v1/accounts/{account_id}"): {"name": "HIJACKED"},
    ("PATCH", "/api/v1/contacts/{contact_id}"): {"name": "HIJACKED"},
    ("PATCH", "/api/v1/contracts/{contract_id}"): {"seats": 1},
    ("POST", "/api/v1/tasks/{task_id}/complete"): {"checkbox": True},
    ("POST", "/api/v1/tasks/{task_id}/skip"): {"reason": "HIJACKED"},
    ("POST", "/api/v1/accounts/{account_id}/touches"): TOUCH,
    ("POST", "/api/v1/accounts/{account_id}/playbooks"): {"playbook_key": "onboarding"},
    ("POST", "/api/v1/alerts/{alert_id}/snooze"): {"until": "2099-01-01"},
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): {"reason": "HIJACKED"},
    ("PATCH", "/api/v1/notifications/channels/{channel_id}"): {"name": "HIJACKED"},
    ("PATCH", "/api/v1/renewals/{renewal_id}"): {"forecast": "lost", "next_step": "HIJACKED"},
    ("POST", "/api/v1/renewals/{renewal_id}/close"): {"outcome": "churned", "reasons": ["other"]},
    ("PUT", "/api/v1/accounts/{account_id}/success-plan"): {"objectives": "HIJACKED"},
    ("POST", "/api/v1/accounts/{account_id}/milestones"): MILESTONE,
    ("PUT", "/api/v1/milestones/{milestone_id}"): MILESTONE,
    ("POST", "/api/v1/feature-requests/{request_id}/status"): {"status": "declined"},
    ("POST", "/api/v1/feature-requests/{request_id}/merge"): {"into_id": 1},
    ("POST", "/api/v1/feature-requests/{request_id}/links"): {"account_id": 0},  # set to theirs in _send
    ("POST", "/api/v1/accounts/{account_id}/referrals"): REFERRAL,
    ("PUT", "/api/v1/referrals/{referral_id}"): REFERRAL,
    ("PUT", "/api/v1/accounts/{account_id}/value-report"): {"highlights": "HIJACKED"},
    ("POST", "/api/v1/accounts/{account_id}/value-report/publish"): {"highlights": "HIJACKED"},
    ("POST", "/api/v1/value-reports/{report_id}/links"): {"days": 3},
}
FORMS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/accounts/{account_id}/edit"): {"name": "HIJACKED"},
    ("POST", "/accounts/{account_id}/contacts/new"): {"name": "HIJACKED"},
    ("POST", "/contacts/{contact_id}/edit"): {"name": "HIJACKED"},
    ("POST", "/accounts/{account_id}/contracts/new"): {"start_date": "2026-01-01", "end_date": "2027-01-01"},
    ("POST", "/accounts/{account_id}/touches"): {"kind": "call", "occurred_on": "2026-03-02"},
    ("POST", "/accounts/{account_id}/playbooks"): {"playbook_key": "onboarding"},
    ("POST", "/tasks/{task_id}/complete"): {"checkbox": "on"},
    ("POST", "/tasks/{task_id}/skip"): {"reason": "HIJACKED"},
    ("POST", "/alerts/{alert_id}/snooze"): {"until": "2099-01-01"},
    ("POST", "/alerts/{alert_id}/resolve"): {"reason": "HIJACKED"},
    ("POST", "/renewals/{renewal_id}"): {"forecast": "lost", "next_step": "HIJACKED"},
    ("POST", "/renewals/{renewal_id}/close"): {"outcome": "churned", "reasons": "other"},
    ("POST", "/accounts/{account_id}/success-plan"): {"objectives": "HIJACKED", "m-0-title": "HIJACKED"},
    ("POST", "/milestones/{milestone_id}/reach"): {},
    ("POST", "/feature-requests/{request_id}/status"): {"status": "declined"},
    ("POST", "/feature-requests/{request_id}/merge"): {"into_id": "1"},
    ("POST", "/accounts/{account_id}/referrals/new"): {
        "lead_name": "HIJACKED",
        "lead_company": "HIJACKED",
        "referred_on": "2026-03-01",
    },
    ("POST", "/referrals/{referral_id}/edit"): {
        "lead_name": "HIJACKED",
        "lead_company": "HIJACKED",
        "referred_on": "2026-03-01",
        "status": "lost",
    },
    ("POST", "/accounts/{account_id}/value-report"): {"highlights": "HIJACKED", "action": "publish"},
    ("POST", "/value-reports/{report_id}/links"): {"days": "3"},
}


@dataclass(frozen=True)
class Probe:
    """One request of the route table, with the path filled in."""

    method: str
    template: str
    path: str


def _probes(world: World) -> tuple[list[Probe], list[str]]:
    assert world.app is not None
    probes, unknown = [], []
    for route in iter_route_contexts(world.app.router.routes):
        template = route.path or ""
        names = re.findall(r"{(\w+)(?::\w+)?}", template)
        if not names or not route.methods or template in PUBLIC:
            continue
        missing = [n for n in names if n not in OBJECTS and n not in NOT_OBJECTS]
        if missing:
            unknown.append(f"{template}: {missing}")
            continue
        path = template
        for name in names:
            value = "accounts" if name in NOT_OBJECTS else OBJECTS[name](world)
            path = re.sub(r"{" + name + r"(?::\w+)?}", str(value), path)
        probes.extend(Probe(m, template, path) for m in sorted(route.methods - {"HEAD"}))
    return probes, unknown


def _signed_in(world: World, role: str) -> httpx.Client:
    return signed_in_at(world.url, world.emails[role])


def _send(world: World, page: httpx.Client, probe: Probe, role: str) -> httpx.Response:
    key = (probe.method, probe.template)
    reassign = {"assignee_id": world.users["csm"]}  # to the caller: a task taken over
    if probe.path.startswith("/api/"):
        headers = world.headers[role]
        if probe.template.endswith("/complete-file") or probe.template.startswith("/api/v1/imports/"):
            files = {"file": ("evidence.csv", b"name\nHIJACKED\n", "text/csv")}
            return httpx.post(world.url + probe.path, files=files, headers=headers)
        body = JSON_BODIES.get(key, reassign) if probe.method != "GET" else None
        if probe.template.endswith("/links") and "feature-requests" in probe.template:
            body = {"account_id": world.theirs.account}
        return httpx.request(probe.method, world.url + probe.path, json=body, headers=headers)
    if probe.method == "GET":
        return page.get(probe.path)
    if probe.template.endswith("/links") and "feature-requests" in probe.template:
        reassign = {"account_id": world.theirs.account}
    form = {
        **FORMS.get(key, {k: str(v) for k, v in reassign.items()}),
        "csrf_token": csrf_of(page.get("/accounts").text),
    }
    return page.request(probe.method, probe.path, data=form)


def _state(world: World) -> list[Any]:
    admin, theirs = world.headers["admin"], world.theirs
    paths = [
        f"/api/v1/accounts/{theirs.account}",
        f"/api/v1/contacts/{theirs.contact}",
        f"/api/v1/contracts/{theirs.contract}",
        f"/api/v1/tasks/{theirs.task}",
        f"/api/v1/alerts/{theirs.alert}",
        f"/api/v1/renewals/{theirs.renewal}",
        f"/api/v1/winbacks/{theirs.win_back}",
        f"/api/v1/accounts/{theirs.account}/success-plan",
        f"/api/v1/milestones/{theirs.milestone}",
        f"/api/v1/referrals/{theirs.referral}",
        f"/api/v1/feature-requests/{world.feature_request}",
        f"/api/v1/value-reports/{theirs.report}/links",
        f"/api/v1/accounts/{theirs.account}/contacts",
        f"/api/v1/accounts/{theirs.account}/contracts",
        f"/api/v1/tasks?bucket=all&account_id={theirs.account}",
        f"/api/v1/users/{world.users['other_csm']}",
        "/api/v1/write-keys",
        "/api/v1/notifications/channels",
        "/api/v1/notifications/outbox",
    ]
    return [httpx.get(world.url + p, headers=admin).json() for p in paths]


def test_every_route_with_a_path_parameter_has_a_seeded_object_kind(world: World) -> None:
    probes, unknown = _probes(world)
    assert unknown == [], "add each to OBJECTS (the other CSM's object) or NOT_OBJECTS"
    assert len(probes) >= 35


def test_a_csm_reaching_for_another_csms_objects_gets_404_or_403_and_changes_nothing(world: World) -> None:
    probes, _ = _probes(world)
    before = _state(world)
    answers: dict[str, int] = {}
    page = _signed_in(world, "csm")
    for probe in probes:
        answers[f"{probe.method} {probe.template}"] = _send(world, page, probe, "csm").status_code
    page.close()
    expected = {
        f"{p.method} {p.template}": 403
        if (p.method, p.template) in ROLE_NEVER or "imports" in p.template
        else 200
        if p.method == "GET" and p.template in SHARED_GETS
        else 404
        for p in probes
    }
    print(f"\nrow-level probes: {len(answers)}, answers {sorted(set(answers.values()))}")
    assert answers == expected
    assert _state(world) == before


def test_the_owner_reads_every_object_the_probes_were_refused(world: World) -> None:
    # The control: each object exists and its owner reaches it, so the 404s above are the row-level rule.
    probes, _ = _probes(world)
    gets = [p for p in probes if p.method == "GET" and (p.method, p.template) not in ROLE_NEVER]
    page = _signed_in(world, "other_csm")
    answers = {p.template: _send(world, page, p, "other_csm").status_code for p in gets}
    page.close()
    assert answers == {p.template: 200 for p in gets}


def test_bulk_actions_on_another_csms_task_are_refused_and_change_nothing(world: World) -> None:
    # POST /api/v1/tasks/bulk and POST /tasks/bulk carry task ids in the body, so the path-driven probes
    # above do not reach them: each action names the other CSM's task and must be refused as not found.
    before = _state(world)
    theirs = world.theirs.task
    bodies = [
        {"action": "complete", "task_ids": [theirs], "note": "HIJACKED"},
        {"action": "skip", "task_ids": [theirs], "reason": "HIJACKED"},
        {"action": "reassign", "task_ids": [theirs], "assignee_id": world.users["csm"]},
    ]
    for body in bodies:
        answer = httpx.post(f"{world.url}/api/v1/tasks/bulk", json=body, headers=world.headers["csm"])
        assert answer.status_code == 422, (body, answer.text)
        assert f"task {theirs} not found" in answer.text
    page = _signed_in(world, "csm")
    for body in bodies:
        form: dict[str, Any] = {k: v for k, v in body.items() if k != "task_ids"}
        form |= {"task_id": str(theirs), "csrf_token": csrf_of(page.get("/accounts").text)}
        answer = page.post("/tasks/bulk", data=form)
        assert answer.status_code == 303
        assert f"task {theirs} not found" in page.get(answer.headers["location"]).text
    page.close()
    assert _state(world) == before


def test_bulk_acknowledge_of_another_csms_alert_is_refused_and_changes_nothing(world: World) -> None:
    # The alert ids travel in the body, so the path-driven probes above do not reach these two routes.
    before = _state(world)
    theirs, mine = world.theirs.alert, world.mine.alert
    answer = httpx.post(
        f"{world.url}/api/v1/alerts/bulk-acknowledge",
        json={"alert_ids": [mine, theirs]},
        headers=world.headers["csm"],
    )
    assert answer.status_code == 422
    assert answer.json()["problems"] == [{"field": "alert_ids[1]", "message": f"alert {theirs} not found"}]
    page = _signed_in(world, "csm")
    form = {"alert_id": [str(mine), str(theirs)], "csrf_token": csrf_of(page.get("/alerts").text)}
    refused = page.post("/alerts/bulk-acknowledge", data=form)
    assert refused.status_code == 303
    assert f"alert {theirs} not found" in page.get(refused.headers["location"]).text
    page.close()
    assert _state(world) == before
    own = httpx.get(f"{world.url}/api/v1/alerts/{mine}", headers=world.headers["csm"]).json()
    assert own["state"] == "open"  # the whole batch was refused, the CSM's own alert too


def test_the_public_pages_answer_without_a_sign_in(world: World) -> None:
    # A made-up link gets the page's own refusal (404), not the login form: the route is public on purpose.
    for template in PUBLIC:
        path = template.replace("{token}", "1." + "A" * 43 + "." + "B" * 43)
        answer = httpx.get(world.url + path, follow_redirects=False)
        assert answer.status_code == 404, template
        assert template != "/survey/{token}" or 'data-testid="survey-refused"' in answer.text


def test_a_shared_request_shows_only_the_callers_accounts(world: World) -> None:
    # Both CSMs' accounts asked for the request: each CSM reads it whole but sees only their own account.
    path = f"/api/v1/feature-requests/{world.feature_request}"
    mine = httpx.get(world.url + path, headers=world.headers["csm"]).json()
    assert [link["account"] for link in mine["links"]] == ["mine Ltd"] and mine["figures"]["accounts"] == 1
    page = _signed_in(world, "csm")
    text = page.get(f"/feature-requests/{world.feature_request}").text
    page.close()
    assert "mine Ltd" in text and "theirs Ltd" not in text and "Otto Other" not in text
