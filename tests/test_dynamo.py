"""The DynamoDB store against a real dynalite: types, merges, sharing, endpoints and faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.builder import make_store
from skill.config import Config
from skill.errors import StorageError
from skill.stores.dynamo import (
    CoupleDynamoDbAdapter,
    DynamoDbAdapter,  # the official class; ask_sdk_dynamodb needs a region to be imported
    from_dynamo,
    make_dynamodb_adapter,
    to_dynamo,
)
from tests.alexa import envelope

if TYPE_CHECKING:
    from tests.dynalite import Dynalite

pytest_plugins = ("tests.dynalite",)
pytestmark = pytest.mark.usefixtures("dynamo_env")

USER = "amzn1.ask.account.DYNAMOCOUPLE"

RECORD: dict[str, Any] = {
    "first_seen": 1795000000.25,
    "names": ["Sam", "Alex"],
    "recent_questions": [3, 0, 11],
    "practice_log": [
        {"id": "a1", "kind": "hug", "at": 1795000001.5, "seconds": 30},
        {"id": "a2", "kind": "kiss", "at": 1795000002.75, "seconds": 6.5},
    ],
    "practice_counts": {"hug": 1, "kiss": 1},
    "practice_last": {"hug": 1795000001.5, "kiss": 1795000002.75},
    "progress": {
        "ritual": "checkin",
        "started_at": 1795000000.125,
        "updated_at": 1795000003.0625,
        "step": 2,
        "talk_seconds": 45,
        "pain": [3, None],
        "reasks": 0,
        "question": None,
    },
    "flag": True,
    "empty": [],
}


def entry(i: int, at: float) -> dict[str, Any]:
    return {"id": f"e{i}", "kind": "hug", "at": at, "seconds": 20}


def request(user: str = USER) -> RequestEnvelope:
    """A deserialised request envelope, as ask-sdk hands one to the adapter."""
    env = envelope("IntentRequest", "HugTimerIntent", user=user)
    return DefaultSerializer().deserialize(json.dumps(env), RequestEnvelope)


def types_in(value: Any) -> set[type]:
    if isinstance(value, dict):
        return {dict}.union(*(types_in(v) for v in value.values()))
    if isinstance(value, list):
        return {list}.union(*(types_in(v) for v in value))
    return {type(value)}


@pytest.fixture
def config(dynamo_config: Config) -> Config:
    return dynamo_config


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    """One botocore model load for the module; each adapter still gets its own client."""
    return boto3.session.Session(region_name="us-east-1")


Server = Callable[..., CoupleDynamoDbAdapter]


@pytest.fixture
def server(config: Config, session: boto3.session.Session) -> Server:
    """Builds adapters as separate servers would: each with its own client and pool."""

    def make(**options: Any) -> CoupleDynamoDbAdapter:
        return make_dynamodb_adapter(config, session=session, **options)

    return make


@pytest.fixture(params=["json", "map"])
def record_format(request: pytest.FixtureRequest) -> str:
    """Both ways of storing the record: one JSON string (default) or a native DynamoDB map."""
    return str(request.param)


@pytest.fixture
def adapter(server: Server, record_format: str) -> CoupleDynamoDbAdapter:
    return server(record_format=record_format)


def raw_item(adapter: CoupleDynamoDbAdapter, key: str) -> dict[str, Any] | None:
    return adapter._client.get_item(  # type: ignore[no-any-return]
        TableName=adapter.table_name, Key={"id": key}, ConsistentRead=True
    ).get("Item")


# -------------------------------------------------------------------------- types


def test_record_round_trips_with_the_types_the_skill_stored(adapter: CoupleDynamoDbAdapter) -> None:
    adapter.save(USER, RECORD)
    loaded = adapter.load(USER)
    assert loaded == RECORD
    assert Decimal not in types_in(loaded)
    assert json.loads(json.dumps(loaded)) == RECORD  # no Decimal: plain JSON works
    assert type(loaded["recent_questions"][0]) is int
    assert type(loaded["practice_log"][1]["seconds"]) is float
    assert type(loaded["progress"]["step"]) is int
    assert type(loaded["practice_log"][0]["seconds"]) is int
    assert type(loaded["first_seen"]) is float
    assert type(loaded["flag"]) is bool
    assert loaded["progress"]["pain"] == [3, None]


def test_how_the_record_is_stored(adapter: CoupleDynamoDbAdapter, record_format: str) -> None:
    adapter.save(USER, {"first_seen": 1795000000.25, "recent_questions": [4]})
    item = raw_item(adapter, USER)
    assert item is not None
    stored = item["attributes"]
    if record_format == "map":  # DynamoDB numbers, as the official adapter stores them
        assert stored["first_seen"] == Decimal("1795000000.25")
        assert stored["recent_questions"] == [Decimal(4)]
    else:
        assert json.loads(stored) == {"first_seen": 1795000000.25, "recent_questions": [4]}
    assert isinstance(item["version"], str) and len(item["version"]) == 32


def test_items_of_either_format_are_read(server: Server) -> None:
    server(record_format="map").save("as-map", RECORD)
    server(record_format="json").save("as-json", RECORD)
    for reader in (server(record_format="json"), server(record_format="map")):
        assert reader.load("as-map") == RECORD
        assert reader.load("as-json") == RECORD


def test_an_item_written_by_the_plain_official_adapter_is_taken_over(server: Server) -> None:
    """No version attribute, a native map: read it, merge into it, and version it from then on."""
    adapter = server()
    adapter.save("someone-else", {})  # creates the table
    adapter._client.put_item(
        TableName=adapter.table_name,
        Item={"id": USER, "attributes": {"practice_log": [{"id": "old", "kind": "hug", "at": 1}]}},
    )
    req = request()
    record = adapter.get_attributes(req)
    record["practice_log"] = [*record["practice_log"], entry(1, 2.0)]
    adapter.save_attributes(req, record)
    assert [e["id"] for e in adapter.load(USER)["practice_log"]] == ["old", "e1"]
    assert raw_item(adapter, USER)["version"]  # type: ignore[index]


def test_an_unreadable_record_is_a_storage_error(server: Server) -> None:
    adapter = server()
    adapter.save(USER, {})  # creates the table
    adapter._client.put_item(
        TableName=adapter.table_name, Item={"id": USER, "attributes": "{broken", "version": "v"}
    )
    with pytest.raises(StorageError, match="unreadable"):
        adapter.load(USER)


def test_an_unknown_record_format_is_refused(server: Server) -> None:
    with pytest.raises(ValueError, match="record_format"):
        server(record_format="yaml")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object()])
def test_values_dynamodb_cannot_hold_are_a_storage_error(
    adapter: CoupleDynamoDbAdapter, bad: Any
) -> None:
    with pytest.raises(StorageError):
        adapter.save(USER, {"first_seen": bad})


def test_conversion_helpers() -> None:
    assert to_dynamo({"a": (1.5, 2)}) == {"a": [Decimal("1.5"), 2]}
    assert to_dynamo(0.1) == Decimal("0.1")  # the shortest repr, not binary noise
    assert from_dynamo([Decimal("20"), Decimal("20.5"), Decimal("1E+2")]) == [20, 20.5, 100]
    assert [type(x) for x in from_dynamo([Decimal("20"), Decimal("0.5")])] == [int, float]
    assert from_dynamo({Decimal("2"), Decimal("1")}) == [1, 2]


# -------------------------------------------------------------------------- the interface


def test_ask_sdk_interface_load_save_delete(adapter: CoupleDynamoDbAdapter) -> None:
    req = request()
    assert adapter.get_attributes(req) == {}
    adapter.save_attributes(req, {"names": ["Sam"]})
    assert adapter.get_attributes(request()) == {"names": ["Sam"]}
    assert adapter.erased_at(USER) is None
    adapter.delete_attributes(request())
    assert adapter.get_attributes(request()) == {}
    assert raw_item(adapter, USER) is None, "the item itself is gone, not just emptied"
    # When, for what was learnt beside the record (a bedside's voices, enrolment.py).
    assert adapter.erased_at(USER) == pytest.approx(adapter.clock(), abs=60)


def test_it_is_the_official_adapter_chosen_by_configuration(config: Config) -> None:
    store = make_store(config)
    assert isinstance(store, CoupleDynamoDbAdapter)
    assert isinstance(store, DynamoDbAdapter)
    assert DynamoDbAdapter.__module__ == "ask_sdk_dynamodb.adapter"
    assert store.table_name == config.dynamodb_table


def test_botocore_has_short_timeouts_and_few_retries(adapter: CoupleDynamoDbAdapter) -> None:
    cfg = adapter._client.meta.config
    assert cfg.connect_timeout <= 2 and cfg.read_timeout <= 3
    assert cfg.retries["total_max_attempts"] <= 3


def test_missing_table_is_created_and_waited_for(config: Config, server: Server) -> None:
    # dynalite keeps new tables CREATING for a while; both adapters race to create it.
    first, second = server(), server()
    errors: list[BaseException] = []

    def save(adapter: CoupleDynamoDbAdapter, name: str) -> None:
        try:
            adapter.save(name, {"names": [name]})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=save, args=(first, "one")),
        threading.Thread(target=save, args=(second, "two")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    table = first._client.describe_table(TableName=config.dynamodb_table)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert first.load("two") == {"names": ["two"]}


def test_without_create_table_a_missing_table_is_a_storage_error(server: Server) -> None:
    adapter = server(create_table=False)
    with pytest.raises(StorageError, match="ResourceNotFoundException"):
        adapter.load(USER)


# -------------------------------------------------------------------------- two servers


def test_two_servers_see_each_others_writes_and_deletes(server: Server) -> None:
    a, b = server(), server()
    a.save(USER, {"names": ["Sam", "Alex"]})
    assert b.load(USER)["names"] == ["Sam", "Alex"]
    b.save(USER, {"names": ["Robin"]})
    assert a.load(USER)["names"] == ["Robin"]
    b.delete(USER)
    assert a.load(USER) == {}


@pytest.mark.parametrize("record_format", ["json", "map"])
def test_interleaved_saves_from_two_servers_keep_both_entries(
    server: Server, record_format: str
) -> None:
    """Both servers read the same version, each appends, both save: nothing is lost."""
    a, b = server(record_format=record_format), server(record_format=record_format)
    a.save(USER, {"practice_log": [entry(0, 1.0)]})
    req_a, req_b = request(), request()
    seen_by_a, seen_by_b = a.get_attributes(req_a), b.get_attributes(req_b)
    seen_by_a["practice_log"] = [*seen_by_a["practice_log"], entry(1, 2.0)]
    seen_by_b["practice_log"] = [*seen_by_b["practice_log"], entry(2, 3.0)]
    a.save_attributes(req_a, seen_by_a)
    version_after_a = raw_item(a, USER)["version"]  # type: ignore[index]
    b.save_attributes(req_b, seen_by_b)  # refused once (stale version), re-read, merged
    assert raw_item(a, USER)["version"] != version_after_a  # type: ignore[index]
    assert [e["id"] for e in a.load(USER)["practice_log"]] == ["e0", "e1", "e2"]


def test_many_threads_on_two_servers_lose_no_practice_entry(server: Server) -> None:
    servers = [server(), server()]

    def device(n: int) -> None:
        mine = servers[n % 2]
        for i in range(8):
            req = request()
            record = mine.get_attributes(req)
            record["practice_log"] = [*record.get("practice_log", []), entry(n * 100 + i, i)]
            mine.save_attributes(req, record)

    threads = [threading.Thread(target=device, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = servers[0].load(USER)["practice_log"]
    assert len(log) == 32
    assert len({e["id"] for e in log}) == 32


def test_a_writer_that_keeps_losing_the_race_gives_up_with_a_storage_error(server: Server) -> None:
    loser = server(write_attempts=1)
    other = server()
    other.save(USER, {"names": ["Sam"]})
    req = request()
    loser.get_attributes(req)
    other.save(USER, {"names": ["Alex"]})  # the version the loser read is now stale
    with pytest.raises(StorageError, match="concurrent"):
        loser.save_attributes(req, {"names": ["Robin"]})
    assert other.load(USER)["names"] == ["Alex"], "the refused write changed nothing"


def test_a_stale_version_never_matches_a_deleted_and_recreated_record(server: Server) -> None:
    a, b = server(write_attempts=1), server()
    b.save(USER, {"practice_log": [entry(0, 1.0)]})
    req = request()
    a.get_attributes(req)  # a remembers the version it read
    b.delete(USER)  # "forget us" on another server
    b.save(USER, {"names": ["New"]})  # and the couple starts again
    a.save_attributes(req, {"practice_log": [entry(0, 1.0)], "names": ["Old"]})  # dropped
    assert b.load(USER) == {"names": ["New"]}
    assert b.practice_rows(USER) == []


# -------------------------------------------------------------------------- endpoints


def test_boto3s_own_endpoint_variable_is_honoured(
    dynalite: Dynalite, table_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite.endpoint)
    # A config that names no endpoint: boto3 itself must pick the variable up.
    adapter = make_dynamodb_adapter(Config(store="dynamodb", dynamodb_table=table_name))
    adapter.save(USER, {"names": ["Sam"]})
    explicit = make_dynamodb_adapter(
        Config(store="dynamodb", dynamodb_table=table_name, dynamodb_endpoint=dynalite.endpoint)
    )
    assert explicit.load(USER) == {"names": ["Sam"]}
    assert adapter._client.meta.endpoint_url == dynalite.endpoint


def test_configuration_from_the_environment_reaches_dynalite(
    dynalite: Dynalite, table_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOSE_TOGETHER_STORE", "dynamodb")
    monkeypatch.setenv("CLOSE_TOGETHER_DYNAMODB_TABLE", table_name)
    monkeypatch.setenv("CLOSE_TOGETHER_DYNAMODB_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite.endpoint)
    store = make_store(Config.from_env())
    assert isinstance(store, CoupleDynamoDbAdapter)
    store.save(USER, {"names": ["Sam"]})
    assert store.load(USER) == {"names": ["Sam"]}
    assert store._client.meta.region_name == "eu-west-1"


# -------------------------------------------------------------------------- faults


def test_nothing_listening_is_a_quick_storage_error(table_name: str, dead_endpoint: str) -> None:
    adapter = make_dynamodb_adapter(
        Config(store="dynamodb", dynamodb_table=table_name, dynamodb_endpoint=dead_endpoint)
    )
    started = time.monotonic()
    with pytest.raises(StorageError, match="EndpointConnectionError"):
        adapter.load(USER)
    with pytest.raises(StorageError):
        adapter.save(USER, {"names": ["Sam"]})
    with pytest.raises(StorageError):
        adapter.delete(USER)
    assert time.monotonic() - started < 8, "well inside Alexa's answer window"


def test_a_request_without_a_user_id_is_a_storage_error(adapter: CoupleDynamoDbAdapter) -> None:
    env = envelope("LaunchRequest", user=USER)
    del env["context"]["System"]["user"], env["session"]["user"]
    req = DefaultSerializer().deserialize(json.dumps(env), RequestEnvelope)
    with pytest.raises(StorageError):
        adapter.get_attributes(req)


def test_importing_and_building_needs_no_region_credentials_or_network(tmp_path: Path) -> None:
    """The official adapter resolves a boto3 resource at import; we make that harmless."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    code = (
        "import boto3, skill.stores.dynamo\n"
        "from skill.config import Config\n"
        "from skill.builder import make_store\n"
        "assert boto3.DEFAULT_SESSION is None, 'default session left changed'\n"
        "store = make_store(Config(store='dynamodb', dynamodb_endpoint='http://127.0.0.1:9'))\n"
        "print(type(store).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "CoupleDynamoDbAdapter"


