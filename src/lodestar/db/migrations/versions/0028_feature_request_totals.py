"""Feature-request totals: what each request's links add up to, kept by triggers on links and accounts

Revision ID: 0028
Revises: 0026 (for now: 0027 is being written beside it; re-chained on merge)

One row per request, currency, tier and stage ("" for none): the accounts linked, their ARR and the ARR of
those in their renewal window, in whole cents. The company-wide list sums these rows (about a quarter as many
as the links) instead of every link and account. The database keeps them in the transaction of every write,
whoever writes (a page, an import, the daily run's set-based write-back, raw SQL):

- a link added, removed or moved (a merge) adds or subtracts its account's figures;
- an account whose ARR, currency, tier, stage or renewal window changes moves its figures, on every request
  it is linked to, from the old key to the new one;
- an account deleted first deletes its links (a BEFORE trigger), so they subtract while it still exists.

Subtracting only updates rows that exist (a request deleted cascades its rows away in any order). Which
stages count as at risk and the exchange rates are applied when the list is read: they are configuration
and the day's, not data, so no trigger depends on them.

On PostgreSQL the triggers fire once per statement over its transition tables (a write-back of 50,000
accounts is one set-based upsert); a link's trigger reads its accounts FOR SHARE, so a link written while
another transaction changes the same account waits for it and adds the committed figures (without the lock
each would miss the other's change). SQLite has one writer at a time and row triggers.

A later migration that rebuilds `accounts` or `feature_request_links` on SQLite drops their triggers:
it must create them again (`_sqlite_triggers` below); tests/feature_requests/test_totals.py checks they
are all present at the head.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLE = "feature_request_totals"
KEY = "request_id, currency, tier, stage"
COLUMNS = f"{KEY}, accounts, arr_cents, renewing_cents"
# Added to a row that exists, or a new row.
_ADD = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET accounts = {TABLE}.accounts + excluded.accounts, "
    f"arr_cents = {TABLE}.arr_cents + excluded.arr_cents, "
    f"renewing_cents = {TABLE}.renewing_cents + excluded.renewing_cents"
)


def _table() -> None:
    op.create_table(
        TABLE,
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("arr_cents", sa.BigInteger(), nullable=False),
        sa.Column("renewing_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["feature_requests.id"], name=op.f(f"fk_{TABLE}_request_id_feature_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "currency", "tier", "stage", name=op.f(f"pk_{TABLE}")),
        sqlite_with_rowid=False,  # stored in key order: the list reads each request's rows together
    )  # fmt: skip


def _fill(cents: str) -> None:
    """Every request's totals from its links as they are now."""
    op.execute(
        f"INSERT INTO {TABLE} ({COLUMNS}) "
        "SELECT l.request_id, a.currency, coalesce(a.tier, ''), coalesce(a.stage, ''), count(*), "
        f"sum({cents.format(a='a')}), "
        f"sum(CASE WHEN a.in_renewal_window THEN {cents.format(a='a')} ELSE 0 END) "
        "FROM feature_request_links l JOIN accounts a ON a.id = l.account_id GROUP BY 1, 2, 3, 4"
    )


# ---- SQLite: row triggers -------------------------------------------------------------------------------

_SQLITE_CENTS = "CAST(round({a}.arr * 100) AS INTEGER)"
_ACCOUNT_FIGURES = ("arr", "currency", "tier", "stage", "in_renewal_window")
_LINK_OF = "accounts a WHERE a.id = {row}.account_id"


def _sqlite_figures(request: str, a: str, sign: str = "") -> str:
    """One account's row of figures (request, key, 1 account, cents, renewing cents) for one request;
    negated with sign "-"."""
    cents = f"{sign}{_SQLITE_CENTS.format(a=a)}"
    return (
        f"{request} AS request_id, {a}.currency AS currency, coalesce({a}.tier, '') AS tier, "
        f"coalesce({a}.stage, '') AS stage, {sign}1 AS accounts, {cents} AS arr_cents, "
        f"CASE WHEN {a}.in_renewal_window THEN {cents} ELSE 0 END AS renewing_cents"
    )


def _sqlite_add(request: str, a: str, source: str) -> str:
    return f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {_sqlite_figures(request, a)} FROM {source} {_ADD};"


