// Verifies one token from the passkey server and prints its claims; see README.md.
// Exit codes: 0 verified, 1 refused (`refused: <reason>: <detail>` on stderr), 2 bad usage.
import { parseArgs } from 'node:util';
import {
  DEFAULT_ALGORITHMS,
  DEFAULT_COOLDOWN_SECONDS,
  DEFAULT_LEEWAY_SECONDS,
  JwksSource,
  Refusal,
  Verifier,
  loadPublicKey,
  messageOf,
  parseAlgorithms,
  parseWholeNumber,
  type KeySource,
} from './verifier.ts';

const USAGE =
  'usage: jwt-verification (--jwks <file or URL> | --public-key <PEM file>) --issuer <iss> --audience <aud>' +
  ' [--algorithms <list>] [--leeway <seconds>] <token>';

async function main(): Promise<number> {
  let verifier: Verifier;
  let token: string;
  try {
    ({ verifier, token } = await configure());
  } catch (e) {
    process.stderr.write(`${messageOf(e)}; ${USAGE}\n`);
    return 2;
  }
  try {
    const claims = await verifier.verify(token);
    process.stdout.write(`${JSON.stringify(claims)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    process.stderr.write(`refused: ${e.message}\n`);
    return 1;
  }
}

async function configure(): Promise<{ verifier: Verifier; token: string }> {
  const env = (name: string): string | undefined => (process.env[name] === '' ? undefined : process.env[name]);
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      jwks: { type: 'string' },
      'public-key': { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      algorithms: { type: 'string' },
      leeway: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new Error('give exactly one token');
  if (values.jwks !== undefined && values['public-key'] !== undefined) {
    throw new Error('give --jwks or --public-key, not both');
  }
  const issuer = values.issuer ?? env('WEBAUTHN_ISSUER');
  const audience = values.audience ?? env('WEBAUTHN_AUDIENCE');
  if (!issuer) throw new Error('--issuer (or WEBAUTHN_ISSUER) is missing');
  if (!audience) throw new Error('--audience (or WEBAUTHN_AUDIENCE) is missing');
  const algorithms = parseAlgorithms(values.algorithms ?? env('WEBAUTHN_ALGORITHMS') ?? DEFAULT_ALGORITHMS);
  const leewaySeconds = parseWholeNumber('--leeway', values.leeway ?? String(DEFAULT_LEEWAY_SECONDS));

  let keys: KeySource;
  const publicKey = values['public-key'];
  if (publicKey !== undefined) {
    keys = await loadPublicKey(publicKey, algorithms).catch((e: unknown) => {
      throw new Error(`cannot use the public key: ${messageOf(e)}`);
    });
  } else {
    const jwks = values.jwks ?? env('WEBAUTHN_JWKS_URL') ?? env('WEBAUTHN_JWKS_FILE');
    if (jwks === undefined) throw new Error('--jwks (or WEBAUTHN_JWKS_URL / WEBAUTHN_JWKS_FILE) or --public-key is missing');
    try {
      // One run fetches once: an unknown kid is then within the cooldown of that fetch.
      keys = new JwksSource(jwks, DEFAULT_COOLDOWN_SECONDS, (line) => process.stderr.write(`${line}\n`));
    } catch (e) {
      throw new Error(`cannot use the JWKS: ${messageOf(e)}`);
    }
  }
  const token = (positionals[0] ?? '').trim();
  return { verifier: new Verifier({ keys, issuer, audience, algorithms, leewaySeconds }), token };
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${messageOf(e)}\n`);
    process.exitCode = 2;
  },
);
