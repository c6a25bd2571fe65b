"""Pydantic's validation messages as catalogue sentences: a form or API error in the reader's language.

Pydantic words its errors in English from an error type and its `ctx` values ("Input should be greater
than or equal to 0" is `greater_than_equal` with `ge=0`). Each type a user can meet maps to a catalogue id
taking the same values; the English stays Pydantic's own wording, the translation comes from the id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lodestar.kit.text import N_, Text

BY_TYPE: dict[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "multiple_of": N_("Input should be a multiple of %(multiple_of)s"),
    "finite_number": N_("Input should be a finite number"),
    "too_short": N_("Should have at least %(min_length)s items"),
    "too_long": N_("Should have at most %(max_length)s items"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "enum": N_("Input should be %(expected)s"),
    "literal_error": N_("Input should be %(expected)s"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary"),
    "model_attributes_type": N_("Input should be a valid dictionary"),
    "list_type": N_("Input should be a valid list"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a whole number"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number"),
    "decimal_type": N_("Input should be a valid decimal"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "decimal_max_digits": N_("Decimal input should have no more than %(max_digits)s digits in total"),
    "decimal_max_places": N_("Decimal input should have no more than %(decimal_places)s decimal places"),
    "decimal_whole_digits": N_(
        "Decimal input should have no more than %(whole_digits)s digits before the decimal point"
    ),
    "date_type": N_("Input should be a valid date (YYYY-MM-DD)"),
    "date_parsing": N_("Input should be a valid date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("Input should be a valid date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": N_("Input should be a valid date (YYYY-MM-DD)"),
    "date_future": N_("Date should be in the future"),
    "date_past": N_("Date should be in the past"),
    "datetime_type": N_("Input should be a valid date and time"),
    "datetime_parsing": N_("Input should be a valid date and time"),
    "datetime_from_date_parsing": N_("Input should be a valid date and time"),
    "datetime_object_invalid": N_("Input should be a valid date and time"),
    "timezone_aware": N_("Input should have timezone info"),
    "time_type": N_("Input should be a valid time (HH:MM)"),
    "time_parsing": N_("Input should be a valid time (HH:MM)"),
    "url_type": N_("Input should be a valid URL"),
    "url_parsing": N_("Input should be a valid URL"),
    "url_scheme": N_("URL scheme should be %(expected_schemes)s"),
    "uuid_type": N_("Input should be a valid UUID"),
    "uuid_parsing": N_("Input should be a valid UUID"),
    "json_invalid": N_("Invalid JSON"),
    "union_tag_invalid": N_("Input tag does not match any of the expected tags"),
}


def _plain(value: Any) -> Any:
    """A ctx value as people read it: 0.0 as 0, like Pydantic's own wording."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def pydantic_text(error: Mapping[str, Any]) -> str:
    """One Pydantic error's message as a Text (Pydantic's English, the catalogue's translation); a
    custom validator's message (a `value_error`) is its own catalogue id."""
    kind = str(error.get("type", ""))
    english = str(error.get("msg", "is invalid"))
    if kind in ("value_error", "assertion_error"):
        own = english.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        cause = (error.get("ctx") or {}).get("error")
        said = cause.args[0] if isinstance(cause, Exception) and cause.args else cause
        return said if isinstance(said, Text) else own
    msgid = BY_TYPE.get(kind)
    if msgid is None:
        return english
    params = {k: _plain(v) for k, v in (error.get("ctx") or {}).items()}
    return Text.shown_as(english, msgid, params)
