#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on loopback for the storage tests and prints its URL.
# Installs the server from the OS packages when the machine has none. Used by .ci/run; developers
# can run it too: export LOYALTY_BOT_TEST_POSTGRES_URL="$(bash .ci/postgres.sh)"
set -euo pipefail

find_bin() {
    local name=$1
    command -v "$name" 2>/dev/null && return 0
    ls /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(find_bin initdb)" ]; then
    echo "installing PostgreSQL from the OS packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)

PORT=${PGTEST_PORT:-54329}
DATA=${PGTEST_DIR:-/tmp/loyalty-bot-pgtest}
RUN_AS=postgres
id "$RUN_AS" >/dev/null 2>&1 || useradd --system --no-create-home "$RUN_AS"

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        su -s /bin/sh "$RUN_AS" -c "$*"
    else
        sh -c "$*"
    fi
}

if ! as_pg "$PG_CTL -D $DATA status" >/dev/null 2>&1; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown "$RUN_AS" "$DATA"
    as_pg "$INITDB -D $DATA --auth=trust --username=postgres --encoding=UTF8" >/dev/null
    as_pg "$PG_CTL -D $DATA -l $DATA/server.log -w -o \"-c listen_addresses=127.0.0.1 -p $PORT -k $DATA\" start" >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$PORT/postgres"
