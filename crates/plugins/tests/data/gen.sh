#!/bin/sh
# Regenerate the print plugin goldens with the real pmacct 1.7.7 (Debian) nfacctd.
# Usage: sh crates/plugins/tests/data/gen.sh
# Output files are written under <case>/out/ with the configured paths relative to it;
# nfacctd.conf keeps the config with <out> in place of this machine's absolute path.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "$here/../../../../compat-tests/corpus" && pwd)
run() {
  case=$1 pcap=$2 conf=$3 times=${4:-1}
  dir="$here/$case"
  rm -rf "$dir"; mkdir -p "$dir/out"
  printf 'plugins: print[p]\npcap_savefile: %s\n%s\n' "$pcap" "$conf" | sed "s|<out>|$dir/out|g" > "$dir/nfacctd.conf"
  i=0
  while [ $i -lt "$times" ]; do
    (cd "$dir" && TZ=UTC nfacctd -f "$dir/nfacctd.conf" 2>&1 >/dev/null | grep '( p/print )' >> "$dir/plugin.log" || true)
    i=$((i+1))
  done
  # Make symlinks relative to out/ so the tree can be compared anywhere.
  find "$dir/out" -type l | while read -r l; do t=$(readlink "$l"); ln -sfn "${t#$dir/out/}" "$l"; done
  sed -i "s|$corpus|<corpus>|; s|$dir/out|<out>|g" "$dir/nfacctd.conf"
  find "$dir/out" -type f -exec chmod 644 {} +
}
# multi3.pcap: the three exporters of corpus test 110 merged in time order with
#   mergecap -F pcap -w multi3.pcap 110-*/traffic-00.pcap 110-*/traffic-01.pcap 110-*/traffic-02.pcap
run dyn "$here/multi3.pcap" 'aggregate[p]: peer_src_ip, proto
print_output[p]: csv
print_history[p]: 5m
print_history_roundoff[p]: m
print_output_file[p]: <out>/%Y-%m-%d/$peer_src_ip/%H%M-$ref-$hst.csv
print_latest_file[p]: <out>/latest-$peer_src_ip'
run append "$corpus/pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap" 'aggregate[p]: src_host, dst_host, proto, tos
print_output[p]: formatted
print_markers[p]: true
print_output_file_append[p]: true
print_output_file[p]: <out>/sub/dir/acct.txt' 2
run json_v9 "$corpus/pmacct-test-automation/101-NFv9-CISCO-cust_primitives/traffic-00.pcap" 'aggregate[p]: peer_src_ip, peer_dst_ip, in_iface, out_iface, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, proto, tos, tcpflags, mpls_vpn_rd, sampling_rate, sampling_direction, mpls_label_top, mpls_label_bottom, mpls_stack_depth, etype, timestamp_start, timestamp_end, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows
print_output[p]: json
print_output_file[p]: <out>/v9.json'
run json_ipfix "$corpus/pmacct-test-automation/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-00.pcap" 'aggregate[p]: peer_src_ip, peer_dst_ip, in_iface, out_iface, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, proto, tos, tcpflags, mpls_vpn_rd, sampling_rate, sampling_direction, mpls_label_top, mpls_label_bottom, mpls_stack_depth, etype, timestamp_start, timestamp_end, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows
print_output[p]: json
print_output_file[p]: <out>/ipfix.json'
run json_ipfix100 "$corpus/pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap" 'aggregate[p]: peer_src_ip, peer_dst_ip, in_iface, out_iface, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, proto, tos, tcpflags, mpls_vpn_rd, sampling_rate, sampling_direction, mpls_label_top, mpls_label_bottom, mpls_stack_depth, etype, timestamp_start, timestamp_end, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows
print_output[p]: json
print_output_file[p]: <out>/out.json'
run json_v9_102 "$corpus/pmacct-test-automation/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap" 'aggregate[p]: peer_src_ip, peer_dst_ip, in_iface, out_iface, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, proto, tos, tcpflags, mpls_vpn_rd, sampling_rate, sampling_direction, mpls_label_top, mpls_label_bottom, mpls_stack_depth, etype, timestamp_start, timestamp_end, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows
print_output[p]: json
print_output_file[p]: <out>/out.json'
run json_vmware "$corpus/traffic-reproducer/ipfix-vmware.pcap" 'aggregate[p]: peer_src_ip, peer_dst_ip, in_iface, out_iface, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, proto, tos, tcpflags, mpls_vpn_rd, sampling_rate, sampling_direction, mpls_label_top, mpls_label_bottom, mpls_stack_depth, etype, timestamp_start, timestamp_end, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows
print_output[p]: json
print_output_file[p]: <out>/out.json'
# Without tcpflags: this exporter sends a 2-byte tcpControlBits that pmacct 1.7.7 reads as 0
# (quirk 4, we decode it).
run json_mix111b "$corpus/pmacct-test-automation/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap" 'aggregate[p]: peer_src_ip, peer_dst_ip, in_iface, out_iface, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, proto, tos, mpls_vpn_rd, sampling_rate, sampling_direction, mpls_label_top, mpls_label_bottom, mpls_stack_depth, etype, timestamp_start, timestamp_end, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows
print_output[p]: json
print_output_file[p]: <out>/out.json'
