"""`lodestar alerts list|ack|resolve`: the alert inbox from the command line, acting as a user (--as)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, emit, fail

alerts_app = typer.Typer(help="Alerts: list, acknowledge and resolve.", no_args_is_help=True)
AsOpt = Annotated[
    str | None, typer.Option("--as", help="Act as this user (e-mail); their row-level scope applies.")
]
STATES = ("live", "open", "acknowledged", "snoozed", "resolved", "all")


def _user(session: Any, email: str | None, *, changing: bool) -> Any:
    """The user named by --as; listing without it reads as an unsaved admin that sees everything, while a
    change must name who makes it (the audit log records them)."""
    from lodestar.auth import service as auth_service
    from lodestar.auth.models import Role, User

    if email is None:
        if changing:
            fail("--as: give the e-mail of the user who acts (the audit log records them)")
        return User(id=0, name="cli", email="cli@localhost", role=Role.ADMIN.value, active=True)
    user = auth_service.find_user_by_email(session, email)
    if user is None or not user.active:
        fail(f"--as: no active user with e-mail {email}")
    return user


def _line(alert: Any) -> str:
    from lodestar.alerts.evidence_text import evidence_texts

    evidence = "; ".join(evidence_texts(alert.evidence))
    head = f"#{alert.id:<6} {alert.raised_on}  {alert.severity:<8} {alert.state:<12} {alert.rule_key:<22}"
    return f"{head} {alert.account_name[:30]:<30} {evidence}"


def _payload(alert: Any) -> dict[str, Any]:
    from lodestar.alerts.evidence_text import evidence_texts

    return alert.model_dump(mode="json") | {"evidence_text": [str(t) for t in evidence_texts(alert.evidence)]}


@alerts_app.command("list")
def list_alerts(
    state: Annotated[
        str, typer.Option(help="live (default), open, acknowledged, snoozed, resolved or all.")
    ] = "live",
    severity: Annotated[str | None, typer.Option(help="info, warning or critical.")] = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule's alerts (its key).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many alerts.")] = 50,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lists alerts (those --as may see; all without --as), new and severe first."""
    from lodestar.alerts import service
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError

    engine, _ = context()
    try:
        with unit_of_work(engine) as session:
            viewer = _user(session, as_user, changing=False)
            items, total = service.list_alerts(
                session, viewer, state=state, severity=severity, rule=rule, limit=limit
            )
    except LodestarError as exc:
        fail(exc.message.replace("state:", "--state:").replace("severity:", "--severity:"))
    shown = f"; showing {len(items)}" if total > len(items) else ""
    lines = [f"{total} alert(s) in {state}{shown}", *(_line(a) for a in items)]
    emit(as_json, {"total": total, "items": [_payload(a) for a in items]}, "\n".join(lines))


@alerts_app.command("ack")
def acknowledge(
    alert_ids: Annotated[list[int], typer.Argument(help="The alerts' ids.")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Acknowledges these open alerts, all or none (nothing changes when one is refused)."""
    from lodestar.alerts import service
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import InvalidInput, LodestarError

    engine, _ = context()
    ids = list(dict.fromkeys(alert_ids))
    try:
        with unit_of_work(engine) as session:
            done = service.bulk_acknowledge(session, _user(session, as_user, changing=True), ids)
    except InvalidInput as exc:
        fail("; ".join(f"{p.message} (nothing was changed)" for p in exc.problems))
    except LodestarError as exc:
        fail(exc.message)
    emit(as_json, {"acknowledged": done}, f"acknowledged {len(done)} alert(s): {', '.join(map(str, done))}")


@alerts_app.command("resolve")
def resolve(
    alert_id: Annotated[int, typer.Argument(help="The alert's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is resolved (required).")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Resolves a live alert by hand with a reason; its rule's cool-down starts today."""
    from lodestar.alerts import service
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError

    engine, _ = context()
    try:
        with unit_of_work(engine) as session:
            alert = service.resolve(session, _user(session, as_user, changing=True), alert_id, reason)
            payload = _payload(alert)
    except LodestarError as exc:
        fail(exc.message.replace("reason:", "--reason:"))
    emit(
        as_json,
        payload,
        f"resolved alert {alert_id} on {payload['account_name']}: {payload['resolve_reason']}",
    )
