"""Feature-request totals: what each request's links add up to, kept by triggers on links and accounts

Revision ID: 0028
Revises: 0027

Three tables of the same sums in whole cents (the accounts linked, their ARR and the ARR of those in their
renewal window), each keyed for one reader, so that none sums more rows than it must:

- `feature_request_totals`, per request and currency: what the company-wide list sorts by (10,000
  requests are about 15,000 rows, against 300,000 links and their accounts);
- `feature_request_tier_stage_totals`, per request, currency, tier and stage ("" for none): that list's
  tier mix and, through the stages, its ARR at risk;
- `feature_request_owner_totals`, per owner (0 for none), request, currency, tier and stage: a CSM's or a
  manager's list reads only their owners' rows.

The database keeps all three in the transaction of every write, whoever writes (a page, an import, a
contract changing an account's ARR, the daily run's set-based write-back, raw SQL):

- a link added, removed or moved (a merge) adds or takes off its account's figures;
- an account whose ARR, currency, tier, stage, renewal window or owner changes moves its figures, on every
  request it is linked to, from the old key to the new one;
- an account deleted first deletes its links (a BEFORE trigger), so they come off while it still exists.

Taking off only updates rows that exist (a request deleted cascades its rows away in any order). Which
stages count as at risk and the exchange rates are applied when the list is read: they are configuration
and the day's, not data, so no trigger depends on them. Rows whose accounts all left stay, at zero.

On PostgreSQL the triggers fire once per statement over its transition tables (a write-back of 50,000
accounts is one set-based upsert per table); a link's trigger reads its accounts FOR SHARE, so a link
written while another transaction changes the same account waits for it and adds the committed figures
(without the lock each would miss the other's change). SQLite has one writer at a time and row triggers.

A later migration that rebuilds `accounts` or `feature_request_links` on SQLite drops their triggers:
it must create them again (`_sqlite_triggers` below); tests/feature_requests/test_totals.py checks they
are all present at the head.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TOTALS = "feature_request_totals"
BREAKDOWN = "feature_request_tier_stage_totals"
OWNERS = "feature_request_owner_totals"
KEYS = {
    TOTALS: ("request_id", "currency"),
    BREAKDOWN: ("request_id", "currency", "tier", "stage"),
    OWNERS: ("owner_id", "request_id", "currency", "tier", "stage"),
}
SUMS = ("accounts", "arr_cents", "renewing_cents")
ACCOUNT_FIGURES = ("arr", "currency", "tier", "stage", "in_renewal_window", "owner_id")
# What each table's rows move with (the owners' rows with every figure).
MOVES_WITH = {TOTALS: ("arr", "currency", "in_renewal_window"), BREAKDOWN: ACCOUNT_FIGURES[:-1]}


def _keys(table: str, request: str, a: str) -> list[str]:
    """`table`'s key of a link of request `request` to the account row `a`, as SQL expressions."""
    exprs = {"owner_id": f"coalesce({a}.owner_id, 0)", "request_id": request, "currency": f"{a}.currency",
             "tier": f"coalesce({a}.tier, '')", "stage": f"coalesce({a}.stage, '')"}  # fmt: skip
    return [exprs[k] for k in KEYS[table]]


def _columns(table: str) -> str:
    return ", ".join((*KEYS[table], *SUMS))


def _added(table: str, alias: str) -> str:
    """ON CONFLICT: the new row's sums added to the stored row's (`alias`: the stored row's name)."""
    sets = ", ".join(f"{s} = {alias}.{s} + excluded.{s}" for s in SUMS)
    return f"ON CONFLICT ({', '.join(KEYS[table])}) DO UPDATE SET {sets}"


