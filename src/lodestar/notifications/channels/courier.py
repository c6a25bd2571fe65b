"""Delivery: one HTTP client (keep-alive) for the chat platforms and webhooks, SMTP for e-mail.

An answer counts as delivered only when the receiver accepted it: a 2xx status and, for the platforms that
answer 200 with an error inside (DingTalk `errcode`, Feishu `code`, WeCom `errcode`), a zero code. Their
rate-limit codes (DingTalk 130101, Feishu 9499, WeCom 45009) and HTTP 429 are "wait and try again", with the
wait a Retry-After header asks for.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from lodestar.kit.time import utcnow
from lodestar.notifications.channels import signing
from lodestar.settings import Settings

RATE_LIMIT_CODES = {"dingtalk": {130101}, "feishu": {9499}, "wecom": {45009}}
CODE_FIELDS = {"dingtalk": ("errcode", "errmsg"), "wecom": ("errcode", "errmsg"), "feishu": ("code", "msg")}
RATE_LIMIT_WAIT_S = {"dingtalk": 600.0}  # DingTalk throttles a robot for 10 minutes past 20 a minute


@dataclass(frozen=True)
class Target:
    """Where a message goes: the channel kind, its URL (or e-mail addresses) and signing secret."""

    kind: str
    url: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class Parcel:
    """One outbox message as it is delivered."""

    idempotency_key: str
    subject: str
    body: dict[str, Any]
    recipient: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the receiver said: accepted, or why not and how long it asked us to wait."""

    ok: bool
    error: str | None = None
    retry_after: float | None = None
    rate_limited: bool = False


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header as seconds (it may be a number or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def _platform_outcome(kind: str, response: httpx.Response) -> Outcome:
    """Reads the in-body error code of the platforms that answer HTTP 200 with an error inside."""
    if kind not in CODE_FIELDS:
        return Outcome(True)
    try:
        data = response.json()
    except ValueError:
        return Outcome(False, f"HTTP {response.status_code}: not JSON: {response.text[:200]}")
    code_field, message_field = CODE_FIELDS[kind]
    if not isinstance(data, dict):
        return Outcome(False, f"HTTP {response.status_code}: unexpected answer {response.text[:200]}")
    code = data.get(code_field, data.get("StatusCode", 0))  # Feishu's older bots answer StatusCode
    if code in (0, None):
        return Outcome(True)
    message = f"{kind} {code_field} {code}: {data.get(message_field) or data.get('StatusMessage') or ''}"
    if code in RATE_LIMIT_CODES.get(kind, set()):
        return Outcome(False, message, RATE_LIMIT_WAIT_S.get(kind, 60.0), rate_limited=True)
    return Outcome(False, message)


def _http_outcome(kind: str, response: httpx.Response) -> Outcome:
    wait = retry_after_seconds(response.headers.get("retry-after"))
    if response.status_code == 429:
        return Outcome(False, f"HTTP 429: {response.text[:200]}", wait, rate_limited=True)
    if not response.is_success:
        return Outcome(False, f"HTTP {response.status_code}: {response.text[:200]}", wait)
    return _platform_outcome(kind, response)


class Courier:
    """Sends parcels; one instance per worker, shared by its threads."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(
            timeout=settings.notify_timeout_s,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            headers={"User-Agent": "Lodestar-Notify/1"},
        )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._smtps: set[smtplib.SMTP] = set()  # every thread's connection, so close() ends them all

    def deliver(self, target: Target, parcel: Parcel) -> Outcome:
        """Delivers one parcel; never raises for the receiver's or the network's faults."""
        try:
            if target.kind == "email":
                return self._mail(target, parcel)
            return self._post(target, parcel)
        except (httpx.HTTPError, smtplib.SMTPException, OSError) as exc:
            if target.kind == "email":
                self._drop_smtp()
            return Outcome(False, f"{type(exc).__name__}: {exc}"[:500])

    def _post(self, target: Target, parcel: Parcel) -> Outcome:
        if not target.url:
            return Outcome(False, "the channel has no URL")
        url, payload = target.url, dict(parcel.body)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": parcel.idempotency_key,
        }
        now = time.time()
        if target.kind == "dingtalk" and target.secret:
            url = signing.dingtalk_url(url, target.secret, int(now * 1000))
        if target.kind == "feishu" and target.secret:
            stamp = int(now)
            payload = {"timestamp": str(stamp), "sign": signing.feishu_sign(target.secret, stamp), **payload}
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if target.kind == "webhook":
            headers["X-Lodestar-Timestamp"] = str(int(now))
            if target.secret:
                headers["X-Lodestar-Signature"] = signing.webhook_signature(target.secret, raw)
        response = self.client.post(url, content=raw, headers=headers)
        return _http_outcome(target.kind, response)

    def _smtp(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        if smtp is None:
            s = self.settings
            if not s.smtp_host:
                raise smtplib.SMTPException("LODESTAR_SMTP_HOST is not set")
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.notify_timeout_s)
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            self._local.smtp = smtp
            with self._lock:
                self._smtps.add(smtp)
        return smtp

    def _drop_smtp(self) -> None:
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            with self._lock:
                self._smtps.discard(smtp)
            _quietly_close(smtp)

    def _mail(self, target: Target, parcel: Parcel) -> Outcome:
        to = parcel.recipient or target.url
        if not to:
            return Outcome(False, "no e-mail address")
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = to
        message["Subject"] = parcel.subject
        digest = hashlib.sha256(parcel.idempotency_key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@lodestar>"  # the same key always gives the same id
        message["Idempotency-Key"] = parcel.idempotency_key
        message.set_content(str(parcel.body.get("text", "")))
        try:
            refused = self._smtp().send_message(message)
        except smtplib.SMTPServerDisconnected:  # a kept connection the server closed while idle: once more
            self._drop_smtp()
            refused = self._smtp().send_message(message)
        if refused:
            return Outcome(False, f"refused recipients: {', '.join(sorted(refused))}")
        return Outcome(True)

    def close(self) -> None:
        """Closes the HTTP client and every SMTP connection."""
        with self._lock:
            smtps, self._smtps = list(self._smtps), set()
        for smtp in smtps:
            _quietly_close(smtp)
        self._local = threading.local()
        self.client.close()


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
