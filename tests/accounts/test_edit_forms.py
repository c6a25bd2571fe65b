"""The account and contact edit forms over HTTP: a valid change is stored, a bad value names its field."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import httpx
from sqlalchemy import select

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account, Contact
from lodestar.accounts.schemas import ContactCreate
from lodestar.auth import service as auth_service
from lodestar.db.engine import session_factory
from tests.live_server import Live, signed_in_client


class _FormFields(HTMLParser):
    """What a browser submits from the page's own form (posting to itself): inputs, checked boxes, selects."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_post_form = self._done = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and "action" not in a and not self._done:
            self._in_post_form = True
        if not self._in_post_form or (not a.get("name") and tag != "option"):
            return
        if tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.fields[a["name"]] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
            self.fields.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields[self._textarea] = unescape(self.fields[self._textarea]).strip("\n")
            self._textarea = None
        elif tag == "form" and self._in_post_form:
            self._in_post_form, self._done = False, True


def form_fields(html: str) -> dict[str, str]:
    """The fields a browser would post from the page's form, with their current values."""
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


def _account(live: Live, name: str) -> Account:
    with session_factory(live.engine)() as db:
        return db.scalars(select(Account).where(Account.name == name)).one()


def _post_form(client: httpx.Client, path: str, changes: dict[str, str]) -> httpx.Response:
    form = client.get(path)
    assert form.status_code == 200
    return client.post(path, data={**form_fields(form.text), **changes})


def test_the_account_edit_form_stores_a_valid_change_and_names_a_bad_field(live_server: Live) -> None:
    client = signed_in_client(live_server, "li")
    account_id = live_server.accounts["Ember Games"]
    path = f"/accounts/{account_id}/edit"
    original = _account(live_server, "Ember Games")
    assert form_fields(client.get(path).text)["purchase_intent"] == (original.purchase_intent or "")

    saved = _post_form(client, path, {"purchase_intent": "Cut churn in live-ops teams"})
    assert (saved.status_code, saved.headers["location"]) == (303, f"/accounts/{account_id}")
    changed = _account(live_server, "Ember Games")
    assert changed.purchase_intent == "Cut churn in live-ops teams"
    assert (changed.employees, changed.tier, changed.owner_id) == (
        original.employees,
        original.tier,
        original.owner_id,
    )

    refused = _post_form(client, path, {"employees": "-3", "purchase_intent": "Never stored"})
    assert refused.status_code == 422
    assert 'name="employees"' in refused.text and "is-invalid" in refused.text
    assert "Employees" in refused.text and "greater than or equal to 0" in refused.text
    assert _account(live_server, "Ember Games").purchase_intent == "Cut churn in live-ops teams"

    restored = _post_form(client, path, {"purchase_intent": original.purchase_intent or ""})
    assert restored.status_code == 303


def _contact_on(live: Live, account_name: str) -> int:
    with session_factory(live.engine)() as db:
        admin = auth_service.find_user_by_email(db, live.users["admin"])
        assert admin is not None
        data = ContactCreate(
            account_id=live.accounts[account_name], name="Hu Jun", title="CTO", role="champion"
        )
        contact = accounts_service.create_contact(db, admin, data)
        db.commit()
        return contact.id


def _contact(live: Live, contact_id: int) -> Contact:
    with session_factory(live.engine)() as db:
        contact = db.get(Contact, contact_id)
        assert contact is not None
        return contact


def test_the_contact_edit_form_stores_a_valid_change_and_names_a_bad_field(live_server: Live) -> None:
    contact_id = _contact_on(live_server, "Ember Games")
    client = signed_in_client(live_server, "li")
    path = f"/contacts/{contact_id}/edit"
    fields = form_fields(client.get(path).text)
    assert (fields["name"], fields["title"], fields["role"], fields["active"]) == (
        "Hu Jun",
        "CTO",
        "champion",
        "on",
    )

    saved = _post_form(client, path, {"title": "Chief Technology Officer", "email": "hu@ember.example"})
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        f"/accounts/{live_server.accounts['Ember Games']}#stakeholders",
    )
    contact = _contact(live_server, contact_id)
    assert (contact.title, contact.email, contact.role, contact.active) == (
        "Chief Technology Officer",
        "hu@ember.example",
        "champion",
        True,
    )

    refused = _post_form(client, path, {"left_on": "next tuesday", "title": "Never stored"})
    assert refused.status_code == 422
    assert 'name="left_on"' in refused.text and "is-invalid" in refused.text
    assert _contact(live_server, contact_id).title == "Chief Technology Officer"

    unnamed = _post_form(client, path, {"name": "", "title": "Never stored"})
    assert unnamed.status_code == 422
    assert "cannot be empty" in unnamed.text
    assert _contact(live_server, contact_id).name == "Hu Jun"


def test_a_csm_cannot_open_or_post_the_edit_form_of_another_csms_account(live_server: Live) -> None:
    client = signed_in_client(live_server, "chen")
    path = f"/accounts/{live_server.accounts['Ember Games']}/edit"
    assert client.get(path).status_code == 404
    assert client.post(path, data={"name": "Taken"}).status_code in (403, 404)
    assert _account(live_server, "Ember Games").name == "Ember Games"
