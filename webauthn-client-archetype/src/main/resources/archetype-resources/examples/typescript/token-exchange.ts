// The exchange service: accepts the passkey server's token once, at sign-in, and from then on only its own.
// Configuration is all environment variables; see README.md.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT, calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import {
  DEFAULT_ALGORITHMS,
  DEFAULT_COOLDOWN_SECONDS,
  DEFAULT_LEEWAY_SECONDS,
  JwksSource,
  Refusal,
  SingleKeySource,
  Verifier,
  loadPublicKey,
  messageOf,
  parseAlgorithms,
  parseWholeNumber,
  type KeySource,
} from './verifier.ts';

const MAX_BODY_BYTES = 64 * 1024;
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;
const PERMISSION = 'profile:read';

function env(name: string): string | undefined;
function env(name: string, fallback: string): string;
function env(name: string, fallback?: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function fail(message: string): never {
  process.stderr.write(`token-exchange: ${message}\n`);
  process.exit(2);
}

/** Reads the settings; any mistake stops the start with exit 2. */
async function configure() {
  const issuer = env('WEBAUTHN_ISSUER') ?? fail('WEBAUTHN_ISSUER is not set');
  const audience = env('WEBAUTHN_AUDIENCE') ?? fail('WEBAUTHN_AUDIENCE is not set');
  const ownIssuer = env('EXCHANGE_ISSUER', 'example-api');
  const ownAudience = env('EXCHANGE_AUDIENCE', 'example-app');
  // With the same iss or aud, one kind of token could pass for the other.
  if (ownIssuer === issuer) fail(`EXCHANGE_ISSUER must differ from WEBAUTHN_ISSUER (both are "${issuer}")`);
  if (ownAudience === audience) fail(`EXCHANGE_AUDIENCE must differ from WEBAUTHN_AUDIENCE (both are "${audience}")`);
  try {
    const port = parseWholeNumber('EXCHANGE_PORT', env('EXCHANGE_PORT', '9000'));
    if (port > 65535) throw new Error(`EXCHANGE_PORT must be at most 65535, not ${port}`);
    const ttl = parseWholeNumber('EXCHANGE_TOKEN_TTL', env('EXCHANGE_TOKEN_TTL', '3600'));
    if (ttl === 0) throw new Error('EXCHANGE_TOKEN_TTL must be at least 1 second');
    const algorithms = parseAlgorithms(env('WEBAUTHN_ALGORITHMS', DEFAULT_ALGORITHMS));
    const cooldown = parseWholeNumber('WEBAUTHN_JWKS_COOLDOWN', env('WEBAUTHN_JWKS_COOLDOWN', `${DEFAULT_COOLDOWN_SECONDS}`));
    return {
      issuer,
      audience,
      ownIssuer,
      ownAudience,
      port,
      ttl,
      algorithms,
      keys: await passkeyKeys(cooldown, algorithms),
      bind: env('EXCHANGE_BIND', '127.0.0.1'),
      dataDir: resolve(env('EXCHANGE_DATA_DIR', './data')),
    };
  } catch (e) {
    return fail(messageOf(e));
  }
}

async function passkeyKeys(cooldown: number, algorithms: string[]): Promise<KeySource> {
  const jwks = env('WEBAUTHN_JWKS_URL') ?? env('WEBAUTHN_JWKS_FILE');
  if (jwks !== undefined) {
    let source: JwksSource;
    try {
      source = new JwksSource(jwks, cooldown, (line) => process.stderr.write(`${line}\n`));
    } catch (e) {
      throw new Error(`cannot use the JWKS: ${messageOf(e)}`);
    }
    await source.refresh();
    if (source.lastError !== undefined) process.stderr.write(`JWKS ${jwks} not available yet: ${source.lastError}\n`);
    return source;
  }
  const pem = env('WEBAUTHN_PUBLIC_KEY_FILE') ?? fail('set WEBAUTHN_JWKS_URL, WEBAUTHN_JWKS_FILE or WEBAUTHN_PUBLIC_KEY_FILE');
  return loadPublicKey(pem, algorithms);
}

/** The service's own ES256 key: created once (0600, in a 0700 directory) and kept, so its tokens outlive restarts. */
function signingKey(dataDir: string): KeyObject {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'exchange-signing-key.pem');
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Written aside, then linked into place: two instances starting together agree on one key, never a half file.
    const draft = `${file}.${process.pid}.new`;
    writeFileSync(draft, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(draft, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(draft);
    }
  }
  const pem = readFileSync(file);
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(pem);
  } catch {
    // reported below
  }
  if (key?.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${file} is not a PEM P-256 private key`);
  }
  return key;
}

interface User {
  id: string;
  webauthn_sub: string;
  display_name: string;
  created_at: string;
}

function openDatabase(dataDir: string) {
  const db = new Database(join(dataDir, 'exchange.db'));
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      webauthn_sub TEXT NOT NULL UNIQUE,
      display_name TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS accepted_jti (
      jti TEXT PRIMARY KEY,
      keep_until INTEGER NOT NULL
    );
  `);
  const forget = db.prepare('DELETE FROM accepted_jti WHERE keep_until < ?');
  const accept = db.prepare('INSERT INTO accepted_jti (jti, keep_until) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const create = db.prepare(
    'INSERT INTO users (id, webauthn_sub, display_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (webauthn_sub) DO NOTHING',
  );
  const bySub = db.prepare<[string], User>('SELECT * FROM users WHERE webauthn_sub = ?');
  const byId = db.prepare<[string], User>('SELECT * FROM users WHERE id = ?');
  // One transaction, so a token is never marked used without its user; IMMEDIATE so instances sharing the file queue.
  const signIn = db.transaction((jti: string, keepUntil: number, sub: string, name: string): User | undefined => {
    forget.run(Math.floor(Date.now() / 1000));
    if (accept.run(jti, keepUntil).changes === 0) return undefined;
    create.run(randomUUID(), sub, name, new Date().toISOString());
    return bySub.get(sub);
  });
  return {
    /** The user for a first use of `jti`; undefined when it was seen before. */
    signIn: (jti: string, keepUntil: number, sub: string, name: string) => signIn.immediate(jti, keepUntil, sub, name),
    user: (id: string) => byId.get(id),
    close: () => db.close(),
  };
}

