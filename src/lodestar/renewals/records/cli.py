"""`lodestar renewals list`: the renewals from the command line, as a user (--as) or as an admin."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, emit, fail

renewals_app = typer.Typer(help="Renewal records: list them.", no_args_is_help=True)
AsOpt = Annotated[
    str | None, typer.Option("--as", help="Act as this user (e-mail); their row-level scope applies.")
]


def _viewer(session: Any, email: str | None) -> Any:
    """The user named by --as, or an unsaved admin that sees everything."""
    from lodestar.auth import service as auth_service
    from lodestar.auth.models import Role, User

    if email is None:
        return User(id=0, name="cli", email="cli@localhost", role=Role.ADMIN.value, active=True)
    user = auth_service.find_user_by_email(session, email)
    if user is None or not user.active:
        fail(f"--as: no active user with e-mail {email}")
    return user


def _line(r: Any) -> str:
    forecast, outcome = r["forecast"] or "-", r["outcome"] or "open"
    money = f"{r['arr']:>14} {r['currency']}"
    return (
        f"#{r['id']:<7} {r['contract_end']}  {money}  {forecast:<8} {outcome:<14} account {r['account_id']}"
    )


@renewals_app.command("list")
def list_renewals(
    status: Annotated[str, typer.Option(help="open (default), closed or all.")] = "open",
    forecast: Annotated[str | None, typer.Option(help="commit, likely, at_risk, lost or none.")] = None,
    account_id: Annotated[int | None, typer.Option("--account", help="Only this account's renewals.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many renewals.")] = 100,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lists renewals (those --as may see; all without --as), soonest contract end first."""
    from pydantic import ValidationError

    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError
    from lodestar.renewals.records import service
    from lodestar.renewals.records.schemas import RenewalQuery, RenewalRead

    engine, _ = context()
    try:
        query = RenewalQuery(status=status, forecast=forecast, account_id=account_id)
    except ValidationError as exc:
        fail("; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
    try:
        with unit_of_work(engine) as session:
            items, total = service.list_renewals(session, _viewer(session, as_user), query, limit, 0)
            rows = [RenewalRead.model_validate(r).model_dump(mode="json") for r in items]
    except LodestarError as exc:
        fail(exc.message)
    shown = f"; showing {len(rows)}" if total > len(rows) else ""
    lines = [f"{total} renewal(s), {status}{shown}", *(_line(r) for r in rows)]
    emit(as_json, {"total": total, "items": rows}, "\n".join(lines))
