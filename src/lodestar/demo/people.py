"""The demo vendor's CS team and its customers' accounts and stakeholders, as import rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from lodestar.demo import catalog
from lodestar.demo.world import CSMS, MANAGERS, World

DEMO_PASSWORD = "lodestar-demo"
DOMAIN = "lodestar.demo"
LEVELS = ("low", "medium", "high")


def team() -> list[dict[str, Any]]:
    """Admin, managers and CSMs in creation order; CSM i reports to manager i mod MANAGERS."""
    people: list[dict[str, Any]] = [{"email": f"admin@{DOMAIN}", "name": "Ada Admin", "role": "admin"}]
    for m in range(MANAGERS):
        name = f"{catalog.GIVEN[m]} {catalog.SURNAMES[m]}"
        people.append({"email": f"manager{m + 1}@{DOMAIN}", "name": name, "role": "manager"})
    for c in range(CSMS):
        name = f"{catalog.GIVEN[(c + 5) % 20]} {catalog.SURNAMES[(c * 7 + 3) % 20]}"
        people.append(
            {
                "email": f"csm{c + 1:02d}@{DOMAIN}",
                "name": name,
                "role": "csm",
                "manager": c % MANAGERS,
                "locale": "zh_CN" if c % 3 == 0 else "en",
            }
        )
    return people


def group_id(i: int) -> str:
    """The Segment groupId of the i-th account."""
    return f"org_{i + 1:06d}"


def account_rows(world: World, seed: int, csm_ids: list[int]) -> list[dict[str, Any]]:
    """One import row per account."""
    rng = np.random.default_rng([seed, 5])
    n = world.n
    prefix = rng.integers(0, len(catalog.NAME_PREFIXES), n)
    ind_p = np.array([x[3] for x in catalog.INDUSTRIES])
    industry = rng.choice(len(catalog.INDUSTRIES), n, p=ind_p / ind_p.sum())
    reg_p = np.array([x[1] for x in catalog.REGIONS])
    region = rng.choice(len(catalog.REGIONS), n, p=reg_p / reg_p.sum())
    fund_p = np.array([x[1] for x in catalog.FUNDING_STAGES])
    funding = rng.choice(len(catalog.FUNDING_STAGES), n, p=fund_p / fund_p.sum())
    city_pick = rng.integers(0, 4, n)
    tag_bits = rng.random((n, len(catalog.TAGS))) < 0.12
    dept_count = rng.integers(1, 4, n)
    picks = rng.random((n, 8)).argsort(axis=1)
    model, intent, expect = (
        rng.integers(0, len(x), n) for x in (catalog.BUSINESS_MODELS, catalog.INTENTS, catalog.EXPECTATIONS)
    )
    source = rng.choice(["inbound", "outbound", "partner", "event"], n)
    last_plan = np.zeros(n, dtype=np.int64)
    last_plan[world.contracts.account] = world.contracts.plan  # later contracts overwrite earlier ones
    seen: dict[str, int] = {}
    rows = []
    for i in range(n):
        en, cn = catalog.NAME_PREFIXES[prefix[i]]
        _, ind_en, ind_cn, _ = catalog.INDUSTRIES[industry[i]]
        reg = catalog.REGIONS[region[i]][0]
        cities = catalog.CITIES[reg]
        city = cities[city_pick[i] % len(cities)]
        name = f"{en} {ind_en} {cn}{ind_cn}"
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} ({city} {seen[name]})"
        rows.append(
            {
                "name": name,
                "industry": catalog.INDUSTRIES[industry[i]][0],
                "employees": int(world.employees[i]),
                "region": reg,
                "funding_stage": catalog.FUNDING_STAGES[funding[i]][0],
                "it_maturity": LEVELS[world.maturity[i]],
                "plan": catalog.PLANS[last_plan[i]][0],
                "owner_id": csm_ids[world.owner[i]],
                "tags": [t for t, on in zip(catalog.TAGS, tag_bits[i], strict=True) if on],
                "traits": {"city": city, "lead_source": str(source[i]), "name_zh": f"{cn}{ind_cn}"},
                "crm_id": f"CRM-{i + 1:06d}",
                "segment_group_id": group_id(i),
                "currency": "CNY",
                "business_model": catalog.BUSINESS_MODELS[model[i]],
                "departments": [catalog.DEPARTMENTS[d] for d in picks[i, : dept_count[i]]],
                "scenarios": [catalog.SCENARIOS[d] for d in picks[i, 4 : 4 + dept_count[i]]],
                "purchase_intent": catalog.INTENTS[intent[i]],
                "expectations": catalog.EXPECTATIONS[expect[i]],
            }
        )
    return rows


def contact_rows(world: World, seed: int, account_ids: list[int]) -> list[dict[str, Any]]:
    """Stakeholders: a decision maker, a system owner, usually a champion (who may leave), and users."""
    rng = np.random.default_rng([seed, 6])
    extra_users = rng.integers(1, 4, world.n)
    given = rng.integers(0, len(catalog.GIVEN), (world.n, 6))
    surname = rng.integers(0, len(catalog.SURNAMES), (world.n, 6))
    title_pick = rng.integers(0, 4, (world.n, 6))
    ability = rng.integers(0, 3, (world.n, 6))
    rows = []
    for i in range(world.n):
        roles = ["decision_maker", "system_owner"] + (["champion"] if world.champion[i] else [])
        roles += ["user"] * int(extra_users[i])
        for j, role in enumerate(roles):
            g, s = catalog.GIVEN[given[i, j]], catalog.SURNAMES[surname[i, j]]
            titles = catalog.CONTACT_TITLES[role]
            row: dict[str, Any] = {
                "account_id": account_ids[i],
                "name": f"{s} {g}",
                "role": role,
                "title": titles[title_pick[i, j] % len(titles)],
                "email": f"{g.lower()}.{s.lower()}{j}@{group_id(i).replace('_', '')}.com.cn",
                "phone": f"+86 138{(i * 7919 + j * 104_729) % 100_000_000:08d}",
                "it_ability": LEVELS[ability[i, j]],
            }
            if role == "champion" and world.champion_left[i] >= 0:
                row["active"] = False
                row["left_on"] = np.datetime64(int(world.champion_left[i]), "D").item()
            rows.append(row)
    return rows
