"""Session keys, the sign-in error, and CSRF tokens for forms (who is signed in is auth.deps's business)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from lodestar.kit.errors import LodestarError

SESSION_USER = "uid"
SESSION_VERSION = "sv"
SESSION_CSRF = "csrf"


class LoginRequired(LodestarError):
    """No signed-in user; pages redirect to the login form, the API answers 401."""

    status_code = 401


class CsrfFailed(LodestarError):
    """A form came without the token this session issued."""

    status_code = 403


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[SESSION_CSRF] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuses a form whose token does not match the session's."""
    expected = request.session.get(SESSION_CSRF)
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise CsrfFailed("the form has expired or did not come from Lodestar; reload the page and try again")
