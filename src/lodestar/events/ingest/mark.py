"""How far the ingest log is fsynced, shared with the mover process through a small mmapped file.

The log's owner publishes the mark after every group commit; the mover reads records only below it, so it
never stores a message that was written but not yet acknowledged.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from pathlib import Path

_MARK = struct.Struct("<QqQ")  # sequence, value, sequence again (a seqlock: equal and even = consistent)


class DurableMark:
    """An int64 shared between processes through an mmapped file, written by one process only."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _MARK.size:
                os.ftruncate(fd, _MARK.size)
            self._map = mmap.mmap(fd, _MARK.size)
        finally:
            os.close(fd)
        self._seq = _MARK.unpack_from(self._map)[0] & ~1

    def set(self, value: int) -> None:
        """Publishes a new value."""
        self._seq += 1  # odd: a write is in progress
        struct.pack_into("<Q", self._map, 0, self._seq)
        struct.pack_into("<q", self._map, 8, value)
        self._seq += 1
        struct.pack_into("<Q", self._map, 16, self._seq)
        struct.pack_into("<Q", self._map, 0, self._seq)

    def get(self) -> int:
        """The last value published completely."""
        for spins in range(1_000_000):
            first, value, second = _MARK.unpack_from(self._map)
            if first == second and not first & 1:
                return int(value)
            if spins > 100:
                time.sleep(0.001)
        raise RuntimeError("the durable mark stays half-written")

    def close(self) -> None:
        """Unmaps the file."""
        self._map.close()
