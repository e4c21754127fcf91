## Velocity template: lines starting with two hashes are template comments.
# Runs once, when PostgreSQL initialises an empty data directory (the image's /docker-entrypoint-initdb.d contract;
# the entrypoint sources it, so it neither sets shell options nor exits). The passkey server logs in as 'webauthn', an
# ordinary role that owns its database, never as the superuser; the superuser (POSTGRES_USER) may log in only over the
# container's own socket, for an operator:
#   docker compose -f docker/docker-compose.yml exec postgres psql -U webauthn_admin -d webauthn
#[[
psql -v ON_ERROR_STOP=1 -v password="$POSTGRES_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE webauthn LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'password';
ALTER DATABASE webauthn OWNER TO webauthn;
ALTER SCHEMA public OWNER TO webauthn;
SQL
sed -i "1i host all $POSTGRES_USER all reject" "$PGDATA/pg_hba.conf"
]]#
