"""Configuration from the environment: safe defaults, clear refusals."""

from __future__ import annotations

import pytest

from skill.config import Config, ConfigError


def test_defaults() -> None:
    cfg = Config.from_env({})
    assert (cfg.verify, cfg.store, cfg.talk_seconds, cfg.more_talk_seconds) == (
        True,
        "sqlite",
        45,
        90,
    )
    assert cfg.db_path.name == "close-together.sqlite3"


@pytest.mark.parametrize("value", ["0", "4", "121", "300", "forty", "-5"])
def test_talk_time_outside_what_alexa_can_hold_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="CLOSE_TOGETHER_TALK_SECONDS"):
        Config.from_env({"CLOSE_TOGETHER_TALK_SECONDS": value})


@pytest.mark.parametrize(("talk", "more"), [("5", 90), ("45", 90), ("60", 120), ("120", 180)])
def test_more_time_is_always_longer_and_within_limits(talk: str, more: int) -> None:
    cfg = Config.from_env({"CLOSE_TOGETHER_TALK_SECONDS": talk})
    assert cfg.more_talk_seconds == more > cfg.talk_seconds


def test_time_zone_is_checked() -> None:
    assert Config.from_env({"CLOSE_TOGETHER_TIMEZONE": "Europe/Berlin"}).timezone == "Europe/Berlin"
    with pytest.raises(ConfigError, match="time zone"):
        Config.from_env({"CLOSE_TOGETHER_TIMEZONE": "Mars/Olympus"})
