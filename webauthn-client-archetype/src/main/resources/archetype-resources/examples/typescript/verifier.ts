// Verification of the passkey server's tokens, shared by jwt-verification.ts and token-exchange.ts:
// the ordered checks of ../README.md (RFC 8725), their reason codes, and the cached JWKS.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { errors, importJWK, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type Reason =
  | 'malformed'
  | 'algorithm'
  | 'unknown_kid'
  | 'signature'
  | 'missing_claim'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'keys_unavailable'
  | 'replayed';

/** A token that is refused; `message` is `<reason>: <detail>`. */
export class Refusal extends Error {
  readonly reason: Reason;
  readonly detail: string;

  constructor(reason: Reason, detail: string) {
    super(`${reason}: ${detail}`);
    this.reason = reason;
    this.detail = detail;
  }
}

// The only algorithms there are: asymmetric signatures, each with the key type (and curve) that may verify it.
// `none` and the HMAC algorithms are absent, so no configuration can allow them.
const KEY_TYPES: Record<string, { kty: string; crv?: string }> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
};

export const DEFAULT_ALGORITHMS = 'RS256,RS384,RS512,PS256,ES256,ES384,EdDSA';
export const DEFAULT_LEEWAY_SECONDS = 30;
export const DEFAULT_COOLDOWN_SECONDS = 30;

/** Parses an allow-list such as `RS256,ES256`; throws on anything that is not an asymmetric signature algorithm. */
export function parseAlgorithms(list: string): string[] {
  const algorithms = list.split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (algorithms.length === 0) throw new Error('the algorithm list is empty');
  for (const alg of algorithms) {
    if (!Object.hasOwn(KEY_TYPES, alg)) {
      throw new Error(`unsupported algorithm "${alg}" (allowed: ${Object.keys(KEY_TYPES).join(', ')})`);
    }
  }
  return algorithms;
}

/** Parses a setting that is a whole number (seconds, a port); throws with the setting's name otherwise. */
export function parseWholeNumber(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new Error(`${name} must be a whole number, not ${show(value)}`);
  return Number(value);
}

/** Where the keys come from: it answers the key for a token's `alg` and `kid`, or throws a Refusal. */
export interface KeySource {
  keyFor(alg: string, kid: unknown): Promise<CryptoKey | KeyObject>;
}

/**
 * One key and the algorithms it verifies: a PEM public key (every allowed algorithm that suits its type), or the
 * exchange service's own key (ES256, with its kid).
 */
export class SingleKeySource implements KeySource {
  readonly key: KeyObject;
  readonly algorithms: string[];
  readonly kid: string | undefined;

  constructor(key: KeyObject, algorithms: string[], kid?: string) {
    this.key = key;
    this.algorithms = algorithms;
    this.kid = kid;
  }

  async keyFor(alg: string, kid: unknown): Promise<KeyObject> {
    if (this.kid !== undefined && kid !== this.kid) throw new Refusal('unknown_kid', `no key with kid ${show(kid)}`);
    if (!this.algorithms.includes(alg)) {
      throw new Refusal('algorithm', `the key is for ${this.algorithms.join(', ')}, the token says ${alg}`);
    }
    return this.key;
  }
}

/**
 * Reads a PEM public key. It verifies every algorithm of the allow-list that suits its type (an RSA key: RS256 to
 * PS512, P-256: ES256, P-384: ES384, Ed25519: EdDSA), so a project that signs with RS384 or PS256 is verified as one
 * that signs with RS256; throws when it suits none of them. The allow-list never holds HMAC or `none`.
 */
export async function loadPublicKey(path: string, allowed: string[]): Promise<SingleKeySource> {
  const pem = await readFile(path);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error(`${path} is not a PEM public key`);
  }
  const type = keyTypeOf(key);
  if (type === undefined) throw new Error(`${path}: unsupported key type (use an RSA, P-256, P-384 or Ed25519 key)`);
  const algorithms = allowed.filter((alg) => fits(type, alg));
  if (algorithms.length === 0) {
    throw new Error(`${path}: the ${type.kty} key suits none of the allowed algorithms (${allowed.join(', ')})`);
  }
  return new SingleKeySource(key, algorithms);
}

function keyTypeOf(key: KeyObject): { kty: string; crv?: string } | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { kty: 'RSA' };
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519' };
    case 'ec': {
      const crv = { prime256v1: 'P-256', secp384r1: 'P-384' }[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return crv === undefined ? undefined : { kty: 'EC', crv };
    }
    default:
      return undefined;
  }
}

const MAX_JWKS_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_AGE_SECONDS = 300;
const MAX_MAX_AGE_SECONDS = 3600;

/**
 * The passkey server's JWKS, from a URL or a file, cached: fresh for the answer's Cache-Control max-age (at most an
 * hour, 5 minutes without one), revalidated with If-None-Match, kept when a refresh fails, and refetched once for an
 * unknown kid unless the last fetch was less than the cooldown ago.
 */
