#!/usr/bin/env python3
"""Run netflow.sql's materialized-view SELECT over real records with chDB (embedded ClickHouse).

usage: check-select.py RECORDS.json   (one JSON object per line: print plugin json output or
                                       messages read from the topic)
needs: pip install chdb

The Kafka engine itself is not available in chDB; the view's SELECT is what converts pmacct's
strings to typed columns, so it is what this checks: every record parses, nothing is NULL or
zero where the record has a value.
"""
import os
import re
import sys

import chdb

here = os.path.dirname(os.path.abspath(__file__))
sql = open(os.path.join(here, "netflow.sql")).read()
queue_cols = re.search(r"CREATE TABLE netflow_queue\s*\((.*?)\)\s*ENGINE", sql, re.S).group(1)
queue_cols = " ".join(queue_cols.split())
select = re.search(r"AS\s+(SELECT.*?)FROM netflow_queue;", sql, re.S).group(1)
path = os.path.abspath(sys.argv[1])
n_in = sum(1 for l in open(path) if l.strip())
query = f"{select} FROM file('{path}', JSONEachRow, '{queue_cols}')"
out = chdb.query(
    f"SELECT count(), countIf(stamp_inserted = 0), countIf(timestamp_start = 0), "
    f"countIf(ip_src = toIPv6('::')), sum(packets), sum(bytes) FROM ({query})",
    "TSV",
)
count, zero_bins, zero_starts, zero_src, packets, bytes_ = map(int, str(out).split())
print(f"records in: {n_in}, rows out: {count}, packets {packets}, bytes {bytes_}")
if count != n_in or zero_bins or zero_starts or zero_src:
    print(f"FAIL: zero stamp_inserted {zero_bins}, zero timestamp_start {zero_starts}, "
          f"zero ip_src {zero_src}")
    sys.exit(1)
print("OK")
