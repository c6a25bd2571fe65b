"""Why an alert resolved by itself: stored in English on the alert, shown in the reader's language."""

from __future__ import annotations

import re

from lodestar.kit.text import N_, Text

CLEARED = N_("condition cleared for %(days)s days")
RULE_GONE = N_("rule removed or disabled")
_CLEARED = re.compile(r"^condition cleared for (\d+) days$")


def cleared(days: int) -> Text:
    """The reason of an alert whose condition has not held for `days` days."""
    return Text(CLEARED, days=days)


def rule_gone() -> Text:
    """The reason of an alert whose rule was removed or disabled."""
    return Text(RULE_GONE)


def reason_shown(stored: str | None) -> str | None:
    """A stored resolve reason as a Text when it is one of the automatic ones (pages translate it), else
    as written (a person's own words)."""
    if stored is None:
        return None
    if stored == RULE_GONE:
        return rule_gone()
    if (found := _CLEARED.match(stored)) is not None:
        return cleared(int(found.group(1)))
    return stored
