"""What an action on an alert tells the page it returns to (kept in the session, so plain JSON)."""

from __future__ import annotations

from typing import Any

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text

FLASH = "alerts_flash"


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def refusal(exc: InvalidInput) -> dict[str, Any]:
    """Why nothing was changed, each problem as a stored sentence the next page shows translated."""
    problems = [
        {"msgid": p.message.msgid, "values": {k: _plain(v) for k, v in p.message.params.items()}}
        if isinstance(p.message, Text)
        else {"msgid": str(p.message), "values": {}}
        for p in exc.problems
    ]
    return {"action": "refused", "problems": problems}
