//! Linux NFLOG over netlink (`nfnetlink_log`): what a uacctd socket sends and receives.
//!
//! - [`Messages`] walks the netlink messages of one `recv()` buffer (a kernel batch holds
//!   up to `uacctd_threshold` packets);
//! - [`parse_packet`] reads one `NFULNL_MSG_PACKET` (its `nfgenmsg` and attributes) as a
//!   zero-copy view ([`NflogPacket`]);
//! - [`config_message`] builds the `NFULNL_MSG_CONFIG` requests (bind a group, copy mode
//!   and range, queue threshold, buffer size) and [`ack_error`] reads their answers.
//!
//! Netlink headers and attribute headers are in host byte order, attribute payloads in
//! network byte order (`linux/netfilter/nfnetlink_log.h`). Input comes from the kernel but
//! is treated like any other network input: every length is checked against the buffer, a
//! lying length ends the walk, nothing allocates and nothing panics.

/// `NETLINK_NETFILTER`, the netlink protocol of nfnetlink.
pub const NETLINK_NETFILTER: i32 = 12;
/// `NFNL_SUBSYS_ULOG`: the subsystem byte of NFLOG message types.
pub const NFNL_SUBSYS_ULOG: u16 = 4;
/// Message type of a logged packet (`NFULNL_MSG_PACKET` in the ULOG subsystem).
pub const MSG_PACKET: u16 = NFNL_SUBSYS_ULOG << 8;
/// Message type of a configuration request (`NFULNL_MSG_CONFIG`).
pub const MSG_CONFIG: u16 = (NFNL_SUBSYS_ULOG << 8) | 1;
/// `NLMSG_NOOP`, `NLMSG_ERROR` (also the ACK), `NLMSG_DONE`, `NLMSG_OVERRUN`.
pub const NLMSG_NOOP: u16 = 1;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLMSG_OVERRUN: u16 = 4;
/// `NLM_F_REQUEST | NLM_F_ACK`.
pub const NLM_F_REQUEST_ACK: u16 = 0x1 | 0x4;
/// Length of `struct nlmsghdr`.
pub const NLMSG_HDRLEN: usize = 16;
/// Length of `struct nfgenmsg`.
pub const NFGENMSG_LEN: usize = 4;

/// `NFULNL_CFG_CMD_*` commands.
pub const CFG_CMD_BIND: u8 = 1;
pub const CFG_CMD_UNBIND: u8 = 2;
pub const CFG_CMD_PF_BIND: u8 = 3;
pub const CFG_CMD_PF_UNBIND: u8 = 4;
/// `NFULNL_COPY_PACKET`: copy up to the copy range of each packet.
pub const COPY_PACKET: u8 = 2;

/// Attribute types of a packet message (`enum nfulnl_attr_type`).
mod attr {
    pub const PACKET_HDR: u16 = 1;
    pub const MARK: u16 = 2;
    pub const TIMESTAMP: u16 = 3;
    pub const IFINDEX_INDEV: u16 = 4;
    pub const IFINDEX_OUTDEV: u16 = 5;
    pub const IFINDEX_PHYSINDEV: u16 = 6;
    pub const IFINDEX_PHYSOUTDEV: u16 = 7;
    pub const PAYLOAD: u16 = 9;
    pub const PREFIX: u16 = 10;
    pub const UID: u16 = 11;
    pub const SEQ: u16 = 12;
    pub const GID: u16 = 14;
    pub const HWTYPE: u16 = 15;
    pub const HWHEADER: u16 = 16;
    pub const HWLEN: u16 = 17;
}

/// Attribute types of a configuration message (`enum nfulnl_attr_config`).
mod cfg_attr {
    pub const CMD: u16 = 1;
    pub const MODE: u16 = 2;
    pub const NLBUFSIZ: u16 = 3;
    pub const QTHRESH: u16 = 5;
}

/// `NLA_TYPE_MASK`: the nested and byte-order flags are not part of the type.
const NLA_TYPE_MASK: u16 = 0x3fff;

/// Why a buffer or message could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NflogError {
    /// A netlink header says it is shorter than a header or longer than what is left.
    BadMessageLength,
    /// The message is shorter than its fixed header (`nfgenmsg`).
    Truncated,
    /// An attribute says it is shorter than its header or longer than what is left.
    BadAttributeLength,
    /// A packet message without the packet (`NFULA_PAYLOAD`).
    NoPayload,
}

