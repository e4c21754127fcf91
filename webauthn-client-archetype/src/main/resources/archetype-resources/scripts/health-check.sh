#!/usr/bin/env bash
# Values of this project, set at generation:
SERVER_URL="${serverUrl.replaceAll('/$', '')}"
POSTGRES_PORT="${postgresPort}"
REDIS_PORT="${redisPort}"
#[[
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/health-check.sh [--server <url>] [--postgres-host <host>] [--postgres-port <port>]
                               [--redis-host <host>] [--redis-port <port>] [--compose]

Checks every service of the stack that it can reach, one line each, and exits non-zero if any check fails:
  server     GET <url>/health answers 200 with "UP", and <url>/.well-known/jwks.json holds keys
  postgres   a real login with docker/secrets/postgres_password and SELECT 1 (psql)
  redis      AUTH with docker/secrets/redis_password and PING (redis-cli)

  --server <url>          default $SERVER_URL
  --postgres-host/-port   default 127.0.0.1:$POSTGRES_PORT (the stack's host port)
  --redis-host/-port      default 127.0.0.1:$REDIS_PORT
  --postgres-db <name>    default webauthn
  --postgres-password-file, --redis-password-file
                          default docker/secrets/postgres_password and docker/secrets/redis_password
  --compose               run the PostgreSQL and Redis checks inside the Compose containers
                          (docker compose exec), for production mode where no host ports are published
  -h, --help              this help
Passwords are read from the secret files and passed through the environment of the client only; they are never
printed.
USAGE
}

server="$SERVER_URL"; pg_host=127.0.0.1; pg_port="$POSTGRES_PORT"; redis_host=127.0.0.1; redis_port="$REDIS_PORT"
pg_db=webauthn; pg_password_file=docker/secrets/postgres_password; redis_password_file=docker/secrets/redis_password
compose=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server) server="${2:?--server needs a URL}"; shift 2 ;;
    --postgres-host) pg_host="${2:?}"; shift 2 ;;
    --postgres-port) pg_port="${2:?}"; shift 2 ;;
    --redis-host) redis_host="${2:?}"; shift 2 ;;
    --redis-port) redis_port="${2:?}"; shift 2 ;;
    --postgres-db) pg_db="${2:?}"; shift 2 ;;
    --postgres-password-file) pg_password_file="${2:?}"; shift 2 ;;
    --redis-password-file) redis_password_file="${2:?}"; shift 2 ;;
    --compose) compose=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
failures=0
report() { # name, ok|FAIL, detail
  printf '%-9s %-4s %s\n' "$1" "$2" "$3"
  [[ "$2" == ok ]] || failures=$((failures + 1))
}

if body=$(curl -fsS --max-time 5 "$server/health" 2>&1) && [[ "$body" == *'"status":"UP"'* ]]; then
  report server ok "$server/health: $body"
else
  report server FAIL "$server/health: ${body:-no answer}"
fi
if jwks=$(curl -fsS --max-time 5 "$server/.well-known/jwks.json" 2>&1) && [[ "$jwks" == *'"kid"'* ]]; then
  report jwks ok "$server/.well-known/jwks.json serves $(grep -o '"kid"' <<<"$jwks" | wc -l | tr -d ' ') key(s)"
else
  report jwks FAIL "$server/.well-known/jwks.json: ${jwks:-no answer}"
fi

dc() { docker compose -f docker/docker-compose.yml "$@"; }
# GNU timeout is not on macOS: runs a command, killing it after the given seconds.
within() { # seconds, command...
  "${@:2}" &
  local pid=$!
  (sleep "$1"; kill "$pid" 2>/dev/null) >/dev/null 2>&1 &
  local watchdog=$!
  local status=0
  wait "$pid" || status=$?
  kill "$watchdog" 2>/dev/null || true
  return "$status"
}
if $compose; then
  # shellcheck disable=SC2016 # expanded by the container's shell, which reads the secret
  if dc exec -T postgres sh -c 'PGPASSWORD="$(cat /run/secrets/postgres_password)" psql -h 127.0.0.1 -U webauthn -d webauthn -tAc "SELECT 1"' 2>&1 | grep -q 1; then
    report postgres ok "login and SELECT 1 inside the postgres container"
  else
    report postgres FAIL "login or query failed inside the postgres container"
  fi
  # shellcheck disable=SC2016 # expanded by the container's shell, which reads the secret
  if dc exec -T redis sh -c 'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli -h 127.0.0.1 ping' 2>&1 | grep -q PONG; then
    report redis ok "AUTH and PING inside the redis container"
  else
    report redis FAIL "AUTH or PING failed inside the redis container"
  fi
else
  if ! command -v psql >/dev/null; then
    report postgres FAIL "psql is not installed (apt-get install postgresql-client), or use --compose"
  elif PGPASSWORD="$(cat "$pg_password_file")" PGCONNECT_TIMEOUT=5 \
      psql -h "$pg_host" -p "$pg_port" -U webauthn -d "$pg_db" -tAc 'SELECT 1' 2>/dev/null | grep -q 1; then
    report postgres ok "login as webauthn and SELECT 1 on $pg_host:$pg_port"
  else
    report postgres FAIL "no authenticated connection to $pg_host:$pg_port"
  fi
  if ! command -v redis-cli >/dev/null; then
    report redis FAIL "redis-cli is not installed (apt-get install redis-tools), or use --compose"
  elif [[ "$(REDISCLI_AUTH="$(cat "$redis_password_file")" within 5 redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" == PONG ]]; then
    report redis ok "AUTH and PING on $redis_host:$redis_port"
  else
    report redis FAIL "no authenticated PING on $redis_host:$redis_port"
  fi
fi

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
]]#
