"""Fixtures: a temp SQLite file, a hand-moved clock, seeded randomness, the Flask app."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.builder import build_skill
from skill.config import Config
from skill.frontends.web import create_app
from skill.stores.sqlite import SQLiteAdapter
from tests.alexa import Conversation
from tests.certs import Clock

START = 1_795_000_000.0  # a fixed evening, so tests never depend on the real clock


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "couples.sqlite3"


@pytest.fixture
def config(db_path: Path) -> Config:
    return Config(db_path=db_path, verify=False)


@pytest.fixture
def store(db_path: Path, clock: Clock) -> Iterator[SQLiteAdapter]:
    adapter = SQLiteAdapter(db_path, clock=clock)
    yield adapter
    adapter.close()


@pytest.fixture
def make_app(config: Config, store: SQLiteAdapter, clock: Clock):  # type: ignore[no-untyped-def]
    def make(
        cfg: Config | None = None, adapter: SQLiteAdapter | None = None, seed: int = 7
    ) -> Flask:
        cfg = cfg or config
        skill = build_skill(cfg, store=adapter or store, clock=clock, rng=random.Random(seed))
        app = create_app(cfg, skill=skill)
        app.testing = True
        return app

    return make


@pytest.fixture
def app(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app()  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def talk(client: FlaskClient, clock: Clock) -> Conversation:
    return Conversation(client, clock)
