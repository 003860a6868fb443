//! nfacctd: the NetFlow/IPFIX collector profile (its decoder, socket and usage text).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pmacct_config::{key, Daemon, Scope};
use pmacct_flow::custom::CustomValues;
use pmacct_flow::producer;
use pmacct_plugins::tee::receivers::parse_hostport;
use pmacct_plugins::tee::send::{Receiver, SendError, SockOptions};
use pmacct_wire::netflow::{template_sets, DecoderOptions, Limits, NetflowDecoder};
use pmacct_wire::record::ExportHeader;
use pmacct_wire::{FlowRecord, FlowType, LeadFields, RecordSink};

use crate::collector::{self, Input, Profile};
use crate::core::{Datagram, DatagramSummary, Decoder, DropCounters, FlowSink};
use crate::plog;
use crate::runtime::Source;

pub const PROFILE: Profile = Profile {
    daemon: Daemon::Nfacctd,
    flow_daemon: pmacct_flow::Daemon::Nfacctd,
    title: "NetFlow Accounting Daemon, nfacctd",
    usage,
    input,
};

fn usage() -> String {
    format!(
        "Usage: nfacctd [ -D | -d ] [ -L IP address ] [ -l port ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... ] ]\n       nfacctd [ -f config_file ]\n       nfacctd [ -h ]\n\n\
General options:\n  -h  \tShow this page\n  -V  \tShow version and compile-time options and exit\n  -L  \tBind to the specified IP address\n  -l  \tListen on the specified UDP port\n  -f  \tLoad configuration from the specified file\n  -a  \tPrint list of supported aggregation primitives\n  -c  \tAggregation method, see full list of primitives with -a (DEFAULT: src_host)\n  -D  \tDaemonize\n  -n  \tPath to a file containing networks and/or ASNs definitions\n  -t  \tPath to a file containing ports definitions\n  -P  \t[ memory | print | mysql | pgsql | sqlite3 | amqp | kafka | tee ] \n\tActivate plugin\n  -d  \tEnable debug\n  -S  \t[ auth | mail | daemon | kern | user | local[0-7] ] \n\tLog to the specified syslog facility\n  -F  \tWrite Core Process PID into the specified file\n  -R  \tRenormalize sampled data\n  -u  \tLeave IP protocols in numerical format\n  -I  \tRead packets from the specified savefile\n  -Z  \tReading from a savefile, sleep the given amount of seconds at startup and between replays\n  -W  \tReading from a savefile, don't exit but sleep when finished\n  -Y  \tReading from a savefile, replay the number of times specified\n  --check-config\tValidate the configuration: one line per problem, then a summary; exit 0 clean, 1 errors, 2 warnings only (pmacct-rs extension)\n\n\
Memory plugin (-P memory) options:\n  -p  \tSocket for client-server communication (DEFAULT: /tmp/collect.pipe)\n  -b  \tNumber of buckets\n  -m  \tNumber of memory pools\n  -s  \tMemory pool size\n\n\
Print plugin (-P print) plugin options:\n  -r  \tRefresh time (in seconds)\n  -O  \t[ formatted | csv | json ] \n\tOutput format\n  -o  \tPath to output file\n  -M  \tPrint event init/close marker messages\n  -A  \tAppend output (applies to -o)\n  -E  \tCSV format separator (applies to -O csv, DEFAULT: ',')\n\n{}",
        pmacct_config::keys_help()
    )
}

/// NetFlow v1/v5/v7/v8/v9 and IPFIX datagrams -> flows.
pub struct NetflowSource {
    decoder: NetflowDecoder,
    /// `nfacctd_account_options`: account options data records as flows (pmacct: off).
    account_options: bool,
    /// `use_ip_next_hop`: peer_dst_ip falls back to the IP next hop (IE 15/62, v5
    /// nexthop) when the record carries no BGP next hop.
    use_ip_next_hop: bool,
    /// `nfacctd_templates_file`: the shared file, this decoder's slot in it, and the cache
    /// generation last written.
    templates_file: Option<(
        std::sync::Arc<crate::templates_file::TemplatesFile>,
        usize,
        u64,
    )>,
    /// Custom primitive values of the record being decoded (handed to the core by
    /// reference: they travel beside the flow).
    custom: Box<CustomValues>,
    /// `nfacctd_templates_receiver`: where the template sets of the collector socket's
    /// datagrams are relayed.
    relay: Option<TemplatesRelay>,
    /// The datagram being decoded came in on `nfacctd_templates_port` (not relayed).
    from_templates_port: bool,
}

