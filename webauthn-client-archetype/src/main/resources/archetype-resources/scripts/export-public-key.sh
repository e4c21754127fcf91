#!/usr/bin/env bash
# Values of this project, set at generation:
DEFAULT_JWKS_URL="${serverUrl.replaceAll('/$', '')}/.well-known/jwks.json"
#[[
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/export-public-key.sh [--from-ring | --url <jwks-url>] [--allow-http]

Writes the public key that verifiers pin (config/webauthn-public-key.pem) and the JWKS (config/webauthn-jwks.json).

  --from-ring        from this project's key ring (docker/secrets/jwt_signing_keys.json); the default
  --url <jwks-url>   from a running server's JWKS, fetched and validated, e.g. $DEFAULT_JWKS_URL
  --allow-http       accept plain http for a host other than localhost (trusted internal networks only)
  -h, --help         this help

Copy config/webauthn-public-key.pem or, better, config/webauthn-jwks.json to the services that verify tokens.
USAGE
}

source_args=()
url=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --from-ring) url=""; shift ;;
    --url) [[ $# -ge 2 ]] || { echo "error: --url needs a value" >&2; exit 2; }; url="$2"; shift 2 ;;
    --allow-http) source_args+=("-Dwebauthn.keys.allowHttp=true"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
if [[ -n "$url" ]]; then
  ./mvnw -B -q webauthn-keys:export-key "-Dwebauthn.keys.jwksUrl=$url" "${source_args[@]}"
  echo "Exported the key of $url to config/webauthn-public-key.pem and config/webauthn-jwks.json"
else
  ./mvnw -B -q webauthn-keys:export-key webauthn-keys:generate-jwks
  echo "Exported the ring's public keys to config/webauthn-public-key.pem and config/webauthn-jwks.json"
fi
]]#
