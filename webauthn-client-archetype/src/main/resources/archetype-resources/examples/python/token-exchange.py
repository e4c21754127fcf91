"""An API that accepts the passkey server's token once, at sign-in, and from then on only its own.

    python token-exchange.py        (configuration: environment variables, see README.md)

POST /auth/webauthn/exchange  {"webauthn_token": ...} -> {"access_token", "token_type", "expires_in"}
GET  /api/profile             Authorization: Bearer <exchanged token>
GET  /.well-known/jwks.json   this service's own public key
GET  /health
"""

import base64
import hashlib
import ipaddress
import json
import logging
import math
import os
import socket
import sqlite3
import sys
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from jwt.algorithms import ECAlgorithm
from pydantic import BaseModel, StrictStr
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

import webauthn_verify as wv

log = logging.getLogger("token_exchange")

KEY_FILE = "exchange-signing-key.pem"
DATABASE_FILE = "users.db"
BODY_LIMIT = 64 * 1024
PERMISSION = "profile:read"


@dataclass(frozen=True)
class Config:
    jwks: str | None
    public_key: str | None
    issuer: str
    audience: str
    algorithms: tuple
    cooldown: float
    bind: str
    port: int
    own_issuer: str
    own_audience: str
    token_ttl: int
    data_dir: Path


def read_config(env):
    """The configuration from the environment; ValueError naming the variable when something is wrong."""
    def required(name):
        value = env.get(name, "").strip()
        if not value:
            raise ValueError(f"{name} is not set")
        return value

    def integer(name, default, low, high):
        text = env.get(name, "").strip() or str(default)
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"{name} must be a whole number from {low} to {high}, not {wv.quoted(text)}")
        return int(text)

    jwks = env.get("WEBAUTHN_JWKS_URL", "").strip() or env.get("WEBAUTHN_JWKS_FILE", "").strip() or None
    public_key = None if jwks else env.get("WEBAUTHN_PUBLIC_KEY_FILE", "").strip() or None
    if not jwks and not public_key:
        raise ValueError("set WEBAUTHN_JWKS_URL, WEBAUTHN_JWKS_FILE or WEBAUTHN_PUBLIC_KEY_FILE")
    try:
        algorithms = wv.parse_algorithms(env.get("WEBAUTHN_ALGORITHMS", "") or ",".join(wv.DEFAULT_ALGORITHMS))
    except ValueError as error:
        raise ValueError(f"WEBAUTHN_ALGORITHMS: {error}") from None
    config = Config(
        jwks=jwks,
        public_key=public_key,
        issuer=required("WEBAUTHN_ISSUER"),
        audience=required("WEBAUTHN_AUDIENCE"),
        algorithms=algorithms,
        cooldown=wv.cooldown_from_env(),
        bind=env.get("EXCHANGE_BIND", "").strip() or "127.0.0.1",
        port=integer("EXCHANGE_PORT", 9000, 0, 65535),
        own_issuer=env.get("EXCHANGE_ISSUER", "").strip() or "example-api",
        own_audience=env.get("EXCHANGE_AUDIENCE", "").strip() or "example-app",
        token_ttl=integer("EXCHANGE_TOKEN_TTL", 3600, 1, 366 * 24 * 3600),
        data_dir=Path(env.get("EXCHANGE_DATA_DIR", "").strip() or "./data"),
    )
    # With a shared issuer or audience, one kind of token could be passed off as the other.
    if config.own_issuer == config.issuer:
        raise ValueError("EXCHANGE_ISSUER must differ from WEBAUTHN_ISSUER")
    if config.own_audience == config.audience:
        raise ValueError("EXCHANGE_AUDIENCE must differ from WEBAUTHN_AUDIENCE")
    return config


def prepare_data_dir(path):
    if not path.exists():
        path.mkdir(mode=0o700, parents=True)
        path.chmod(0o700)  # mkdir's mode is reduced by the umask


