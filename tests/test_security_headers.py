"""Security headers on every response, no inline script in any template, and warnings when exposed."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from lodestar.app import create_app
from lodestar.settings import load_settings
from lodestar.web.security_headers import exposure_warnings

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "lodestar" / "web" / "templates"


def test_every_response_carries_the_security_headers_and_no_server_timing(db_url, tmp_path) -> None:
    client = TestClient(create_app(load_settings(database_url=db_url, data_dir=tmp_path)))
    for path in ("/login", "/healthz", "/api/v1/me", "/static/app.js", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, path
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers
        assert "server-timing" not in headers and "server" not in headers
    assert "'unsafe-inline'" in client.get("/docs").headers["content-security-policy"]


def test_hsts_is_sent_when_cookies_are_secure(db_url, tmp_path) -> None:
    settings = load_settings(database_url=db_url, data_dir=tmp_path, cookie_secure=True)
    headers = TestClient(create_app(settings)).get("/login").headers
    assert headers["strict-transport-security"].startswith("max-age=")


def test_no_template_needs_inline_script() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template.name


def test_serving_beyond_loopback_with_development_settings_warns() -> None:
    settings = load_settings(data_dir=Path("/tmp"))
    assert exposure_warnings(settings, "127.0.0.1") == []
    warnings = exposure_warnings(settings, "0.0.0.0")
    assert any("LODESTAR_SECRET_KEY" in w for w in warnings)
    assert any("LODESTAR_COOKIE_SECURE" in w for w in warnings)
    safe = load_settings(data_dir=Path("/tmp"), secret_key="x" * 40, cookie_secure=True)
    assert exposure_warnings(safe, "0.0.0.0") == []
