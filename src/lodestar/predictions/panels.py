"""What the churn model shows on the account page: the likelihood and its risk factors in words."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from lodestar.auth.models import User
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.predictions import service
from lodestar.predictions.factor_text import factor_sentence
from lodestar.web.i18n import gettext_for
from lodestar.web.templating import locale_of


def account_section(request: Request, db: Session, user: User, account_id: int) -> dict[str, Any]:
    """The churn panel: `score` (None when no model has scored the account the viewer may see) with its
    date, model version, likelihood and factors as sentences (risk up first)."""
    found = service.scores_for(db, user, [account_id]).get(account_id)
    if found is None:
        return {"score": None, "has_model": service.active_version(db) is not None}
    locale = locale_of(request)
    _ = gettext_for(locale)
    levels = {"stage": dict(lifecycle_kind.stage_labels(db, locale == "zh_CN"))}
    factors = [{"text": factor_sentence(f, _, levels), "up": f["points"] >= 0} for f in found.factors]
    return {
        "score": {"as_of": found.as_of, "version": found.model_version, "likelihood": found.likelihood,
                  "factors": factors},
        "has_model": True,
    }  # fmt: skip