impl NflogError {
    pub fn as_str(self) -> &'static str {
        match self {
            NflogError::BadMessageLength => "nflog_bad_message_length",
            NflogError::Truncated => "nflog_truncated",
            NflogError::BadAttributeLength => "nflog_bad_attribute_length",
            NflogError::NoPayload => "nflog_no_payload",
        }
    }
}

impl std::fmt::Display for NflogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn u16_ne(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_ne(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u16_be(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(..2)?.try_into().ok()?))
}

fn u32_be(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

fn u64_be(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Netlink's 4-byte alignment (`NLMSG_ALIGN`, `NLA_ALIGN`), saturating.
fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// One netlink message of a receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
    /// The bytes after the netlink header, within its length.
    pub payload: &'a [u8],
}

/// The netlink messages of one receive buffer, in order. A message whose length lies ends
/// the walk with one error (what follows it cannot be located).
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    rest: &'a [u8],
}

impl<'a> Messages<'a> {
    pub fn new(buf: &'a [u8]) -> Messages<'a> {
        Messages { rest: buf }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, NflogError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let b = self.rest;
        let len = match u32_ne(b, 0) {
            Some(l) => l as usize,
            None => {
                self.rest = &[];
                return Some(Err(NflogError::BadMessageLength));
            }
        };
        if len < NLMSG_HDRLEN || len > b.len() {
            self.rest = &[];
            return Some(Err(NflogError::BadMessageLength));
        }
        let m = Message {
            kind: u16_ne(b, 4).unwrap_or(0),
            flags: u16_ne(b, 6).unwrap_or(0),
            seq: u32_ne(b, 8).unwrap_or(0),
            pid: u32_ne(b, 12).unwrap_or(0),
            payload: &b[NLMSG_HDRLEN..len],
        };
        // The last message of a buffer may omit its alignment padding.
        self.rest = b.get(align4(len)..).unwrap_or(&[]);
        Some(Ok(m))
    }
}

/// The error code of an `NLMSG_ERROR` payload (0: an acknowledgement), if readable.
pub fn ack_error(payload: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(payload.get(..4)?.try_into().ok()?))
}

/// One attribute (type without flags, payload within its length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    pub kind: u16,
    pub data: &'a [u8],
}

/// The attributes of a message, in order; a lying length ends the walk with one error.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Attrs<'a> {
    pub fn new(buf: &'a [u8]) -> Attrs<'a> {
        Attrs { rest: buf }
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, NflogError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Fewer bytes than an attribute header: trailing padding, nothing more to read.
        if self.rest.len() < 4 {
            self.rest = &[];
            return None;
        }
        let b = self.rest;
        let len = usize::from(u16_ne(b, 0).unwrap_or(0));
        if len < 4 || len > b.len() {
            self.rest = &[];
            return Some(Err(NflogError::BadAttributeLength));
        }
        let a = Attr {
            kind: u16_ne(b, 2).unwrap_or(0) & NLA_TYPE_MASK,
            data: &b[4..len],
        };
        self.rest = b.get(align4(len)..).unwrap_or(&[]);
        Some(Ok(a))
    }
}

/// One logged packet, as the kernel describes it. Absent attributes read as 0 / `None`, as
/// libnetfilter_log's getters return them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NflogPacket<'a> {
    /// `nfgen_family`: `AF_INET` (2) or `AF_INET6` (10) for IP traffic; the bridge and
    /// other families log other frames.
    pub family: u8,
    /// The NFLOG group (`res_id`).
    pub group: u16,
    /// `NFULA_PACKET_HDR`: link-layer protocol (ethertype) and netfilter hook.
    pub hw_protocol: u16,
    pub hook: u8,
    /// `NFULA_MARK`.
    pub mark: u32,
    /// `NFULA_TIMESTAMP` (seconds, microseconds), present when the kernel stamped the packet.
    pub timestamp: Option<(u64, u64)>,
    /// `NFULA_IFINDEX_*`.
    pub indev: u32,
    pub outdev: u32,
    pub physindev: u32,
    pub physoutdev: u32,
    /// `NFULA_HWTYPE` (an `ARPHRD_*` value: 1 is Ethernet), `NFULA_HWLEN`, `NFULA_HWHEADER`.
    pub hwtype: u16,
    pub hwlen: u16,
    pub hwheader: Option<&'a [u8]>,
    /// `NFULA_PAYLOAD`: the network-layer packet, up to the copy range.
    pub payload: &'a [u8],
    /// `NFULA_PREFIX` (the rule's log prefix), without its terminating NUL.
    pub prefix: Option<&'a [u8]>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// `NFULA_SEQ`: instance-local sequence number (when the rule asks for it).
    pub seq: Option<u32>,
}

