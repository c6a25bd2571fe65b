"""Who is told what, where and when: each person's preferences (severity floor, mode, quiet hours) and
each channel's floor turn notices into deliveries — one per notice, channel and person."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from lodestar.notifications.channels.message_formats import severity_rank
from lodestar.notifications.schemas import Notice

EMAIL = "email"  # the personal e-mail channel: no Channel row, each person's own address
KEY_LENGTH = 120


@dataclass(frozen=True)
class Rule:
    """One person's effective choice on one channel."""

    min_severity: str
    mode: str  # immediate, digest, off
    quiet_from: time | None = None
    quiet_to: time | None = None


DEFAULT_EMAIL = Rule("warning", "immediate")  # nobody has to configure anything to hear of warnings


@dataclass(frozen=True)
class Person:
    """What delivery needs of a user."""

    id: int
    name: str
    email: str
    locale: str


@dataclass(frozen=True)
class Place:
    """What delivery needs of a channel."""

    key: str
    kind: str
    locale: str
    min_severity: str


@dataclass(frozen=True)
class Delivery:
    """One notice for one channel (and one person, or the channel's whole group)."""

    notice: Notice
    channel: str
    kind: str
    locale: str
    person: Person | None
    not_before: datetime | None

    @property
    def idempotency_key(self) -> str:
        """notice key:channel (:u + person): the same notice never reaches the same place twice."""
        who = f":u{self.person.id}" if self.person else ""
        return idempotency_key(f"{self.notice.key}:{self.channel}{who}")


def idempotency_key(raw: str) -> str:
    """The key as stored: itself, or when longer than the column, its head and a hash of the whole."""
    if len(raw) <= KEY_LENGTH:
        return raw
    return raw[:80] + "#" + hashlib.sha256(raw.encode()).hexdigest()[:39]


def rule_for(chosen: Mapping[tuple[int, str], Rule], user_id: int, channel: str) -> Rule | None:
    """The person's rule for a channel: their own, the e-mail default, or none (chat needs opting in)."""
    rule = chosen.get((user_id, channel))
    if rule is None and channel == EMAIL:
        return DEFAULT_EMAIL
    return rule


def quiet_until(rule: Rule, now: datetime, zone: tzinfo) -> datetime | None:
    """The end of the quiet hours `now` falls in (UTC), or None outside them; hours may wrap midnight."""
    start, end = rule.quiet_from, rule.quiet_to
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    at = local.time().replace(tzinfo=None)
    if start < end:
        quiet, day = start <= at < end, local.date()
    else:
        quiet = at >= start or at < end
        day = local.date() + timedelta(days=1) if at >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def _wanted(notice: Notice, rule: Rule, channel: str) -> bool:
    if rule.mode == "off":
        return False
    if notice.digest:  # the digest itself: by e-mail unless off, on a chat channel only in digest mode
        return channel == EMAIL or rule.mode == "digest"
    return rule.mode == "immediate" and severity_rank(notice.severity) >= severity_rank(rule.min_severity)


def plan(
    notices: Iterable[Notice],
    people: Mapping[int, Person],
    places: Mapping[str, Place],
    chosen: Mapping[tuple[int, str], Rule],
    now: datetime,
    zone: tzinfo,
    email_on: bool = True,
) -> list[Delivery]:
    """The deliveries of these notices: named channels by their floor, people by their preferences."""
    personal_channels: dict[int, list[str]] = {}
    for user_id, channel in chosen:
        if channel != EMAIL and channel in places:
            personal_channels.setdefault(user_id, []).append(channel)
    out: list[Delivery] = []
    for notice in notices:
        named = [places[k] for k in dict.fromkeys(notice.channel_keys) if k in places]
        for place in named:
            if notice.digest or severity_rank(notice.severity) >= severity_rank(place.min_severity):
                out.append(Delivery(notice, place.key, place.kind, place.locale, None, None))
        for user_id in dict.fromkeys(notice.user_ids):
            person = people.get(user_id)
            if person is None:
                continue
            channels = ([EMAIL] if email_on and person.email else []) + sorted(
                c for c in personal_channels.get(user_id, []) if c not in notice.channel_keys
            )
            for channel in channels:
                rule = rule_for(chosen, user_id, channel)
                if rule is None or not _wanted(notice, rule, channel):
                    continue
                kind = EMAIL if channel == EMAIL else places[channel].kind
                out.append(
                    Delivery(notice, channel, kind, person.locale, person, quiet_until(rule, now, zone))
                )
    return out
