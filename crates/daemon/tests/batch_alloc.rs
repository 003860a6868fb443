//! The core -> plugin path allocates nothing per batch once warm: batches come back from
//! the plugin threads and are refilled. Counted with a counting global allocator (this test
//! binary only) over thousands of batches through a real plugin thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use pmacct_daemon::core::{
    batch_records, Core, CoreOptions, Datagram, DatagramSummary, Decoder, DropCounters, FlowSink,
};
use pmacct_daemon::pipeline::{spawn_plugin, Backpressure};
use pmacct_flow::custom::CustomValues;
use pmacct_flow::Flow;
use pmacct_plugins::Plugin;
use pmacct_wire::Timestamp;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One datagram, one full batch of flows.
struct Burst;

impl Decoder for Burst {
    fn decode(
        &mut self,
        _: &Datagram<'_>,
        _: &mut DropCounters,
        emit: &mut dyn FlowSink,
    ) -> Option<DatagramSummary> {
        for i in 0..batch_records() as u64 {
            emit.emit(
                &mut Flow {
                    packets: i,
                    ..Default::default()
                },
                None,
            );
        }
        Some(DatagramSummary {
            records: batch_records() as u64,
            ..Default::default()
        })
    }
}

/// Counts what it is given; never purges.
struct Sum(std::sync::Arc<AtomicU64>);

impl Plugin for Sum {
    fn name(&self) -> &str {
        "sum"
    }
    fn kind(&self) -> &'static str {
        "print"
    }
    fn process_batch(&mut self, batch: &[Flow], _: &[CustomValues]) {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    fn next_purge(&self) -> SystemTime {
        SystemTime::now() + std::time::Duration::from_secs(3600)
    }
    fn purge(&mut self, _: SystemTime) -> anyhow::Result<()> {
        Ok(())
    }
    fn shutdown(&mut self, _: SystemTime) -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn no_allocation_per_batch() {
    let seen = std::sync::Arc::new(AtomicU64::new(0));
    let t = spawn_plugin(Box::new(Sum(seen.clone())), vec![], 8).unwrap();
    let opts = CoreOptions {
        renormalize: None,
        // Wait for the plugin: every batch reaches it.
        backpressure: Backpressure::Block,
        listen_label: String::new(),
        max_exporters: pmacct_daemon::core::DEFAULT_EXPORTER_STATS_ENTRIES,
    };
    let mut core = Core::new(Box::new(Burst), vec![], vec![t.tx.clone()], opts);
    let d = Datagram {
        src: SocketAddr::from(([192, 0, 2, 1], 2055)),
        data: &[],
        arrival: Timestamp::new(0, 0),
        captured: None,
        linktype: 0,
        wirelen: 0,
    };
    // Warm up: the exporter's stats entry, the queue, the batches in flight.
    for _ in 0..100 {
        core.on_datagram(&d);
    }
    let batches = 5000u64;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..batches {
        core.on_datagram(&d);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    drop(core);
    let pmacct_daemon::pipeline::PluginThread { tx, handle } = t;
    drop(tx);
    handle.join().unwrap();
    assert_eq!(
        seen.load(Ordering::Relaxed),
        (100 + batches) * batch_records() as u64
    );
    println!("{allocations} allocations for {batches} batches");
    // A batch the plugin still holds when the next is due is a new one; far from one per
    // batch.
    assert!(
        allocations < batches / 10,
        "{allocations} allocations for {batches} batches"
    );
}