def load_or_create_key(data_dir):
    """The service's ES256 key, created on first start as PKCS#8 PEM readable by its owner only."""
    path = data_dir / KEY_FILE
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # Written aside and linked into place, so a second instance starting at the same moment
        # never reads a half-written file and both end up with the same key.
        temporary = data_dir / f".{KEY_FILE}.{os.getpid()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(temporary, path)
                log.info("created the signing key %s", path)
            except FileExistsError:
                pass
        finally:
            temporary.unlink()
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        raise ValueError(f"{path} is not an unencrypted PKCS#8 PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError(f"{path} is not a P-256 (ES256) key")
    return key


class Signer:
    """Issues this service's own tokens."""

    def __init__(self, private_key, issuer, audience, ttl):
        self._private_key = private_key
        self.issuer, self.audience, self.ttl = issuer, audience, ttl
        public = ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        # RFC 7638 thumbprint: the kid changes exactly when the key does.
        members = json.dumps({name: public[name] for name in ("crv", "kty", "x", "y")},
                             separators=(",", ":"), sort_keys=True)
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()
        self.jwk = {**public, "kid": self.kid, "alg": "ES256", "use": "sig"}

    def issue(self, user_id, now):
        claims = {"iss": self.issuer, "aud": self.audience, "sub": user_id, "iat": now, "exp": now + self.ttl,
                  "jti": str(uuid.uuid4()), "permissions": [PERMISSION]}
        return jwt.encode(claims, self._private_key, algorithm="ES256", headers={"kid": self.kid})


class Store:
    """The users and the accepted jtis, in SQLite (users.db in EXCHANGE_DATA_DIR)."""

    def __init__(self, path):
        self.path = path
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, webauthn_sub TEXT NOT NULL UNIQUE,"
                       " display_name TEXT, created_at TEXT NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS accepted_jti (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)")

    def _connect(self):
        # IMMEDIATE: the replay check and the user upsert run under the write lock, also across processes.
        db = sqlite3.connect(self.path, timeout=10, isolation_level="IMMEDIATE")
        db.row_factory = sqlite3.Row
        return db

    def sign_in(self, jti, keep_until, webauthn_sub, display_name, now):
        """Record the jti (Refusal `replayed` if it is known) and find or create the user, in one transaction."""
        created_at = datetime.fromtimestamp(now, timezone.utc).isoformat().replace("+00:00", "Z")
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM accepted_jti WHERE expires_at < ?", (now,))
            try:
                db.execute("INSERT INTO accepted_jti (jti, expires_at) VALUES (?, ?)", (jti, keep_until))
            except sqlite3.IntegrityError:
                raise wv.Refusal("replayed", "this token has already been exchanged") from None
            db.execute("INSERT INTO users (id, webauthn_sub, display_name, created_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (webauthn_sub) DO UPDATE SET display_name = excluded.display_name",
                       (str(uuid.uuid4()), webauthn_sub, display_name, created_at))
            return dict(db.execute("SELECT * FROM users WHERE webauthn_sub = ?", (webauthn_sub,)).fetchone())

    def user(self, user_id):
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return dict(row) if row else None


class ApiError(Exception):
    def __init__(self, status, error, message, headers=None):
        super().__init__(message)
        self.status, self.error, self.message, self.headers = status, error, message, headers


def invalid_token(refusal):
    return ApiError(401, "invalid_token", f"{refusal.reason}: {refusal.detail}",
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def error_response(status, error, message, headers=None):
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


_HTTP_ERRORS = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
                415: "unsupported_media_type"}


