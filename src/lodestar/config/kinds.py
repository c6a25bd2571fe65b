"""The configuration kinds: each domain registers its own (model, defaults, cross-checks) with the store.

The store knows no kind by itself; `lodestar.configuration` imports every domain's kind so the whole
document (export, apply, the editors' cross-checks) sees them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import BaseModel

from lodestar.kit.errors import FieldProblem

Check = Callable[["ConfigDocument"], list[FieldProblem]]


@dataclass(frozen=True)
class ConfigKind:
    """One kind of configuration: its name, its model, its package defaults and its checks against others."""

    name: str
    model: type[BaseModel]
    defaults: Path
    order: int  # position in the exported document
    check: Check | None = None
    # A kind that documents exported before it existed leave out; applying such a document keeps it as it is.
    optional: bool = False

    def default(self) -> BaseModel:
        """The package's default configuration of this kind."""
        return self.model.model_validate(_yaml(self.defaults))


_KINDS: dict[str, ConfigKind] = {}


def register(kind: ConfigKind) -> ConfigKind:
    """Adds a kind to the store's registry (idempotent for the same kind)."""
    _KINDS[kind.name] = kind
    return kind


def registered() -> list[ConfigKind]:
    """Every registered kind in document order."""
    return sorted(_KINDS.values(), key=lambda k: k.order)


def kind_named(name: str) -> ConfigKind | None:
    """The registered kind of this name, if any."""
    return _KINDS.get(name)


@cache
def _yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        # libyaml's loader where the wheel has it: every command's first use of a kind reads its defaults,
        # and the pure-Python loader takes some 50 ms over them all.
        return cast(dict[str, Any], yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


class ConfigDocument(Mapping[str, BaseModel | None]):
    """All configuration in one document, one validated model per kind (None for a left-out optional kind)."""

    def __init__(self, parts: Mapping[str, BaseModel | None]) -> None:
        self._parts = dict(parts)

    def __getitem__(self, name: str) -> BaseModel | None:
        return self._parts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._parts[name]
        except KeyError:
            raise AttributeError(name) from None

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        """The document as plain data, as `lodestar config export` writes it."""
        return {k: v.model_dump(mode=mode) for k, v in self._parts.items() if v is not None}
