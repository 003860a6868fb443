#!/bin/sh
# sql_trigger_exec of compat_sql's trigger_sqlite3 case: stores the environment the daemon
# gives its trigger into the database the daemon writes ($SQL_DB), as rows the harness
# compares with the other side's. Values that differ between the two sides by design (the
# database file, elapsed seconds) are stored as set/unset only. How a replay is split
# between purges depends on timing, so what is stored does not: the purge figures are
# summed over the runs (trigger_sums), the other variables of runs after a purge with
# entries (trigger_seen) and of runs after an empty purge (trigger_static) are stored once
# per distinct set.
set -u
q() { sqlite3 -cmd ".timeout 20000" "$SQL_DB" "$1"; }
val() { eval "printf '%s' \"\${$1-<unset>}\""; }
set_or_not() { eval "[ -n \"\${$1+x}\" ]" && printf set || printf unset; }
q "CREATE TABLE IF NOT EXISTS trigger_sums (name TEXT PRIMARY KEY, value INTEGER)"
q "CREATE TABLE IF NOT EXISTS trigger_seen (vars TEXT PRIMARY KEY)"
q "CREATE TABLE IF NOT EXISTS trigger_static (vars TEXT PRIMARY KEY)"
static="SQL_DB=$(set_or_not SQL_DB)"
for v in SQL_TABLE SQL_HOST SQL_USER SQL_REFRESH_TIME SAMPLING_RATE SQL_RECOVERY_BACKUP_HOST SQL_MAX_WRITERS; do
  static="$static $v=$(val $v)"
done
if [ -z "${TOTAL_ELEM_NUMBER+x}" ]; then
  q "INSERT OR IGNORE INTO trigger_static VALUES ('$static')"
  exit 0
fi
seen="$static"
for v in SQL_HISTORY_BASETIME SQL_HISTORY_TIMESLOT EFFECTIVE_SQL_TABLE; do
  seen="$seen $v=$(val $v)"
done
for v in ELAPSED_TIME SQL_ACTIVE_WRITERS; do
  seen="$seen $v=$(set_or_not $v)"
done
sql="INSERT OR IGNORE INTO trigger_seen VALUES ('$seen');"
for v in TOTAL_ELEM_NUMBER EFFECTIVE_ELEM_NUMBER INSERT_QUERIES_NUMBER UPDATE_QUERIES_NUMBER; do
  n=$(val $v)
  sql="$sql INSERT INTO trigger_sums VALUES ('$v', $n) ON CONFLICT(name) DO UPDATE SET value = value + $n;"
done
q "BEGIN IMMEDIATE; $sql COMMIT;"
