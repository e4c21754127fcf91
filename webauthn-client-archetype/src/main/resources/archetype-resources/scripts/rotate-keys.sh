#!/usr/bin/env bash
# Values of this project, set at generation (the key algorithm, publish-ahead time and token lifetime live in
# pom.xml, where webauthn-keys:rotate reads them):
ROTATION_INTERVAL="${keyRotationInterval}"
#[[
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/rotate-keys.sh [--revoke <kid>] [--algorithm <alg>]

Rotates the JWT signing keys (docker/secrets/jwt_signing_keys.json) with webauthn-keys:rotate and refreshes
config/webauthn-public-key.pem and config/webauthn-jwks.json. Run it every $ROTATION_INTERVAL (for example from cron).

  (no option)        staged rotation: the next key is published now and signs after the publish-ahead time
                     (webauthn.keys.publishAhead in pom.xml)
  --revoke <kid>     emergency: remove that key at once; a new key signs immediately and every token the revoked
                     key signed fails as soon as verifiers refresh their JWKS
  --algorithm <alg>  algorithm of the new key (RS256, RS384, RS512, PS256, ES256, ES384, EdDSA)
  -h, --help         this help
USAGE
}

args=()
revoke=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --revoke) [[ $# -ge 2 ]] || { echo "error: --revoke needs a key id" >&2; exit 2; }; revoke="$2"; args+=("-Dwebauthn.keys.revoke=$2"); shift 2 ;;
    --algorithm) [[ $# -ge 2 ]] || { echo "error: --algorithm needs a value" >&2; exit 2; }; args+=("-Dwebauthn.keys.algorithm=$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
# Not quiet: the goal's lines name the new key, when it starts signing and when the previous one expires.
./mvnw -B -ntp webauthn-keys:rotate ${args[@]+"${args[@]}"}

echo
if [[ -n "$revoke" ]]; then
  cat <<NEXT
Revoked $revoke. What happens next:
  - Running servers read the new ring within a second (no restart) and sign with the new key now.
  - Verifiers that cache the JWKS drop $revoke at their next refresh (the server's JWKS allows 5 minutes of caching);
    services that pin config/webauthn-public-key.pem must get the new file and restart now.
  - Users signed in with tokens from $revoke must sign in again.
NEXT
else
  cat <<NEXT
Rotated. What happens next:
  - The new key is in config/webauthn-jwks.json and the server's JWKS now; it starts signing at the time the
    goal printed above (webauthn.keys.publishAhead from now).
  - Until then the current key keeps signing; it stays published until its last token expires (the expiry the goal
    printed: publish-ahead + token lifetime + 60 s clock skew from now), then the next rotation drops it.
  - Running servers pick the ring up within a second, no restart. Verifiers using the JWKS need nothing;
    services that pin config/webauthn-public-key.pem must get the new file after the switch.
NEXT
fi
]]#
