"""Read-only access to an ingest log that another process owns: what the mover process reads."""

from __future__ import annotations

from pathlib import Path

import orjson

from lodestar.events.log import MAX_RECORD, LogRecord, _parse
from lodestar.events.mark import DurableMark


class LogReader:
    """Reads durable records of an ingest log that another process owns and appends to."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log_id = str(orjson.loads((folder / "log-id").read_bytes()))
        self.mark = DurableMark(folder / "durable")

    @property
    def durable_end(self) -> int:
        """How far the owner has fsynced the log."""
        return self.mark.get()

    def read(self, offset: int, max_bytes: int = 32 << 20) -> list[LogRecord]:
        """Durable records from offset on, about max_bytes of them (at least one if any)."""
        limit_all = self.durable_end
        starts = sorted(int(p.stem.removeprefix("seg-")) for p in self.folder.glob("seg-*.log"))
        out: list[LogRecord] = []
        budget = max_bytes
        for i, start in enumerate(starts):
            following = starts[i + 1] if i + 1 < len(starts) else limit_all
            limit = min(following, limit_all)
            if limit <= offset or budget <= 0:
                continue
            pos = max(offset, start)
            try:
                with open(self.folder / f"seg-{start:016d}.log", "rb") as fh:
                    fh.seek(pos - start)
                    data = fh.read(min(limit - pos, budget + MAX_RECORD))
            except FileNotFoundError:  # released by the owner meanwhile: it was already moved
                continue
            records, _ = _parse(data, pos)
            for record in records:
                if budget <= 0:
                    break
                out.append(record)
                budget -= record.end - record.start
            if records:
                offset = out[-1].end
        return out
