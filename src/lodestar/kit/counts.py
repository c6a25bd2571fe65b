"""Count: an integer field that refuses true/false (Pydantic's lax mode would take them as 1 and 0)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _refuse_booleans(value: Any) -> Any:
    # Strict ints would also refuse the "30" a web form sends; only booleans are wrong everywhere.
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    return value


Count = Annotated[int, BeforeValidator(_refuse_booleans)]
