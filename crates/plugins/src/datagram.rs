//! Raw export datagrams for datagram plugins (tee): the core hands them over in batches, the
//! bytes of every datagram in one buffer, as they arrived (nothing decoded or rewritten).

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;

/// A batch of datagrams: one byte buffer and, per datagram, its exporter and its range.
#[derive(Debug, Default, Clone)]
pub struct DatagramBatch {
    bytes: Vec<u8>,
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
struct Item {
    src: SocketAddr,
    agent: IpAddr,
    range: Range<usize>,
}

impl DatagramBatch {
    pub fn with_capacity(datagrams: usize, bytes: usize) -> DatagramBatch {
        DatagramBatch {
            bytes: Vec::with_capacity(bytes),
            items: Vec::with_capacity(datagrams),
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
        });
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
    }

    /// The datagrams in arrival order: exporter and payload.
    pub fn iter(&self) -> impl Iterator<Item = (SocketAddr, &[u8])> + '_ {
        self.items
            .iter()
            .map(|i| (i.src, &self.bytes[i.range.clone()]))
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
        b.clear();
        assert!(b.is_empty());
    }
}