class HttpError extends Error {
  readonly status: number;
  readonly error: string;
  readonly headers: Record<string, string>;

  constructor(status: number, error: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

function invalidToken(refusal: Refusal): HttpError {
  return new HttpError(401, 'invalid_token', refusal.message, { 'www-authenticate': 'Bearer error="invalid_token"' });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * Reads what is left of a refused request's body (up to MAX_DRAIN_BYTES) before the answer goes out. Answering first
 * leaves node's parser to skip the rest behind the response, and when the request also asked to upgrade to h2c (the
 * JDK's HttpClient does by default, so does `curl --http2`) the connection's next request is lost. Resolves false when
 * the body was larger or the client went away: that connection is then closed after the answer.
 */
function drainBody(req: IncomingMessage): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise<boolean>((done) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        done(false);
      }
    });
    req.on('end', () => done(true));
    req.on('error', () => done(false));
    req.on('close', () => done(req.complete));
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as Content-Type: application/json');
  }
  const tooLarge = new HttpError(413, 'payload_too_large', 'the body is larger than 64 KiB');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  const body = await new Promise<Buffer>((done, failed) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop keeping the body; the refusal drains the rest before it answers.
        req.removeAllListeners('data');
        failed(tooLarge);
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', failed);
  });
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new HttpError(400, 'invalid_request', 'the body is not JSON');
  }
}

function bearerToken(req: IncomingMessage): string {
  const match = /^Bearer +([^\s]+) *$/i.exec(req.headers.authorization ?? '');
  if (match?.[1] === undefined) throw invalidToken(new Refusal('malformed', 'no "Authorization: Bearer <token>" header'));
  return match[1];
}

