"""Sentences for people that each page translates: the catalogue id travels with the values.

Code below the web layer does not know the reader's language, so it returns a `Text`: a plain English
string (logs, the CLI and tests read it as is) that also keeps its catalogue id and values, so a page or
an API answer can look the id up in the reader's catalogue and fill the values in afterwards.
`pybabel extract` finds `Text("...")` and `N_("...")` (see babel.cfg).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def N_(msgid: str) -> str:
    """Marks a literal for the catalogue without translating it here (translated where it is shown)."""
    return msgid


class Text(str):
    """An English sentence that remembers its catalogue id and the values put into it."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Text:
        shown = msgid % params if params else msgid
        return cls.shown_as(shown, msgid, params)

    @classmethod
    def shown_as(cls, english: str, msgid: str, params: dict[str, Any]) -> Text:
        """A Text whose English wording comes from elsewhere (a library's own message) but translates
        through `msgid`."""
        made = super().__new__(cls, english)
        made.msgid, made.params = msgid, params
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text.shown_as, (str(self), self.msgid, self.params))


def translate(gettext: Callable[[str], str], value: Any) -> str:
    """A value in the reader's language: a Text through its id (values that are Texts translated too,
    plain values as they are), a plain string through the catalogue (itself when the catalogue lacks it)."""
    if isinstance(value, Text):
        params = {k: translate(gettext, v) if isinstance(v, Text) else v for k, v in value.params.items()}
        template = gettext(value.msgid)
        try:
            return template % params if params else template
        except (KeyError, ValueError, TypeError):  # a translation that names other values: keep English
            return str(value)
    if isinstance(value, str):
        return gettext(value) if value else value
    return "" if value is None else str(value)
