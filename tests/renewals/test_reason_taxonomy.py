"""The churn-reason taxonomy of the `renewals` kind is the one list: a win-back playbook must name one of its
keys, and a reason a playbook still names cannot be taken out of it (the field named, nothing written)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from lodestar.renewals import config_kind


def _refused(db: Session, kind: str, body: dict) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        config_service.save(db, kind, body, "test")
    assert config_service.history(db, kind) == []  # nothing was written
    return [(p.field, str(p.message)) for p in caught.value.problems]


def test_a_win_back_playbook_naming_an_unknown_reason_is_refused(db: Session) -> None:
    sop = config_service.default("sop").model_dump(mode="json")
    index = next(i for i, p in enumerate(sop["playbooks"]) if p["key"] == "win_back_service")
    sop["playbooks"][index]["trigger"]["reason"] = "aliens"
    [(field, message)] = _refused(db, "sop", sop)
    assert field == f"sop.playbooks[{index}].trigger.reason"
    assert message.startswith("unknown churn reason aliens; known: no_usage, champion_left")


def test_a_reason_a_playbook_still_names_stays_in_the_taxonomy(db: Session) -> None:
    renewals = config_kind.current(db)[0].model_dump(mode="json")
    renewals["reasons"] = [r for r in renewals["reasons"] if r["key"] != "m_and_a"]
    index = [p.key for p in config_kind.current(db)[0].reasons]  # untouched
    sop = config_service.default("sop").model_dump(mode="json")
    names_it = next(i for i, p in enumerate(sop["playbooks"]) if p["key"] == "win_back_m_and_a")
    [(field, _)] = _refused(db, "renewals", renewals)
    assert field == f"sop.playbooks[{names_it}].trigger.reason"
    assert "m_and_a" in index and config_kind.reason_keys(db) == index
