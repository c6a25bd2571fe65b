"""Deliveries rendered into outbox rows: each in its reader's language and its platform's format."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from lodestar.notifications.audience import EMAIL, Delivery
from lodestar.notifications.channels import message_formats as formats
from lodestar.web.i18n import gettext_for


def rows(deliveries: list[Delivery], base_url: str, now: datetime) -> list[dict[str, Any]]:
    """One outbox row per delivery, ready for a bulk insert (a notice is worded once per language)."""
    base = base_url.rstrip("/")
    worded: dict[tuple[int, str], formats.Wording] = {}
    out = []
    for d in deliveries:
        n = d.notice
        wording = worded.get((id(n), d.locale))
        if wording is None:
            gettext = gettext_for(d.locale)
            wording = formats.word(gettext, n.severity, n.title, n.lines, base + n.link)
            worded[(id(n), d.locale)] = wording
        if d.person is not None and d.channel != EMAIL:  # a person's message in a shared chat: say whose
            wording = replace(wording, addressee=d.person.name)
        key = d.idempotency_key
        if d.kind == "webhook":
            body = formats.webhook(wording, key, n.key, n.alert_id, d.locale, n.data)
        else:
            body = formats.LAYOUTS[d.kind](wording)
        out.append(
            {
                "idempotency_key": key,
                "channel_key": d.channel,
                "recipient": d.person.email if d.person is not None and d.channel == EMAIL else None,
                "user_id": d.person.id if d.person is not None else None,
                "locale": d.locale,
                "subject": wording.subject,
                "body": body,
                "alert_id": n.alert_id,
                "status": "pending",
                "attempts": 0,
                "not_before": d.not_before,
                "next_attempt_at": now,
                "claimed_until": None,
                "last_error": None,
                "created_at": now,
                "sent_at": None,
            }
        )
    return out


def email_row(
    key: str, recipient: str, locale: str, subject: str, text: str, now: datetime
) -> dict[str, Any]:
    """The outbox row of one e-mail to an address outside the team (a customer's contact), already worded."""
    return {
        "idempotency_key": key,
        "channel_key": EMAIL,
        "recipient": recipient,
        "user_id": None,
        "locale": locale,
        "subject": subject,
        "body": {"text": text},
        "alert_id": None,
        "status": "pending",
        "attempts": 0,
        "not_before": None,
        "next_attempt_at": now,
        "claimed_until": None,
        "last_error": None,
        "created_at": now,
        "sent_at": None,
    }
