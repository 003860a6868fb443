//! `pcap_savefile`: read captured export datagrams offline (nfacctd/sfacctd), as pmacct does.
//!
//! Only the link, network and UDP headers are read here: enough to recover the exporter
//! address and the UDP payload. Every UDP datagram in the file is handed on, whatever its port,
//! because that is what pmacct 1.7.7 does with a savefile.

use pmacct_wire::Timestamp;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// pmacct 1.7.7's line for a savefile libpcap cannot open:
/// `pcap_open_offline(): missing.pcap: No such file or directory`.
pub fn open_error(path: &str, e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => format!("pcap_open_offline(): {m}"),
        e => format!("pcap_open_offline(): {path}: {e}"),
    }
}

/// Refuse a savefile that cannot be opened before anything starts (pmacct exits 1).
pub fn check_readable(path: &str) -> Result<(), String> {
    pcap::Capture::from_file(path)
        .map(|_| ())
        .map_err(|e| open_error(path, &e))
}

/// A savefile's frames, read as libpcap reads them. A classic pcap file (microsecond
/// stamps, version 2.4, a link type libpcap hands on unchanged) is read here through a buffer
/// of up to 1 MiB, each frame handed on where it lies: libpcap reads through a stdio stream,
/// 4 KiB per system call, which cost as much CPU as decoding a fifth of the records of a
/// replayed NetFlow capture, and a copy per frame cost about 150 instructions (some 25 a
/// record of an sFlow capture, six samples a datagram). Any other file
/// (pcapng, nanosecond stamps, other versions, link types libpcap renumbers) is libpcap's, and
/// so is any record this reader finds odd (a truncated one, a capture length over the file's
/// snapshot length or libpcap's maximum): the file is opened again with libpcap, the frames
/// already handed on are skipped, and libpcap goes on from that record, as it would have.
pub struct Reader {
    path: String,
    inner: Inner,
}

enum Inner {
    Own(OwnFile),
    Lib(pcap::Capture<pcap::Offline>),
}

/// A frame of a savefile: its record header's values and captured bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub ts_sec: i64,
    pub ts_usec: i64,
    /// Length on the wire.
    pub len: u32,
    pub data: &'a [u8],
}

impl Frame<'_> {
    /// The record's stamp as a time (before 1970 as 0; microseconds held to 999,999).
    pub fn time(&self) -> Timestamp {
        Timestamp::new(
            self.ts_sec.max(0) as u64,
            self.ts_usec.clamp(0, 999_999) as u32,
        )
    }
}

struct OwnFile {
    file: std::fs::File,
    swapped: bool,
    snaplen: u32,
    linktype: i32,
    /// Frames handed on (what a fallback to libpcap skips).
    read: u64,
    /// The last record's header: seconds, microseconds, captured and wire lengths.
    head: [u32; 4],
    /// What was read of the file: `buf[pos..]` is not handed on yet. A frame is handed on
    /// where it lies, from `buf[frame..]`: no copy per frame, one read per buffer. Read into
    /// the vector's spare capacity, never zeroed first.
    buf: Vec<u8>,
    pos: usize,
    frame: usize,
}

/// libpcap's largest capture length for the link types read here (MAXIMUM_SNAPLEN).
const MAX_SNAPLEN: u32 = 262_144;
/// Link types whose LINKTYPE_ number libpcap hands on as the same DLT_ number on Linux.
const SAME_DLT: [u32; 7] = [0, 1, 108, 113, 228, 229, 276];
const READ_BUFFER: usize = 1 << 20;

enum Step {
    Frame,
    End,
    /// Something libpcap decides: a truncated record, an odd length.
    Odd,
}

impl Reader {
    /// Open `path` (libpcap's error when it cannot be read: see [`open_error`]).
    pub fn open(path: &str) -> Result<Reader, pcap::Error> {
        let inner = match OwnFile::open(path) {
            Some(own) => Inner::Own(own),
            None => Inner::Lib(pcap::Capture::from_file(path)?),
        };
        Ok(Reader {
            path: path.to_string(),
            inner,
        })
    }

    /// The DLT_ link type (libpcap's `pcap_datalink`).
    pub fn linktype(&self) -> i32 {
        match &self.inner {
            Inner::Own(f) => f.linktype,
            Inner::Lib(c) => c.get_datalink().0,
        }
    }

