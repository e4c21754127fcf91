#!/bin/sh
# The official redis entrypoint's contract: started as root for redis-server, it gives /data to redis and runs the
# server as redis.
set -e
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find /data \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
exec "$@"
