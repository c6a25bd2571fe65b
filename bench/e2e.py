"""End to end: `lodestar import` and `lodestar run` as a user runs them, against hand-written baselines.

On a generated workload (bench.e2e_workload: accounts, contracts, usage events skewed as in real products)
every step is a whole process with its own wall time and peak RSS: import accounts, contracts and events;
`lodestar run --as-of D` on a cold store; the same date again; the next day's events imported and D+1 run.
Beside each, in the same session: a pyarrow read + write of the same file (imports) or a hand-written DuckDB
query of the same measures over the raw Parquet (runs). Each repetition starts from an empty data folder.

BENCH_E2E_ACCOUNTS (default 100,000) and BENCH_E2E_EVENTS (comma-separated, default 20,000,000,50,000,000)
size the workloads; BENCH_E2E_REPEAT sets the repetitions (default 3, 1 above 20,000,000 events); the
median is reported. BENCH_E2E_DIR (default bench-data/e2e) holds the generated workloads, reused while their
size is unchanged, and the data folder, removed after every repetition.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench import e2e_baselines as base
from bench.e2e_workload import Workload, generate

AS_OF = date(2026, 6, 30)
GIB = 2**30


@dataclass(frozen=True)
class Measure:
    """One whole process: wall seconds, peak RSS in bytes, what it printed."""

    seconds: float
    rss: int
    stdout: str


@dataclass
class Step:
    """One operation: Lodestar's measures and the baseline's, over the repetitions."""

    name: str
    goal: float | None = None  # the largest acceptable ratio to the baseline
    rss_goal: int | None = None
    lodestar: list[Measure] = field(default_factory=list)
    baseline: list[Measure] = field(default_factory=list)


def timed(args: list[str], env: dict[str, str] | None = None) -> Measure:
    """Runs a command to its end; its wall time and its own peak RSS (wait4 reports the child's alone)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} ... exited {proc.returncode}:\n{(stdout + stderr)[-3000:]}")
    return Measure(seconds, usage.ru_maxrss * 1024, stdout)


def lodestar_command() -> list[str]:
    script = Path(sys.executable).with_name("lodestar")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from lodestar.cli import app; app()"]


def lodestar_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment without its Lodestar settings: an own SQLite store in data_dir, UTC days."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODESTAR_")}
    return env | {"LODESTAR_DATA_DIR": str(data_dir), "LODESTAR_TIMEZONE": "UTC"}


def _phases(payload: dict[str, Any]) -> str:
    """The run's per-phase seconds, if its --json carries them (a key naming phases)."""
    found = next((v for k, v in payload.items() if "phase" in k and v), None)
    if isinstance(found, dict):
        pairs = list(found.items())
    elif isinstance(found, list):
        pairs = [(p.get("name") or p.get("phase"), p.get("seconds", p.get("s"))) for p in found]
    else:
        return ""
    return ", ".join(f"{k} {v:.2f} s" if isinstance(v, int | float) else f"{k} {v}" for k, v in pairs)


def _once(work: Workload, data_dir: Path, steps: dict[str, Step], notes: list[str], first: bool) -> None:
    """One repetition from an empty data folder; appends each step's measures (and, the first time, notes)."""
    scratch = data_dir.parent / f"{data_dir.name}-baseline"
    for folder in (data_dir, scratch):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    cli, env = lodestar_command(), lodestar_env(data_dir)

    def both(key: str, lodestar: list[str], baseline: list[str]) -> dict[str, Any]:
        print(f"   e2e: {steps[key].name}", file=sys.stderr, flush=True)
        steps[key].lodestar.append(measure := timed(cli + lodestar, env))
        steps[key].baseline.append(timed(baseline))
        return dict(json.loads(measure.stdout))

    def load(key: str, kind: str, file: Path) -> None:
        mapping = ["-m", str(work.mapping)] if kind == "events" else []
        code = base.PYARROW_READ_WRITE if file.suffix == ".parquet" else base.CSV_READ_WRITE
        both(
            key, ["import", kind, str(file), *mapping, "--json"], base.python_c(code, file, scratch / "copy")
        )

    def run(key: str, as_of: date, files: list[Path]) -> dict[str, Any]:
        query = base.measures_sql(files, as_of, scratch / f"query-{as_of}.parquet")
        return both(key, ["run", "--as-of", str(as_of), "--json"], base.python_c(base.RUN_SQL, query))

    try:
        load("accounts", "accounts", work.accounts_csv)
        load("contracts", "contracts", work.contracts_csv)
        load("events", "events", work.events_parquet)
        cold = run("cold", work.as_of, [work.events_parquet])
        again = run("again", work.as_of, [work.events_parquet])
        if first:
            notes.append(_check(work, cli, env, scratch))
        load("next_import", "events", work.next_day_parquet)
        nxt = run("next_run", work.next_day, [work.events_parquet, work.next_day_parquet])
        if first:
            notes.append(
                f"stage changes reported: cold {cold['transitions']:,}, same date again "
                f"{again['transitions']:,} (goal 0), next day {nxt['transitions']:,}"
            )
            for label, payload in (("cold run", cold), ("same date again", again), ("next-day run", nxt)):
                if phases := _phases(payload):
                    notes.append(f"{label} phases (first repetition): {phases}")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