    /// The next frame; None at the end of the file; libpcap's error for a damaged file.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, pcap::Error> {
        if let Inner::Own(f) = &mut self.inner {
            match f.advance() {
                Step::Frame => {}
                Step::End => return Ok(None),
                Step::Odd => {
                    let skip = f.read;
                    let mut cap = pcap::Capture::from_file(&self.path)?;
                    for _ in 0..skip {
                        cap.next_packet()?;
                    }
                    self.inner = Inner::Lib(cap);
                }
            }
        }
        match &mut self.inner {
            // libpcap reads a record's stamps as signed 32-bit values, but those of a file
            // in the other byte order come out of its byte swap unsigned.
            Inner::Own(f) => Ok(Some(Frame {
                ts_sec: f.stamp(f.head[0]),
                ts_usec: f.stamp(f.head[1]),
                len: f.head[3],
                data: f
                    .buf
                    .get(f.frame..f.frame + f.head[2] as usize)
                    .unwrap_or(&[]),
            })),
            Inner::Lib(c) => match c.next_packet() {
                Ok(p) => Ok(Some(Frame {
                    ts_sec: p.header.ts.tv_sec,
                    ts_usec: p.header.ts.tv_usec,
                    len: p.header.len,
                    data: p.data,
                })),
                Err(pcap::Error::NoMorePackets) => Ok(None),
                Err(e) => Err(e),
            },
        }
    }
}

impl OwnFile {
    /// The file when it is a classic pcap file this reader reads as libpcap would; None
    /// for libpcap to open (and, for an unreadable or damaged file, to name the fault).
    fn open(path: &str) -> Option<OwnFile> {
        use std::io::Read;
        let file = std::fs::File::open(path).ok()?;
        // A regular file only: the fallback opens the file again, which a pipe (or libpcap's
        // "-", standard input) cannot do.
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        // The buffer need not be larger than the file (it grows for a file that does).
        let size = usize::try_from(file.metadata().ok()?.len()).unwrap_or(READ_BUFFER);
        let mut file = file;
        let mut h = [0u8; 24];
        file.read_exact(&mut h).ok()?;
        let magic = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let swapped = match magic {
            0xa1b2_c3d4 => cfg!(target_endian = "big"),
            0xd4c3_b2a1 => cfg!(target_endian = "little"),
            _ => return None,
        };
        let u16_at = |i: usize| {
            let v = u16::from_ne_bytes([h[i], h[i + 1]]);
            if swapped {
                v.swap_bytes()
            } else {
                v
            }
        };
        let u32_at = |i: usize| {
            let v = u32::from_ne_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
            if swapped {
                v.swap_bytes()
            } else {
                v
            }
        };
        let (major, minor, snaplen, linktype) = (u16_at(4), u16_at(6), u32_at(16), u32_at(20));
        if (major, minor) != (2, 4) || !SAME_DLT.contains(&linktype) {
            return None;
        }
        // libpcap takes a snapshot length of 0 or over its maximum as the maximum.
        let snaplen = if snaplen == 0 || snaplen > MAX_SNAPLEN {
            MAX_SNAPLEN
        } else {
            snaplen
        };
        Some(OwnFile {
            file,
            swapped,
            snaplen,
            linktype: linktype as i32,
            read: 0,
            head: [0; 4],
            buf: Vec::with_capacity(size.clamp(64, READ_BUFFER)),
            pos: 0,
            frame: 0,
        })
    }

    fn stamp(&self, v: u32) -> i64 {
        if self.swapped {
            i64::from(v)
        } else {
            i64::from(v as i32)
        }
    }

    fn advance(&mut self) -> Step {
        match self.fill(16) {
            Ok(true) => {}
            Ok(false) if self.pos == self.buf.len() => return Step::End,
            _ => return Step::Odd,
        }
        let h = &self.buf[self.pos..self.pos + 16];
        for (w, b) in self.head.iter_mut().zip(h.chunks_exact(4)) {
            let v = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            *w = if self.swapped { v.swap_bytes() } else { v };
        }
        self.pos += 16;
        let caplen = self.head[2];
        if caplen > self.snaplen {
            return Step::Odd;
        }
        let n = caplen as usize;
        if !matches!(self.fill(n), Ok(true)) {
            return Step::Odd;
        }
        self.frame = self.pos;
        self.pos += n;
        self.read += 1;
        Step::Frame
    }

