"""The mapping spec (file columns -> target fields) and the import report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Kind = Literal[
    "accounts",
    "contacts",
    "contracts",
    "churn",
    "events",
    "tickets",
    "touches",
    "nps",
    "milestones",
    "feature_requests",
]
KINDS: tuple[str, ...] = (
    "accounts", "contacts", "contracts", "churn", "events", "tickets", "touches", "nps", "milestones",
    "feature_requests",
)  # fmt: skip
DateFormat = Literal["iso", "d/m/Y", "m/d/Y"]
ValueType = Literal["string", "int", "number", "date", "datetime", "bool"]
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FieldMap(BaseModel):
    """Where one target field comes from: a column (with a value map) or a constant."""

    model_config = _STRICT

    column: str | None = None
    constant: Any = None
    values: dict[str, Any] | None = Field(None, description="Source value -> target value.")
    default: Any = Field(None, description="Used when the column is empty.")
    date_format: DateFormat | None = None
    type: ValueType | None = Field(None, description="For traits.* and properties.* fields.")
    lookup: str | None = Field(None, description="For references: the key to look the record up by.")

    @model_validator(mode="after")
    def _one_source(self) -> FieldMap:
        if (self.column is None) == (self.constant is None):
            raise ValueError("give exactly one of column or constant")
        return self

    @field_validator("values", mode="before")
    @classmethod
    def _keys_as_text(cls, values: Any) -> Any:
        # YAML reads `TRUE:` or `1:` as bool/int keys; the file's cells are text.
        if isinstance(values, dict):
            return {_text(k): v for k, v in values.items()}
        return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


class MappingSpec(BaseModel):
    """How a file maps onto one kind of record."""

    model_config = _STRICT

    kind: Kind
    encoding: str | None = Field(None, description="utf-8, utf-8-sig, gbk or gb18030; detected when absent.")
    date_format: DateFormat | None = Field(None, description="Detected per column when absent.")
    timezone: str = Field("+00:00", pattern=r"^[+-]\d{2}:\d{2}$", description="Offset of naive times.")
    sheet: str | None = Field(None, description="XLSX sheet name; the first sheet when absent.")
    fields: dict[str, FieldMap] = Field(default_factory=dict)
    unmapped: Literal["refuse", "traits"] = Field(
        "refuse",
        description="Accounts: a column no field names is refused (refuse) or kept as traits.COLUMN.",
    )

    @model_validator(mode="after")
    def _traits_on_accounts(self) -> MappingSpec:
        if self.unmapped == "traits" and self.kind != "accounts":
            raise ValueError("unmapped: traits is for accounts only (other kinds have no traits)")
        return self

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, fields: Any) -> Any:
        # `name: account_name` is short for `name: {column: account_name}`.
        if isinstance(fields, dict):
            return {k: ({"column": v} if isinstance(v, str) else v) for k, v in fields.items()}
        return fields

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str | None) -> str | None:
        if encoding is not None and encoding.lower().replace("_", "-") not in ENCODINGS:
            raise ValueError(f"must be one of {', '.join(ENCODINGS)}")
        return encoding.lower().replace("_", "-") if encoding else None


@dataclass(frozen=True)
class RowProblem:
    """One bad cell: its row as in the file (header = row 1), column, value and what is wrong."""

    row: int
    column: str
    value: str | None
    reason: str


@dataclass
class ImportReport:
    """What an import did, or would do (dry run), or why it refused."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problems": [p.__dict__ for p in self.problems],
        }
