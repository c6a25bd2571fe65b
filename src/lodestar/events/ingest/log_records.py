"""Log records on disk: how a record is framed, how segment files are named, and reading them back.

A record is ``<u32 length><u32 crc32>`` then the payload: ``<u32 n><n bytes of "\\n"-joined dedup keys>``
and the message body. Offsets are logical byte positions: segment ``seg-<start>.log`` holds
``[start, start + size)``. The log's owner and the mover process both read through `read_records`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HEADER = struct.Struct("<II")
IDS_LEN = struct.Struct("<I")
MAX_RECORD = 16 * 1024 * 1024


@dataclass(frozen=True)
class LogRecord:
    """One record read back: its offsets, dedup keys and body."""

    start: int
    end: int
    ids: list[bytes]
    body: bytes


def encode(ids: Iterable[bytes], body: bytes) -> bytes:
    """Frames dedup keys and a body as one log record."""
    joined = b"\n".join(ids)
    payload = IDS_LEN.pack(len(joined)) + joined + body
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def _decode(payload: bytes) -> tuple[list[bytes], bytes]:
    (n,) = IDS_LEN.unpack_from(payload)
    ids_blob = payload[4 : 4 + n]
    return (ids_blob.split(b"\n") if ids_blob else []), payload[4 + n :]


def parse_records(data: bytes, base: int) -> tuple[list[LogRecord], int]:
    """Parses whole, valid records from data; returns them and how many bytes they span."""
    records: list[LogRecord] = []
    pos = 0
    while pos + HEADER.size <= len(data):
        length, crc = HEADER.unpack_from(data, pos)
        end = pos + HEADER.size + length
        if length > MAX_RECORD or end > len(data):
            break
        payload = data[pos + HEADER.size : end]
        if zlib.crc32(payload) != crc:
            break
        ids, body = _decode(payload)
        records.append(LogRecord(base + pos, base + end, ids, body))
        pos = end
    return records, pos


def segment_path(folder: Path, start: int) -> Path:
    """The file of the segment that starts at this log offset."""
    return folder / f"seg-{start:016d}.log"


def segment_starts(folder: Path) -> list[int]:
    """The start offsets of the segment files in a log folder, oldest first."""
    return sorted(int(p.stem.removeprefix("seg-")) for p in folder.glob("seg-*.log"))


def read_records(
    folder: Path, spans: Iterable[tuple[int, int]], offset: int, max_bytes: int
) -> list[LogRecord]:
    """Whole records from offset on, about max_bytes of them (at least one if any).

    Spans are the segments as (start, end of what may be read), oldest first. A segment file that is gone
    was released by the log's owner once moved, so it is passed over.
    """
    out: list[LogRecord] = []
    budget = max_bytes
    for start, limit in spans:
        if limit <= offset or budget <= 0:
            continue
        pos = max(offset, start)
        try:
            with open(segment_path(folder, start), "rb") as fh:
                fh.seek(pos - start)
                data = fh.read(min(limit - pos, budget + MAX_RECORD))
        except FileNotFoundError:
            continue
        records, _ = parse_records(data, pos)
        for record in records:
            if budget <= 0:
                break
            out.append(record)
            budget -= record.end - record.start
        if records:
            offset = out[-1].end
    return out
