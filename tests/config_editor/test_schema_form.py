"""The form schema of every configuration kind: drawable by the form library, translated, and a lossless
round trip from the stored configuration through the form's answer back to the same model."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from lodestar import configuration
from lodestar.config.kinds import ConfigKind
from lodestar.config_editor.labels import ENUM_LABELS, FIELD_LABELS
from lodestar.config_editor.schema_form import NULLABLE, form_schema, form_value, made_whole, without_nulls
from lodestar.lifecycle.schemas import LifecycleModel
from lodestar.web.i18n import translations

KINDS = {k.name: k for k in configuration.KINDS}


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [n for item in node for n in _nodes(item)]
    if not isinstance(node, dict):
        return []
    return [node, *[n for value in node.values() for n in _nodes(value)]]


def _property_names(node: dict[str, Any]) -> set[str]:
    return {key for n in _nodes(node) for key in (n.get("properties") or {})}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_schema_has_no_references_but_recursive_ones_it_carries_nor_null_unions(name: str) -> None:
    schema = form_schema(KINDS[name].model, lambda text: text)
    assert "$defs" not in json.dumps(schema)
    refs = {n["$ref"] for n in _nodes(schema) if "$ref" in n}
    carried = {f"#/definitions/{key}" for key in schema.get("definitions", {})}
    assert refs <= carried  # only a definition the form reaches again from inside itself stays a reference
    assert not [n for n in _nodes(schema) if any(o.get("type") == "null" for o in n.get("anyOf", []))]
    if name != "alerts":
        assert refs == set() and "definitions" not in schema


def test_a_condition_made_of_conditions_stays_a_reference_the_form_resolves() -> None:
    schema = form_schema(KINDS["alerts"].model, translations("zh_CN").gettext)
    assert set(schema["definitions"]) == {"AllOf", "AnyOf"}
    when = schema["properties"]["rules"]["items"]["properties"]["when"]
    titles = [o.get("title") for o in when["oneOf"]]
    assert len(titles) == 12 and all(titles)
    assert titles[0] == translations("zh_CN").gettext("Threshold") != "Threshold"
    inner = when["oneOf"][10]["properties"]["conditions"]["items"]["oneOf"]
    assert {"$ref": "#/definitions/AllOf"} in inner  # all(all(...)): a reference, not an endless schema
    assert when["oneOf"][0]["properties"]["kind"]["options"] == {"hidden": True}


def test_nested_conditions_survive_the_form_with_their_unticked_fields_made_whole() -> None:
    kind = KINDS["alerts"]
    rules = kind.default().model_dump(mode="json")
    rules["rules"][0]["when"] = {
        "kind": "all",
        "conditions": [
            {"kind": "threshold", "metric": "health_score", "op": "<", "value": 40},
            {
                "kind": "any",
                "conditions": [{"kind": "absence", "days": 14}, {"kind": "rule", "rule": "health_drop"}],
            },
        ],
    }
    answer = without_nulls(rules)
    del answer["rules"][0]["notify"]["manager_from"]  # the person unticked it
    schema = form_schema(kind.model, lambda text: text)
    again = kind.model.model_validate(made_whole(schema, answer))
    assert again.rules[0].notify.manager_from is None
    assert again.rules[0].when.model_dump(mode="json")["conditions"][1]["conditions"][1] == {
        "kind": "rule",
        "rule": "health_drop",
    }


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_field_and_choice_has_a_label_and_a_chinese_translation(name: str) -> None:
    raw = KINDS[name].model.model_json_schema()
    zh = translations("zh_CN").gettext
    fields = _property_names(raw)
    assert fields - set(FIELD_LABELS) == set()
    choices = {str(v) for n in _nodes(raw) for v in n.get("enum", [])}
    assert choices - set(ENUM_LABELS) == set()
    untranslated = [FIELD_LABELS[f] for f in fields if zh(FIELD_LABELS[f]) == FIELD_LABELS[f]]
    untranslated += [ENUM_LABELS[c] for c in choices if zh(ENUM_LABELS[c]) == ENUM_LABELS[c]]
    assert untranslated == []


def test_titles_and_choices_are_in_the_readers_language() -> None:
    schema = form_schema(KINDS["health"].model, translations("zh_CN").gettext)
    measure = schema["properties"]["models"]["items"]["properties"]["measures"]["items"]["properties"]
    assert measure["weight"]["title"] == translations("zh_CN").gettext("Weight") != "Weight"
    scoring = measure["scoring"]["properties"]
    titles = dict(zip(scoring["method"]["enum"], scoring["method"]["options"]["enum_titles"], strict=True))
    assert titles["percentile"] == translations("zh_CN").gettext("Peer percentile") != "Peer percentile"


def test_only_fields_that_may_be_unset_are_optional() -> None:
    schema = form_schema(LifecycleModel, lambda text: text)
    at_risk = schema["properties"]["at_risk"]
    assert at_risk["properties"]["inactive_days"][NULLABLE] is True
    assert "inactive_days" not in at_risk["required"]
    assert {"enter_below", "leave_above", "leave_after"} <= set(at_risk["required"])


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_default_configuration_survives_the_form_unchanged(name: str) -> None:
    kind: ConfigKind = KINDS[name]
    body: BaseModel = kind.default()
    schema = form_schema(kind.model, lambda text: text)
    answer = json.loads(json.dumps(form_value(body)))  # what the browser posts back untouched
    again = kind.model.model_validate(made_whole(schema, answer))
    assert again.model_dump(mode="json") == body.model_dump(mode="json")


def test_an_unticked_optional_field_comes_back_as_none_not_as_its_default() -> None:
    body = KINDS["lifecycle"].default().model_dump(mode="json")
    assert body["at_risk"]["inactive_days"] == 30  # the model's default is a value
    answer = without_nulls(body)
    del answer["at_risk"]["inactive_days"]  # the person unticked it
    whole = made_whole(form_schema(LifecycleModel, lambda text: text), answer)
    assert LifecycleModel.model_validate(whole).at_risk.inactive_days is None