export class JwksSource implements KeySource {
  readonly location: string;
  private readonly url: URL | undefined;
  private readonly cooldownMs: number;
  private readonly log: (line: string) => void;
  private keys: JWK[] | undefined;
  private etag: string | undefined;
  private fetchedAt = 0;
  private nextRefreshAt = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  /** Why the last fetch failed, while it stays the last one. */
  lastError: string | undefined;

  /** Throws when the URL is not one or the file cannot be read: a configuration error, not a refused token. */
  constructor(location: string, cooldownSeconds: number, log: (line: string) => void) {
    this.location = location;
    if (/^https?:\/\//i.test(location)) {
      this.url = new URL(location);
    } else {
      accessSync(location, constants.R_OK);
    }
    this.cooldownMs = cooldownSeconds * 1000;
    this.log = log;
  }

  async keyFor(alg: string, kid: unknown): Promise<CryptoKey> {
    // kid is only ever compared with the JWKS entries, never used as a path or a URL.
    if (kid === undefined) throw new Refusal('unknown_kid', 'the token has no kid');
    if (typeof kid !== 'string') throw new Refusal('unknown_kid', 'the kid is not a string');
    if (Date.now() >= this.nextRefreshAt) await this.refresh();
    let candidates = this.withKid(kid);
    if (candidates.length === 0 && Date.now() - this.lastAttemptAt >= this.cooldownMs) {
      await this.refresh();
      candidates = this.withKid(kid);
    }
    if (this.keys === undefined) throw new Refusal('keys_unavailable', `${this.location}: ${this.lastError}`);
    if (candidates.length === 0) throw new Refusal('unknown_kid', `no key with kid ${show(kid)}`);
    const jwk = candidates.find((k) => fits(k, alg));
    if (jwk === undefined) {
      const has = candidates.map((k) => k.alg ?? k.kty).join(', ');
      throw new Refusal('algorithm', `key ${show(kid)} is for ${has}, the token says ${alg}`);
    }
    try {
      return (await importJWK(jwk, alg)) as CryptoKey;
    } catch (e) {
      throw new Refusal('keys_unavailable', `key ${show(kid)} cannot be used: ${messageOf(e)}`);
    }
  }

  /** Fetches (or reads) the JWKS now; concurrent callers share one request. Failures end up in lastError. */
  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private withKid(kid: string): JWK[] {
    return (this.keys ?? []).filter((k) => k.kid === kid);
  }

  private async load(): Promise<void> {
    this.lastAttemptAt = Date.now();
    try {
      const maxAgeSeconds = this.url === undefined ? await this.readFile() : await this.fetch(this.url);
      this.fetchedAt = Date.now();
      this.nextRefreshAt = this.fetchedAt + maxAgeSeconds * 1000;
      this.lastError = undefined;
    } catch (e) {
      this.lastError = messageOf(e);
      // A failed fetch is retried no sooner than the cooldown, so an unreachable server is not hammered.
      this.nextRefreshAt = Date.now() + this.cooldownMs;
      if (this.keys !== undefined) {
        const since = new Date(this.fetchedAt).toISOString();
        this.log(`JWKS refresh from ${this.location} failed, keeping the copy from ${since}: ${this.lastError}`);
      }
    }
  }

  private async readFile(): Promise<number> {
    if ((await stat(this.location)).size > MAX_JWKS_BYTES) throw new Error('larger than 1 MiB');
    this.keys = parseJwks(await readFile(this.location, 'utf8'));
    return DEFAULT_MAX_AGE_SECONDS;
  }

  private async fetch(url: URL): Promise<number> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.keys !== undefined && this.etag !== undefined) headers['if-none-match'] = this.etag;
    const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    // A redirect would move the trust anchor somewhere else, so none is followed.
    const response = await fetch(url, { headers, signal, redirect: 'error' }).catch((e: unknown) => {
      throw new Error(`cannot fetch: ${messageOf(e)}`);
    });
    const maxAge = maxAgeSeconds(response.headers.get('cache-control'));
    if (response.status === 304 && this.keys !== undefined) {
      await response.body?.cancel();
      return maxAge;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    this.keys = parseJwks(await readLimited(response, MAX_JWKS_BYTES));
    this.etag = response.headers.get('etag') ?? undefined;
    return maxAge;
  }
}