class LossyLink:
    """A proxy on 127.0.0.1 in front of dynalite that passes a chosen operation on and
    then loses its answer (as a network timeout would): the write happened, the store was
    not told. `lose` counts how many such answers are still to be lost."""

    def __init__(self, upstream: str, operation: str, lose: int, *, fail: bool = False) -> None:
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlparse

        link = self
        self.operation, self.lose, self.lock = operation, lose, threading.Lock()
        self.seen = 0  # calls of `operation` that reached the link
        up = urlparse(upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
                with link.lock:
                    link.seen += target == link.operation
                if fail and target == link.operation:  # refused outright, never done
                    error = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/x-amz-json-1.0")
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request("POST", self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                conn.close()
                with link.lock:
                    drop = target == link.operation and link.lose > 0
                    link.lose -= drop
                if drop:
                    self.close_connection = True  # done upstream; the answer never comes
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() in ("content-type", "x-amzn-requestid", "x-amz-crc32"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("lost", [1, 3])
def test_a_write_whose_answer_was_lost_is_applied_once(
    config: Config, session: boto3.session.Session, lost: int
) -> None:
    """The record write happened but its answer was lost (once: botocore's retry then
    fails its condition; or every try: the store sees a failure). Reading the record shows
    it landed: the challenge way counts once, and nothing says it was not saved."""
    import dataclasses

    challenge = {"started_at": 1.0, "done": 1}
    make_dynamodb_adapter(config, session=session).save(USER, {"challenge": challenge})
    link = LossyLink(config.dynamodb_endpoint or "", "PutItem", lost)
    try:
        lossy = make_dynamodb_adapter(
            dataclasses.replace(config, dynamodb_endpoint=link.endpoint), session=session
        )
        req = request()
        record = lossy.get_attributes(req)
        lossy.save_attributes(req, {**record, "challenge": {**challenge, "done": 2}})
    finally:
        link.close()
    stored = make_dynamodb_adapter(config, session=session).load(USER)
    assert stored["challenge"]["done"] == 2, stored


def test_a_practice_row_that_cannot_be_written_does_not_unsay_a_saved_hug(
    config: Config, session: boto3.session.Session
) -> None:
    """The record (its counts and recent log, all the skill reads) was written; only the
    long log's row failed. The hug is saved, and nothing says otherwise."""
    import dataclasses

    link = LossyLink(config.dynamodb_endpoint or "", "BatchWriteItem", 0, fail=True)
    try:
        lossy = make_dynamodb_adapter(
            dataclasses.replace(config, dynamodb_endpoint=link.endpoint), session=session
        )
        hug = {"id": "h1", "kind": "hug", "at": 5.0, "seconds": 20}
        lossy.save(USER, {"practice_log": [hug]})  # no StorageError: it is saved
    finally:
        link.close()
    stored = make_dynamodb_adapter(config, session=session).load(USER)
    assert stored["practice_counts"] == {"hug": 1}, stored


def test_a_write_dynamodb_refuses_fails_at_once_not_after_eight_tries(
    config: Config, session: boto3.session.Session
) -> None:
    """A write that fails (refused, or an endpoint that never answers) is read back once,
    in case it landed; when it did not, the failure is said at once: no replaying the
    turn eight times while Alexa's eight seconds run out."""
    import dataclasses

    link = LossyLink(config.dynamodb_endpoint or "", "PutItem", 0, fail=True)
    try:
        lossy = make_dynamodb_adapter(
            dataclasses.replace(config, dynamodb_endpoint=link.endpoint), session=session
        )
        with pytest.raises(StorageError):
            lossy.save(USER, {"names": ["Sam"]})
        attempts = lossy._client.meta.config.retries["total_max_attempts"]
    finally:
        link.close()
    assert link.seen <= attempts, f"{link.seen} PutItem calls for one save"
