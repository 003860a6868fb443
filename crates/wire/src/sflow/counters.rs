//! Counter samples: v5 counter samples and v2/v4 counter blocks, their records read lazily.

use super::xdr::{be32, pad4, Rd};
use super::{counter_format, DatagramInfo, SflowStats, SAMPLE_COUNTERS_EXPANDED};

/// One counter sample. Records are read lazily with `records()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterSample<'a> {
    pub datagram: DatagramInfo,
    /// 2 (counters) or 4 (expanded counters); v2/v4: 2.
    pub sample_type: u32,
    pub sequence: u32,
    pub source_id_type: u32,
    pub source_id_index: u32,
    /// v2/v4 only: counters sampling interval and counters version (1 generic ... 7 vlan).
    pub sampling_interval: u32,
    pub v2v4_version: u32,
    /// v5: number of records (validated against `body`).
    pub num_records: u32,
    pub(super) body: &'a [u8],
}

/// Generic interface counters (format 1, 88 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IfCounters {
    pub if_index: u32,
    pub if_type: u32,
    pub if_speed: u64,
    pub if_direction: u32,
    pub if_status: u32,
    pub if_in_octets: u64,
    pub if_in_ucast_pkts: u32,
    pub if_in_multicast_pkts: u32,
    pub if_in_broadcast_pkts: u32,
    pub if_in_discards: u32,
    pub if_in_errors: u32,
    pub if_in_unknown_protos: u32,
    pub if_out_octets: u64,
    pub if_out_ucast_pkts: u32,
    pub if_out_multicast_pkts: u32,
    pub if_out_broadcast_pkts: u32,
    pub if_out_discards: u32,
    pub if_out_errors: u32,
    pub if_promiscuous_mode: u32,
}

/// Ethernet interface counters (format 2, 52 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EthCounters {
    pub alignment_errors: u32,
    pub fcs_errors: u32,
    pub single_collision_frames: u32,
    pub multiple_collision_frames: u32,
    pub sqe_test_errors: u32,
    pub deferred_transmissions: u32,
    pub late_collisions: u32,
    pub excessive_collisions: u32,
    pub internal_mac_transmit_errors: u32,
    pub carrier_sense_errors: u32,
    pub frame_too_longs: u32,
    pub internal_mac_receive_errors: u32,
    pub symbol_errors: u32,
}

/// VLAN counters (format 5, 28 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VlanCounters {
    pub vlan_id: u32,
    pub octets: u64,
    pub ucast_pkts: u32,
    pub multicast_pkts: u32,
    pub broadcast_pkts: u32,
    pub discards: u32,
}

/// Processor counters (format 1001, 28 bytes). CPU in 1/100 percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessorCounters {
    pub cpu_5s: u32,
    pub cpu_1m: u32,
    pub cpu_5m: u32,
    pub total_memory: u64,
    pub free_memory: u64,
}

/// One counter record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterRecord<'a> {
    Generic(IfCounters),
    Ethernet(EthCounters),
    Vlan(VlanCounters),
    Processor(ProcessorCounters),
    /// Any other format (or a known one of the wrong size), as sent. `format` is the full
    /// data format word (enterprise << 12 | format).
    Other {
        format: u32,
        data: &'a [u8],
    },
}

impl<'a> CounterSample<'a> {
    /// The counter records. v2/v4 blocks are presented as the v5 formats they match.
    pub fn records(&self) -> CounterRecords<'a> {
        CounterRecords {
            body: self.body,
            p: 0,
            left: if self.v2v4_version != 0 {
                v2v4_blocks(self.v2v4_version).len() as u32
            } else {
                self.num_records
            },
            v2v4: v2v4_blocks(self.v2v4_version),
        }
    }
}

/// Fixed counter blocks of a v2/v4 counters version: (format, length).
pub(super) fn v2v4_blocks(version: u32) -> &'static [(u32, usize)] {
    match version {
        1 | 4 | 6 => &[(counter_format::GENERIC, 88)],
        2 => &[
            (counter_format::GENERIC, 88),
            (counter_format::ETHERNET, 52),
        ],
        3 => &[
            (counter_format::GENERIC, 88),
            (counter_format::TOKENRING, 72),
        ],
        5 => &[(counter_format::GENERIC, 88), (counter_format::VG, 80)],
        7 => &[(counter_format::VLAN, 28)],
        _ => &[],
    }
}

pub struct CounterRecords<'a> {
    body: &'a [u8],
    p: usize,
    left: u32,
    v2v4: &'static [(u32, usize)],
}

