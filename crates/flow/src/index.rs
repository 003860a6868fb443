//! The cache's key index: each key is packed into a few dozen bytes (only the aggregated
//! primitives plus the bin, see `primitives::KeyCodec`), hashed once, and stored in an arena;
//! an open-addressing table maps it to the entry. Compared with hashing and storing the whole
//! `Primitives` struct this keeps a hit to one short hash and one short memcmp, and the
//! memory to the key's real size.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::label::LabelId;
use crate::rd::RouteDistinguisher;
use pmacct_wire::Timestamp;

/// Upper bound of a packed key: every primitive aggregated plus the bin (about 380 bytes).
const MAX_KEY: usize = 512 + crate::custom::CUSTOM_BUF;

/// A packed key under construction, on the stack.
pub struct KeyBuf {
    buf: [u8; MAX_KEY],
    len: usize,
}

impl Default for KeyBuf {
    fn default() -> Self {
        KeyBuf {
            buf: [0; MAX_KEY],
            len: 0,
        }
    }
}

impl KeyBuf {
    #[inline(always)]
    pub fn put(&mut self, b: &[u8]) {
        // Cannot overflow by construction (MAX_KEY covers every primitive); stay safe anyway
        // (what does not fit is left out). Written so that a field's constant length stays
        // constant here: the copy is then a few moves, not a call to memcpy per field.
        if let Some(dst) = self.buf.get_mut(self.len..self.len + b.len()) {
            copy_short(dst, b);
            self.len += b.len();
        } else {
            let n = MAX_KEY - self.len;
            self.buf[self.len..].copy_from_slice(&b[..n]);
            self.len = MAX_KEY;
        }
    }
    /// `a` then `b` in one bound check and one length update, each stored whole from where
    /// it is (a register): built in a stack temporary and copied as words, the two parts
    /// were loaded back across the stores that wrote them, which the CPU cannot forward (a
    /// stall of a dozen cycles, four times a record on the tutorial aggregate).
    #[inline(always)]
    pub fn put_pair<const A: usize, const B: usize>(&mut self, a: [u8; A], b: [u8; B]) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + A + B) {
            dst[..A].copy_from_slice(&a);
            dst[A..].copy_from_slice(&b);
            self.len += A + B;
        } else {
            self.put(&a);
            self.put(&b);
        }
    }
    pub fn clear(&mut self) {
        self.len = 0;
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// `dst.copy_from_slice(src)`, where a length known only at run time (the key's runs of
/// neighbouring fields, 2 to 16 bytes) is copied as two overlapping words rather than by a
/// call to memcpy, which cost more than the copy. A constant length folds to its own moves.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    if dst.len() != src.len() {
        return dst.copy_from_slice(src);
    }
    match src.len() {
        8..=16 => overlapping::<8>(dst, src),
        4..=7 => overlapping::<4>(dst, src),
        2..=3 => overlapping::<2>(dst, src),
        _ => dst.copy_from_slice(src),
    }
}

/// The first and the last `N` bytes of `src` (N <= its length <= 2N, as long as `dst`),
/// which between them cover it.
#[inline(always)]
fn overlapping<const N: usize>(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    let mut head = [0u8; N];
    let mut tail = [0u8; N];
    head.copy_from_slice(&src[..N]);
    tail.copy_from_slice(&src[n - N..]);
    dst[..N].copy_from_slice(&head);
    dst[n - N..].copy_from_slice(&tail);
}

/// Reads a packed key back, field by field; every read is bounds-checked.
pub struct KeyReader<'a> {
    rest: &'a [u8],
}

