"""Settings from ``OPENTELLER_*`` environment variables and an optional TOML file.

Precedence (highest first): environment variables, the TOML file named by
``OPENTELLER_CONFIG`` (default ``./openteller.toml`` when it exists), defaults.
Every setting is documented in docs/configuration.md (a test keeps that true).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from openteller.domain.errors import ConfigurationError


def _config_file() -> Path:
    return Path(os.environ.get("OPENTELLER_CONFIG", "openteller.toml"))


class Settings(BaseSettings):
    """All configuration of an OpenTeller process."""

    model_config = SettingsConfigDict(env_prefix="OPENTELLER_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///openteller.db",
        description="SQLAlchemy URL of the database: sqlite:///path or postgresql://...",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="The master key (32 bytes, base64 or hex) that wraps customer data keys.",
    )
    master_key_file: Path = Field(
        default=Path("openteller.key"),
        description="File holding the master key when OPENTELLER_MASTER_KEY is not set.",
    )
    keystore_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the key store that holds the wrapped customer data keys. It "
            "must be a different database from OPENTELLER_DATABASE_URL, so that a backup of "
            "the data never carries the keys that open it (erasure shreds the key). Default "
            "for SQLite: a <name>.keys.db file beside the database; required otherwise."
        ),
    )
    audit_checkpoint_every: int = Field(
        default=100,
        ge=1,
        description="Sign the audit log's hash chain (Ed25519) every this many entries.",
    )
    erase_on_revoke: bool = Field(
        default=False,
        description=(
            "Retention: erase (crypto-shred) a customer's data when they revoke their last "
            "live consent. Off by default: the bank keeps the data it holds anyway."
        ),
    )
    ingest_second_process: bool = Field(
        default=True,
        description=(
            "Ingest reads and enriches a large file in a second process while storing it "
            "(only on a machine with more than one core)."
        ),
    )
    ingest_second_process_from_bytes: int = Field(
        default=8_000_000,
        ge=0,
        description="Files at least this large use the second process when it is on.",
    )
    public_base_url: str = Field(
        default="http://localhost:8000",
        description="The bank-side address customers open links at (discreet-mode answers).",
    )
    timezone: str = Field(
        default="UTC",
        description="The customers' time zone (IANA name): what 'today' and 'last month' mean.",
    )
    locale: str = Field(
        default="en_US", description="Locale for money and dates in answers, e.g. en_GB, de_DE."
    )
    week_start: int = Field(
        default=0, ge=0, le=6, description="First day of the week: 0 Monday ... 6 Sunday."
    )
    bank_actions_url: str | None = Field(
        default=None,
        description=(
            "Base URL of the bank's core for card freeze/unfreeze (signed HTTP requests); "
            "unset: the built-in simulated bank core."
        ),
    )
    bank_actions_key_id: str = Field(
        default="openteller", description="Key id sent with signed requests to the bank's core."
    )
    bank_actions_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 secret shared with the bank's core."
    )
    messenger_app_secret: SecretStr | None = Field(
        default=None, description="Messenger app secret: verifies X-Hub-Signature-256."
    )
    messenger_verify_token: SecretStr | None = Field(
        default=None, description="Messenger webhook verify token (the subscribe handshake)."
    )
    messenger_page_token: SecretStr | None = Field(
        default=None, description="Messenger page access token for the Send API."
    )
    messenger_page_id: str | None = Field(
        default=None,
        description=(
            "The Facebook Page id(s) this deployment serves, comma-separated: webhook events "
            "for any other page are dropped, with an audit entry. Unset: no page check."
        ),
    )
    messenger_graph_url: str = Field(
        default="https://graph.facebook.com/v21.0",
        description="Graph API base URL (a local recorder in tests and demos).",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="The bank's OpenID Connect issuer URL (sign-in at account linking).",
    )
    oidc_client_id: str | None = Field(default=None, description="OIDC client id of OpenTeller.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="OIDC client secret (confidential clients; PKCE is always used)."
    )
    oidc_customer_claim: str = Field(
        default="sub", description="The ID token claim holding the bank's customer id."
    )
    demo_login_password: SecretStr | None = Field(
        default=None,
        description=(
            "Demo only: the password of the built-in login page used at account linking "
            "(any existing customer id). Unset in production, where the bank's identity "
            "provider signs customers in."
        ),
    )
    bank_api_keys: SecretStr | None = Field(
        default=None,
        description=(
            "Keys the bank signs its API requests with, as key_id:secret pairs separated by "
            "commas (several at once: rotate without downtime)."
        ),
    )
    bank_callback_url: str | None = Field(
        default=None,
        description=(
            "Where OpenTeller reports customers' answers to fraud alerts (signed POST, "
            "retried until the bank answers 2xx)."
        ),
    )
    risk_model: Path | None = Field(
        default=None,
        description=(
            "A model trained by `openteller risk train`: each payment in the bank's feed is "
            "scored with it, and one at or above `risk_threshold` raises a fraud alert. "
            "Unset: no built-in risk scoring."
        ),
    )
    risk_threshold: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="The fraud probability at or above which a fed payment raises an alert.",
    )
    queue_lease_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description=(
            "Seconds a process holds a claimed webhook event or outbox message; when it "
            "dies, another takes the work over after this."
        ),
    )
    echo_wait_seconds: int = Field(
        default=300,
        ge=1,
        le=86400,
        description=(
            "Seconds to wait for Messenger's echo of a message whose sending process died "
            "mid-send before sending it again (the echo proves it arrived; without it, it "
            "probably did not)."
        ),
    )
    messenger_concurrent_sends: int = Field(
        default=8,
        ge=1,
        le=64,
        description=(
            "Send API calls a process makes at once (to different people; one person's "
            "messages go one after another, in order)."
        ),
    )
    messenger_typing_after_ms: int = Field(
        default=300,
        ge=0,
        le=20_000,
        description=(
            "Milliseconds an answer may take before Messenger shows the customer the "
            "typing indicator (0: before every answer). Most answers are ready in a few "
            "milliseconds and need none."
        ),
    )
    alert_escalation_minutes: int = Field(
        default=15,
        ge=1,
        description=(
            "Minutes without an answer before a fraud alert is escalated to the bank's "
            "callback (for an SMS or a phone call)."
        ),
    )
    insights_every_minutes: int = Field(
        default=60,
        ge=1,
        le=10080,
        description=(
            "Minutes between checks of every opted-in customer's insights (new data from "
            "the bank's feed is checked as it arrives; this finds the time-based ones, "
            "e.g. the week so far). One process runs each check."
        ),
    )
    bank_id: str = Field(default="default", description="Id of the bank this process serves.")
    bank_name: str = Field(default="Demo Bank", description="Display name of that bank.")
    log_level: str = Field(default="INFO", description="Log level: DEBUG, INFO, WARNING, ERROR.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Europe/London)"
            ) from exc
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = _config_file()
        if config.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Read settings now (never at import time); a clear error names a bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"OPENTELLER_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML file
        raise ConfigurationError(f"cannot read the settings file {_config_file()}: {exc}") from exc
