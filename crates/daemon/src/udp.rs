//! Collector sockets: one UDP socket per worker, all bound to the same address with
//! SO_REUSEPORT so the kernel spreads exporters over workers (one exporter's 4-tuple always
//! hashes to the same socket, keeping its templates on one worker).

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, UdpSocket};
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
}

pub fn bind(addr: SocketAddr, rcvbuf: Option<usize>) -> io::Result<Bound> {
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
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
    })
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
