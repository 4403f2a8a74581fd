#!/bin/sh
# Run once by the postgres image when it creates the primary's data (docker-entrypoint-initdb.d): the role the
# streaming replica connects as, and the pg_hba.conf line that lets it stream the write-ahead log. The primary's
# wal_level=replica and its WAL senders are set on its command line in docker-compose.yml.
set -eu

psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL

echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