impl<'a> NflogPacket<'a> {
    /// The input interface: the bridge port when there is one, as uacctd reads it.
    pub fn ifindex_in(&self) -> u32 {
        if self.physindev != 0 {
            self.physindev
        } else {
            self.indev
        }
    }

    /// The output interface: the bridge port when there is one.
    pub fn ifindex_out(&self) -> u32 {
        if self.physoutdev != 0 {
            self.physoutdev
        } else {
            self.outdev
        }
    }

    /// The link-layer header when it is Ethernet's (hwtype 1), as much of `hwlen` as the
    /// header attribute holds. uacctd 1.7.7 keeps the hardware header of Ethernet devices
    /// only.
    pub fn ethernet_header(&self) -> Option<&'a [u8]> {
        if self.hwtype != 1 || self.hwlen == 0 {
            return None;
        }
        let h = self.hwheader?;
        Some(&h[..h.len().min(usize::from(self.hwlen))])
    }
}

/// Read the payload of one `NFULNL_MSG_PACKET` message (after its netlink header). A
/// repeated attribute: the last one counts (libnfnetlink's table keeps the last). A
/// fixed-size attribute shorter than its type reads as absent.
pub fn parse_packet(msg: &[u8]) -> Result<NflogPacket<'_>, NflogError> {
    if msg.len() < NFGENMSG_LEN {
        return Err(NflogError::Truncated);
    }
    let mut p = NflogPacket {
        family: msg[0],
        group: u16::from_be_bytes([msg[2], msg[3]]),
        ..NflogPacket::default()
    };
    let mut payload = None;
    for a in Attrs::new(&msg[NFGENMSG_LEN..]) {
        let a = a?;
        let d = a.data;
        match a.kind {
            attr::PACKET_HDR => {
                if let (Some(proto), Some(hook)) = (u16_be(d), d.get(2)) {
                    p.hw_protocol = proto;
                    p.hook = *hook;
                }
            }
            attr::MARK => p.mark = u32_be(d).unwrap_or(0),
            attr::TIMESTAMP => p.timestamp = u64_be(d, 0).zip(u64_be(d, 8)),
            attr::IFINDEX_INDEV => p.indev = u32_be(d).unwrap_or(0),
            attr::IFINDEX_OUTDEV => p.outdev = u32_be(d).unwrap_or(0),
            attr::IFINDEX_PHYSINDEV => p.physindev = u32_be(d).unwrap_or(0),
            attr::IFINDEX_PHYSOUTDEV => p.physoutdev = u32_be(d).unwrap_or(0),
            attr::PAYLOAD => payload = Some(d),
            attr::PREFIX => {
                let end = d.iter().position(|&c| c == 0).unwrap_or(d.len());
                p.prefix = Some(&d[..end]);
            }
            attr::UID => p.uid = u32_be(d),
            attr::GID => p.gid = u32_be(d),
            attr::SEQ => p.seq = u32_be(d),
            attr::HWTYPE => p.hwtype = u16_be(d).unwrap_or(0),
            attr::HWLEN => p.hwlen = u16_be(d).unwrap_or(0),
            attr::HWHEADER => p.hwheader = Some(d),
            _ => {}
        }
    }
    p.payload = payload.ok_or(NflogError::NoPayload)?;
    Ok(p)
}

/// One configuration request of [`config_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Config {
    /// `NFULA_CFG_CMD` with an `NFULNL_CFG_CMD_*` command.
    Cmd(u8),
    /// `NFULA_CFG_MODE`: copy mode and range (bytes of each packet copied).
    Mode { mode: u8, range: u32 },
    /// `NFULA_CFG_NLBUFSIZ`: bytes the kernel batches before sending.
    NlBufSiz(u32),
    /// `NFULA_CFG_QTHRESH`: packets the kernel batches before sending.
    QThresh(u32),
}

/// Longest message [`config_message`] writes.
pub const CONFIG_MESSAGE_MAX: usize = NLMSG_HDRLEN + NFGENMSG_LEN + 4 + 8;

