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
* **Saves lose nothing.** Each item carries a ``version`` token. A save writes with
  ``ConditionExpression version = :read``; if another server wrote in between, the item is
  read again, this turn's changes (``skill.engine.changes``: a menu item added, a practice
  done…) are replayed on it, and the write is retried. The version read by
  ``get_attributes`` for the same request is reused for the first attempt, so an ordinary
  turn costs one read and one write. The token is random (not a counter) so that a record
  deleted and re-created can never be mistaken for the one a stale reader saw.
* **Practice-log entries are their own items** in a second table, ``<table>-practice``
  (partition key ``couple``, sort key ``id``), written after the record (a put of the same
  entry is idempotent); the record keeps the recent entries and counts a request reads.
  Items in the old layout (the whole log in the record) are read as they are, and their
  entries move to the practice table the next time the record is saved.
* **Forget is final.** An erase writes a tombstone (``erased#`` + a hash of the user id, the
  time, nothing else), deletes the record, then the couple's practice items. Each record
  carries a ``generation`` token made when it was created: a save that loaded before the
  erase finds the record gone, re-created under another generation, or (for a record it did
  not see) another tombstone than its load saw, and writes nothing. No clock is compared
  with another: a request that loads just after an erase, on any server, saves as usual.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from skill.config import Config
from skill.engine import changes
from skill.errors import StorageError
from skill.stores.sqlite import erased_marker, user_id_of

log = logging.getLogger("close_together")

