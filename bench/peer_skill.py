"""The benchmark's peer: a skill written the way ask-sdk's samples write one.

CustomSkillBuilder with a small SQLite persistence adapter (the couple's attributes as one
JSON row, loaded and saved on every request by a request and a response interceptor), a
handful of handlers, the same Flask front end as the bare floor, and **no request
verification**. It is what the full service is measured against: the service should cost no
more per request while verifying every request.

    gunicorn -w 2 -k gthread --threads 4 'bench.peer_skill:create_peer_app()'

The SQLite file is CLOSE_TOGETHER_DB (or a temporary one).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import (
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import RequestEnvelope, Response
from flask import Flask

from bench.bare_skill import flask_front


class SQLitePersistenceAdapter(AbstractPersistenceAdapter):  # type: ignore[misc]
    """Attributes as one JSON row per user; a connection per thread, WAL mode."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS attributes (id TEXT PRIMARY KEY, data TEXT)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL's usual setting, as ours
            self._local.conn = conn
        return conn

    @staticmethod
    def _key(envelope: RequestEnvelope) -> str:
        return str(envelope.context.system.user.user_id)

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        row = (
            self._conn()
            .execute("SELECT data FROM attributes WHERE id = ?", (self._key(request_envelope),))
            .fetchone()
        )
        return json.loads(row[0]) if row else {}

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO attributes (id, data) VALUES (?, ?)",
            (self._key(request_envelope), json.dumps(attributes)),
        )

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self._conn().execute("DELETE FROM attributes WHERE id = ?", (self._key(request_envelope),))

    # The benchmark seeds couples by key.
    def save(self, key: str, attributes: dict[str, Any]) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO attributes (id, data) VALUES (?, ?)",
            (key, json.dumps(attributes)),
        )


class LoadAttributes(AbstractRequestInterceptor):  # type: ignore[misc]
    def process(self, handler_input: HandlerInput) -> None:
        attrs = handler_input.attributes_manager.persistent_attributes
        attrs["visits"] = attrs.get("visits", 0) + 1


class SaveAttributes(AbstractResponseInterceptor):  # type: ignore[misc]
    def process(self, handler_input: HandlerInput, response: Response) -> None:
        handler_input.attributes_manager.save_persistent_attributes()


class Launch(AbstractRequestHandler):  # type: ignore[misc]
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Welcome back. What would you like to do together?"
        return handler_input.response_builder.speak(speech).ask(speech).response


class HugTimer(AbstractRequestHandler):  # type: ignore[misc]
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("HugTimerIntent")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        attrs = handler_input.attributes_manager.persistent_attributes
        attrs.setdefault("practice_log", []).append({"kind": "hug", "seconds": 20})
        speech = "Hold each other. <break time='10s'/><break time='10s'/> That was twenty seconds."
        return handler_input.response_builder.speak(speech).set_should_end_session(True).response


class Fallback(AbstractRequestHandler):  # type: ignore[misc]
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Let's keep going. Say next when you're ready."
        return handler_input.response_builder.speak(speech).ask(speech).response


def create_peer_app(path: str | None = None) -> Flask:
    """Flask app: POST / deserialises the envelope, invokes the skill, serialises the answer."""
    path = (
        path
        or os.environ.get("CLOSE_TOGETHER_DB")
        or os.path.join(tempfile.mkdtemp(prefix="ct-peer-"), "peer.sqlite3")
    )
    builder = CustomSkillBuilder(persistence_adapter=SQLitePersistenceAdapter(path))
    for handler in (Launch(), HugTimer(), Fallback()):
        builder.add_request_handler(handler)
    builder.add_global_request_interceptor(LoadAttributes())
    builder.add_global_response_interceptor(SaveAttributes())
    return flask_front(builder.create())
