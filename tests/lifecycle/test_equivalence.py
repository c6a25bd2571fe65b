import random
from datetime import date, timedelta

import pyarrow as pa
import pytest
import yaml

from lodestar.config import service as config_service
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle.engine import StageState, assign_stages, states_from
from lodestar.lifecycle.schemas import LifecycleModel
from tests.lifecycle import reference

SEVEN = config_service.default("lifecycle")
FOUR = LifecycleModel.model_validate(
    yaml.safe_load((lifecycle_kind.DEFAULTS / "lifecycle-4-stage.yaml").read_text())
)
BASE = date(2024, 1, 1)


def day(rng: random.Random, spread: int = 700) -> date:
    return BASE + timedelta(days=rng.randrange(-100, spread))


def maybe(rng: random.Random, value, share: float = 0.3):
    return None if rng.random() < share else value


def world_contracts(rng: random.Random, accounts: int) -> pa.Table:
    """0-4 contracts per account with ties, gaps, overlaps, early signing and unknown dates."""
    rows = []
    for account in range(accounts):
        start = day(rng)
        for _ in range(rng.randrange(0, 5)):
            length = rng.choice([30, 90, 180, 365])
            rows.append(
                {
                    "account_id": account,
                    "start_date": start,
                    "end_date": start + timedelta(days=length),
                    "status": rng.choice(["active", "renewed", "expired", None]),
                    "signed_on": maybe(rng, start - timedelta(days=rng.randrange(-5, 60)), 0.4),
                    "handover_done_on": maybe(rng, start + timedelta(days=rng.randrange(0, 30)), 0.6),
                    "go_live_on": maybe(rng, start + timedelta(days=rng.randrange(0, 120)), 0.7),
                }
            )
            start = start + timedelta(
                days=rng.choice([0, length, length + 1, length + 31, length + 32, 400, -20])
            )
    schema = pa.schema(
        [
            ("account_id", pa.int64()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("status", pa.string()),
            ("signed_on", pa.date32()),
            ("handover_done_on", pa.date32()),
            ("go_live_on", pa.date32()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def world_snapshots(rng: random.Random, accounts: int) -> pa.Table:
    """A ragged set of snapshot dates per account, rows shuffled, with null signals."""
    rows = []
    for account in range(accounts):
        when = day(rng, 200)
        for _ in range(rng.randrange(0, 12)):
            score = maybe(rng, rng.choice([20.0, 39.5, 40.0, 50.0, 55.0, 60.0, 75.0, rng.uniform(0, 100)]))
            rows.append(
                {
                    "account_id": account,
                    "as_of": when,
                    "score": score,
                    "grade": None
                    if score is None
                    else "green"
                    if score >= 70
                    else "yellow"
                    if score >= 40
                    else "red",
                    "days_since_last_activity": maybe(rng, rng.choice([0, 5, 29, 30, 45])),
                    "active_user_ratio_30d": maybe(rng, rng.random()),
                }
            )
            when += timedelta(days=rng.choice([0, 1, 7, 30, 60, 120]))
    rng.shuffle(rows)
    schema = pa.schema(
        [
            ("account_id", pa.int64()),
            ("as_of", pa.date32()),
            ("score", pa.float64()),
            ("grade", pa.string()),
            ("days_since_last_activity", pa.int64()),
            ("active_user_ratio_30d", pa.float64()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def world_model(rng: random.Random) -> LifecycleModel:
    """One of the shipped models with some rules changed."""
    model = rng.choice([SEVEN, FOUR])
    timeline = model.timeline.model_copy(
        update={
            "maturity_after_days": rng.choice([30, 120]),
            "maturity_grades": rng.choice([["green"], ["green", "yellow"]]),
            "go_live": rng.choice([None, SEVEN.timeline.go_live]),
        }
    )
    at_risk = model.at_risk.model_copy(
        update={"leave_after": rng.choice([1, 2, 3]), "inactive_days": rng.choice([None, 30])}
    )
    return model.model_copy(update={"timeline": timeline, "at_risk": at_risk})


def world_state(rng: random.Random, accounts: int) -> dict[int, StageState]:
    """A carried state for some accounts, including a stage key the model does not know."""
    state = {}
    for account in range(accounts):
        if rng.random() < 0.4:
            state[account] = StageState(
                stage=rng.choice([None, "growth", "at_risk", "old_stage", "lead_pool"]),
                at_risk=rng.random() < 0.5,
                risk_clear_streak=rng.randrange(0, 3),
                live_since=maybe(rng, day(rng), 0.5),
                matured_since=maybe(rng, day(rng), 0.5),
            )
    return state


@pytest.mark.parametrize("seed", range(150))
def test_the_vectorised_engine_equals_the_per_account_reference_on_random_worlds(seed):
    rng = random.Random(seed)
    accounts = rng.randrange(1, 12)
    contracts, snapshots = world_contracts(rng, accounts), world_snapshots(rng, accounts)
    model, state = world_model(rng), world_state(rng, accounts)
    stages, transitions = assign_stages(snapshots, contracts, model, state)
    want_stages, want_transitions = reference.assign_stages(snapshots, contracts, model, state)
    assert stages.to_pylist() == want_stages.to_pylist()
    assert transitions.to_pylist() == want_transitions.to_pylist()
    assert stages.schema == want_stages.schema and transitions.schema == want_transitions.schema
    carried = states_from(stages)
    assert carried == reference.states_from(want_stages)
    again, moves = assign_stages(snapshots, contracts, model, carried)
    want_again, want_moves = reference.assign_stages(
        snapshots, contracts, model, reference.states_from(want_stages)
    )
    assert (again.to_pylist(), moves.to_pylist()) == (want_again.to_pylist(), want_moves.to_pylist())


def test_a_world_without_snapshots_or_contracts_gives_empty_tables():
    empty = world_snapshots(random.Random(0), 0)
    stages, transitions = assign_stages(empty, world_contracts(random.Random(0), 0), SEVEN)
    assert (stages.num_rows, transitions.num_rows) == (0, 0)
    assert states_from(stages) == {}
