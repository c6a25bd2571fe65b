"""Refuses input no column can hold before any route sees it: NUL characters and numbers out of range.

PostgreSQL text and JSON columns cannot store NUL, ids are INTEGER (int4) there, and SQLite refuses any
integer past 64 bits; left to the database, each of these ends as a 500 in whichever route met it first.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request

from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound

MAX_ID = 2**31 - 1  # ids are int4 on PostgreSQL
MAX_INTEGER = 2**63 - 1  # the widest integer either database stores
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
_PATH_ID = re.compile(r"[0-9]+")  # nothing else names an object: not "7\r", "+7", "7.0" or "1_0"


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _problem(field: str, value: Any, query: bool = False) -> str | None:
    is_id = _is_id(field.rsplit(".", 1)[-1])
    if isinstance(value, str):
        if "\x00" in value:
            return "must not contain a NUL character"
        # A query string's numbers are all strings; in a JSON body only an id may be sent as one.
        if (query or is_id) and _INTEGER.fullmatch(value):
            return _problem(field, int(value))
    elif isinstance(value, bool):
        if is_id:
            return "is not a valid id"  # JSON true is not user 1
    elif isinstance(value, int | float):
        if is_id and not -MAX_ID <= value <= MAX_ID:
            return "is not a valid id"
        if isinstance(value, int) and not -MAX_INTEGER <= value <= MAX_INTEGER:
            return "is out of range"
    return None


def _walk(value: Any, field: str, problems: list[FieldProblem], query: bool = False) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            if "\x00" in str(key):
                problems.append(FieldProblem(name, "must not contain a NUL character"))
            _walk(item, name, problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{field}.{index}" if field else str(index), problems)
    else:
        message = _problem(field, value, query)
        if message:
            problems.append(FieldProblem(field or "input", message))


async def guard_input(request: Request) -> None:
    """Answers 404 for an id past the database's range in the path, 422 naming each bad query/JSON field."""
    for name, value in request.path_params.items():
        if not isinstance(value, str):
            continue
        if "\x00" in value or (_is_id(name) and not _PATH_ID.fullmatch(value)) or _problem(name, value):
            raise NotFound("not found")
    problems: list[FieldProblem] = []
    for name, value in request.query_params.multi_items():
        _walk(value, name, problems, query=True)
    # Only the JSON API: the Segment endpoints bound and read their own bodies, pages go through read_form.
    if request.url.path.startswith("/api/") and "json" in request.headers.get("content-type", ""):
        try:
            body = await request.json()
        except ValueError:
            body = None  # FastAPI reports malformed JSON itself
        _walk(body, "", problems)
    if problems:
        raise InvalidInput(problems)
