"""Verification of the passkey server's JWTs, shared by jwt-verification.py and token-exchange.py.

The checks run in the order of the contract in ../README.md (RFC 8725), each refusal carrying its reason code.
PyJWT checks the signature; the claim checks are done here so that their order and reason codes are exact.
"""

import json
import logging
import math
import os
import re
import threading
import time
import urllib.error
import urllib.request

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

log = logging.getLogger("webauthn_verify")

DEFAULT_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
DEFAULT_LEEWAY = 30
DEFAULT_COOLDOWN = 30.0

# The asymmetric algorithms this module can verify, with the key type (and curve) each one needs.
# HMAC and "none" are absent on purpose: they can never be put on the allow-list.
KEY_TYPES = {
    "RS256": ("RSA", None), "RS384": ("RSA", None), "RS512": ("RSA", None),
    "PS256": ("RSA", None), "PS384": ("RSA", None), "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"), "ES384": ("EC", "P-384"), "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", "Ed25519"),
}

FETCH_TIMEOUT = 5.0
FETCH_LIMIT = 1024 * 1024
DEFAULT_MAX_AGE = 300
MAX_MAX_AGE = 3600

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")


class Refusal(Exception):
    """A token that must not be trusted; `reason` is one of the contract's reason codes."""

    def __init__(self, reason, detail):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class KeysUnavailable(Exception):
    """The JWKS could not be fetched or read."""


def quoted(value, limit=64):
    """A value from a token or a key for a one-line message: JSON-quoted (so no newline gets through), cut short."""
    text = json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "..."


def parse_algorithms(text):
    """The allow-list from a comma-separated list; ValueError names anything that is not asymmetric."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise ValueError("the algorithm list is empty")
    unknown = [name for name in names if name not in KEY_TYPES]
    if unknown:
        raise ValueError(f"not an asymmetric algorithm this verifier supports: {', '.join(unknown)}"
                         f" (choose from {', '.join(KEY_TYPES)})")
    return names


class KeySet:
    """One JWKS document, indexed by kid. Only public signing keys of the types above are kept."""

    def __init__(self, document):
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError('not a JWKS: expected an object with a "keys" array')
        self._keys = {}
        for jwk in document["keys"]:
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str) or jwk["kid"] in self._keys:
                continue
            if jwk.get("use", "sig") != "sig" or jwk.get("kty") not in ("RSA", "EC", "OKP"):
                continue
            if "alg" in jwk and jwk["alg"] not in KEY_TYPES:
                continue
            # Private members are dropped so that a key ring passed by mistake still yields public keys only.
            public = {name: value for name, value in jwk.items() if name not in _PRIVATE_MEMBERS}
            try:
                jwt.PyJWK(public)
            except jwt.PyJWTError as error:
                log.warning("skipping JWKS key %s: %s", quoted(jwk["kid"]), error)
                continue
            self._keys[jwk["kid"]] = public

    @classmethod
    def from_bytes(cls, data):
        try:
            document = json.loads(data)
        except ValueError as error:
            raise ValueError(f"not JSON: {error}") from None
        return cls(document)

    def __contains__(self, kid):
        return kid in self._keys

    def key(self, kid, alg):
        """The key for kid, bound to alg; Refusal `algorithm` when the key is not made for alg."""
        jwk = self._keys[kid]
        if "alg" in jwk and jwk["alg"] != alg:
            raise Refusal("algorithm", f"key {quoted(kid)} is for {jwk['alg']}, the token says {alg}")
        return _bind(jwk, alg, f"key {quoted(kid)}")


def _suits(jwk, alg):
    kty, crv = KEY_TYPES[alg]
    return jwk.get("kty") == kty and (crv is None or jwk.get("crv") == crv)


def _described(jwk):
    return " ".join(str(jwk[member]) for member in ("kty", "crv") if member in jwk)


def _bind(jwk, alg, name):
    if not _suits(jwk, alg):
        raise Refusal("algorithm", f"{name} is {_described(jwk)}, which cannot verify {alg}")
    try:
        return jwt.PyJWK(jwk, algorithm=alg)
    except jwt.PyJWTError:
        raise Refusal("algorithm", f"{name} cannot be used with {alg}") from None


class StaticKeys:
    """A fixed key set: a JWKS file read once, or the exchange service's own key."""

    def __init__(self, key_set):
        self._key_set = key_set

    def key(self, kid, alg):
        if kid is None:
            raise Refusal("unknown_kid", "the token has no kid")
        if kid not in self._key_set:
            raise Refusal("unknown_kid", f"no key {quoted(kid)} in the JWKS")
        return self._key_set.key(kid, alg)


