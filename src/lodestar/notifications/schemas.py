"""What other domains hand to notifications (a notice, a digest's tasks), and the API's in/out models."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lodestar.kit.counts import Count
from lodestar.kit.text import Text
from lodestar.settings import SUPPORTED_LOCALES


@dataclass(frozen=True)
class Notice:
    """Something to tell: rendered per recipient's language and per channel's format into outbox rows.

    `key` makes delivery idempotent (the outbox's idempotency key is key + channel + recipient); `link` is a
    path under the base URL (e.g. /accounts/42#alerts). A `digest` notice is a person's daily digest: it
    skips the severity floor and goes wherever their mode is not off (chat channels: where it is digest).
    """

    key: str
    severity: str  # info, warning, critical
    title: Text
    lines: list[Text]
    link: str
    user_ids: list[int] = field(default_factory=list)  # people told by e-mail and chat (by preference)
    channel_keys: list[str] = field(default_factory=list)  # named channels (chat robots, webhooks)
    alert_id: int | None = None
    digest: bool = False
    data: dict[str, Any] | None = None  # structured facts the generic webhook carries (e.g. a sales lead)


@dataclass(frozen=True)
class DigestTask:
    """One due SOP task of a person's digest (the pipeline turns sop's digest rows into these)."""

    user_id: int
    task_id: int
    section: str  # overdue, today, upcoming
    title: str
    title_zh: str | None
    due_on: date
    account: str


@dataclass(frozen=True)
class RenewalSummary:
    """Last month's renewals for one manager's or admin's digest, over the accounts they may see; reason
    names already in their language (the pipeline reads them from the renewal analysis report)."""

    user_id: int
    period: str  # the month, e.g. 2026-02
    currency: str
    due: Decimal  # ARR up for renewal
    renewed: Decimal
    lost: Decimal
    renewal_rate: Decimal | None  # None: nothing was up for renewal
    top_reasons: list[tuple[str, Decimal]]  # (reason name, lost ARR), most lost first
    report_url: str  # /retention/report for that month, under the base URL


Severity = Literal["info", "warning", "critical"]
Kind = Literal["email", "slack", "dingtalk", "feishu", "wecom", "webhook"]
Mode = Literal["immediate", "digest", "off"]
Locale = Literal["en", "zh_CN"]
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
ENV = re.compile(r"^[A-Z_][A-Z0-9_]{0,119}$")
assert set(SUPPORTED_LOCALES) == {"en", "zh_CN"}


def _check_env(cls: type, value: str | None) -> str | None:
    if value is not None and not ENV.match(value):
        raise ValueError(Text("must be an environment variable name such as LODESTAR_DINGTALK_URL"))
    return value


class _ChannelFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=120)
    locale: Locale | None = None
    url: str | None = Field(
        None, max_length=2000, description="Webhook URL (or e-mail addresses); stored encrypted."
    )
    url_env: str | None = Field(None, description="Or: the environment variable that holds the URL.")
    secret: str | None = Field(None, max_length=500, description="Signing secret; stored encrypted.")
    secret_env: str | None = Field(None, description="Or: the environment variable that holds the secret.")
    min_severity: Severity | None = None
    rate_per_minute: Count | None = Field(
        None, ge=0, le=100_000, description="Messages a minute; 0: no limit."
    )
    enabled: bool | None = None

    _env = field_validator("url_env", "secret_env")(_check_env)


class ChannelCreate(_ChannelFields):
    """A new channel: a key, a kind and where it sends (the URL, or the variable holding it)."""

    key: str = Field(min_length=1, max_length=60, description="Lowercase letters, digits, - and _.")
    name: str = Field(min_length=1, max_length=120)
    kind: Kind
    locale: Locale = "zh_CN"

    @field_validator("key")
    @classmethod
    def _key_shape(cls, value: str) -> str:
        if not KEY.match(value):
            raise ValueError(
                Text("must be lowercase letters, digits, - and _, starting with a letter or digit")
            )
        if value == "email":
            raise ValueError(Text("'email' is the personal e-mail channel; choose another key"))
        return value


class ChannelUpdate(_ChannelFields):
    """Changes to a channel; absent fields stay. `clear_secret` removes the signing secret."""

    clear_secret: bool = False


class ChannelRead(BaseModel):
    """A channel as the API shows it: the URL and secret masked, never in full."""

    id: int
    key: str
    name: str
    kind: str
    locale: str
    url: str | None = Field(description="Masked: scheme, host and the first path segment only.")
    url_env: str | None
    secret: str | None = Field(description="Masked: the last four characters at most.")
    secret_env: str | None
    min_severity: str
    rate_per_minute: int
    enabled: bool
    created_at: datetime
    updated_at: datetime


class TestResult(BaseModel):
    """The answer to a test message: delivered, or the receiver's error."""

    delivered: bool
    error: str | None = None


class PreferenceIn(BaseModel):
    """One person's choice for one channel ("email" or a chat channel's key)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: str = Field(min_length=1, max_length=60)
    min_severity: Severity = "warning"
    mode: Mode = "immediate"
    quiet_from: time | None = Field(None, description="Quiet hours start (company time zone), HH:MM.")
    quiet_to: time | None = Field(None, description="Quiet hours end, HH:MM; messages wait until then.")


class PreferenceRead(BaseModel):
    """A person's effective choice for one channel (the default when they have not chosen)."""

    channel: str
    channel_name: str
    kind: str
    min_severity: str
    mode: str
    quiet_from: time | None
    quiet_to: time | None
    chosen: bool = Field(description="False: the default applies.")


class OutboxItem(BaseModel):
    """One outbox message (its body left out)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel_key: str
    recipient: str | None
    user_id: int | None
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime
    not_before: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class OutboxRead(BaseModel):
    """Counts by status and the listed messages."""

    counts: dict[str, int]
    items: list[OutboxItem]


class Requeued(BaseModel):
    """How many dead messages were put back in the queue."""

    requeued: int
