"""Every page a signed-in 中文 user reaches from the navigation reads in Chinese: no English word left in
the visible text apart from product names, units, codes and the customer's own data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import delete, text

from lodestar.alerts.models import Alert
from lodestar.auth.models import Role
from lodestar.db.engine import session_factory
from tests.alerts.inbox_data import live_history, make_alert
from tests.factories import PASSWORD, make_user
from tests.live_server import Live

pytestmark = pytest.mark.browser

# Product names, units, standard abbreviations and codes that stay as they are in a Chinese UI.
ALLOWED = {
    "Lodestar", "ARR", "MRR", "NPS", "CSAT", "SLA", "QBR", "CRM", "CSM", "KA", "MM", "SMB", "LT", "CO", "CX",
    "SOP", "UTC", "YAML", "API", "CSV", "XLSX", "Parquet", "JSON", "ID", "URL", "Segment", "SDK", "HTTP",
    "KPI", "IT", "CNY", "USD", "AUC", "Champion", "SSO", "OK", "h", "v", "KB", "MB", "MiB", "B",
    "YYYY", "DD", "HH", "default", "onboarding",  # date formats, the health models' names
    "English", "groupId", "web-app", "mobile-ios",  # each language named in itself; codes and examples
    "Webhook", "Slack", "SMTP",  # as Chinese chat platforms and mail servers name them
    "GRR", "NRR", "Q",  # retention ratios as CS teams name them; quarters (2025-Q3)
}  # fmt: skip
DATA_COLUMNS = {
    "accounts": (
        "name",
        "industry",
        "region",
        "plan",
        "business_model",
        "purchase_intent",
        "crm_id",
        "departments",
        "scenarios",
    ),
    "users": ("name", "email"),
    "contacts": ("name", "title", "role", "email"),
    "contracts": ("product", "edition", "external_id"),
    "event_write_keys": ("name",),
    # Task titles and playbook names are configuration text, shown as written when it has no Chinese.
    "tasks": ("title", "playbook_key", "step_key"),
    "playbook_runs": ("playbook_key",),
    "alerts": ("resolve_reason",),  # what the person who resolved an alert wrote
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
EMAIL = re.compile(r"\S+@\S+")


def _data_words(live: Live) -> set[str]:
    """Every word of the customer's own data (names, industries, products…): shown as entered."""
    words: set[str] = set()
    with session_factory(live.engine)() as db:
        for table, columns in DATA_COLUMNS.items():
            for row in db.execute(text(f"SELECT {', '.join(columns)} FROM {table}")):
                for value in row:
                    # PostgreSQL hands JSON lists back as lists: str() quotes their items ('Sales').
                    words |= {w.strip("'’-") for w in WORD.findall(str(value or ""))}
    return words


@pytest.fixture
def zh_page(browser: Browser, live_server: Live) -> Iterator[Page]:
    """A tab signed in as an admin whose language is 中文."""
    email = "zhao@example.com"
    with session_factory(live_server.engine)() as db:
        found = db.execute(text("SELECT id FROM users WHERE email = :e"), {"e": email}).first()
        if found is None:
            user = make_user(db, Role.ADMIN, name="Zhao Lei", email=email)
            user.locale = "zh_CN"
            db.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(f"{live_server.url}/login")
    tab.fill("#email", email)
    tab.fill("#password", PASSWORD)
    with tab.expect_navigation():
        tab.click("form.card button[type=submit]")
    yield tab
    context.close()


@pytest.fixture
def alerts_to_read(live_server: Live) -> Iterator[None]:
    """Alerts on Aurora Retail (live and resolved, with evidence) for the inbox, an alert's page, the account
    page and the cockpit; the backtest page shows the figures of four weekly snapshots, the last 190 days ago
    (the page's 180-day horizon has passed for each; what is checked here is the language)."""
    account = live_server.accounts["Aurora Retail"]
    with session_factory(live_server.engine)() as db:
        snoozed = {"severity": "warning", "state": "snoozed", "snoozed_until": date(2099, 1, 1)}
        resolved = {
            "state": "resolved",
            "resolved_on": date(2026, 3, 3),
            "resolve_reason": "Fixed the integration",
        }
        made = [
            make_alert(db, account, "health_red").id,
            make_alert(db, account, "usage_drop", **snoozed).id,
            make_alert(db, account, "ticket_spike", **resolved).id,
        ]
        db.commit()
    with live_history(live_server, last_days_ago=190):
        yield
    with session_factory(live_server.engine)() as db:
        db.execute(delete(Alert).where(Alert.id.in_(made)))
        db.commit()


def _route(path: str) -> str:
    """A page's route with ids folded (/accounts/12/edit -> /accounts/N/edit): one visit per route."""
    return re.sub(r"/\d+", "/N", path.split("?")[0].split("#")[0])


def _links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and not h.startswith(("/static", "/api", "/logout", "/docs", "/openapi"))]


# The visible text nodes, each on its own (chips side by side stay separate words); code, commands and
# form values are what the user typed or must type, so they are left out.
VISIBLE_TEXT = """() => {
  const skip = "script, style, code, kbd, pre, textarea, select, [hidden]";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!parent || parent.closest(skip) || !parent.checkVisibility()) continue;
    parts.push(walker.currentNode.textContent);
  }
  return parts.join(" ");
}"""


# A configuration form names its fields by path ("root[dimensions][0] opt-in") until JSON Editor is ready
# and the titles replace them; under load the text could otherwise be read in between.
FORMS_DRAWN = """() => {
  const form = document.getElementById("config-form-editor");
  return !form || form.dataset.ready === "true";
}"""


def _english(page: Page, allowed: set[str]) -> list[str]:
    visible = EMAIL.sub(" ", re.sub(r"`[^`]*`", " ", page.evaluate(VISIBLE_TEXT)))
    return sorted({w for w in WORD.findall(visible) if w not in allowed and w.strip("'’-") not in allowed})


def test_every_page_reachable_from_the_navigation_reads_in_chinese(
    zh_page: Page, live_server: Live, alerts_to_read: None
) -> None:
    allowed = ALLOWED | _data_words(live_server)
    start = ["/accounts", f"/accounts/{live_server.accounts['Aurora Retail']}", "/no-such-page"]
    zh_page.goto(f"{live_server.url}/accounts")
    queue = start + [h for h in _links(zh_page) if _route(h) not in {_route(s) for s in start}]
    seen: set[str] = set()
    untranslated: dict[str, list[str]] = {}
    while queue:
        path = queue.pop(0)
        if _route(path) in seen or len(seen) >= 60:
            continue
        seen.add(_route(path))
        zh_page.goto(f"{live_server.url}{path}")
        zh_page.wait_for_function(FORMS_DRAWN)
        words = _english(zh_page, allowed)
        if words:
            untranslated[path] = words
        if path.startswith(
            ("/settings", "/sop", "/accounts/", "/health", "/tasks", "/alerts")
        ):  # one level deeper
            queue += [h for h in _links(zh_page) if _route(h) not in seen]
    assert len(seen) >= 12, sorted(seen)
    report = "\n".join(f"{path}: {' '.join(words)}" for path, words in sorted(untranslated.items()))
    assert not untranslated, f"English words on {len(untranslated)} Chinese pages:\n{report}"
