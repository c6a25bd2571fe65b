"""Upgrading a database that holds data keeps every row (SQLite rebuilds altered tables)."""

import json
from datetime import date

from alembic.script import ScriptDirectory
from sqlalchemy import text

from lodestar.db.engine import make_engine
from lodestar.db.migrate import alembic_config, current_revision, downgrade, upgrade


def test_upgrading_from_the_first_release_keeps_accounts_and_their_children(db_url, postgres_or_sqlite_fresh):
    url = postgres_or_sqlite_fresh
    engine = make_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, name, role, locale, active, password_hash, created_at,"
                " updated_at) VALUES (1, 'a@example.com', 'A', 'csm', 'en', true, 'x', :t, :t)"
            ),
            {"t": "2026-01-01 00:00:00+00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO accounts (id, name, owner_id, tier_pinned, tags, traits, arr, currency, status,"
                " departments, scenarios, created_at, updated_at)"
                " VALUES (1, 'Acme', 1, false, '[]', '{}', 10, 'CNY', 'active', '[]', '[]', :t, :t)"
            ),
            {"t": "2026-01-01 00:00:00+00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO contacts (id, account_id, name, role, active, created_at, updated_at)"
                " VALUES (1, 1, 'Champ', 'champion', true, :t, :t)"
            ),
            {"t": "2026-01-01 00:00:00+00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO contracts (id, account_id, product, start_date, end_date, arr, currency, seats,"
                " status, created_at, updated_at)"
                " VALUES (1, 1, 'P', :s, :e, 10, 'CNY', 5, 'active', :t, :t)"
            ),
            {
                "s": date(2026, 1, 1),
                "e": date(2027, 1, 1),
                "t": "2026-01-01 00:00:00+00:00",
            },
        )
    upgrade(engine)
    assert current_revision(engine) != "0001"
    with engine.connect() as conn:
        counts = [
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("accounts", "contacts", "contracts")
        ]
    assert counts == [1, 1, 1]
    engine.dispose()


def test_a_stored_win_back_window_outside_30_to_90_days_is_brought_to_the_nearest_bound(
    postgres_or_sqlite_fresh,
):
    engine = make_engine(postgres_or_sqlite_fresh)
    upgrade(engine, "0010")
    insert = text(
        "INSERT INTO config_versions (kind, version, body, author, created_at, active)"
        " VALUES ('lifecycle', :v, :body, 'a', :t, :active)"
    )
    with engine.begin() as conn:
        for version, days in ((1, 0), (2, 120), (3, 45)):
            body = json.dumps({"name": "m", "churn": {"win_back_days": days}})
            conn.execute(
                insert, {"v": version, "body": body, "t": "2026-01-01 00:00:00", "active": version == 3}
            )
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version, body FROM config_versions ORDER BY version")).all()
    stored = {v: (json.loads(b) if isinstance(b, str) else b)["churn"]["win_back_days"] for v, b in rows}
    assert stored == {1: 30, 2: 90, 3: 45}
    engine.dispose()


def _before_0025(url: str) -> str:
    """The revision 0025 follows (the chain is re-linked when branches merge)."""
    return str(ScriptDirectory.from_config(alembic_config(url)).get_revision("0025").down_revision)


def _old_churned_playbook(steps: list[str]) -> dict[str, object]:
    return {
        "key": "churned", "name": "Win-back", "enabled": True,
        "trigger": {"kind": "stage_entered", "stage": "churned"},
        "steps": [{"key": k, "title": k, "due_days": 7} for k in steps],
    }  # fmt: skip


def test_the_old_default_churned_playbook_is_removed_in_a_new_audited_version(postgres_or_sqlite_fresh):
    engine = make_engine(postgres_or_sqlite_fresh)
    upgrade(engine, _before_0025(postgres_or_sqlite_fresh))
    old = _old_churned_playbook(["churn_reasons", "churn_survey", "win_back_plan", "lead_pool"])
    other = {"key": "onboarding", "trigger": {"kind": "stage_entered", "stage": "onboarding"}, "steps": []}
    insert = text(
        "INSERT INTO config_versions (kind, version, body, author, created_at, active)"
        " VALUES ('sop', :v, :body, 'a', :t, :active)"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"v": 1, "body": json.dumps({"playbooks": [other]}), "t": "2026-01-01 00:00:00",
                              "active": False})  # fmt: skip
        conn.execute(insert, {"v": 2, "body": json.dumps({"playbooks": [old, other]}),
                              "t": "2026-01-01 00:00:00", "active": True})  # fmt: skip
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT version, body, author, active FROM config_versions WHERE kind = 'sop'"
                " ORDER BY version"
            )
        ).all()
        audit = conn.execute(text("SELECT action, entity_id, changes FROM audit_log")).all()
    body = {v: (json.loads(b) if isinstance(b, str) else b) for v, b, _, _ in rows}
    assert [(v, a, bool(act)) for v, _, a, act in rows] == [
        (1, "a", False),
        (2, "a", False),
        (3, "upgrade 0025", True),
    ]
    assert [p["key"] for p in body[3]["playbooks"]] == ["onboarding"]
    assert [p["key"] for p in body[2]["playbooks"]] == ["churned", "onboarding"]  # history keeps it
    ((action, entity_id, changes),) = audit
    changes = json.loads(changes) if isinstance(changes, str) else changes
    assert (action, entity_id, changes["removed_playbooks"], changes["from_version"]) == (
        "config.upgrade",
        3,
        ["churned"],
        2,
    )
    engine.dispose()


