"""`python -m bench`: runs the benchmarks and prints each figure beside its baseline and goal.

BENCH selects which to run (comma-separated; default all): web, ingest, imports, snapshot, snapshot_run,
stages, sop, upload_rss, point_reads, freshness, e2e, alerts, alert_writes, notify, retention,
renewals_page, succession, predict, feature_requests, value_reports.
BENCH_REPORTS sizes the value-reports benchmark (default 1,000 accounts).
BENCH_NOTIFY_MESSAGES sizes the notifications benchmark (default 10,000).
BENCH_ACCOUNTS sets the company size of the web, point_reads and renewals_page benchmarks (default 100,000);
BENCH_E2E_* size the end-to-end one (bench/e2e.py); BENCH_PREDICT_ACCOUNTS the predict one (default 100,000).
BENCH_REUSE=1 keeps the companies the web, renewals_page and retention benchmarks generate and measures on
them again next time (generating 100,000 accounts takes minutes).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable

from bench import machine

SUITES: dict[str, tuple[str, Callable[[object], list[str]]]] = {
    "web": ("bench.web_pages", lambda m: m.main(int(os.environ.get("BENCH_ACCOUNTS", "100000")))),  # type: ignore[attr-defined]
    "ingest": ("bench.ingest", lambda m: m.main()),  # type: ignore[attr-defined]
    "imports": ("bench.imports", lambda m: m.main()),  # type: ignore[attr-defined]
    "snapshot": ("bench.snapshot", lambda m: m.main()),  # type: ignore[attr-defined]
    "snapshot_run": ("bench.snapshot_run", lambda m: m.main()),  # type: ignore[attr-defined]
    "stages": ("bench.stages", lambda m: m.main()),  # type: ignore[attr-defined]
    "sop": ("bench.sop", lambda m: m.main()),  # type: ignore[attr-defined]
    "upload_rss": ("bench.upload_rss", lambda m: m.main()),  # type: ignore[attr-defined]
    "point_reads": ("bench.point_reads", lambda m: m.main()),  # type: ignore[attr-defined]
    "freshness": ("bench.freshness", lambda m: m.main()),  # type: ignore[attr-defined]
    "e2e": ("bench.e2e", lambda m: m.main()),  # type: ignore[attr-defined]
    "alerts": ("bench.alert_rules", lambda m: m.main()),  # type: ignore[attr-defined]
    "alert_writes": ("bench.alert_writes", lambda m: m.main()),  # type: ignore[attr-defined]
    "notify": ("bench.notify_delivery", lambda m: m.main()),  # type: ignore[attr-defined]
    "retention": ("bench.retention", lambda m: m.main()),  # type: ignore[attr-defined]
    "renewals_page": ("bench.renewals_page", lambda m: m.main()),  # type: ignore[attr-defined]
    "succession": ("bench.succession", lambda m: m.main()),  # type: ignore[attr-defined]
    "predict": ("bench.predict", lambda m: m.main()),  # type: ignore[attr-defined]
    "feature_requests": ("bench.feature_requests", lambda m: m.main()),  # type: ignore[attr-defined]
    "value_reports": ("bench.value_reports", lambda m: m.main()),  # type: ignore[attr-defined]
}


def main() -> None:
    """Runs the selected benchmarks in turn."""
    chosen = [s.strip() for s in os.environ.get("BENCH", ",".join(SUITES)).split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        raise SystemExit(f"BENCH: unknown benchmark(s) {unknown}; choose from {', '.join(SUITES)}")
    print(f"machine: {machine.describe()}", flush=True)
    for name in chosen:
        module_name, run = SUITES[name]
        started = time.perf_counter()
        lines = run(importlib.import_module(module_name))
        for line in lines:
            print(line, flush=True)
        print(f"   ({name} took {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
