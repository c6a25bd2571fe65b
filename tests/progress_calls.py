"""A progress callback that remembers its calls, for tests of the services that report progress."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Recorded:
    """Each call as (advance, total, note)."""

    calls: list[tuple[int, int | None, str | None]] = field(default_factory=list)

    def __call__(self, advance: int = 1, /, *, total: int | None = None, note: str | None = None) -> None:
        self.calls.append((advance, total, note))

    @property
    def done(self) -> int:
        return sum(a for a, _, _ in self.calls)

    @property
    def totals(self) -> list[int]:
        return [t for _, t, _ in self.calls if t is not None]

    @property
    def notes(self) -> list[str]:
        return [n for _, _, n in self.calls if n is not None]

    @property
    def done_notes(self) -> list[str]:
        """The notes of the calls that advanced: what was finished, in order."""
        return [n for a, _, n in self.calls if a and n is not None]