impl<'a> KeyReader<'a> {
    pub fn new(key: &'a [u8]) -> Self {
        KeyReader { rest: key }
    }
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Some(a)
    }
    pub fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.bytes(N)?.try_into().ok()
    }
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// A value type of the flow model that a primitive's row can put in a cache key.
pub trait KeyField: Sized {
    /// The field's key bytes are its bytes in memory on a little-endian machine (an integer
    /// or a byte array: no padding, no niche): a codec may then copy a run of neighbouring
    /// such fields at once instead of packing each.
    const RAW: bool = false;
    fn pack(&self, k: &mut KeyBuf);
    fn unpack(r: &mut KeyReader<'_>) -> Option<Self>;
    /// A value that is not the default (tests of the primitives table).
    fn sample() -> Self;
}

macro_rules! int_key_field {
    ($($t:ty),*) => { $(
        impl KeyField for $t {
            const RAW: bool = true;
            #[inline]
            fn pack(&self, k: &mut KeyBuf) {
                k.put(&self.to_le_bytes());
            }
            #[inline]
            fn unpack(r: &mut KeyReader<'_>) -> Option<Self> {
                Some(<$t>::from_le_bytes(r.take()?))
            }
            fn sample() -> Self {
                0x2A
            }
        }
    )* };
}
int_key_field!(u8, u16, u32, u64);

impl KeyField for [u8; 6] {
    const RAW: bool = true;
    #[inline]
    fn pack(&self, k: &mut KeyBuf) {
        k.put(self);
    }
    fn unpack(r: &mut KeyReader<'_>) -> Option<Self> {
        r.take()
    }
    fn sample() -> Self {
        [2, 0, 0, 0, 0, 0x2A]
    }
}

/// None, 0.0.0.0 and :: are three different keys (a family tag first).
impl KeyField for Option<IpAddr> {
    // Always: a key packs two addresses per record, and the call cost as much as the copy.
    #[inline(always)]
    fn pack(&self, k: &mut KeyBuf) {
        match self {
            None => k.put(&[0]),
            Some(IpAddr::V4(v)) => k.put_pair([4], v.octets()),
            Some(IpAddr::V6(v)) => k.put_pair([6], v.octets()),
        }
    }
    fn unpack(r: &mut KeyReader<'_>) -> Option<Self> {
        Some(match r.take::<1>()?[0] {
            0 => None,
            4 => Some(IpAddr::V4(Ipv4Addr::from(r.take::<4>()?))),
            6 => Some(IpAddr::V6(Ipv6Addr::from(r.take::<16>()?))),
            _ => return None,
        })
    }
    fn sample() -> Self {
        Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 42)))
    }
}

impl KeyField for Timestamp {
    #[inline]
    fn pack(&self, k: &mut KeyBuf) {
        k.put_pair(self.secs.to_le_bytes(), self.usecs.to_le_bytes());
    }
    fn unpack(r: &mut KeyReader<'_>) -> Option<Self> {
        Some(Timestamp::new(
            u64::from_le_bytes(r.take()?),
            u32::from_le_bytes(r.take()?),
        ))
    }
    fn sample() -> Self {
        Timestamp::new(1_677_577_561, 88_000)
    }
}

impl KeyField for RouteDistinguisher {
    #[inline]
    fn pack(&self, k: &mut KeyBuf) {
        k.put(&self.to_key());
    }
    fn unpack(r: &mut KeyReader<'_>) -> Option<Self> {
        RouteDistinguisher::from_key(r.take()?)
    }
    fn sample() -> Self {
        RouteDistinguisher::As2 {
            asn: 65000,
            val: 42,
        }
    }
}

impl KeyField for LabelId {
    const RAW: bool = true;
    #[inline]
    fn pack(&self, k: &mut KeyBuf) {
        k.put(&self.0.to_le_bytes());
    }
    fn unpack(r: &mut KeyReader<'_>) -> Option<Self> {
        Some(LabelId(u32::from_le_bytes(r.take()?)))
    }
    fn sample() -> Self {
        crate::label::intern("sample-label").unwrap_or(LabelId(1))
    }
}

/// The hash of a packed key, under this process's [`HashSecret`].
pub fn hash_key(b: &[u8]) -> u64 {
    HashSecret::process().hash(b)
}

/// A random key for the index hash, drawn once per process. Keys come from the network: with
/// a hash anyone can compute, a sender could choose flows whose keys all start one probe
/// chain (an unkeyed word hash put 16,384 keys differing in their last two bytes in one
/// chain: each insert walked all the others).
#[derive(Debug, Clone, Copy)]
pub struct HashSecret {
    start: u64,
    /// Xored into the second word of each pair.
    second: u64,
}

impl HashSecret {
    pub fn process() -> HashSecret {
        static SECRET: std::sync::OnceLock<HashSecret> = std::sync::OnceLock::new();
        // std's RandomState is seeded from the OS's random source.
        *SECRET
            .get_or_init(|| HashSecret::drawn_from(&std::collections::hash_map::RandomState::new()))
    }

