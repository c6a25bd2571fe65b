"""The report's PDF with WeasyPrint: HTML and CSS in, vector PDF out (SVG charts become paths, the CJK
font's glyphs used are embedded). Pango finds the fonts through fontconfig; scripts/setup.sh installs a
CJK one."""

from __future__ import annotations

import os
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class NoFetching(URLFetcher):
    """Fetches nothing: the document is self-contained, and a URL in it (a narrative cannot add one, but a
    template might) is skipped with a warning, so rendering reaches no network and no file."""

    def fetch(self, url: str, headers: object = None) -> object:
        """Refuses every URL."""
        raise ValueError(f"external resource not allowed in a report: {url[:80]}")


def pdf_bytes(document: str) -> bytes:
    """The PDF of a standalone report document (no external resource is fetched: everything is inline)."""
    return HTML(string=document, url_fetcher=NoFetching()).write_pdf()


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
