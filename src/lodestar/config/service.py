"""Configuration store: the active version of every registered kind, versioned saves, export and apply."""

from __future__ import annotations

from typing import Any, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.config import repository
from lodestar.config.kinds import ConfigDocument, ConfigKind, kind_named, registered
from lodestar.config.models import ConfigVersion
from lodestar.config.schemas import ApplyReport, ConfigVersionRead
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound

M = TypeVar("M", bound=BaseModel)
_MESSAGES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "too_short": "must have at least {min_length} item(s)",
}


def path(loc: tuple[Any, ...]) -> str:
    """A Pydantic location as a readable path: health.models[0].measures[2].weight."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "document"


def problems(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[FieldProblem]:
    """Every error of a validation failure with its path and a short reason."""
    out = []
    for err in exc.errors():
        template = _MESSAGES.get(err["type"])
        ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in err.get("ctx", {}).items()}
        reason = template.format(**ctx) if template else err["msg"].removeprefix("Value error, ")
        out.append(FieldProblem(path((*prefix, *err["loc"])), reason))
    return out


def _kind(name: str) -> ConfigKind:
    kind = kind_named(name)
    if kind is None:
        names = ", ".join(k.name for k in registered())
        raise InvalidInput.one("kind", f"must be one of {names}")
    return kind


def default(kind: str) -> BaseModel:
    """The package's default configuration of a kind."""
    return _kind(kind).default()


def _current(session: Session, kind: str) -> tuple[BaseModel, int]:
    row = repository.active(session, kind)
    if row is None:
        return default(kind), 0
    return _kind(kind).model.model_validate(row.body), row.version


def current(session: Session, kind: str, model: type[M]) -> tuple[M, int]:
    """The active configuration of a kind and its version (0 for the package default)."""
    body, version = _current(session, kind)
    return cast(M, body), version


def document(session: Session) -> ConfigDocument:
    """All active configuration as one document."""
    return ConfigDocument({k.name: _current(session, k.name)[0] for k in registered()})


def export_yaml(session: Session) -> str:
    """All active configuration as one YAML document."""
    return yaml.safe_dump(document(session).model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def parse_document(data: Any) -> ConfigDocument:
    """Validates a whole document, raising InvalidInput naming every problem by path."""
    kinds = registered()
    if not isinstance(data, dict):
        names = ", ".join(k.name for k in kinds[:-1]) + f" and {kinds[-1].name}"
        raise InvalidInput.one("document", f"must be a mapping with {names}")
    found: list[FieldProblem] = []
    parts: dict[str, BaseModel | None] = {}
    for kind in kinds:
        if kind.optional and data.get(kind.name) is None:
            parts[kind.name] = None
            continue
        if kind.name not in data:
            found.append(FieldProblem(kind.name, "is required"))
            continue
        try:
            parts[kind.name] = kind.model.model_validate(data.get(kind.name))
        except ValidationError as exc:
            found += problems(exc, (kind.name,))
    known = {k.name for k in kinds}
    found += [FieldProblem(str(key), "is not a known field") for key in data if key not in known]
    if found:
        raise InvalidInput(found)
    doc = ConfigDocument(parts)
    cross = [p for kind in kinds if kind.check for p in kind.check(doc)]
    if cross:
        raise InvalidInput(cross)
    return doc


def load_yaml(text: str, what: str) -> Any:
    """YAML text as data; a syntax error is refused naming its line (or `what` when it has none)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else what
        raise InvalidInput.one(where, f"is not valid YAML ({getattr(exc, 'problem', exc)})") from None


def parse_yaml(text: str) -> ConfigDocument:
    """Parses and validates a YAML document."""
    return parse_document(load_yaml(text, "document"))


def _store(session: Session, kind: str, body: BaseModel, author: str | None) -> int | None:
    """Stores body as the new active version of kind; None when it equals the active one."""
    active, _ = _current(session, kind)
    dumped = body.model_dump(mode="json")
    if active.model_dump(mode="json") == dumped:
        return None
    number = repository.newest_number(session, kind) + 1
    repository.deactivate(session, kind)
    session.add(ConfigVersion(kind=kind, version=number, body=dumped, author=author, active=True))
    session.flush()
    auth_service.record(
        session, None, "config.save", "config_versions", number, {"kind": kind, "author": author}
    )
    return number


def apply(session: Session, doc: ConfigDocument, author: str | None, dry_run: bool = False) -> ApplyReport:
    """Makes every kind of the document active, adding a version only for kinds that changed."""
    changed: dict[str, int] = {}
    unchanged: list[str] = []
    for kind in (k.name for k in registered()):
        body = doc.get(kind)
        if body is None:  # a kind the document leaves out (an older export) stays as it is
            unchanged.append(kind)
            continue
        active, _ = _current(session, kind)
        if active.model_dump(mode="json") == body.model_dump(mode="json"):
            unchanged.append(kind)
        elif dry_run:
            changed[kind] = repository.newest_number(session, kind) + 1
        else:
            changed[kind] = cast(int, _store(session, kind, body, author))
    return ApplyReport(dry_run=dry_run, changed=changed, unchanged=unchanged)


def validated(session: Session, kind: str, data: Any) -> BaseModel:
    """One kind's proposed body, validated on its own and against the other active kinds (paths start
    with the kind's name); raises InvalidInput naming every problem."""
    _kind(kind)
    whole = document(session).model_dump(mode="json") | {kind: data}
    return cast(BaseModel, parse_document(whole)[kind])


def save(session: Session, kind: str, data: dict[str, Any], author: str | None) -> int | None:
    """Validates one kind (also against the other active kinds) and stores it; None when unchanged."""
    return _store(session, kind, validated(session, kind, data), author)


def history(session: Session, kind: str) -> list[ConfigVersionRead]:
    """Every stored version of a kind, newest first."""
    return [ConfigVersionRead.model_validate(row) for row in repository.history(session, kind)]


def activate(session: Session, kind: str, version: int, author: str | None) -> int | None:
    """Makes an earlier version active again, as a new version (history only grows)."""
    row = repository.by_number(session, kind, version)
    if row is None:
        raise NotFound(f"no version {version} of {kind} configuration")
    return save(session, kind, row.body, author)
