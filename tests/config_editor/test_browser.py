"""The configuration form in headless Chromium: drawn from the schema, edited like a form, saved as a new
version; in Chinese every label of the form is Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from lodestar.accounts import config_kind as tiers_kind
from lodestar.config import service as config_service
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def tiers_restored(live_server: Live) -> Iterator[dict[str, Any]]:
    with Session(live_server.engine) as db:
        before = tiers_kind.current(db)[0].model_dump(mode="json")
    yield before
    with Session(live_server.engine) as db:
        config_service.save(db, "tiers", before, live_server.users["admin"])  # a person, as the page shows
        db.commit()


def test_an_admin_edits_a_service_level_in_the_form_and_saves_it(
    page: Page, live_server: Live, tiers_restored: dict[str, Any]
) -> None:
    sign_in(page, live_server, "admin", "/settings/config/tiers")
    expect(page.locator("[data-testid=form-editor][data-ready=true]")).to_be_attached()
    field = page.locator("[name='root[tiers][0][sla][first_response_hours]']")
    assert float(field.input_value()) == tiers_restored["tiers"][0]["sla"]["first_response_hours"]
    field.fill("2.5")
    field.press("Tab")
    with page.expect_navigation():
        page.click("#tab-form [data-testid=save]")
    expect(page.locator("[data-testid=saved]")).to_be_visible()
    with Session(live_server.engine) as db:
        rules, _ = tiers_kind.current(db)
    assert rules.tiers[0].sla.first_response_hours == 2.5
    assert rules.tiers[1:] == [tiers_kind.Tier.model_validate(t) for t in tiers_restored["tiers"][1:]]


def test_the_form_speaks_chinese_and_is_read_only_for_a_manager(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "manager", "/settings/config/lifecycle")
    with page.expect_navigation():
        page.click("form.lang-switch button:has-text('中文')")
    expect(page.locator("[data-testid=form-editor][data-ready=true]")).to_be_attached()
    editor = page.locator("[data-testid=form-editor]")
    expect(editor).to_contain_text("续约窗口")
    expect(editor).to_contain_text("风险")
    assert page.locator("[data-testid=save]").count() == 0
    assert (
        page.locator(
            "[data-testid=form-editor] input:enabled, [data-testid=form-editor] button:enabled"
        ).count()
        == 0
    )
    with page.expect_navigation():
        page.click("form.lang-switch button:has-text('English')")
