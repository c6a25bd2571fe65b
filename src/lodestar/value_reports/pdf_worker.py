"""A batch's PDF worker process: one JSON request a line on stdin (`{"document", "target"}`), the PDF written,
one JSON answer a line on stdout (`{"ok": target}` or `{"error": why}`). Started as `python -m` so that it
imports only the PDF engine, never the command tree (a multiprocessing child would import the parent's main
module, the whole `lodestar` command with its analytics libraries, three times the memory)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from types import TracebackType

from lodestar.value_reports.pdf import render_to_file


def main() -> None:
    """Serves requests until stdin closes."""
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = {"ok": render_to_file(request["document"], request["target"])}
        except Exception as exc:  # the parent reports it; the worker stays up for the next request
            answer = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class Renderers:
    """Worker processes drawing PDFs side by side; each holds one request at a time, so no pipe fills."""

    def __init__(self, count: int) -> None:
        command = [sys.executable, "-m", "lodestar.value_reports.pdf_worker"]
        self.workers = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(count)
        ]

    def __enter__(self) -> Renderers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for worker in self.workers:
            if worker.stdin:
                worker.stdin.close()
        for worker in self.workers:
            worker.wait(timeout=60)

    def _send(self, index: int, job: tuple[str, str]) -> None:
        stdin = self.workers[index % len(self.workers)].stdin
        assert stdin is not None
        stdin.write(json.dumps({"document": job[0], "target": job[1]}) + "\n")
        stdin.flush()

    def render(self, jobs: Sequence[tuple[str, str]], done: Callable[[int], None]) -> None:
        """Draws every (document, target) job; `done(i)` as job i is written, in order."""
        n = len(self.workers)
        for i in range(min(n, len(jobs))):
            self._send(i, jobs[i])
        for i in range(len(jobs)):
            stdout = self.workers[i % n].stdout
            assert stdout is not None
            answer = json.loads(stdout.readline() or '{"error": "the PDF worker stopped"}')
            if "error" in answer:
                raise RuntimeError(f"PDF of {jobs[i][1]}: {answer['error']}")
            if i + n < len(jobs):
                self._send(i + n, jobs[i + n])
            done(i)


if __name__ == "__main__":
    main()
