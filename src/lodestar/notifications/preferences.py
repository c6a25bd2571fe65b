"""What each person chooses to receive, per channel: the personal e-mail and the chat channels."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import FieldProblem, InvalidInput
from lodestar.kit.text import N_, Text
from lodestar.notifications import repository
from lodestar.notifications.audience import DEFAULT_EMAIL, EMAIL
from lodestar.notifications.models import Preference
from lodestar.notifications.schemas import PreferenceIn, PreferenceRead

EMAIL_NAME = N_("E-mail")


def _options(session: Session) -> list[tuple[str, str, str]]:
    """(key, name, kind) of every channel a person may choose: their e-mail and each enabled chat channel."""
    chats = [(c.key, c.name, c.kind) for c in repository.channels(session) if c.enabled and c.kind != "email"]
    return [(EMAIL, EMAIL_NAME, "email"), *chats]


def preferences_of(session: Session, user: User) -> list[PreferenceRead]:
    """The person's effective choice on every channel: their own, or the default (e-mail on for warnings
    and up; chat channels off until chosen)."""
    rows = {p.channel: p for p in repository.preferences(session, [user.id])}
    out = []
    for key, name, kind in _options(session):
        row = rows.get(key)
        if row is not None:
            rule = (row.min_severity, row.mode, row.quiet_from, row.quiet_to)
        elif key == EMAIL:
            rule = (DEFAULT_EMAIL.min_severity, DEFAULT_EMAIL.mode, None, None)
        else:
            rule = ("warning", "off", None, None)
        out.append(
            PreferenceRead(
                channel=key,
                channel_name=name,
                kind=kind,
                min_severity=rule[0],
                mode=rule[1],
                quiet_from=rule[2],
                quiet_to=rule[3],
                chosen=row is not None,
            )
        )
    return out


def _check(items: Sequence[PreferenceIn], known: set[str]) -> None:
    problems = []
    for i, item in enumerate(items):
        if item.channel not in known:
            problems.append(
                FieldProblem(f"{i}.channel", Text("no channel %(key)s to choose", key=item.channel))
            )
        if (item.quiet_from is None) != (item.quiet_to is None):
            problems.append(
                FieldProblem(f"{i}.quiet_to", Text("give both ends of the quiet hours, or neither"))
            )
        elif item.quiet_from is not None and item.quiet_from == item.quiet_to:
            problems.append(FieldProblem(f"{i}.quiet_to", Text("the quiet hours must end at another time")))
    if problems:
        raise InvalidInput(problems)


def set_preferences(session: Session, user: User, items: Sequence[PreferenceIn]) -> list[PreferenceRead]:
    """Saves the person's choices for the channels named (others stay as they are)."""
    _check(items, {key for key, _, _ in _options(session)})
    rows = {p.channel: p for p in repository.preferences(session, [user.id])}
    changes = {}
    for item in items:
        values = item.model_dump(exclude={"channel"})
        row = rows.get(item.channel)
        if row is None:
            session.add(Preference(user_id=user.id, channel=item.channel, **values))
        elif all(getattr(row, k) == v for k, v in values.items()):
            continue
        else:
            for k, v in values.items():
                setattr(row, k, v)
        changes[item.channel] = {k: None if v is None else str(v) for k, v in values.items()}
    session.flush()
    if changes:
        auth_service.record(session, user, "update", "notification_preferences", user.id, changes)
    return preferences_of(session, user)
