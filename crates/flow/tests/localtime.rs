//! Local time (the default, `timestamps_utc: false`) in a half-hour zone, against nfacctd
//! 1.7.7 run with TZ=Asia/Kolkata (tests/data/kolkata_101, gen.sh): timestamps rendered in
//! local time with and without rfc3339 (`+05:30`), and history bins rounded in local time
//! (1h bins starting on local hours, i.e. at :30 UTC). This binary sets its own TZ.

mod common;

use common::*;
use pmacct_flow::cache::History;
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::time::TimestampOptions;

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
    let mut h = History::parse("1h").unwrap();
    h.roundoff = "h".into();
    let es = aggregate_through_cache(&fl, cfg(a, Some(h)));
    let enc = Encoder::new(
        OutputFormat::Json,
        &a,
        EncoderOptions {
            history: true,
            ..opts()
        },
    )
    .unwrap();
    let mut out = Vec::new();
    for e in &es {
        enc.write_record(&mut out, e, updated);
    }
    assert_same(&String::from_utf8(out).unwrap(), &golden, "lt_json");

    // 5m bins, rfc3339 with the +05:30 suffix, markers.
    let golden = data("kolkata_101/lt_rfc.out");
    let lines: Vec<&str> = golden.lines().collect();
    let wid = json_str(lines[0], "writer_id");
    let (name, pid) = wid.split_once('/').unwrap();
    let updated = stamp_updated_secs(lines[1]);
    let mut h = History::parse("5m").unwrap();
    h.roundoff = "m".into();
    let es = aggregate_through_cache(&fl, cfg(a, Some(h)));
    let o = EncoderOptions {
        history: true,
        timestamps: TimestampOptions {
            rfc3339: true,
            ..Default::default()
        },
        ..opts()
    };
    let enc = Encoder::new(OutputFormat::Json, &a, o).unwrap();
    let mut out = Vec::new();
    enc.write_start_marker(&mut out, name, pid.parse().unwrap());
    for e in &es {
        enc.write_record(&mut out, e, updated);
    }
    enc.write_end_marker(&mut out, name, pid.parse().unwrap(), es.len(), es.len(), 0);
    assert_same(&String::from_utf8(out).unwrap(), &golden, "lt_rfc");

    // CSV in local time.
    let es = aggregate_through_cache(&fl, cfg(a, None));
    assert_same(
        &encode(OutputFormat::Csv, &a, opts(), &es, true),
        &data("kolkata_101/lt_csv.out"),
        "lt_csv",
    );
}
