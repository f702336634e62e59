"""DynamoDB persistence: ask-sdk's official adapter, made to behave exactly like the SQLite store.

`make_dynamodb_adapter(config)` returns a :class:`CoupleDynamoDbAdapter`, a subclass of
``ask_sdk_dynamodb.adapter.DynamoDbAdapter`` (same constructor fields, same interface), with
these differences:

* **The record is one JSON string by default** (``record_format="json"``), not a DynamoDB
  map. Measured against dynalite (docs/benchmarks.md), botocore's pure-Python parsing of a
  nested map costs several milliseconds per hundred practice-log entries on every read, and
  more on every write; one string attribute costs almost nothing and keeps ints, floats and
  None exactly as the skill stored them. ``record_format="map"`` stores the official adapter's
  native map instead (readable in the AWS console); items of either kind are read.
* **Numbers keep their types** in the map format too. boto3 rejects ``float`` and returns
  every number as ``Decimal``: floats are turned into ``Decimal`` on save and numbers come
  back as ``int`` (integral values) or ``float`` on load, so no ``Decimal`` reaches speech or
  JSON. DynamoDB trims trailing zeros, so there a float with an integral value (``20.0``)
  loads as the equal ``int`` (``20``); the state layer reads every number through
  ``float()`` anyway.
* **Saves never lose practice entries.** Each item carries a ``version`` token. A save
  merges the append-only keys (the practice log) with what is stored and writes with
  ``ConditionExpression version = :read``; if another server wrote in between, the write is
  refused, the item is read again, merged again, and retried. The version read by
  ``get_attributes`` for the same request is reused for the first attempt, so an ordinary
  turn costs one read and one write. The token is random (not a counter) so that a record
  deleted and re-created can never be mistaken for the one a stale reader saw.
* **The table is created when missing** (on-demand billing), on the first request that finds
  it missing, and the request waits until it is ACTIVE (DynamoDB and dynalite create tables
  asynchronously). Nothing touches the network when the adapter is built.
* **Every boto failure is a** :class:`~skill.errors.StorageError` (the skill then still
  speaks), with short connect/read timeouts and a bounded retry budget, so a slow or dead
  endpoint cannot eat Alexa's 8-second answer window.

Calls go through the resource's client (``resource.meta.client``: plain Python values in and
out, like the resource, and thread-safe, unlike resources and their ``Table`` objects), because
gunicorn's gthread workers share one adapter between threads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from skill.config import Config
from skill.errors import StorageError
from skill.stores.sqlite import merge_append_only, user_id_of

log = logging.getLogger("close_together")

PARTITION_KEY = "id"
ATTRIBUTES = "attributes"
VERSION = "version"
UPDATED_AT = "updated_at"

CONNECT_TIMEOUT = 1.0  # seconds: a region-local endpoint answers in milliseconds
READ_TIMEOUT = 2.0
TOTAL_ATTEMPTS = 2  # botocore's own retries (throttling, 5xx, dropped connections)
WRITE_ATTEMPTS = 8  # optimistic-concurrency retries when another server wrote first
CONFLICT_BACKOFF = 0.01  # seconds; doubled per conflict, jittered, so racing writers spread out
TABLE_WAIT_SECONDS = 6.0
RECORD_FORMATS = ("json", "map")


@contextlib.contextmanager
def _default_session_with_region(region: str) -> Iterator[None]:
    """Let the official adapter's module be imported where no AWS region is configured.

    ``ask_sdk_dynamodb.adapter`` evaluates ``boto3.resource("dynamodb")`` as a default
    argument at import time, which raises NoRegionError without a region. We always pass our
    own resource, so give that unused default a region-bearing session and put boto3's
    default session back afterwards.
    """
    previous = boto3.DEFAULT_SESSION
    if previous is None or previous.region_name is None:
        boto3.DEFAULT_SESSION = boto3.session.Session(region_name=region)
    try:
        yield
    finally:
        boto3.DEFAULT_SESSION = previous


with _default_session_with_region("us-east-1"):
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter


# -------------------------------------------------------------------------- number types


def to_dynamo(value: Any) -> Any:
    """A copy of `value` DynamoDB accepts: floats become Decimal, tuples become lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int | Decimal):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise StorageError("cannot store a number that is not finite")
        return Decimal(repr(value))  # repr is the shortest string that round-trips
    if isinstance(value, dict):
        return {str(k): to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    raise StorageError(f"cannot store a value of type {type(value).__name__}")


def from_dynamo(value: Any) -> Any:
    """A copy of `value` with every Decimal as int (integral) or float; sets as sorted lists."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(from_dynamo(v) for v in value)
    return value


# -------------------------------------------------------------------------- the adapter


@dataclass(frozen=True)
class _Snapshot:
    """What one read saw: the key, whether an item exists, its version token, its attributes.

    An existing item without a version was written by something else (the plain official
    adapter, say): the first save takes it over.
    """

    key: str
    version: str | None
    attributes: dict[str, Any]
    exists: bool = True


class _Conflict(Exception):
    """Another writer changed the item after we read it."""


class CoupleDynamoDbAdapter(DynamoDbAdapter):  # type: ignore[misc]
    """The official DynamoDB adapter with typed numbers, merged saves and StorageError."""

    def __init__(
        self,
        table_name: str,
        *,
        dynamodb_resource: Any,
        create_table: bool = True,
        record_format: str = "json",
        append_only_keys: Iterable[str] = ("practice_log",),
        append_only_limit: int = 1000,
        write_attempts: int = WRITE_ATTEMPTS,
        table_wait_seconds: float = TABLE_WAIT_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # create_table=False here: the parent would create it now, over the network, and
        # not wait for it. We create it lazily, the first time an operation finds it missing.
        super().__init__(
            table_name=table_name,
            partition_key_name=PARTITION_KEY,
            attribute_name=ATTRIBUTES,
            create_table=False,
            partition_keygen=user_id_of,
            dynamodb_resource=dynamodb_resource,
        )
        if record_format not in RECORD_FORMATS:
            raise ValueError(f"record_format must be one of {RECORD_FORMATS}")
        self.create_table = create_table
        self.record_format = record_format
        self.append_only_keys = tuple(append_only_keys)
        self.append_only_limit = append_only_limit
        self.write_attempts = write_attempts
        self.table_wait_seconds = table_wait_seconds
        self.clock = clock
        self.sleep = sleep
        # The resource's client speaks plain Python values (Decimal numbers) and is thread-safe.
        self._client = dynamodb_resource.meta.client
        self._jitter = random.Random()
        self._table_lock = threading.Lock()
        # The read a request made, kept for its save; dropped when the envelope is collected.
        self._snapshots: dict[int, _Snapshot] = {}

    # -- the ask-sdk interface ------------------------------------------------
    def get_attributes(self, request_envelope: Any) -> dict[str, Any]:
        snapshot = self._read(self.partition_keygen(request_envelope))
        marker = id(request_envelope)
        if marker not in self._snapshots:
            weakref.finalize(request_envelope, self._snapshots.pop, marker, None)
        self._snapshots[marker] = snapshot
        return dict(snapshot.attributes)

    def save_attributes(self, request_envelope: Any, attributes: dict[str, Any]) -> None:
        key = self.partition_keygen(request_envelope)
        snapshot = self._snapshots.pop(id(request_envelope), None)
        self._save(key, attributes, snapshot if snapshot and snapshot.key == key else None)

    def delete_attributes(self, request_envelope: Any) -> None:
        self._snapshots.pop(id(request_envelope), None)
        self.delete(self.partition_keygen(request_envelope))

    # -- by key (also used by tools and tests) ----------------------------------
    def load(self, key: str) -> dict[str, Any]:
        return dict(self._read(key).attributes)

    def save(self, key: str, attributes: dict[str, Any]) -> None:
        self._save(key, attributes, None)

    def delete(self, key: str) -> None:
        self._call("DeleteItem", lambda: self._client.delete_item(**self._key_args(key)))

    # -- reads and conditional writes --------------------------------------------
    def _key_args(self, key: str) -> dict[str, Any]:
        return {"TableName": self.table_name, "Key": {PARTITION_KEY: key}}

    def _read(self, key: str) -> _Snapshot:
        response = self._call(
            "GetItem",
            lambda: self._client.get_item(**self._key_args(key), ConsistentRead=True),
        )
        item = response.get("Item")
        if not item:
            return _Snapshot(key, None, {}, exists=False)
        attributes = self._decode(item.get(ATTRIBUTES, {}))
        version = item.get(VERSION)
        if not isinstance(attributes, dict) or not isinstance(version, str | None):
            raise StorageError("stored record is unreadable")
        return _Snapshot(key, version, attributes)

    def _encode(self, attributes: dict[str, Any]) -> Any:
        if self.record_format == "map":
            return to_dynamo(attributes)
        try:
            return json.dumps(attributes, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StorageError(f"cannot store the record: {type(exc).__name__}") from exc

    @staticmethod
    def _decode(stored: Any) -> Any:
        """A record as the skill stored it, from either format."""
        if isinstance(stored, str):
            try:
                return json.loads(stored)
            except json.JSONDecodeError as exc:
                raise StorageError("stored record is unreadable") from exc
        return from_dynamo(stored)

    def _save(self, key: str, attributes: dict[str, Any], snapshot: _Snapshot | None) -> None:
        for attempt in range(self.write_attempts):
            if snapshot is None:
                snapshot = self._read(key)
            try:
                self._write(key, self._merged(snapshot.attributes, attributes), snapshot)
                return
            except _Conflict:
                # Someone else wrote first: wait a little, read theirs, merge, try again.
                snapshot = None
                if attempt + 1 < self.write_attempts:
                    self.sleep(self._jitter.uniform(0, CONFLICT_BACKOFF * 2**attempt))
        log.warning("dynamodb save gave up after %d conflicting writes", self.write_attempts)
        raise StorageError("too many concurrent writes")

    def _merged(self, stored: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        payload = dict(new)
        for name in self.append_only_keys:
            if name in payload or name in stored:
                payload[name] = merge_append_only(
                    stored.get(name) or [], payload.get(name) or [], self.append_only_limit
                )
        return payload

    def _write(self, key: str, attributes: dict[str, Any], read: _Snapshot) -> None:
        """Put the item only if it is still what `read` saw (compare-and-swap)."""
        item = {
            PARTITION_KEY: key,
            ATTRIBUTES: self._encode(attributes),
            VERSION: uuid.uuid4().hex,
            UPDATED_AT: to_dynamo(float(self.clock())),
        }
        if not read.exists:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(#id)"}
            names = {"#id": PARTITION_KEY}
        elif read.version is None:
            condition = {
                "ConditionExpression": "attribute_exists(#id) AND attribute_not_exists(#v)"
            }
            names = {"#id": PARTITION_KEY, "#v": VERSION}
        else:
            condition = {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeValues": {":v": read.version},
            }
            names = {"#v": VERSION}
        self._call(
            "PutItem",
            lambda: self._client.put_item(
                TableName=self.table_name,
                Item=item,
                ExpressionAttributeNames=names,
                **condition,
            ),
        )

    # -- errors and the table ---------------------------------------------------
    def _call(self, operation: str, fn: Callable[[], Any]) -> Any:
        """Run one DynamoDB call; create the table if missing; map failures to StorageError."""
        for first_try in (True, False):
            try:
                return fn()
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
                if code == "ConditionalCheckFailedException":
                    raise _Conflict() from None
                if code == "ResourceNotFoundException" and first_try and self.create_table:
                    self._ensure_table()
                    continue
                log.warning("dynamodb %s failed: %s", operation, code)
                raise StorageError(f"storage unavailable: {code}") from exc
            except BotoCoreError as exc:
                name = type(exc).__name__
                log.warning("dynamodb %s failed: %s", operation, name)
                raise StorageError(f"storage unavailable: {name}") from exc
        raise StorageError("storage unavailable: table missing")  # pragma: no cover

    def _ensure_table(self) -> None:
        """Create the table (if nobody else is) and wait until it is ACTIVE."""
        with self._table_lock:
            try:
                self._client.create_table(
                    TableName=self.table_name,
                    KeySchema=[{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": PARTITION_KEY, "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST",
                )
                log.info("dynamodb table created; waiting for it to become active")
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code != "ResourceInUseException":  # in use: exists, or being created
                    log.warning("dynamodb CreateTable failed: %s", code)
                    raise StorageError(f"cannot create table: {code}") from exc
            except BotoCoreError as exc:
                raise StorageError(f"cannot create table: {type(exc).__name__}") from exc
            self._wait_until_active()

    def _wait_until_active(self) -> None:
        deadline = time.monotonic() + self.table_wait_seconds
        while True:
            try:
                table = self._client.describe_table(TableName=self.table_name)["Table"]
                if table.get("TableStatus") == "ACTIVE":
                    return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise StorageError("cannot describe table") from exc
            except BotoCoreError as exc:
                raise StorageError(f"cannot describe table: {type(exc).__name__}") from exc
            if time.monotonic() >= deadline:
                raise StorageError("table is not active yet")
            self.sleep(0.05)


def boto_config(
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    total_attempts: int = TOTAL_ATTEMPTS,
) -> BotoConfig:
    """Short timeouts and a small retry budget: a request has 8 seconds, all told."""
    return BotoConfig(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": total_attempts},
        max_pool_connections=16,  # at least gunicorn's threads per worker
    )


def make_dynamodb_adapter(
    config: Config,
    *,
    session: boto3.session.Session | None = None,
    botocore_config: BotoConfig | None = None,
    **options: Any,
) -> CoupleDynamoDbAdapter:
    """The DynamoDB store the configuration names; no network until the first request.

    The endpoint is `config.dynamodb_endpoint` when set; otherwise boto3 finds it the
    standard way (``AWS_ENDPOINT_URL_DYNAMODB``, ``AWS_ENDPOINT_URL``, the shared config
    file, or the region's public endpoint). Credentials come from boto3's usual chain.
    """
    session = session or boto3.session.Session(region_name=config.dynamodb_region)
    resource = session.resource(
        "dynamodb",
        region_name=config.dynamodb_region,
        endpoint_url=config.dynamodb_endpoint or None,
        config=botocore_config or boto_config(),
    )
    return CoupleDynamoDbAdapter(config.dynamodb_table, dynamodb_resource=resource, **options)
