"""Verify that an HTTPS request really came from Alexa (web-service skill request signing).

Amazon signs every request it sends to a web-service skill.  :class:`RequestVerifier` performs
the checks the Alexa docs require ("Host a custom skill as a web service"):

1. ``SignatureCertChainUrl`` is ``https://s3.amazonaws.com[:443]/echo.api/...`` (scheme and host
   case-insensitive, path checked after ``.``/``..`` normalisation) -- checked before any download;
2. the PEM chain at that URL is fetched (cached per URL until it expires), its leaf is currently
   valid, names ``echo-api.amazon.com`` in its subjectAltName, and chains to a trusted root;
3. ``Signature-256`` is a base64 RSA PKCS#1 v1.5 / SHA-256 signature of the raw body bytes;
4. ``request.timestamp`` is within 150 s of now (3600 s for ``AlexaSkillEvent.*`` requests);
5. the application id is one of the configured skill ids.

Chain validation approach
-------------------------
The reference library (``ask-sdk-webservice-support``) cannot be imported here: its
certvalidator -> oscrypto dependency fails to parse the OpenSSL 3.0.x version string (oscrypto
issue 78).  Instead the chain is validated with ``cryptography.x509.verification``: a
``PolicyBuilder`` with a ``Store`` of trust roots (certifi's Mozilla bundle by default), the
injected clock as validation time, and ``build_server_verifier(DNSName("echo-api.amazon.com"))``.
That is the CA/Browser-Forum web-PKI policy Amazon's signing certificate is issued under (a
public TLS server certificate chaining to Amazon Root CA 1), so we get real path building,
signature, validity-period, basicConstraints/keyUsage/EKU and name-constraint checks on every
link rather than a hand-rolled subset.  Test chains only need to be well-formed (CA certs with
critical basicConstraints + keyCertSign, AKI/SKI, a leaf with SAN and serverAuth EKU; see
``tests/certs.py``).  The leaf's validity and exact SAN are also checked explicitly first, so
rejections carry a precise reason.

Order of checks
---------------
Cheap, local checks run first and nothing is downloaded for an obviously bad request: headers
present -> certificate-URL shape -> signature base64 -> body is a JSON object -> timestamp ->
application id -> (cached or fetched) certificate chain -> signature.  The body checks before the
signature only ever *reject*; the envelope is returned only after the signature has verified.

Caching
-------
A successfully validated chain is cached per URL (at most :data:`MAX_CACHED_CHAINS` entries)
until the earliest Not After in the validated path -- normally the leaf's -- as seen by the
injected clock; after that the chain is fetched and validated again.  Failed chains are never
cached.  The cache is guarded by a lock; the download itself happens outside the lock, so two
concurrent cold requests may both fetch (harmless).

Importing this module has no side effects: no network, no file reads.  The trust-root bundle is
read on first use; the default fetcher (:func:`fetch_url`) has one deadline over the whole
download, no redirects and a size cap.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import http.client
import json
import logging
import math
import posixpath
import re
import socket
import ssl
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification as x509_verification

__all__ = [
    "CERT_CHAIN_URL_HEADER",
    "DEFAULT_FETCH_TIMEOUT",
    "DEFAULT_MAX_CHAIN_BYTES",
    "SIGNATURE_HEADER",
    "SIGNING_CERT_SAN",
    "RequestVerifier",
    "VerificationError",
    "check_cert_chain_url",
    "fetch_url",
]

log = logging.getLogger(__name__)

CERT_CHAIN_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX = "/echo.api/"
SIGNING_CERT_SAN = "echo-api.amazon.com"

DEFAULT_FETCH_TIMEOUT = 3.0
DEFAULT_MAX_CHAIN_BYTES = 256 * 1024
MAX_CACHED_CHAINS = 32

_PEM_CERT_RE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


class VerificationError(Exception):
    """The request failed verification.

    ``reason`` is a short, safe, human-readable explanation; it never includes the body.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


# --------------------------------------------------------------------------- URL rule


_ACCEPTED_URLS: dict[str, None] = {}  # Alexa uses a handful; checking one costs ~10 µs


