"""How long work reports its progress: a plain callable, so services stay free of any terminal library.

A service doing long work takes `progress: Progress = silent` and calls it as it goes: `progress(0,
total=n)` once the amount of work is known, `progress(1)` per unit done, `note=` to say what it is doing
now. The command line turns the calls into a progress bar (lodestar.cli_support.progress); everyone else
passes nothing.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told that `advance` more units are done; optionally the new total and what is being done now."""

    def __call__(self, advance: int = 1, /, *, total: int | None = None, note: str | None = None) -> None: ...


def silent(advance: int = 1, /, *, total: int | None = None, note: str | None = None) -> None:
    """Reports nowhere: the default of every service that takes a progress callback."""
