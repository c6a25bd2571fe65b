"""Risk factors read as sentences in both languages."""

from __future__ import annotations

from lodestar.predictions.factor_text import factor_sentence
from lodestar.web.i18n import gettext_for


def test_a_factor_reads_in_english_and_in_chinese() -> None:
    factor = {"feature": "active_user_ratio_30d", "value": 0.21, "percentile": 8.0, "points": 14.2}
    assert factor_sentence(factor, gettext_for("en")) == (
        "active-user ratio 0.21, lowest 10% of peers: +14 points of risk"
    )
    assert (
        factor_sentence(factor, gettext_for("zh_CN"))
        == "活跃用户占比 0.21，处于同类最低的 10%：风险 +14 个百分点"
    )


def test_categories_missing_values_and_small_pushes_read_plainly() -> None:
    en, zh = gettext_for("en"), gettext_for("zh_CN")
    stage = {"feature": "stage", "value": "adoption", "percentile": None, "points": -0.34}
    assert (
        factor_sentence(stage, en, {"stage": {"adoption": "Adoption"}})
        == "stage Adoption: −0.3 points of risk"
    )
    grade = {"feature": "grade", "value": "red", "percentile": None, "points": 3.0}
    assert factor_sentence(grade, zh).startswith("健康等级 红")
    high = {"feature": "days_since_last_touch", "value": None, "percentile": 97.0, "points": 2.0}
    assert factor_sentence(high, en) == "last touch missing, highest 5% of peers: +2 points of risk"