async function main(): Promise<void> {
  const config = await configure();
  let privateKey: KeyObject;
  let db: ReturnType<typeof openDatabase>;
  try {
    privateKey = signingKey(config.dataDir);
    db = openDatabase(config.dataDir);
  } catch (e) {
    return fail(`cannot use EXCHANGE_DATA_DIR ${config.dataDir}: ${messageOf(e)}`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicJwk: JWK = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] };

  const passkeyTokens = new Verifier({
    keys: config.keys,
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    leewaySeconds: DEFAULT_LEEWAY_SECONDS,
  });
  // The service's own tokens: ES256 only, its own key, issuer and audience.
  const ownTokens = new Verifier({
    keys: new SingleKeySource(publicKey, ['ES256'], kid),
    issuer: config.ownIssuer,
    audience: config.ownAudience,
    algorithms: ['ES256'],
    leewaySeconds: DEFAULT_LEEWAY_SECONDS,
  });

  async function exchange(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const token = (body as { webauthn_token?: unknown } | null)?.webauthn_token;
    if (typeof body !== 'object' || Array.isArray(body) || typeof token !== 'string' || token === '') {
      throw new HttpError(400, 'invalid_request', 'the body must be {"webauthn_token": "<passkey server JWT>"}');
    }
    const claims = await passkeyTokens.verify(token).catch((e: unknown) => {
      throw e instanceof Refusal ? invalidToken(e) : e;
    });
    if (typeof claims.jti !== 'string' || claims.jti === '') {
      throw invalidToken(new Refusal('missing_claim', 'jti is missing, so a replay could not be recognised'));
    }
    const sub = claims.sub as string;
    const name = typeof claims.preferred_username === 'string' ? claims.preferred_username : sub;
    // The jti is remembered until the token could no longer pass anyway: exp plus the leeway.
    const user = db.signIn(claims.jti, (claims.exp as number) + DEFAULT_LEEWAY_SECONDS, sub, name);
    if (user === undefined) throw invalidToken(new Refusal('replayed', 'this token was already exchanged'));
    const accessToken = await new SignJWT({ permissions: [PERMISSION] })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(config.ownIssuer)
      .setAudience(config.ownAudience)
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(`${config.ttl}s`)
      .setJti(randomUUID())
      .sign(privateKey);
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: config.ttl });
  }

  async function profile(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const claims = await ownTokens.verify(bearerToken(req)).catch((e: unknown) => {
      throw e instanceof Refusal ? invalidToken(e) : e;
    });
    const permissions = Array.isArray(claims.permissions) ? claims.permissions : [];
    if (!permissions.includes(PERMISSION)) {
      throw new HttpError(403, 'insufficient_scope', `the token lacks the ${PERMISSION} permission`, {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${PERMISSION}"`,
      });
    }
    const user = db.user(claims.sub as string);
    if (user === undefined) throw invalidToken(new Refusal('missing_claim', 'the token is for a user that no longer exists'));
    send(res, 200, { ...user, permissions });
  }

  const routes: Record<string, Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>> = {
    '/auth/webauthn/exchange': { POST: exchange },
    '/api/profile': { GET: profile },
    '/.well-known/jwks.json': {
      GET: async (_req, res) => send(res, 200, jwks, { 'cache-control': 'public, max-age=300' }),
    },
    '/health': { GET: async (_req, res) => send(res, 200, { status: 'UP' }) },
  };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const methods = routes[path];
    if (methods === undefined) throw new HttpError(404, 'not_found', 'no such endpoint');
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
    const handler = methods[method];
    if (handler === undefined) {
      const allowed = Object.keys(methods).join(', ');
      throw new HttpError(405, 'method_not_allowed', `use ${allowed}`, { allow: allowed });
    }
    await handler(req, res);
  }

  const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }, (req, res) => {
    // The path only: a query string could carry a token, and tokens are never logged.
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const shownPath = path.length > 100 ? `${path.slice(0, 100)}...` : path;
    handle(req, res, path)
      .then(() => process.stdout.write(`${req.method} ${shownPath} ${res.statusCode}\n`))
      .catch(async (e: unknown) => {
        if (e instanceof HttpError) {
          // Closing instead of draining would reset the connection under a client still sending, which would then
          // never read the answer.
          const headers = (await drainBody(req)) ? e.headers : { ...e.headers, connection: 'close' };
          send(res, e.status, { error: e.error, message: e.message }, headers);
          process.stdout.write(`${req.method} ${shownPath} ${e.status} ${e.message}\n`);
          return;
        }
        process.stderr.write(`${req.method} ${shownPath} failed: ${messageOf(e)}\n`);
        if (res.headersSent) res.destroy();
        else send(res, 500, { error: 'server_error', message: 'internal error' });
      });
  });
  server.on('error', (e) => fail(`cannot listen on ${config.bind}:${config.port}: ${messageOf(e)}`));
  server.listen(config.port, config.bind, () => {
    const { address, family, port } = server.address() as AddressInfo;
    process.stdout.write(`listening on http://${family === 'IPv6' ? `[${address}]` : address}:${port}\n`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => server.close(() => db.close()));
  }
}

await main();