/// Write an `NFULNL_MSG_CONFIG` request for `group` (`family`: the protocol family of the
/// PF (un)bind commands, 0 otherwise) into `out`, asking for an acknowledgement; returns
/// its length.
pub fn config_message(
    out: &mut [u8; CONFIG_MESSAGE_MAX],
    seq: u32,
    group: u16,
    family: u8,
    c: Config,
) -> usize {
    let mut value = [0u8; 8];
    let (kind, vlen) = match c {
        Config::Cmd(cmd) => {
            value[0] = cmd;
            (cfg_attr::CMD, 1)
        }
        Config::Mode { mode, range } => {
            // struct nfulnl_msg_config_mode { __be32 copy_range; __u8 copy_mode; __u8 pad; }
            value[..4].copy_from_slice(&range.to_be_bytes());
            value[4] = mode;
            (cfg_attr::MODE, 6)
        }
        Config::NlBufSiz(n) => {
            value[..4].copy_from_slice(&n.to_be_bytes());
            (cfg_attr::NLBUFSIZ, 4)
        }
        Config::QThresh(n) => {
            value[..4].copy_from_slice(&n.to_be_bytes());
            (cfg_attr::QTHRESH, 4)
        }
    };
    let alen = 4 + vlen;
    let total = NLMSG_HDRLEN + NFGENMSG_LEN + align4(alen);
    out.fill(0);
    out[0..4].copy_from_slice(&(total as u32).to_ne_bytes());
    out[4..6].copy_from_slice(&MSG_CONFIG.to_ne_bytes());
    out[6..8].copy_from_slice(&NLM_F_REQUEST_ACK.to_ne_bytes());
    out[8..12].copy_from_slice(&seq.to_ne_bytes());
    // nfgenmsg: family, version NFNETLINK_V0, res_id (the group, network order)
    out[16] = family;
    out[18..20].copy_from_slice(&group.to_be_bytes());
    let a = NLMSG_HDRLEN + NFGENMSG_LEN;
    out[a..a + 2].copy_from_slice(&(alen as u16).to_ne_bytes());
    out[a + 2..a + 4].copy_from_slice(&kind.to_ne_bytes());
    out[a + 4..a + 4 + vlen].copy_from_slice(&value[..vlen]);
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(data);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    fn packet_msg(attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut body = vec![2u8, 0, 0, 7];
        for a in attrs {
            body.extend_from_slice(a);
        }
        let mut m = Vec::new();
        m.extend_from_slice(&((16 + body.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&MSG_PACKET.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&body);
        m
    }

    fn full() -> Vec<u8> {
        packet_msg(&[
            attr(attr::PACKET_HDR, &[0x08, 0x00, 3, 0]),
            attr(attr::MARK, &42u32.to_be_bytes()),
            attr(
                attr::TIMESTAMP,
                &[1_700_000_000u64.to_be_bytes(), 5u64.to_be_bytes()].concat(),
            ),
            attr(attr::IFINDEX_INDEV, &3u32.to_be_bytes()),
            attr(attr::IFINDEX_OUTDEV | 0x4000, &4u32.to_be_bytes()),
            attr(attr::HWTYPE, &1u16.to_be_bytes()),
            attr(attr::HWLEN, &14u16.to_be_bytes()),
            attr(attr::HWHEADER, &[0xaa; 14]),
            attr(attr::PREFIX, b"acct\0"),
            attr(attr::PAYLOAD, &[0x45, 0, 0, 20]),
        ])
    }

    #[test]
    fn reads_every_attribute() {
        let buf = full();
        let msgs: Vec<_> = Messages::new(&buf).collect();
        assert_eq!(msgs.len(), 1);
        let m = msgs[0].unwrap();
        assert_eq!(m.kind, MSG_PACKET);
        let p = parse_packet(m.payload).unwrap();
        assert_eq!(p.family, 2);
        assert_eq!(p.group, 7);
        assert_eq!((p.hw_protocol, p.hook), (0x0800, 3));
        assert_eq!(p.mark, 42);
        assert_eq!(p.timestamp, Some((1_700_000_000, 5)));
        assert_eq!((p.ifindex_in(), p.ifindex_out()), (3, 4));
        assert_eq!(p.ethernet_header(), Some(&[0xaa; 14][..]));
        assert_eq!(p.prefix, Some(&b"acct"[..]));
        assert_eq!(p.payload, &[0x45, 0, 0, 20]);
    }

    #[test]
    fn bridge_ports_win_and_other_hw_types_have_no_header() {
        let buf = packet_msg(&[
            attr(attr::IFINDEX_INDEV, &3u32.to_be_bytes()),
            attr(attr::IFINDEX_PHYSINDEV, &9u32.to_be_bytes()),
            attr(attr::HWTYPE, &772u16.to_be_bytes()),
            attr(attr::HWLEN, &14u16.to_be_bytes()),
            attr(attr::HWHEADER, &[0; 14]),
            attr(attr::PAYLOAD, &[]),
        ]);
        let p = parse_packet(Messages::new(&buf).next().unwrap().unwrap().payload).unwrap();
        assert_eq!(p.ifindex_in(), 9);
        assert_eq!(p.ethernet_header(), None);
        assert_eq!(p.payload, &[] as &[u8]);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        // no payload
        let buf = packet_msg(&[attr(attr::MARK, &1u32.to_be_bytes())]);
        let m = Messages::new(&buf).next().unwrap().unwrap();
        assert_eq!(parse_packet(m.payload), Err(NflogError::NoPayload));
        // short nfgenmsg
        assert_eq!(parse_packet(&[2, 0]), Err(NflogError::Truncated));
        // an attribute longer than the message
        let mut body = vec![2u8, 0, 0, 7];
        body.extend_from_slice(&200u16.to_ne_bytes());
        body.extend_from_slice(&attr::PAYLOAD.to_ne_bytes());
        assert_eq!(parse_packet(&body), Err(NflogError::BadAttributeLength));
        // an attribute shorter than its header
        let mut body = vec![2u8, 0, 0, 7];
        body.extend_from_slice(&2u16.to_ne_bytes());
        body.extend_from_slice(&attr::PAYLOAD.to_ne_bytes());
        assert_eq!(parse_packet(&body), Err(NflogError::BadAttributeLength));
        // fixed-size attributes cut short read as absent
        let buf = packet_msg(&[
            attr(attr::TIMESTAMP, &[0; 12]),
            attr(attr::IFINDEX_INDEV, &[0, 1]),
            attr(attr::PAYLOAD, &[1]),
        ]);
        let p = parse_packet(Messages::new(&buf).next().unwrap().unwrap().payload).unwrap();
        assert_eq!((p.timestamp, p.indev), (None, 0));
        // a header length lying about the buffer: one error, then the walk ends
        let mut buf = full();
        buf[0..4].copy_from_slice(&10_000u32.to_ne_bytes());
        let v: Vec<_> = Messages::new(&buf).collect();
        assert_eq!(v, [Err(NflogError::BadMessageLength)]);
        let mut buf = full();
        buf[0..4].copy_from_slice(&3u32.to_ne_bytes());
        assert_eq!(Messages::new(&buf).count(), 1);
        assert_eq!(Messages::new(&[1, 2]).count(), 1);
        // every truncation of a good message
        let buf = full();
        for n in 0..buf.len() {
            for m in Messages::new(&buf[..n]).flatten() {
                let _ = parse_packet(m.payload);
            }
            let _ = parse_packet(&buf[NLMSG_HDRLEN.min(n)..n]);
        }
    }

    #[test]
    fn batches_of_messages() {
        let one = full();
        let mut buf = one.clone();
        buf.extend_from_slice(&one);
        buf.extend_from_slice(&one[..one.len() - 3]); // the last one cut
        let v: Vec<_> = Messages::new(&buf).collect();
        assert_eq!(v.len(), 3);
        assert!(v[0].is_ok() && v[1].is_ok());
        assert_eq!(v[2], Err(NflogError::BadMessageLength));
    }

    #[test]
    fn config_messages() {
        let mut out = [0u8; CONFIG_MESSAGE_MAX];
        let n = config_message(
            &mut out,
            9,
            7,
            0,
            Config::Mode {
                mode: COPY_PACKET,
                range: 128,
            },
        );
        assert_eq!(n, 32);
        let m = Messages::new(&out[..n]).next().unwrap().unwrap();
        assert_eq!((m.kind, m.flags, m.seq), (MSG_CONFIG, NLM_F_REQUEST_ACK, 9));
        assert_eq!(&m.payload[..4], &[0, 0, 0, 7]);
        let a = Attrs::new(&m.payload[4..]).next().unwrap().unwrap();
        assert_eq!(a.kind, cfg_attr::MODE);
        assert_eq!(a.data, &[0, 0, 0, 128, COPY_PACKET, 0]);
        let n = config_message(&mut out, 1, 0, 10, Config::Cmd(CFG_CMD_PF_BIND));
        assert_eq!(n, 28);
        assert_eq!(out[16], 10);
        let n = config_message(&mut out, 1, 0, 0, Config::QThresh(5));
        assert_eq!(n, 28);
        assert_eq!(&out[24..28], &5u32.to_be_bytes());
        let n = config_message(&mut out, 1, 0, 0, Config::NlBufSiz(131_072));
        assert_eq!(n, 28);
        assert_eq!(ack_error(&(-16i32).to_ne_bytes()), Some(-16));
        assert_eq!(ack_error(&[0]), None);
    }
}
