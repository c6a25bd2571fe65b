"""One Settings object: every knob has a default and a doc line (env prefix LODESTAR_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_LOCALES = ("en", "zh_CN")
DEV_SECRET_KEY = "change-me-lodestar-dev-secret-key"


class SettingsError(RuntimeError):
    """A setting has a bad value; the message names the environment variable."""


class Settings(BaseSettings):
    """Lodestar's configuration, read from LODESTAR_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="LODESTAR_", extra="ignore")

    data_dir: Path = Field(Path("./lodestar-data"), description="Where the SQLite file and event store live.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the operational store; default: a SQLite file in the data directory. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    secret_key: str = Field(
        DEV_SECRET_KEY,
        min_length=16,
        description="Signs session cookies and CSRF tokens; set a long random value in production.",
    )
    feature_request_webhook_secret: str | None = Field(
        None,
        description="Shared secret the issue tracker signs feature-request status webhooks with "
        "(HMAC-SHA256); unset: the webhook is off.",
    )
    default_locale: str = Field(
        "en", description="UI language for users who have not chosen one: en or zh_CN."
    )
    timezone: str = Field("Asia/Shanghai", description="The company's time zone, used for 'as of' dates.")
    cookie_secure: bool = Field(
        False, description="Send the session cookie only over HTTPS (set behind TLS)."
    )
    session_max_age_s: int = Field(14 * 24 * 3600, gt=0, description="Session lifetime in seconds.")
    analytics_engine: Literal["duckdb", "spark", "postgres"] = Field(
        "duckdb", description="Metrics engine: duckdb (embedded), spark or postgres."
    )
    spark_remote: str | None = Field(
        None, description="Spark Connect URL (sc://host:15002); default: a local Spark session."
    )
    snapshot_hour: int = Field(
        2, ge=0, le=23, description="Hour (company time) after which `serve` runs the daily snapshot."
    )
    snapshot_schedule: bool = Field(
        True, description="Run the daily snapshot from `serve` (off when cron runs `lodestar run`)."
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mail (the daily task digest); no e-mail is sent when unset."
    )
    smtp_port: int = Field(25, gt=0, lt=65536, description="SMTP port (587 with STARTTLS, 25 plain).")
    smtp_from: str = Field("lodestar@localhost", description="The From address of Lodestar's e-mail.")
    smtp_user: str | None = Field(None, description="SMTP login, when the server needs one.")
    smtp_password: str | None = Field(None, description="SMTP password, with smtp_user.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Lodestar's address as users reach it (links in e-mail)."
    )
    # Hardening: sign-in limits (docs/security.md).
    login_max_failures: int = Field(
        10, gt=0, description="Failed sign-ins per account within the login window before it must wait."
    )
    login_max_failures_per_address: int = Field(
        50,
        gt=0,
        description="Failed sign-ins per client address within the login window before it must wait.",
    )
    max_upload_mb: int = Field(
        50, gt=0, le=2048, description="The largest file the import API and upload page accept, in MB."
    )
    import_batch_rows: int = Field(
        500_000,
        ge=1,
        description="Rows an event import reads, checks and stages at a time (its memory grows with this).",
    )
    server_timing: bool = Field(
        False, description="Add a Server-Timing header to every response (the page benchmarks read it)."
    )
    login_window_s: int = Field(
        900, gt=0, description="The sliding window of the sign-in limits, in seconds."
    )
    # Notifications: the outbox worker (docs/notifications.md).
    notify_worker: bool = Field(
        True,
        description="Deliver the notification outbox from `serve` (off when `lodestar notify work` runs).",
    )
    notify_max_attempts: int = Field(
        12, ge=1, le=100, description="Failed deliveries of a message before it is parked as dead."
    )
    notify_backoff_base_s: float = Field(
        10.0, gt=0, description="First retry delay in seconds; it doubles per attempt (full jitter)."
    )
    notify_backoff_cap_s: float = Field(
        3600.0, gt=0, description="The longest wait between two attempts (and the most a Retry-After asks)."
    )
    notify_lease_s: float = Field(
        120.0,
        gt=0,
        description="How long a worker holds the messages it claimed before another may take them.",
    )
    notify_poll_s: float = Field(
        2.0, gt=0, description="How often an idle worker looks for due messages, in seconds."
    )
    notify_batch: int = Field(
        200, ge=1, le=5000, description="Messages a worker claims per channel at a time."
    )
    notify_timeout_s: float = Field(
        10.0, gt=0, description="Time limit of one delivery (HTTP request or SMTP exchange), in seconds."
    )
    notify_threads: int = Field(4, ge=1, le=32, description="Channels a worker delivers to at the same time.")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not an IANA time zone such as Asia/Shanghai") from exc
        return value

    @model_validator(mode="after")
    def _engine_fits_database(self) -> Settings:
        if self.analytics_engine == "postgres" and not self.resolved_database_url.startswith("postgresql"):
            raise ValueError(
                "LODESTAR_ANALYTICS_ENGINE=postgres needs LODESTAR_DATABASE_URL to be a PostgreSQL URL "
                "(postgresql+psycopg://user@host/db); with the default SQLite store use duckdb"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'lodestar.db').resolve()}"

    @property
    def zone(self) -> ZoneInfo:
        """The company's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def events_dir(self) -> Path:
        """Root of the Parquet event store."""
        return self.data_dir / "events"


def load_settings(**overrides: object) -> Settings:
    """Reads settings, turning a validation failure into one message naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = str(err["msg"]).removeprefix("Value error, ")
            if not err["loc"]:  # a rule across settings names them itself
                problems.append(message)
                continue
            name = "LODESTAR_" + "_".join(str(p) for p in err["loc"]).upper()
            problems.append(f"{name}: {message}")
        raise SettingsError("bad setting: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return load_settings()
