#!/usr/bin/env bash
# A throwaway RabbitMQ node for pmacct-rs tests and CI (the amqp plugin's differential and
# outage tests): Debian's rabbitmq-server, a private node (own name, cookie, epmd port, data
# and logs in a temp dir), listening on 127.0.0.1 only, no plugins.
#
#   .ci/rabbitmq.sh [start]   start on 127.0.0.1:$AMQP_PORT and wait until it serves
#                             (idempotent: a node of ours already running is reused)
#   .ci/rabbitmq.sh stop      stop the node this script started (rabbitmqctl stop, then its
#                             recorded PID only) and its private epmd
#   .ci/rabbitmq.sh status    exit 0 if our node is up
#   .ci/rabbitmq.sh env       print the environment that reaches our node with rabbitmqctl
#
# Environment: AMQP_PORT (5672), AMQP_DIST_PORT (25672), AMQP_EPMD_PORT (4370),
#              RABBITMQ_DIR (${TMPDIR:-/tmp}/pmacct-rs-rabbitmq-$AMQP_PORT).
# Package: rabbitmq-server (.ci/deps.sh). Default user guest/guest, vhost /.
set -euo pipefail
PORT=${AMQP_PORT:-5672}
DIST=${AMQP_DIST_PORT:-25672}
EPMD=${AMQP_EPMD_PORT:-4370}
DIR=${RABBITMQ_DIR:-${TMPDIR:-/tmp}/pmacct-rs-rabbitmq-$PORT}
NODE="pmacctrs$PORT@localhost"

# The scripts themselves: Debian's /usr/sbin wrappers switch to the rabbitmq user (whose
# HOME holds another cookie and who cannot write our temp dir).
BIN=/usr/lib/rabbitmq/bin

log() { echo "rabbitmq: $*" >&2; }

node_env() {
    export HOME="$DIR/home" \
        RABBITMQ_NODENAME="$NODE" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$PORT" \
        RABBITMQ_DIST_PORT="$DIST" \
        ERL_EPMD_PORT="$EPMD" \
        ERL_EPMD_ADDRESS=127.0.0.1 \
        RABBITMQ_MNESIA_BASE="$DIR/mnesia" \
        RABBITMQ_LOG_BASE="$DIR/log" \
        RABBITMQ_PID_FILE="$DIR/rabbitmq.pid" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" \
        RABBITMQ_CONFIG_FILE="$DIR/rabbitmq" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config" \
        RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
}

ctl() { timeout 30 "$BIN/rabbitmqctl" -q "$@"; }

up() { node_env; ctl status >/dev/null 2>&1; }

start() {
    [ -x "$BIN/rabbitmq-server" ] || { log "rabbitmq-server is not installed (.ci/deps.sh)"; exit 1; }
    mkdir -p "$DIR/home" "$DIR/mnesia" "$DIR/log"
    if up; then log "node $NODE already up on 127.0.0.1:$PORT"; return 0; fi
    node_env
    printf '[].\n' >"$DIR/enabled_plugins"
    # Erlang distribution on loopback too (rabbitmqctl talks to the node through it).
    printf '[{kernel, [{inet_dist_use_interface, {127,0,0,1}}]}].\n' >"$DIR/advanced.config"
    : >"$DIR/rabbitmq-env.conf"
    # Loopback only; guest may log in from 127.0.0.1 (the default).
    printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\n' "$PORT" >"$DIR/rabbitmq.conf"
    local t0=$SECONDS
    setsid "$BIN/rabbitmq-server" >"$DIR/log/server.out" 2>&1 </dev/null &
    echo $! >"$DIR/launcher.pid"
    # rabbitmqctl wait blocks until the app has booted (or the node died).
    if ! timeout 120 "$BIN/rabbitmqctl" -q wait "$DIR/rabbitmq.pid" >/dev/null 2>&1; then
        log "node did not start; see $DIR/log"; tail -20 "$DIR/log/server.out" >&2 || true
        exit 1
    fi
    log "node $NODE up on 127.0.0.1:$PORT in $((SECONDS - t0)) s (data and logs in $DIR)"
}

stop() {
    node_env
    if [ -d "$DIR" ]; then
        ctl stop >/dev/null 2>&1 || true
        for f in rabbitmq.pid launcher.pid; do
            # The node removes its pid file as `ctl stop` ends it: gone by now is fine.
            if pid=$(cat "$DIR/$f" 2>/dev/null) && [ -n "$pid" ]; then
                kill "$pid" 2>/dev/null || true
                for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            fi
        done
        epmd -port "$EPMD" -kill >/dev/null 2>&1 || true
        log "stopped $NODE"
    fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
status) up ;;
env) node_env; env | grep -E '^(HOME|RABBITMQ_|ERL_EPMD_)' ;;
*) echo "usage: $0 [start|stop|status|env]" >&2; exit 2 ;;
esac