def _tables() -> None:
    for table in KEYS:
        keys = KEYS[table]
        types: dict[str, sa.types.TypeEngine[Any]] = {
            "owner_id": sa.Integer(),
            "request_id": sa.Integer(),
            "currency": sa.String(length=3),
        }
        op.create_table(
            table,
            *[sa.Column(k, types.get(k, sa.String(length=32)), nullable=False) for k in keys],
            sa.Column("accounts", sa.Integer(), nullable=False),
            sa.Column("arr_cents", sa.BigInteger(), nullable=False),
            sa.Column("renewing_cents", sa.BigInteger(), nullable=False),
            sa.ForeignKeyConstraint(
                ["request_id"], ["feature_requests.id"], name=op.f(f"fk_{table}_request_id_feature_requests"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{table}")),
            sqlite_with_rowid=False,  # stored in key order: a request's (an owner's) rows are read together
        )  # fmt: skip
    # The company-wide list's ARR at risk: the rows of the at-risk stages, whichever they are today.
    op.create_index("ix_feature_request_tier_stage_totals_stage", BREAKDOWN, ["stage", "request_id"])


def _fill(cents: str) -> None:
    """Both tables from the links as they are now."""
    arr = cents.format(a="a")
    for table in KEYS:
        keys = _keys(table, "l.request_id", "a")
        op.execute(
            f"INSERT INTO {table} ({_columns(table)}) SELECT {', '.join(keys)}, count(*), "
            f"sum({arr}), sum(CASE WHEN a.in_renewal_window THEN {arr} ELSE 0 END) "
            f"FROM feature_request_links l JOIN accounts a ON a.id = l.account_id "
            f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}"
        )


# ---- SQLite: row triggers -------------------------------------------------------------------------------

_SQLITE_CENTS = "CAST(round({a}.arr * 100) AS INTEGER)"
_ACCOUNT_OF_LINK = "accounts a WHERE a.id = {row}.account_id"


def _sqlite_figures(table: str, request: str, a: str, sign: str = "") -> str:
    """One account's row of figures for one request, keyed for `table`; negated with sign "-"."""
    cents = f"{sign}{_SQLITE_CENTS.format(a=a)}"
    keys = [f"{e} AS {k}" for e, k in zip(_keys(table, request, a), KEYS[table], strict=True)]
    return (
        f"{', '.join(keys)}, {sign}1 AS accounts, {cents} AS arr_cents, "
        f"CASE WHEN {a}.in_renewal_window THEN {cents} ELSE 0 END AS renewing_cents"
    )


def _sqlite_add(table: str, request: str, a: str, source: str) -> str:
    figures = _sqlite_figures(table, request, a)
    return f"INSERT INTO {table} ({_columns(table)}) SELECT {figures} FROM {source} {_added(table, table)};"


def _sqlite_subtract(table: str, request: str, a: str, source: str) -> str:
    """Takes one account's figures off its request's row, if there is one (a request being deleted has
    none left: an upsert would add a row for it)."""
    sets = ", ".join(f"{s} = {table}.{s} - s.{s}" for s in SUMS)
    match = " AND ".join(f"{table}.{k} = s.{k}" for k in KEYS[table])
    return (
        f"UPDATE {table} SET {sets} FROM (SELECT {_sqlite_figures(table, request, a)} FROM {source}) AS s "
        f"WHERE {match};"
    )


def _sqlite_moved_account(table: str, when: str = "true") -> str:
    """An account's old figures out of, and its new ones into, each of its requests' rows, in one upsert
    (the rows of its old figures exist, so nothing negative is left behind); only `when` that holds."""
    links = "feature_request_links l WHERE l.account_id = NEW.id"
    rows = (
        f"SELECT {_sqlite_figures(table, 'l.request_id', 'OLD', '-')} FROM {links} "
        f"UNION ALL SELECT {_sqlite_figures(table, 'l.request_id', 'NEW')} FROM {links}"
    )
    return (
        f"INSERT INTO {table} ({_columns(table)}) SELECT * FROM ({rows}) WHERE true {_added(table, table)};"
    )


def _changed(figures: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in figures)


def _sqlite_triggers() -> list[str]:
    removed = " ".join(
        _sqlite_subtract(t, "OLD.request_id", "a", _ACCOUNT_OF_LINK.format(row="OLD")) for t in KEYS
    )
    added = " ".join(_sqlite_add(t, "NEW.request_id", "a", _ACCOUNT_OF_LINK.format(row="NEW")) for t in KEYS)
    # The totals per request and currency move only when the ARR, currency or renewal window does.
    moved = " ".join(_sqlite_moved_account(t, _changed(MOVES_WITH.get(t, ACCOUNT_FIGURES))) for t in KEYS)
    return [
        f"CREATE TRIGGER {TOTALS}_link_added AFTER INSERT ON feature_request_links BEGIN {added} END",
        f"CREATE TRIGGER {TOTALS}_link_removed AFTER DELETE ON feature_request_links BEGIN {removed} END",
        f"CREATE TRIGGER {TOTALS}_link_moved AFTER UPDATE OF request_id, account_id ON feature_request_links "
        "WHEN OLD.request_id IS NOT NEW.request_id OR OLD.account_id IS NOT NEW.account_id "
        f"BEGIN {removed} {added} END",
        f"CREATE TRIGGER {TOTALS}_account_changed AFTER UPDATE OF {', '.join(ACCOUNT_FIGURES)} ON accounts "
        f"WHEN {_changed(ACCOUNT_FIGURES)} BEGIN {moved} END",
        f"CREATE TRIGGER {TOTALS}_account_removed BEFORE DELETE ON accounts "
        "BEGIN DELETE FROM feature_request_links WHERE account_id = OLD.id; END",
    ]  # fmt: skip


# ---- PostgreSQL: statement triggers over transition tables ------------------------------------------------

_PG_CENTS = "({a}.arr * 100)::bigint"


def _pg_account_values(a: str, sign: str = "") -> str:
    """id, owner_id, currency, tier, stage, n (1 account), cents and renewing cents of an account row `a`;
    negated with sign "-"."""
    cents = f"{sign}{_PG_CENTS.format(a=a)}"
    return (
        f"{a}.id, coalesce({a}.owner_id, 0) AS owner_id, {a}.currency, coalesce({a}.tier, '') AS tier, "
        f"coalesce({a}.stage, '') AS stage, {sign}1 AS n, {cents} AS cents, "
        f"CASE WHEN {a}.in_renewal_window THEN {cents} ELSE 0 END AS renewing"
    )


def _pg_locked(links: str) -> str:
    """`a`: the accounts of these links, read FOR SHARE (in id order, so two writers lock alike)."""
    return (
        f"a AS (SELECT {_pg_account_values('accounts')} FROM accounts "
        f"WHERE accounts.id IN (SELECT account_id FROM {links} x) ORDER BY accounts.id FOR SHARE)"
    )


def _pg_grouped(links: str, accounts: str) -> str:
    """`d`: the figures of these (request_id, account_id) links summed by owner, request, currency, tier and
    stage, the accounts' values taken from the CTE `accounts` (as `_pg_account_values` gives them)."""
    return (
        "d AS (SELECT a.owner_id, l.request_id, a.currency, a.tier, a.stage, sum(a.n) AS accounts, "
        "sum(a.cents) AS arr_cents, sum(a.renewing) AS renewing_cents "
        f"FROM {links} l JOIN {accounts} a ON a.id = l.account_id GROUP BY 1, 2, 3, 4, 5)"
    )


def _pg_rows(table: str) -> str:
    """`d` summed by `table`'s key, in key order (two writers lock alike), leaving out sums of nothing."""
    keys = ", ".join(KEYS[table])
    sums = ", ".join(f"sum({s})" for s in SUMS)
    nothing = " AND ".join(f"sum({s}) = 0" for s in SUMS)
    return f"SELECT {keys}, {sums} FROM d GROUP BY {keys} HAVING NOT ({nothing}) ORDER BY {keys}"


def _pg_add(table: str) -> str:
    return f"INSERT INTO {table} AS t ({_columns(table)}) {_pg_rows(table)} {_added(table, 't')}"


def _pg_subtract(table: str) -> str:
    """The rows' figures taken off the rows there are (a request being deleted has none left)."""
    keys = KEYS[table]
    sets = ", ".join(f"{s} = t.{s} - s.{s}" for s in SUMS)
    match = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    named = ", ".join((*keys, *SUMS))
    return f"UPDATE {table} AS t SET {sets} FROM ({_pg_rows(table)}) AS s ({named}) WHERE {match}"


def _pg_both(ctes: str, write: Callable[[str], str]) -> str:
    """One statement writing the three tables from the same `d` (two of them in data-modifying CTEs)."""
    return f"WITH {ctes}, breakdown AS ({write(BREAKDOWN)}), owners AS ({write(OWNERS)}) {write(TOTALS)}"


_MOVED_LINKS = (
    "(SELECT {side}.request_id, {side}.account_id FROM old_links o JOIN new_links n ON n.id = o.id "
    "WHERE (o.request_id, o.account_id) IS DISTINCT FROM (n.request_id, n.account_id))"
)


def _pg_moved_accounts() -> str:
    """The changed accounts' old figures (negated) and new ones, summed into their requests' rows: one upsert
    per table (the rows of their old figures exist, so nothing negative is left behind)."""
    changed = (
        "FROM old_accounts o JOIN new_accounts n ON n.id = o.id "
        f"WHERE ({', '.join('o.' + c for c in ACCOUNT_FIGURES)}) "
        f"IS DISTINCT FROM ({', '.join('n.' + c for c in ACCOUNT_FIGURES)})"
    )
    old = f"SELECT {_pg_account_values('o', '-')} {changed}"
    new = f"SELECT {_pg_account_values('n')} {changed}"
    links = (
        "(SELECT request_id, account_id FROM feature_request_links WHERE account_id IN (SELECT id FROM c))"
    )
    return _pg_both(f"c AS ({old} UNION ALL {new}), {_pg_grouped(links, 'c')}", _pg_add)


def _pg_links(links: str, write: Callable[[str], str]) -> str:
    return _pg_both(f"{_pg_locked(links)}, {_pg_grouped(links, 'a')}", write)


_PG_TRIGGERS = {  # name: (event, table, transition tables, statements)
    "link_added": ("INSERT", "feature_request_links", "NEW TABLE AS new_links",
                   [_pg_links("new_links", _pg_add)]),
    "link_removed": ("DELETE", "feature_request_links", "OLD TABLE AS old_links",
                     [_pg_links("old_links", _pg_subtract)]),
    "link_moved": ("UPDATE", "feature_request_links", "OLD TABLE AS old_links NEW TABLE AS new_links",
                   [_pg_links(_MOVED_LINKS.format(side="o"), _pg_subtract),
                    _pg_links(_MOVED_LINKS.format(side="n"), _pg_add)]),
    "account_changed": ("UPDATE", "accounts", "OLD TABLE AS old_accounts NEW TABLE AS new_accounts",
                        [_pg_moved_accounts()]),
}  # fmt: skip


def _pg_triggers() -> list[str]:
    out = []
    for name, (event, table, transition, statements) in _PG_TRIGGERS.items():
        # EXECUTE plans each statement afresh for the rows at hand: a plan cached by the connection's first
        # call (one account) would join 100,000 accounts by nested loops in a later bulk update. The planner
        # cannot know how the transition tables join (it guesses 25 times too many rows), and JIT compiling
        # for that guess took a second per statement: off for these statements.
        body = " ".join(f"EXECUTE $q${statement}$q$;" for statement in statements)
        out.append(
            f"CREATE FUNCTION {TOTALS}_{name}() RETURNS trigger LANGUAGE plpgsql SET jit = off "
            f"AS $f$ BEGIN {body} RETURN NULL; END $f$"
        )
        out.append(
            f"CREATE TRIGGER {TOTALS}_{name} AFTER {event} ON {table} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TOTALS}_{name}()"
        )
    out.append(
        f"CREATE FUNCTION {TOTALS}_account_removed() RETURNS trigger LANGUAGE plpgsql AS $f$ "
        "BEGIN DELETE FROM feature_request_links WHERE account_id = OLD.id; RETURN OLD; END $f$"
    )
    out.append(
        f"CREATE TRIGGER {TOTALS}_account_removed BEFORE DELETE ON accounts "
        f"FOR EACH ROW EXECUTE FUNCTION {TOTALS}_account_removed()"
    )
    return out


TRIGGERS = (*_PG_TRIGGERS, "account_removed")


def upgrade() -> None:
    _tables()
    sqlite = op.get_bind().dialect.name == "sqlite"
    _fill(_SQLITE_CENTS if sqlite else _PG_CENTS)
    for statement in _sqlite_triggers() if sqlite else _pg_triggers():
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in TRIGGERS:
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {TOTALS}_{name}")
        else:
            table = "accounts" if name.startswith("account") else "feature_request_links"
            op.execute(f"DROP TRIGGER IF EXISTS {TOTALS}_{name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {TOTALS}_{name}()")
    op.drop_index("ix_feature_request_tier_stage_totals_stage", table_name=BREAKDOWN)
    for table in reversed(KEYS):
        op.drop_table(table)
