"""Effectiveness (品检): does doing a step on time move the outcome it is meant to move?

Per step with an outcome metric, each task is one comparison: treated when done on time, untreated
otherwise (late, skipped, missed). The outcome is the account's metric at the first snapshot on or after
trigger + after_days. The effect is treated minus untreated within (tier, stage at trigger) cohorts,
weighted by cohort size, with a percentile bootstrap interval. Per CSM, Spearman's rho between each
account's playbook attainment and the outcome says whether doing more of the playbook goes with better
outcomes in that CSM's portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lodestar.auth.models import User
from lodestar.kit.stats import Estimate, spearman, stratified_difference
from lodestar.sop.measurement.outcomes import Outcomes
from lodestar.sop.measurement.task_facts import people, run_frame, step_units
from lodestar.sop.playbooks import service as playbooks_service
from lodestar.sop.playbooks.schemas import SopConfig

Verdict = Literal["effective", "harmful", "needs_review", "not_enough_data"]
MIN_COMPARISONS = 30  # treated and untreated comparisons each, before a step may be called anything
MIN_RANK_ACCOUNTS = 10  # accounts of one CSM before their rank correlation gets a verdict
DEFAULT_AFTER_DAYS = 60  # the Outcome default, for tasks whose step has left the configuration
VERDICT_RULE = (
    "effective: the 95% bootstrap interval of the effect lies above zero; harmful: it lies below zero; "
    "needs review: it spans zero; each verdict needs at least {n} comparisons in each group (treated = "
    "done on time, untreated = late, skipped or missed), otherwise: not enough data. The effect is the "
    "improvement in the outcome, so its sign is flipped for outcomes where lower is better."
)
DENOMINATOR_RULE = (
    "Due and on time count a step's tasks exactly as attainment does (a required step shows the same "
    "figures in both tables; optional steps with an outcome appear here only). Compared counts the due "
    "tasks the effect rests on: those whose outcome can already be read (a snapshot at the trigger + the "
    "outcome's days) in a tier-and-stage cohort holding both done-on-time and not-on-time tasks. A step "
    "done on time everywhere has no comparison group, so nothing is compared."
)


class EffectRow(BaseModel):
    """The effect of doing one step (or a whole playbook, step_key None) on time on its outcome."""

    playbook_key: str
    step_key: str | None
    title: str
    outcome_metric: str
    after_days: int
    higher_is_better: bool
    due: int  # tasks due by as_of, counted as attainment counts them (runs for a whole playbook)
    on_time: int  # of those, done on time (runs: every required step on time)
    treated: int  # compared: done on time, with an outcome, in a cohort that has both groups
    untreated: int  # compared: not on time, likewise
    not_yet_measurable: int  # no snapshot yet at trigger + after_days
    no_outcome: int  # a snapshot exists but holds no value of the metric for the account
    cohorts: int  # (tier, stage) cohorts with both groups, the ones the effect rests on
    treated_mean: float | None
    untreated_mean: float | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: Verdict


class CsmCorrelation(BaseModel):
    """Within one CSM's accounts: rank correlation of playbook attainment with the outcome."""

    csm_id: int | None
    csm_name: str
    playbook_key: str
    outcome_metric: str
    after_days: int
    accounts: int
    rho: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: Verdict


class EffectivenessReport(BaseModel):
    """Every step's and playbook's effect, and every CSM's rank correlation, as of a date."""

    as_of: date
    min_comparisons: int
    min_rank_accounts: int
    resamples: int
    seed: int
    snapshots: int
    rule: str
    denominators: str = DENOMINATOR_RULE
    steps: list[EffectRow]
    csms: list[CsmCorrelation]


@dataclass(frozen=True)
class OutcomeSpec:
    """Which metric a step or playbook is meant to move, and when to read it."""

    metric: str
    after_days: int
    higher_is_better: bool


def verdict(estimate: Estimate, smaller_group: int, minimum: int) -> Verdict:
    """The stated rule: enough comparisons first, then where the interval lies."""
    if smaller_group < minimum or estimate.low is None or estimate.high is None:
        return "not_enough_data"
    if estimate.low > 0:
        return "effective"
    if estimate.high < 0:
        return "harmful"
    return "needs_review"


def _config(session: Session, config: SopConfig | None) -> SopConfig:
    return config if config is not None else playbooks_service.current_config(session)[0]


def step_outcomes(config: SopConfig) -> dict[tuple[str, str | None], OutcomeSpec]:
    """The outcome of every step (its own, else its playbook's) and of every playbook (step None)."""
    out: dict[tuple[str, str | None], OutcomeSpec] = {}
    for playbook in config.playbooks:
        if playbook.outcome:
            o = playbook.outcome
            out[(playbook.key, None)] = OutcomeSpec(o.metric, o.after_days, o.higher_is_better)
        for step in playbook.steps:
            o2 = step.outcome or playbook.outcome
            if o2:
                out[(playbook.key, step.key)] = OutcomeSpec(o2.metric, o2.after_days, o2.higher_is_better)
    return out


def _measure(frame: pd.DataFrame, outcomes: Outcomes, spec: OutcomeSpec) -> tuple[np.ndarray, np.ndarray]:
    """Outcome values (sign-adjusted so higher is better) and the snapshot day each was read on."""
    accounts = frame["account_id"].to_numpy(dtype=np.int64)
    values, on = outcomes.read(accounts, frame["triggered"].to_numpy(), spec.after_days, spec.metric)
    return (values if spec.higher_is_better else -values), on