def check_cert_chain_url(url: str) -> None:
    """Raise :class:`VerificationError` unless ``url`` is an acceptable SignatureCertChainUrl."""
    if url in _ACCEPTED_URLS:
        return
    _check_cert_chain_url(url)
    if len(_ACCEPTED_URLS) >= MAX_CACHED_CHAINS:
        _ACCEPTED_URLS.clear()
    _ACCEPTED_URLS[url] = None


def _check_cert_chain_url(url: str) -> None:
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        # urlsplit quietly drops tabs and newlines; a URL that needs them is not Amazon's.
        raise VerificationError("certificate URL contains control characters or spaces")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # ValueError for a non-numeric / out-of-range port
    except ValueError:
        raise VerificationError("certificate URL is malformed") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL must use https")
    if parts.username is not None or parts.password is not None:
        raise VerificationError("certificate URL must not contain credentials")
    if parts.hostname != CERT_URL_HOST:  # .hostname is already lower-cased
        raise VerificationError(f"certificate URL host must be {CERT_URL_HOST}")
    if port is not None and port != 443:
        raise VerificationError("certificate URL port must be 443")
    # Check the path both as sent and percent-decoded, so "%2e%2e" cannot escape /echo.api/.
    for path in (parts.path, urllib.parse.unquote(parts.path)):
        if not path or not posixpath.normpath(path).startswith(CERT_URL_PATH_PREFIX):
            raise VerificationError(f"certificate URL path must start with {CERT_URL_PATH_PREFIX}")


