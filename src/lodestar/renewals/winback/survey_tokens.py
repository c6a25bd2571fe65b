"""The churn survey's link: "<survey id>.<nonce>.<signature>".

The nonce is 256 random bits stored with the survey, so a link cannot be guessed; the signature (HMAC-SHA256
with the app's secret key over the id, the nonce and the expiry day) means a link cannot be altered or
made without the secret, and a changed expiry breaks it. Single use and expiry are checked against the
stored survey, never taken from the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import date

PURPOSE = b"lodestar churn survey"
SHAPE = re.compile(r"^([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$")


def new_nonce() -> str:
    """A fresh random nonce (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def signature(secret_key: str, survey_id: int, nonce: str, expires_on: date) -> str:
    """The link's signature over the survey id, its nonce and its expiry day."""
    message = b"\n".join([PURPOSE, str(survey_id).encode(), nonce.encode(), expires_on.isoformat().encode()])
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_for(secret_key: str, survey_id: int, nonce: str, expires_on: date) -> str:
    """The token of a survey's one-use link."""
    return f"{survey_id}.{nonce}.{signature(secret_key, survey_id, nonce, expires_on)}"


def parse(token: str) -> tuple[int, str, str] | None:
    """(survey id, nonce, signature) of a well-formed token, else None."""
    found = SHAPE.match(token) if len(token) <= 120 else None
    return (int(found.group(1)), found.group(2), found.group(3)) if found else None


def genuine(secret_key: str, token: str, survey_id: int, nonce: str, expires_on: date) -> bool:
    """Whether the token is exactly the one made for this stored survey (compared in constant time)."""
    expected = token_for(secret_key, survey_id, nonce, expires_on)
    return hmac.compare_digest(expected.encode(), token.encode())
