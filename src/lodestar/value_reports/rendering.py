"""A report as HTML in the report's language: the body shared by the page, the share link and the PDF, and
the standalone document (print CSS: page numbers, rows kept whole, the cover) that the PDF and the share
link show."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from lodestar.kit.text import N_
from lodestar.value_reports import charts
from lodestar.value_reports.schemas import ReportFigures
from lodestar.web.i18n import gettext_for, translations

QUARTER_NAMES = {
    "1": N_("first quarter"),
    "2": N_("second quarter"),
    "3": N_("third quarter"),
    "4": N_("fourth quarter"),
}


def number(value: float | None, digits: int = 0) -> str:
    """A figure with thousands separators ("—" when unknown)."""
    return "—" if value is None else f"{value:,.{digits}f}"


def share(value: float | None) -> str:
    """A share as a percentage ("—" when unknown)."""
    return "—" if value is None else f"{100 * value:.0f}%"


def period_title(key: str, locale: str) -> str:
    """The period in words: "2026, third quarter" / "2026年 第三季度", or the year."""
    _ = gettext_for(locale)
    if "Q" not in key:
        return _("Year %(year)s") % {"year": key}
    year, quarter = key.split("Q")
    return _("%(year)s, %(quarter)s") % {"year": year, "quarter": _(QUARTER_NAMES[quarter])}


def report_context(figures: ReportFigures, locale: str, narrative: dict[str, Any]) -> dict[str, Any]:
    """What the report body needs: the figures, the narrative, the charts and the formatting helpers."""
    _ = gettext_for(locale)
    usage = figures.usage
    return {
        "f": figures,
        "narrative": narrative,
        "period_title": period_title(figures.period, locale),
        "number": number,
        "share": share,
        "charts": {
            "usage": charts.column_chart(usage.buckets, _("Usage volume"), figures.kind == "year"),
            "features": charts.bar_chart([(t.name, t.events) for t in usage.top_features], _("Top features")),
            "ranking": charts.percentile_gauge(figures.ranking.percentile, _("Percentile among peers")),
            "teams": charts.bar_chart(
                [(t.name, round(t.events_per_user, 1)) for t in figures.teams.teams],
                _("Events per active user"),
            )
            if figures.teams
            else None,
        },
    }


def in_language(locale: str) -> dict[str, Any]:
    """The template globals of a language (for rendering outside a request)."""
    return {"locale": locale, "_": gettext_for(locale), "ngettext": translations(locale).ngettext}


def document(
    figures: ReportFigures, locale: str, narrative: dict[str, Any], pdf_href: str | None = None
) -> str:
    """The standalone report document (the PDF's source and the share link's page, which alone passes
    `pdf_href`: the customer's download link)."""
    from lodestar.web.templating import TEMPLATES  # the web stack: loaded when a report is rendered

    context = {**in_language(locale), **report_context(figures, locale, narrative), "pdf_href": pdf_href}
    return TEMPLATES.env.get_template("value_reports/document.html").render(context)


def body(figures: ReportFigures, locale: str, narrative: dict[str, Any]) -> Markup:
    """The report's body alone (the preview page embeds it in the report's language)."""
    from lodestar.web.templating import TEMPLATES

    context = {**in_language(locale), **report_context(figures, locale, narrative)}
    return Markup(TEMPLATES.env.get_template("value_reports/_report.html").render(context))