# --------------------------------------------------------------------------- default fetcher


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def _abort(conn: http.client.HTTPConnection) -> None:
    """Cut a download off wherever it is (connecting, TLS, headers, body)."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def fetch_url(
    url: str,
    timeout: float = DEFAULT_FETCH_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_CHAIN_BYTES,
) -> bytes:
    """Download ``url`` (http/https only) and return the body, all within ``timeout``.

    One deadline covers the whole download: connecting, the TLS handshake, the status line
    and headers, and the body; when it passes, the socket is shut down wherever the download
    is, so a server trickling its headers a byte at a time cannot hold a request. Redirects
    and any status but 200 raise ``OSError``. Responses over ``max_bytes`` raise
    ``ValueError`` -- by declared Content-Length before reading, or while streaming.
    Transport failures raise ``OSError`` (``TimeoutError`` once the deadline has passed).
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported URL scheme {scheme!r}")
    host = parts.hostname or ""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + timeout
    conn: http.client.HTTPConnection
    if scheme == "https":
        conn = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=_tls_context()
        )
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    watchdog = threading.Timer(timeout, _abort, args=(conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("GET", target, headers={"User-Agent": "close-together-skill/1"})
        response = conn.getresponse()
        if response.status != 200:
            raise OSError(f"unexpected HTTP status {response.status}")
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > max_bytes:
            raise ValueError(f"response larger than {max_bytes} bytes")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = response.read1(min(64 * 1024, max_bytes + 1 - total))
            if time.monotonic() > deadline:
                raise TimeoutError("download took too long")
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise ValueError(f"response larger than {max_bytes} bytes")
        return b"".join(chunks)
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() > deadline:
            raise TimeoutError("download took too long") from None
        if isinstance(exc, OSError):
            raise
        raise OSError(f"bad HTTP response: {type(exc).__name__}") from None
    finally:
        watchdog.cancel()
        conn.close()


# --------------------------------------------------------------------------- helpers


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup on any Mapping (Flask's headers are already insensitive)."""
    value: Any = headers.get(name)
    if value is None:
        wanted = name.lower()
        for key, candidate in headers.items():
            if isinstance(key, str) and key.lower() == wanted:
                value = candidate
                break
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _decode_signature(value: str) -> bytes:
    try:
        signature = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError(f"{SIGNATURE_HEADER} header is not valid base64") from None
    if not signature:
        raise VerificationError(f"{SIGNATURE_HEADER} header is empty")
    return signature


def _parse_envelope(body: bytes) -> dict[str, Any]:
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise VerificationError("request body is not valid JSON") from None
    if not isinstance(envelope, dict):
        raise VerificationError("request body is not a JSON object")
    return envelope


def _parse_timestamp(value: Any) -> float:
    """ISO 8601 string (``2026-11-22T10:00:00Z``) or integer epoch milliseconds -> epoch seconds."""
    if isinstance(value, bool):
        raise ValueError("boolean timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("non-finite timestamp")
        return float(value) / 1000.0
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    raise ValueError("unsupported timestamp type")


def _dig(envelope: Mapping[str, Any], *path: str) -> Any:
    node: Any = envelope
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _load_trust_roots(pem: bytes) -> list[x509.Certificate]:
    """Parse a PEM bundle certificate by certificate, skipping any that cannot be parsed.

    certifi's bundle contains a few old roots with serial number 0, which cryptography loads
    with a CryptographyDeprecationWarning (and may refuse in a future release); they are kept if
    they load, and the warning is silenced here only.
    """
    roots: list[x509.Certificate] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_CERT_RE.findall(pem):
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                log.debug("skipping unparseable trust root")
    return roots


@dataclass(frozen=True)
class _TrustedChain:
    public_key: rsa.RSAPublicKey
    valid_from: float  # latest Not Before in the validated path (epoch seconds)
    valid_until: float  # earliest Not After in the validated path (normally the leaf's)

    def valid_at(self, now: float) -> bool:
        return self.valid_from <= now <= self.valid_until


# --------------------------------------------------------------------------- verifier


class RequestVerifier:
    """Verifies Alexa request signatures, timestamps and application ids.

    ``fetch`` maps a certificate URL to PEM bytes (default :func:`fetch_url`); ``trust_roots``
    is a PEM bundle (default: certifi's, read lazily on first use); ``clock`` returns epoch
    seconds.  Thread-safe; construct once and share.
    """

    def __init__(
        self,
        skill_ids: Iterable[str],
        *,
        clock: Callable[[], float] = time.time,
        fetch: Callable[[str], bytes] | None = None,
        trust_roots: bytes | None = None,
        timestamp_tolerance: float = 150.0,
        event_tolerance: float = 3600.0,
    ) -> None:
        if isinstance(skill_ids, str):  # a lone id, not an iterable of characters
            skill_ids = [skill_ids]
        ids = frozenset(s.strip() for s in skill_ids if isinstance(s, str) and s.strip())
        if not ids:
            raise ValueError("no skill id configured")
        self._skill_ids = ids
        self._clock = clock
        self._fetch: Callable[[str], bytes] = fetch if fetch is not None else fetch_url
        self._trust_roots_pem = trust_roots
        self._timestamp_tolerance = float(timestamp_tolerance)
        self._event_tolerance = float(event_tolerance)
        self._store: x509_verification.Store | None = None
        self._store_lock = threading.Lock()
        self._cache: dict[str, _TrustedChain] = {}
        self._cache_lock = threading.Lock()

    @property
    def skill_ids(self) -> frozenset[str]:
        return self._skill_ids

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """Verify; return the parsed JSON request envelope.  Raise VerificationError on failure."""
        if not isinstance(body, bytes | bytearray | memoryview):
            raise VerificationError("request body must be bytes")
        body = bytes(body)

        cert_url = _header(headers, CERT_CHAIN_URL_HEADER)
        if cert_url is None:
            raise VerificationError(f"missing {CERT_CHAIN_URL_HEADER} header")
        signature_b64 = _header(headers, SIGNATURE_HEADER)
        if signature_b64 is None:
            raise VerificationError(f"missing {SIGNATURE_HEADER} header")
        check_cert_chain_url(cert_url)
        signature = _decode_signature(signature_b64)

        envelope = _parse_envelope(body)
        now = float(self._clock())
        self._check_timestamp(envelope, now)
        self._check_application_id(envelope)

        public_key = self._signing_key(cert_url, now)
        try:
            public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationError("request signature does not match the body") from None
        return envelope

    # -- body checks -------------------------------------------------------------------

    def _check_timestamp(self, envelope: Mapping[str, Any], now: float) -> None:
        raw = _dig(envelope, "request", "timestamp")
        if raw is None:
            raise VerificationError("request timestamp is missing")
        try:
            stamp = _parse_timestamp(raw)
        except (ValueError, TypeError, OverflowError):
            raise VerificationError("request timestamp is not a valid timestamp") from None
        request_type = _dig(envelope, "request", "type")
        is_event = isinstance(request_type, str) and request_type.startswith("AlexaSkillEvent.")
        tolerance = self._event_tolerance if is_event else self._timestamp_tolerance
        if stamp < now - tolerance:
            raise VerificationError(f"request timestamp is more than {tolerance:g} s old")
        if stamp > now + tolerance:
            raise VerificationError(f"request timestamp is more than {tolerance:g} s in the future")

    def _check_application_id(self, envelope: Mapping[str, Any]) -> None:
        app_id = _dig(envelope, "context", "System", "application", "applicationId")
        if app_id is None:
            app_id = _dig(envelope, "session", "application", "applicationId")
        if not isinstance(app_id, str) or not app_id:
            raise VerificationError("application id is missing")
        if app_id not in self._skill_ids:
            raise VerificationError("application id does not match this skill")

    # -- certificate chain -------------------------------------------------------------

    def _signing_key(self, url: str, now: float) -> rsa.RSAPublicKey:
        with self._cache_lock:
            cached = self._cache.get(url)
            if cached is not None:
                if cached.valid_at(now):
                    return cached.public_key
                del self._cache[url]

        trusted = self._validate_chain(self._download(url), now)

        with self._cache_lock:
            for stale in [u for u, c in self._cache.items() if not c.valid_at(now)]:
                del self._cache[stale]
            while len(self._cache) >= MAX_CACHED_CHAINS:
                del self._cache[next(iter(self._cache))]  # oldest insertion
            self._cache[url] = trusted
        return trusted.public_key

    def _download(self, url: str) -> bytes:
        try:
            data = self._fetch(url)
        except Exception as exc:  # any fetch failure is a verification failure
            log.warning("could not download certificate chain from %s: %s", url, exc)
            raise VerificationError("could not download certificate chain") from None
        if not isinstance(data, bytes | bytearray) or not data:
            raise VerificationError("could not download certificate chain")
        return bytes(data)

    def _validate_chain(self, pem: bytes, now: float) -> _TrustedChain:
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise VerificationError("could not parse certificate chain") from None
        leaf, intermediates = certs[0], certs[1:]

        if now < leaf.not_valid_before_utc.timestamp():
            raise VerificationError("signing certificate is not yet valid")
        if now > leaf.not_valid_after_utc.timestamp():
            raise VerificationError("signing certificate has expired")

        try:
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns_names = {name.lower() for name in san.get_values_for_type(x509.DNSName)}
        except x509.ExtensionNotFound:
            dns_names = set()
        except ValueError:
            raise VerificationError("signing certificate has malformed extensions") from None
        if SIGNING_CERT_SAN not in dns_names:
            raise VerificationError(f"signing certificate is not issued to {SIGNING_CERT_SAN}")

        try:
            public_key = leaf.public_key()
        except (ValueError, TypeError):
            public_key = None
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("signing certificate does not hold an RSA key")

        verifier = (
            x509_verification.PolicyBuilder()
            .store(self._trust_store())
            .time(datetime.fromtimestamp(now, UTC))
            .build_server_verifier(x509.DNSName(SIGNING_CERT_SAN))
        )
        try:
            path = verifier.verify(leaf, intermediates)
        except x509_verification.VerificationError as exc:
            log.warning("certificate chain rejected: %s", exc)
            raise VerificationError("certificate chain is not trusted") from None

        return _TrustedChain(
            public_key=public_key,
            valid_from=max(c.not_valid_before_utc.timestamp() for c in path),
            valid_until=min(c.not_valid_after_utc.timestamp() for c in path),
        )

    def _trust_store(self) -> x509_verification.Store:
        with self._store_lock:
            if self._store is None:
                pem = self._trust_roots_pem
                if pem is None:
                    pem = Path(certifi.where()).read_bytes()
                roots = _load_trust_roots(pem)
                if not roots:
                    raise VerificationError("no trust roots available")
                self._store = x509_verification.Store(roots)
            return self._store