/// nfacctd 1.7.7's relay of templates to `nfacctd_templates_receiver`: for each v9/IPFIX
/// datagram of the collector socket whose decoding met a template set, a datagram of its
/// header and template sets ([`template_sets`]) is sent from the exporter's address and
/// port (a raw socket, as the tee plugin's `tee_transparent`). One socket shared by the
/// workers; each worker its own buffers.
struct TemplatesRelay {
    sock: Arc<Receiver>,
    /// `core_proc_name`, for log lines.
    name: Arc<str>,
    /// The datagram of template sets being sent.
    templates: Vec<u8>,
    /// Its IP and UDP headers and payload, for the raw socket.
    frame: Vec<u8>,
    /// Sends that failed since the last log line, and when that line was.
    failed: u64,
    last_log: Option<Instant>,
}

impl TemplatesRelay {
    fn new((sock, name): RelaySocket) -> TemplatesRelay {
        TemplatesRelay {
            sock,
            name,
            templates: Vec::new(),
            frame: Vec::new(),
            failed: 0,
            last_log: None,
        }
    }

    fn relay(&mut self, d: &Datagram<'_>) {
        if !template_sets::has_template_sets(d.data)
            || !template_sets::select_template_sets(d.data, &mut self.templates)
        {
            return;
        }
        let to = self.sock.dest;
        plog!(
            Debug,
            &self.name,
            "core",
            "Sending NetFlow/IPFIX packet from [{}:{}] seqno [0] to [{}:{}]",
            d.src.ip(),
            d.src.port(),
            to.ip(),
            to.port()
        );
        let Err(e) = self.sock.send(d.src, &self.templates, 0, &mut self.frame) else {
            return;
        };
        // 1.7.7 logs every failure (an address family mismatch once a minute); at most one
        // line a minute here, with the count.
        self.failed += 1;
        if self
            .last_log
            .is_some_and(|t| t.elapsed() < Duration::from_secs(60))
        {
            return;
        }
        self.last_log = Some(Instant::now());
        let n = std::mem::take(&mut self.failed);
        match e {
            SendError::FamilyMismatch => plog!(
                Error,
                &self.name,
                "core",
                "Can't bridge Address Families when in transparent mode ({} templates datagrams not sent since the last report)",
                n
            ),
            SendError::Io(e) => plog!(
                Error,
                &self.name,
                "core",
                "raw send() from [{}:{}] seqno [0] to [{}:{}] failed ({}); {} templates datagrams not sent since the last report",
                d.src.ip(),
                d.src.port(),
                to.ip(),
                to.port(),
                e,
                n
            ),
        }
    }
}

impl Decoder for NetflowSource {
    fn templates(&self) -> usize {
        self.decoder.templates().len()
    }

    /// pmacct 1.7.7's `process_raw_packet()`: at least a v5 header (24 bytes) and version
    /// 5, 9 or 10; the header's sequence number and source id feed the stats.
    fn replicable(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
    ) -> Option<DatagramSummary> {
        let b = d.data;
        if b.len() < 24 {
            drops.add("tee_short_datagram", 1);
            return None;
        }
        let be32 = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let (domain, sequence) = match u16::from_be_bytes([b[0], b[1]]) {
            5 => (0, None),
            9 => (be32(16), Some((be32(12), 1))),
            10 => (be32(12), None),
            _ => {
                drops.add("tee_unknown_version", 1);
                return None;
            }
        };
        Some(DatagramSummary {
            records: 0,
            domain,
            sequence,
            agent: None,
        })
    }

    fn evictions(&self) -> (u64, u64) {
        let s = self.decoder.templates().stats();
        (s.evictions, s.exporter_evictions)
    }

    fn set_from_templates_port(&mut self, on: bool) {
        self.from_templates_port = on;
    }

