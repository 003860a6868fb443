//! Collector sockets: one UDP socket per worker, all bound to the same address with
//! SO_REUSEPORT so the kernel spreads exporters over workers (one exporter's 4-tuple always
//! hashes to the same socket), each read in batches with `recvmmsg` into buffers reused for
//! the life of the worker ([`Receiver`]).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// Bind address from `nfacctd_ip`/`nfacctd_port`; no ip means every interface, dual-stack.
pub fn listen_addr(ip: Option<IpAddr>, port: u16) -> SocketAddr {
    SocketAddr::new(ip.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)), port)
}

pub struct Bound {
    pub socket: UdpSocket,
    /// SO_RCVBUF the kernel granted (it may cap the request).
    pub rcvbuf: usize,
    /// `ipv6_only` was asked and IPV6_V6ONLY could not be set (an IPv4 socket).
    pub v6only_failed: bool,
}

/// What the collector's keys ask of its socket besides the address and buffer size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SockOpts {
    /// `nfacctd_ipv6_only`: IPV6_V6ONLY (no IPv4-mapped peers on an IPv6 socket).
    pub ipv6_only: bool,
    /// `nfacctd_mcast_groups` / `sfacctd_mcast_groups`: the groups joined, at most
    /// [`MAX_MCAST_GROUPS`], in the order written.
    pub mcast_groups: Vec<IpAddr>,
}

/// pmacct 1.7.7's `MAX_MCAST_GROUPS`: groups past it are not joined (with a warning).
pub const MAX_MCAST_GROUPS: usize = 20;

/// The groups of a `*_mcast_groups` value as pmacct 1.7.7 reads it: whitespace removed,
/// comma-separated, each token an address (`inet_aton`'s forms, then IPv6); tokens that are
/// not a multicast address are skipped silently, as 1.7.7 does. Second: how many multicast
/// groups were past [`MAX_MCAST_GROUPS`] (1.7.7 warns and leaves them out).
pub fn mcast_groups(value: &str) -> (Vec<IpAddr>, usize) {
    let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let mut groups = Vec::new();
    let mut more = 0;
    for token in v.split(',').filter(|t| !t.is_empty()) {
        // inet_aton takes trailing text after the address; the token has no spaces, so
        // only a whole token is an address.
        let addr = match pmacct_config::inet_aton(token) {
            Some((a, "")) => Some(IpAddr::V4(a)),
            _ => token.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        };
        if let Some(a) = addr.filter(IpAddr::is_multicast) {
            if groups.len() < MAX_MCAST_GROUPS {
                groups.push(a);
            } else {
                more += 1;
            }
        }
    }
    (groups, more)
}

