#!/bin/bash
# SQL plugin benchmark: rows/s written into MariaDB, PostgreSQL and SQLite by Debian's pmacctd
# 1.7.7 and by ours, in the same run, ratios printed (issue 16).
#
#   compat-tests/bench/sql-bench.sh [FLOWS] [BACKENDS] [RUNS]
#
# FLOWS (default 50000) flows of generated traffic (gen/gen_traffic.py, seed 7; cached in
# $TMPDIR) are read by each pmacctd with pcap_savefile into one SQL plugin: Debian's v9 table
# (fresh database per run, made by its own script), aggregate src_host, dst_host, src_port,
# dst_port, proto, tos (one row per flow key), sql_history 1h, one purge at the end
# (sql_refresh_time 86400, a cache with room for every row). pmacct 1.7.7 writes every row as
# UPDATE then INSERT; so does ours, unless the config says otherwise (same config for both).
#
# Rows/s = rows in the table / write time, the write time being from the final purge's
# "Purging cache - START" log line (stderr lines are time-stamped as they arrive) to the
# daemon's exit: the whole SQL write of both (pmacctd 1.7.7 writes in the plugin process
# before it exits; ours queues to a writer thread and exits when it has drained), without
# pmacctd 1.7.7's start-up sleep or the savefile reading. Runs alternate pmacct, ours,
# pmacct, ...; medians are printed with the ratio ours/pmacct. The rows of both tables are
# compared (stamp_updated aside).
# BACKENDS: any of "mysql pgsql sqlite3" (default all three); the servers come from
# .ci/mariadb.sh / .ci/postgres.sh (started here if not running). RUNS (default 3).
# Builds our release pmacctd unless PMACCT_RS_PMACCTD is set; PMACCT_PMACCTD picks the oracle.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
flows=${1:-50000}
backends=${2:-mysql pgsql sqlite3}
runs=${3:-3}
oracle=${PMACCT_PMACCTD:-/usr/sbin/pmacctd}
ours=${PMACCT_RS_PMACCTD:-}
if [ -z "$ours" ]; then
  (cd "$root" && cargo build --release -q -p pmacct-bin --bin pmacctd)
  ours="${CARGO_TARGET_DIR:-$root/target}/release/pmacctd"
fi
tmp=${TMPDIR:-/tmp}
work="$tmp/sql-bench-$$"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
pcap="$tmp/sql-bench-$flows.pcap"
[ -s "$pcap" ] || /usr/bin/python3 "$root/compat-tests/gen/gen_traffic.py" 7 "$flows" "$pcap" >/dev/null
scripts="$root/compat-tests/sql/debian-1.7.7"
agg="src_host, dst_host, src_port, dst_port, proto, tos"
my() { mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "${MARIADB_PORT:-3306}" -u pmacct -parealsmartpwd -B -N "$@"; }
pg() { psql -X -q -h 127.0.0.1 -p "${PG_PORT:-5432}" -U postgres -v ON_ERROR_STOP=1 -A -t "$@"; }

for b in $backends; do
  case $b in
  mysql) bash "$root/.ci/mariadb.sh" start >/dev/null ;;
  pgsql) bash "$root/.ci/postgres.sh" start >/dev/null ;;
  esac
done

# fresh_db BACKEND NAME: an empty v9 table from Debian's script; prints the sql_db value.
fresh_db() {
  case $1 in
  mysql)
    sed -e "s/^drop database if exists pmacct;/drop database if exists $2;/" \
      -e "s/^create database pmacct;/create database $2;/" -e "s/^use pmacct;/use $2;/" \
      "$scripts/pmacct-create-db_v9.mysql" | my
    echo "$2" ;;
  pgsql)
    pg -d postgres -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2 OWNER pmacct" >/dev/null 2>&1
    pg -d "$2" -f "$scripts/pmacct-create-table_v9.pgsql" >/dev/null 2>&1
    echo "$2" ;;
  sqlite3)
    rm -f "$work/$2.db"
    sqlite3 "$work/$2.db" <"$scripts/pmacct-create-table_v9.sqlite3"
    echo "$work/$2.db" ;;
  esac
}