impl<'a> Iterator for CounterRecords<'a> {
    type Item = CounterRecord<'a>;
    fn next(&mut self) -> Option<CounterRecord<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (format, data) = if !self.v2v4.is_empty() {
            let (f, len) = self.v2v4[0];
            self.v2v4 = &self.v2v4[1..];
            let d = self.body.get(self.p..self.p + len)?;
            self.p += len;
            (f, d)
        } else {
            let f = be32(self.body, self.p)?;
            let len = be32(self.body, self.p + 4)? as usize;
            let start = self.p + 8;
            let d = self.body.get(start..start.checked_add(len)?)?;
            self.p = start + pad4(len);
            (f, d)
        };
        Some(counter_record(format, data))
    }
}

fn counter_record(format: u32, d: &[u8]) -> CounterRecord<'_> {
    let r = |o: usize| be32(d, o).unwrap_or(0);
    let r64 = |o: usize| (r(o) as u64) << 32 | r(o + 4) as u64;
    match (format, d.len()) {
        (counter_format::GENERIC, 88) => CounterRecord::Generic(IfCounters {
            if_index: r(0),
            if_type: r(4),
            if_speed: r64(8),
            if_direction: r(16),
            if_status: r(20),
            if_in_octets: r64(24),
            if_in_ucast_pkts: r(32),
            if_in_multicast_pkts: r(36),
            if_in_broadcast_pkts: r(40),
            if_in_discards: r(44),
            if_in_errors: r(48),
            if_in_unknown_protos: r(52),
            if_out_octets: r64(56),
            if_out_ucast_pkts: r(64),
            if_out_multicast_pkts: r(68),
            if_out_broadcast_pkts: r(72),
            if_out_discards: r(76),
            if_out_errors: r(80),
            if_promiscuous_mode: r(84),
        }),
        (counter_format::ETHERNET, 52) => CounterRecord::Ethernet(EthCounters {
            alignment_errors: r(0),
            fcs_errors: r(4),
            single_collision_frames: r(8),
            multiple_collision_frames: r(12),
            sqe_test_errors: r(16),
            deferred_transmissions: r(20),
            late_collisions: r(24),
            excessive_collisions: r(28),
            internal_mac_transmit_errors: r(32),
            carrier_sense_errors: r(36),
            frame_too_longs: r(40),
            internal_mac_receive_errors: r(44),
            symbol_errors: r(48),
        }),
        (counter_format::VLAN, 28) => CounterRecord::Vlan(VlanCounters {
            vlan_id: r(0),
            octets: r64(4),
            ucast_pkts: r(12),
            multicast_pkts: r(16),
            broadcast_pkts: r(20),
            discards: r(24),
        }),
        (counter_format::PROCESSOR, 28) => CounterRecord::Processor(ProcessorCounters {
            cpu_5s: r(0),
            cpu_1m: r(4),
            cpu_5m: r(8),
            total_memory: r64(12),
            free_memory: r64(20),
        }),
        _ => CounterRecord::Other { format, data: d },
    }
}

pub(super) fn v5_counter_sample<'a>(
    body: &'a [u8],
    tag: u32,
    dg: &DatagramInfo,
    stats: &mut SflowStats,
) -> Option<CounterSample<'a>> {
    let mut rd = Rd::new(body);
    let sequence = rd.u32()?;
    let (source_id_type, source_id_index) = if tag == SAMPLE_COUNTERS_EXPANDED {
        (rd.u32()?, rd.u32()?)
    } else {
        let id = rd.u32()?;
        (id >> 24, id & 0x00ff_ffff)
    };
    let num_records = rd.u32()?;
    let start = rd.p;
    if (num_records as usize).saturating_mul(8) > rd.left() {
        return None;
    }
    // Validate every record length now so that `records()` yields them all.
    for _ in 0..num_records {
        let fmt = rd.u32()?;
        let len = rd.u32()? as usize;
        rd.bytes(len)?;
        if !matches!(
            fmt,
            counter_format::GENERIC
                | counter_format::ETHERNET
                | counter_format::VLAN
                | counter_format::PROCESSOR
        ) {
            stats.unknown_records += 1;
        }
    }
    Some(CounterSample {
        datagram: *dg,
        sample_type: tag,
        sequence,
        source_id_type,
        source_id_index,
        sampling_interval: 0,
        v2v4_version: 0,
        num_records,
        body: &body[start..rd.p],
    })
}
