#!/usr/bin/env bash
# Values of this project, set at generation (the key algorithm, publish-ahead time and token lifetime live in
# pom.xml, where webauthn-keys:rotate reads them):
ROTATION_INTERVAL="${keyRotationInterval}"
SERVER_URL="${serverUrl.replaceAll('/$', '')}"
PUBLIC_KEY_FILE="${publicKeyPath}"
#[[
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/rotate-keys.sh [--revoke <kid>] [--algorithm <alg>] [--server <url>] [--no-confirm]

Rotates the JWT signing keys (docker/secrets/jwt_signing_keys.json) with webauthn-keys:rotate and refreshes
config/webauthn-jwks.json and, unless webauthn.keys.exportPublicKey is false in pom.xml, $PUBLIC_KEY_FILE; prints the
files written with their key ids, and the new key id. Run it every $ROTATION_INTERVAL (for example from cron).

  (no option)        staged rotation: the next key is published now and signs after the publish-ahead time
                     (webauthn.keys.publishAhead in pom.xml)
  --revoke <kid>     emergency: remove that key at once; a new key signs immediately and every token the revoked
                     key signed fails as soon as verifiers refresh their JWKS
  --algorithm <alg>  algorithm of the new key (RS256, RS384, RS512, PS256, ES256, ES384, EdDSA)
  --server <url>     the running server whose JWKS must show the change (default $SERVER_URL): the script waits
                     up to 15 s for the new key to be published (and a revoked one to be gone) and fails if it is
                     not; a server that does not answer is reported and not waited for
  --no-confirm       do not ask the running server
  -h, --help         this help
USAGE
}

args=()
revoke=""
server="$SERVER_URL"
confirm=true
while [[ $# -gt 0 ]]; do
  case "$1" in
    --revoke) [[ $# -ge 2 ]] || { echo "error: --revoke needs a key id" >&2; exit 2; }; revoke="$2"; args+=("-Dwebauthn.keys.revoke=$2"); shift 2 ;;
    --algorithm) [[ $# -ge 2 ]] || { echo "error: --algorithm needs a value" >&2; exit 2; }; args+=("-Dwebauthn.keys.algorithm=$2"); shift 2 ;;
    --server) [[ $# -ge 2 ]] || { echo "error: --server needs a URL" >&2; exit 2; }; server="${2%/}"; shift 2 ;;
    --no-confirm) confirm=false; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
jwks_file=config/webauthn-jwks.json
kids() { grep -o '"kid" *: *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' | sort; }
before=$( { [[ -f "$jwks_file" ]] && kids < "$jwks_file"; } || true)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Not quiet: the goal's lines name the new key, when it starts signing and when the previous one expires. (An empty
# array under set -u fails on bash 3.2, hence the +.)
./mvnw -B -ntp webauthn-keys:rotate ${args[@]+"${args[@]}"} | tee "$log"
added=$(comm -13 <(printf '%s\n' "$before") <(kids < "$jwks_file") | grep -v '^$' || true)
pem=$(sed -n -E 's/^\[INFO\] (Wrote|Unchanged:) public key (.*) \([^)]*\)$/\2/p' "$log")
pem="${pem#"$PWD"/}"
pinned() { # when: what services that pin the PEM must do
  if [[ -n "$pem" ]]; then
    echo "services that pin $pem must get the new file $1."
  else
    echo "no PEM is exported (webauthn.keys.exportPublicKey is false in pom.xml), so no pinned copy needs replacing."
  fi
}
echo
echo "Public exports (file, key ids):"
grep -E '(Wrote|Unchanged:) (public key|JWKS) ' "$log" | sed -e 's/^\[INFO\] /  /' -e "s| $PWD/| |"
echo "New key: ${added:-none (see the lines of the goal above)}"

# A server that failed to re-read the ring keeps signing with, and publishing, the old keys (a revoked one too):
# ask it, rather than assume it followed.
if $confirm && [[ -n "$added" ]]; then
  published=""
  if ! published=$(curl -fsS --max-time 5 "$server/.well-known/jwks.json" 2>/dev/null); then
    echo "Not confirmed: $server does not answer; check its /.well-known/jwks.json once it runs (or pass --server)."
  else
    confirmed=false
    for _ in $(seq 1 30); do
      served=$(printf '%s' "$published" | kids)
      if grep -qx "$added" <<< "$served" && { [[ -z "$revoke" ]] || ! grep -qx "$revoke" <<< "$served"; }; then
        confirmed=true
        break
      fi
      sleep 0.5
      published=$(curl -fsS --max-time 5 "$server/.well-known/jwks.json" 2>/dev/null || true)
    done
    if $confirmed; then
      echo "Confirmed: $server publishes $added${revoke:+ and no longer $revoke}."
    else
      echo "error: $server still does not publish $added${revoke:+ or still publishes $revoke} after 15 s: it has not" \
        "re-read the ring (see its log and /health; is the ring file readable by the server's user?)" >&2
      exit 1
    fi
  fi
fi

echo
if [[ -n "$revoke" ]]; then
  cat <<NEXT
Revoked $revoke. What happens next:
  - Running servers read the new ring within a second (no restart) and sign with the new key now.
  - Verifiers that cache the JWKS drop $revoke at their next refresh (the server's JWKS allows 5 minutes of caching);
    $(pinned "and restart now")
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
    $(pinned "after the switch")
NEXT
fi
]]#
