//! Raw export datagrams for datagram plugins (tee), or captured frames for frame plugins
//! (pmacctd's sfprobe): the core hands them over in batches, the bytes of every datagram in
//! one buffer, as they arrived (nothing decoded or rewritten).

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;

use pmacct_flow::Flow;

/// A batch of datagrams: one byte buffer and, per datagram, its exporter and its range.
#[derive(Debug, Default, Clone)]
pub struct DatagramBatch {
    bytes: Vec<u8>,
    items: Vec<Item>,
    /// Captured frames: the flow the core accounted for each ([`DatagramBatch::set_flow`]),
    /// what the plugin's stages (pre_tag_map, filters, networks_file) run on for sfprobe.
    flows: Vec<Flow>,
}

#[derive(Debug, Clone)]
struct Item {
    src: SocketAddr,
    agent: IpAddr,
    range: Range<usize>,
    /// Captured frames: pcap's link type and the frame's length on the wire.
    linktype: u32,
    wirelen: u32,
    /// Captured frames: input and output ifIndex the capture named (uacctd's NFLOG
    /// interfaces; 0 for pcap).
    ifindex: [u32; 2],
}

/// A captured frame of a [`DatagramBatch`].
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The captured bytes (at most the snaplen).
    pub data: &'a [u8],
    /// libpcap DLT of `data`.
    pub linktype: u32,
    /// Length on the wire (>= `data.len()`).
    pub wirelen: u32,
    /// Input/output ifIndex the capture named (uacctd: NFLOG's), 0 when unknown.
    pub ifindex_in: u32,
    pub ifindex_out: u32,
}

impl DatagramBatch {
    pub fn with_capacity(datagrams: usize, bytes: usize) -> DatagramBatch {
        DatagramBatch {
            bytes: Vec::with_capacity(bytes),
            items: Vec::with_capacity(datagrams),
            flows: Vec::new(),
        }
    }

    /// Append a datagram received from `src`, whose agent address (what pre_tag_map's
    /// `ip=` matches: sFlow's agent address field, NetFlow's sender) is `agent`.
    pub fn push(&mut self, src: SocketAddr, agent: IpAddr, data: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(data);
        self.items.push(Item {
            src,
            agent,
            range: start..self.bytes.len(),
            linktype: 0,
            wirelen: data.len() as u32,
            ifindex: [0; 2],
        });
    }

    /// Append a captured frame (pmacctd) of link type `linktype`, `wirelen` bytes long on
    /// the wire.
    pub fn push_frame(&mut self, data: &[u8], linktype: u32, wirelen: u32) {
        self.push_captured(&Frame {
            data,
            linktype,
            wirelen,
            ifindex_in: 0,
            ifindex_out: 0,
        });
    }

    /// Append a captured frame with the interfaces it was seen on.
    pub fn push_captured(&mut self, f: &Frame<'_>) {
        let (data, linktype, wirelen) = (f.data, f.linktype, f.wirelen);
        let start = self.bytes.len();
        self.bytes.extend_from_slice(data);
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        self.items.push(Item {
            src: unspecified,
            agent: unspecified.ip(),
            range: start..self.bytes.len(),
            linktype,
            wirelen: wirelen.max(data.len() as u32),
            ifindex: [f.ifindex_in, f.ifindex_out],
        });
    }

    /// The flow the core accounted for the frame pushed last (frames pushed without one
    /// get an empty flow).
    pub fn set_flow(&mut self, flow: &Flow) {
        let Some(last) = self.items.len().checked_sub(1) else {
            return;
        };
        self.flows.resize(last, Flow::default());
        self.flows.push(*flow);
    }

    /// The flow the core accounted for frame `i`, if it was given one.
    pub fn flow(&self, i: usize) -> Option<&Flow> {
        self.flows.get(i)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes held (all datagrams).
    pub fn bytes_len(&self) -> usize {
        self.bytes.len()
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.items.clear();
        self.flows.clear();
    }

    /// The datagrams in arrival order: exporter and payload.
    /// The payload of datagram `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.items.get(i).map(|it| &self.bytes[it.range.clone()])
    }

    /// The sender of datagram `i`.
    pub fn get_src(&self, i: usize) -> Option<SocketAddr> {
        self.items.get(i).map(|it| it.src)
    }

    pub fn iter(&self) -> impl Iterator<Item = (SocketAddr, &[u8])> + '_ {
        self.items
            .iter()
            .map(|i| (i.src, &self.bytes[i.range.clone()]))
    }

    /// The items as captured frames ([`DatagramBatch::push_frame`]), in arrival order.
    pub fn frames(&self) -> impl Iterator<Item = Frame<'_>> + '_ {
        self.items.iter().map(|i| Frame {
            data: &self.bytes[i.range.clone()],
            linktype: i.linktype,
            wirelen: i.wirelen,
            ifindex_in: i.ifindex[0],
            ifindex_out: i.ifindex[1],
        })
    }

    /// The agent addresses, in the order of [`DatagramBatch::iter`].
    pub fn agents(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.items.iter().map(|i| i.agent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_each_datagram_and_its_exporter() {
        let mut b = DatagramBatch::with_capacity(2, 16);
        let a: SocketAddr = "192.0.2.1:2055".parse().unwrap();
        let c: SocketAddr = "[2001:db8::1]:6343".parse().unwrap();
        b.push(a, a.ip(), b"abc");
        b.push(c, c.ip(), b"");
        b.push(a, a.ip(), b"defg");
        assert_eq!(b.agents().nth(1), Some(c.ip()));
        let v: Vec<_> = b.iter().collect();
        assert_eq!(v, vec![(a, &b"abc"[..]), (c, &b""[..]), (a, &b"defg"[..])]);
        assert_eq!(b.bytes_len(), 7);
        b.push_frame(b"xy", 1, 60);
        let f = b.frames().nth(3).unwrap();
        assert_eq!((f.data, f.linktype, f.wirelen), (&b"xy"[..], 1, 60));
        assert_eq!((f.ifindex_in, f.ifindex_out), (0, 0));
        b.push_captured(&Frame {
            data: b"z",
            linktype: 1,
            wirelen: 0,
            ifindex_in: 3,
            ifindex_out: 4,
        });
        let f = b.frames().nth(4).unwrap();
        assert_eq!((f.wirelen, f.ifindex_in, f.ifindex_out), (1, 3, 4));
        assert!(b.flow(4).is_none());
        let mut fl = Flow::default();
        fl.prims.tag = 9;
        b.set_flow(&fl);
        assert_eq!(b.flow(4).map(|f| f.prims.tag), Some(9));
        assert_eq!(b.flow(3).map(|f| f.prims.tag), Some(0));
        b.clear();
        assert!(b.flow(0).is_none());
        assert!(b.is_empty());
    }
}
