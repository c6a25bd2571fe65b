"""`predict churn evaluate --table`: typing, a planted signal found, calibration, and every refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from lodestar.cli import app as lodestar_app
from lodestar.kit.errors import InvalidInput
from lodestar.predictions import service
from lodestar.predictions.modelling.evaluation import evaluate_models
from lodestar.predictions.modelling.feature_typing import apply_plan, number_from_text, plan_features
from lodestar.predictions.modelling.label_values import parse_label

runner = CliRunner()


def planted(n: int = 1500, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """A CRM-like table whose churn depends on usage (written '1,234') and plan; the true probabilities."""
    rng = np.random.default_rng(seed)
    usage = rng.normal(0, 1, n)
    plan = rng.choice(["basic", "pro", "enterprise"], n)
    p = 1 / (1 + np.exp(-(-1.2 - 1.5 * usage + np.where(plan == "basic", 0.8, 0.0))))
    churned = rng.random(n) < p
    frame = pd.DataFrame(
        {
            "customer": [f"C{i:05d}" for i in range(n)],
            "usage": [f"{1000 * (3 + v):,.0f}" for v in usage],
            "plan": plan,
            "noise": rng.normal(0, 1, n).round(3).astype(str),
            "churned": np.where(churned, "是", "否"),
        }
    )
    return frame, p


def write_csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> Path:
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def test_numbers_written_as_text_are_read_as_an_analyst_would() -> None:
    assert number_from_text("1,234") == 1234.0
    assert number_from_text("12%") == pytest.approx(0.12)
    assert number_from_text("¥3 000") == 3000.0
    assert np.isnan(number_from_text("twelve"))
    frame = pd.DataFrame(
        {
            "a": ["1,234", "12", None, "7"],
            "b": ["yes", "no", "yes", "no"],
            "c": ["2024-01-01"] * 3 + ["2024-01-11"],
        }
    )
    plan = plan_features(frame, [])
    assert {c.name: c.kind for c in plan.columns} == {"a": "number_text", "b": "boolean", "c": "date"}
    features = apply_plan(plan, frame)
    assert features["a"].tolist()[:2] == [1234.0, 12.0] and np.isnan(features["a"][2])
    assert features["b"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert features["c"].tolist() == [10.0, 10.0, 10.0, 0.0]  # age at the latest date


def test_labels_read_in_either_language_or_by_the_positive_value() -> None:
    assert parse_label(pd.Series(["是", "否", "是"]), "y").tolist() == [True, False, True]
    assert parse_label(pd.Series(["1", "0", "1.0"]), "y").tolist() == [True, False, True]
    assert parse_label(pd.Series(["lost", "kept"]), "y", positive="lost").tolist() == [True, False]
    with pytest.raises(InvalidInput, match="positive"):
        parse_label(pd.Series(["lost", "kept"]), "y")


def test_a_planted_signal_is_found_with_an_interval_above_chance(tmp_path: Path) -> None:
    frame, p = planted()
    result = service.evaluate_table(write_csv(frame, tmp_path / "t.csv", "gbk"), "customer", "churned")
    truth = frame["churned"].eq("是").to_numpy()
    oracle = roc_auc_score(truth, p)  # the best any model could rank these rows
    assert {f.name: f.kind for f in result.features} == {
        "usage": "number_text",
        "plan": "category",
        "noise": "number",
    }
    for candidate in result.candidates:
        found = candidate.figures.auc
        assert found.low is not None and found.low > 0.5
        assert abs(found.value - oracle) < 0.05
    shuffled = frame.assign(churned=frame["churned"].sample(frac=1, random_state=1).to_numpy())
    noise = service.evaluate_table(write_csv(shuffled, tmp_path / "noise.csv"), "customer", "churned")
    best_noise = max(c.figures.auc.high or 1 for c in noise.candidates)
    chosen = next(c for c in result.candidates if c.model == result.chosen)
    assert chosen.figures.auc.low > best_noise  # the planted signal beats noise by a clear margin


def test_excel_and_parquet_tables_and_a_time_split(tmp_path: Path) -> None:
    frame, _ = planted(n=600)
    frame["signed"] = pd.date_range("2023-01-01", periods=len(frame), freq="D").strftime("%Y-%m-%d")
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    for name in ("t.xlsx", "t.parquet"):
        result = service.evaluate_table(tmp_path / name, "customer", "churned", time_column="signed")
        assert result.validation.kind == "time_split"
        latest_quarter_starts = pd.Timestamp("2023-01-01") + pd.Timedelta(days=600 - 150)
        assert result.validation.split_at == latest_quarter_starts.date().isoformat()
        assert result.validation.test_rows == 150
        assert result.candidates[0].figures.rows == 150


def test_calibrated_probabilities_match_observed_rates_per_decile() -> None:
    rng = np.random.default_rng(11)
    n = 40_000
    x = rng.normal(0, 1, (n, 3))
    p = 1 / (1 + np.exp(-(-1.0 + x @ np.array([1.2, -0.8, 0.5]))))
    y = rng.random(n) < p
    features = pd.DataFrame(x, columns=["a", "b", "c"])
    found = evaluate_models(features, y)
    for candidate in found.candidates:
        assert candidate.calibration == "isotonic"
        for part in candidate.figures.reliability:
            assert abs(part.predicted - part.observed.value) <= 0.02


@pytest.mark.parametrize(
    ("change", "args", "named", "words"),
    [
        (lambda f: f.assign(churned="否"), [], "churned", "same label"),
        (lambda f: f.assign(customer=["C1"] * 2 + list(f["customer"][2:])), [], "customer", "more than once"),
        (
            lambda f: f.assign(cancel_date=np.where(f["churned"] == "是", "2024-05-01", "")),
            [],
            "cancel_date",
            "leak",
        ),
        (lambda f: f.head(30), [], "table", "too few"),
        (lambda f: f, ["--time", "signed_on"], "--time", "no column signed_on"),
    ],
)
def test_bad_tables_are_refused_naming_the_column(
    tmp_path: Path, change: object, args: list[str], named: str, words: str
) -> None:
    frame, _ = planted(n=300)
    path = write_csv(change(frame), tmp_path / "t.csv")  # type: ignore[operator]
    base = [
        "churn",
        "evaluate",
        "--table",
        str(path),
        "--id",
        "customer",
        "--label",
        "churned",
        "--lang",
        "en",
    ]
    out = runner.invoke(lodestar_app, ["predict", *base, *args])
    assert out.exit_code == 2
    assert f"{named}:" in out.output and words in out.output


def test_the_evaluation_reads_in_chinese(tmp_path: Path) -> None:
    frame, _ = planted(n=400)
    path = write_csv(frame, tmp_path / "t.csv")
    base = ["churn", "evaluate", "--table", str(path), "--id", "customer", "--label", "churned"]
    out = runner.invoke(lodestar_app, ["predict", *base, "--lang", "zh_CN"])
    assert out.exit_code == 0, out.output
    assert "逻辑回归" in out.output and "校准" in out.output
    as_json = runner.invoke(lodestar_app, ["predict", *base, "--json"])
    assert '"chosen"' in as_json.output


def test_a_table_without_signal_is_called_no_better_than_chance(tmp_path: Path) -> None:
    frame, _ = planted(n=400)
    shuffled = frame.assign(churned=frame["churned"].sample(frac=1, random_state=2).to_numpy())
    result = service.evaluate_table(write_csv(shuffled, tmp_path / "t.csv"), "customer", "churned")
    chosen = next(c for c in result.candidates if c.model == result.chosen)
    assert chosen.figures.auc.low is not None and chosen.figures.auc.low <= 0.5
    assert "better than chance" in result.reason
