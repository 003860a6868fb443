//! Sockets of the tee plugin, one per receiver, as pmacct 1.7.7's `Tee_prepare_sock()`:
//! a connected UDP socket (bound to `tee_source_ip` / the pool's `src_port` when set), or
//! with `tee_transparent` a raw socket (`IPPROTO_RAW`, header included) sending an IP+UDP
//! header carrying the exporter's address and port (`Tee_craft_transparent_msg()`).
//!
//! Sockets are non-blocking: a receiver whose buffer is full (or that refuses, ICMP port
//! unreachable) costs the datagram for that receiver only, counted and logged, never a
//! stall of the others.

use std::io;
use std::net::{IpAddr, SocketAddr};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

const IPPROTO_RAW: i32 = 255;
const IP4_HDR: usize = 20;
/// Datagrams per `sendmmsg(2)` call (the core's batches hold up to 64).
pub const MMSG_CHUNK: usize = 64;
const UDP_HDR: usize = 8;

/// One receiver's socket.
pub struct Receiver {
    pub dest: SocketAddr,
    sock: Socket,
    transparent: bool,
}

/// How the sockets are made (`tee_source_ip`, `tee_transparent`, `tee_pipe_size`).
#[derive(Debug, Clone, Default)]
pub struct SockOptions {
    pub source_ip: Option<IpAddr>,
    pub transparent: bool,
    pub pipe_size: Option<usize>,
    /// `tee_ipprec`: IP precedence of transparent IPv4 datagrams.
    pub ipprec: u8,
}

/// `SO_SNDBUF` obtained and wanted, for the `tee_pipe_size` log line.
pub type SndBuf = Option<(usize, usize)>;

