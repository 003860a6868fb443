//! ExaBGP as the BGP speaker of the `bgp_daemon` differential tests (compat_bgp for
//! nfacctd, compat_pmacctd_bgp for pmacctd): the generated route table both collectors get,
//! and one ExaBGP process per collector driven through its text API (announce everything,
//! then on cue the withdrawals and a sentinel route).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The route announced after the withdrawals: once a collector has it, it has the rest.
pub const SENTINEL: &str = "198.18.255.0/24";
pub const SENTINEL_DST: Ipv4Addr = Ipv4Addr::new(198, 18, 255, 1);

/// One announced route.
pub struct Route {
    pub prefix: String,
    pub next_hop: String,
    pub attrs: String,
    /// An address inside it, for flows.
    pub inside: IpAddr,
}

/// The generated table: routes (in announce order) and which of them are withdrawn. Nested
/// IPv4 and IPv6 prefixes, AS_SET, 4-byte ASNs, empty iBGP AS_PATH, standard/extended/large
/// communities, local_pref, MED.
pub fn table() -> (Vec<Route>, Vec<usize>) {
    let mut routes = Vec::new();
    let mut i = 0usize;
    let attrs = |i: usize| -> String {
        let mut a = String::new();
        match i % 6 {
            0 => a.push_str(" as-path [ 65001 65002 ]"),
            1 => write!(a, " as-path [ {} 65010 ]", 4_200_000_000u64 + i as u64).unwrap(),
            2 => a.push_str(" as-path [ 65003 ( 64512 64513 4200000099 ) ]"),
            3 => {} // iBGP-originated: empty AS_PATH
            4 => a.push_str(" as-path [ 65020 65021 65022 65023 ]"),
            _ => a.push_str(" as-path [ 4200000001 ]"),
        }
        match i % 3 {
            0 => write!(
                a,
                " community [ 65000:{} 65001:7{} ]",
                i,
                if i.is_multiple_of(5) {
                    " no-export"
                } else {
                    ""
                }
            )
            .unwrap(),
            1 => {}
            _ => a.push_str(" community [ 65000:65535 65000:100 ]"),
        }
        if i.is_multiple_of(4) {
            write!(
                a,
                " extended-community [ target:65000:{i} origin:65001:{} ]",
                i + 1
            )
            .unwrap();
        }
        if i % 4 == 1 {
            write!(a, " large-community [ 65000:{i}:1 4200000001:2:3 ]").unwrap();
        }
        if i.is_multiple_of(2) {
            write!(a, " local-preference {}", 100 + i).unwrap();
        }
        if i % 3 != 2 {
            write!(a, " med {}", i * 10).unwrap();
        }
        a
    };
    for a in 1..=6u8 {
        routes.push(Route {
            prefix: format!("10.{a}.0.0/16"),
            next_hop: format!("192.0.2.{}", i + 1),
            attrs: attrs(i),
            inside: IpAddr::V4(Ipv4Addr::new(10, a, 200, 1)),
        });
        i += 1;
        for b in 0..4u8 {
            if (a + b) % 3 == 0 {
                continue;
            }
            routes.push(Route {
                prefix: format!("10.{a}.{b}.0/24"),
                next_hop: format!("192.0.2.{}", i + 1),
                attrs: attrs(i),
                inside: IpAddr::V4(Ipv4Addr::new(10, a, b, 9)),
            });
            i += 1;
            if b == 1 {
                routes.push(Route {
                    prefix: format!("10.{a}.{b}.77/32"),
                    next_hop: format!("192.0.2.{}", i + 1),
                    attrs: attrs(i),
                    inside: IpAddr::V4(Ipv4Addr::new(10, a, b, 77)),
                });
                i += 1;
            }
        }
    }
    // IPv6: no /32 (ExaBGP 4.2's parser mistakes an IPv6 /32 for a peer range).
    for a in 1..=4u16 {
        routes.push(Route {
            prefix: format!("2001:db8:{a}::/48"),
            next_hop: format!("2001:db8:ffff::{:x}", i + 1),
            attrs: attrs(i),
            inside: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, a, 0xff, 0, 0, 0, 1)),
        });
        i += 1;
        for b in 0..3u16 {
            if (a + b) % 2 != 0 {
                continue;
            }
            routes.push(Route {
                prefix: format!("2001:db8:{a}:{b}::/64"),
                next_hop: format!("2001:db8:ffff::{:x}", i + 1),
                attrs: attrs(i),
                inside: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, a, b, 0, 0, 0, 9)),
            });
            i += 1;
        }
    }
    let withdrawn = (0..routes.len()).filter(|k| k % 7 == 3).collect();
    (routes, withdrawn)
}

