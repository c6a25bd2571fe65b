"""Channel secrets (webhook URLs, signing secrets) sealed with Fernet, and how they are shown: masked."""

from __future__ import annotations

import base64
import os
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"lodestar notification channel secrets v1"
MASK = "…(masked)…"


class SecretUnreadable(RuntimeError):
    """A sealed value that the current secret key cannot open (the key changed), or a missing variable."""


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    # A key of its own, derived from the application's secret key: the cookie-signing key itself never
    # encrypts anything, and changing LODESTAR_SECRET_KEY makes stored secrets unreadable (say so, re-enter).
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret_key: str, value: str) -> str:
    """The value encrypted (and authenticated) for storage."""
    return _fernet(secret_key).encrypt(value.encode()).decode()


def unseal(secret_key: str, sealed: str) -> str:
    """The stored value in clear; SecretUnreadable when the secret key has changed since it was sealed."""
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored channel secret cannot be decrypted (LODESTAR_SECRET_KEY changed?); enter it again"
        ) from None


def from_env(name: str) -> str:
    """The value of an environment variable that holds a URL or secret; SecretUnreadable when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise SecretUnreadable(f"environment variable {name} is not set")
    return value


def mask_url(url: str) -> str:
    """A URL shown without what makes it a credential: scheme, host and first path segment only."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        first = next((p for p in parts.path.split("/") if p), "")
        return f"{parts.scheme}://{parts.hostname}/{first + '/' if first else ''}{MASK}"
    if "@" in url:  # e-mail addresses: the domains only
        domains = sorted({a.split("@", 1)[1].strip() for a in url.split(",") if "@" in a})
        return ", ".join(f"{MASK}@{d}" for d in domains)
    return MASK


def mask_secret(secret: str) -> str:
    """A signing secret shown as its last four characters (••••1a2b); short ones not at all."""
    return "••••" + (secret[-4:] if len(secret) >= 12 else "")