/// Joins `groups` on `sock` (any interface, as 1.7.7: the kernel's route to the group picks
/// it). An IPv4 group joins on an IPv6 socket too (Linux takes IP_ADD_MEMBERSHIP there).
/// Err: the first group that could not be joined.
pub fn join_groups(sock: &UdpSocket, groups: &[IpAddr]) -> Result<(), (IpAddr, io::Error)> {
    let s = socket2::SockRef::from(sock);
    for g in groups {
        let r = match g {
            IpAddr::V4(a) => s.join_multicast_v4(a, &Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(a) => s.join_multicast_v6(a, 0),
        };
        r.map_err(|e| (*g, e))?;
    }
    Ok(())
}

/// Binds one collector socket. Err names what failed: `ipv6_only` on an IPv4 address is not
/// an error (1.7.7 logs that its setsockopt failed and goes on): see [`Bound::v6only_failed`].
pub fn bind(addr: SocketAddr, rcvbuf: Option<usize>, opts: &SockOpts) -> io::Result<Bound> {
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    let mut v6only_failed = false;
    if opts.ipv6_only {
        v6only_failed = !addr.is_ipv6() || s.set_only_v6(true).is_err();
    } else if addr.is_ipv6() && addr.ip().is_unspecified() {
        // pmacct listens dual-stack by default.
        let _ = s.set_only_v6(false);
    }
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    if let Some(n) = rcvbuf {
        s.set_recv_buffer_size(n)?;
    }
    // Short timeout so workers notice shutdown and flush partial batches when idle.
    s.set_read_timeout(Some(Duration::from_millis(100)))?;
    s.bind(&addr.into())?;
    let rcvbuf = s.recv_buffer_size().unwrap_or(0);
    Ok(Bound {
        socket: s.into(),
        rcvbuf,
        v6only_failed,
    })
}

/// setsockopt of an int option.
fn set_int_opt(
    sock: &UdpSocket,
    level: libc::c_int,
    name: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    set_opt(sock, level, name, &v)
}

/// setsockopt with `v` as the option's value (the kernel copies `size_of::<T>()` bytes, so
/// `T` is the plain C value the option takes).
fn set_opt<T>(sock: &UdpSocket, level: libc::c_int, name: libc::c_int, v: &T) -> io::Result<()> {
    // SAFETY: the fd is a live socket owned by `sock`; `v` is a borrowed value alive for the
    // call, passed with its size, which the kernel copies (anything it points to, such as a
    // BPF program, is the caller's borrow too and alive for the call).
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            v as *const T as *const libc::c_void,
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The multiplier that spreads neighbouring source addresses over workers.
const STEER_MUL: u32 = 0x9e37_79b1;

/// The worker (bind order, 0-based) [`steer_by_source`]'s program picks for a datagram from
/// `src` among `workers`: what the kernel computes, for logs and tests.
pub fn steered_worker(src: IpAddr, workers: usize) -> usize {
    let n = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
    let a = match src {
        IpAddr::V4(a) => u32::from(a),
        IpAddr::V6(a) => {
            let o = a.octets();
            let w = |i: usize| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
            w(0) ^ w(4) ^ w(8) ^ w(12)
        }
    };
    ((a.wrapping_mul(STEER_MUL) >> 16) % n) as usize
}

/// Steer each datagram to worker socket `hash(source address) % workers` of the
/// SO_REUSEPORT group `sock` belongs to (a classic BPF program on the group), instead of the
/// kernel's 4-tuple hash: an exporter that sends from several source ports (line cards,
/// restarts) reaches one worker, which holds its templates and sequence state, as pmacct's one
/// process does. Sockets that join the group later are indexed in bind order; until all have
/// joined, an index beyond the group falls back to the kernel's hash.
pub fn steer_by_source(sock: &std::net::UdpSocket, workers: usize) -> io::Result<()> {
    let n = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
    // Loads relative to the network header (the program runs with data at the payload).
    const NET: u32 = (-0x100000i32) as u32; // SKF_NET_OFF
    let ins = |code: u32, jt: u8, jf: u8, k: u32| libc::sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    };
    let (ld_b, ld_w) = (
        libc::BPF_LD | libc::BPF_B | libc::BPF_ABS,
        libc::BPF_LD | libc::BPF_W | libc::BPF_ABS,
    );
    let alu = |op: u32| libc::BPF_ALU | op | libc::BPF_K;
    let xor_x = libc::BPF_ALU | libc::BPF_XOR | libc::BPF_X;
    let tax = libc::BPF_MISC | libc::BPF_TAX;
    let prog = [
        ins(ld_b, 0, 0, NET),                                      // 0: A = version/IHL
        ins(alu(libc::BPF_RSH), 0, 0, 4),                          // 1: A = IP version
        ins(libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K, 0, 2, 4), // 2: IPv4? 3 : 5
        ins(ld_w, 0, 0, NET + 12),                                 // 3: IPv4 source
        ins(libc::BPF_JMP | libc::BPF_JA, 0, 0, 10),               // 4: to 15
        ins(ld_w, 0, 0, NET + 8), // 5: IPv6 source, its 4 words xored
        ins(tax, 0, 0, 0),
        ins(ld_w, 0, 0, NET + 12),
        ins(xor_x, 0, 0, 0),
        ins(tax, 0, 0, 0),
        ins(ld_w, 0, 0, NET + 16),
        ins(xor_x, 0, 0, 0),
        ins(tax, 0, 0, 0),
        ins(ld_w, 0, 0, NET + 20),
        ins(xor_x, 0, 0, 0),
        ins(alu(libc::BPF_MUL), 0, 0, STEER_MUL), // 15: spread neighbouring addresses
        ins(alu(libc::BPF_RSH), 0, 0, 16),
        ins(alu(libc::BPF_MOD), 0, 0, n),
        ins(libc::BPF_RET | libc::BPF_A, 0, 0, 0),
    ];
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // `fprog` points at `prog`, both on our stack and alive for the call.
    set_opt(
        sock,
        libc::SOL_SOCKET,
        libc::SO_ATTACH_REUSEPORT_CBPF,
        &fprog,
    )
}

/// Datagrams one `recvmmsg` call takes at most.
pub const RECV_BATCH: usize = 128;
/// Room for any UDP payload (pmacct reads into a 64 KiB buffer too).
const SLOT_BYTES: usize = 65536;
/// A datagram's first bytes land in a dense slot of this size; only a longer one (past a
/// 1500-byte MTU) spills into its own 64 KiB slot. Dense slots keep a batch in a few
/// consecutive pages that stay in cache from the kernel's copy to the decoder's read: 64 KiB
/// slots put every datagram's start in the same cache sets, each on its own pages.
const DENSE_BYTES: usize = 2048;

/// linux/udp.h: the socket option that lets the kernel hand over datagrams of one flow
/// coalesced (receive offload), each message then carrying its segment size.
const UDP_GRO: libc::c_int = 104;
/// linux/udp.h: a sender's segment size (tests: a coalesced message on loopback).
#[cfg(test)]
const UDP_SEGMENT: libc::c_int = 103;
/// The kernel's most segments in one UDP message (UDP_MAX_SEGMENTS; GRO merges at most
/// 64). A message that claims more is taken as one datagram.
const MAX_SEGMENTS: usize = 128;
/// Control buffer per message: one cmsg of an int (CMSG_SPACE(4) is 24 on 64-bit).
const CTRL_WORDS: usize = 4;

/// Where a datagram of a coalesced message lies: its message, offset and length.
#[derive(Debug, Clone, Copy)]
struct Segment {
    msg: u32,
    off: u32,
    len: u32,
}

/// The datagrams of a message of `len` bytes that the kernel coalesced at `gso` bytes a
/// datagram (the last may be shorter): None when it holds one datagram, or claims more than
/// [`MAX_SEGMENTS`] (then read whole, as the kernel never builds one).
fn segments(len: usize, gso: usize) -> Option<usize> {
    if gso == 0 || len <= gso {
        return None;
    }
    Some(len.div_ceil(gso)).filter(|&k| k <= MAX_SEGMENTS)
}

/// A worker's batched reader: up to [`RECV_BATCH`] datagrams per system call, into buffers
/// allocated once. With UDP receive offload (UDP_GRO, enabled when the kernel has it) one
/// message may hold several datagrams of one exporter, equal in size but the last: a NIC
/// that batches its receive (NAPI) hands a busy exporter's datagrams up as one, so the
/// socket's per-message cost (queueing, wake-up, dequeue, copy set-up) is paid once for
/// them. [`Receiver::get`] gives them one by one, as if received apart.
pub struct Receiver {
    sock: UdpSocket,
    /// Each datagram's first [`DENSE_BYTES`].
    dense: Vec<u8>,
    /// Per datagram, a whole [`SLOT_BYTES`] slot: the kernel writes what follows the dense
    /// part after the slot's first [`DENSE_BYTES`], and [`Receiver::recv`] moves the dense
    /// part in front, so a long datagram is contiguous. Pages never touched (no datagram
    /// was that long) are never resident.
    spill: Vec<u8>,
    names: Vec<libc::sockaddr_storage>,
    /// Two per datagram: its dense slot, then the rest of its spill slot.
    iovs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
    /// Per message, its control buffer (the segment size of a coalesced one), when `gro`.
    ctrl: Vec<u64>,
    /// UDP_GRO is on: messages may be coalesced.
    gro: bool,
    /// The datagrams of the last batch when one of its messages was coalesced (else empty:
    /// datagram i is message i).
    segs: Vec<Segment>,
    /// Datagrams of the last batch.
    len: usize,
    /// Datagrams that came in coalesced messages, since the start.
    coalesced: u64,
    /// Coalesced messages cut short (longer than a slot), not yet reported.
    truncated: u64,
}

impl Receiver {
    pub fn new(sock: UdpSocket) -> Receiver {
        let gro = set_int_opt(&sock, libc::SOL_UDP, UDP_GRO, 1).is_ok();
        Receiver::with_gro(sock, gro)
    }

    /// A reader of `sock`, whose UDP_GRO option is `gro` (set by the caller).
    fn with_gro(sock: UdpSocket, gro: bool) -> Receiver {
        Receiver {
            sock,
            dense: vec![0u8; RECV_BATCH * DENSE_BYTES],
            spill: vec![0u8; RECV_BATCH * SLOT_BYTES],
            // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
            names: vec![unsafe { std::mem::zeroed() }; RECV_BATCH],
            iovs: Vec::with_capacity(2 * RECV_BATCH),
            hdrs: Vec::with_capacity(RECV_BATCH),
            ctrl: vec![0u64; if gro { RECV_BATCH * CTRL_WORDS } else { 0 }],
            gro,
            segs: Vec::new(),
            len: 0,
            coalesced: 0,
            truncated: 0,
        }
    }

    /// Coalesced messages cut short since the last call (their datagrams past 64 KiB lost;
    /// offload was then turned off).
    pub fn take_truncated(&mut self) -> u64 {
        std::mem::take(&mut self.truncated)
    }

    /// Whether the kernel may hand this reader coalesced datagrams (UDP_GRO took).
    pub fn gro(&self) -> bool {
        self.gro
    }

    /// Datagrams that came coalesced (several to a message), since the start.
    pub fn coalesced(&self) -> u64 {
        self.coalesced
    }

    /// Datagrams the kernel dropped on this socket for want of buffer space (the count
    /// SO_RXQ_OVFL would attach to every datagram, read when asked: SO_MEMINFO's
    /// SK_MEMINFO_DROPS). None if the kernel does not say.
    pub fn kernel_drops(&self) -> Option<u64> {
        let mut info = [0u32; 16];
        let mut len = std::mem::size_of_val(&info) as libc::socklen_t;
        // SAFETY: the fd is our live socket; `info` is a u32 array on our stack of `len`
        // bytes, which the kernel fills up to that length and updates `len` to what it wrote.
        let rc = unsafe {
            libc::getsockopt(
                self.sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_MEMINFO,
                info.as_mut_ptr() as *mut libc::c_void,
                &mut len,
            )
        };
        let at = libc::SK_MEMINFO_DROPS as usize;
        let written = len as usize / std::mem::size_of::<u32>();
        (rc == 0 && at < written).then(|| u64::from(info[at]))
    }

    /// Wait for datagrams (up to the socket's read timeout) and take as many as are queued,
    /// up to [`RECV_BATCH`]. Returns how many ([`Receiver::get`] reads them).
    pub fn recv(&mut self) -> io::Result<usize> {
        // The headers point into our own vectors, which never grow past their first size:
        // rebuilt on each call (the kernel rewrites lengths), so no pointer outlives a move.
        self.iovs.clear();
        self.hdrs.clear();
        let spills = self.spill.chunks_exact_mut(SLOT_BYTES);
        for (d, s) in self.dense.chunks_exact_mut(DENSE_BYTES).zip(spills) {
            self.iovs.push(libc::iovec {
                iov_base: d.as_mut_ptr() as *mut libc::c_void,
                iov_len: DENSE_BYTES,
            });
            let rest = &mut s[DENSE_BYTES..];
            self.iovs.push(libc::iovec {
                iov_base: rest.as_mut_ptr() as *mut libc::c_void,
                iov_len: rest.len(),
            });
        }
        for i in 0..RECV_BATCH {
            // SAFETY: mmsghdr is plain old data; all-zero is a valid (empty) header.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_name = &mut self.names[i] as *mut _ as *mut libc::c_void;
            h.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as u32;
            h.msg_hdr.msg_iov = &mut self.iovs[2 * i];
            h.msg_hdr.msg_iovlen = 2;
            // Control messages only for the segment size of a coalesced message (the kernel
            // writes none for a plain one); a SO_RXQ_OVFL count on every datagram cost the
            // kernel a cmsg per datagram for a figure read once a stats line
            // (`kernel_drops`).
            if self.gro {
                let c = &mut self.ctrl[i * CTRL_WORDS..(i + 1) * CTRL_WORDS];
                h.msg_hdr.msg_control = c.as_mut_ptr() as *mut libc::c_void;
                h.msg_hdr.msg_controllen = std::mem::size_of_val(c) as _;
            }
            self.hdrs.push(h);
        }
        // SAFETY: the fd is our live socket; hdrs holds RECV_BATCH initialized headers whose
        // name, iovecs, control and data buffers point into vectors owned by self, valid
        // and not moved for the duration of the call, each with its true capacity (the two
        // iovecs of a datagram never overlap). MSG_WAITFORONE blocks (up to SO_RCVTIMEO) for
        // the first datagram only; no timeout argument.
        let rc = unsafe {
            libc::recvmmsg(
                self.sock.as_raw_fd(),
                self.hdrs.as_mut_ptr(),
                RECV_BATCH as libc::c_uint,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        self.segs.clear();
        if rc < 0 {
            self.len = 0;
            return Err(io::Error::last_os_error());
        }
        let msgs = rc as usize;
        for i in 0..msgs {
            if self.hdrs[i].msg_len as usize > DENSE_BYTES {
                // A long datagram: its head goes in front of its tail.
                let head = &self.dense[i * DENSE_BYTES..(i + 1) * DENSE_BYTES];
                self.spill[i * SLOT_BYTES..i * SLOT_BYTES + DENSE_BYTES].copy_from_slice(head);
            }
        }
        self.len = msgs;
        if self.gro {
            self.split_coalesced(msgs);
        }
        Ok(self.len)
    }

    /// Lay out the datagrams of the batch's coalesced messages, if any (then `segs` lists
    /// every datagram of the batch in order).
    fn split_coalesced(&mut self, msgs: usize) {
        for m in 0..msgs {
            let n = self.msg_bytes(m);
            let Some(k) = self
                .segment_size(m)
                .and_then(|g| segments(n, g).map(|k| (g, k)))
            else {
                if !self.segs.is_empty() {
                    self.segs.push(Segment {
                        msg: m as u32,
                        off: 0,
                        len: n as u32,
                    });
                }
                continue;
            };
            if self.segs.is_empty() {
                // The first coalesced message: the plain ones before it, one each.
                for p in 0..m {
                    let len = self.msg_bytes(p) as u32;
                    self.segs.push(Segment {
                        msg: p as u32,
                        off: 0,
                        len,
                    });
                }
            }
            let (gso, mut count) = k;
            if self.hdrs[m].msg_hdr.msg_flags & libc::MSG_TRUNC != 0 {
                // Longer than a slot (a kernel that coalesces past 64 KiB): the datagrams
                // past the slot are lost, and the one cut is left out. Offload goes off for
                // this socket; the worker logs it.
                count = n / gso;
                let _ = set_int_opt(&self.sock, libc::SOL_UDP, UDP_GRO, 0);
                self.truncated += 1;
            }
            for j in 0..count {
                let off = j * gso;
                self.segs.push(Segment {
                    msg: m as u32,
                    off: off as u32,
                    len: gso.min(n - off) as u32,
                });
            }
            self.coalesced += count as u64;
        }
        if !self.segs.is_empty() {
            self.len = self.segs.len();
        }
    }

    /// Payload bytes of message `m` of the last batch.
    fn msg_bytes(&self, m: usize) -> usize {
        (self.hdrs[m].msg_len as usize).min(SLOT_BYTES)
    }

    /// The segment size the kernel gave message `m` (a UDP_GRO control message), if any.
    // msg_controllen is size_t in glibc, socklen_t in other C libraries.
    #[allow(clippy::unnecessary_cast)]
    fn segment_size(&self, m: usize) -> Option<usize> {
        let h = &self.hdrs[m].msg_hdr;
        if h.msg_control.is_null()
            || (h.msg_controllen as usize) < std::mem::size_of::<libc::cmsghdr>()
        {
            return None;
        }
        // SAFETY: msg_control points at this message's control buffer in `self.ctrl` (u64s:
        // aligned for cmsghdr), and the kernel set msg_controllen to the bytes it wrote there,
        // at most the buffer's size: CMSG_FIRSTHDR/CMSG_NXTHDR stay within that length and
        // return null past it, and a header is read only when its length covers its int.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(h);
            while !c.is_null() {
                let len = (*c).cmsg_len as usize;
                if (*c).cmsg_level == libc::SOL_UDP
                    && (*c).cmsg_type == UDP_GRO
                    && len >= libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as usize
                {
                    let v = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::c_int);
                    return usize::try_from(v).ok();
                }
                c = libc::CMSG_NXTHDR(h, c);
            }
        }
        None
    }

    /// The i-th datagram of the last batch: its source and payload (None past the batch or
    /// for an address family we do not listen on).
    pub fn get(&self, i: usize) -> Option<(SocketAddr, &[u8])> {
        if i >= self.len {
            return None;
        }
        let (m, seg) = match self.segs.get(i) {
            Some(s) => (s.msg as usize, Some(s)),
            None => (i, None),
        };
        let n = self.msg_bytes(m);
        let src = sockaddr_to_std(&self.names[m], self.hdrs[m].msg_hdr.msg_namelen)?;
        let data = if n <= DENSE_BYTES {
            &self.dense[m * DENSE_BYTES..m * DENSE_BYTES + n]
        } else {
            &self.spill[m * SLOT_BYTES..m * SLOT_BYTES + n]
        };
        // A coalesced message's datagram: its own bytes (segments lie within the message).
        let data = match seg {
            Some(s) => data.get(s.off as usize..(s.off + s.len) as usize)?,
            None => data,
        };
        Some((src, data))
    }

    pub fn socket(&self) -> &UdpSocket {
        &self.sock
    }
}

/// How long a worker waits after a take before reading again, so that one wake-up reads
/// many datagrams (each wake-up costs microseconds in a VM: with sFlow's few samples per
/// datagram, most of the live cost at low rates). The wait aims at half a batch at the rate
/// just seen, but grows at most twofold per take (a wait never jumps from none to the
/// longest, so a burst after a quiet spell finds the worker reading) and is held to what a
/// quarter of the socket buffer holds at that rate. A take of half a batch or more means no
/// wait: the worker reads again at once.
#[derive(Debug, Clone)]
pub struct Gather {
    /// The socket buffer the kernel granted, bytes.
    rcvbuf: usize,
    /// The last wait (the next may double it).
    wait: Duration,
}

impl Gather {
    /// The first wait after a busy or quiet spell.
    pub const MIN: Duration = Duration::from_micros(250);
    /// The longest: a datagram waits no longer than this in the socket.
    pub const MAX: Duration = Duration::from_millis(4);
    /// The kernel's per-datagram accounting beyond the payload (sk_buff and its share,
    /// rounded up: loopback truesize is payload + 0.5-1.3 KiB).
    const OVERHEAD: usize = 1280;

    pub fn new(rcvbuf: usize) -> Gather {
        Gather {
            rcvbuf,
            wait: Self::MIN,
        }
    }

    /// After a take of `n` datagrams of `bytes` payload in all, `since_last` after the last
    /// take returned: how long to wait before reading again, if at all.
    pub fn after_take(&mut self, n: usize, bytes: usize, since_last: Duration) -> Option<Duration> {
        if n == 0 || n >= RECV_BATCH / 2 {
            self.wait = Self::MIN;
            return None;
        }
        // Time for half a batch, and for a quarter of the buffer, at the rate just seen.
        let per = since_last / n as u32;
        let half_batch = per.saturating_mul((RECV_BATCH / 2) as u32);
        let room = self.rcvbuf / 4 / (bytes / n + Self::OVERHEAD);
        let fits = per.saturating_mul(room.min(u32::MAX as usize) as u32);
        let want = half_batch.min(fits).min(Self::MAX);
        self.wait = want
            .min(self.wait.saturating_mul(2))
            .max(Self::MIN.min(want));
        (!self.wait.is_zero()).then_some(self.wait)
    }

    /// The socket had nothing (read timeout): the next traffic may come as a burst.
    pub fn idle(&mut self) {
        self.wait = Self::MIN;
    }
}

fn sockaddr_to_std(ss: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    match i32::from(ss.ss_family) {
        libc::AF_INET if len as usize >= std::mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the kernel wrote a sockaddr_in (family AF_INET, length checked) into
            // this sockaddr_storage, which is larger and suitably aligned.
            let a = unsafe { &*(ss as *const _ as *const libc::sockaddr_in) };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 if len as usize >= std::mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, a sockaddr_in6.
            let a = unsafe { &*(ss as *const _ as *const libc::sockaddr_in6) };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(a.sin6_addr.s6_addr),
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// Normalize an IPv4-mapped IPv6 source (dual-stack socket) to plain IPv4, as pmacct reports it.
pub fn unmap(src: SocketAddr) -> SocketAddr {
    if let SocketAddr::V6(v6) = src {
        if let Some(v4) = v6.ip().to_ipv4_mapped() {
            return SocketAddr::new(IpAddr::V4(v4), v6.port());
        }
    }
    src
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: fn(u64) -> Duration = Duration::from_micros;

    /// A steady low rate: the wait doubles from the shortest up to the longest, never past
    /// what half a batch takes to arrive.
    /// 1.7.7's reading of `*_mcast_groups`: spaces anywhere, inet_aton forms, IPv6, and
    /// anything not a multicast address skipped; 20 groups at most.
    #[test]
    fn mcast_groups_as_1_7_7_reads_them() {
        let (g, more) =
            mcast_groups(" 239.1.2.3 , 10.0.0.1,ff02::1:3,,bogus, 0xe0000001 ,2 39.0.0.9");
        let want: Vec<IpAddr> = ["239.1.2.3", "ff02::1:3", "224.0.0.1", "239.0.0.9"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        assert_eq!((g, more), (want, 0));
        let many: Vec<String> = (1..=23).map(|i| format!("239.0.0.{i}")).collect();
        let (g, more) = mcast_groups(&many.join(","));
        assert_eq!((g.len(), more), (20, 3));
        assert_eq!(g[19], "239.0.0.20".parse::<IpAddr>().unwrap());
        assert_eq!(mcast_groups(""), (vec![], 0));
    }

    #[test]
    fn gather_ramps_up_to_half_a_batch() {
        let mut g = Gather::new(8 << 20);
        // 4 datagrams of 800 bytes per 1 ms: 64 take 16 ms, over the longest wait.
        let waits: Vec<_> = (0..6)
            .map(|_| g.after_take(4, 3200, US(1000)).unwrap())
            .collect();
        assert_eq!(
            waits,
            [US(500), US(1000), US(2000), US(4000), US(4000), US(4000)]
        );
        // 8 per 100 us: half a batch arrives in 800 us.
        assert_eq!(g.after_take(8, 6400, US(100)), Some(US(800)));
    }

    /// A busy socket (a take of half a batch or more) or a quiet one (nothing read): no wait,
    /// and the next wait starts from the shortest again.
    #[test]
    fn gather_resets_after_busy_or_idle() {
        let mut g = Gather::new(8 << 20);
        for _ in 0..4 {
            g.after_take(2, 1600, US(1000));
        }
        assert_eq!(g.after_take(RECV_BATCH / 2, 25600, US(1000)), None);
        assert_eq!(g.after_take(2, 1600, US(1000)), Some(US(500)));
        g.idle();
        assert_eq!(g.after_take(1, 800, US(50_000)), Some(US(500)));
        assert_eq!(g.after_take(0, 0, US(1000)), None);
        // A stalled loop (a take after a very long time) waits no longer than the ramp allows.
        g.idle();
        assert_eq!(
            g.after_take(1, 800, Duration::from_secs(u64::MAX / 4)),
            Some(US(500))
        );
    }

    /// A small socket buffer bounds the wait: what arrives meanwhile fills a quarter of it.
    #[test]
    fn gather_keeps_within_the_socket_buffer() {
        // 212,992 bytes / 4 / (800 + 1280) = 25 datagrams; 1 per 50 us: 1.25 ms, under the
        // 3.2 ms half a batch would take.
        let mut g = Gather::new(212_992);
        let mut last = Duration::ZERO;
        for _ in 0..8 {
            last = g.after_take(1, 800, US(50)).unwrap();
        }
        assert_eq!(last, US(1250));
        // A buffer that holds no datagram's worth: no wait at all.
        let mut g = Gather::new(1000);
        assert_eq!(g.after_take(1, 800, US(50)), None);
    }

    /// [`steered_worker`] says which socket the kernel's run of the program picks: two
    /// sockets of a group, datagrams from 127.0.0.1-16, each read where it was predicted.
    #[test]
    fn steered_worker_is_what_the_program_picks() {
        let a = bind("127.0.0.1:0".parse().unwrap(), None, &SockOpts::default()).unwrap();
        let addr = a.socket.local_addr().unwrap();
        steer_by_source(&a.socket, 2).unwrap();
        let b = bind(addr, None, &SockOpts::default()).unwrap();
        let socks = [&a.socket, &b.socket];
        let mut seen = [0, 0];
        for k in 1..=16u8 {
            let src = Ipv4Addr::new(127, 0, 0, k);
            let tx = UdpSocket::bind((src, 0)).unwrap();
            tx.send_to(&[k], addr).unwrap();
            let want = steered_worker(IpAddr::V4(src), 2);
            let mut buf = [0u8; 4];
            let (n, from) = socks[want].recv_from(&mut buf).unwrap();
            assert_eq!((n, buf[0], from.ip()), (1, k, IpAddr::V4(src)));
            seen[want] += 1;
        }
        assert!(seen[0] > 0 && seen[1] > 0, "both workers picked: {seen:?}");
    }

    /// A collector socket on 127.0.0.1, any port.
    fn loopback(rcvbuf: Option<usize>) -> Bound {
        bind("127.0.0.1:0".parse().unwrap(), rcvbuf, &SockOpts::default()).unwrap()
    }

    #[test]
    fn long_datagrams_read_whole_beside_short_ones() {
        let b = loopback(Some(1 << 20));
        let addr = b.socket.local_addr().unwrap();
        let mut r = Receiver::new(b.socket);
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        // Each side of the dense slot's end, a jumbo frame, the largest over IPv4.
        let lens = [
            1,
            DENSE_BYTES - 1,
            DENSE_BYTES,
            DENSE_BYTES + 1,
            9000,
            1400,
            65507,
            3,
        ];
        let body = |k: usize, n: usize| -> Vec<u8> {
            (0..n).map(|j| (j * 7 + k * 31 + j / 251) as u8).collect()
        };
        for (k, n) in lens.iter().enumerate() {
            tx.send_to(&body(k, *n), addr).unwrap();
        }
        let mut got = Vec::new();
        while got.len() < lens.len() {
            let n = r.recv().unwrap();
            for i in 0..n {
                got.push(r.get(i).unwrap().1.to_vec());
            }
        }
        for (k, n) in lens.iter().enumerate() {
            assert!(got[k] == body(k, *n), "datagram {k} of {n} bytes");
        }
    }

    /// How a coalesced message splits: equal datagrams, the last shorter; one datagram
    /// when it is no longer than its segment size; whole when it claims too many.
    #[test]
    fn segments_of_a_coalesced_message() {
        assert_eq!(segments(3000, 1000), Some(3));
        assert_eq!(segments(3001, 1000), Some(4));
        assert_eq!(segments(1000, 1000), None);
        assert_eq!(segments(999, 1000), None);
        assert_eq!(segments(3000, 0), None);
        assert_eq!(segments(MAX_SEGMENTS * 10, 10), Some(MAX_SEGMENTS));
        assert_eq!(segments(MAX_SEGMENTS * 10 + 1, 10), None);
        assert_eq!(segments(65507, 1), None);
    }

    /// A sender's segmentation offload (UDP_SEGMENT) on loopback reaches a UDP_GRO socket
    /// as one message, as a NIC's receive offload would: the reader gives back each
    /// datagram, byte for byte and in order among plain ones, with its source; a reader
    /// without UDP_GRO (the kernel splits the message) reads the same datagrams.
    #[test]
    fn coalesced_datagrams_read_apart() {
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let body = |k: usize, n: usize| -> Vec<u8> {
            (0..n).map(|j| (j * 13 + k * 71 + j / 253) as u8).collect()
        };
        // (segment size or plain, total bytes): a short last datagram, a plain one between,
        // an exact multiple, a dense-sized segment, one datagram under its segment size.
        let sends: [(Option<usize>, usize); 6] = [
            (Some(1200), 1200 * 5 + 77),
            (None, 300),
            (Some(1000), 1000 * 8),
            (Some(DENSE_BYTES), DENSE_BYTES * 3 + 1),
            (Some(1400), 900),
            (None, 9000),
        ];
        let mut want: Vec<Vec<u8>> = Vec::new();
        for (k, (g, n)) in sends.iter().enumerate() {
            let b = body(k, *n);
            match g {
                Some(g) => want.extend(b.chunks(*g).map(<[u8]>::to_vec)),
                None => want.push(b),
            }
        }
        let mut seen_coalesced = 0;
        for gro in [true, false] {
            let b = loopback(Some(1 << 20));
            let addr = b.socket.local_addr().unwrap();
            if gro {
                set_int_opt(&b.socket, libc::SOL_UDP, UDP_GRO, 1).expect("UDP_GRO");
            }
            let mut r = Receiver::with_gro(b.socket, gro);
            for (k, (g, n)) in sends.iter().enumerate() {
                set_int_opt(&tx, libc::SOL_UDP, UDP_SEGMENT, g.unwrap_or(0) as i32)
                    .expect("UDP_SEGMENT");
                tx.send_to(&body(k, *n), addr).unwrap();
            }
            let mut got = Vec::new();
            while got.len() < want.len() {
                let n = r.recv().unwrap();
                assert!(n > 0);
                for i in 0..n {
                    let (src, d) = r.get(i).unwrap();
                    assert_eq!(src, tx.local_addr().unwrap());
                    got.push(d.to_vec());
                }
                assert!(r.get(n).is_none());
            }
            assert_eq!(got.len(), want.len(), "gro {gro}");
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    g == w,
                    "gro {gro}: datagram {i} ({} bytes, want {})",
                    g.len(),
                    w.len()
                );
            }
            if gro {
                seen_coalesced = r.coalesced();
            } else {
                assert_eq!(r.coalesced(), 0);
            }
        }
        // Three messages came coalesced: 6 + 8 + 4 datagrams.
        assert_eq!(seen_coalesced, 18);
    }

    /// A coalesced message the kernel cut at the slot's end (MSG_TRUNC): its whole
    /// datagrams are read, the cut one is left out, offload goes off and the cut is
    /// reported once. The kernel never builds one here: the message is forged.
    #[test]
    fn cut_coalesced_message_keeps_whole_datagrams() {
        let b = loopback(None);
        set_int_opt(&b.socket, libc::SOL_UDP, UDP_GRO, 1).unwrap();
        let mut r = Receiver::with_gro(b.socket, true);
        for (j, x) in r.spill[..SLOT_BYTES].iter_mut().enumerate() {
            *x = (j / 1000) as u8;
        }
        let sin = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 9995u16.to_be(),
            sin_addr: libc::in_addr {
                s_addr: u32::from(Ipv4Addr::new(192, 0, 2, 7)).to_be(),
            },
            sin_zero: [0; 8],
        };
        // SAFETY: a sockaddr_in fits in the sockaddr_storage it is written over.
        unsafe { std::ptr::write(&mut r.names[0] as *mut _ as *mut libc::sockaddr_in, sin) };
        let ctrl = r.ctrl.as_mut_ptr() as *mut libc::c_void;
        // SAFETY: mmsghdr is plain old data.
        let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
        h.msg_len = SLOT_BYTES as u32;
        h.msg_hdr.msg_flags = libc::MSG_TRUNC;
        h.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as u32;
        h.msg_hdr.msg_control = ctrl;
        h.msg_hdr.msg_controllen = CTRL_WORDS * 8;
        r.hdrs.clear();
        r.hdrs.push(h);
        // SAFETY: the control buffer is CTRL_WORDS u64s, room for one cmsg of an int.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(&r.hdrs[0].msg_hdr);
            assert!(!c.is_null());
            (*c).cmsg_len = libc::CMSG_LEN(4) as _;
            (*c).cmsg_level = libc::SOL_UDP;
            (*c).cmsg_type = UDP_GRO;
            std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut libc::c_int, 1000);
        }
        r.split_coalesced(1);
        assert_eq!(r.len, 65);
        for i in 0..65 {
            let (src, d) = r.get(i).unwrap();
            assert_eq!(src, "192.0.2.7:9995".parse::<SocketAddr>().unwrap());
            assert_eq!((d.len(), d[0], d[999]), (1000, i as u8, i as u8));
        }
        assert!(r.get(65).is_none());
        assert_eq!((r.take_truncated(), r.take_truncated()), (1, 0));
        let mut v: libc::c_int = 1;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: an int out-parameter on our stack with its size.
        let rc = unsafe {
            libc::getsockopt(
                r.sock.as_raw_fd(),
                libc::SOL_UDP,
                UDP_GRO,
                &mut v as *mut libc::c_int as *mut libc::c_void,
                &mut len,
            )
        };
        assert_eq!((rc, v), (0, 0), "offload off");
    }

    /// A batch comes back whole, in order, with each datagram's source; a socket overrun
    /// is counted (`Receiver::kernel_drops`).
    #[test]
    fn batches_and_kernel_drops() {
        let b = loopback(Some(4096));
        let addr = b.socket.local_addr().unwrap();
        let mut r = Receiver::new(b.socket);
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        for i in 0..3u8 {
            tx.send_to(&[i; 100], addr).unwrap();
        }
        let mut got = Vec::new();
        while got.len() < 3 {
            let n = r.recv().unwrap();
            for i in 0..n {
                let (src, d) = r.get(i).unwrap();
                assert_eq!(src, tx.local_addr().unwrap());
                got.push((d.len(), d[0]));
            }
        }
        assert_eq!(got, vec![(100, 0), (100, 1), (100, 2)]);
        // A 4 kB buffer cannot hold 200 datagrams of 1000 bytes: the kernel drops some.
        for _ in 0..200 {
            tx.send_to(&[7; 1000], addr).unwrap();
        }
        let mut received = 0;
        while let Ok(n) = r.recv() {
            received += n;
            if n == 0 {
                break;
            }
            if let Some(d) = r.get(0) {
                assert_eq!(d.1.len(), 1000);
            }
        }
        let drops = r.kernel_drops().expect("SO_MEMINFO");
        assert!(drops > 0, "received {received}");
        assert_eq!(received as u64 + drops, 200);
    }
}
