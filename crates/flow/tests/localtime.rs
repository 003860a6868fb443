//! Local time (the default, `timestamps_utc: false`) in a half-hour zone, against nfacctd
//! 1.7.7 run with TZ=Asia/Kolkata (tests/data/kolkata_101, gen.sh): timestamps rendered in
//! local time with and without rfc3339 (`+05:30`), and history bins rounded in local time
//! (1h bins starting on local hours, i.e. at :30 UTC). This binary sets its own TZ.

mod common;

use common::*;
use pmacct_flow::format::OutputFormat;

/// The flows of capture 101, read from the UTC golden (its own binary runs with TZ=UTC
/// semantics only for parsing, which is pure arithmetic).
fn flows() -> Vec<pmacct_flow::Flow> {
    flows_of(&wide_entries("nfv9_101"))
}

fn stamp_updated_secs(line: &str) -> u64 {
    // "YYYY-MM-DD HH:MM:SS" or with T and +05:30, local: convert back with the zone offset.
    let s = json_str(line, "stamp_updated");
    let s = s.replace('T', " ");
    parse_ts(&format!("{}.000000", &s[..19])).secs - 19800
}

#[test]
fn kolkata_like_pmacct() {
    set_tz("Asia/Kolkata");
    assert_eq!(data("kolkata_101/TZ").trim(), "TZ=Asia/Kolkata");
    let a = agg(TUT);
    let fl = flows();

    // 1h bins rounded to the local hour, default timestamps.
    let golden = data("kolkata_101/lt_json.out");
    let updated = stamp_updated_secs(golden.lines().next().unwrap());
    let es = aggregate_through_cache(&fl, cfg(a, Some(history("1h", "h"))));
    assert_same(&history_json(&a, &es, updated), &golden, "lt_json");

    // 5m bins, rfc3339 with the +05:30 suffix, markers.
    let golden = data("kolkata_101/lt_rfc.out");
    let lines: Vec<&str> = golden.lines().collect();
    let wid = json_str(lines[0], "writer_id");
    let updated = stamp_updated_secs(lines[1]);
    let es = aggregate_through_cache(&fl, cfg(a, Some(history("5m", "m"))));
    assert_same(
        &rfc3339_history_json_with_markers(&a, &es, &wid, updated),
        &golden,
        "lt_rfc",
    );

    // CSV in local time.
    let es = aggregate_through_cache(&fl, cfg(a, None));
    assert_same(
        &encode(OutputFormat::Csv, &a, opts(), &es, true),
        &data("kolkata_101/lt_csv.out"),
        "lt_csv",
    );
}
