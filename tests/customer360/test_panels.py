"""The account page's new parts as functions: SLA states, measure units, and bands from the model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.engagement.panels import sla_state
from lodestar.health import config_kind as health_kind
from lodestar.health import service as health_service
from lodestar.health.measure_units import unit_of
from lodestar.health.panels import health_panel
from lodestar.settings import load_settings
from lodestar.web.i18n import translations
from lodestar.web.templating import TEMPLATES
from tests.factories import make_account, make_user

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("opened_hours_ago", "done_after", "target", "expected"),
    [
        (10, 3.0, 4.0, (3.0, "met")),
        (10, 4.0, 4.0, (4.0, "met")),  # exactly on the target still meets it
        (10, 4.5, 4.0, (4.5, "breached")),
        (3, None, 4.0, (None, "waiting")),
        (5, None, 4.0, (None, "overdue")),
        (5, 2.0, None, (2.0, None)),  # a tier without an SLA: the hours, no verdict
    ],
)
def test_sla_states(
    opened_hours_ago: int, done_after: float | None, target: float | None, expected: tuple
) -> None:
    opened = NOW - timedelta(hours=opened_hours_ago)
    done = opened + timedelta(hours=done_after) if done_after is not None else None
    assert sla_state(opened, done, target, NOW) == expected


def test_units_of_the_registry_metrics() -> None:
    got = {
        m: unit_of(m)
        for m in (
            "active_user_ratio_30d",
            "usage_trend_30d",
            "days_since_last_touch",
            "first_response_hours_90d",
            "nps_latest",
            "csat_latest",
            "champion_present",
            "tickets_critical_open",
            "key_features_used_30d",
        )
    }
    assert got == {
        "active_user_ratio_30d": "percent",
        "usage_trend_30d": "signed_percent",
        "days_since_last_touch": "days",
        "first_response_hours_90d": "hours",
        "nps_latest": "nps",
        "csat_latest": "csat",
        "champion_present": "flag",
        "tickets_critical_open": "count",
        "key_features_used_30d": "count",
    }


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["24%", "-12%", "1 day", "12 days", "4.6 h", "9/10", "4/5", "yes", "3", "no data"]),
        ("zh_CN", ["24%", "-12%", "1 天", "12 天", "4.6 小时", "9/10", "4/5", "是", "3", "无数据"]),
    ],
)
def test_raw_values_show_in_their_units_in_both_languages(locale: str, expected: list[str]) -> None:
    cases = [
        (0.24, "percent"),
        (-0.12, "signed_percent"),
        (1, "days"),
        (12, "days"),
        (4.6, "hours"),
        (9, "nps"),
        (4, "csat"),
        (True, "flag"),
        (3, "count"),
        (None, "count"),
    ]
    tr = translations(locale)
    template = TEMPLATES.env.from_string(
        '{% from "health/_units.html" import in_unit with context %}'
        "{% for v, u in cases %}{{ in_unit(v, u)|trim }}|{% endfor %}"
    )
    out = template.render(cases=cases, _=tr.gettext, ngettext=tr.ngettext)
    assert out.split("|")[:-1] == expected


def test_the_trend_bands_and_thresholds_come_from_the_model(db: Session, tmp_path: Path) -> None:
    admin = make_user(db, Role.ADMIN)
    account = make_account(db, admin)
    settings = load_settings(database_url="sqlite://", data_dir=tmp_path)
    before = health_panel(db, settings, account)["scales"]
    assert (before["yellow"], before["green"]) == (40, 70)
    config, _ = health_kind.current(db)
    document = config.model_dump(mode="json")
    for model in document["models"]:
        model["grades"] = {"green": 80, "yellow": 55}
    text = yaml.safe_dump(document)
    health_service.save_health(db, admin, text)
    after = health_panel(db, settings, account)["scales"]
    assert (after["yellow"], after["green"]) == (55, 80)
    ratio = after["measures"]["active-user ratio"]
    assert (ratio["unit"], ratio["anchors"], ratio["direction"]) == ("percent", (0.2, 0.45, 0.8), "higher")
