"""`build_skill(config)`: the one CustomSkill every front end (Flask, Lambda, speaker) invokes."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill import registry
from skill.config import Config
from skill.content import Content
from skill.turn import Deps


def make_store(config: Config) -> AbstractPersistenceAdapter:
    """The persistence adapter the configuration names (SQLite by default)."""
    if config.store == "sqlite":
        from skill.persistence import SQLiteAdapter

        return SQLiteAdapter(config.db_path)
    if config.store == "dynamodb":
        from skill.dynamo import make_dynamodb_adapter

        return make_dynamodb_adapter(config)
    raise ValueError(f"unknown store {config.store!r} (use sqlite or dynamodb)")


def build_skill(
    config: Config | None = None,
    *,
    store: AbstractPersistenceAdapter | None = None,
    clock: Callable[[], float] = time.time,
    rng: random.Random | None = None,
) -> CustomSkill:
    """Assemble handlers, interceptors and storage into one skill."""
    config = config or Config.from_env()
    rng = rng or random.Random()
    deps = Deps(config=config, content=Content.load(config.locale, rng), clock=clock, rng=rng)
    builder = CustomSkillBuilder(persistence_adapter=store or make_store(config))
    for handler in registry.request_handlers(deps):
        builder.add_request_handler(handler)
    for request_interceptor in registry.request_interceptors(deps):
        builder.add_global_request_interceptor(request_interceptor)
    for response_interceptor in registry.response_interceptors(deps):
        builder.add_global_response_interceptor(response_interceptor)
    builder.add_exception_handler(registry.exception_handler(deps))
    return builder.create()
