//! Byte-for-byte comparisons with real nfacctd 1.7.7 output (tests/data, made by gen.sh).
//!
//! Each capture was replayed once through nfacctd with many print plugins. The widest JSON
//! output (every primitive, timestamp_arrival included, so one entry per flow) is read back
//! into flows; those flows are then
//! - re-encoded in JSON, CSV, event_csv, formatted and event_formatted and compared with the
//!   same records as pmacct wrote them, and
//! - aggregated again through our cache with the other plugins' aggregates (tutorial,
//!   src_host, none, sum_host, with history, markers, epoch timestamps, num_protos, custom
//!   separator) and compared with pmacct's output for those plugins.

mod common;

use common::*;
use pmacct_flow::cache::Entry;
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::primitives::{list_primitives, Daemon};
use pmacct_flow::time::TimestampOptions;

const WIDE_FIXED: &str = "tag, tag2, class, src_mac, dst_mac, vlan, cos, etype, src_as, dst_as, local_pref, med, src_local_pref, src_med, src_roa, dst_roa, peer_src_as, peer_dst_as, peer_src_ip, peer_dst_ip, in_iface, out_iface, mpls_vpn_rd, mpls_pw_id, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, tcpflags, proto, tos, sampling_rate, sampling_direction, post_nat_src_host, post_nat_dst_host, post_nat_src_port, post_nat_dst_port, nat_event, mpls_label_top, mpls_label_bottom, mpls_stack_depth, vxlan, timestamp_start, timestamp_end, timestamp_arrival, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows";
const VLEN: &str = "label, std_comm, ext_comm, lrg_comm, as_path, src_std_comm, src_ext_comm, src_lrg_comm, src_as_path";
const CAPTURES: &[&str] = &["ipfix100", "nfv9_101", "nfv9_102", "mix111"];

fn tz_utc() {
    set_tz("UTC");
}

#[test]
fn wide_records_reencode_identically() {
    tz_utc();
    let wide = agg(&format!("{VLEN}, {WIDE_FIXED}"));
    let fixed = agg(WIDE_FIXED);
    for cap in CAPTURES {
        let es = wide_entries(cap);
        assert!(!es.is_empty());
        let cases = [
            (OutputFormat::Json, wide, "wide_json", false),
            (OutputFormat::Csv, wide, "wide_csv", true),
            (OutputFormat::EventCsv, wide, "wide_ecsv", true),
            (OutputFormat::Formatted, fixed, "wide_fmt", true),
            (OutputFormat::EventFormatted, fixed, "wide_efmt", true),
        ];
        for (fmt, a, file, header) in cases {
            let golden = data(&format!("{cap}/{file}.out"));
            // timestamp_arrival is taken per plugin by pmacct (each plugin's handlers read the
            // clock), so use the arrival times this plugin printed.
            let es: Vec<Entry> = if fmt == OutputFormat::Json {
                es.clone()
            } else {
                let rows = golden.lines().skip(1).collect::<Vec<_>>();
                assert_eq!(rows.len(), es.len());
                es.iter()
                    .zip(rows)
                    .map(|(e, row)| {
                        let mut e = *e;
                        e.prims.timestamp_arrival = parse_ts(&nth_timestamp(row, 2));
                        e
                    })
                    .collect()
            };
            let ours = encode(fmt, &a, opts(), &es, header);
            assert_same(&ours, &golden, &format!("{cap}/{file}"));
        }
    }
}

/// The `n`th (0-based) `YYYY-MM-DD HH:MM:SS.uuuuuu` in a row.
fn nth_timestamp(row: &str, n: usize) -> String {
    let b = row.as_bytes();
    let is_ts = |i: usize| {
        i + 26 <= b.len()
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 10] == b' '
            && b[i + 19] == b'.'
    };
    let mut found = 0;
    let mut i = 0;
    while i < b.len() {
        if is_ts(i) {
            if found == n {
                return row[i..i + 26].to_string();
            }
            found += 1;
            i += 26;
        } else {
            i += 1;
        }
    }
    panic!("no timestamp {n} in {row}");
}

