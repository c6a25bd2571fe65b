"""Instants as people read them: in the company's time zone, the zone always stated.

One helper for every page, so a page never mixes "14:22" (no zone) with "06:22 UTC". The zone is shown
as its UTC offset ("UTC+8"), which reads the same in every language.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from jinja2 import pass_context

FORMATS = {"minute": "%Y-%m-%d %H:%M", "second": "%Y-%m-%d %H:%M:%S", "time": "%H:%M"}


def zone_name(moment: datetime) -> str:
    """The UTC offset of an aware instant as "UTC+8", "UTC+5:30" or "UTC"."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def local_time(value: datetime | None, zone: tzinfo, style: str = "minute") -> str:
    """An instant in `zone` with the zone stated; a naive value is a stored UTC time (SQLite drops the
    zone)."""
    if value is None:
        return "—"
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    here = aware.astimezone(zone)
    return f"{here.strftime(FORMATS[style])} {zone_name(here)}"


@pass_context
def local_time_filter(context: Any, value: datetime | None, style: str = "minute") -> str:
    """The `|when` template filter: the request's app settings give the company's zone."""
    request = context.get("request")
    zone = request.app.state.settings.zone if request is not None else UTC
    return local_time(value, zone, style)