    /// Have at least `want` bytes not handed on in the buffer (false: the file ends first).
    /// What is left is moved to the front and the buffer's room read in one go; the buffer
    /// grows only for a frame larger than itself (at most the snapshot length).
    fn fill(&mut self, want: usize) -> std::io::Result<bool> {
        use std::io::Read;
        if self.buf.len() - self.pos >= want {
            return Ok(true);
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        if self.buf.capacity() < want {
            self.buf.reserve_exact(want - self.buf.len());
        }
        let room = self.buf.capacity() - self.buf.len();
        (&mut self.file)
            .take(room as u64)
            .read_to_end(&mut self.buf)?;
        Ok(self.buf.len() >= want)
    }
}

/// A UDP datagram found in a captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpDatagram<'a> {
    pub src: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

/// Why a captured frame yielded no datagram (counted, never fatal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Truncated,
    NotIp,
    NotUdp,
    Fragment,
    UnsupportedLinktype,
}

// libpcap DLT values pmacct handles for savefiles.
const DLT_NULL: i32 = 0;
const DLT_EN10MB: i32 = 1;
const DLT_RAW: i32 = 12;
const DLT_LOOP: i32 = 108;
const DLT_RAW_101: i32 = 101;
const DLT_LINUX_SLL: i32 = 113;
const DLT_IPV4: i32 = 228;
const DLT_IPV6: i32 = 229;
const DLT_LINUX_SLL2: i32 = 276;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Extract the UDP datagram carried by one captured frame of link type `linktype`.
pub fn udp_from_frame(linktype: i32, frame: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    let (ethertype, l3) = match linktype {
        DLT_EN10MB => {
            let mut et = be16(frame, 12).ok_or(Skip::Truncated)?;
            let mut off = 14;
            // 802.1Q / QinQ tags.
            while et == 0x8100 || et == 0x88a8 || et == 0x9100 {
                et = be16(frame, off + 2).ok_or(Skip::Truncated)?;
                off += 4;
            }
            (et, frame.get(off..).ok_or(Skip::Truncated)?)
        }
        DLT_LINUX_SLL => (
            be16(frame, 14).ok_or(Skip::Truncated)?,
            frame.get(16..).ok_or(Skip::Truncated)?,
        ),
        DLT_LINUX_SLL2 => (
            be16(frame, 0).ok_or(Skip::Truncated)?,
            frame.get(20..).ok_or(Skip::Truncated)?,
        ),
        DLT_NULL | DLT_LOOP => {
            let fam = frame.get(..4).ok_or(Skip::Truncated)?;
            // The family is in host order for DLT_NULL, network order for DLT_LOOP: accept both.
            let f = u32::from_le_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let g = u32::from_be_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let et = if f == 2 || g == 2 { 0x0800 } else { 0x86dd };
            (et, &frame[4..])
        }
        DLT_RAW | DLT_RAW_101 | DLT_IPV4 | DLT_IPV6 => {
            let v = frame.first().ok_or(Skip::Truncated)? >> 4;
            (if v == 6 { 0x86dd } else { 0x0800 }, frame)
        }
        _ => return Err(Skip::UnsupportedLinktype),
    };
    match ethertype {
        0x0800 => udp_from_ipv4(l3),
        0x86dd => udp_from_ipv6(l3),
        _ => Err(Skip::NotIp),
    }
}

fn udp_from_ipv4(p: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    let vihl = *p.first().ok_or(Skip::Truncated)?;
    if vihl >> 4 != 4 {
        return Err(Skip::NotIp);
    }
    let ihl = ((vihl & 0x0f) as usize) * 4;
    if ihl < 20 || p.len() < ihl {
        return Err(Skip::Truncated);
    }
    let total = (be16(p, 2).ok_or(Skip::Truncated)? as usize).clamp(ihl, p.len());
    let frag = be16(p, 6).ok_or(Skip::Truncated)?;
    if frag & 0x3fff != 0 {
        return Err(Skip::Fragment);
    }
    if p[9] != 17 {
        return Err(Skip::NotUdp);
    }
    let src = IpAddr::V4(Ipv4Addr::new(p[12], p[13], p[14], p[15]));
    udp(src, &p[ihl..total])
}

