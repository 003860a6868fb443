#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server (Debian's postgresql-15) for the SQL plugin tests and CI:
# a private instance on 127.0.0.1, data in a temporary directory, never the system service.
#
#   .ci/postgres.sh [start]   initdb and start on 127.0.0.1:$PG_PORT, wait until it answers
#                             (idempotent: a server already answering there as pmacct is reused)
#   .ci/postgres.sh stop      stop the server this script started and delete its data directory
#   .ci/postgres.sh halt      stop it but keep its data (a later start restarts it: outage tests)
#   .ci/postgres.sh status    exit 0 if the server answers on 127.0.0.1:$PG_PORT as pmacct
#   .ci/postgres.sh sql       print a psql command line for the superuser (used by tests)
#
# PostgreSQL refuses to run as root: as root the server runs as the system user `postgres`
# (Debian's package creates it; created here as a system user if missing).
# Accounts: postgres, superuser, trusted from 127.0.0.1/::1 and the unix socket (tests);
#           pmacct / arealsmartpwd (pmacct's default, scram-sha-256), CREATEDB.
# Unix socket in $PG_DIR (libpq's default /var/run/postgresql is not ours): use 127.0.0.1.
#
# Environment: PG_PORT (5432), PG_DIR (${TMPDIR:-/tmp}/pmacct-rs-postgres-$PG_PORT),
#              PG_BIN (/usr/lib/postgresql/15/bin),
#              PG_TLS_DIR (unset: no TLS): a directory holding server.crt and server.key (PEM);
#              the server then has ssl=on with them and every user but postgres must use TLS
#              from 127.0.0.1/::1 (hostssl; hostnossl rejected) (sql_conn_ca_file tests).
set -euo pipefail
PORT=${PG_PORT:-5432}
DIR=${PG_DIR:-${TMPDIR:-/tmp}/pmacct-rs-postgres-$PORT}
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DATA="$DIR/data"
LOG="$DIR/postgres.log"
RUN_USER=postgres
TLS_DIR=${PG_TLS_DIR:-}

log() { echo "postgres: $*" >&2; }

as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --init-groups -- "$@"
    else
        "$@"
    fi
}

answers() {
    PGPASSWORD=arealsmartpwd PGCONNECT_TIMEOUT=2 psql -X -q -h 127.0.0.1 -p "$PORT" -U pmacct \
        -d postgres -tAc 'SELECT 1' >/dev/null 2>&1
}

our_pid() {
    [ -f "$DATA/postmaster.pid" ] || return 1
    local pid
    pid=$(head -1 "$DATA/postmaster.pid")
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

ensure_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    id -u "$RUN_USER" >/dev/null 2>&1 ||
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER"
}

start() {
    if answers; then log "a server already answers on 127.0.0.1:$PORT"; return 0; fi
    [ -x "$BIN/postgres" ] || { log "$BIN/postgres not found (apt-get install postgresql-15)"; return 1; }
    ensure_user
    local t0=$SECONDS fresh=0
    if our_pid >/dev/null; then
        log "postgres is running but does not answer as pmacct; setting up accounts"
    else
        if [ ! -f "$DATA/PG_VERSION" ]; then
            fresh=1
            rm -rf "$DIR"
            mkdir -p "$DIR"
            [ "$(id -u)" -ne 0 ] || chown "$RUN_USER" "$DIR"
            as_user "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
                -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
                { log "initdb failed; log follows"; cat "$DIR/initdb.log" >&2; return 1; }
            cat >"$DATA/pg_hba.conf" <<'EOF'
# private test instance: the superuser is trusted locally, everyone else gives a password
local all all                 trust
host  all postgres 127.0.0.1/32 trust
host  all postgres ::1/128      trust
host  all all      127.0.0.1/32 scram-sha-256
host  all all      ::1/128      scram-sha-256
EOF
            if [ -n "$TLS_DIR" ]; then
                # The server's copy of the key: PostgreSQL wants it private to its user.
                cp "$TLS_DIR/server.crt" "$TLS_DIR/server.key" "$DIR/"
                chmod 600 "$DIR/server.key"
                [ "$(id -u)" -ne 0 ] || chown "$RUN_USER" "$DIR/server.crt" "$DIR/server.key"
                sed -i 's/^host  all all /hostssl all all /' "$DATA/pg_hba.conf"
                printf '%s\n' 'hostnossl all all 127.0.0.1/32 reject' 'hostnossl all all ::1/128 reject' \
                    >>"$DATA/pg_hba.conf"
                printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n" \
                    "$DIR/server.crt" "$DIR/server.key" >>"$DATA/postgresql.auto.conf"
            fi
        fi
        # fsync off and a short checkpoint: a throwaway instance, speed over durability.
        as_user "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -s -w -t 30 start -o \
            "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" ||
            { log "postgres did not start; log follows"; cat "$LOG" >&2; return 1; }
    fi
    psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pmacct') THEN CREATE ROLE pmacct LOGIN; END IF;
END $$;
ALTER ROLE pmacct WITH LOGIN CREATEDB PASSWORD 'arealsmartpwd';
EOF
    if answers; then
        echo "postgres ready on 127.0.0.1:$PORT, socket dir $DIR (pid $(our_pid), $((SECONDS - t0)) s, fresh=$fresh)"
        return 0
    fi
    log "postgres does not answer as pmacct; log follows"; cat "$LOG" >&2; return 1
}

halt() {
    if our_pid >/dev/null; then
        as_user "$BIN/pg_ctl" -D "$DATA" -s -w -t 30 -m fast stop || true
        log "stopped"
    fi
}

stop() {
    halt
    # Only a directory this script made (it holds our data/) is removed.
    if [ -f "$DATA/PG_VERSION" ]; then rm -rf "$DIR"; fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
halt) halt ;;
restart) stop; start ;;
status) answers ;;
sql) echo "psql -X -h 127.0.0.1 -p $PORT -U postgres" ;;
*) echo "usage: $0 [start|stop|halt|restart|status|sql]" >&2; exit 2 ;;
esac