/// ExaBGP API lines announcing `routes`.
pub fn announce_text(routes: &[Route]) -> String {
    let mut ann = String::new();
    for r in routes {
        writeln!(
            ann,
            "announce route {} next-hop {}{}",
            r.prefix, r.next_hop, r.attrs
        )
        .unwrap();
    }
    ann
}

/// ExaBGP API lines withdrawing `withdrawn` of `routes`, then announcing [`SENTINEL`].
pub fn withdraw_text(routes: &[Route], withdrawn: &[usize]) -> String {
    let mut wd = String::new();
    for &k in withdrawn {
        let r = &routes[k];
        writeln!(wd, "withdraw route {} next-hop {}", r.prefix, r.next_hop).unwrap();
    }
    writeln!(
        wd,
        "announce route {SENTINEL} next-hop 192.0.2.250 as-path [ 64999 ]"
    )
    .unwrap();
    wd
}

/// A free TCP port on 127.0.0.1 (for a collector's BGP daemon).
pub fn free_tcp_port() -> u16 {
    crate::run::free_tcp_port().unwrap_or_else(|e| panic!("{e}"))
}

/// One ExaBGP process (iBGP, AS 65000) connecting from `local` to 127.0.0.1:`port`. It
/// sends `announce` at once, then `after_go` when the test creates [`Speaker::go`]'s file.
/// Stopped (SIGTERM: a CEASE, the session closed) by [`Speaker::stop`] or on drop.
pub struct Speaker {
    dir: PathBuf,
    child: Option<Child>,
}

impl Speaker {
    /// `families` are extra `family` lines (e.g. "ipv4 mpls-vpn;") besides IPv4/IPv6
    /// unicast. Files go in `dir` (exabgp.conf, exabgp.log, the API script); the script ends
    /// when `dir` is removed.
    pub fn start(
        dir: &Path,
        local: Ipv4Addr,
        port: u16,
        families: &str,
        announce: &str,
        after_go: &str,
    ) -> Speaker {
        std::fs::write(dir.join("announce.txt"), announce).unwrap();
        std::fs::write(dir.join("withdraw.txt"), after_go).unwrap();
        let d = dir.display();
        let script = format!(
            "#!/bin/sh\ncat {d}/announce.txt\nwhile [ ! -f {d}/go ]; do sleep 0.1; done\n\
             cat {d}/withdraw.txt\nwhile [ -d {d} ]; do sleep 1; done\n"
        );
        let sp = dir.join("routes.sh");
        std::fs::write(&sp, script).unwrap();
        Command::new("chmod").arg("+x").arg(&sp).status().unwrap();
        let conf = format!(
            "process routes {{\n  run {sp};\n  encoder text;\n}}\n\
             neighbor 127.0.0.1 {{\n  router-id 10.255.0.1;\n  local-address {local};\n  \
             local-as 65000;\n  peer-as 65000;\n  connect {port};\n  \
             family {{\n    ipv4 unicast;\n    ipv6 unicast;\n{families}  }}\n  \
             api {{\n    processes [ routes ];\n  }}\n}}\n",
            sp = sp.display(),
            families = if families.is_empty() {
                String::new()
            } else {
                format!("    {families}\n")
            },
        );
        let cf = dir.join("exabgp.conf");
        std::fs::write(&cf, conf).unwrap();
        Speaker {
            dir: dir.to_path_buf(),
            child: Some(spawn(&cf, &dir.join("exabgp.log"))),
        }
    }

    /// Send the `after_go` lines.
    pub fn go(&self) {
        std::fs::write(self.dir.join("go"), "").unwrap();
    }

    /// ExaBGP's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("exabgp.log")).unwrap_or_default()
    }

    /// SIGTERM, then SIGKILL after 5 s.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            stop_child(&mut c);
        }
    }
}

/// ExaBGP with config `cf`, its output to `log` (run as root where the test is).
pub fn spawn(cf: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    let mut cmd = Command::new("exabgp");
    cmd.arg(cf)
        .env("exabgp_api_ack", "false")
        .env("exabgp_api_cli", "false")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        cmd.env("exabgp_daemon_user", "root");
    }
    cmd.spawn().expect("exabgp (apt-get install exabgp)")
}

/// SIGTERM to an ExaBGP child (it sends a CEASE and closes the session), SIGKILL after 5 s.
pub fn stop_child(c: &mut Child) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet.
    unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGTERM) };
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = c.kill();
    let _ = c.wait();
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.stop();
    }
}