def _effect_row(
    key: tuple[str, str | None],
    title: str,
    spec: OutcomeSpec,
    units: pd.DataFrame,
    treated: np.ndarray,
    outcomes: Outcomes,
    params: tuple[int, int, int],
) -> EffectRow:
    minimum, resamples, seed = params
    values, on = _measure(units, outcomes, spec)
    known = ~np.isnan(values)
    cohorts = (units["tier"].fillna("").astype(str) + "|" + units["stage"].fillna("").astype(str)).to_numpy()
    estimate, n_t, n_u, kept = stratified_difference(
        values[known], treated[known], cohorts[known], resamples=resamples, seed=seed
    )
    sign = 1.0 if spec.higher_is_better else -1.0
    t_vals, u_vals = values[known & treated], values[known & ~treated]
    return EffectRow(
        playbook_key=key[0],
        step_key=key[1],
        title=title,
        outcome_metric=spec.metric,
        after_days=spec.after_days,
        higher_is_better=spec.higher_is_better,
        due=len(units),
        on_time=int(treated.sum()),
        treated=n_t,
        untreated=n_u,
        not_yet_measurable=int((on < 0).sum()),
        no_outcome=int(((on >= 0) & ~known).sum()),
        cohorts=kept,
        treated_mean=sign * float(t_vals.mean()) if len(t_vals) else None,
        untreated_mean=sign * float(u_vals.mean()) if len(u_vals) else None,
        effect=estimate.value,
        ci_low=estimate.low,
        ci_high=estimate.high,
        verdict=verdict(estimate, min(n_t, n_u), minimum),
    )


def _correlations(
    playbook_key: str,
    runs: pd.DataFrame,
    specs: dict[tuple[str, str | None], OutcomeSpec],
    outcomes: Outcomes,
    names: dict[int, str],
    params: tuple[int, int, int],
) -> list[CsmCorrelation]:
    """Per CSM and per distinct outcome of the playbook: rho of account attainment vs the outcome."""
    minimum, resamples, seed = params
    wanted = sorted(
        {spec for (pk, _), spec in specs.items() if pk == playbook_key},
        key=lambda o: (o.metric, o.after_days),
    )
    out: list[CsmCorrelation] = []
    for spec in wanted:
        values, _ = _measure(runs, outcomes, spec)
        known = runs[~np.isnan(values)].assign(outcome=values[~np.isnan(values)])
        # An account with several runs counts once: its mean attainment against its mean outcome.
        per_account = known.groupby(["csm", "account_id"], dropna=False)[["attainment", "outcome"]].mean()
        for csm, accounts in per_account.groupby(level="csm", dropna=False, sort=True):
            x = accounts["attainment"].to_numpy(dtype=float)
            y = accounts["outcome"].to_numpy(dtype=float)
            estimate = spearman(x, y, resamples=resamples, seed=seed)
            csm_id = None if pd.isna(csm) else int(csm)
            out.append(
                CsmCorrelation(
                    csm_id=csm_id,
                    csm_name=names.get(csm_id, "Unassigned") if csm_id is not None else "Unassigned",
                    playbook_key=playbook_key,
                    outcome_metric=spec.metric,
                    after_days=spec.after_days,
                    accounts=len(x),
                    rho=estimate.value,
                    ci_low=estimate.low,
                    ci_high=estimate.high,
                    verdict=verdict(estimate, len(x), minimum),
                )
            )
    return out


def effectiveness(
    session: Session,
    snapshot_root: Path,
    *,
    as_of: date,
    min_comparisons: int = MIN_COMPARISONS,
    min_rank_accounts: int = MIN_RANK_ACCOUNTS,
    resamples: int = 1000,
    seed: int = 0,
    viewer: User | None = None,
    config: SopConfig | None = None,
) -> EffectivenessReport:
    """Effect of every step and playbook with an outcome, and every CSM's rank correlation, as of a date."""
    playbooks = _config(session, config)
    specs = step_outcomes(playbooks)
    titles = {(p.key, st.key): st.title for p in playbooks.playbooks for st in p.steps}
    outcomes = Outcomes(snapshot_root, as_of)
    params = (min_comparisons, resamples, seed)
    steps: list[EffectRow] = []
    runs = run_frame(session, as_of=as_of, viewer=viewer)
    units = step_units(session, runs, as_of=as_of, playbooks=sorted({pk for pk, _ in specs}), viewer=viewer)
    for (playbook_key, step_key), group in units.groupby(["playbook_key", "step_key"], sort=True):
        key = (str(playbook_key), str(step_key))
        if key in specs:
            treated = group["on_time"].to_numpy()
            title = titles.get(key, key[1])
            steps.append(_effect_row(key, title, specs[key], group, treated, outcomes, params))
    runs = runs[runs["all_due"].to_numpy(dtype=bool)]
    names = people(session).names
    csms: list[CsmCorrelation] = []
    for playbook_key, group in runs.groupby("playbook_key", sort=True):
        whole = (str(playbook_key), None)
        if whole in specs:
            complete = group["attainment"].to_numpy() >= 1.0
            steps.append(
                _effect_row(whole, "(whole playbook)", specs[whole], group, complete, outcomes, params)
            )
        rank_params = (min_rank_accounts, resamples, seed)
        csms.extend(_correlations(str(playbook_key), group, specs, outcomes, names, rank_params))
    return EffectivenessReport(
        as_of=as_of,
        min_comparisons=min_comparisons,
        min_rank_accounts=min_rank_accounts,
        resamples=resamples,
        seed=seed,
        snapshots=len(outcomes.days),
        rule=VERDICT_RULE.format(n=min_comparisons),
        steps=steps,
        csms=csms,
    )
