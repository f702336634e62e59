"""`build_skill(config)`: the one CustomSkill every front end (Flask, Lambda, speaker) invokes."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any

from ask_sdk_core.api_client import DefaultApiClient
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Context
from ask_sdk_model.interfaces.system import SystemState

from skill.config import Config
from skill.engine import comfort
from skill.engine.content import Content
from skill.engine.context import Deps
from skill.handlers import registry


def make_store(config: Config) -> AbstractPersistenceAdapter:
    """The persistence adapter the configuration names (SQLite by default)."""
    if config.store == "sqlite":
        from skill.stores.sqlite import SQLiteAdapter

        return SQLiteAdapter(config.db_path)
    if config.store == "dynamodb":
        from skill.stores.dynamo import make_dynamodb_adapter

        return make_dynamodb_adapter(config)
    raise ValueError(f"unknown store {config.store!r} (use sqlite or dynamodb)")


class StoreUnavailable(Exception):
    """The configured store cannot be used at all (a missing package, an unwritable path)."""


def check_store(config: Config) -> None:
    """Raise StoreUnavailable, with one line saying what to do, unless the configured store
    can start: run by `close-together serve` before it listens, so a worker never dies on it."""
    if config.store == "dynamodb":
        try:
            import ask_sdk_dynamodb  # noqa: F401
            import boto3  # noqa: F401
        except ImportError as exc:
            raise StoreUnavailable(
                f"CLOSE_TOGETHER_STORE=dynamodb needs {exc.name or 'boto3'}, which is not "
                "installed: pip install 'close-together[dynamodb]'"
            ) from None
        return
    if config.store != "sqlite":
        raise StoreUnavailable(f"unknown store {config.store!r} (use sqlite or dynamodb)")
    from skill.errors import StorageError
    from skill.stores.sqlite import SQLiteAdapter

    adapter = SQLiteAdapter(config.db_path)
    try:
        adapter.check()
    except StorageError as exc:
        cause = exc.__cause__
        why = getattr(cause, "strerror", None) or str(cause or exc)
        raise StoreUnavailable(
            f"cannot open the SQLite store at {config.db_path}: {why} "
            "(set CLOSE_TOGETHER_DB to a writable file)"
        ) from None
    finally:
        adapter.close()


class AlexaApiClient(DefaultApiClient):  # type: ignore[misc]
    """ask-sdk's HTTPS-only client for Alexa's APIs (timers), with a timeout on every call:
    a skill must answer within eight seconds, so a slow API may not hold the reply up."""

    def __init__(self, timeout: tuple[float, float] = (1.5, 2.0)) -> None:
        self.timeout = timeout

    def _resolve_method(self, request: Any) -> Callable[..., Any]:
        return functools.partial(super()._resolve_method(request), timeout=self.timeout)


class AlexaSkill(CustomSkill):  # type: ignore[misc]
    """The SDK's skill, tolerant of an envelope without `context.System`: with an API
    client configured the SDK reads the API token from there before any handler runs."""

    def invoke(self, request_envelope: Any, context: Any) -> Any:
        if getattr(request_envelope.context, "system", None) is None:
            request_envelope.context = Context(system=SystemState())
        return super().invoke(request_envelope=request_envelope, context=context)


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
    store = store or make_store(config)
    if hasattr(store, "starter_menu"):
        # The store replays menu changes on a record another device changed meanwhile; a
        # couple's first change is told apart from the starter menu they began with.
        store.starter_menu = [item.to_dict() for item in comfort.starter_menu(deps.content)]
    builder = CustomSkillBuilder(persistence_adapter=store, api_client=AlexaApiClient())
    for handler in registry.request_handlers(deps):
        builder.add_request_handler(handler)
    for request_interceptor in registry.request_interceptors(deps):
        builder.add_global_request_interceptor(request_interceptor)
    for response_interceptor in registry.response_interceptors(deps):
        builder.add_global_response_interceptor(response_interceptor)
    builder.add_exception_handler(registry.exception_handler(deps))
    return AlexaSkill(skill_configuration=builder.skill_configuration)
