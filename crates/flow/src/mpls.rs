//! `mpls_label_stack` (pmacct 1.7.8+): the MPLS label stack of a flow, top first, as a
//! fixed-size value (no heap: the flow model stays `Copy`).

use std::io::Write;

use crate::index::{KeyBuf, KeyField, KeyReader};

/// At most 10 labels: IPFIX/NetFlow v9 carry mplsTopLabelStackSection and nine more (IE 70-79).
pub const MAX_LABELS: usize = 10;

/// Up to [`MAX_LABELS`] 20-bit label values, top first, 3 bytes each (31 bytes, byte
/// aligned: the flow model crosses every queue by value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MplsLabelStack {
    len: u8,
    labels: [[u8; 3]; MAX_LABELS],
}

/// Labels are 20-bit; anything wider is cut to 24 bits (never produced by the decoders).
fn pack3(v: u32) -> [u8; 3] {
    let b = v.to_be_bytes();
    [b[1], b[2], b[3]]
}

fn unpack3(b: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, b[0], b[1], b[2]])
}

impl MplsLabelStack {
    /// The first `len` labels of `labels` (longer lists are cut at [`MAX_LABELS`]).
    pub fn new(labels: &[u32]) -> MplsLabelStack {
        let mut s = MplsLabelStack::default();
        let n = labels.len().min(MAX_LABELS);
        for (d, l) in s.labels.iter_mut().zip(&labels[..n]) {
            *d = pack3(*l);
        }
        s.len = n as u8;
        s
    }
    /// The labels, top first.
    pub fn labels(&self) -> impl ExactSizeIterator<Item = u32> + Clone + '_ {
        self.labels[..usize::from(self.len).min(MAX_LABELS)]
            .iter()
            .map(|b| unpack3(*b))
    }
    pub fn len(&self) -> usize {
        usize::from(self.len).min(MAX_LABELS)
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// pmacct's string form: labels joined by `_` (`16065_16033`), empty for no stack.
    pub fn write_plain(&self, out: &mut Vec<u8>) {
        for (i, l) in self.labels().enumerate() {
            if i > 0 {
                out.push(b'_');
            }
            let _ = write!(out, "{l}");
        }
    }
    /// Element `i` of `mpls_label_stack_encode_as_array`: `<index>-<label>` (`0-16065`).
    pub fn write_indexed(out: &mut Vec<u8>, i: usize, label: u32) {
        let _ = write!(out, "{i}-{label}");
    }
}

impl KeyField for MplsLabelStack {
    #[inline]
    fn pack(&self, k: &mut KeyBuf) {
        k.put(&[self.len]);
        for l in &self.labels[..self.len()] {
            k.put(l);
        }
    }
    fn unpack(r: &mut KeyReader<'_>) -> Option<Self> {
        let n = usize::from(r.take::<1>()?[0]);
        if n > MAX_LABELS {
            return None;
        }
        let mut s = MplsLabelStack {
            len: n as u8,
            ..Default::default()
        };
        for l in s.labels.iter_mut().take(n) {
            *l = r.take()?;
        }
        Some(s)
    }
    fn sample() -> Self {
        MplsLabelStack::new(&[16065, 16033])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_key_round_trip() {
        let s = MplsLabelStack::new(&[16065, 16033]);
        let mut v = Vec::new();
        s.write_plain(&mut v);
        assert_eq!(v, b"16065_16033");
        let mut k = KeyBuf::default();
        s.pack(&mut k);
        let mut r = KeyReader::new(k.as_bytes());
        assert_eq!(MplsLabelStack::unpack(&mut r), Some(s));
        assert!(r.is_empty());
        // A lying length is refused, not read past.
        let mut r = KeyReader::new(&[11, 0, 0, 0, 0]);
        assert_eq!(MplsLabelStack::unpack(&mut r), None);
        assert_eq!(MplsLabelStack::new(&[1; 12]).len(), MAX_LABELS);
        assert_eq!(
            MplsLabelStack::new(&[0xFFFFF, 0])
                .labels()
                .collect::<Vec<_>>(),
            [0xFFFFF, 0]
        );
    }
}
