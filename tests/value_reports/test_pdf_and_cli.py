"""The PDF in both languages (text extracted, charts drawn on the page) and `lodestar reports build`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.value_reports import rendering, service
from lodestar.value_reports.pdf import pdf_bytes
from lodestar.value_reports.pdf_worker import Renderers
from tests.value_reports import world


def _pdf(db: Session, tmp_path: Path, locale: str) -> tuple[bytes, object]:
    w = world.build(db, tmp_path)
    draft = service.preview(db, w.csm, w.account_id, "2026Q3", world.TODAY, w.place, locale)
    narrative = {"highlights": "Three departments live", "next_plan": "Finance next"}
    return pdf_bytes(rendering.document(draft.figures, locale, narrative)), draft.figures


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_pdf_holds_the_section_titles_and_figures_in_the_reports_language(
    db: Session, tmp_path: Path, locale: str
) -> None:
    data, f = _pdf(db, tmp_path, locale)
    (tmp_path / "r.pdf").write_bytes(data)
    pages = PdfReader(tmp_path / "r.pdf").pages
    text = "\n".join(p.extract_text() for p in pages)
    titles = {
        "zh_CN": [
            "客户价值报告",
            "过程数据",
            "成果与回报",
            "同行排名",
            "各团队排名",
            "服务",
            "里程碑",
            "下期计划",
        ],
        "en": [
            "Customer value report",
            "Process data",
            "Results and ROI",
            "Ranking among peers",
            "Ranking of your teams",
            "Service",
            "Milestones",
            "Plan for the next period",
        ],
    }[locale]
    assert [t for t in titles if t not in text] == []
    service_ = f.service  # type: ignore[attr-defined]
    expected = [
        f"{f.usage.events}",
        f"{f.value[0].value:.1f}",
        f"{f.ranking.percentile:.0f}",  # type: ignore[attr-defined]
        f"{service_.tickets_opened} / {service_.tickets_resolved}",
        f"{service_.nps:.0f}",
        "Three departments live",
        "Core module live",
        *[f"{t.rank} {t.name} {t.active_users} {t.events} {t.events_per_user:.1f}" for t in f.teams.teams],  # type: ignore[attr-defined]
        f"2 / {len(pages)}",
    ]  # the last: page 2 of all, numbered
    assert [x for x in expected if x not in text] == []


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_team_ranking_is_left_out_when_no_users_team_is_known(
    db: Session, tmp_path: Path, locale: str
) -> None:
    w = world.build(db, tmp_path)
    f = service.preview(db, w.csm, w.account_id, "2026Q3", world.TODAY, w.place, locale).figures
    title = {"zh_CN": "各团队排名", "en": "Ranking of your teams"}[locale]
    shown = str(rendering.body(f, locale, {}))
    assert title in shown and 'data-chart="teams"' in shown and "Finance" in shown
    hidden = str(rendering.body(f.model_copy(update={"teams": None}), locale, {}))
    assert title not in hidden and 'data-testid="team-figures"' not in hidden and "Finance" not in hidden


def test_the_pdfs_charts_are_drawn_on_the_page(db: Session, tmp_path: Path) -> None:
    data, _ = _pdf(db, tmp_path, "zh_CN")
    page = pypdfium2.PdfDocument(data)[1]  # the page after the cover: process data and its charts
    image = page.render(scale=1).to_pil().convert("RGB")
    bar = (0x20, 0x6B, 0xC4)  # the charts' bar colour, used by nothing else on the page
    pixels = int((np.abs(np.asarray(image, dtype=int) - np.array(bar)).max(axis=2) < 12).sum())
    assert pixels > 2000, "the usage and feature charts should draw their bars"


def test_reports_build_writes_one_pdf_per_account_and_refuses_a_future_period(
    db: Session, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world.build(db, tmp_path)
    db.commit()
    monkeypatch.setenv("LODESTAR_DATABASE_URL", db_url)
    monkeypatch.setenv("LODESTAR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    refused = runner.invoke(app, ["reports", "build", "--period", "2099Q1", "--accounts", "CRM-ACME"])
    assert refused.exit_code == 2 and "--period" in refused.output and "in the future" in refused.output
    unknown = runner.invoke(app, ["reports", "build", "--period", "2026Q3", "--accounts", "CRM-NONE"])
    assert unknown.exit_code == 2 and "CRM-NONE" in unknown.output
    assert not (tmp_path / "reports").exists()
    out = tmp_path / "out"
    built = runner.invoke(
        app,
        [
            "reports",
            "build",
            "--period",
            "2026Q3",
            "--accounts",
            f"CRM-ACME,{w.peer_ids[0]}",
            "--locale",
            "zh_CN",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert built.exit_code == 0, built.output
    rows = json.loads(built.output)
    assert [(r["account_id"], r["events"]) for r in rows] == [(w.account_id, 55), (w.peer_ids[0], 0)]
    assert sorted(p.name for p in (out / "2026Q3").iterdir()) == sorted(
        f"{a}-zh_CN.pdf" for a in (w.account_id, w.peer_ids[0])
    )


def test_the_batchs_pdf_workers_write_every_job_in_order_and_report_a_failure(tmp_path: Path) -> None:
    page = "<html><body><p>报告 {n}</p></body></html>"
    jobs = [(page.format(n=n), str(tmp_path / f"{n}.pdf")) for n in range(3)]
    done: list[int] = []
    with Renderers(2) as workers:
        workers.render(jobs, done.append)
        (tmp_path / "file").write_text("not a folder")
        with pytest.raises(RuntimeError, match="FileExistsError"):
            workers.render([(page, str(tmp_path / "file" / "bad.pdf"))], done.append)
        fetched = tmp_path / "fetched.pdf"  # a URL in a document is never fetched; the page still renders
        workers.render([(f'<img src="file://{tmp_path}/0.pdf"><p>x</p>', str(fetched))], done.append)
    assert done == [0, 1, 2, 0] and fetched.read_bytes().startswith(b"%PDF")
    assert [PdfReader(tmp_path / f"{n}.pdf").pages[0].extract_text().strip() for n in range(3)] == [
        f"报告 {n}" for n in range(3)
    ]
