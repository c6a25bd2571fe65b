"""`lodestar keys ...` (write keys) and `lodestar events stats`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, emit, fail, settings_or_exit

keys_app = typer.Typer(help="Create, list, revoke and rotate Segment write keys.", no_args_is_help=True)
events_app = typer.Typer(help="Event ingestion: statistics.", no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(help="The key's name (or id).")]


def _run(fn: Any) -> Any:
    """Runs fn(session) in a unit of work, turning business errors into a clean exit."""
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError

    engine, _ = context()
    try:
        with unit_of_work(engine) as session:
            return fn(session)
    except LodestarError as exc:
        fail(exc.message)


def _row(key: Any) -> dict[str, Any]:
    state = "revoked" if key.revoked_at else "active"
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.key_prefix,
        "state": state,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at and key.revoked_at.isoformat(),
    }


@keys_app.command("create")
def create(name: Annotated[str, typer.Argument(help="The source this key tags, e.g. web-app.")]) -> None:
    """Creates a write key and prints it (only this once)."""
    from lodestar.events import service

    typer.echo(_run(lambda s: service.create_key(s, name)[1]))


@keys_app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """Lists write keys with their state."""
    from lodestar.events import service

    rows = _run(lambda s: [_row(k) for k in service.list_keys(s)])
    lines = [f"{r['id']:>4}  {r['name']:<24} {r['prefix']}…  {r['state']}" for r in rows]
    emit(as_json, {"keys": rows}, "\n".join(lines) or "no write keys yet")


@keys_app.command("revoke")
def revoke(ref: RefArg) -> None:
    """Revokes a write key (requests with it get 401 within seconds)."""
    from lodestar.events import service

    name = _run(lambda s: service.revoke_key(s, ref).name)
    typer.echo(f"revoked write key {name}")


@keys_app.command("rotate")
def rotate(ref: RefArg) -> None:
    """Gives a write key a new secret and prints it; the old secret stops working."""
    from lodestar.events import service

    typer.echo(_run(lambda s: service.rotate_key(s, ref)[1]))


def _stats_text(data: dict[str, Any]) -> str:
    cols = ("accepted", "stored", "deduplicated", "rejected")
    lines = [f"{'':<24}" + "".join(f"{c:>14}" for c in cols)]
    lines.append(f"{'total':<24}" + "".join(f"{data[c]:>14,}" for c in cols))
    for title, group in (("source", data["sources"]), ("type", data["types"])):
        for name, row in sorted(group.items()):
            lines.append(f"{title + ' ' + name:<24}" + "".join(f"{row[c]:>14,}" for c in cols))
    lines.append(f"of the stored, imported from files: {data['imported']:,}")
    lines.append(f"quarantined (dead-letter folder): {data['quarantined']:,}")
    lines.append(f"newest event: {data['newest_event_at'] or 'none yet'}")
    return "\n".join(lines)


@events_app.command("stats")
def stats(as_json: JsonOpt = False) -> None:
    """Messages accepted, stored, de-duplicated and rejected per source and type; newest event time.

    Stored counts what is in the event store: tracked messages the mover wrote and events imported from
    files (`lodestar import events`), the latter read from the Parquet footers.
    """
    from lodestar.events import service
    from lodestar.events.ingest import quarantine

    settings = settings_or_exit()
    data = _run(lambda session: service.stats(session, settings.events_dir))
    data["quarantined"] = quarantine.summary(quarantine.dead_letter_dir(settings.data_dir)).count
    emit(as_json, data, _stats_text(data))
