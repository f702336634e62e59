"""Test PKI for Alexa request-signature tests: a fake Alexa signing chain (``cryptography``).

Reusable from any test module (verification unit tests, Flask endpoint tests) and from
``bench/``.  Nothing here touches the network or the filesystem.

Typical use::

    pki = TestPKI()                                   # root -> intermediate -> leaf
    body = encode(envelope(timestamp=iso(NOW_TS)))
    headers = pki.headers_for(body)                   # SignatureCertChainUrl + Signature-256
    verifier = RequestVerifier([SKILL_ID], clock=lambda: NOW_TS,
                               fetch=pki.fetcher(), trust_roots=pki.root_pem)
    verifier.verify(headers, body)

RSA key generation is slow (tens of ms per 2048-bit key), so keys are generated once per
process and cached by name (:func:`rsa_key`).  Certificates are cheap and built per ``TestPKI``.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CERT_URL",
    "ECHO_SAN",
    "NOW",
    "NOW_TS",
    "OTHER_SKILL_ID",
    "SKILL_ID",
    "Clock",
    "TestPKI",
    "encode",
    "envelope",
    "iso",
    "make_ca",
    "make_leaf",
    "pem",
    "rsa_key",
    "sign",
]

ECHO_SAN = "echo-api.amazon.com"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000001"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-9999-9999-9999-999999999999"

#: Fixed "current time" for deterministic tests (inject ``Clock()`` / ``lambda: NOW_TS``).
NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
NOW_TS = NOW.timestamp()

_DAY = timedelta(days=1)


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, generated once per process per ``name``."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Close Together Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str,
    key: rsa.RSAPrivateKey,
    *,
    issuer: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
    not_before: datetime = NOW - 365 * _DAY,
    not_after: datetime = NOW + 3650 * _DAY,
    path_length: int | None = None,
) -> x509.Certificate:
    """A CA certificate: self-signed root when ``issuer`` is None, else an intermediate."""
    subject = _name(common_name)
    signer_key = issuer_key if issuer_key is not None else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(signer_key, hashes.SHA256())


def make_leaf(
    key: rsa.RSAPrivateKey,
    *,
    issuer: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    san: Iterable[str] = (ECHO_SAN,),
    not_before: datetime = NOW - 30 * _DAY,
    not_after: datetime = NOW + 60 * _DAY,
) -> x509.Certificate:
    """An end-entity (signing) certificate shaped like Amazon's echo-api.amazon.com cert."""
    names = list(san)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0] if names else "no-san.invalid"))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def pem(*certs: x509.Certificate) -> bytes:
    """Concatenate certificates as a PEM bundle (leaf first, as Amazon serves it)."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def sign(body: bytes, key: rsa.RSAPrivateKey) -> str:
    """Base64 RSA PKCS#1 v1.5 / SHA-256 signature over ``body`` (the Signature-256 header)."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def iso(ts: float) -> str:
    """Epoch seconds -> Alexa-style ISO 8601 timestamp, e.g. ``2026-11-22T10:00:00Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    *,
    timestamp: str | int | None = None,
    request_type: str = "LaunchRequest",
    application_id: str | None = SKILL_ID,
    with_context: bool = True,
    with_session: bool = True,
) -> dict[str, Any]:
    """A minimal Alexa request envelope.  ``timestamp`` defaults to ``iso(NOW_TS)``."""
    app = {"applicationId": application_id} if application_id is not None else {}
    env: dict[str, Any] = {
        "version": "1.0",
        "request": {
            "type": request_type,
            "requestId": "amzn1.echo-api.request.00000000-test",
            "timestamp": iso(NOW_TS) if timestamp is None else timestamp,
            "locale": "en-US",
        },
    }
    if with_session:
        env["session"] = {
            "new": True,
            "sessionId": "amzn1.echo-api.session.00000000-test",
            "application": dict(app),
            "user": {"userId": "amzn1.ask.account.TEST"},
        }
    if with_context:
        env["context"] = {
            "System": {
                "application": dict(app),
                "user": {"userId": "amzn1.ask.account.TEST"},
                "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        }
    return env


def encode(env: Mapping[str, Any]) -> bytes:
    """Serialise an envelope the way it goes on the wire (the exact bytes that get signed)."""
    return json.dumps(env, separators=(",", ":")).encode("utf-8")


class Clock:
    """Injectable clock: ``Clock()()`` returns ``.now``; move it with ``advance()``."""

    def __init__(self, now: float = NOW_TS) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TestPKI:
    """A root CA, an intermediate and a signing leaf, in one of several variants.

    ``root_pem`` is always the *trusted* root (pass it as ``trust_roots``); with
    ``trusted=False`` the served chain hangs off a different, untrusted root instead.
    """

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self,
        *,
        san: Iterable[str] = (ECHO_SAN,),
        leaf_not_before: datetime = NOW - 30 * _DAY,
        leaf_not_after: datetime = NOW + 60 * _DAY,
        trusted: bool = True,
        leaf_key_name: str = "leaf",
        url: str = CERT_URL,
    ) -> None:
        self.url = url
        self.root_key = rsa_key("root")
        self.root = make_ca("Close Together Test Root CA", self.root_key)
        if trusted:
            chain_root, chain_root_key = self.root, self.root_key
        else:
            chain_root_key = rsa_key("untrusted-root")
            chain_root = make_ca("Close Together Test Root CA", chain_root_key)
        self.chain_root = chain_root
        self.intermediate_key = rsa_key("intermediate")
        self.intermediate = make_ca(
            "Close Together Test Intermediate CA",
            self.intermediate_key,
            issuer=chain_root,
            issuer_key=chain_root_key,
            not_after=NOW + 1825 * _DAY,
            path_length=0,
        )
        self.leaf_key = rsa_key(leaf_key_name)
        self.leaf = make_leaf(
            self.leaf_key,
            issuer=self.intermediate,
            issuer_key=self.intermediate_key,
            san=san,
            not_before=leaf_not_before,
            not_after=leaf_not_after,
        )

    @property
    def root_pem(self) -> bytes:
        return pem(self.root)

    @property
    def chain_pem(self) -> bytes:
        """What Amazon serves at the SignatureCertChainUrl: leaf then intermediate(s)."""
        return pem(self.leaf, self.intermediate)

    @property
    def leaf_not_after_ts(self) -> float:
        return self.leaf.not_valid_after_utc.timestamp()

    def headers_for(
        self,
        body: bytes,
        url: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> dict[str, str]:
        """Alexa's two signature headers for ``body`` (signed with the leaf key unless ``key``)."""
        return {
            "SignatureCertChainUrl": self.url if url is None else url,
            "Signature-256": sign(body, self.leaf_key if key is None else key),
        }

    def signed_request(
        self, env: Mapping[str, Any] | None = None, url: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """``(headers, body)`` for ``env`` (default: a fresh LaunchRequest at NOW)."""
        body = encode(envelope() if env is None else env)
        return self.headers_for(body, url=url), body

    def fetcher(
        self, calls: list[str] | None = None, extra: Mapping[str, bytes] | None = None
    ) -> Callable[[str], bytes]:
        """A ``fetch`` for RequestVerifier: dict lookup (``self.url`` -> chain), logging URLs."""
        table = {self.url: self.chain_pem, **(extra or {})}

        def fetch(url: str) -> bytes:
            if calls is not None:
                calls.append(url)
            try:
                return table[url]
            except KeyError:
                raise OSError(f"404 (test fetcher): {url}") from None

        return fetch
