"""`lodestar notify ...`: the outbox worker, the outbox, dead-message retries and the channels."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, emit, fail

notify_app = typer.Typer(
    help="Notifications: the outbox worker, the outbox and the channels.", no_args_is_help=True
)
channels_app = typer.Typer(help="List, add and test notification channels.", no_args_is_help=True)
notify_app.add_typer(channels_app, name="channels")


def _in_session(fn: Any) -> Any:
    """Runs fn(session, settings) in a unit of work, turning business errors into a clean exit."""
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError

    engine, settings = context()
    try:
        with unit_of_work(engine) as session:
            return fn(session, settings)
    except LodestarError as exc:
        fail(exc.message)


@notify_app.command("work")
def work(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delivers the outbox: retries with backoff, honours rate limits; runs until stopped (Ctrl-C)."""
    from lodestar.notifications import service

    engine, settings = context()
    if not once:
        typer.echo("delivering notifications; stop with Ctrl-C", err=True)
    tally = service.run_worker(engine, settings, once=once)
    counts = tally.as_dict()
    emit(as_json, counts, ", ".join(f"{v} {k}" for k, v in counts.items()))


@notify_app.command("outbox")
def outbox(
    status: Annotated[str | None, typer.Option(help="pending, sent or dead.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many messages to list.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Counts the outbox by status and lists its newest messages (dead ones with their last error)."""
    from lodestar.notifications import service

    data = _in_session(lambda s, _: service.outbox(s, status, limit).model_dump(mode="json"))
    lines = [" ".join(f"{k} {v}" for k, v in data["counts"].items())]
    for m in data["items"]:
        error = f"  ({m['last_error']})" if m["last_error"] else ""
        lines.append(
            f"{m['id']:>6}  {m['status']:<8} {m['channel_key']:<16} {m['attempts']} tries  "
            f"{m['subject']}{error}"
        )
    emit(as_json, data, "\n".join(lines))


@notify_app.command("retry")
def retry(
    message_id: Annotated[int | None, typer.Argument(help="The dead message's id.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Every dead message.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Puts a dead message (or every dead one) back in the queue."""
    from lodestar.notifications import service

    if (message_id is None) == (not dead):
        fail("give a message id or --dead")
    if message_id is None:
        count = _in_session(lambda s, _: service.retry_dead(s, None))
    else:
        count = _in_session(lambda s, _: service.retry_message(s, message_id, None))
    emit(as_json, {"requeued": count}, f"requeued {count} message(s)")


def _channel_row(read: Any) -> dict[str, Any]:
    return read.model_dump(mode="json")


@channels_app.command("list")
def channels_list(as_json: JsonOpt = False) -> None:
    """Lists channels (URLs and secrets masked)."""
    from lodestar.notifications import service

    rows = _in_session(
        lambda s, st: [_channel_row(service.channel_read(c, st.secret_key)) for c in service.list_channels(s)]
    )
    lines = [
        f"{r['id']:>4}  {r['key']:<20} {r['kind']:<9} {'on ' if r['enabled'] else 'off'} "
        f"{r['url'] or '$' + str(r['url_env'])}"
        for r in rows
    ]
    emit(as_json, {"channels": rows}, "\n".join(lines) or "no channels yet")


@channels_app.command("add")
def channels_add(
    key: Annotated[str, typer.Argument(help="Lowercase key, e.g. cs-dingtalk.")],
    kind: Annotated[str, typer.Option(help="email, slack, dingtalk, feishu, wecom or webhook.")],
    name: Annotated[str | None, typer.Option(help="What people see (default: the key).")] = None,
    url: Annotated[str | None, typer.Option(help="Webhook URL (stored encrypted); prefer --url-env.")] = None,
    url_env: Annotated[str | None, typer.Option(help="Environment variable that holds the URL.")] = None,
    secret: Annotated[str | None, typer.Option(help="Signing secret (stored encrypted).")] = None,
    secret_env: Annotated[
        str | None, typer.Option(help="Environment variable that holds the secret.")
    ] = None,
    locale: Annotated[str, typer.Option(help="Language of its messages: en or zh_CN.")] = "zh_CN",
    min_severity: Annotated[str, typer.Option(help="info, warning or critical.")] = "info",
    rate: Annotated[
        int | None, typer.Option(help="Messages a minute (0: no limit; default by kind).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Adds a channel."""
    from pydantic import ValidationError

    from lodestar.kit.errors import problems_from_pydantic
    from lodestar.notifications import service
    from lodestar.notifications.schemas import ChannelCreate

    fields = {
        "key": key, "kind": kind, "name": name or key, "url": url, "url_env": url_env, "secret": secret,
        "secret_env": secret_env, "locale": locale, "min_severity": min_severity, "rate_per_minute": rate,
    }  # fmt: skip
    try:
        data = ChannelCreate.model_validate(fields)
    except ValidationError as exc:
        fail(problems_from_pydantic(exc.errors()).message)  # type: ignore[arg-type]
    row = _in_session(
        lambda s, st: _channel_row(
            service.channel_read(service.create_channel(s, data, None, st.secret_key), st.secret_key)
        )
    )
    emit(as_json, row, f"added channel {row['key']} (id {row['id']})")


@channels_app.command("test")
def channels_test(
    key: Annotated[str, typer.Argument(help="The channel's key (or id).")],
    as_json: JsonOpt = False,
) -> None:
    """Sends a test message to a channel now and says whether it arrived."""
    from lodestar.notifications import service

    def run(session: Any, settings: Any) -> dict[str, Any]:
        found = [c for c in service.list_channels(session) if key in (c.key, str(c.id))]
        if not found:
            fail(f"no channel {key}")
        return service.test_channel(session, found[0].id, None, settings).model_dump()

    result = _in_session(run)
    emit(as_json, result, "delivered" if result["delivered"] else f"not delivered: {result['error']}")
    if not result["delivered"]:
        raise typer.Exit(1)
