"""The end-to-end benchmark's workload: accounts, contracts and usage events shaped like a real product's.

Skew as seen in real SaaS usage: users per account follow a log-normal (most accounts have a handful, a few
have hundreds), an account's activity is its users times a gamma-distributed intensity (a tenth of the
accounts are dormant), a few users of each account do most of the work, and feature popularity is Zipf-like
(rank^-1.1 over 40 features, the configured key features among the popular ones). Events carry only what an
export from a product-analytics tool would: the account's CRM id, the user, the feature and the timestamp.

Everything is vectorised with numpy/pyarrow and written in batches of days, so memory stays bounded
whatever the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DAYS = 180
BATCH_ROWS = 2_000_000
# The default key features (snapshots/defaults/metrics.yaml), the training event and the approvals of the
# default custom metric, spread over the popularity ranks so every measure has work to do.
FEATURES = [
    "Dashboard Viewed",
    "Record Viewed",
    "Search Run",
    "Lead Created",
    "Report Exported",
    "Opportunity Updated",
    "Customer Record Updated",
    "Note Added",
    "Workflow Run",
    "Forecast Viewed",
    "Email Sent",
    "Task Completed",
    "Approval Completed",
    "Filter Saved",
    "Comment Posted",
    *[f"Feature {i}" for i in range(15, 33)],
    "Training Completed",
    *[f"Feature {i}" for i in range(34, 40)],
]
EVENTS_MAPPING = """\
kind: events
fields:
  account: {column: account, lookup: crm_id}
  user_id: user
  event: feature
  timestamp: timestamp
  source: {constant: bench}