def _check(work: Workload, cli: list[str], env: dict[str, str], scratch: Path) -> str:
    """Lodestar's stored snapshot of D against the hand-written query's values (not timed)."""
    out = scratch / "snapshot.parquet"
    timed([*cli, "export", "snapshot", "--as-of", str(work.as_of), "--out", str(out)], env)
    compared, differing, columns = base.mismatches(
        out, scratch / f"query-{work.as_of}.parquet", Path(env["LODESTAR_DATA_DIR"]) / "lodestar.db"
    )
    where = f" (in {', '.join(columns)})" if columns else ""
    return (
        f"check: Lodestar's snapshot of {work.as_of} vs the query: "
        f"{differing:,} of {compared:,} accounts differ{where}"
    )


def _steps(work: Workload) -> dict[str, Step]:
    e, n = work.events, work.accounts
    return {
        "accounts": Step(f"import accounts ({n:,} CSV rows)"),
        "contracts": Step(f"import contracts ({n:,} CSV rows)"),
        "events": Step(
            f"import events ({e:,} Parquet rows)", 5.0, int(1.5 * GIB) if e >= 50_000_000 else None
        ),
        "cold": Step("run --as-of D, cold store", 3.0),
        "again": Step("run --as-of D, same date again", 0.5),
        "next_import": Step(f"import next day's events ({max(1, e // 180):,})"),
        "next_run": Step("run --as-of D+1 (after that import)", 1.0),
    }


def _table(steps: dict[str, Step]) -> list[str]:
    head = f"  {'operation (whole process)':<42}{'Lodestar s':>11}{'baseline s':>11}{'ratio':>8}  {'goal':<8}"
    lines = [head + f"{'peak RSS':>10}{'baseline RSS':>14}  verdict"]
    for s in steps.values():
        mine = statistics.median(m.seconds for m in s.lodestar)
        theirs = statistics.median(m.seconds for m in s.baseline)
        rss, their_rss = max(m.rss for m in s.lodestar), max(m.rss for m in s.baseline)
        ratio = mine / theirs
        goal, verdict = "", ""
        if s.goal is not None:
            goal = f"<= {s.goal:g}x"
            ok = ratio <= s.goal and (s.rss_goal is None or rss <= s.rss_goal)
            verdict = "meets" if ok else "MISSES"
            if s.rss_goal is not None:
                verdict += f" (RSS goal <= {s.rss_goal / GIB:g} GiB)"
        lines.append(
            f"  {s.name:<42}{mine:>11.2f}{theirs:>11.2f}{ratio:>7.2f}x  {goal:<8}"
            f"{rss / GIB:>8.2f} G{their_rss / GIB:>12.2f} G  {verdict}"
        )
    return lines


def run_scale(root: Path, accounts: int, events: int, repeat: int) -> list[str]:
    """Generates (or reuses) one workload, runs every step `repeat` times, returns the lines to print."""
    started = time.perf_counter()
    work = generate(root / f"workload-{accounts}-{events}", accounts, events, AS_OF)
    made = time.perf_counter() - started
    steps, notes = _steps(work), list[str]()
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    for i in range(repeat):
        _once(work, root / "data", steps, notes, first=i == 0)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    size = work.events_parquet.stat().st_size / 2**20
    return [
        f"e2e bench: {accounts:,} accounts, {events:,} events over 180 days "
        f"(+{max(1, events // 180):,} next day), "
        f"D = {work.as_of}; events Parquet {size:,.0f} MiB; workload ready in {made:.1f} s; "
        f"median of {repeat}",
        "  baselines: pyarrow CSV read + Parquet write (accounts, contracts), pyarrow Parquet read + write "
        "(events), a hand-written DuckDB query of the same measures over the raw Parquet (runs)",
        *_table(steps),
        *(f"  {note}" for note in notes),
        f"  load average before / after (1, 5, 15 min): {load_before} -> {load}",
    ]


def main() -> list[str]:
    """Every configured scale in turn, each printed as soon as it is done (a long run shows its first)."""
    root = Path(os.environ.get("BENCH_E2E_DIR", "bench-data/e2e")).resolve()
    accounts = int(os.environ.get("BENCH_E2E_ACCOUNTS", "100000"))
    scales = [int(e) for e in os.environ.get("BENCH_E2E_EVENTS", "20000000,50000000").split(",") if e.strip()]
    for events in scales:
        default_repeat = "3" if events <= 20_000_000 else "1"
        repeat = max(1, int(os.environ.get("BENCH_E2E_REPEAT", default_repeat)))
        print("\n".join(run_scale(root, accounts, events, repeat)), flush=True)
    return []


if __name__ == "__main__":
    main()