dump() { # BACKEND DB: the rows, stamp_updated aside, sorted
  local cols="tag, class_id, mac_src, mac_dst, vlan, as_src, as_dst, ip_src, ip_dst, port_src, port_dst, tcp_flags, ip_proto, tos, packets, bytes, flows, stamp_inserted"
  case $1 in
  mysql) my -D "$2" -e "SELECT $cols FROM acct_v9" ;;
  pgsql) pg -d "$2" -F $'\t' -c "SELECT $cols FROM acct_v9" ;;
  sqlite3) sqlite3 -separator $'\t' "$2" "SELECT $cols FROM acct_v9" ;;
  esac | sort
}

drop_db() {
  case $1 in
  mysql) my -e "DROP DATABASE IF EXISTS $2" ;;
  pgsql) pg -d postgres -c "DROP DATABASE IF EXISTS $2" >/dev/null 2>&1 ;;
  sqlite3) rm -f "$2" ;;
  esac
}

# run NAME BINARY PLUGIN-LINES: seconds from the last "Purging cache - START" to the exit
run() {
  local dir="$work/$1"
  mkdir -p "$dir"
  {
    echo "daemonize: false"
    echo "pcap_savefile: $pcap"
    echo "aggregate: $agg"
    printf '%s\n' "$3"
  } >"$dir/pmacctd.conf"
  TZ=UTC "$2" -f "$dir/pmacctd.conf" 2>&1 </dev/null |
    while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done >"$dir/log"
  local end
  end=$(date +%s.%N)
  awk -v end="$end" '/Purging cache - START/ {s = $1} END {if (s) printf "%.3f\n", end - s; else print "nan"}' "$dir/log"
}

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "savefile: $pcap ($flows flows), runs: $runs, pmacct: $oracle, ours: $ours"

for b in $backends; do
  conn=""
  [ "$b" = sqlite3 ] || conn="sql_host: 127.0.0.1
sql_user: pmacct
sql_passwd: arealsmartpwd"
  [ "$b" = mysql ] && conn="$conn
sql_port: ${MARIADB_PORT:-3306}"
  [ "$b" = pgsql ] && conn="$conn
sql_port: ${PG_PORT:-5432}"
  for i in $(seq 1 "$runs"); do
    for who in pmacct ours; do
      bin=$oracle; [ $who = ours ] && bin=$ours
      db=$(fresh_db "$b" "sqlbench_${who}")
      t=$(run "$b-$who" "$bin" "plugins: $b
$conn
sql_db: $db
sql_table: acct_v9
sql_table_version: 9
sql_refresh_time: 86400
sql_cache_entries: 1000003
sql_history: 1h
sql_history_roundoff: h")
      echo "$t" >>"$work/t-$b-$who"
      dump "$b" "$db" >"$work/rows-$b-$who"
      [ "$i" = "$runs" ] || drop_db "$b" "$db"
    done
  done
  line="$b:"
  for who in pmacct ours; do
    n=$(wc -l <"$work/rows-$b-$who")
    t=$(median <"$work/t-$b-$who")
    rps=$(echo "$n $t" | awk '$2 == "nan" || $1 == 0 {print 0; next} {d=$2; if (d < 0.001) d=0.001; printf "%.0f", $1/d}')
    echo "$rps" >"$work/rps-$b-$who"
    errors=$(grep -c ERROR "$work/$b-$who/log" || true)
    line="$line  $who rows=$n write=${t}s rows/s=$rps errors=$errors"
  done
  ratio=$(awk '{print $1}' "$work/rps-$b-pmacct" "$work/rps-$b-ours" | paste -sd' ' | awk '{if ($1 > 0 && $2 > 0) printf "%.2f", $2/$1; else print "n/a"}')
  if cmp -s "$work/rows-$b-pmacct" "$work/rows-$b-ours"; then same=identical; else
    same="DIFFER ($(diff "$work/rows-$b-pmacct" "$work/rows-$b-ours" | grep -c '^[<>]') lines)"
  fi
  echo "$line  ours/pmacct rows/s=$ratio  tables: $same"
  for who in pmacct ours; do [ "$b" = sqlite3 ] || drop_db "$b" "sqlbench_$who"; done
done
