"""What a condition answers for every account of the frame: whether it holds, and its evidence sentences
for the accounts where it does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Sentences:
    """One evidence sentence (a catalogue id with %(name)s placeholders) for some accounts: the frame
    position of each row's account (an account may have several rows, e.g. two contacts who left) and,
    per name, the values of the rows (a list or array aligned to `at`, or one value for every row)."""

    msgid: str
    at: np.ndarray
    values: dict[str, Any]

    @classmethod
    def where(cls, msgid: str, mask: np.ndarray, **values: Any) -> Sentences:
        """The sentence for the accounts where mask holds; array values are one per frame account."""
        at = np.flatnonzero(mask)
        index = pa.array(at, pa.int64())
        taken = {}
        for name, value in values.items():
            if isinstance(value, np.ndarray):
                taken[name] = value[at]
            elif isinstance(value, pa.Array | pa.ChunkedArray):
                taken[name] = value.take(index)
            else:
                taken[name] = value
        return cls(msgid, at, taken)

    @classmethod
    def picked(cls, msgid: str, at: np.ndarray, keep: np.ndarray, values: dict[str, Any]) -> Sentences:
        """The sentence for the rows of `at` that keep selects (list and array values align with `at`)."""
        chosen = np.flatnonzero(keep)

        def pick(value: Any) -> Any:
            if isinstance(value, np.ndarray):
                return value[chosen]
            if isinstance(value, list):
                return [value[i] for i in chosen.tolist()]
            return value

        return cls(msgid, at[chosen], {k: pick(v) for k, v in values.items()})

    def kept(self, keep: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        """The rows whose account is kept (keep: one flag per frame account): their frame positions and
        values (arrays and lists cut to those rows, single values as they are)."""
        chosen = np.flatnonzero(keep[self.at]) if len(self.at) else np.zeros(0, np.int64)
        values: dict[str, Any] = {}
        for name, value in self.values.items():
            if isinstance(value, np.ndarray):
                values[name] = value[chosen]
            elif isinstance(value, list):
                values[name] = [value[i] for i in chosen.tolist()]
            elif isinstance(value, pa.Array | pa.ChunkedArray):
                values[name] = value.take(pa.array(chosen, pa.int64()))
            else:
                values[name] = value
        return self.at[chosen], values


@dataclass(frozen=True)
class Outcome:
    """Whether a condition holds for each frame account, with the sentences that say why."""

    holds: np.ndarray
    sentences: tuple[Sentences, ...] = field(default_factory=tuple)

    @classmethod
    def never(cls, accounts: int) -> Outcome:
        """Holds for no account (a form that cannot be judged on the date, e.g. no history to compare)."""
        return cls(np.zeros(accounts, dtype=bool))


def all_of(parts: Sequence[Outcome]) -> Outcome:
    """Holds where every part holds; the evidence of each part."""
    holds = np.logical_and.reduce([p.holds for p in parts])
    return Outcome(holds, tuple(s for p in parts for s in p.sentences))


def any_of(parts: Sequence[Outcome]) -> Outcome:
    """Holds where some part holds; the evidence of the parts that hold (each part's sentences cover only
    the accounts where it holds)."""
    holds = np.logical_or.reduce([p.holds for p in parts])
    return Outcome(holds, tuple(s for p in parts for s in p.sentences))
