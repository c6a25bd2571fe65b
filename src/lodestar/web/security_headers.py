"""Security headers on every response, and the warnings `serve` prints when exposed with dev settings."""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lodestar.settings import DEV_SECRET_KEY, Settings

# The pages load scripts and styles from /static only; inline style attributes stay allowed (charts and
# HTMX set them), inline script does not. frame-ancestors 'none' is X-Frame-Options DENY for new browsers.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# FastAPI's Swagger UI page starts itself with one inline script.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Adds CSP, X-Frame-Options, X-Content-Type-Options, Referrer-Policy (and HSTS behind TLS)."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] == "/docs" else CSP
        added = [
            (b"content-security-policy", csp.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            *([(b"strict-transport-security", HSTS)] if self.hsts else []),
        ]
        names = {name for name, _ in added} | {b"server"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = [*kept, *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warnings(settings: Settings, host: str) -> list[str]:
    """What is unsafe about serving on this host with these settings (nothing on a loopback address)."""
    if _loopback(host):
        return []
    warnings = []
    if settings.secret_key == DEV_SECRET_KEY:
        warnings.append(
            "LODESTAR_SECRET_KEY is the development key: anyone can forge a session; set a long random value"
        )
    if not settings.cookie_secure:
        warnings.append(
            "LODESTAR_COOKIE_SECURE is off: cookies travel over plain HTTP; serve behind TLS and set it"
        )
    return warnings
