"""Business errors that carry their HTTP status."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from lodestar.kit.pydantic_messages import pydantic_text


class LodestarError(Exception):
    """Base of every business error."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LodestarError):
    """The thing does not exist, or the viewer may not see it (we do not tell which)."""

    status_code = 404


class PermissionDenied(LodestarError):
    """The viewer may see the thing but not do this to it."""

    status_code = 403


class Conflict(LodestarError):
    """The change collides with existing data (a duplicate e-mail, say)."""

    status_code = 409


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: its name and what is wrong with it."""

    field: str
    message: str


class InvalidInput(LodestarError):
    """Input failed validation; every bad field is named."""

    status_code = 422

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        """Builds the error for a single bad field."""
        return cls([FieldProblem(field, message)])


def problems_from_pydantic(errors: list[dict[str, object]]) -> InvalidInput:
    """Turns Pydantic's error list into an InvalidInput naming each field (messages translatable)."""
    problems = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]  # type: ignore[attr-defined]
        field = ".".join(loc) or "input"
        problems.append(FieldProblem(field, pydantic_text(err)))
    return InvalidInput(problems)


def in_row(number: int, error: Exception) -> list[FieldProblem]:
    """The problems of one bad row of a bulk write, each field prefixed `row N: ` (a Pydantic
    ValidationError or an InvalidInput)."""
    if isinstance(error, InvalidInput):
        found = error.problems
    else:  # a pydantic ValidationError
        found = problems_from_pydantic(error.errors()).problems  # type: ignore[attr-defined]
    return [FieldProblem(f"row {number}: {p.field}", p.message) for p in found]


class ProblemBody(BaseModel):
    """One bad field as the JSON API reports it."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """The body of every JSON API error: a stable code, a sentence and, for 422, each bad field."""

    code: str = Field(examples=["not_found"])
    message: str
    problems: list[ProblemBody] = Field(default_factory=list, description="Only on 422: each bad field.")


ERROR_ANSWERS = {
    400: "The body could not be read (not JSON, not UTF-8, broken multipart).",
    401: "No valid credentials: send `Authorization: Bearer <token>`.",
    403: "The caller's role may never do this.",
    404: "No such object, or the caller may not see it (the API does not say which).",
    409: "The change collides with existing data or the object's state.",
    422: "Bad input: `problems` names each field and what is wrong with it.",
}
