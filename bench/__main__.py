"""`python -m bench`: runs every benchmark and prints the figures with the machine they ran on."""

from __future__ import annotations

import os

from bench import machine, web_pages


def main() -> None:
    """Runs the benchmarks in turn (BENCH_ACCOUNTS sets the company size; default 100,000)."""
    accounts = int(os.environ.get("BENCH_ACCOUNTS", "100000"))
    print(f"machine: {machine.describe()}")
    for line in web_pages.main(accounts):
        print(line, flush=True)


if __name__ == "__main__":
    main()