fn udp_from_ipv6(p: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    if p.len() < 40 {
        return Err(Skip::Truncated);
    }
    if p[0] >> 4 != 6 {
        return Err(Skip::NotIp);
    }
    let plen = be16(p, 4).ok_or(Skip::Truncated)? as usize;
    let mut src = [0u8; 16];
    src.copy_from_slice(&p[8..24]);
    let end = (40 + plen).min(p.len());
    let mut next = p[6];
    let mut off = 40;
    // Walk extension headers (bounded: each step advances at least 8 bytes).
    loop {
        match next {
            17 => break,
            0 | 43 | 60 => {
                next = *p.get(off).ok_or(Skip::Truncated)?;
                let len = (*p.get(off + 1).ok_or(Skip::Truncated)? as usize + 1) * 8;
                off += len;
            }
            44 => return Err(Skip::Fragment),
            _ => return Err(Skip::NotUdp),
        }
        if off >= end {
            return Err(Skip::Truncated);
        }
    }
    udp(
        IpAddr::V6(Ipv6Addr::from(src)),
        p.get(off..end).ok_or(Skip::Truncated)?,
    )
}

fn udp(src: IpAddr, seg: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    if seg.len() < 8 {
        return Err(Skip::Truncated);
    }
    let ulen = (be16(seg, 4).ok_or(Skip::Truncated)? as usize).clamp(8, seg.len());
    Ok(UdpDatagram {
        src,
        src_port: be16(seg, 0).ok_or(Skip::Truncated)?,
        dst_port: be16(seg, 2).ok_or(Skip::Truncated)?,
        payload: &seg[8..ulen],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::tempfile_path::TempPath;

    /// What a reader made of a file: its link type, the frames, then how it ended (None at
    /// the end of the file, else the error's text); or the error opening it.
    type Outcome = Result<(i32, Vec<(i64, i64, u32, Vec<u8>)>, Option<String>), String>;

    fn ours(path: &str) -> Outcome {
        let mut r = Reader::open(path).map_err(|e| e.to_string())?;
        let mut frames = Vec::new();
        loop {
            match r.next_frame() {
                Ok(Some(f)) => frames.push((f.ts_sec, f.ts_usec, f.len, f.data.to_vec())),
                Ok(None) => return Ok((r.linktype(), frames, None)),
                Err(e) => return Ok((r.linktype(), frames, Some(e.to_string()))),
            }
        }
    }

    fn libpcap(path: &str) -> Outcome {
        let mut c = pcap::Capture::from_file(path).map_err(|e| e.to_string())?;
        let mut frames = Vec::new();
        loop {
            match c.next_packet() {
                Ok(p) => frames.push((
                    p.header.ts.tv_sec,
                    p.header.ts.tv_usec,
                    p.header.len,
                    p.data.to_vec(),
                )),
                Err(pcap::Error::NoMorePackets) => return Ok((c.get_datalink().0, frames, None)),
                Err(e) => return Ok((c.get_datalink().0, frames, Some(e.to_string()))),
            }
        }
    }

    fn own(path: &str) -> bool {
        matches!(Reader::open(path).map(|r| r.inner), Ok(Inner::Own(_)))
    }

    fn captures(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                captures(&p, out);
            } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                out.push(p);
            }
        }
    }

    /// Every capture of the repository's inputs reads as libpcap reads it, frame by frame;
    /// the classic ones through this reader's own path.
    #[test]
    fn captures_read_as_libpcap_reads_them() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../compat-tests/inputs");
        let mut files = Vec::new();
        captures(&root, &mut files);
        let (mut frames, mut own_files) = (0, 0);
        for f in &files {
            let path = f.to_str().unwrap();
            let want = libpcap(path);
            assert_eq!(ours(path), want, "{path}");
            frames += want.map_or(0, |w| w.1.len());
            own_files += usize::from(own(path));
        }
        assert!(
            files.len() >= 10 && frames > 1000,
            "{} files, {frames} frames",
            files.len()
        );
        assert!(
            own_files >= 10,
            "{own_files} of {} read by the own path",
            files.len()
        );
    }

    /// A real capture with bytes overwritten at random (headers and lengths among them): this
    /// reader and libpcap read the same frames and end the same way.
    #[test]
    fn corrupted_captures_read_as_libpcap_reads_them() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../compat-tests/inputs");
        let good = std::fs::read(root.join("softflowd-v9-s2.pcap")).unwrap();
        let good = &good[..good.len().min(6000)];
        let path = TempPath::new("savefile-reader-corrupt.pcap");
        let p = path.0.to_str().unwrap();
        // A fixed xorshift: the same files on every run.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut frames, mut errors) = (0, 0);
        for round in 0..600 {
            let mut f = good.to_vec();
            for _ in 0..1 + next() % 4 {
                // Mostly in the headers' neighbourhood: the file header, the first records'.
                let at = if round % 2 == 0 {
                    next() % 120
                } else {
                    next() % f.len() as u64
                } as usize;
                f[at] = next() as u8;
            }
            std::fs::write(p, &f).unwrap();
            let want = libpcap(p);
            if let Ok((_, got, end)) = &want {
                frames += got.len();
                errors += usize::from(end.is_some());
            }
            assert_eq!(ours(p), want, "round {round}");
        }
        assert!(
            frames > 1000 && errors > 50,
            "{frames} frames, {errors} errors"
        );
    }

    /// A file of several buffers' worth, frames of every size from 0 to 4,000 bytes: frames
    /// and record headers that straddle a buffer's end (moved to the front, the rest read
    /// after them) come out as libpcap reads them, and so does the file cut mid-frame.
    #[test]
    fn frames_across_buffer_ends_read_as_libpcap_reads_them() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut frames = Vec::new();
        let mut total = 0;
        while total < 3 * READ_BUFFER + 12_345 {
            let n = (next() % 4001) as usize;
            let data: Vec<u8> = (0..n).map(|_| next() as u8).collect();
            total += 16 + n;
            frames.push((
                data,
                n as u32 + 4,
                1_700_000_000,
                (next() % 1_000_000) as u32,
            ));
        }
        let file = pcap_file(false, 65535, 1, &frames);
        let path = TempPath::new("savefile-reader-buffers.pcap");
        let p = path.0.to_str().unwrap();
        for cut in [
            file.len(),
            file.len() - 7,
            READ_BUFFER + 3,
            2 * READ_BUFFER - 9,
        ] {
            std::fs::write(p, &file[..cut]).unwrap();
            assert!(own(p));
            let want = libpcap(p);
            let got = ours(p);
            assert!(want.as_ref().unwrap().1.len() > 500, "cut {cut}");
            assert_eq!(got, want, "cut at {cut} of {}", file.len());
        }
    }

    /// What is not a regular file, or not there, is libpcap's: the same outcome, error text
    /// included.
    #[test]
    fn other_paths_are_libpcaps() {
        let dir = std::env::temp_dir();
        let missing = dir.join(format!("{}-no-such.pcap", std::process::id()));
        for p in [
            "/dev/null",
            dir.to_str().unwrap(),
            missing.to_str().unwrap(),
        ] {
            assert!(!own(p), "{p}");
            assert_eq!(ours(p), libpcap(p), "{p}");
        }
    }

    /// A classic pcap file of `frames` (captured bytes, wire length, seconds, microseconds),
    /// snapshot length `snaplen`, in the byte order `be` says.
    fn pcap_file(
        be: bool,
        snaplen: u32,
        linktype: u32,
        frames: &[(Vec<u8>, u32, u32, u32)],
    ) -> Vec<u8> {
        let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let w16 = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut out = Vec::new();
        out.extend_from_slice(&w32(0xa1b2_c3d4));
        out.extend_from_slice(&w16(2));
        out.extend_from_slice(&w16(4));
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&w32(snaplen));
        out.extend_from_slice(&w32(linktype));
        for (data, len, sec, usec) in frames {
            out.extend_from_slice(&w32(*sec));
            out.extend_from_slice(&w32(*usec));
            out.extend_from_slice(&w32(data.len() as u32));
            out.extend_from_slice(&w32(*len));
            out.extend_from_slice(data);
        }
        out
    }

    /// Odd files, each cut at every length: stamps past 2^31 seconds and over a million
    /// microseconds, both byte orders, a capture length over the snapshot length and one over
    /// libpcap's maximum, link types libpcap renumbers, a nanosecond file: this reader and
    /// libpcap give the same frames and end the same way (the same error text).
    #[test]
    fn odd_and_truncated_files_read_as_libpcap_reads_them() {
        let frame = |n: usize, seed: u8| {
            (0..n)
                .map(|i| (i as u8).wrapping_mul(31) ^ seed)
                .collect::<Vec<u8>>()
        };
        let frames = vec![
            (frame(60, 1), 60, 0xFFFF_FFF0, 1_500_000),
            (frame(0, 2), 64, 1_700_000_000, 999_999),
            (frame(150, 3), 1500, 0x8000_0000, 0xFFFF_FFFF),
            (frame(61, 4), 61, 0, 0),
        ];
        let big = vec![
            (frame(10, 5), 10, 1, 2),
            (vec![0; 300_000], 300_000, 3, 4),
            (frame(9, 6), 9, 5, 6),
        ];
        let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
        for be in [false, true] {
            for (snap, lt) in [(65535, 1), (100, 1), (0, 113), (65535, 101), (65535, 147)] {
                cases.push((
                    format!("be={be} snaplen={snap} linktype={lt}"),
                    pcap_file(be, snap, lt, &frames),
                ));
            }
            cases.push((
                format!("be={be} over the maximum"),
                pcap_file(be, 65535, 1, &big),
            ));
        }
        let mut nsec = pcap_file(false, 65535, 1, &frames);
        nsec[..4].copy_from_slice(&0xa1b2_3c4du32.to_le_bytes());
        cases.push(("nanoseconds".into(), nsec));
        let path = TempPath::new("savefile-reader-odd.pcap");
        let p = path.0.to_str().unwrap();
        let (mut compared, mut errors) = (0, 0);
        for (what, file) in &cases {
            // Every cut of the small files; of the large one, around its records.
            let cuts: Vec<usize> = if file.len() < 4096 {
                (0..=file.len()).collect()
            } else {
                (0..120)
                    .chain(file.len() - 80..=file.len())
                    .chain([300_000, 200_024])
                    .collect()
            };
            for cut in cuts {
                std::fs::write(p, &file[..cut]).unwrap();
                let want = libpcap(p);
                errors += usize::from(matches!(&want, Ok((_, _, Some(_))) | Err(_)));
                assert_eq!(ours(p), want, "{what}, cut at {cut} of {}", file.len());
                compared += 1;
            }
        }
        assert!(
            compared > 3000 && errors > 1000,
            "{compared} files compared, {errors} errors"
        );
    }

    fn eth_ipv4_udp(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 14];
        f[12] = 0x08;
        let total = 20 + 8 + payload.len();
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ];
        ip.extend_from_slice(&[192, 0, 2, 1, 192, 0, 2, 2]);
        f.extend_from_slice(&ip);
        let ulen = 8 + payload.len();
        f.extend_from_slice(&[0x30, 0x39, 0x08, 0x34, (ulen >> 8) as u8, ulen as u8, 0, 0]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn ethernet_ipv4_udp() {
        let f = eth_ipv4_udp(b"hello");
        let d = udp_from_frame(DLT_EN10MB, &f).unwrap();
        assert_eq!(d.src, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!(d.src_port, 12345);
        assert_eq!(d.dst_port, 2100);
        assert_eq!(d.payload, b"hello");
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let f = eth_ipv4_udp(b"hello");
        for n in 0..f.len() {
            let _ = udp_from_frame(DLT_EN10MB, &f[..n]);
            let _ = udp_from_frame(DLT_LINUX_SLL, &f[..n]);
            let _ = udp_from_frame(DLT_LINUX_SLL2, &f[..n]);
            let _ = udp_from_frame(DLT_RAW, &f[14..14 + n.min(f.len() - 14)]);
        }
        assert_eq!(udp_from_frame(DLT_EN10MB, &f[..20]), Err(Skip::Truncated));
    }
}