def _sqlite_subtract(request: str, a: str, source: str) -> str:
    """Takes one account's figures off its request's row, if there is one (a request being deleted has
    none left: an upsert would add a row for it)."""
    t = TABLE
    return (
        f"UPDATE {t} SET accounts = {t}.accounts - s.accounts, arr_cents = {t}.arr_cents - s.arr_cents, "
        f"renewing_cents = {t}.renewing_cents - s.renewing_cents "
        f"FROM (SELECT {_sqlite_figures(request, a)} FROM {source}) AS s WHERE {t}.request_id = s.request_id "
        f"AND {t}.currency = s.currency AND {t}.tier = s.tier AND {t}.stage = s.stage;"
    )


def _sqlite_moved_account() -> str:
    """An account's old figures out of, and its new ones into, each of its requests, in one upsert (the rows
    of its old figures exist, so nothing negative is left behind)."""
    links = "feature_request_links l WHERE l.account_id = NEW.id"
    rows = (
        f"SELECT {_sqlite_figures('l.request_id', 'OLD', '-')} FROM {links} "
        f"UNION ALL SELECT {_sqlite_figures('l.request_id', 'NEW')} FROM {links}"
    )
    return f"INSERT INTO {TABLE} ({COLUMNS}) SELECT * FROM ({rows}) WHERE true {_ADD};"


def _sqlite_triggers() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _ACCOUNT_FIGURES)
    removed = _sqlite_subtract("OLD.request_id", "a", _LINK_OF.format(row="OLD"))
    added = _sqlite_add("NEW.request_id", "a", _LINK_OF.format(row="NEW"))
    return [
        f"CREATE TRIGGER {TABLE}_link_added AFTER INSERT ON feature_request_links BEGIN {added} END",
        f"CREATE TRIGGER {TABLE}_link_removed AFTER DELETE ON feature_request_links BEGIN {removed} END",
        f"CREATE TRIGGER {TABLE}_link_moved AFTER UPDATE OF request_id, account_id ON feature_request_links "
        "WHEN OLD.request_id IS NOT NEW.request_id OR OLD.account_id IS NOT NEW.account_id "
        f"BEGIN {removed} {added} END",
        f"CREATE TRIGGER {TABLE}_account_changed AFTER UPDATE OF {', '.join(_ACCOUNT_FIGURES)} ON accounts "
        f"WHEN {changed} BEGIN {_sqlite_moved_account()} END",
        f"CREATE TRIGGER {TABLE}_account_removed BEFORE DELETE ON accounts "
        "BEGIN DELETE FROM feature_request_links WHERE account_id = OLD.id; END",
    ]


# ---- PostgreSQL: statement triggers over transition tables ------------------------------------------------

_PG_CENTS = "({a}.arr * 100)::bigint"


def _pg_account_values(a: str, sign: str = "") -> str:
    """id, currency, tier, stage, n (1 account), cents and renewing cents of an account row `a`; negated
    with sign "-"."""
    cents = f"{sign}{_PG_CENTS.format(a=a)}"
    return (
        f"{a}.id, {a}.currency, coalesce({a}.tier, '') AS tier, coalesce({a}.stage, '') AS stage, "
        f"{sign}1 AS n, {cents} AS cents, CASE WHEN {a}.in_renewal_window THEN {cents} ELSE 0 END AS renewing"
    )


def _pg_locked(links: str) -> str:
    """`a`: the accounts of these links, read FOR SHARE (in id order, so two writers lock alike)."""
    return (
        f"a AS (SELECT {_pg_account_values('accounts')} FROM accounts "
        f"WHERE accounts.id IN (SELECT account_id FROM {links} x) ORDER BY accounts.id FOR SHARE)"
    )


def _pg_grouped(links: str, accounts: str) -> str:
    """`d`: the figures of these (request_id, account_id) links summed by request and key, the accounts'
    values taken from the CTE `accounts` (as `_pg_account_values` gives them)."""
    return (
        "d AS (SELECT l.request_id, a.currency, a.tier, a.stage, sum(a.n) AS accounts, "
        "sum(a.cents) AS arr_cents, sum(a.renewing) AS renewing_cents "
        f"FROM {links} l JOIN {accounts} a ON a.id = l.account_id GROUP BY 1, 2, 3, 4)"
    )


def _pg_add() -> str:
    """`d` added to the rows (in key order, so two writers lock alike), new rows where there are none."""
    on_conflict = _ADD.replace(TABLE + ".", "t.")
    return f"INSERT INTO {TABLE} AS t ({COLUMNS}) SELECT * FROM d ORDER BY 1, 2, 3, 4 {on_conflict}"


def _pg_subtract() -> str:
    """`d` taken off the rows there are (a request being deleted has none left)."""
    return (
        f"UPDATE {TABLE} AS t SET accounts = t.accounts - d.accounts, arr_cents = t.arr_cents - d.arr_cents, "
        "renewing_cents = t.renewing_cents - d.renewing_cents FROM d WHERE t.request_id = d.request_id "
        "AND t.currency = d.currency AND t.tier = d.tier AND t.stage = d.stage"
    )


