#!/bin/sh
# Regenerate the sFlow captures of this directory with real exporters and the sfacctd 1.7.7
# goldens. Needs root (tcpdump on lo), python3-scapy, pmacct 1.7.7 (Debian), tshark.
#   sflow-N.pcap      sFlow v5 exported by pmacctd's sfprobe plugin from gen_traffic.py traffic
#   sflow-N.sfacctd.json  what `sfacctd` prints for it (wide aggregate, JSON, TZ=UTC)
# pmacctd + sfprobe does not flush its last partial datagram at EOF: those samples are simply
# not in the capture, which is what the goldens are computed from.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# name seed count mode sampling_rate
for spec in "1 1 400 main 1" "2 2 400 main 1" "3 3 600 main 3" "q 4 120 quirks 1"; do
  set -- $spec
  name=$1 seed=$2 count=$3 mode=$4 rate=$5
  /usr/bin/python3 "$here/gen_traffic.py" "$seed" "$count" traffic.pcap "$mode"
  cat > probe.conf <<EOC
daemonize: false
pcap_savefile: traffic.pcap
plugins: sfprobe
sfprobe_receiver: 127.0.0.1:6343
sfprobe_agentip: 192.0.2.$seed
sfprobe_agentsubid: $seed
sampling_rate: $rate
EOC
  tcpdump -i lo -U -w cap.pcap udp port 6343 2>/dev/null &
  td=$!
  sleep 1.5
  pmacctd -f probe.conf >/dev/null 2>&1 || true
  sleep 1
  kill "$td"; wait "$td" || true
  cp cap.pcap "$here/sflow-$name.pcap"
  if [ "$mode" = main ]; then
    cat > sf.conf <<EOC
daemonize: false
pcap_savefile: cap.pcap
plugins: print
print_output: json
print_output_file: out.json
print_refresh_time: 60
aggregate: src_mac, dst_mac, vlan, cos, etype, src_host, dst_host, src_mask, dst_mask, proto, tos, src_port, dst_port, tcpflags, in_iface, out_iface, peer_src_ip, sampling_rate, export_proto_version, export_proto_sysid, tunnel_src_mac, tunnel_dst_mac, tunnel_src_host, tunnel_dst_host, tunnel_proto, tunnel_tos, tunnel_src_port, tunnel_dst_port, vxlan, src_as, dst_as, peer_dst_ip
EOC
    TZ=UTC sfacctd -f sf.conf >/dev/null 2>&1
    sort out.json > "$here/sflow-$name.sfacctd.json"
  fi
done

# Crafted datagrams (v2/v4, expanded and counter samples, every extended record).
/usr/bin/python3 "$here/craft_sflow.py" "$here/sflow-crafted.pcap"
cat > sf.conf <<EOC
daemonize: false
pcap_savefile: $here/sflow-crafted.pcap
plugins: print
print_output: json
print_output_file: out.json
print_refresh_time: 60
aggregate: src_mac, dst_mac, vlan, cos, etype, src_host, dst_host, src_mask, dst_mask, proto, tos, src_port, dst_port, tcpflags, in_iface, out_iface, peer_src_ip, sampling_rate, export_proto_version, export_proto_sysid, tunnel_src_mac, tunnel_dst_mac, tunnel_src_host, tunnel_dst_host, tunnel_proto, tunnel_tos, tunnel_src_port, tunnel_dst_port, vxlan, src_as, dst_as, peer_dst_ip, as_path, std_comm, local_pref, peer_src_as, peer_dst_as, export_proto_seqno, mpls_pw_id
EOC
rm -f out.json
TZ=UTC sfacctd -f sf.conf >/dev/null 2>&1
sort out.json > "$here/sflow-crafted.sfacctd.json"
