#!/usr/bin/env bash
# Values of this project, set at generation (the goals read the paths and webauthn.keys.exportPublicKey from pom.xml):
DEFAULT_JWKS_URL="${serverUrl.replaceAll('/$', '')}/.well-known/jwks.json"
PUBLIC_KEY_FILE="${publicKeyPath}"
#[[
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/export-public-key.sh [--from-ring | --url <jwks-url>] [--allow-http]

Writes the JWKS that verifiers fetch or copy (config/webauthn-jwks.json) and, unless webauthn.keys.exportPublicKey is
false in pom.xml, the PEM of the key that signs now, for verifiers that pin one key ($PUBLIC_KEY_FILE). Then prints
each file it wrote or found unchanged, with the key ids it holds.

  --from-ring        from this project's key ring (docker/secrets/jwt_signing_keys.json); the default
  --url <jwks-url>   from a running server's JWKS, fetched and validated, e.g. $DEFAULT_JWKS_URL
  --allow-http       accept plain http for a host other than localhost (trusted internal networks only)
  -h, --help         this help
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
  # From a server, export-key writes the JWKS as well as the PEM.
  goals=(webauthn-keys:export-key "-Dwebauthn.keys.jwksUrl=$url")
  from="$url"
else
  goals=(webauthn-keys:export-key webauthn-keys:generate-jwks)
  from="the key ring docker/secrets/jwt_signing_keys.json"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Not quiet: the goals' lines say what they wrote. (An empty array under set -u fails on bash 3.2, hence the +.)
./mvnw -B -ntp "${goals[@]}" ${source_args[@]+"${source_args[@]}"} | tee "$log"

echo
echo "Exported from $from:"
# The goals' own lines: each names a file, written or unchanged, and the key ids it holds; or why no PEM was written.
grep -E '(Wrote|Unchanged:) (public key|JWKS) |no PEM|did nothing' "$log" | sed -e 's/^\[INFO\] /  /' -e "s| $PWD/| |"
]]#
