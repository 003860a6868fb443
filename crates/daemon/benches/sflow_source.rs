//! sfacctd's per-sample work, in flow samples per second per core: `SflowSource::decode` (the
//! sFlow walk, the raw-header decode, the Flow mapping, renormalization) over the sfprobe
//! captures of compat-tests (raw Ethernet headers of IPv4/IPv6/VLAN/MPLS/VXLAN traffic, 5-7
//! samples per datagram). Measured in CPU time of the bench thread (CLOCK_THREAD_CPUTIME_ID),
//! not wall time, so that other processes on a shared machine do not count; `wall` repeats it
//! in wall time for comparison.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pmacct_daemon::core::{Datagram, Decoder, DropCounters, EmitFn};
use pmacct_daemon::sfacctd::{CounterStats, SflowSource};
use pmacct_flow::Flow;
use pmacct_wire::Timestamp;

/// CPU time of the calling thread, in nanoseconds.
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

static WALL: WallTime = WallTime;

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, i: u64) -> u64 {
        thread_cpu_ns().saturating_sub(i)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, like wall time.
        WALL.formatter()
    }
}

/// UDP payloads of the classic-pcap Ethernet/IPv4 captures of compat-tests/inputs/sflow.
fn datagrams() -> Vec<Vec<u8>> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../compat-tests/inputs/sflow"
    );
    let mut out = Vec::new();
    for n in ["sfprobe-s1", "sfprobe-s2", "sfprobe-s3", "sfprobe-s4"] {
        let mut cap = pcap::Capture::from_file(format!("{dir}/{n}.pcap")).expect("capture");
        let lt = cap.get_datalink().0;
        while let Ok(p) = cap.next_packet() {
            if let Ok(d) = pmacct_daemon::savefile::udp_from_frame(lt, p.data) {
                out.push(d.payload.to_vec());
            }
        }
    }
    out
}

fn run<M: Measurement>(c: &mut Criterion<M>, name: &str, renormalize: bool) {
    let dgs = datagrams();
    let src = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 6343);
    let arrival = Timestamp::new(1_700_000_000, 0);
    let mut source = SflowSource::new(renormalize, false, None, Arc::new(CounterStats::default()));
    let mut drops = DropCounters::default();
    let mut samples = 0u64;
    for d in &dgs {
        let dg = Datagram {
            src,
            data: d,
            arrival,
            captured: None,
            linktype: 0,
            wirelen: 0,
        };
        source.decode(
            &dg,
            &mut drops,
            &mut EmitFn::new(|_f: &mut Flow, _| samples += 1),
        );
    }
    let mut g = c.benchmark_group("sfacctd");
    g.throughput(Throughput::Elements(samples));
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut bytes = 0u64;
            for d in &dgs {
                let dg = Datagram {
                    src,
                    data: black_box(d),
                    arrival,
                    captured: None,
                    linktype: 0,
                    wirelen: 0,
                };
                source.decode(
                    &dg,
                    &mut drops,
                    &mut EmitFn::new(|f: &mut Flow, _| bytes += f.bytes),
                );
            }
            bytes
        })
    });
    g.finish();
}

fn cpu(c: &mut Criterion<ThreadCpu>) {
    run(c, "samples_cpu", false);
    run(c, "samples_cpu_renormalize", true);
}

fn wall(c: &mut Criterion) {
    run(c, "samples_wall", false);
}

criterion_group! {
    name = cpu_benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = cpu
}
criterion_group!(wall_benches, wall);
criterion_main!(cpu_benches, wall_benches);