    fn decode(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
        emit: &mut dyn FlowSink,
    ) -> Option<DatagramSummary> {
        let mut sink = Records {
            peer: d.src.ip(),
            arrival: d.arrival,
            account_options: self.account_options,
            use_ip_next_hop: self.use_ip_next_hop,
            // Custom primitives read the raw record: no leads then.
            leads: emit.leads() && !pmacct_flow::custom::active(),
            custom: &mut self.custom,
            emit,
            records: 0,
            header: None,
        };
        let peer = sink.peer;
        let res = self.decoder.decode_into(peer, d.data, &mut sink);
        let (records, header) = (sink.records, sink.header);
        // Relayed whatever became of the records, as 1.7.7 does once its decoder is done;
        // not what came in on the templates port (two collectors relaying to each other
        // would loop).
        if let Some(r) = &mut self.relay {
            if !self.from_templates_port {
                r.relay(d);
            }
        }
        if let Some((tf, slot, gen)) = &mut self.templates_file {
            let g = crate::templates_file::generation(self.decoder.templates());
            if g != *gen {
                *gen = g;
                tf.store(*slot, self.decoder.templates());
            }
        }
        match res {
            Ok(stats) => {
                for (reason, n) in stats.drops() {
                    drops.add(reason.as_str(), n as u64);
                }
                // From the header itself: a datagram of templates only counts too.
                let raw = raw_sequence(d.data);
                Some(DatagramSummary {
                    records,
                    domain: header
                        .map(|h| h.source_id)
                        .or(raw.map(|r| r.2))
                        .unwrap_or(0),
                    // v9 numbers datagrams; the other versions number records.
                    sequence: raw.map(|(version, seq, _)| {
                        let step = if version == 9 { 1 } else { stats.records };
                        (seq, step)
                    }),
                    agent: None,
                })
            }
            Err(err) => {
                drops.add(err.as_str(), 1);
                plog!(
                    Debug,
                    "default",
                    "core",
                    "dropped datagram from {}: {}",
                    peer,
                    err
                );
                None
            }
        }
    }
}

/// What the decoder hands one datagram's records to: the core's sink, each record as a
/// flow (or, for plain templates when nothing reads past the lead, each lead alone).
struct Records<'a> {
    peer: std::net::IpAddr,
    arrival: pmacct_wire::Timestamp,
    account_options: bool,
    use_ip_next_hop: bool,
    leads: bool,
    custom: &'a mut CustomValues,
    emit: &'a mut dyn FlowSink,
    records: u64,
    /// The datagram's header, from its first record.
    header: Option<ExportHeader>,
}

impl RecordSink for Records<'_> {
    fn record(&mut self, rec: &FlowRecord<'_>) {
        if self.header.is_none() {
            self.header = Some(rec.header);
        }
        // Options data (sampling, interface tables...) feeds the decoder's exporter
        // state; pmacct does not hand it to plugins unless told to.
        if rec.flow_type == FlowType::Option && !self.account_options {
            return;
        }
        // Built in place, in the batch: only its lead when no plugin reads further.
        if let Some(flow) = self.emit.slot_lead() {
            producer::netflow::flow_into_lead(rec, flow);
        } else {
            let flow = self.emit.slot();
            producer::netflow::flow_into(rec, self.peer, self.arrival, flow);
            // 1.7.7 leaves NetFlow v5's next hop out of peer_dst_ip even with the key
            // (checked against it; see docs/COMPATIBILITY.md).
            if self.use_ip_next_hop && rec.header.version != 5 {
                flow.prims.peer_dst_ip = producer::netflow::ip_next_hop_peer(rec);
            }
        }
        if producer::netflow::custom_values(rec, self.custom) {
            self.emit.commit(Some(self.custom));
        } else {
            self.emit.commit(None);
        }
        self.records += 1;
    }

    fn leads(&self) -> bool {
        self.leads
    }

    #[inline]
    fn lead(&mut self, header: &ExportHeader, lead: &LeadFields) {
        if self.header.is_none() {
            self.header = Some(*header);
        }
        self.emit.push_lead(lead);
        self.records += 1;
    }
}

/// (version, sequence number, source id / observation domain) of a NetFlow v5/v9/IPFIX
/// header, read from the bytes (bounds checked by the caller's decode having succeeded).
fn raw_sequence(b: &[u8]) -> Option<(u16, u32, u32)> {
    let be32 =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)) };
    match u16::from_be_bytes([*b.first()?, *b.get(1)?]) {
        5 => Some((5, be32(16)?, 0)),
        9 => Some((9, be32(12)?, be32(16)?)),
        10 => Some((10, be32(8)?, be32(12)?)),
        _ => None,
    }
}