PARTITION_KEY = "id"
ATTRIBUTES = "attributes"
VERSION = "version"
UPDATED_AT = "updated_at"
GENERATION = "generation"
ERASED_AT = "erased_at"
EXPIRES_AT = "expires_at"  # for a DynamoDB TTL on the table, if one is set up
PRACTICE_SUFFIX = "-practice"
PRACTICE_COUPLE = "couple"
PRACTICE_ID = "id"
TOMBSTONE_SECONDS = 24 * 3600
BATCH = 25  # BatchWriteItem's limit

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
    generation: str | None = None
    # With no record: the couple's tombstone as this read saw it (None for none). Another
    # one later means an erase since, whatever any server's clock says.
    tombstone: Any = None


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
        self.practice_table = table_name + PRACTICE_SUFFIX
        # The menu a couple starts from (set by build_skill): see changes.diff.
        self.starter_menu: list[dict[str, Any]] | None = None
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
        self._by_thread = threading.local()  # what load(key) read, for save(key)

    # -- the ask-sdk interface ------------------------------------------------
    def get_attributes(self, request_envelope: Any) -> dict[str, Any]:
        snapshot = self._read(self.partition_keygen(request_envelope))
        marker = id(request_envelope)
        if marker not in self._snapshots:
            weakref.finalize(request_envelope, self._snapshots.pop, marker, None)
        self._snapshots[marker] = snapshot
        return changes.copy_record(snapshot.attributes)

    def save_attributes(self, request_envelope: Any, attributes: dict[str, Any]) -> None:
        key = self.partition_keygen(request_envelope)
        snapshot = self._snapshots.pop(id(request_envelope), None)
        self._save(key, attributes, snapshot if snapshot and snapshot.key == key else None)

    def delete_attributes(self, request_envelope: Any) -> None:
        self._snapshots.pop(id(request_envelope), None)
        self.delete(self.partition_keygen(request_envelope))

    # -- by key (also used by tools and tests) ----------------------------------
    def load(self, key: str) -> dict[str, Any]:
        snapshot = self._read(key)
        self._by_thread.loaded = snapshot
        return changes.copy_record(snapshot.attributes)

    def save(self, key: str, attributes: dict[str, Any]) -> None:
        snapshot = getattr(self._by_thread, "loaded", None)
        self._by_thread.loaded = None
        self._save(key, attributes, snapshot if snapshot and snapshot.key == key else None)

    def delete(self, key: str) -> None:
        """Erase a couple: tombstone first (so a save in flight cannot bring them back),
        then the record, then every practice item."""
        now = float(self.clock())
        tombstone = {
            PARTITION_KEY: "erased#" + erased_marker(key),
            ERASED_AT: to_dynamo(now),
            EXPIRES_AT: int(now + TOMBSTONE_SECONDS),
        }
        self._call(
            "PutItem", lambda: self._client.put_item(TableName=self.table_name, Item=tombstone)
        )
        self._call("DeleteItem", lambda: self._client.delete_item(**self._key_args(key)))
        self._delete_practice(key)

    def practice_rows(self, key: str) -> list[dict[str, Any]]:
        """Every practice-log entry of a couple, oldest first."""
        rows = [from_dynamo(item) for item in self._practice_items(key, everything=True)]
        entries = [
            {k: v for k, v in row.items() if k != PRACTICE_COUPLE and v is not None} for row in rows
        ]
        return sorted(entries, key=lambda e: (e.get("at", 0), e["id"]))

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
            # No record: which tombstone there is now (for a record the generation tells).
            return _Snapshot(key, None, {}, exists=False, tombstone=self._tombstone(key))
        attributes = self._decode(item.get(ATTRIBUTES, {}))
        version = item.get(VERSION)
        generation = item.get(GENERATION)
        if (
            not isinstance(attributes, dict)
            or not isinstance(version, str | None)
            or not isinstance(generation, str | None)
        ):
            raise StorageError("stored record is unreadable")
        return _Snapshot(key, version, attributes, generation=generation)

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
        """Write this turn's changes; on a conflict replay them on the latest record."""
        origin = snapshot if snapshot is not None else self._read(key)
        ops = changes.diff(origin.attributes, attributes, self.starter_menu)
        payload = changes.current_layout(attributes)
        read = origin
        sent: set[str] = set()  # every version token this save has written under
        for attempt in range(self.write_attempts):
            if self._erased_since(origin, read):
                log.info("save dropped: the couple's data was erased meanwhile")
                return
            rows = changes.new_entries(ops) + changes.old_log_entries(read.attributes)
            version = uuid.uuid4().hex
            sent.add(version)
            try:
                written = self._write(key, payload, read, version)
            except StorageError as failed:
                # A write whose answer never came may have landed: read once, and if the
                # record carries one of our tokens it is done. Otherwise the failure
                # stands (no retrying a write that is refused, or an endpoint that hangs).
                try:
                    latest = self._read(key)
                except StorageError:
                    raise failed from None  # the write's failure is the one to tell
                ours = self._ours(latest, sent)
                if ours is None:
                    raise
                written = ours
            except _Conflict:
                # Someone else wrote first, or our own earlier write landed late (its
                # answer lost, a retry then failing its condition): ours is done; theirs
                # means wait a little, read it, and replay this turn on it.
                latest = self._read(key)
                ours = self._ours(latest, sent)
                if ours is None and attempt + 1 < self.write_attempts:
                    self.sleep(self._jitter.uniform(0, CONFLICT_BACKOFF * 2**attempt))
                    latest = self._read(key)
                    ours = self._ours(latest, sent)
                if ours is None:
                    read = latest
                    payload = changes.apply(ops, read.attributes)
                    continue
                written = ours
            if not read.exists and self._erased_after(origin):
                # An erase landed while this record was being created: take it back.
                self._delete_if(key, written[0])
                return
            if rows:
                try:
                    self._write_practice(key, rows, written[1])
                except StorageError as exc:
                    # The record holds the entries (its counts and recent log are what the
                    # skill reads): the turn is saved; only the long log lacks the rows.
                    log.warning("practice rows not written (the record has them): %s", exc)
            return
        if self._erased_since(origin, read):
            log.info("save dropped: the couple's data was erased meanwhile")
            return
        log.warning("dynamodb save gave up after %d conflicting writes", self.write_attempts)
        raise StorageError("too many concurrent writes")

    @staticmethod
    def _ours(latest: _Snapshot, sent: set[str]) -> tuple[str, str] | None:
        """(version, generation) if the record is one this save wrote, else None."""
        if latest.version in sent and latest.generation is not None:
            return latest.version, latest.generation
        return None

    def _erased_since(self, origin: _Snapshot, latest: _Snapshot) -> bool:
        """Whether the couple was erased after `origin` was read (so nothing may be saved)."""
        if origin.exists and not latest.exists:
            return True
        if origin.generation is not None and latest.exists:
            return latest.generation != origin.generation
        if latest is origin and origin.exists:
            return False  # unchanged since our own read: the write's condition decides
        return self._erased_after(origin)

    def _erased_after(self, origin: _Snapshot) -> bool:
        """A tombstone other than the one `origin`'s read saw: erased since."""
        now = self._tombstone(origin.key)
        return now is not None and now != origin.tombstone

    def erased_at(self, key: str) -> float | None:
        """When this couple last asked to be forgotten (while the tombstone lasts), or None."""
        found = self._tombstone(key)
        return float(found) if found is not None else None

    def _tombstone(self, key: str) -> Any:
        """The couple's tombstone (when it was erased), or None."""
        response = self._call(
            "GetItem",
            lambda: self._client.get_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: "erased#" + erased_marker(key)},
                ConsistentRead=True,
            ),
        )
        item = response.get("Item")
        return from_dynamo(item.get(ERASED_AT)) if item else None

    def _write(
        self, key: str, attributes: dict[str, Any], read: _Snapshot, version: str
    ) -> tuple[str, str]:
        """Put the item only if it is still what `read` saw (compare-and-swap), under the
        new version token `version`; that token and the record's generation are returned."""
        generation = read.generation or uuid.uuid4().hex
        item = {
            PARTITION_KEY: key,
            ATTRIBUTES: self._encode(attributes),
            VERSION: version,
            GENERATION: generation,
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
        return version, generation

    def _delete_if(self, key: str, version: str) -> None:
        """Delete the record if it is still the one we wrote (tried three times: it must
        not outlive the erase it raced)."""
        for attempt in range(3):
            try:
                self._delete_once(key, version)
                return
            except StorageError:
                if attempt == 2:
                    log.warning("a record made during an erase could not be removed")
                    raise

    def _delete_once(self, key: str, version: str) -> None:
        with contextlib.suppress(_Conflict):
            self._call(
                "DeleteItem",
                lambda: self._client.delete_item(
                    **self._key_args(key),
                    ConditionExpression="#v = :v",
                    ExpressionAttributeNames={"#v": VERSION},
                    ExpressionAttributeValues={":v": version},
                ),
            )

    # -- practice-log items --------------------------------------------------------
    def _write_practice(self, key: str, entries: list[dict[str, Any]], generation: str) -> None:
        """Put each entry as its own item (a repeated put changes nothing). If the couple
        was erased while we wrote (the record gone, or begun again under another
        generation), the erase may have missed these: remove them again."""
        requests = []
        for entry in {e["id"]: e for e in entries}.values():
            item = {PRACTICE_COUPLE: key, **{k: v for k, v in entry.items() if v is not None}}
            requests.append({"PutRequest": {"Item": to_dynamo(item)}})
        self._batch(requests)
        still = self._call(
            "GetItem",
            lambda: self._client.get_item(
                **self._key_args(key),
                ConsistentRead=True,
                ProjectionExpression="#g",
                ExpressionAttributeNames={"#g": GENERATION},
            ),
        )
        if (still.get("Item") or {}).get(GENERATION) != generation:
            self._delete_practice(key, only={e["id"] for e in entries})

    def _practice_items(self, key: str, *, everything: bool = False) -> Iterator[dict[str, Any]]:
        args: dict[str, Any] = {
            "TableName": self.practice_table,
            "KeyConditionExpression": "#c = :c",
            "ExpressionAttributeNames": {"#c": PRACTICE_COUPLE},
            "ExpressionAttributeValues": {":c": key},
            "ConsistentRead": True,
        }
        if not everything:
            args["ProjectionExpression"] = "#c, #i"
            args["ExpressionAttributeNames"]["#i"] = PRACTICE_ID
        while True:
            try:
                page = self._client.query(**args)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return  # no practice table yet: nothing was ever written there
                raise StorageError("storage unavailable: Query") from exc
            except BotoCoreError as exc:
                raise StorageError(f"storage unavailable: {type(exc).__name__}") from exc
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            args["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _delete_practice(self, key: str, only: set[str] | None = None) -> None:
        """Delete the couple's practice items (all, or those with the given ids)."""
        requests = [
            {"DeleteRequest": {"Key": {PRACTICE_COUPLE: key, PRACTICE_ID: item[PRACTICE_ID]}}}
            for item in self._practice_items(key)
            if only is None or item[PRACTICE_ID] in only
        ]
        self._batch(requests)

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25, retrying what DynamoDB leaves unprocessed."""
        for start in range(0, len(requests), BATCH):
            pending: dict[str, Any] = {self.practice_table: requests[start : start + BATCH]}
            for attempt in range(self.write_attempts):

                def write(items: dict[str, Any] = pending) -> Any:
                    return self._client.batch_write_item(RequestItems=items)

                response = self._call("BatchWriteItem", write, table=self.practice_table)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                self.sleep(self._jitter.uniform(0, CONFLICT_BACKOFF * 2**attempt))
            else:
                raise StorageError("practice log could not be written")

    # -- errors and the table ---------------------------------------------------
    def _call(self, operation: str, fn: Callable[[], Any], table: str | None = None) -> Any:
        """Run one DynamoDB call; create the table if missing; map failures to StorageError."""
        for first_try in (True, False):
            try:
                return fn()
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
                if code == "ConditionalCheckFailedException":
                    raise _Conflict() from None
                if code == "ResourceNotFoundException" and first_try and self.create_table:
                    self._ensure_table(table or self.table_name)
                    continue
                log.warning("dynamodb %s failed: %s", operation, code)
                raise StorageError(f"storage unavailable: {code}") from exc
            except BotoCoreError as exc:
                name = type(exc).__name__
                log.warning("dynamodb %s failed: %s", operation, name)
                raise StorageError(f"storage unavailable: {name}") from exc
        raise StorageError("storage unavailable: table missing")  # pragma: no cover

    def _ensure_table(self, name: str) -> None:
        """Create a table (if nobody else is) and wait until it is ACTIVE: the record table
        (key ``id``) or the practice table (``couple`` + ``id``)."""
        if name == self.practice_table:
            keys = [(PRACTICE_COUPLE, "HASH"), (PRACTICE_ID, "RANGE")]
        else:
            keys = [(PARTITION_KEY, "HASH")]
        with self._table_lock:
            try:
                self._client.create_table(
                    TableName=name,
                    KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
                    AttributeDefinitions=[
                        {"AttributeName": k, "AttributeType": "S"} for k, _ in keys
                    ],
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
            self._wait_until_active(name)

    def _wait_until_active(self, name: str) -> None:
        deadline = time.monotonic() + self.table_wait_seconds
        while True:
            try:
                table = self._client.describe_table(TableName=name)["Table"]
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
