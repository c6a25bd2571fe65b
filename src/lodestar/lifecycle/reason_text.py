"""Stage-change reasons as translatable sentences.

The stage engine stores each reason as an English sentence (stage history rows predate any reader's
language). A stored sentence is matched back to its catalogue id here, its figures kept, so the page can
show it in the reader's language; a sentence from an older wording stays as stored.
"""

from __future__ import annotations

import re

from lodestar.kit.text import N_, Text

FIXED = (
    N_("no contract yet"),
    N_("new contract signed"),
    N_("renewed; waiting for the new term to start"),
    N_("contract signed"),
    N_("contract ended without renewal"),
    N_("handover done"),
    N_("went live"),
)
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"health (?P<score>\d+) below (?P<threshold>[\d.]+)"),
        N_("health %(score)s below %(threshold)s"),
    ),
    (re.compile(r"no activity for (?P<days>\d+) days"), N_("no activity for %(days)s days")),
    (
        re.compile(r"win-back window of (?P<days>\d+) days passed"),
        N_("win-back window of %(days)s days passed"),
    ),
    (re.compile(r"(?P<days>\d+) days since the start"), N_("%(days)s days since the start")),
    (re.compile(r"day (?P<day>\d+) reached"), N_("day %(day)s reached")),
    (re.compile(r"day (?P<day>\d+) reached while healthy"), N_("day %(day)s reached while healthy")),
    (
        re.compile(r"risk cleared: health at or above (?P<score>[\d.]+) for (?P<count>\d+) snapshots"),
        N_("risk cleared: health at or above %(score)s for %(count)s snapshots"),
    ),
    (
        re.compile(r"renewal window opened \((?P<days>\d+) days before the contract ends\)"),
        N_("renewal window opened (%(days)s days before the contract ends)"),
    ),
    (
        re.compile(r"renewal window opened \(last (?P<share>\d+%) of the term\)"),
        N_("renewal window opened (last %(share)s of the term)"),
    ),
    (
        re.compile(r"renewal window opened \(last third of the term\)"),
        N_("renewal window opened (last third of the term)"),
    ),
)


def reason_text(stored: str | None) -> str:
    """A stored reason as a Text the page translates (as stored when no wording matches)."""
    if not stored:
        return ""
    if stored in FIXED:
        return Text(stored)
    for pattern, msgid in PATTERNS:
        found = pattern.fullmatch(stored)
        if found:
            return Text(msgid, **found.groupdict())
    return stored
