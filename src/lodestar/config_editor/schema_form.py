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

from lodestar.config_editor.labels import ENUM_LABELS, FIELD_LABELS, N_, TYPE_LABELS, humanised

Translate = Callable[[str], str]
# The field that names an item of a list, in the order looked for (shown on the item's tab).
NAMING_FIELDS = ("name", "key", "slug", "label", "metric", "tier", "stage", "title")
NULLABLE = "x-nullable"  # marks a property the model allows to be null (the form's unticked checkbox)
DEFINITIONS = "#/definitions/"  # where a recursive definition stays, referred to by `$ref`


def _inline(node: Any, defs: dict[str, Any], trail: tuple[str, ...], kept: set[str]) -> Any:
    """The schema with every `$ref` to `$defs` replaced by the definition it names, except a reference back
    to a definition it is already inside (a condition made of conditions): that one stays a `$ref` to the
    schema's `definitions` (named in `kept`), which the form library resolves as the person goes deeper."""
    if isinstance(node, list):
        return [_inline(item, defs, trail, kept) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        rest = {k: v for k, v in node.items() if k != "$ref"}
        if name in trail:
            kept.add(name)
            return {"$ref": f"{DEFINITIONS}{name}"} | rest
        return _inline(defs[name] | rest, defs, (*trail, name), kept)
    return {k: _inline(v, defs, trail, kept) for k, v in node.items() if k not in ("$defs", "discriminator")}


def _inlined(raw: dict[str, Any]) -> dict[str, Any]:
    """The whole schema inlined, with the recursive definitions it still names under `definitions`."""
    defs: dict[str, Any] = raw.get("$defs", {})
    kept: set[str] = set()
    schema: dict[str, Any] = _inline(raw, defs, (), kept)
    definitions: dict[str, Any] = {}
    while kept - set(definitions):
        name = sorted(kept - set(definitions))[0]
        definitions[name] = _inline(defs[name], defs, (name,), kept)
    return schema | ({"definitions": definitions} if definitions else {})


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
    if "const" in out:  # a union's tag (a condition's kind): set by the form, never typed
        out["options"] = {"hidden": True}
    for union in ("oneOf", "anyOf"):
        if isinstance(out.get(union), list):
            out[union] = [_option(option, translate) for option in out[union]]
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


def _option(node: Any, translate: Translate) -> Any:
    """One choice of a union, titled for the form's switcher by its tag (a condition's kind) or its type."""
    shaped = _shape(node, translate)
    if not isinstance(shaped, dict) or "$ref" in shaped:
        return shaped
    tag = next((p["const"] for p in (shaped.get("properties") or {}).values() if "const" in p), None)
    if tag is not None:
        shaped["title"] = translate(ENUM_LABELS.get(str(tag), str(tag)))
    elif isinstance(kind := shaped.get("type"), str):
        shaped["title"] = translate(TYPE_LABELS.get(kind, kind))
    return shaped


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
    inlined = _inlined(model.model_json_schema())
    definitions = inlined.pop("definitions", {})
    shaped = dict(_shape(inlined, translate))
    if definitions:
        shaped["definitions"] = {name: _shape(d, translate) for name, d in definitions.items()}
    return shaped


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


def made_whole(schema: dict[str, Any], value: Any, root: dict[str, Any] | None = None) -> Any:
    """The form's answer with every unticked optional field set to null, as the stored model has it.

    The form leaves an unticked field out; left out, Pydantic would take the field's default, which for
    some fields is a value (an inactivity limit of 30 days) where the person meant "none". A union's
    answer is made whole by the choice its tag names; a recursive `$ref` by the definition it names.
    """
    top = schema if root is None else root
    schema = _branch(schema, value, top)
    if isinstance(value, list):
        items = schema.get("items", {})
        return [made_whole(items, v, top) for v in value]
    if not isinstance(value, dict):
        return value
    props: dict[str, Any] = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    whole = {
        k: made_whole(props.get(k) or (extra if isinstance(extra, dict) else {}), v, top)
        for k, v in value.items()
    }
    for key, prop in props.items():
        if prop.get(NULLABLE) and key not in whole:
            whole[key] = None
    return whole


def _branch(schema: dict[str, Any], value: Any, root: dict[str, Any]) -> dict[str, Any]:
    """The schema that describes this value: a `$ref` resolved, a union's choice whose tags it carries."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(DEFINITIONS):
        found = (root.get("definitions") or {}).get(ref.removeprefix(DEFINITIONS), {})
        return _branch(found, value, root)
    options = schema.get("oneOf")
    if isinstance(options, list) and isinstance(value, dict):
        for option in (_branch(o, value, root) for o in options):
            tags = {k: p["const"] for k, p in (option.get("properties") or {}).items() if "const" in p}
            if tags and all(value.get(k) == v for k, v in tags.items()):
                return option
    return schema