    fn drawn_from(r: &impl std::hash::BuildHasher) -> HashSecret {
        HashSecret {
            start: r.hash_one(0x243f_6a88_85a3_08d3u64),
            second: r.hash_one(0x1319_8a2e_0370_7344u64),
        }
    }

    /// Two words at a time, folded into the state by a full 64x64->128 multiply of the state
    /// xor the first word by the second word xor the secret, whose halves are xored; then
    /// one last fold. One multiply per 16 bytes keeps the chain of dependent multiplies half
    /// as long as one a word.
    #[inline]
    pub fn hash(&self, b: &[u8]) -> u64 {
        #[inline(always)]
        fn fold(a: u64, b: u64) -> u64 {
            let m = u128::from(a) * u128::from(b);
            (m as u64) ^ ((m >> 64) as u64)
        }
        #[inline(always)]
        fn word(c: &[u8]) -> u64 {
            c.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w))
        }
        let mut h = self.start ^ b.len() as u64;
        let mut chunks = b.chunks_exact(16);
        for c in &mut chunks {
            let (w0, w1) = c.split_at(8);
            h = fold(h ^ word(w0), word(w1) ^ self.second);
        }
        // The last 1-15 bytes as overlapping words (the length is in the state already, so
        // the overlap loses nothing), not copied into a zeroed word: a copy of a length known
        // only at run time was a call to memcpy, one or two a key.
        let rest = chunks.remainder();
        let n = rest.len();
        if n != 0 {
            let (w0, w1) = match (rest.first_chunk::<8>(), rest.first_chunk::<4>()) {
                (Some(a), _) => (
                    u64::from_le_bytes(*a),
                    u64::from_le_bytes(*rest[n - 8..].first_chunk::<8>().unwrap_or(a)),
                ),
                (None, Some(a)) => {
                    let b = rest[n - 4..].first_chunk::<4>().unwrap_or(a);
                    (
                        u64::from(u32::from_le_bytes(*a)) | u64::from(u32::from_le_bytes(*b)) << 32,
                        0,
                    )
                }
                (None, None) => (
                    u64::from(rest[0]) | u64::from(rest[n / 2]) << 8 | u64::from(rest[n - 1]) << 16,
                    0,
                ),
            };
            h = fold(h ^ w0, w1 ^ self.second);
        }
        // The last pair's words reach the low bits of the state only through the carries of
        // one multiply (a run of keys differing in their last bytes lands in runs of slots):
        // one more fold spreads them.
        fold(h, self.start ^ 0x9e37_79b9_7f4a_7c15)
    }
}

/// One table slot: entry number + 1 (0 = empty), low 32 bits of the key hash, and where the
/// key sits in the arena, so that a probe touches the slot and the key bytes only.
#[derive(Debug, Clone, Copy, Default)]
struct SlotData {
    entry: u32,
    hash: u32,
    off: u32,
    len: u32,
}

/// Packed keys -> entry numbers (insertion order), open addressing with linear probing.
#[derive(Debug)]
pub struct KeyIndex {
    /// Power-of-two length, at most half full.
    slots: Vec<SlotData>,
    count: usize,
    arena: Vec<u8>,
    /// Kept here: no shared load per lookup.
    secret: HashSecret,
}

impl Default for KeyIndex {
    fn default() -> KeyIndex {
        KeyIndex::with_secret(HashSecret::process())
    }
}

/// Result of a lookup-or-insert.
pub enum Slot {
    Found(usize),
    Inserted(usize),
}

