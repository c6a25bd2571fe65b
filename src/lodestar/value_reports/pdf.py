"""The report's PDF with WeasyPrint: HTML and CSS in, vector PDF out (SVG charts become paths, the CJK
font's glyphs used are embedded). Pango finds the fonts through fontconfig; scripts/setup.sh installs a
CJK one."""

from __future__ import annotations

import os
from pathlib import Path

from weasyprint import HTML


def pdf_bytes(document: str) -> bytes:
    """The PDF of a standalone report document (no external resource is fetched: everything is inline)."""
    return HTML(string=document, url_fetcher=_refuse).write_pdf()


def _refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # The document is self-contained; a URL in it (a narrative cannot add one, but a template might) is
    # never fetched, so rendering can reach no network or file.
    raise ValueError(f"external resource not allowed in a report: {url[:80]}")


def write_pdf(target: Path, data: bytes) -> Path:
    """Writes the PDF under a temporary name and renames it into place (no half-written file is seen)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def render_to_file(document: str, target: str) -> str:
    """Renders a document and writes its PDF (a batch's worker processes call this)."""
    return str(write_pdf(Path(target), pdf_bytes(document)))
