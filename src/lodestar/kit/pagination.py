"""Offset pagination with the numbers a page needs to draw its pager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list is asked for (1-based)."""

    page: int = 1
    size: int = 50

    def __post_init__(self) -> None:
        if self.page < 1:
            raise ValueError("page must be 1 or more")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError(f"size must be between 1 and {MAX_PAGE_SIZE}")

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.size


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the total behind it."""

    items: list[T]
    total: int
    request: PageRequest

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.request.size))
