"""The renewals pages over plain HTTP: the export as CSV and XLSX (scoped, formula-safe, ARR also in the
company currency) and a bad filter refused by name."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import User
from lodestar.kit.time import today_in
from lodestar.renewals.records import service
from lodestar.renewals.records.models import Renewal
from lodestar.settings import load_settings
from tests.factories import make_account, make_contract
from tests.live_server import Live, signed_in_client


@pytest.fixture
def opened(live_server: Live) -> Iterator[int]:
    """Gao Fei's USD contract in its window, its renewal opened with a next step that looks like a formula."""
    today = today_in(load_settings().zone)
    with Session(live_server.engine) as db:
        gao = db.scalars(select(User).where(User.email == live_server.users["gao"])).one()
        account = make_account(db, gao, gao, name="Juniper Mills")
        term = {"start_date": today - timedelta(days=250), "end_date": today + timedelta(days=60)}
        contract = make_contract(db, account, gao, arr=Decimal("10000"), currency="USD", today=today, **term)
        service.open_and_derive(db, today)
        db.execute(update(Renewal).where(Renewal.contract_id == contract.id).values(next_step="=1+2"))
        db.commit()
        yield db.scalars(select(Renewal.id).where(Renewal.contract_id == contract.id)).one()
    with Session(live_server.engine) as db:
        db.execute(delete(Renewal))
        db.commit()


def test_the_export_holds_the_viewers_open_renewals_as_csv_and_xlsx(live_server: Live, opened: int) -> None:
    client = signed_in_client(live_server, "gao")
    answer = client.get("/renewals/export?format=csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    # Other tests of the shared server may leave contracts of Gao's in their window: the export holds
    # exactly the open renewals of the accounts Gao owns, counted here from the tables.
    with Session(live_server.engine) as db:
        gao = db.scalars(select(User.id).where(User.email == live_server.users["gao"])).one()
        owned = select(Account.id).where(Account.owner_id == gao)
        wanted = set(
            db.scalars(select(Renewal.id).where(Renewal.account_id.in_(owned), Renewal.outcome.is_(None)))
        )
    assert {int(r["renewal_id"]) for r in rows} == wanted and opened in wanted
    mine = next(r for r in rows if int(r["renewal_id"]) == opened)
    assert (mine["account"], mine["currency"]) == ("Juniper Mills", "USD")
    assert float(mine["arr"]) == 10000 and float(mine["arr_cny"]) == 71000  # the default 7.10 rate
    assert mine["next_step"] == "'=1+2"  # a spreadsheet shows it, never runs it
    book = load_workbook(io.BytesIO(client.get("/renewals/export?format=xlsx").content))
    sheet = list(book["renewals"].values)
    assert sheet[0][:3] == ("renewal_id", "account_id", "account")
    assert {r[0] for r in sheet[1:]} == wanted
    refused = client.get("/renewals/export?format=pdf")
    assert refused.status_code == 422 and "format" in refused.text
    assert client.get("/renewals?risk=purple").status_code == 422


def test_the_pipeline_and_a_renewal_show_the_accounts_purchase_intent_stars(
    live_server: Live, opened: int
) -> None:
    with Session(live_server.engine) as db:
        account_id = db.scalars(select(Renewal.account_id).where(Renewal.id == opened)).one()
        db.execute(update(Account).where(Account.id == account_id).values(intent_stars=3, intent_score=0.4))
        db.commit()
    client = signed_in_client(live_server, "gao")
    page = client.get("/renewals?size=200").text
    row = page[page.index(f'href="/accounts/{account_id}" data-testid="renewal-account"') :]
    assert 'data-stars="3"' in row[: row.index("</td>")]
    detail = client.get(f"/renewals/{opened}").text
    assert 'data-testid="renewal-intent"' in detail and 'data-stars="3"' in detail
    with Session(live_server.engine) as db:
        db.execute(update(Account).where(Account.id == account_id).values(intent_stars=None))
        db.commit()
    assert 'data-testid="renewal-intent"' not in client.get(f"/renewals/{opened}").text