"""


@dataclass(frozen=True)
class Workload:
    """The files of one generated workload and the dates it covers."""

    folder: Path
    accounts: int
    events: int
    as_of: date  # the last day with events in events.parquet

    @property
    def accounts_csv(self) -> Path:
        return self.folder / "accounts.csv"

    @property
    def contracts_csv(self) -> Path:
        return self.folder / "contracts.csv"

    @property
    def events_parquet(self) -> Path:
        return self.folder / "events.parquet"

    @property
    def next_day_parquet(self) -> Path:
        return self.folder / "events-next-day.parquet"

    @property
    def mapping(self) -> Path:
        return self.folder / "events-mapping.yaml"

    @property
    def next_day(self) -> date:
        return self.as_of + timedelta(days=1)


def crm_ids(accounts: int) -> pa.Array:
    return pc.binary_join_element_wise(
        "CRM-", pc.utf8_lpad(pc.cast(pa.array(np.arange(1, accounts + 1)), pa.string()), 7, "0"), ""
    )


class _Population:
    """Who uses the product how much: per-account users and weights, per-feature weights."""

    def __init__(self, accounts: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.users = np.clip(np.rint(rng.lognormal(np.log(8), 1.1, accounts)), 1, 5_000).astype(np.int64)
        intensity = rng.gamma(0.8, 1.0, accounts) * (rng.random(accounts) > 0.1)
        weight = self.users * intensity
        self.account_cdf = np.cumsum(weight) / weight.sum()
        feature_weight = 1.0 / np.arange(1, len(FEATURES) + 1) ** 1.1
        self.feature_cdf = np.cumsum(feature_weight) / feature_weight.sum()
        self.crm = crm_ids(accounts)
        self.features = pa.array(FEATURES)

    def events(self, rng: np.random.Generator, days: np.ndarray) -> pa.Table:
        """One event per entry of `days` (day numbers since 1970-01-01), sorted by time."""
        n = len(days)
        acct = np.minimum(np.searchsorted(self.account_cdf, rng.random(n)), len(self.account_cdf) - 1)
        # u**3 puts most of an account's events on its first few users: a few power users, a long tail.
        user = (self.users[acct] * rng.random(n) ** 3).astype(np.int64)
        feature = np.minimum(np.searchsorted(self.feature_cdf, rng.random(n)), len(FEATURES) - 1)
        micros = days.astype(np.int64) * 86_400_000_000 + rng.integers(0, 86_400_000_000, n)
        order = np.argsort(micros, kind="stable")
        account = self.crm.take(pa.array(acct[order]))
        return pa.table(
            {
                "account": account,
                "user": pc.binary_join_element_wise(
                    account, pc.cast(pa.array(user[order]), pa.string()), "-u"
                ),
                "feature": self.features.take(pa.array(feature[order])),
                "timestamp": pa.array(micros[order], pa.timestamp("us", tz="UTC")),
            }
        )


def _per_day(events: int, days: int, rng: np.random.Generator) -> np.ndarray:
    """Events per day: weekdays busier than weekends, slow growth, a little noise; sums to `events`."""
    day = np.arange(days)
    weight = np.where(day % 7 >= 5, 0.35, 1.0) * (1 + 0.3 * day / days) * rng.uniform(0.9, 1.1, days)
    counts = np.floor(events * weight / weight.sum()).astype(np.int64)
    counts[-1] += events - counts.sum()
    return counts


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def write_events(path: Path, population: _Population, first: date, counts: np.ndarray, seed: int) -> None:
    """Writes sum(counts) events, counts[i] on day first + i, in batches of about BATCH_ROWS rows."""
    rng = np.random.default_rng(seed)
    start = _day_number(first)
    tmp = path.with_name(f".{path.name}.tmp")
    writer: pq.ParquetWriter | None = None
    try:
        i = 0
        while i < len(counts):
            j = i + 1
            while j < len(counts) and counts[i : j + 1].sum() <= BATCH_ROWS:
                j += 1
            days = np.repeat(np.arange(start + i, start + j), counts[i:j])
            table = population.events(rng, days)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            i = j
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)


def _write_accounts(work: Workload, population: _Population) -> None:
    n = work.accounts
    crm = population.crm
    suffix = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    table = pa.table(
        {
            "crm_id": crm,
            "name": pc.binary_join_element_wise("Company ", suffix, ""),
            "segment_group_id": pc.binary_join_element_wise("grp-", suffix, ""),
            "employees": pa.array(population.users * 12 + 5),
        }
    )
    pacsv.write_csv(table, work.accounts_csv)


def _write_contracts(work: Workload, population: _Population, seed: int) -> None:
    """One contract per account, in force on the benchmark's dates; ARR log-normal around 12,000."""
    rng = np.random.default_rng(seed + 1)
    n = work.accounts
    start = np.datetime64(work.as_of) - rng.integers(30, 700, n).astype("timedelta64[D]")
    months = rng.choice([12, 24, 36], n, p=[0.6, 0.3, 0.1])
    end = start + (months * 365 // 12 + 365).astype("timedelta64[D]")
    table = pa.table(
        {
            "external_id": pc.binary_join_element_wise("K-", crm_ids(n), ""),
            "account": crm_ids(n),
            "start_date": pa.array(np.datetime_as_string(start, unit="D")),
            "end_date": pa.array(np.datetime_as_string(end, unit="D")),
            "arr": pa.array(np.round(rng.lognormal(np.log(12_000), 0.9, n), 2)),
            "seats": pa.array(np.ceil(population.users * rng.uniform(1, 2, n)).astype(np.int64)),
            "currency": pa.array(["USD"] * n),
        }
    )
    pacsv.write_csv(table, work.contracts_csv)


def generate(folder: Path, accounts: int, events: int, as_of: date, seed: int = 11) -> Workload:
    """Writes the workload into `folder` unless the same one is already there; returns its files."""
    work = Workload(folder, accounts, events, as_of)
    marker = folder / "complete"
    wanted = f"{accounts} {events} {as_of} {seed}\n"
    if marker.exists() and marker.read_text() == wanted:
        return work
    folder.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    population = _Population(accounts, seed)
    rng = np.random.default_rng(seed + 2)
    first = as_of - timedelta(days=DAYS - 1)
    write_events(work.events_parquet, population, first, _per_day(events, DAYS, rng), seed + 3)
    next_day = np.array([max(1, events // DAYS)])
    write_events(work.next_day_parquet, population, work.next_day, next_day, seed + 4)
    _write_accounts(work, population)
    _write_contracts(work, population, seed)
    work.mapping.write_text(EVENTS_MAPPING)
    marker.write_text(wanted)
    return work
