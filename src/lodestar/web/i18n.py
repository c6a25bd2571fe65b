"""English and Simplified Chinese from Babel catalogues (.po files compiled in memory at start)."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache, partial
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lodestar.kit.text import translate

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {"en": "English", "zh_CN": "中文"}


@lru_cache(maxsize=8)
def translations(locale: str) -> gettext.NullTranslations:
    """The translations of one locale; English (the source language) needs none."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def pick_locale(user_locale: str | None, accept_language: str | None, default: str) -> str:
    """The user's chosen locale, else the browser's preference, else the company default."""
    if user_locale in LANGUAGES:
        return user_locale
    if accept_language and accept_language.lower().startswith("zh"):
        return "zh_CN"
    return default


def gettext_for(locale: str) -> Callable[[Any], str]:
    """`_` for one locale: translates a catalogue string or a `kit.text.Text` with its values."""
    tr = translations(locale)
    return partial(translate, tr.gettext)
