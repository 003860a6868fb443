//! XDR reading, bounded: every read checks the bytes left.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[inline]
pub(super) fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

#[inline]
pub(super) fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// XDR reader over a bounded slice. Every read checks the bytes left; `None` = ran out.
#[derive(Clone, Copy)]
pub(super) struct Rd<'a> {
    pub(super) b: &'a [u8],
    pub(super) p: usize,
}

impl<'a> Rd<'a> {
    pub(super) fn new(b: &'a [u8]) -> Self {
        Rd { b, p: 0 }
    }
    pub(super) fn left(&self) -> usize {
        self.b.len().saturating_sub(self.p)
    }
    pub(super) fn u32(&mut self) -> Option<u32> {
        let v = be32(self.b, self.p)?;
        self.p += 4;
        Some(v)
    }
    /// `N` words in one bound check (a sample's or a record's fixed fields).
    #[inline]
    pub(super) fn words<const N: usize>(&mut self) -> Option<[u32; N]> {
        let end = self.p.checked_add(4 * N)?;
        let s = self.b.get(self.p..end)?;
        self.p = end;
        let mut out = [0u32; N];
        for (o, c) in out.iter_mut().zip(s.chunks_exact(4)) {
            *o = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        Some(out)
    }
    pub(super) fn u64(&mut self) -> Option<u64> {
        Some((self.u32()? as u64) << 32 | self.u32()? as u64)
    }
    /// `n` bytes, then skip the XDR padding to 4.
    pub(super) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.p..self.p.checked_add(n)?)?;
        let np = self.p.checked_add(pad4(n))?;
        if np > self.b.len() {
            return None;
        }
        self.p = np;
        Some(s)
    }
    /// XDR opaque/string: u32 length then bytes.
    pub(super) fn opaque(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }
    pub(super) fn ipv4(&mut self) -> Option<IpAddr> {
        let s = self.bytes(4)?;
        Some(IpAddr::V4(Ipv4Addr::new(s[0], s[1], s[2], s[3])))
    }
    pub(super) fn ipv6(&mut self) -> Option<IpAddr> {
        let s = self.bytes(16)?;
        let mut a = [0u8; 16];
        a.copy_from_slice(s);
        Some(IpAddr::V6(Ipv6Addr::from(a)))
    }
    /// sFlow address: type 0 (unknown, no bytes), 1 IPv4, 2 IPv6. Other types: malformed.
    pub(super) fn address(&mut self) -> Option<Option<IpAddr>> {
        match self.u32()? {
            0 => Some(None),
            1 => Some(Some(self.ipv4()?)),
            2 => Some(Some(self.ipv6()?)),
            _ => None,
        }
    }
    /// `count` 4-byte items, checked against what is left before anything is walked.
    pub(super) fn array32(&mut self, count: u32) -> Option<&'a [u8]> {
        let n = (count as usize).checked_mul(4)?;
        if n > self.left() {
            return None;
        }
        self.bytes(n)
    }
    pub(super) fn mac8(&mut self) -> Option<[u8; 6]> {
        let s = self.bytes(6)?; // padded to 8
        let mut m = [0u8; 6];
        m.copy_from_slice(s);
        Some(m)
    }
}
