"""A configuration kind's Pydantic schema as the form editor draws it, and the form's answer made whole.

The browser's form library (JSON Editor) reads JSON Schema but not every construction Pydantic writes: the
`$defs` references are inlined, `X | None` becomes `X` with an opt-in checkbox (unticked means "not set"),
every field that always has a value is required (so only the optional ones get a checkbox), and titles and
choices are translated. Pydantic still validates whatever comes back: the form is a view, never the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from lodestar.config_editor.labels import ENUM_LABELS, FIELD_LABELS, N_, humanised

Translate = Callable[[str], str]
# The field that names an item of a list, in the order looked for (shown on the item's tab).
NAMING_FIELDS = ("name", "key", "slug", "label", "metric", "tier", "stage", "title")
NULLABLE = "x-nullable"  # marks a property the model allows to be null (the form's unticked checkbox)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every `$ref` to `$defs` replaced by the definition it names."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        merged = defs[ref.removeprefix("#/$defs/")] | {k: v for k, v in node.items() if k != "$ref"}
        return _inline(merged, defs)
    return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}


def _without_null(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`anyOf: [X, null]` as X, and whether null was allowed."""
    options = node.get("anyOf")
    if not isinstance(options, list):
        return node, False
    kept = [o for o in options if o.get("type") != "null"]
    if len(kept) != 1 or len(kept) == len(options):
        return node, False
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    return kept[0] | rest, True


def _shape(node: Any, translate: Translate, name: str | None = None) -> Any:
    """One schema node made drawable: titles translated, enums labelled, optional fields opt-in."""
    if not isinstance(node, dict):
        return node
    node, nullable = _without_null(node)
    out = {k: v for k, v in node.items() if k not in ("title", "description", "default")}
    if name is not None:
        out["title"] = translate(FIELD_LABELS.get(name) or humanised(name))
    if nullable:
        out[NULLABLE] = True
    if "enum" in out:
        out["options"] = {"enum_titles": [translate(ENUM_LABELS.get(str(v), str(v))) for v in out["enum"]]}
    if "items" in out:
        item = _shape(out["items"], translate)
        item["title"] = translate(N_("Item"))
        if item.get("type") == "object":
            item["headerTemplate"] = _header(item.get("properties", {}), translate)
        out["items"] = item
        out.setdefault("format", "tabs" if item.get("type") == "object" else "table")
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _shape(out["additionalProperties"], translate)
        out["options"] = out.get("options", {}) | {"disable_properties": False}
    props = out.get("properties")
    if isinstance(props, dict):
        shaped = {key: _shape(value, translate, key) for key, value in props.items()}
        out["properties"] = shaped
        out["required"] = [key for key, value in shaped.items() if not value.get(NULLABLE)]
    return out


def _header(props: dict[str, Any], translate: Translate) -> str:
    """The tab title of a list item: its number and its name in the reader's language.

    A Chinese reader sees the item's Chinese name (name_zh, label_zh, title_zh) where it has one and only
    the number otherwise: English names are configuration text, not interface text, and stay in the form.
    """
    chinese = translate(N_("Item")) != N_("Item")
    # Only a field every item has: the form would show "undefined" for one an item leaves unset.
    always = [k for k, v in props.items() if isinstance(v, dict) and not v.get(NULLABLE)]
    wanted = [f"{k}_zh" for k in NAMING_FIELDS] if chinese else list(NAMING_FIELDS)
    named = next((k for k in wanted if k in always), None)
    return "{{ i1 }}" + (f" · {{{{ self.{named} }}}}" if named else "")


def titles(schema: Any) -> dict[str, str]:
    """Every field's title by field name, for naming the form's hidden labels."""
    found: dict[str, str] = {}
    if isinstance(schema, dict):
        for key, value in (schema.get("properties") or {}).items():
            if isinstance(value, dict) and "title" in value:
                found.setdefault(key, value["title"])
        for value in schema.values():
            found |= {k: v for k, v in titles(value).items() if k not in found}
    elif isinstance(schema, list):
        for value in schema:
            found |= {k: v for k, v in titles(value).items() if k not in found}
    return found


def form_schema(model: type[BaseModel], translate: Translate) -> dict[str, Any]:
    """The JSON Schema of a configuration model, as the form editor draws it, in the reader's language."""
    raw = model.model_json_schema()
    return dict(_shape(_inline(raw, raw.get("$defs", {})), translate))


def titled(schema: dict[str, Any], title: str) -> dict[str, Any]:
    """The schema with the form's top-level title (the kind's name in the reader's language)."""
    return schema | {"title": title}


def form_value(body: BaseModel) -> Any:
    """The stored configuration as the form's starting value: unset (null) fields left out, so their
    checkbox starts unticked."""
    return without_nulls(body.model_dump(mode="json"))


def without_nulls(value: Any) -> Any:
    """The value with every null field left out (the form shows those unticked)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def made_whole(schema: dict[str, Any], value: Any) -> Any:
    """The form's answer with every unticked optional field set to null, as the stored model has it.

    The form leaves an unticked field out; left out, Pydantic would take the field's default, which for
    some fields is a value (an inactivity limit of 30 days) where the person meant "none".
    """
    if isinstance(value, list):
        items = schema.get("items", {})
        return [made_whole(items, v) for v in value]
    if not isinstance(value, dict):
        return value
    props: dict[str, Any] = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    whole = {
        k: made_whole(props.get(k) or (extra if isinstance(extra, dict) else {}), v) for k, v in value.items()
    }
    for key, prop in props.items():
        if prop.get(NULLABLE) and key not in whole:
            whole[key] = None
    return whole