class PemKey:
    """The single public key of a PEM file. It verifies every algorithm of the allow-list that suits its type (an
    RSA key: RS256 to PS512; a P-256 key: ES256; a P-384 key: ES384; an Ed25519 key: EdDSA), so a project that signs
    with RS384 or PS256 is verified as one that signs with RS256; the allow-list never holds HMAC or none."""

    def __init__(self, pem_bytes, algorithms=DEFAULT_ALGORITHMS):
        try:
            public_key = load_pem_public_key(pem_bytes)
        except (ValueError, UnsupportedAlgorithm):
            raise ValueError("not a PEM public key (-----BEGIN PUBLIC KEY-----)") from None
        if isinstance(public_key, rsa.RSAPublicKey):
            jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in ("secp256r1", "secp384r1"):
            jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
        else:
            raise ValueError("unsupported key type: use an RSA, P-256, P-384 or Ed25519 public key")
        self._jwk = jwk
        self.algorithms = tuple(alg for alg in algorithms if _suits(jwk, alg))
        if not self.algorithms:
            raise ValueError(f"the {_described(jwk)} key suits none of the allowed algorithms ({', '.join(algorithms)})")

    def key(self, kid, alg):
        return _bind(self._jwk, alg, "the PEM key")


def max_age(cache_control):
    """Freshness in seconds from a Cache-Control header: its max-age clamped to an hour, else 5 minutes."""
    for directive in (cache_control or "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            try:
                return min(max(int(value.strip().strip('"')), 0), MAX_MAX_AGE)
            except ValueError:
                break
    return DEFAULT_MAX_AGE


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Follows no redirect: the JWKS URL is configuration, and a redirect (to another host, or from https to http)
    would move the trust anchor. The 3xx answer then reaches fetch_url as an HTTPError."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def fetch_url(url, etag):
    """GET the JWKS: (body or None for 304 Not Modified, etag, max-age). Raises KeysUnavailable."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "webauthn-kit-example"})
    if etag:
        request.add_header("If-None-Match", etag)
    deadline = time.monotonic() + FETCH_TIMEOUT
    try:
        with _opener.open(request, timeout=FETCH_TIMEOUT) as response:
            chunks, size = [], 0
            while chunk := response.read(64 * 1024):
                size += len(chunk)
                if size > FETCH_LIMIT:
                    raise KeysUnavailable(f"{url} answered more than {FETCH_LIMIT} bytes")
                if time.monotonic() > deadline:
                    raise KeysUnavailable(f"{url} took longer than {FETCH_TIMEOUT:g} s")
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("ETag"), max_age(response.headers.get("Cache-Control"))
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return None, error.headers.get("ETag") or etag, max_age(error.headers.get("Cache-Control"))
        if 300 <= error.code < 400:
            raise KeysUnavailable(f"{url} answered HTTP {error.code}, a redirect, which is not followed") from None
        raise KeysUnavailable(f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise KeysUnavailable(f"cannot fetch {url}: {reason}") from None


def read_file(path):
    """Read a JWKS file as fetch_url would answer (no ETag, default freshness). Raises KeysUnavailable."""
    try:
        with open(path, "rb") as file:
            data = file.read(FETCH_LIMIT + 1)
    except OSError as error:
        raise KeysUnavailable(f"cannot read {path}: {error.strerror}") from None
    if len(data) > FETCH_LIMIT:
        raise KeysUnavailable(f"{path} is larger than {FETCH_LIMIT} bytes")
    return data, None, DEFAULT_MAX_AGE


class CachedJwks:
    """A JWKS URL (or file, re-read the same way) kept fresh by the caching rules of the contract.

    Fresh for the answer's max-age; a stale copy is revalidated with If-None-Match and kept when that fails;
    an unknown kid causes one refetch unless the last fetch was less than `cooldown` seconds ago.
    """

    def __init__(self, source, cooldown=DEFAULT_COOLDOWN, clock=time.monotonic):
        self.source = source
        self.cooldown = cooldown
        self._load = (lambda etag: fetch_url(source, etag)) if is_url(source) else (lambda etag: read_file(source))
        self._clock = clock
        self._lock = threading.Lock()
        self._key_set = None
        self._etag = None
        self._fresh_until = None
        self._last_fetch = None

    def prime(self):
        """Fetch now, so that an unusable source shows at start-up. Raises KeysUnavailable."""
        with self._lock:
            self._fetch()

    def key(self, kid, alg):
        if kid is None:
            raise Refusal("unknown_kid", "the token has no kid")
        with self._lock:
            if self._key_set is None or self._clock() >= self._fresh_until:
                self._refresh()
            if kid not in self._key_set and self._cooled_down():
                self._refresh()
            if kid not in self._key_set:
                raise Refusal("unknown_kid", f"no key {quoted(kid)} in the JWKS")
            return self._key_set.key(kid, alg)

    def _cooled_down(self):
        return self._last_fetch is None or self._clock() - self._last_fetch >= self.cooldown

    def _refresh(self):
        """Fetch, keeping a stale copy when that fails; without any copy the failure is a refusal."""
        if self._key_set is None and not self._cooled_down():
            raise Refusal("keys_unavailable", f"the last fetch of {self.source} failed; retrying after the cooldown")
        try:
            self._fetch()
        except KeysUnavailable as error:
            if self._key_set is None:
                raise Refusal("keys_unavailable", str(error)) from None
            # Retry a failed refresh only after the cooldown, so a down server is not asked on every token.
            self._fresh_until = self._clock() + self.cooldown
            log.warning("JWKS refresh failed, keeping the stale copy: %s", error)

    def _fetch(self):
        self._last_fetch = self._clock()
        data, etag, seconds = self._load(self._etag if self._key_set is not None else None)
        if data is not None:
            try:
                key_set = KeySet.from_bytes(data)
            except ValueError as error:
                raise KeysUnavailable(f"{self.source}: {error}") from None
            self._key_set, self._etag = key_set, etag
        self._fresh_until = self._clock() + seconds


def is_url(source):
    return source.lower().startswith(("http://", "https://"))


def cooldown_from_env():
    """WEBAUTHN_JWKS_COOLDOWN in seconds; ValueError naming the variable when it is not a number >= 0."""
    text = os.environ.get("WEBAUTHN_JWKS_COOLDOWN", "").strip()
    if not text:
        return DEFAULT_COOLDOWN
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"WEBAUTHN_JWKS_COOLDOWN must be a number of seconds >= 0, not {quoted(text)}")
    return seconds


def key_source(jwks=None, public_key=None, cooldown=DEFAULT_COOLDOWN, algorithms=DEFAULT_ALGORITHMS):
    """The key source for a JWKS URL, a JWKS file or a PEM file. A file is read now; ValueError when unusable,
    or when the PEM key suits none of the allowed algorithms."""
    if public_key is not None:
        try:
            with open(public_key, "rb") as file:
                return PemKey(file.read(), algorithms)
        except OSError as error:
            raise ValueError(f"cannot read {public_key}: {error.strerror}") from None
        except ValueError as error:
            raise ValueError(f"{public_key}: {error}") from None
    source = CachedJwks(jwks, cooldown)
    if not is_url(jwks):
        try:
            source.prime()
        except KeysUnavailable as error:
            raise ValueError(str(error)) from None
    return source


class Verifier:
    """The ordered checks of the contract. `keys` is a PemKey, StaticKeys or CachedJwks."""

    def __init__(self, keys, issuer, audience, algorithms=DEFAULT_ALGORITHMS, leeway=DEFAULT_LEEWAY,
                 clock=time.time):
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(algorithms)
        self.leeway = leeway
        self._clock = clock

    def verify(self, token):
        """The verified claims, or Refusal."""
        header = _header(token)
        alg = header["alg"]
        if alg not in self.algorithms:
            raise Refusal("algorithm", f"{quoted(alg)} is not on the allow-list ({', '.join(self.algorithms)})")
        key = self.keys.key(header.get("kid"), alg)
        claims = _signed_claims(token, key, alg)
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims):
        for name in ("exp", "iat"):
            if name not in claims:
                raise Refusal("missing_claim", f"the token has no {name}")
            if not _is_number(claims[name]):
                raise Refusal("missing_claim", f"{name} is not a NumericDate")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Refusal("missing_claim", "the token has no sub")
        now = self._clock()
        if now >= claims["exp"] + self.leeway:
            raise Refusal("expired", f"exp {claims['exp']} has passed (leeway {self.leeway} s)")
        if "nbf" in claims:
            if not _is_number(claims["nbf"]):
                raise Refusal("not_yet_valid", "nbf is not a NumericDate")
            if now + self.leeway < claims["nbf"]:
                raise Refusal("not_yet_valid", f"nbf {claims['nbf']} has not come (leeway {self.leeway} s)")
        if claims.get("iss") != self.issuer:
            raise Refusal("issuer", f"iss is {quoted(claims.get('iss'))}, expected {quoted(self.issuer)}")
        aud = claims.get("aud")
        if not (aud == self.audience or (isinstance(aud, list) and self.audience in aud)):
            raise Refusal("audience", f"aud is {quoted(aud)}, expected {quoted(self.audience)}")


def _header(token):
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not all(_BASE64URL.fullmatch(part) for part in parts):
        raise Refusal("malformed", "expected three base64url parts separated by dots")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise Refusal("malformed", f"the header cannot be decoded ({error})") from None
    if not isinstance(header.get("alg"), str):
        raise Refusal("malformed", "the header has no alg")
    return header


def _signed_claims(token, key, alg):
    options = {"verify_signature": True, "verify_exp": False, "verify_nbf": False, "verify_iat": False,
               "verify_aud": False, "verify_iss": False, "verify_sub": False, "verify_jti": False, "require": []}
    try:
        return jwt.decode(token, key=key, algorithms=[alg], options=options)
    except jwt.InvalidSignatureError:
        raise Refusal("signature", "the signature does not match the key") from None
    except (jwt.InvalidAlgorithmError, jwt.InvalidKeyError):
        raise Refusal("algorithm", f"the key cannot verify {alg}") from None
    except jwt.PyJWTError as error:
        raise Refusal("malformed", f"the token cannot be decoded ({error})") from None


def _is_number(value):
    # json.loads accepts NaN and Infinity, which would compare as never expiring.
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)
