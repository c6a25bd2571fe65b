"""The mover process beside the server (off the server's GIL), and the server's bookkeeping thread.

The server owns the ingest log; ``python -m lodestar.events.ingest.mover_process`` reads it below the
durable mark and moves it into the event store at a lower CPU priority, so moving never delays
acknowledgements. The server's bookkeeping thread writes the receiver's counts to the database, releases
moved segments and restarts the mover process should it die.

What follows each moved range (bringing the moved accounts' metrics and health up to date) belongs to
layers above events: a composer names, once at startup, the module whose ``main`` runs the mover with that
step chained (``start_mover_from``); that main calls ``main`` here with its step.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from lodestar.events.ingest.mover import AfterMove

log = logging.getLogger(__name__)
DB_URL_ENV = "LODESTAR_MOVER_DATABASE_URL"
SETTINGS_ENV = "LODESTAR_MOVER_SETTINGS"  # the server's settings as JSON, for a chained step
INTERVAL_S = 0.5
_entry = {"module": __name__}


def start_mover_from(module: str) -> None:
    """Makes servers started from now on run the mover through this module's main (see the docstring)."""
    _entry["module"] = module


class MoverProcess:
    """Starts, watches and stops the mover process for one ingest log."""

    def __init__(self, log_dir: Path, events_dir: Path, db_url: str, settings_json: str = "{}") -> None:
        self.log_dir, self.events_dir, self.db_url = log_dir, events_dir, db_url
        self.settings_json = settings_json
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def start(self) -> None:
        """Spawns the process."""
        args = [sys.executable, "-m", _entry["module"], str(self.log_dir), str(self.events_dir)]
        env = {**os.environ, DB_URL_ENV: self.db_url, SETTINGS_ENV: self.settings_json}
        # Its stdin is the stop signal: EOF means "move what is durable, then exit" (no race with startup).
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE)

    def check(self) -> None:
        """Restarts the process if it died while it should be running."""
        if not self.stopping and self.proc is not None and self.proc.poll() is not None:
            log.error("the event mover exited with %s; restarting it", self.proc.returncode)
            self.start()

    def stop(self, timeout: float = 120) -> None:
        """Asks the process to move everything that is durable, then waits for it to exit."""
        self.stopping = True
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Bookkeeper:
    """A server thread: flushes counts and rejections, releases moved segments, watches the mover."""

    def __init__(self, flush: Callable[[], None], release: Callable[[], None], mover: MoverProcess) -> None:
        self.flush, self.release, self.mover = flush, release, mover
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-bookkeeper", daemon=True)

    def start(self) -> None:
        """Starts the thread."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL_S):
            try:
                self.flush()
                self.release()
                self.mover.check()
            except Exception:  # keep going: counts stay in memory until a flush succeeds
                log.exception("event bookkeeping failed; retrying")

    def stop(self) -> None:
        """Stops the thread after a last flush."""
        self._stop.set()
        self._thread.join()
        self.flush()


def _die_with_parent(parent: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def _lock(folder: Path, parent: int) -> int:
    """Waits for the mover lock: a mover orphaned by a killed server may still be finishing a round."""
    fd = os.open(folder / "mover.lock", os.O_RDWR | os.O_CREAT, 0o600)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(0.05)


def run(
    log_dir: Path,
    events_dir: Path,
    sessions: sessionmaker[Session],
    parent: int,
    after_move: AfterMove | None = None,
) -> None:
    """Moves the log until stdin closes, then moves what is left and returns."""
    from lodestar.events.ingest.log import LogReader
    from lodestar.events.ingest.mover import Mover

    stopping = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.buffer.read()
        stopping.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    lock = _lock(log_dir, parent)
    mover = Mover(LogReader(log_dir), sessions, events_dir, after_move=after_move)
    try:
        while os.getppid() == parent:
            try:
                progressed = mover.move_once() > 0 or mover.progressed
            except Exception:  # keep going: the log keeps everything until a round succeeds
                log.exception("moving events failed; retrying")
                progressed = False
                if stopping.is_set():
                    return
            if not progressed:
                if stopping.is_set():
                    return
                stopping.wait(INTERVAL_S)
    finally:
        os.close(lock)


def main(argv: list[str] | None = None, chain: Callable[[Engine], AfterMove] | None = None) -> None:
    """Runs the mover process: ``python -m lodestar.events.ingest.mover_process LOG_DIR EVENTS_DIR``.

    `chain` makes the step to run after each moved range, given the process's database engine.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):  # the server stops us by closing stdin, once drained
        signal.signal(signum, signal.SIG_IGN)
    parent = os.getppid()
    _die_with_parent(parent)
    os.nice(5)  # requests come first: the mover takes the CPU they leave
    logging.basicConfig(level=logging.WARNING)
    args = argv if argv is not None else sys.argv[1:]
    from lodestar.db.engine import make_engine, session_factory

    engine = make_engine(os.environ[DB_URL_ENV])
    after_move = chain(engine) if chain else None
    run(Path(args[0]), Path(args[1]), session_factory(engine), parent, after_move)
    engine.dispose()


if __name__ == "__main__":
    main()
