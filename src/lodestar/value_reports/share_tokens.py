"""A share link's token: "<link id>.<nonce>.<signature>" (the churn survey's scheme, its own purpose).

The nonce is 256 random bits stored with the link, so a token cannot be guessed; the signature (HMAC-SHA256
with the app's secret key over the purpose, the link id, the nonce and the expiry day) means it cannot be
altered or made without the secret. Expiry and revocation are read from the stored link, never the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import date

PURPOSE = b"lodestar value report link"
SHAPE = re.compile(r"^([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$")


def new_nonce() -> str:
    """A fresh random nonce (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_for(secret_key: str, link_id: int, nonce: str, expires_on: date) -> str:
    """The token of a share link."""
    message = b"\n".join([PURPOSE, str(link_id).encode(), nonce.encode(), expires_on.isoformat().encode()])
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return f"{link_id}.{nonce}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def link_id_of(token: str) -> int | None:
    """The link id of a well-formed token, else None."""
    found = SHAPE.match(token) if len(token) <= 120 else None
    return int(found.group(1)) if found else None


def genuine(secret_key: str, token: str, link_id: int, nonce: str, expires_on: date) -> bool:
    """Whether the token is exactly the one made for this stored link (compared in constant time)."""
    return hmac.compare_digest(token_for(secret_key, link_id, nonce, expires_on).encode(), token.encode())
