"""Configuration: every environment variable the service reads is read here, once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


def default_db_path() -> Path:
    """The SQLite file in the user's data directory (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "close-together" / "close-together.sqlite3"


def default_audio_dir() -> Path:
    """Where the web service keeps the ritual tracks it has encoded (beside the database)."""
    return default_db_path().parent / "audio"


def _https_base(value: str, name: str) -> str:
    url = value.strip()
    if not url.startswith("https://"):
        raise ConfigError(f"{name} must be an https:// URL (Alexa streams only HTTPS)")
    return url if url.endswith("/") else url + "/"


MIN_TALK_SECONDS = 5
MAX_TALK_SECONDS = 120
MAX_MORE_TALK_SECONDS = 180


class ConfigError(ValueError):
    """A configuration value is unusable; the message says which and why."""


def _int_in(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of seconds, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {number}")
    return number


def _timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CLOSE_TOGETHER_TIMEZONE {value!r} is not a known time zone") from None
    return value.strip()


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Config:
    """Everything the skill and its front ends can be told; safe defaults throughout."""

    db_path: Path = field(default_factory=default_db_path)
    store: str = "sqlite"
    skill_ids: tuple[str, ...] = ()
    verify: bool = True
    locale: str = "en-US"
    talk_seconds: int = 45
    more_talk_seconds: int = 90
    resume_hours: float = 12.0
    timezone: str = "UTC"  # for counting calendar days ("days you showed up")
    max_body_bytes: int = 64 * 1024
    log_level: str = "INFO"
    dynamodb_table: str = "close-together"
    dynamodb_region: str = "us-east-1"
    dynamodb_endpoint: str | None = None
    # Long rituals on AudioPlayer: the https:// base URL the tracks are served under (the
    # web service's own /audio/, or a bucket filled by `close-together export-audio`).
    # Unset: no AudioPlayer, the rituals run in spoken parts as before.
    audio_url: str | None = None
    audio_dir: Path = field(default_factory=default_audio_dir)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Build a config from CLOSE_TOGETHER_* variables; keyword overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if env.get("CLOSE_TOGETHER_DB"):
            values["db_path"] = Path(env["CLOSE_TOGETHER_DB"]).expanduser()
        if env.get("CLOSE_TOGETHER_STORE"):
            values["store"] = env["CLOSE_TOGETHER_STORE"].strip().lower()
        ids = env.get("CLOSE_TOGETHER_SKILL_ID", "")
        values["skill_ids"] = tuple(s.strip() for s in ids.split(",") if s.strip())
        values["verify"] = _flag(env.get("CLOSE_TOGETHER_VERIFY"), True)
        if env.get("CLOSE_TOGETHER_LOG_LEVEL"):
            values["log_level"] = env["CLOSE_TOGETHER_LOG_LEVEL"].upper()
        if env.get("CLOSE_TOGETHER_TALK_SECONDS"):
            talk = _int_in(
                env["CLOSE_TOGETHER_TALK_SECONDS"],
                "CLOSE_TOGETHER_TALK_SECONDS",
                MIN_TALK_SECONDS,
                MAX_TALK_SECONDS,
            )
            values["talk_seconds"] = talk
            # "More time" doubles a turn (90 s by default), always within Alexa's 240 s.
            values["more_talk_seconds"] = min(max(2 * talk, 90), MAX_MORE_TALK_SECONDS)
        if env.get("CLOSE_TOGETHER_TIMEZONE"):
            values["timezone"] = _timezone(env["CLOSE_TOGETHER_TIMEZONE"])
        if env.get("CLOSE_TOGETHER_DYNAMODB_TABLE"):
            values["dynamodb_table"] = env["CLOSE_TOGETHER_DYNAMODB_TABLE"]
        region = env.get("CLOSE_TOGETHER_DYNAMODB_REGION") or env.get("AWS_REGION")
        if region:
            values["dynamodb_region"] = region
        endpoint = env.get("CLOSE_TOGETHER_DYNAMODB_ENDPOINT") or env.get(
            "AWS_ENDPOINT_URL_DYNAMODB"
        )
        if endpoint:
            values["dynamodb_endpoint"] = endpoint
        if env.get("CLOSE_TOGETHER_AUDIO_URL"):
            values["audio_url"] = _https_base(
                env["CLOSE_TOGETHER_AUDIO_URL"], "CLOSE_TOGETHER_AUDIO_URL"
            )
        if env.get("CLOSE_TOGETHER_AUDIO_DIR"):
            values["audio_dir"] = Path(env["CLOSE_TOGETHER_AUDIO_DIR"]).expanduser()
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)
