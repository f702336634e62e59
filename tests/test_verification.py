"""Tests for the request verifier: signature, certificate chain, timestamp, app id."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from skill.frontends import verification
from skill.frontends.verification import RequestVerifier, VerificationError, fetch_url
from tests.certs import (
    CERT_URL,
    NOW,
    NOW_TS,
    OTHER_SKILL_ID,
    SKILL_ID,
    Clock,
    TestPKI,
    encode,
    envelope,
    iso,
    pem,
    rsa_key,
    sign,
)

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def verifier(pki: TestPKI, clock: Clock, calls: list[str]) -> RequestVerifier:
    return RequestVerifier(
        [SKILL_ID], clock=clock, fetch=pki.fetcher(calls), trust_roots=pki.root_pem
    )


def verifier_for(chain: TestPKI, trusted: TestPKI, clock: Clock, calls: list[str]):
    """A verifier trusting ``trusted``'s root and fetching ``chain``'s chain."""
    return RequestVerifier(
        [SKILL_ID], clock=clock, fetch=chain.fetcher(calls), trust_roots=trusted.root_pem
    )


def reject(v: RequestVerifier, headers, body: bytes, reason: str) -> VerificationError:
    with pytest.raises(VerificationError) as info:
        v.verify(headers, body)
    assert reason in info.value.reason
    assert str(info.value) == info.value.reason
    return info.value


# --------------------------------------------------------------------------- genuine requests


def test_genuine_request_returns_envelope(verifier, pki, calls):
    env = envelope()
    headers, body = pki.signed_request(env)
    assert verifier.verify(headers, body) == env
    assert calls == [CERT_URL]


def test_header_names_are_case_insensitive(verifier, pki):
    headers, body = pki.signed_request()
    lowered = {k.lower(): v for k, v in headers.items()}
    assert verifier.verify(lowered, body)["request"]["type"] == "LaunchRequest"


def test_body_bytes_are_verified_exactly_as_received(verifier, pki):
    raw = (
        '{ "version" : "1.0",\n "request": {"type": "LaunchRequest", "timestamp": "%s"},'
        ' "context": {"System": {"application": {"applicationId": "%s"}}}}'
    )
    body = (raw % (iso(NOW_TS), SKILL_ID)).encode()
    assert verifier.verify(pki.headers_for(body), body)["version"] == "1.0"


# --------------------------------------------------------------------------- signature


def test_tampered_body_rejected(verifier, pki):
    headers, body = pki.signed_request()
    tampered = body.replace(b"LaunchRequest", b"SessionEndedRequest")
    reject(verifier, headers, tampered, "signature does not match")


def test_signature_by_other_key_rejected(verifier, pki):
    body = encode(envelope())
    headers = pki.headers_for(body, key=rsa_key("attacker"))
    reject(verifier, headers, body, "signature does not match")


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_header_rejected_without_fetch(verifier, pki, calls, missing):
    headers, body = pki.signed_request()
    del headers[missing]
    reject(verifier, headers, body, f"missing {missing}")
    assert calls == []


def test_blank_header_counts_as_missing(verifier, pki, calls):
    headers, body = pki.signed_request()
    headers["Signature-256"] = "   "
    reject(verifier, headers, body, "missing Signature-256")
    assert calls == []


@pytest.mark.parametrize("value", ["not base64!!", "abc", "QUJD\nREVG", "===="])
def test_bad_base64_signature_rejected_without_fetch(verifier, pki, calls, value):
    headers, body = pki.signed_request()
    headers["Signature-256"] = value
    reject(verifier, headers, body, "not valid base64")
    assert calls == []


def test_legacy_sha1_signature_header_alone_is_not_enough(verifier, pki):
    headers, body = pki.signed_request()
    headers["Signature"] = headers.pop("Signature-256")
    reject(verifier, headers, body, "missing Signature-256")


# --------------------------------------------------------------------------- URL rule


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "host"),
        ("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem", "host"),
        ("https://evil.example/s3.amazonaws.com/echo.api/echo-api-cert.pem", "host"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "path"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "path"),
        ("https://s3.amazonaws.com/echo.api/../invalid.pem", "path"),
        ("https://s3.amazonaws.com/echo.api/%2e%2e/invalid.pem", "path"),
        ("https://s3.amazonaws.com/echo.api", "path"),
        ("https://s3.amazonaws.com:444/echo.api/echo-api-cert.pem", "port"),
        ("https://s3.amazonaws.com:abc/echo.api/echo-api-cert.pem", "malformed"),
        ("https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem", "credentials"),
        ("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem", "https"),
        ("s3.amazonaws.com/echo.api/echo-api-cert.pem", "https"),
        ("https://s3.amazonaws.com/echo.api/echo-\tapi-cert.pem", "control"),
        ("https://s3.amazon\raws.com/echo.api/echo-api-cert.pem", "control"),
        ("https://s3.amazonaws.com/echo.api/echo api-cert.pem", "control"),
    ],
)
def test_bad_cert_url_rejected_before_download(verifier, pki, calls, url, reason):
    headers, body = pki.signed_request(url=url)
    reject(verifier, headers, body, reason)
    assert calls == []


@pytest.mark.parametrize(
    "url",
    [
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    ],
)
def test_good_cert_url_variants_accepted(pki, clock, calls, url):
    v = RequestVerifier(
        [SKILL_ID],
        clock=clock,
        fetch=pki.fetcher(calls, extra={url: pki.chain_pem}),
        trust_roots=pki.root_pem,
    )
    headers, body = pki.signed_request(url=url)
    assert v.verify(headers, body)["request"]["type"] == "LaunchRequest"
    assert calls == [url]  # fetched exactly as sent


# --------------------------------------------------------------------------- body / timestamp


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'"just a string"', "not a JSON object"),
    ],
)
def test_non_json_or_non_object_body_rejected_without_fetch(verifier, pki, calls, body, reason):
    reject(verifier, pki.headers_for(body), body, reason)
    assert calls == []


@pytest.mark.parametrize(
    ("offset", "reason"), [(-151, "s old"), (151, "in the future"), (-86400, "s old")]
)
def test_timestamp_outside_tolerance_rejected_without_fetch(verifier, pki, calls, offset, reason):
    headers, body = pki.signed_request(envelope(timestamp=iso(NOW_TS + offset)))
    reject(verifier, headers, body, reason)
    assert calls == []


@pytest.mark.parametrize("offset", [-150, 150, 0])
def test_timestamp_at_tolerance_edges_accepted(verifier, pki, offset):
    headers, body = pki.signed_request(envelope(timestamp=iso(NOW_TS + offset)))
    verifier.verify(headers, body)


@pytest.mark.parametrize(
    "stamp", [int(NOW_TS * 1000) - 100_000, "2026-11-22T09:59:00.123Z", "2026-11-22T11:00:00+01:00"]
)
def test_timestamp_formats_accepted(verifier, pki, stamp):
    headers, body = pki.signed_request(envelope(timestamp=stamp))
    verifier.verify(headers, body)


def test_epoch_millis_timestamp_outside_tolerance_rejected(verifier, pki):
    headers, body = pki.signed_request(envelope(timestamp=int(NOW_TS * 1000) - 151_000))
    reject(verifier, headers, body, "timestamp")


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [("yesterday", "not a valid"), (True, "not a valid"), ({"t": 1}, "not a valid")],
)
def test_malformed_timestamp_rejected(verifier, pki, stamp, reason):
    headers, body = pki.signed_request(envelope(timestamp=stamp))
    reject(verifier, headers, body, reason)


def test_missing_timestamp_rejected(verifier, pki):
    env = envelope()
    del env["request"]["timestamp"]
    headers, body = pki.signed_request(env)
    reject(verifier, headers, body, "timestamp is missing")


def test_skill_event_gets_one_hour_tolerance(verifier, pki):
    event = "AlexaSkillEvent.SkillDisabled"
    headers, body = pki.signed_request(
        envelope(timestamp=iso(NOW_TS - 3000), request_type=event, with_session=False)
    )
    assert verifier.verify(headers, body)["request"]["type"] == event

    headers, body = pki.signed_request(
        envelope(timestamp=iso(NOW_TS - 3700), request_type=event, with_session=False)
    )
    reject(verifier, headers, body, "3600 s old")


def test_ordinary_request_does_not_get_event_tolerance(verifier, pki):
    headers, body = pki.signed_request(envelope(timestamp=iso(NOW_TS - 3000)))
    reject(verifier, headers, body, "150 s old")


# --------------------------------------------------------------------------- application id


def test_wrong_application_id_rejected_without_fetch(verifier, pki, calls):
    headers, body = pki.signed_request(envelope(application_id=OTHER_SKILL_ID))
    reject(verifier, headers, body, "application id does not match")
    assert calls == []


def test_missing_application_id_rejected(verifier, pki):
    headers, body = pki.signed_request(envelope(application_id=None))
    reject(verifier, headers, body, "application id is missing")


def test_application_id_falls_back_to_session(verifier, pki):
    headers, body = pki.signed_request(envelope(with_context=False))
    verifier.verify(headers, body)


def test_context_application_id_takes_precedence(verifier, pki):
    env = envelope(application_id=OTHER_SKILL_ID)
    env["session"]["application"]["applicationId"] = SKILL_ID
    headers, body = pki.signed_request(env)
    reject(verifier, headers, body, "application id does not match")


def test_several_allowed_skill_ids(pki, clock):
    v = RequestVerifier(
        [SKILL_ID, OTHER_SKILL_ID], clock=clock, fetch=pki.fetcher(), trust_roots=pki.root_pem
    )
    for app_id in (SKILL_ID, OTHER_SKILL_ID):
        headers, body = pki.signed_request(envelope(application_id=app_id))
        v.verify(headers, body)
    headers, body = pki.signed_request(envelope(application_id="amzn1.ask.skill.someone-else"))
    reject(v, headers, body, "application id does not match")


@pytest.mark.parametrize("ids", [[], (), ["", "  "], iter([])])
def test_empty_skill_ids_refused_at_construction(ids):
    with pytest.raises(ValueError, match="no skill id configured"):
        RequestVerifier(ids)


def test_single_string_skill_id_is_one_id(pki, clock):
    v = RequestVerifier(SKILL_ID, clock=clock, fetch=pki.fetcher(), trust_roots=pki.root_pem)
    assert v.skill_ids == frozenset({SKILL_ID})


# --------------------------------------------------------------------------- certificate chain


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        (dict(trusted=False), "not trusted"),
        (dict(san=["evil.example.com"]), "not issued to echo-api.amazon.com"),
        (dict(san=["*.amazon.com"]), "not issued to echo-api.amazon.com"),
        (dict(san=[]), "not issued to echo-api.amazon.com"),
        (
            dict(leaf_not_before=NOW - timedelta(days=400), leaf_not_after=NOW - timedelta(days=1)),
            "expired",
        ),
        (
            dict(leaf_not_before=NOW + timedelta(days=1), leaf_not_after=NOW + timedelta(days=90)),
            "not yet valid",
        ),
    ],
)
def test_bad_certificate_rejected(pki, clock, calls, variant, reason):
    bad = TestPKI(**variant)
    v = verifier_for(bad, pki, clock, calls)
    headers, body = bad.signed_request()
    reject(v, headers, body, reason)
    assert calls == [CERT_URL]


def test_chain_without_intermediate_rejected(pki, clock):
    leaf_only = pem(pki.leaf)
    v = RequestVerifier(
        [SKILL_ID], clock=clock, fetch=lambda url: leaf_only, trust_roots=pki.root_pem
    )
    headers, body = pki.signed_request()
    reject(v, headers, body, "not trusted")


@pytest.mark.parametrize("payload", [b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_unparseable_chain_rejected(pki, clock, payload):
    v = RequestVerifier(
        [SKILL_ID], clock=clock, fetch=lambda url: payload, trust_roots=pki.root_pem
    )
    headers, body = pki.signed_request()
    reject(v, headers, body, "could not parse certificate chain")


def test_fetch_failure_rejected(pki, clock):
    def boom(url: str) -> bytes:
        raise OSError("connection refused")

    v = RequestVerifier([SKILL_ID], clock=clock, fetch=boom, trust_roots=pki.root_pem)
    headers, body = pki.signed_request()
    reject(v, headers, body, "could not download certificate chain")


def test_default_trust_roots_are_loaded_lazily_and_reject_test_root(pki, clock, monkeypatch):
    """Default trust roots = certifi bundle, read on first use (not at construction)."""
    real_where = verification.certifi.where
    monkeypatch.setattr(verification.certifi, "where", lambda: pytest.fail("read too early"))
    v = RequestVerifier([SKILL_ID], clock=clock, fetch=pki.fetcher())
    monkeypatch.setattr(verification.certifi, "where", real_where)
    headers, body = pki.signed_request()
    reject(v, headers, body, "not trusted")  # the test root is (of course) not in certifi


# --------------------------------------------------------------------------- cache


def test_chain_is_cached_per_url(verifier, pki, calls):
    for _ in range(3):
        headers, body = pki.signed_request()
        verifier.verify(headers, body)
    assert calls == [CERT_URL]


def test_cache_expires_with_leaf_then_refetch_fails_as_expired(verifier, pki, clock, calls):
    headers, body = pki.signed_request()
    verifier.verify(headers, body)
    assert calls == [CERT_URL]

    clock.now = pki.leaf_not_after_ts - 10  # still valid: served from cache
    headers, body = pki.signed_request(envelope(timestamp=iso(clock.now)))
    verifier.verify(headers, body)
    assert calls == [CERT_URL]

    clock.now = pki.leaf_not_after_ts + 60  # leaf expired: re-fetch, then reject
    headers, body = pki.signed_request(envelope(timestamp=iso(clock.now)))
    reject(verifier, headers, body, "signing certificate has expired")
    assert calls == [CERT_URL, CERT_URL]


def test_failed_chain_is_not_cached(pki, clock, calls):
    untrusted = TestPKI(trusted=False)
    served = {"pem": untrusted.chain_pem}

    def fetch(url: str) -> bytes:
        calls.append(url)
        return served["pem"]

    v = RequestVerifier([SKILL_ID], clock=clock, fetch=fetch, trust_roots=pki.root_pem)
    headers, body = pki.signed_request()
    reject(v, headers, body, "not trusted")
    reject(v, headers, body, "not trusted")
    assert calls == [CERT_URL, CERT_URL]

    served["pem"] = pki.chain_pem  # now the good chain: accepted, then cached
    v.verify(headers, body)
    v.verify(headers, body)
    assert calls == [CERT_URL, CERT_URL, CERT_URL]


def test_cached_chain_does_not_vouch_for_other_urls(verifier, pki, calls):
    headers, body = pki.signed_request()
    verifier.verify(headers, body)
    other = "https://s3.amazonaws.com/echo.api/other.pem"
    headers, body = pki.signed_request(url=other)
    reject(verifier, headers, body, "could not download")
    assert calls == [CERT_URL, other]


def test_concurrent_verifies_share_the_verifier(verifier, pki):
    headers, body = pki.signed_request()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                verifier.verify(headers, body)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_reason_never_contains_the_body(verifier, pki):
    secret = "SECRET-BODY-MARKER"
    env = envelope(application_id=secret)
    headers, body = pki.signed_request(env)
    err = reject(verifier, headers, body, "application id")
    assert secret not in err.reason
    err = reject(verifier, headers, body + b"x", "not valid JSON")
    assert secret not in err.reason


# --------------------------------------------------------------------------- default fetcher


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    chain = b""
    release: threading.Event

    def log_message(self, format, *args):  # silence the test server
        pass

    def do_GET(self):  # http.server API
        if self.path == "/echo.api/chain.pem":
            self._send(200, self.chain, length=True)
        elif self.path == "/big-declared":
            self._send(200, b"x" * 4096, length=True)
        elif self.path == "/big-streamed":
            self._send(200, b"x" * 4096, length=False)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/echo.api/chain.pem")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/trickle-headers":
            # A status line, then a header one byte at a time: every read makes progress.
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for byte in b"X-Slow: " + b"a" * 60:
                if self.release.wait(0.1):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        elif self.path == "/slow":
            self.release.wait(2.0)  # released at teardown
            self._send(200, b"late", length=True)
        else:
            self._send(404, b"nope", length=True)

    def _send(self, status: int, payload: bytes, *, length: bool) -> None:
        try:
            self.send_response(status)
            if length:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # client gave up (timeout tests)
            pass


@pytest.fixture
def local_server(pki) -> Iterator[str]:
    release = threading.Event()
    handler = type("Handler", (_Handler,), {"chain": pki.chain_pem, "release": release})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_fetch_url_downloads_chain(local_server, pki):
    assert fetch_url(f"{local_server}/echo.api/chain.pem") == pki.chain_pem


@pytest.mark.parametrize("path", ["/big-declared", "/big-streamed"])
def test_fetch_url_refuses_oversized_response(local_server, path):
    assert len(fetch_url(f"{local_server}{path}", max_bytes=4096)) == 4096
    with pytest.raises(ValueError, match="larger than"):
        fetch_url(f"{local_server}{path}", max_bytes=4095)


def test_fetch_url_times_out(local_server):
    with pytest.raises(OSError):  # TimeoutError or URLError(timeout)
        fetch_url(f"{local_server}/slow", timeout=0.2)


def test_fetch_url_has_one_deadline_over_trickled_headers(local_server):
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        fetch_url(f"{local_server}/trickle-headers", timeout=0.5)
    assert time.monotonic() - started < 1.0


def test_fetch_url_refuses_redirects_and_errors(local_server):
    with pytest.raises(OSError, match="302"):
        fetch_url(f"{local_server}/redirect")
    with pytest.raises(OSError, match="404"):
        fetch_url(f"{local_server}/missing")


def test_fetch_url_refuses_non_http_schemes():
    with pytest.raises(ValueError, match="scheme"):
        fetch_url("file:///etc/passwd")


def test_verify_end_to_end_through_local_http_server(local_server, pki, clock):
    """The s3 URL is mapped onto the local server; everything else is the real fetcher."""
    fetched: list[str] = []

    def via_local(url: str) -> bytes:
        fetched.append(url)
        return fetch_url(f"{local_server}/echo.api/chain.pem", timeout=1.0)

    v = RequestVerifier([SKILL_ID], clock=clock, fetch=via_local, trust_roots=pki.root_pem)
    body = encode(envelope())
    headers = {"SignatureCertChainUrl": CERT_URL, "Signature-256": sign(body, pki.leaf_key)}
    assert v.verify(headers, body)["request"]["type"] == "LaunchRequest"
    assert v.verify(headers, body)["request"]["type"] == "LaunchRequest"
    assert fetched == [CERT_URL]
