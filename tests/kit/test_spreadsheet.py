"""Exports never hand a spreadsheet a formula: text cells starting with = + - @ are escaped."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy.orm import Session

from lodestar.analytics.metrics.registry import metrics_schema
from lodestar.kit.spreadsheet import escape_formulas
from lodestar.snapshots import service as snapshots_service

RISKY = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "plain", None]


def test_formula_leading_text_is_escaped_and_the_rest_kept() -> None:
    table = pa.table({"name": RISKY, "arr": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, None]})
    out = escape_formulas(table)
    assert out.column("name").to_pylist() == ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "'\t=x", "plain", None]
    assert out.column("arr").to_pylist() == table.column("arr").to_pylist()


def test_the_snapshot_csv_export_escapes_formulas(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = {f.name: pa.nulls(2, f.type) for f in metrics_schema()}  # every column the export checks for
    names = {"account": ['=HYPERLINK("http://x")', "Acme"], "explanations": ["", ""]}
    table = pa.table(metrics | {"account_id": pa.array([1, 2], pa.int64())} | names)
    monkeypatch.setattr(snapshots_service, "snapshot", lambda root, as_of: table)
    out = tmp_path / "snap.csv"
    snapshots_service.export_snapshot(db, tmp_path, date(2025, 1, 1), out)
    assert "'=HYPERLINK" in out.read_text()