impl KeyIndex {
    fn with_secret(secret: HashSecret) -> KeyIndex {
        KeyIndex {
            slots: Vec::new(),
            count: 0,
            arena: Vec::new(),
            secret,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn find(&self, key: &[u8], h: u32) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut s = (h as usize) & mask;
        loop {
            let d = &self.slots[s];
            if d.entry == 0 {
                return Err(s);
            }
            if d.hash == h && d.len as usize == key.len() {
                let start = d.off as usize;
                if self.arena.get(start..start + key.len()) == Some(key) {
                    return Ok(d.entry as usize - 1);
                }
            }
            s = (s + 1) & mask;
        }
    }

    /// Slots a lookup of `key` visits (tests: how long the probe chains are).
    #[cfg(test)]
    fn probes(&self, key: &[u8]) -> usize {
        let mask = self.slots.len() - 1;
        let mut s = (self.secret.hash(key) as u32 as usize) & mask;
        let mut n = 1;
        while self.slots[s].entry != 0 && self.arena_key(s) != Some(key) {
            s = (s + 1) & mask;
            n += 1;
        }
        n
    }

    #[cfg(test)]
    fn arena_key(&self, s: usize) -> Option<&[u8]> {
        let d = &self.slots[s];
        self.arena.get(d.off as usize..(d.off + d.len) as usize)
    }

    /// Heap bytes held: slots and key arena.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<SlotData>() + self.arena.capacity()
    }

    /// Bytes of keys stored: where the next inserted key will start.
    pub fn arena_len(&self) -> usize {
        self.arena.len()
    }

    /// The stored key at `off` (as [`KeyIndex::arena_len`] said before its insert).
    pub fn key_at(&self, off: usize, len: usize) -> &[u8] {
        self.arena.get(off..off + len).unwrap_or(&[])
    }

    /// Is `key` present?
    pub fn contains(&self, key: &[u8]) -> bool {
        !self.slots.is_empty() && self.find(key, self.secret.hash(key) as u32).is_ok()
    }

    /// The entry number of `key`, inserting it as the next entry when absent and
    /// `may_insert` allows (else `None`; also `None` past 4 GiB of keys).
    pub fn get_or_insert(&mut self, key: &[u8], may_insert: bool) -> Option<Slot> {
        self.get_or_insert_hashed(key, self.hash(key), may_insert)
    }

    /// The hash a lookup of `key` starts from (the process's secret: it never changes, so
    /// a hash taken ahead stays good through clears and growth).
    #[inline]
    pub fn hash(&self, key: &[u8]) -> u32 {
        self.secret.hash(key) as u32
    }

    /// Ask this core's cache for the slot a lookup of hash `h` reads first: a key packed
    /// ahead of its turn finds its slot there (the slots are spread over many lines, each
    /// lookup's first read a miss otherwise). A hint only.
    #[inline]
    pub fn prefetch(&self, h: u32) {
        if !self.slots.is_empty() {
            let s = (h as usize) & (self.slots.len() - 1);
            crate::flow::prefetch_line(self.slots.as_ptr().wrapping_add(s).cast::<u8>());
        }
    }

