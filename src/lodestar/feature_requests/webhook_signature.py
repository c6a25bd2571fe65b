"""The tracker webhook's signature: HMAC-SHA256 over "<timestamp>.<body>" with the shared secret.

The tracker sends `X-Lodestar-Timestamp` (Unix seconds) and `X-Lodestar-Signature: sha256=<hex digest>`.
The timestamp is signed with the body and must be within five minutes of our clock, so a captured request
cannot be replayed later; digests are compared in constant time. No secret configured: the endpoint is off.
"""

from __future__ import annotations

import hashlib
import hmac

from lodestar.kit.errors import LodestarError, NotFound

TOLERANCE_S = 300
PREFIX = "sha256="


class SignatureRefused(LodestarError):
    """The webhook's signature is missing, stale or wrong."""

    status_code = 401


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a sender computes for this body at this time."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(secret: str | None, timestamp: str | None, signature: str | None, body: bytes, now: float) -> None:
    """Refuses a request whose signature does not prove the shared secret over this body and timestamp."""
    if not secret:
        raise NotFound("the feature-request webhook is off: no secret is configured")
    if not timestamp or not signature:
        raise SignatureRefused("X-Lodestar-Timestamp and X-Lodestar-Signature are required")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureRefused("X-Lodestar-Timestamp must be Unix seconds") from None
    if abs(now - sent) > TOLERANCE_S:
        raise SignatureRefused("X-Lodestar-Timestamp is more than 5 minutes from now")
    if not hmac.compare_digest(sign(secret, sent, body), signature.strip()):
        raise SignatureRefused("X-Lodestar-Signature does not match the body")