function maxAgeSeconds(cacheControl: string | null): number {
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?=,|$)/i.exec(cacheControl ?? '');
  return match === null ? DEFAULT_MAX_AGE_SECONDS : Math.min(Number(match[1]), MAX_MAX_AGE_SECONDS);
}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    throw new Error('larger than 1 MiB');
  }
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let part = await reader?.read(); part !== undefined && !part.done; part = await reader?.read()) {
    size += part.value.byteLength;
    if (size > limit) {
      await reader?.cancel();
      throw new Error('larger than 1 MiB');
    }
    chunks.push(part.value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

function parseJwks(text: string): JWK[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  if (!isObject(document) || !Array.isArray(document.keys) || !document.keys.every(isObject)) {
    throw new Error('not a JWKS (no "keys" array of objects)');
  }
  const keys = document.keys as JWK[];
  // Most likely the private key ring given by mistake: refuse it rather than use (and spread) private keys.
  if (keys.some((k) => k.d !== undefined)) throw new Error('it holds private keys; give the public JWKS');
  return keys;
}

// The key's own alg (when it has one), its type and curve, and its use must all suit the token's alg.
function fits(jwk: { kty?: string; crv?: string; alg?: string; use?: string }, alg: string): boolean {
  const wanted = KEY_TYPES[alg];
  return (
    wanted !== undefined &&
    (jwk.alg === undefined || jwk.alg === alg) &&
    jwk.kty === wanted.kty &&
    (wanted.crv === undefined || jwk.crv === wanted.crv) &&
    (jwk.use === undefined || jwk.use === 'sig')
  );
}

export interface VerifierOptions {
  keys: KeySource;
  issuer: string;
  audience: string;
  algorithms: string[];
  leewaySeconds: number;
}

/** Runs the checks of ../README.md in their order; answers the claims or throws a Refusal. */
export class Verifier {
  private readonly options: VerifierOptions;

  constructor(options: VerifierOptions) {
    this.options = options;
  }

  async verify(token: string): Promise<JWTPayload> {
    const { keys, issuer, audience, algorithms, leewaySeconds } = this.options;
    const header = parseHeader(token);
    // Before any key is touched: an HMAC or `none` token never reaches a key (RFC 8725, 2.1 and 3.1).
    if (!algorithms.includes(header.alg)) {
      throw new Refusal('algorithm', `${show(header.alg)} is not allowed (allowed: ${algorithms.join(', ')})`);
    }
    const key = await keys.keyFor(header.alg, header.kid);
    let payload: JWTPayload;
    try {
      // jose checks the signature, then the presence of exp, iat and sub, then nbf and exp: the contract's order.
      // iss and aud are compared below, after the time checks, for the same reason.
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [header.alg],
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: leewaySeconds,
      }));
    } catch (e) {
      throw refusalFrom(e, leewaySeconds);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new Refusal('missing_claim', 'sub is not a non-empty string');
    if (payload.iss !== issuer) throw new Refusal('issuer', `iss is ${show(payload.iss)}, expected ${show(issuer)}`);
    const aud = payload.aud;
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) {
      throw new Refusal('audience', `aud is ${show(aud)}, expected ${show(audience)}`);
    }
    return payload;
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function parseHeader(token: string): { alg: string; kid: unknown } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === '' || !parts.every((p) => BASE64URL.test(p))) {
    throw new Refusal('malformed', 'not three base64url parts');
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(parts[0] ?? '', 'base64url')));
  } catch {
    throw new Refusal('malformed', 'the header is not JSON');
  }
  if (!isObject(header) || typeof header.alg !== 'string' || header.alg === '') {
    throw new Refusal('malformed', 'the header has no alg');
  }
  return { alg: header.alg, kid: header.kid };
}

function refusalFrom(e: unknown, leewaySeconds: number): Error {
  if (e instanceof errors.JWSSignatureVerificationFailed) return new Refusal('signature', 'the signature does not match');
  if (e instanceof errors.JWTExpired) {
    return new Refusal('expired', `exp ${isoDate(e.payload.exp)} has passed (leeway ${leewaySeconds} s)`);
  }
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === 'missing') return new Refusal('missing_claim', `${e.claim} is missing`);
    if (e.claim === 'nbf' && e.reason === 'check_failed') {
      return new Refusal('not_yet_valid', `nbf ${isoDate(e.payload.nbf)} has not come (leeway ${leewaySeconds} s)`);
    }
    return new Refusal('malformed', e.message);
  }
  // A key that cannot do the algorithm (jose's key checks, e.g. an RSA key under 2048 bits).
  if (e instanceof TypeError || e instanceof errors.JOSENotSupported || e instanceof errors.JOSEAlgNotAllowed) {
    return new Refusal('algorithm', e.message);
  }
  // Anything else jose refuses is the token's shape: an unknown `crit`, a payload that is not a JSON object.
  if (e instanceof errors.JOSEError) return new Refusal('malformed', e.message);
  return e instanceof Error ? e : new Error(String(e));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isoDate(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds);
}

/** A value from the token for a message: JSON, one line, cut short (tokens are never printed, claims briefly). */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function messageOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // fetch wraps the reason (refused connection, timeout, redirect) in a cause.
  return e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message;
}
