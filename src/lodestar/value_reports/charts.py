"""The report's charts as inline SVG, drawn on the server: the same markup shows in the page and is drawn
as vector paths in the PDF, so no browser or script is needed to read either. Hand-written rather than a
plotting library: three simple shapes, no dependency, and the text stays selectable."""

from __future__ import annotations

from markupsafe import Markup, escape

BAR = "#206bc4"
TRACK = "#e6e7e9"
INK = "#1d273b"
MUTED = "#667382"


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(label)}">'
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 9, fill: str = MUTED) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def column_chart(
    points: list[tuple[str, int]], label: str, monthly: bool, width: int = 640, height: int = 180
) -> Markup:
    """Events per week or month as columns, each labelled under its column (month-day, or the month)."""
    top, bottom, left = 14, 22, 6
    peak = max((n for _, n in points), default=0) or 1
    step = (width - 2 * left) / max(len(points), 1)
    base = height - bottom
    body = [f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="{TRACK}"/>']
    for i, (day, n) in enumerate(points):
        h = (height - top - bottom) * n / peak
        x = left + i * step + step * 0.15
        body.append(
            f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(day)}: {n}</title></rect>'
        )
        body.append(_text(x + step * 0.35, height - 8, day[:7] if monthly else day[5:]))
    body.append(_text(left, 10, f"{peak:,}", anchor="start"))
    return _svg(width, height, body, label)


def bar_chart(items: list[tuple[str, int]] | list[tuple[str, float]], label: str, width: int = 640) -> Markup:
    """Horizontal bars (top features, teams), the name left, the count (or a figure to one decimal) right of
    each bar."""
    row, name_w, count_w = 22, 200, 70
    height = max(row * len(items), row)
    peak = max((n for _, n in items), default=0) or 1
    body = []
    for i, (name, n) in enumerate(items):
        y = i * row
        w = (width - name_w - count_w) * n / peak
        body.append(_text(name_w - 8, y + 15, name, anchor="end", size=11, fill=INK))
        body.append(f'<rect x="{name_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{BAR}"/>')
        shown = f"{n:,}" if isinstance(n, int) else f"{n:,.1f}"
        body.append(_text(name_w + w + 6, y + 15, shown, anchor="start", size=11))
    return _svg(width, height, body, label)


def percentile_gauge(percentile: float | None, label: str, width: int = 640) -> Markup:
    """A track from 0 to 100 with the account's percentile marked (an empty track when unknown)."""
    height, left, right = 40, 10, 10
    span = width - left - right
    body = [f'<rect x="{left}" y="12" width="{span}" height="10" rx="5" fill="{TRACK}"/>']
    if percentile is not None:
        filled = span * percentile / 100
        body.append(f'<rect x="{left}" y="12" width="{filled:.1f}" height="10" rx="5" fill="{BAR}"/>')
        body.append(f'<circle cx="{left + filled:.1f}" cy="17" r="7" fill="{INK}"/>')
    body += [_text(left, 36, "0", anchor="start"), _text(width - right, 36, "100", anchor="end")]
    return _svg(width, height, body, label)
