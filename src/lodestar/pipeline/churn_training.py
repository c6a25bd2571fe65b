"""`lodestar predict churn train | score`: composed here, above both domains, because the label comes from the
renewals domain's contract outcomes (the successor rule), scores fill open renewals' predicted likelihood,
and predictions sits below renewals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lodestar.cli_support import (
    JsonOpt,
    LangOpt,
    context,
    date_or_today,
    emit_lines,
    fail,
    failing_in,
    reader_language,
)
from lodestar.predictions.cli import evaluate_table

# The options training and evaluating on the history share.
CutoffOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="The history's cut-off, YYYY-MM-DD: nothing after it is read (default: today)."
    ),
]
HorizonOpt = Annotated[int, typer.Option(help="Days ahead the label looks for a contract ending unrenewed.")]


def _interval(value: dict[str, Any]) -> str:
    if value.get("value") is None:
        return "—"
    return f"{value['value']:.3f} [{value['low']:.3f}, {value['high']:.3f}]"


def model_lines(model: Any, _: Any) -> list[str]:
    """A stored model version in the reader's language."""
    m = model.metrics
    out = [
        _("Churn model version %(v)s, %(kind)s with %(cal)s calibration")
        % {"v": model.version, "kind": model.kind, "cal": model.calibration},
        _("training window %(first)s .. %(last)s, horizon %(h)s days, %(rows)s rows, %(pos)s not renewed")
        % {"first": model.first_date, "last": model.last_date, "h": model.horizon_days, "rows": m["rows"],
           "pos": m["positives"]},
        _("time split at %(at)s: %(train)s training rows, %(test)s test rows")
        % {"at": m["split_at"], "train": m["train_rows"], "test": m["test_rows"]},
    ]  # fmt: skip
    for c in m["candidates"]:
        out.append(
            _("  %(model)s: AUC %(auc)s") % {"model": c["model"], "auc": _interval(c["figures"]["auc"])}
        )
    out.append(
        _("on the same %(rows)s accounts and dates: model AUC %(model)s, health score AUC %(health)s")
        % {"rows": m["health"]["rows"], "model": _interval(m["health"]["model_auc"]),
           "health": _interval(m["health"]["auc"])}
    )  # fmt: skip
    status = _("active") if model.active else _("inactive")
    out.append(_("status: %(status)s (%(reason)s)") % {"status": status, "reason": _(model.reason)})
    out.append(_("model file: %(file)s (sha256 %(sum)s)") % {"file": model.file, "sum": model.checksum[:12]})
    return out


def model_json(model: Any) -> dict[str, Any]:
    keep = (
        "version", "as_of", "horizon_days", "first_date", "last_date", "kind", "calibration", "features",
        "metrics", "libraries", "model_auc", "health_auc", "active", "reason", "file", "checksum",
    )  # fmt: skip
    return {k: (str(getattr(model, k)) if "date" in k or k == "as_of" else getattr(model, k)) for k in keep}


def train_churn(
    as_of: CutoffOpt = None,
    horizon: HorizonOpt = 180,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Trains the churn model on the snapshot history; stores it versioned, active only if it beats health."""
    from lodestar.analytics import snapshot_store
    from lodestar.db.engine import unit_of_work
    from lodestar.predictions import service
    from lodestar.renewals.retention import service as retention_service
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    engine, settings = context()
    cutoff = date_or_today("as-of", as_of, settings)
    with failing_in(_), unit_of_work(engine) as session:
        outcomes = retention_service.contract_outcomes(session, cutoff)
        root = snapshot_store.root_of(settings)
        model = service.train_model(session, root, settings.data_dir, outcomes, cutoff, horizon)
        found = model_json(model) if as_json else model_lines(model, _)
    typer.echo(json.dumps(found, ensure_ascii=False, indent=2) if as_json else "\n".join(found))


def score_churn(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The snapshot date to score, YYYY-MM-DD (default: today).")
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Scores every account of the date's snapshot with the active churn model (likelihood, risk factors)."""
    from lodestar.analytics import snapshot_store
    from lodestar.db.engine import unit_of_work
    from lodestar.pipeline.daily import score_churn as score_and_fill
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    engine, settings = context()
    day = date_or_today("as-of", as_of, settings)
    with failing_in(_), unit_of_work(engine) as session:
        root = snapshot_store.root_of(settings)
        scored = score_and_fill(session, root, settings.data_dir, day, strict=True)
    if as_json:
        typer.echo(json.dumps({"as_of": day.isoformat(), "scored": scored}))
        return
    typer.echo(_("%(n)s accounts scored on %(day)s") % {"n": scored, "day": day.isoformat()})


def evaluate_churn(
    table: Annotated[
        Path | None,
        typer.Option("--table", help="A labelled table (.csv, .xlsx, .parquet); without it: the history."),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="With --table: the column naming each customer.")
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", help="With --table: the outcome column (1/0, true/false, yes/no, 是/否)."),
    ] = None,
    time: Annotated[
        str | None,
        typer.Option(
            "--time", help="With --table: a date column; test on the latest quarter instead of k-fold."
        ),
    ] = None,
    positive: Annotated[
        str | None, typer.Option("--positive", help="With --table: the label value that means churned.")
    ] = None,
    as_of: CutoffOpt = None,
    horizon: HorizonOpt = 180,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluates the churn model out of sample: on the history (backtests at several cut-offs, k-fold grouped
    by account, the health score beside each) or, with --table, on a labelled table."""
    from lodestar.web.i18n import gettext_for

    if table is not None:
        missing = [name for name, value in (("--id", id_column), ("--label", label)) if value is None]
        if missing:
            _ = gettext_for(reader_language(lang))
            fail(f"{missing[0]}: " + _("is required with --table"))
        evaluate_table(table, str(id_column), str(label), time, positive, lang, as_json)
        return
    _evaluate_history(as_of, horizon, lang, as_json)


def _evaluate_history(as_of: str | None, horizon: int, lang: str | None, as_json: bool) -> None:
    from lodestar.analytics import snapshot_store
    from lodestar.db.engine import unit_of_work
    from lodestar.predictions import service
    from lodestar.predictions.history_evaluation_text import history_lines
    from lodestar.renewals.retention import service as retention_service
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    engine, settings = context()
    cutoff = date_or_today("as-of", as_of, settings)
    with failing_in(_), unit_of_work(engine) as session:
        outcomes = retention_service.contract_outcomes(session, cutoff)
        root = snapshot_store.root_of(settings)
        found = service.evaluate_history(session, root, outcomes, cutoff, horizon)
    emit_lines(as_json, found, lambda: history_lines(found, _))
