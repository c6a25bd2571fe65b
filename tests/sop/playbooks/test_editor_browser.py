"""The playbook editor in headless Chromium against a live server."""

from __future__ import annotations

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.sop.conftest import PLAYBOOKS, LiveSop, browse_as

pytestmark = pytest.mark.browser


def test_the_playbook_editor_refuses_a_cycle_and_shows_its_path(page: Page, live: LiveSop) -> None:
    body = yaml.safe_load(PLAYBOOKS)
    steps = body["playbooks"][0]["steps"]
    steps[0]["after"], steps[1]["after"] = ["write_summary"], ["confirm_goals"]
    browse_as(page, live, "admin", "/settings/playbooks")
    expect(page.get_by_test_id("active-version")).to_have_text("v1")
    page.fill("#f-sop_yaml", yaml.safe_dump(body, allow_unicode=True))
    with page.expect_response(lambda r: r.url.endswith("/settings/playbooks")) as answer:
        page.get_by_test_id("save").click()
    assert answer.value.status == 422
    expect(page.get_by_test_id("problems")).to_contain_text(
        "sop.playbooks[0].steps[0].after: steps follow each other in a cycle: "
        "confirm_goals -> write_summary -> confirm_goals"
    )
    expect(page.get_by_test_id("active-version")).to_have_text("v1")