impl Receiver {
    pub fn open(
        dest: SocketAddr,
        src_port: u16,
        o: &SockOptions,
    ) -> io::Result<(Receiver, SndBuf)> {
        let domain = Domain::for_address(dest);
        let sock = if o.transparent {
            Socket::new(domain, Type::RAW, Some(Protocol::from(IPPROTO_RAW))).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("raw socket for tee_transparent: {e} (needs CAP_NET_RAW, e.g. root)"),
                )
            })?
        } else {
            let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
            if o.source_ip.is_some() || src_port != 0 {
                let ip = match (o.source_ip, dest) {
                    (Some(ip), _) => ip,
                    (None, SocketAddr::V4(_)) => IpAddr::from([0u8; 4]),
                    (None, SocketAddr::V6(_)) => IpAddr::from([0u16; 8]),
                };
                // pmacct warns and goes on when the bind fails.
                if let Err(e) = s.bind(&SockAddr::from(SocketAddr::new(ip, src_port))) {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("bind() to {} failed: {e}", SocketAddr::new(ip, src_port)),
                    ));
                }
            }
            s
        };
        let mut sndbuf = None;
        if let Some(want) = o.pipe_size {
            let saved = sock.send_buffer_size().unwrap_or(0);
            let _ = sock.set_send_buffer_size(want);
            let mut got = sock.send_buffer_size().unwrap_or(0);
            if got < saved {
                let _ = sock.set_send_buffer_size(saved);
                got = sock.send_buffer_size().unwrap_or(0);
            }
            sndbuf = Some((got, want));
        }
        // Raw sockets: the port is not an address part (the header carries it).
        let connect_to = if o.transparent {
            SocketAddr::new(dest.ip(), 0)
        } else {
            dest
        };
        sock.connect(&SockAddr::from(connect_to))?;
        sock.set_nonblocking(true)?;
        Ok((
            Receiver {
                dest,
                sock,
                transparent: o.transparent,
            },
            sndbuf,
        ))
    }

    /// Whether datagrams are sent with a crafted IP header ([`Receiver::send`] one by one)
    /// rather than as they are ([`Receiver::send_many`]).
    pub fn is_transparent(&self) -> bool {
        self.transparent
    }

    /// Send `payloads` in order as they are (not transparent): `sendmmsg(2)` on the
    /// connected socket, [`MMSG_CHUNK`] datagrams per call instead of one call each. Returns
    /// how many went out and the error that stopped the rest (a full socket buffer: the
    /// others are this receiver's loss only).
    pub fn send_many(
        &self,
        payloads: &mut dyn Iterator<Item = &[u8]>,
    ) -> (usize, Option<io::Error>) {
        use std::os::fd::AsRawFd;
        let fd = self.sock.as_raw_fd();
        let mut sent = 0;
        loop {
            // SAFETY: iovec and mmsghdr are plain C structs for which all-zero bytes are a
            // valid value (null pointers, zero lengths).
            let mut iov: [libc::iovec; MMSG_CHUNK] = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            let mut msgs: [libc::mmsghdr; MMSG_CHUNK] = unsafe { std::mem::zeroed() };
            let mut n = 0;
            for p in (&mut *payloads).take(MMSG_CHUNK) {
                // sendmmsg only reads the buffers; the cast to *mut is what iovec wants.
                iov[n].iov_base = p.as_ptr() as *mut libc::c_void;
                iov[n].iov_len = p.len();
                n += 1;
            }
            if n == 0 {
                return (sent, None);
            }
            for (m, v) in msgs.iter_mut().zip(iov.iter_mut()).take(n) {
                m.msg_hdr.msg_iov = v;
                m.msg_hdr.msg_iovlen = 1;
            }
            let mut off = 0;
            while off < n {
                // SAFETY: `msgs[off..n]` are initialised headers whose single iovec each
                // points into a payload borrowed for the whole call; the socket is ours and
                // connected, so no msg_name is needed; the kernel writes only msg_len.
                let r = unsafe {
                    libc::sendmmsg(fd, msgs[off..].as_mut_ptr(), (n - off) as libc::c_uint, 0)
                };
                if r < 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    return (sent, Some(e));
                }
                if r == 0 {
                    return (sent, Some(io::Error::from(io::ErrorKind::WriteZero)));
                }
                off += r as usize;
                sent += r as usize;
            }
        }
    }

    /// Send one datagram from `agent`; `buf` is scratch space for the transparent header.
    pub fn send(
        &self,
        agent: SocketAddr,
        payload: &[u8],
        ipprec: u8,
        buf: &mut Vec<u8>,
    ) -> Result<(), SendError> {
        let r = if self.transparent {
            if !craft_transparent(agent, self.dest, payload, ipprec, buf) {
                return Err(SendError::FamilyMismatch);
            }
            self.sock.send(buf)
        } else {
            self.sock.send(payload)
        };
        match r {
            Ok(_) => Ok(()),
            Err(e) => Err(SendError::Io(e)),
        }
    }
}

#[derive(Debug)]
pub enum SendError {
    /// Transparent mode cannot send an IPv4 exporter's datagram to an IPv6 receiver (or back).
    FamilyMismatch,
    Io(io::Error),
}

/// The IP+UDP datagram 1.7.7 sends in transparent mode, into `buf`. False when the families
/// of the exporter and the receiver differ ("Can't bridge Address Families").
pub fn craft_transparent(
    agent: SocketAddr,
    dest: SocketAddr,
    payload: &[u8],
    ipprec: u8,
    buf: &mut Vec<u8>,
) -> bool {
    buf.clear();
    let udp_len = (UDP_HDR + payload.len()) as u16;
    match (agent, dest) {
        (SocketAddr::V4(a), SocketAddr::V4(d)) => {
            let total = (IP4_HDR + UDP_HDR + payload.len()) as u16;
            buf.extend_from_slice(&[0x45, ipprec << 5]);
            buf.extend_from_slice(&total.to_be_bytes());
            // id 0, no fragment offset, ttl 255, UDP, checksum 0 (the kernel fills it).
            buf.extend_from_slice(&[0, 0, 0, 0, 255, 17, 0, 0]);
            buf.extend_from_slice(&a.ip().octets());
            buf.extend_from_slice(&d.ip().octets());
            buf.extend_from_slice(&a.port().to_be_bytes());
            buf.extend_from_slice(&d.port().to_be_bytes());
            buf.extend_from_slice(&udp_len.to_be_bytes());
            buf.extend_from_slice(&[0, 0]);
            buf.extend_from_slice(payload);
            true
        }
        (SocketAddr::V6(a), SocketAddr::V6(d)) => {
            buf.extend_from_slice(&[0x60, 0, 0, 0]);
            buf.extend_from_slice(&udp_len.to_be_bytes());
            buf.extend_from_slice(&[17, 255]);
            buf.extend_from_slice(&a.ip().octets());
            buf.extend_from_slice(&d.ip().octets());
            let uh = buf.len();
            buf.extend_from_slice(&a.port().to_be_bytes());
            buf.extend_from_slice(&d.port().to_be_bytes());
            buf.extend_from_slice(&udp_len.to_be_bytes());
            buf.extend_from_slice(&[0, 0]);
            buf.extend_from_slice(payload);
            let sum = udp6_checksum(&a.ip().octets(), &d.ip().octets(), &buf[uh..]);
            buf[uh + 6..uh + 8].copy_from_slice(&sum.to_be_bytes());
            true
        }
        _ => false,
    }
}

