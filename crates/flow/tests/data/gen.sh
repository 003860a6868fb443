#!/bin/sh
# Regenerate the golden outputs in this directory with the real pmacct 1.7.7 (Debian) nfacctd.
# Usage (from anywhere): sh crates/flow/tests/data/gen.sh
# Each capture is replayed once through nfacctd (pcap_savefile) with many print plugins, so
# every output of one capture shares the same records (and the same timestamp_arrival).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "$here/../../../../compat-tests/corpus" && pwd)
WIDE_FIXED="tag, tag2, class, src_mac, dst_mac, vlan, cos, etype, src_as, dst_as, local_pref, med, src_local_pref, src_med, src_roa, dst_roa, peer_src_as, peer_dst_as, peer_src_ip, peer_dst_ip, in_iface, out_iface, mpls_vpn_rd, mpls_pw_id, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, tcpflags, proto, tos, sampling_rate, sampling_direction, post_nat_src_host, post_nat_dst_host, post_nat_src_port, post_nat_dst_port, nat_event, mpls_label_top, mpls_label_bottom, mpls_stack_depth, vxlan, timestamp_start, timestamp_end, timestamp_arrival, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows"
WIDE="label, std_comm, ext_comm, lrg_comm, as_path, src_std_comm, src_ext_comm, src_lrg_comm, src_as_path, $WIDE_FIXED"
TUT="src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags"
gen() {
  tag=$1 pcap=$2
  out="$here/$tag"
  rm -rf "$out"; mkdir -p "$out"
  cat > "$out/nfacctd.conf" <<CONF
plugins: print[wide_json], print[wide_csv], print[wide_fmt], print[wide_ecsv], print[wide_efmt], print[tut_json], print[tut_csv], print[tut_fmt], print[host_csv], print[hist_json], print[epoch_csv], print[none_fmt], print[sum_csv], print[hist_w], print[hist_off]
pcap_savefile: $pcap
aggregate[wide_json]: $WIDE
print_output[wide_json]: json
aggregate[wide_csv]: $WIDE
print_output[wide_csv]: csv
aggregate[wide_fmt]: $WIDE_FIXED
print_output[wide_fmt]: formatted
aggregate[wide_ecsv]: $WIDE
print_output[wide_ecsv]: event_csv
aggregate[wide_efmt]: $WIDE_FIXED
print_output[wide_efmt]: event_formatted
aggregate[tut_json]: $TUT
print_output[tut_json]: json
aggregate[tut_csv]: $TUT
print_output[tut_csv]: csv
aggregate[tut_fmt]: $TUT
print_output[tut_fmt]: formatted
aggregate[host_csv]: src_host
print_output[host_csv]: csv
aggregate[hist_json]: $TUT
print_output[hist_json]: json
print_history[hist_json]: 5m
print_history_roundoff[hist_json]: m
timestamps_rfc3339[hist_json]: true
print_markers[hist_json]: true
aggregate[epoch_csv]: src_host, dst_host, proto, timestamp_start, timestamp_end
print_output[epoch_csv]: csv
print_output_separator[epoch_csv]: ;
print_num_protos[epoch_csv]: true
timestamps_since_epoch[epoch_csv]: true
timestamps_secs[epoch_csv]: true
print_markers[epoch_csv]: true
aggregate[none_fmt]: none
print_output[none_fmt]: formatted
aggregate[sum_csv]: sum_host
print_output[sum_csv]: csv
aggregate[hist_w]: src_host, dst_host
print_output[hist_w]: json
print_history[hist_w]: 1w
print_history_roundoff[hist_w]: w
aggregate[hist_off]: src_host, dst_host
print_output[hist_off]: json
print_history[hist_off]: 1h
print_history_roundoff[hist_off]: h
print_history_offset[hist_off]: 600
CONF
  for p in wide_json wide_csv wide_fmt wide_ecsv wide_efmt tut_json tut_csv tut_fmt host_csv hist_json epoch_csv none_fmt sum_csv hist_w hist_off; do
    echo "print_output_file[$p]: $out/$p.out" >> "$out/nfacctd.conf"
  done
  # The config holds absolute paths of this machine: keep a relative copy for the record.
  (cd "$out" && TZ=UTC nfacctd -f "$out/nfacctd.conf" 2> "$out/nfacctd.log" >/dev/null)
  sed -i "s|$corpus|<corpus>|; s|$out/|<out>/|" "$out/nfacctd.conf"
  grep -E '\( (wide|tut|host|hist|epoch|none|sum)[a-z_]*/print \)' "$out/nfacctd.log" > "$out/plugins.log" || true
  rm -f "$out/nfacctd.log"
}
gen ipfix100 "$corpus/pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap"
gen nfv9_101 "$corpus/pmacct-test-automation/101-NFv9-CISCO-cust_primitives/traffic-00.pcap"
gen nfv9_102 "$corpus/pmacct-test-automation/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap"
gen mix111 "$corpus/pmacct-test-automation/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap"
# Local time: the same flows rendered and binned in a half-hour zone (no DST), 1h bins
# rounded to local hours and 5m bins, default and rfc3339 timestamps.
gen_local() {
  tag=$1 pcap=$2 tz=$3
  out="$here/$tag"
  rm -rf "$out"; mkdir -p "$out"
  cat > "$out/nfacctd.conf" <<CONF
plugins: print[lt_json], print[lt_rfc], print[lt_csv]
pcap_savefile: $pcap
aggregate: $TUT
print_output[lt_json]: json
print_history[lt_json]: 1h
print_history_roundoff[lt_json]: h
print_output[lt_rfc]: json
print_history[lt_rfc]: 5m
print_history_roundoff[lt_rfc]: m
timestamps_rfc3339[lt_rfc]: true
print_markers[lt_rfc]: true
print_output[lt_csv]: csv
print_output_file[lt_json]: $out/lt_json.out
print_output_file[lt_rfc]: $out/lt_rfc.out
print_output_file[lt_csv]: $out/lt_csv.out
CONF
  (cd "$out" && TZ=$tz nfacctd -f "$out/nfacctd.conf" 2>/dev/null >/dev/null)
  sed -i "s|$corpus|<corpus>|; s|$out/|<out>/|" "$out/nfacctd.conf"
  echo "TZ=$tz" > "$out/TZ"
  chmod 644 "$out"/*.out
}
gen_local kolkata_101 "$corpus/pmacct-test-automation/101-NFv9-CISCO-cust_primitives/traffic-00.pcap" Asia/Kolkata
nfacctd -a > "$here/nfacctd-a.txt"
sfacctd -a > "$here/sfacctd-a.txt"
pmacctd -a > "$here/pmacctd-a.txt"
