"""Translatable sentences: Text keeps its id and values; Pydantic errors read in 中文; labels and units."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from lodestar.kit.errors import problems_from_pydantic
from lodestar.kit.labels import label_of, metric_value, with_unit
from lodestar.kit.text import Text, translate
from lodestar.web.i18n import gettext_for

zh = gettext_for("zh_CN")
en = gettext_for("en")


class Seats(BaseModel):
    seats: int = Field(ge=0)
    name: str = Field(min_length=2)


def _problems(data: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Seats.model_validate(data)
    return {p.field: p.message for p in problems_from_pydantic(list(caught.value.errors())).problems}  # type: ignore[arg-type]


def test_a_text_reads_as_english_and_translates_with_its_values() -> None:
    sentence = Text("%(n)s days", n=3)
    assert sentence == "3 days"
    assert zh(sentence) == "3 天"
    assert en(sentence) == "3 days"


def test_a_text_inside_a_text_is_translated_too() -> None:
    inner = label_of("metric", "active_user_ratio_30d")
    outer = Text("%(measure)s %(days)s days ago", measure=inner, days="4")
    assert str(outer) == "active-user ratio 4 days ago"
    assert zh(outer) == "活跃用户占比 4 天前"


def test_pydantic_errors_keep_their_english_and_translate_with_the_ctx_values() -> None:
    problems = _problems({"seats": -1, "name": "x"})
    assert problems["seats"] == "Input should be greater than or equal to 0"
    assert zh(problems["seats"]) == "应大于或等于 0"
    assert zh(problems["name"]) == "至少应有 2 个字符"
    missing = _problems({})
    assert missing["seats"] == "Field required" and zh(missing["seats"]) == "必填"
    assert zh(_problems({"seats": "many", "name": "ok"})["seats"]) == "应为整数"


def test_an_unknown_string_stays_as_it_is() -> None:
    assert translate(lambda s: s, "Acme Ltd") == "Acme Ltd"
    assert zh("Acme Ltd") == "Acme Ltd"


def test_metric_labels_never_show_a_raw_key() -> None:
    assert zh(label_of("metric", "days_since_last_touch")) == "最近触达"
    assert label_of("metric", "my_custom_metric") == "my custom metric"
    assert label_of("metric", "seats", configured="licences") == "licences"


def test_values_carry_their_units() -> None:
    assert metric_value("active_user_ratio_30d", 0.244) == "24%"
    assert zh(metric_value("days_since_last_touch", 41.0)) == "41 天"
    assert zh(metric_value("resolution_hours_90d", 2.5)) == "2.5 小时"
    assert zh(with_unit("flag", True)) == "是"
    assert with_unit(None, 2.0) == "2" and with_unit("days", None) == "—"