/// UDP over IPv6 checksum (pseudo header + UDP header with a zero checksum + payload), as
/// pmacct's `pm_udp6_checksum()`.
fn udp6_checksum(src: &[u8; 16], dst: &[u8; 16], udp: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    let mut add = |b: &[u8]| {
        for c in b.chunks(2) {
            let w = if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], 0])
            };
            sum += w as u64;
        }
    };
    add(src);
    add(dst);
    add(&(udp.len() as u32).to_be_bytes());
    add(&[0, 0, 0, 17]);
    add(udp);
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_ipv4_header() {
        let mut b = Vec::new();
        let a: SocketAddr = "192.0.2.7:2055".parse().unwrap();
        let d: SocketAddr = "127.0.0.1:9995".parse().unwrap();
        assert!(craft_transparent(a, d, b"hello", 5, &mut b));
        assert_eq!(b.len(), 20 + 8 + 5);
        assert_eq!(&b[..4], &[0x45, 0xa0, 0, 33]);
        assert_eq!(&b[8..10], &[255, 17]);
        assert_eq!(&b[12..16], &[192, 0, 2, 7]);
        assert_eq!(&b[16..20], &[127, 0, 0, 1]);
        assert_eq!(&b[20..28], &[0x08, 0x07, 0x27, 0x0b, 0, 13, 0, 0]);
        assert_eq!(&b[28..], b"hello");
        let v6: SocketAddr = "[::1]:1".parse().unwrap();
        assert!(!craft_transparent(a, v6, b"x", 0, &mut b));
    }

    #[test]
    fn transparent_ipv6_checksum_verifies() {
        let mut b = Vec::new();
        let a: SocketAddr = "[2001:db8::1]:2055".parse().unwrap();
        let d: SocketAddr = "[::1]:9995".parse().unwrap();
        assert!(craft_transparent(a, d, b"odd", 0, &mut b));
        assert_eq!(b.len(), 40 + 8 + 3);
        assert_eq!(&b[4..8], &[0, 11, 17, 255]);
        // Summing the pseudo header and the datagram with its checksum gives 0xffff.
        let (s, t): ([u8; 16], [u8; 16]) =
            (b[8..24].try_into().unwrap(), b[24..40].try_into().unwrap());
        let c = udp6_checksum(&s, &t, &b[40..]);
        assert_eq!(c, 0);
    }

    /// sendmmsg in chunks: every datagram arrives, in order, whole.
    #[test]
    fn send_many_delivers_in_order() {
        let sink = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sink.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let dest = sink.local_addr().unwrap();
        let (r, _) = Receiver::open(dest, 0, &SockOptions::default()).unwrap();
        let payloads: Vec<Vec<u8>> = (0..150u32)
            .map(|i| {
                let mut v = i.to_be_bytes().to_vec();
                v.resize(4 + (i as usize % 700), i as u8);
                v
            })
            .collect();
        let (sent, err) = r.send_many(&mut payloads.iter().map(|p| &p[..]));
        assert_eq!((sent, err.is_none()), (150, true));
        let mut buf = [0u8; 2048];
        for p in &payloads {
            let n = sink.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], &p[..]);
        }
        let (sent, err) = r.send_many(&mut std::iter::empty());
        assert_eq!((sent, err.is_none()), (0, true));
    }
}
