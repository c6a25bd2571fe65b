import json
from datetime import date

import numpy as np
import pytest

from lodestar.analytics.event_store import count_events
from lodestar.demo import DemoError, generate_demo
from tests.conftest import wipe
from tests.demo.planted import auc, day_no, health_scores, snapshot

TODAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    """A 300-account demo, generated once per backend and read back right away."""
    wipe(engine)
    data_dir = tmp_path_factory.mktemp("demo")
    result = generate_demo(engine, data_dir, accounts=300, seed=11, today=TODAY)
    return result, snapshot(engine, data_dir, result.truth_path)


def test_the_demo_reports_what_it_made(demo):
    result, snap = demo
    assert (result.accounts, result.users) == (300, 30)
    assert result.contracts == len(snap.contracts) and result.contacts == len(snap.contacts)
    assert result.touches == len(snap.touches) and result.surveys == len(snap.nps)
    assert result.events == len(snap.events["day"])
    # ~2,300 events per account over three years: 3-6 million for 2,000 accounts.
    assert 1_500 * 300 <= result.events <= 3_000 * 300
    assert ("admin", "admin@lodestar.demo", "lodestar-demo") in result.logins
    assert {r for r, _, _ in result.logins} == {"admin", "manager", "csm"}


def test_every_account_has_a_csm_owner_and_the_contract_chain_holds(demo):
    _, snap = demo
    csm_emails = {c["email"] for c in snap.truth["csms"]}
    assert len(csm_emails) == 25
    assert all(a.owner_id is not None for a in snap.accounts)
    by_id = {c.id: c for c in snap.contracts}
    successors = {c.renews_contract_id for c in snap.contracts if c.renews_contract_id}
    for c in snap.contracts:
        assert c.end_date > c.start_date
        assert c.arr > 0 and c.seats >= 5
        if c.renews_contract_id:
            prev = by_id[c.renews_contract_id]
            assert prev.account_id == c.account_id
            assert prev.end_date == c.start_date
            assert prev.status == "renewed"
        assert (c.status == "renewed") == (c.id in successors)
        assert (c.status == "active") == (c.end_date > TODAY)
    churned = [a for a in snap.truth["accounts"] if a["churned"]]
    assert {a.status for a in snap.accounts if a.crm_id in {t["crm_id"] for t in churned}} == {"churned"}


def test_renewals_churn_at_a_realistic_rate_and_good_value_accounts_expand(demo):
    _, snap = demo
    decided = [c for c in snap.contracts if c.status in ("renewed", "expired")]
    churn_rate = sum(c.status == "expired" for c in decided) / len(decided)
    assert 0.08 <= churn_rate <= 0.22
    value = {a["account_id"]: a["value_realisation"] for a in snap.truth["accounts"]}
    by_id = {c.id: c for c in snap.contracts}
    growth = [
        (value[c.account_id], c.seats / by_id[c.renews_contract_id].seats)
        for c in snap.contracts
        if c.renews_contract_id
    ]
    high = [g for v, g in growth if v > 0.7]
    low = [g for v, g in growth if v < 0.35]
    assert np.mean(high) > 1.1 > 1.0 > np.mean(low)


def test_most_churners_usage_declines_months_before_their_contract_ends(demo):
    _, snap = demo
    ev = snap.events
    declined = []
    for a in snap.truth["accounts"]:
        if not a["churned"] or day_no(date.fromisoformat(a["first_contract_start"])) > day_no(TODAY) - 400:
            continue
        end = day_no(date.fromisoformat(a["churn_date"]))
        mine = ev["group_id"] == a["segment_group_id"]
        late = (mine & (ev["day"] >= end - 45) & (ev["day"] < end)).sum() / 45
        early = (mine & (ev["day"] >= end - 270) & (ev["day"] < end - 150)).sum() / 120
        declined.append(late < 0.6 * early)
    assert len(declined) >= 15
    assert np.mean(declined) >= 0.75