#[test]
fn cache_aggregates_like_pmacct() {
    tz_utc();
    for cap in CAPTURES {
        let flows = flows_of(&wide_entries(cap));
        for (a, fmt, file) in [
            (TUT, OutputFormat::Json, "tut_json"),
            (TUT, OutputFormat::Csv, "tut_csv"),
            (TUT, OutputFormat::Formatted, "tut_fmt"),
            ("src_host", OutputFormat::Csv, "host_csv"),
            ("none", OutputFormat::Formatted, "none_fmt"),
            ("sum_host", OutputFormat::Csv, "sum_csv"),
        ] {
            let a = agg(a);
            let es = aggregate_through_cache(&flows, cfg(a, None));
            let ours = encode(fmt, &a, opts(), &es, fmt != OutputFormat::Json);
            assert_same(
                &ours,
                &data(&format!("{cap}/{file}.out")),
                &format!("{cap}/{file}"),
            );
        }
    }
}

#[test]
fn history_markers_rfc3339_like_pmacct() {
    tz_utc();
    for cap in CAPTURES {
        let golden = data(&format!("{cap}/hist_json.out"));
        let lines: Vec<&str> = golden.lines().collect();
        // The writer pid and the writer's clock are the two run-specific values.
        let wid = json_str(lines[0], "writer_id");
        let updated = json_str(lines[1], "stamp_updated");
        let updated = parse_ts(&format!(
            "{}.000000",
            updated.replace('T', " ").trim_end_matches('Z')
        ))
        .secs;

        let a = agg(TUT);
        let h = history("5m", "m");
        let es = aggregate_through_cache(&flows_of(&wide_entries(cap)), cfg(a, Some(h)));
        assert_same(
            &rfc3339_history_json_with_markers(&a, &es, &wid, updated),
            &golden,
            &format!("{cap}/hist_json"),
        );
    }
}

#[test]
fn epoch_secs_numprotos_separator_markers_like_pmacct() {
    tz_utc();
    for cap in CAPTURES {
        let golden = data(&format!("{cap}/epoch_csv.out"));
        let first = golden.lines().next().unwrap();
        let pid: u32 = first
            .trim_start_matches("--START (")
            .trim_end_matches(")--")
            .parse()
            .unwrap();
        let a = agg("src_host, dst_host, proto, timestamp_start, timestamp_end");
        let es = aggregate_through_cache(&flows_of(&wide_entries(cap)), cfg(a, None));
        let o = EncoderOptions {
            separator: ";".into(),
            num_protos: true,
            timestamps: TimestampOptions {
                since_epoch: true,
                secs: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let enc = Encoder::new(OutputFormat::Csv, &a, o).unwrap();
        let mut out = Vec::new();
        enc.write_start_marker(&mut out, "epoch_csv", pid);
        enc.write_header(&mut out);
        for e in &es {
            enc.write_record(&mut out, e, 0);
        }
        enc.write_end_marker(&mut out, "epoch_csv", pid, es.len(), es.len(), 0);
        assert_same(
            &String::from_utf8(out).unwrap(),
            &golden,
            &format!("{cap}/epoch_csv"),
        );
    }
}

#[test]
fn formatted_refuses_variable_length_primitives() {
    for p in VLEN.split(", ") {
        assert!(
            Encoder::new(OutputFormat::Formatted, &agg(p), opts()).is_err(),
            "{p}"
        );
        assert!(
            Encoder::new(OutputFormat::Csv, &agg(p), opts()).is_ok(),
            "{p}"
        );
    }
    assert!(Encoder::new(OutputFormat::Formatted, &agg("class, mpls_vpn_rd"), opts()).is_ok());
}

#[test]
fn list_primitives_matches_pmacct() {
    assert_eq!(list_primitives(Daemon::Nfacctd), data("nfacctd-a.txt"));
    assert_eq!(list_primitives(Daemon::Sfacctd), data("sfacctd-a.txt"));
    assert_eq!(list_primitives(Daemon::Pmacctd), data("pmacctd-a.txt"));
}

#[test]
fn weekly_bins_and_history_offset_like_pmacct() {
    tz_utc();
    let a = agg("src_host, dst_host");
    for cap in CAPTURES {
        let flows = flows_of(&wide_entries(cap));
        for (file, spec, roundoff, offset) in
            [("hist_w", "1w", "w", 0), ("hist_off", "1h", "h", 600)]
        {
            let golden = data(&format!("{cap}/{file}.out"));
            let updated = json_str(golden.lines().next().unwrap(), "stamp_updated");
            let updated = parse_ts(&format!("{updated}.000000")).secs;
            let mut h = history(spec, roundoff);
            h.offset = offset;
            let es = aggregate_through_cache(&flows, cfg(a, Some(h)));
            assert_same(
                &history_json(&a, &es, updated),
                &golden,
                &format!("{cap}/{file}"),
            );
        }
    }
}