_MOVED = (
    "(SELECT {side}.request_id, {side}.account_id FROM old_links o JOIN new_links n ON n.id = o.id "
    "WHERE (o.request_id, o.account_id) IS DISTINCT FROM (n.request_id, n.account_id))"
)


def _pg_moved_accounts() -> str:
    """The changed accounts' old figures (negated) and new ones, summed into their requests' rows: one upsert
    (the rows of their old figures exist, so nothing negative is left behind)."""
    changed = (
        "FROM old_accounts o JOIN new_accounts n ON n.id = o.id "
        f"WHERE ({', '.join('o.' + c for c in _ACCOUNT_FIGURES)}) "
        f"IS DISTINCT FROM ({', '.join('n.' + c for c in _ACCOUNT_FIGURES)})"
    )
    old = f"SELECT {_pg_account_values('o', '-')} {changed}"
    new = f"SELECT {_pg_account_values('n')} {changed}"
    links = (
        "(SELECT request_id, account_id FROM feature_request_links WHERE account_id IN (SELECT id FROM c))"
    )
    return f"WITH c AS ({old} UNION ALL {new}), {_pg_grouped(links, 'c')} {_pg_add()}"


def _pg_bodies() -> dict[str, list[str]]:
    """Each trigger function's statements."""
    old, new = _MOVED.format(side="o"), _MOVED.format(side="n")
    return {
        "link_added": [f"WITH {_pg_locked('new_links')}, {_pg_grouped('new_links', 'a')} {_pg_add()}"],
        "link_removed": [f"WITH {_pg_locked('old_links')}, {_pg_grouped('old_links', 'a')} {_pg_subtract()}"],
        "link_moved": [
            f"WITH {_pg_locked(old)}, {_pg_grouped(old, 'a')} {_pg_subtract()}",
            f"WITH {_pg_locked(new)}, {_pg_grouped(new, 'a')} {_pg_add()}",
        ],
        "account_changed": [_pg_moved_accounts()],
    }


_PG_TRIGGERS = {  # name: (event, table, transition tables)
    "link_added": ("INSERT", "feature_request_links", "NEW TABLE AS new_links"),
    "link_removed": ("DELETE", "feature_request_links", "OLD TABLE AS old_links"),
    "link_moved": ("UPDATE", "feature_request_links", "OLD TABLE AS old_links NEW TABLE AS new_links"),
    "account_changed": ("UPDATE", "accounts", "OLD TABLE AS old_accounts NEW TABLE AS new_accounts"),
}


def _pg_triggers() -> list[str]:
    out = []
    for name, statements in _pg_bodies().items():
        event, table, transition = _PG_TRIGGERS[name]
        # EXECUTE plans each statement afresh for the rows at hand: a plan cached by the connection's first
        # call (one account) would join 100,000 accounts by nested loops in a later bulk update. The planner
        # cannot know how the transition tables join (it guesses 25 times too many rows), and JIT compiling
        # for that guess took a second per statement: off for these statements.
        body = " ".join(f"EXECUTE $q${statement}$q$;" for statement in statements)
        out.append(
            f"CREATE FUNCTION {TABLE}_{name}() RETURNS trigger LANGUAGE plpgsql SET jit = off "
            f"AS $f$ BEGIN {body} RETURN NULL; END $f$"
        )
        out.append(
            f"CREATE TRIGGER {TABLE}_{name} AFTER {event} ON {table} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_{name}()"
        )
    out.append(
        f"CREATE FUNCTION {TABLE}_account_removed() RETURNS trigger LANGUAGE plpgsql AS $f$ "
        "BEGIN DELETE FROM feature_request_links WHERE account_id = OLD.id; RETURN OLD; END $f$"
    )
    out.append(
        f"CREATE TRIGGER {TABLE}_account_removed BEFORE DELETE ON accounts "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_account_removed()"
    )
    return out


TRIGGERS = (*_PG_TRIGGERS, "account_removed")


def upgrade() -> None:
    _table()
    sqlite = op.get_bind().dialect.name == "sqlite"
    _fill(_SQLITE_CENTS if sqlite else _PG_CENTS)
    for statement in _sqlite_triggers() if sqlite else _pg_triggers():
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in TRIGGERS:
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
        else:
            table = "accounts" if name.startswith("account") else "feature_request_links"
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_{name}()")
    op.drop_table(TABLE)
