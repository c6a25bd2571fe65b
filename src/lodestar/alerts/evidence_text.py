"""An alert's stored evidence as sentences: each `{"msgid", "values"}` becomes a `kit.text.Text`.

The evidence is stored as JSON so that a page, an API answer or a message can show it in its reader's
language: a value may itself be a `{"msgid", "values"}` (a metric's label, a direction) and is rendered the
same way, so `kit.text.translate` translates the sentence and the words put into it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from lodestar.kit.text import Text, translate


def _is_sentence(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("msgid"), str)


def _value(value: Any) -> Any:
    """A value of a sentence: a nested sentence as a Text, anything else as stored."""
    return sentence(value) if _is_sentence(value) else value


def sentence(item: dict[str, Any]) -> Text:
    """One stored sentence as a Text (its values rendered the same way, however deep)."""
    values = item.get("values") or {}
    params = {str(k): _value(v) for k, v in values.items()} if isinstance(values, dict) else {}
    try:
        return Text(item["msgid"], **params)
    except (KeyError, ValueError, TypeError):  # values that do not fit the sentence: show it as stored
        return Text.shown_as(item["msgid"], item["msgid"], {})


def evidence_texts(evidence: Iterable[Any] | None) -> list[Text]:
    """Every sentence of an alert's evidence, in order (anything that is not a sentence is left out)."""
    return [sentence(item) for item in evidence or [] if _is_sentence(item)]


def evidence_in(gettext: Callable[[str], str], evidence: Iterable[Any] | None) -> list[str]:
    """The evidence in the reader's language (their catalogue's gettext)."""
    return [translate(gettext, text) for text in evidence_texts(evidence)]
