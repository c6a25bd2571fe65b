import pytest
import yaml

from lodestar.accounts import config_kind as tiers_kind
from lodestar.config import service
from lodestar.health import config_kind as health_kind
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.snapshots import config_kind as metrics_kind


def test_an_empty_database_serves_the_package_defaults_as_version_zero(db):
    health, version = health_kind.current(db)
    assert version == 0
    assert [m.name for m in health.models] == ["onboarding", "default"]
    assert health.models[-1].tier_group_weights["KA"].co == 70
    assert lifecycle_kind.current(db)[0].name == "seven_stage"
    assert tiers_kind.current(db)[0].default_tier == "LT"
    assert "Workflow Run" in metrics_kind.current(db)[0].key_features


def test_applying_a_changed_document_stores_a_new_active_version_only_for_what_changed(db):
    doc = service.document(db).model_dump(mode="json")
    doc["tiers"]["default_tier"] = "SMB"
    report = service.apply(db, service.parse_document(doc), "ana@example.com")
    assert (report.changed, report.unchanged) == (
        {"tiers": 1},
        [
            "health",
            "lifecycle",
            "metrics",
            "sop",
            "alerts",
            "renewals",
            "levels",
            "success_plans",
            "intent",
            "value_reports",
        ],
    )
    db.commit()
    assert tiers_kind.current(db)[0].default_tier == "SMB" and tiers_kind.current(db)[1] == 1
    again = service.apply(db, service.parse_document(doc), "ana@example.com")
    assert again.changed == {}
    history = service.history(db, "tiers")
    assert [(h.version, h.active, h.author) for h in history] == [(1, True, "ana@example.com")]


def test_a_dry_run_reports_the_next_versions_and_stores_nothing(db):
    doc = service.document(db).model_dump(mode="json")
    doc["lifecycle"]["churn"]["win_back_days"] = 60
    report = service.apply(db, service.parse_document(doc), "cli", dry_run=True)
    assert report.changed == {"lifecycle": 1}
    assert service.history(db, "lifecycle") == [] and lifecycle_kind.current(db)[1] == 0


def test_a_bad_document_is_refused_naming_every_problem_by_path(db):
    doc = service.document(db).model_dump(mode="json")
    doc["health"]["models"][0]["measures"][2]["weight"] = 0
    doc["lifecycle"]["at_risk"]["leave_after"] = 0
    doc["tiers"]["tiers"][0]["colour"] = "gold"
    with pytest.raises(InvalidInput) as caught:
        service.parse_document(doc)
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("health.models[0].measures[2].weight", "must be > 0"),
        ("lifecycle.at_risk.leave_after", "must be >= 1"),
        ("tiers.tiers[0].colour", "is not a known field"),
    ]


def test_unknown_metrics_tiers_and_stages_across_kinds_are_refused(db):
    doc = service.document(db).model_dump(mode="json")
    doc["health"]["models"][1]["measures"][0]["metric"] = "logins_per_day"
    doc["health"]["models"][1]["tier_group_weights"] = {"Gold": {"co": 1, "cx": 1}}
    doc["health"]["models"][0]["applies_to"]["stages"] = ["kickoff"]
    with pytest.raises(InvalidInput) as caught:
        service.parse_document(doc)
    assert [p.field for p in caught.value.problems] == [
        "health.models[0].applies_to.stages[0]",
        "health.models[1].measures[0].metric",
        "health.models[1].tier_group_weights.Gold",
    ]


def test_a_custom_metric_may_be_measured_once_it_is_defined(db):
    doc = service.document(db).model_dump(mode="json")
    doc["health"]["models"][1]["measures"][0]["metric"] = "approvals_30d"
    assert service.parse_document(doc).health.models[1].measures[0].metric == "approvals_30d"


def test_saving_one_kind_checks_it_against_the_others_and_an_old_version_can_be_reactivated(db):
    rules = tiers_kind.current(db)[0].model_dump(mode="json")
    with pytest.raises(InvalidInput, match=r"tiers\.default_tier"):
        service.save(db, "tiers", rules | {"default_tier": 5}, "ana")
    assert service.save(db, "tiers", rules | {"default_tier": "MM"}, "ana") == 1
    assert service.save(db, "tiers", rules | {"default_tier": "KA"}, "ana") == 2
    assert service.activate(db, "tiers", 1, "ben") == 3
    assert tiers_kind.current(db)[0].default_tier == "MM"
    with pytest.raises(NotFound):
        service.activate(db, "tiers", 9, "ben")


def test_invalid_yaml_is_refused_with_its_line():
    with pytest.raises(InvalidInput) as caught:
        service.parse_yaml("health: [\n  nope: :\n")
    assert caught.value.problems[0].field.startswith("line ")


def test_the_export_is_yaml_that_parses_back_to_the_same_document(db):
    text = service.export_yaml(db)
    kinds = [
        "health",
        "lifecycle",
        "tiers",
        "metrics",
        "sop",
        "alerts",
        "renewals",
        "levels",
        "success_plans",
        "intent",
        "value_reports",
    ]
    assert list(yaml.safe_load(text)) == kinds
    assert service.parse_yaml(text) == service.document(db)
