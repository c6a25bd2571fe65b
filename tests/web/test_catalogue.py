"""Every sentence marked for the catalogue (templates' `_()`, Python's `Text()` / `N_()`) has a 中文
translation: the build fails on a string someone forgot to translate."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "lodestar"
PO = SOURCE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "Text": None}


def extracted() -> dict[str, str]:
    """Every msgid babel.cfg's extraction finds, with where it was first seen."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_extraction_sees_templates_and_python_sentences() -> None:
    found = extracted()
    assert "Back to the portfolio" in found  # error.html
    assert "Input should be greater than or equal to %(ge)s" in found  # kit/pydantic_messages.py
    assert "active-user ratio" in found  # analytics/metrics/labels.py


def test_every_catalogue_string_has_a_chinese_translation() -> None:
    with PO.open("rb") as fh:
        catalogue = read_po(fh, locale="zh_CN")
    missing = []
    for msgid, where in sorted(extracted().items()):
        entry = catalogue.get(msgid)
        text = entry.string if entry is not None else None
        translated = all(text) if isinstance(text, tuple | list) else bool(text)
        if not translated:
            missing.append(f"{where}: {msgid!r}")
    assert not missing, f"{len(missing)} strings have no zh_CN translation in {PO.name}:\n" + "\n".join(
        missing
    )


def test_the_catalogue_has_no_msgid_twice() -> None:
    ids = [line for line in PO.read_text(encoding="utf-8").splitlines() if line.startswith("msgid ")]
    repeated = sorted({i for i in ids if ids.count(i) > 1} - {'msgid ""'})
    assert not repeated, f"repeated entries in {PO.name}: {repeated}"