def test_a_churned_playbook_of_the_companys_own_steps_is_kept(postgres_or_sqlite_fresh):
    engine = make_engine(postgres_or_sqlite_fresh)
    upgrade(engine, _before_0025(postgres_or_sqlite_fresh))
    own = _old_churned_playbook(["call_them", "offer"])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO config_versions (kind, version, body, author, created_at, active)"
                " VALUES ('sop', 1, :body, 'a', '2026-01-01 00:00:00', true)"
            ),
            {"body": json.dumps({"playbooks": [own]})},
        )
    upgrade(engine)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT count(*) FROM config_versions")).scalar()
    assert versions == 1
    engine.dispose()


def test_alert_signals_become_packed_sets_and_come_back_as_rows(postgres_or_sqlite_fresh):
    from lodestar.alerts.signal_sets import unpack

    url = postgres_or_sqlite_fresh
    engine = make_engine(url)
    before = str(ScriptDirectory.from_config(alembic_config(url)).get_revision("0029").down_revision)
    upgrade(engine, before)
    t = "2026-01-01 00:00:00+00:00"
    rows = [(date(2026, 6, 1), "health_red", 1, a) for a in (3, 1, 2)]
    rows += [(date(2026, 6, 1), "usage_drop", 2, 2), (date(2026, 6, 2), "health_red", 1, 3)]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, name, role, locale, active, password_hash, created_at,"
                " updated_at) VALUES (1, 'a@example.com', 'A', 'csm', 'en', true, 'x', :t, :t)"
            ),
            {"t": t},
        )
        for a in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO accounts (id, name, owner_id, tier_pinned, tags, traits, arr, currency,"
                    " status, departments, scenarios, created_at, updated_at)"
                    " VALUES (:a, :n, 1, false, '[]', '{}', 10, 'CNY', 'active', '[]', '[]', :t, :t)"
                ),
                {"a": a, "n": f"A{a}", "t": t},
            )
        for as_of, rule, version, account in rows:
            conn.execute(
                text(
                    "INSERT INTO alert_signals (as_of, rule_key, rules_version, account_id)"
                    " VALUES (:d, :r, :v, :a)"
                ),
                {"d": as_of, "r": rule, "v": version, "a": account},
            )
    upgrade(engine, "0029")
    with engine.connect() as conn:
        sets = conn.execute(
            text("SELECT as_of, rule_key, rules_version, accounts, account_ids FROM alert_signal_sets")
        ).all()
    found = {(str(d), r, v): (n, unpack(bytes(b)).tolist()) for d, r, v, n, b in sets}
    assert found == {
        ("2026-06-01", "health_red", 1): (3, [1, 2, 3]),
        ("2026-06-01", "usage_drop", 2): (1, [2]),
        ("2026-06-02", "health_red", 1): (1, [3]),
    }
    downgrade(engine, before)
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT as_of, rule_key, rules_version, account_id FROM alert_signals")
        ).all()
    assert sorted((str(d), r, v, a) for d, r, v, a in back) == sorted(
        (str(d), r, v, a) for d, r, v, a in rows
    )
    engine.dispose()


def test_a_database_at_the_newest_revision_is_left_as_it_is_and_one_behind_is_upgraded(
    postgres_or_sqlite_fresh,
):
    from lodestar.db import generations
    from lodestar.db.migrate import at_head

    url = postgres_or_sqlite_fresh
    engine = make_engine(url)
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert not at_head(engine)  # never migrated
    upgrade(engine)
    assert at_head(engine) and [current_revision(engine)] == heads
    # At the head, a command's start only ensures the counting triggers: one dropped is put back.
    with engine.begin() as conn:
        dropped = f"{generations.PREFIX}accounts_insert"
        conn.execute(
            text(f'DROP TRIGGER "{dropped}"' + ("" if engine.dialect.name == "sqlite" else " ON accounts"))
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert ("accounts", dropped) in generations._present(conn)
    # One revision behind is not the head: the upgrade runs the migration.
    behind = str(ScriptDirectory.from_config(alembic_config(url)).get_revision(heads[0]).down_revision)
    downgrade(engine, behind)
    assert not at_head(engine) and current_revision(engine) == behind
    upgrade(engine)
    assert at_head(engine)
    engine.dispose()
