"""The demo reports each of its phases to a progress callback (the command line draws the bar)."""

from datetime import date

from lodestar.demo import generate_demo
from lodestar.demo.service import PHASES
from tests.conftest import wipe
from tests.progress_calls import Recorded


def test_the_demo_reports_each_phase_as_it_starts_and_ends(engine, tmp_path):
    wipe(engine)
    heard = Recorded()
    result = generate_demo(
        engine, tmp_path / "demo", accounts=10, seed=3, today=date(2026, 1, 1), progress=heard
    )
    assert result.accounts == 10
    assert heard.totals == [len(PHASES)] and heard.done == len(PHASES)
    assert heard.notes == [*PHASES, "done"]
