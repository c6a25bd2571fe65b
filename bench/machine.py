"""A one-line description of the machine, printed above every benchmark."""

from __future__ import annotations

import os
import platform
import sqlite3


def describe() -> str:
    """CPU model, cores, memory, Python and SQLite versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