class BodyLimit:
    """413 for bodies over the limit, whether announced by Content-Length or streamed in chunks."""

    def __init__(self, app, limit):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length", "0")
        if not length.isdigit() or int(length) > self.limit:
            response = error_response(413, "payload_too_large", f"the body is limited to {self.limit} bytes")
            return await response(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise StarletteHTTPException(413, f"the body is limited to {self.limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


class ExchangeRequest(BaseModel):
    webauthn_token: StrictStr


async def require_json(request: Request):
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as Content-Type: application/json")


def create_app(passkey_verifier, own_verifier, signer, store):
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(BodyLimit, limit=BODY_LIMIT)

    @app.exception_handler(ApiError)
    async def api_error(request, error):
        return error_response(error.status, error.error, error.message, error.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request, error):
        if any(item.get("type") == "json_invalid" for item in error.errors()):
            return error_response(400, "invalid_request", "the body is not valid JSON")
        return error_response(400, "invalid_request", 'the body must be a JSON object with a string "webauthn_token"')

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, error):
        message = error.detail if isinstance(error.detail, str) else "request refused"
        return error_response(error.status_code, _HTTP_ERRORS.get(error.status_code, "http_error"),
                              message, error.headers)

    @app.exception_handler(Exception)
    async def unexpected(request, error):
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return error_response(500, "server_error", "internal error")

    @app.post("/auth/webauthn/exchange", dependencies=[Depends(require_json)])
    def exchange(body: ExchangeRequest):
        try:
            claims = passkey_verifier.verify(body.webauthn_token)
            if not isinstance(claims.get("jti"), str) or not claims["jti"]:
                raise wv.Refusal("missing_claim", "the token has no jti, so a replay could not be detected")
            now = int(time.time())
            # A jti is remembered as long as its token would pass the exp check.
            keep_until = math.ceil(claims["exp"] + passkey_verifier.leeway)
            name = claims.get("preferred_username")
            user = store.sign_in(claims["jti"], keep_until, claims["sub"], name if isinstance(name, str) else None, now)
        except wv.Refusal as refusal:
            log.info("exchange refused: %s: %s", refusal.reason, refusal.detail)
            raise invalid_token(refusal) from None
        log.info("exchanged a passkey token for user %s", user["id"])
        return JSONResponse({"access_token": signer.issue(user["id"], now), "token_type": "Bearer",
                             "expires_in": signer.ttl}, headers={"Cache-Control": "no-store"})

    @app.get("/api/profile")
    def profile(request: Request):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_token(wv.Refusal("malformed", "send the token as Authorization: Bearer <token>"))
        try:
            claims = own_verifier.verify(token.strip())
        except wv.Refusal as refusal:
            raise invalid_token(refusal) from None
        permissions = claims.get("permissions")
        if not isinstance(permissions, list) or PERMISSION not in permissions:
            raise ApiError(403, "insufficient_scope", f"the token lacks the {PERMISSION} permission",
                           {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{PERMISSION}"'})
        user = store.user(claims["sub"])
        if user is None:
            raise invalid_token(wv.Refusal("unknown_user", "the token's user does not exist here"))
        return {**user, "permissions": permissions}

    @app.get("/.well-known/jwks.json")
    def jwks():
        return JSONResponse({"keys": [signer.jwk]}, headers={"Cache-Control": "public, max-age=300"})

    @app.get("/health")
    def health():
        return {"status": "UP"}

    return app


def bind(address, port):
    """A listening socket, bound here so that the real port is known before uvicorn takes it over."""
    family, kind, protocol, _, socket_address = socket.getaddrinfo(
        address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(socket_address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock):
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ipaddress.ip_address(host).version == 6 else f"http://{host}:{port}"


class Server(uvicorn.Server):
    def __init__(self, config, url):
        super().__init__(config)
        self.url = url

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        if self.started:
            print(f"listening on {self.url}", flush=True)


def main():
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = read_config(os.environ)
        keys = wv.key_source(jwks=config.jwks, public_key=config.public_key, cooldown=config.cooldown,
                             algorithms=config.algorithms)
        prepare_data_dir(config.data_dir)
        signer = Signer(load_or_create_key(config.data_dir), config.own_issuer, config.own_audience, config.token_ttl)
        store = Store(config.data_dir / DATABASE_FILE)
        sock = bind(config.bind, config.port)
    except (ValueError, OSError, sqlite3.Error) as error:
        print(f"token-exchange: {error}", file=sys.stderr)
        return 2
    passkey_verifier = wv.Verifier(keys, config.issuer, config.audience, config.algorithms)
    own_verifier = wv.Verifier(wv.StaticKeys(wv.KeySet({"keys": [signer.jwk]})), config.own_issuer,
                               config.own_audience, ("ES256",))
    app = create_app(passkey_verifier, own_verifier, signer, store)
    server = Server(uvicorn.Config(app, log_config=None, server_header=False), url_of(sock))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn has shut down gracefully and re-raised the Ctrl-C
    return 0


if __name__ == "__main__":
    sys.exit(main())