def test_a_champion_leaving_in_the_last_contract_year_raises_churn(demo):
    _, snap = demo
    left = {p.account_id: p.left_on for p in snap.contacts if p.role == "champion" and p.left_on}
    rates: dict[bool, list[bool]] = {True: [], False: []}
    for c in snap.contracts:
        if c.status in ("renewed", "expired"):
            gone = c.account_id in left and day_no(c.end_date) - 365 <= day_no(left[c.account_id]) < day_no(
                c.end_date
            )
            rates[gone].append(c.status == "expired")
    assert len(rates[True]) >= 15
    assert np.mean(rates[True]) >= 2 * np.mean(rates[False])


def _completion(snap, account_ids):
    ev = snap.events
    trained = ev["event"] == "Training Completed"
    first = {c.account_id: c for c in snap.contracts if c.renews_contract_id is None}
    by_id = {a.id: a.segment_group_id for a in snap.accounts}
    out = []
    for aid in account_ids:
        users = np.unique(ev["user_id"][trained & (ev["group_id"] == by_id[aid])])
        out.append(len(users) / first[aid].seats)
    return np.array(out)


def test_the_onboarding_sop_raises_training_completion_and_the_welcome_email_does_not(demo):
    _, snap = demo
    sop = {c["email"]: c["follows_onboarding_sop"] for c in snap.truth["csms"]}
    settled = [
        a
        for a in snap.truth["accounts"]
        if day_no(date.fromisoformat(a["first_contract_start"])) < day_no(TODAY) - 90
    ]
    ids = [a["account_id"] for a in settled]
    rate = _completion(snap, ids)
    follows = np.array([sop[a["owner"]] for a in settled])
    assert rate[follows].mean() - rate[~follows].mean() >= 0.12
    welcome = np.array([a["welcome_email"] for a in settled])
    assert abs(rate[welcome].mean() - rate[~welcome].mean()) < 0.06
    churn = np.array([a["churned"] for a in settled])
    assert abs(churn[welcome].mean() - churn[~welcome].mean()) < 0.1


def test_sop_csms_deliver_targeted_training_within_21_days_of_start(demo):
    _, snap = demo
    start = {a["account_id"]: date.fromisoformat(a["first_contract_start"]) for a in snap.truth["accounts"]}
    sop = {c["email"]: c["follows_onboarding_sop"] for c in snap.truth["csms"]}
    owner = {a["account_id"]: sop[a["owner"]] for a in snap.truth["accounts"]}
    on_time = {
        t.account_id
        for t in snap.touches
        if t.kind == "training"
        and "Onboarding training" in (t.subject or "")
        and 0 <= (t.occurred_at.date() - start[t.account_id]).days <= 21
    }
    welcome = {
        t.account_id
        for t in snap.touches
        if t.kind == "email"
        and t.subject == "Welcome e-mail"
        and 0 <= (t.occurred_at.date() - start[t.account_id]).days <= 2
    }
    followers = [a for a, s in owner.items() if s]
    others = [a for a, s in owner.items() if not s]
    assert np.mean([a in on_time for a in followers]) >= 0.8
    assert np.mean([a in on_time for a in others]) <= 0.25
    assert 0.35 <= np.mean([a in welcome for a in followers]) <= 0.65
    assert 0.35 <= np.mean([a in welcome for a in others]) <= 0.65


def test_a_simple_health_score_predicts_churn_in_the_next_180_days(demo):
    _, snap = demo
    parts = [health_scores(snap, date.fromordinal(TODAY.toordinal() - back)) for back in (180, 365, 545)]
    scores = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    assert labels.sum() >= 20
    assert auc(-scores, labels) >= 0.80  # a low health score should mean churn


def test_the_demo_refuses_a_database_that_already_has_accounts(demo, engine, tmp_path):
    with pytest.raises(DemoError, match="already has accounts"):
        generate_demo(engine, tmp_path, accounts=10, seed=1, today=TODAY)
    assert not (tmp_path / "events").exists()


def test_the_same_seed_gives_the_same_demo_and_another_seed_a_different_one(engine, tmp_path):
    def run(seed, name):
        wipe(engine)
        result = generate_demo(engine, tmp_path / name, accounts=120, seed=seed, today=TODAY)
        return json.loads(result.truth_path.read_text()), count_events(tmp_path / name / "events")

    first, again, other = run(5, "a"), run(5, "b"), run(6, "c")
    assert first == again
    assert first[1] > 0
    assert other[0]["accounts"] != first[0]["accounts"]