    /// [`KeyIndex::get_or_insert`] with `key`'s [`KeyIndex::hash`] taken already.
    pub fn get_or_insert_hashed(&mut self, key: &[u8], h: u32, may_insert: bool) -> Option<Slot> {
        if self.slots.is_empty() {
            self.grow();
        }
        let mut slot = match self.find(key, h) {
            Ok(i) => return Some(Slot::Found(i)),
            Err(_) if !may_insert => return None,
            Err(s) => s,
        };
        let off = u32::try_from(self.arena.len())
            .ok()
            .filter(|o| o.checked_add(key.len() as u32).is_some())?;
        // Keep the table at most half full; only inserts grow it.
        if self.slots.len() < 2 * (self.count + 1) {
            self.grow();
            slot = self.find(key, h).err()?;
        }
        let i = self.count;
        self.slots[slot] = SlotData {
            entry: (i + 1) as u32,
            hash: h,
            off,
            len: key.len() as u32,
        };
        self.count += 1;
        self.arena.extend_from_slice(key);
        Some(Slot::Inserted(i))
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![SlotData::default(); cap]);
        let mask = cap - 1;
        for d in old.into_iter().filter(|d| d.entry != 0) {
            let mut s = (d.hash as usize) & mask;
            while self.slots[s].entry != 0 {
                s = (s + 1) & mask;
            }
            self.slots[s] = d;
        }
    }

    /// Forget every key, keeping the allocations for the next interval.
    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = SlotData::default());
        self.count = 0;
        self.arena.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte of a key reaches its hash, at every length (the last 1-15 bytes are read
    /// as overlapping words): a key with any one byte changed hashes apart.
    #[test]
    fn every_byte_reaches_the_hash() {
        let secret = HashSecret::process();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in 1..=48usize {
            for _ in 0..20 {
                let key: Vec<u8> = (0..n).map(|_| next() as u8).collect();
                let h = secret.hash(&key);
                for i in 0..n {
                    let mut k = key.clone();
                    k[i] ^= 1 << (next() % 8);
                    assert_ne!(secret.hash(&k), h, "length {n}, byte {i}");
                }
            }
        }
    }

    /// Every length a key's run may have, and past it: the same bytes as a plain copy,
    /// nothing written past the length.
    #[test]
    fn short_copies_copy_exactly_their_bytes() {
        for n in 0..=40usize {
            let src: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
            let mut dst = [0xEEu8; 48];
            copy_short(&mut dst[..n], &src);
            assert_eq!(&dst[..n], &src[..], "length {n}");
            assert!(dst[n..].iter().all(|b| *b == 0xEE), "length {n}");
            let mut k = KeyBuf::default();
            k.put(&[1]);
            k.put(&src);
            assert_eq!(k.as_bytes().len(), n + 1);
            assert_eq!(&k.as_bytes()[1..], &src[..]);
        }
    }

    /// A pair is its two parts put one after the other, at every fill of the buffer: the
    /// end of the buffer too, where what does not fit is left out.
    #[test]
    fn a_pair_is_its_two_puts() {
        for fill in (0..MAX_KEY - 40).step_by(97).chain(MAX_KEY - 40..=MAX_KEY) {
            let (mut a, mut b) = (KeyBuf::default(), KeyBuf::default());
            for k in [&mut a, &mut b] {
                k.buf = [0xEE; MAX_KEY];
                k.len = fill;
            }
            a.put_pair([6], [0xA5; 16]);
            a.put_pair(7u64.to_le_bytes(), 9u32.to_le_bytes());
            b.put(&[6]);
            b.put(&[0xA5; 16]);
            b.put(&7u64.to_le_bytes());
            b.put(&9u32.to_le_bytes());
            assert_eq!(a.len, b.len, "fill {fill}");
            assert_eq!(a.buf, b.buf, "fill {fill}");
        }
    }

    /// Keys from the network that differ only where a sender chooses (here the last two
    /// bytes of a 48-byte key, a port or the flags) still spread over the table: no long
    /// probe chain for an exporter to build.
    #[test]
    fn chosen_keys_do_not_share_a_probe_chain() {
        let keys = 1u32 << 14;
        let mut worst = (0.0f64, 0usize);
        // Whatever the secret: 50 of them.
        for _ in 0..50 {
            let mut ix = KeyIndex::with_secret(HashSecret::drawn_from(
                &std::collections::hash_map::RandomState::new(),
            ));
            let mut key = [0x5au8; 48];
            for i in 0..keys {
                key[46..].copy_from_slice(&(i as u16).to_le_bytes());
                ix.get_or_insert(&key, true);
            }
            assert_eq!(ix.len(), keys as usize);
            let (mut total, mut longest) = (0, 0);
            for i in 0..keys {
                key[46..].copy_from_slice(&(i as u16).to_le_bytes());
                let n = ix.probes(&key);
                total += n;
                longest = longest.max(n);
            }
            let mean = total as f64 / f64::from(keys);
            worst = (worst.0.max(mean), worst.1.max(longest));
        }
        // A table at most half full: about 1.5 probes a hit on average with a hash that
        // spreads the keys (the longest run some tens); one shared chain would be thousands.
        assert!(
            worst.0 < 2.5 && worst.1 < 200,
            "worst mean {}, longest {}",
            worst.0,
            worst.1
        );
    }

    #[test]
    fn index_finds_and_grows() {
        let mut ix = KeyIndex::default();
        for i in 0..10_000u32 {
            assert!(
                matches!(ix.get_or_insert(&i.to_le_bytes(), true), Some(Slot::Inserted(n)) if n == i as usize)
            );
        }
        for i in 0..10_000u32 {
            assert!(
                matches!(ix.get_or_insert(&i.to_le_bytes(), true), Some(Slot::Found(n)) if n == i as usize)
            );
        }
        assert!(ix.get_or_insert(&[1, 2, 3], false).is_none());
        ix.clear();
        assert!(!ix.contains(&0u32.to_le_bytes()));
    }
}
