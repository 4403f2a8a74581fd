#!/bin/sh
# The streaming replica's entrypoint: on first start, an empty data folder is filled with pg_basebackup from the
# primary (-R writes standby.signal, so the server starts as a hot standby); then the image's own entrypoint runs the
# server as usual, following the primary through primary_conninfo. A later start finds the data and goes on streaming.
set -eu

: "${PRIMARY_HOST:=db}"
: "${PRIMARY_PORT:=5432}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in .env}"
conninfo="host=$PRIMARY_HOST port=$PRIMARY_PORT user=replicator password=$REPLICATION_PASSWORD application_name=db-replica"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until pg_isready -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -q; do
        echo "Waiting for the primary at $PRIMARY_HOST:$PRIMARY_PORT…"
        sleep 1
    done
    echo "Copying the primary's data (pg_basebackup)…"
    PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup \
        --host="$PRIMARY_HOST" --port="$PRIMARY_PORT" --username=replicator \
        --pgdata="$PGDATA" --wal-method=stream --checkpoint=fast --write-recovery-conf
fi

exec docker-entrypoint.sh postgres -c hot_standby=on -c "primary_conninfo=$conninfo" -c hot_standby_feedback=on