fn input(core: &Scope) -> Result<Input, String> {
    let ip: Option<std::net::IpAddr> = core.ip(key::NFACCTD_IP);
    let port = core.num(key::NFACCTD_PORT)?.unwrap_or_default();
    let listen = crate::udp::listen_addr(ip, port);
    let mut relay_sock = None;
    let source = match collector::savefile(core, false)? {
        Some(sf) => Source::Savefile(sf),
        None => {
            // nfacctd_templates_port: a second socket on nfacctd_ip.
            let templates_port: Option<u16> = core.num(key::NFACCTD_TEMPLATES_PORT)?;
            relay_sock = templates_receiver(core)?;
            let mut source = collector::udp_source(core, listen, key::NFACCTD_PIPE_SIZE);
            if let Source::Udp { templates, .. } = &mut source {
                *templates = templates_port.map(|p| SocketAddr::new(listen.ip(), p));
            }
            source
        }
    };
    let options = DecoderOptions {
        v5_time_secs: core.bool(key::NFACCTD_TIME_SECS),
        pre_processing_checks: core.bool(key::NFACCTD_PRE_PROCESSING_CHECKS),
    };
    let account_options = core.bool(key::NFACCTD_ACCOUNT_OPTIONS);
    let use_ip_next_hop = core.bool(key::USE_IP_NEXT_HOP);
    let limits = Limits {
        max_templates_per_exporter: core.u64(key::NFACCTD_TEMPLATES_PER_EXPORTER).map_or(
            pmacct_wire::netflow::DEFAULT_MAX_TEMPLATES_PER_EXPORTER,
            |n| usize::try_from(n).unwrap_or(usize::MAX).max(1),
        ),
        ..Limits::default()
    };
    let templates_file = core.str(key::NFACCTD_TEMPLATES_FILE).map(|p| {
        let name = core.str(key::CORE_PROC_NAME).unwrap_or_default();
        std::sync::Arc::new(crate::templates_file::TemplatesFile::new(name, p))
    });
    Ok(Input {
        source,
        data_label: "NetFlow/IPFIX",
        link_type: None,
        pipe_size_key: key::NFACCTD_PIPE_SIZE,
        renormalize: core.bool(key::NFACCTD_RENORMALIZE),
        new_decoder: Box::new(move || {
            let (decoder, templates_file) = match &templates_file {
                // Every worker starts from the saved templates and writes its own part.
                Some(tf) => {
                    let cache = tf.restore(limits);
                    let gen = crate::templates_file::generation(&cache);
                    (
                        NetflowDecoder::with_cache(cache, options),
                        Some((tf.clone(), tf.register(), gen)),
                    )
                }
                None => (NetflowDecoder::with_options(limits, options), None),
            };
            Box::new(NetflowSource {
                custom: Box::default(),
                decoder,
                account_options,
                use_ip_next_hop,
                templates_file,
                relay: relay_sock.clone().map(TemplatesRelay::new),
                from_templates_port: false,
            })
        }),
    })
}

/// The relay's socket, shared by the workers, and `core_proc_name` for its log lines.
type RelaySocket = (Arc<Receiver>, Arc<str>);

/// `nfacctd_templates_receiver`: its address (`host:port`, `[v6]:port`, as the tee plugin's
/// receivers) and the raw socket the templates go out on. An address that does not parse
/// stops the start with 1.7.7's line.
fn templates_receiver(core: &Scope) -> Result<Option<RelaySocket>, String> {
    let Some(r) = core.str(key::NFACCTD_TEMPLATES_RECEIVER) else {
        return Ok(None);
    };
    let dest = parse_hostport(r).ok_or_else(|| format!("Invalid receiver: {r}."))?;
    let opts = SockOptions {
        transparent: true,
        ..SockOptions::default()
    };
    let (sock, _) = Receiver::open(dest, 0, &opts).map_err(|e| format!("socket() error: {e}"))?;
    let name = core.str(key::CORE_PROC_NAME).unwrap_or_default();
    Ok(Some((Arc::new(sock), Arc::from(name))))
}

/// What 1.7.7 refuses around `nfacctd_templates_receiver`: a savefile (no collector socket
/// to relay from) and tee plugins (which replicate the datagrams whole). `tee`: whether a
/// tee plugin is configured.
pub fn check_templates_receiver(core: &Scope, tee: bool) -> Result<(), String> {
    if !core.is_set(key::NFACCTD_TEMPLATES_RECEIVER) {
        return Ok(());
    }
    if core.is_set(key::PCAP_SAVEFILE) {
        return Err("nfacctd_templates_receiver only applies to live UDP collection (nfacctd_ip, nfacctd_port). Exiting.".into());
    }
    if tee {
        // 1.7.7's words, typo included.
        return Err(
            "nfacctd_templates_receiver and tee plugin ae mutual exclusive. Exiting.".into(),
        );
    }
    Ok(())
}

pub fn main(argv: &[String]) -> i32 {
    collector::main(&PROFILE, argv)
}
