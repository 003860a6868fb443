#!/usr/bin/env bash
# A throwaway MariaDB server (Debian's mariadb-server) for the SQL plugin tests and CI:
# a private instance on 127.0.0.1, data in a temporary directory, never the system service.
#
#   .ci/mariadb.sh [start]   initialise and start on 127.0.0.1:$MARIADB_PORT, wait until it answers
#                            (idempotent: a server already answering there as pmacct is reused)
#   .ci/mariadb.sh stop      stop the server this script started (by its recorded PID only) and
#                            delete its data directory
#   .ci/mariadb.sh halt      stop it but keep its data (a later start restarts it: outage tests)
#   .ci/mariadb.sh status    exit 0 if the server answers on 127.0.0.1:$MARIADB_PORT as pmacct
#   .ci/mariadb.sh sql       print a client command line for the superuser (used by tests)
#
# Accounts (pmacct's defaults, see /usr/share/doc/pmacct/sql/pmacct-grant-db.mysql):
#   pmacct / arealsmartpwd, from 127.0.0.1 and localhost, ALL PRIVILEGES ON *.* WITH GRANT OPTION
#   (creates databases; tests use it as superuser too); root over the unix socket, no password.
# sql_mode is NO_ENGINE_SUBSTITUTION: pmacct 1.7.7 relies on a lenient mode (in strict mode
# MariaDB rejects every row it writes without sql_history).
# Clients on "localhost" use the unix socket: export MYSQL_UNIX_PORT=$MARIADB_DIR/mysqld.sock
# (libmariadb honours it) or use sql_host: 127.0.0.1.
#
# Environment: MARIADB_PORT (3306), MARIADB_DIR (${TMPDIR:-/tmp}/pmacct-rs-mariadb-$MARIADB_PORT),
#              MARIADB_TLS_DIR (unset: no TLS): a directory holding ca.crt, server.crt and
#              server.key (PEM); the server then offers TLS with them (sql_conn_ca_file tests).
set -euo pipefail
PORT=${MARIADB_PORT:-3306}
DIR=${MARIADB_DIR:-${TMPDIR:-/tmp}/pmacct-rs-mariadb-$PORT}
TLS_DIR=${MARIADB_TLS_DIR:-}
DATA="$DIR/data"
SOCK="$DIR/mysqld.sock"
PIDFILE="$DIR/mariadbd.pid"
LOG="$DIR/mariadbd.log"
MARIADBD=${MARIADBD:-$(command -v mariadbd || echo /usr/sbin/mariadbd)}

log() { echo "mariadb: $*" >&2; }

answers() {
    mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$PORT" -u pmacct -parealsmartpwd \
        --connect-timeout=2 -N -e 'SELECT 1' >/dev/null 2>&1
}

our_pid() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid=$(cat "$PIDFILE")
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

tls_args() {
    if [ -n "$TLS_DIR" ]; then
        echo "--ssl-ca=$TLS_DIR/ca.crt --ssl-cert=$TLS_DIR/server.crt --ssl-key=$TLS_DIR/server.key"
    fi
}

run_as_args() {
    # mariadbd refuses to run as root unless told so explicitly; the data is ours alone.
    if [ "$(id -u)" -eq 0 ]; then echo --user=root; fi
}

start() {
    if answers; then log "a server already answers on 127.0.0.1:$PORT"; return 0; fi
    if pid=$(our_pid); then
        log "mariadbd pid $pid is running but does not answer; restarting it"
        stop
    fi
    [ -x "$MARIADBD" ] || { log "mariadbd not found (apt-get install mariadb-server)"; return 1; }
    local t0=$SECONDS fresh=0
    mkdir -p "$DIR"
    if [ ! -d "$DATA/mysql" ]; then
        fresh=1
        rm -rf "$DATA"
        mariadb-install-db --no-defaults $(run_as_args) --datadir="$DATA" \
            --auth-root-authentication-method=socket --skip-test-db >"$DIR/install.log" 2>&1 ||
            { log "mariadb-install-db failed; log follows"; cat "$DIR/install.log" >&2; return 1; }
    fi
    (exec setsid "$MARIADBD" --no-defaults $(run_as_args) --datadir="$DATA" \
        --socket="$SOCK" --port="$PORT" --bind-address=127.0.0.1 --skip-name-resolve $(tls_args) \
        --pid-file="$DIR/mariadbd.pidfile" --log-error="$LOG" --skip-log-bin \
        --sql-mode=NO_ENGINE_SUBSTITUTION --character-set-server=utf8mb4 \
        --innodb-buffer-pool-size=64M --innodb-log-file-size=48M \
        --innodb-flush-log-at-trx-commit=2 --max-connections=500 \
        </dev/null >>"$LOG" 2>&1) &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 300); do
        if mariadb --no-defaults -S "$SOCK" -u root -N -e 'SELECT 1' >/dev/null 2>&1; then break; fi
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            log "mariadbd exited; log follows"; cat "$LOG" >&2; return 1
        fi
        sleep 0.1
    done
    if [ "$fresh" = 1 ] || ! answers; then
        mariadb --no-defaults -S "$SOCK" -u root <<'EOF'
CREATE USER IF NOT EXISTS 'pmacct'@'127.0.0.1' IDENTIFIED BY 'arealsmartpwd';
CREATE USER IF NOT EXISTS 'pmacct'@'localhost' IDENTIFIED BY 'arealsmartpwd';
CREATE USER IF NOT EXISTS 'pmacct'@'::1' IDENTIFIED BY 'arealsmartpwd';
GRANT ALL PRIVILEGES ON *.* TO 'pmacct'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'pmacct'@'localhost' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'pmacct'@'::1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
    fi
    if answers; then
        echo "mariadb ready on 127.0.0.1:$PORT, socket $SOCK (pid $(cat "$PIDFILE"), $((SECONDS - t0)) s)"
        return 0
    fi
    log "mariadb not ready after 30 s; log follows"; cat "$LOG" >&2; return 1
}

halt() {
    local pid
    if pid=$(our_pid); then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        log "stopped pid $pid"
    fi
    rm -f "$PIDFILE"
}

stop() {
    halt
    # Only a directory this script made (it holds our data/ and log) is removed.
    if [ -d "$DATA" ] && [ -f "$LOG" ]; then rm -rf "$DIR"; fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
halt) halt ;;
restart) stop; start ;;
status) answers ;;
sql) echo "mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P $PORT -u pmacct -parealsmartpwd" ;;
*) echo "usage: $0 [start|stop|halt|restart|status|sql]" >&2; exit 2 ;;
esac
