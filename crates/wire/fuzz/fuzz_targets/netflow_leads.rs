//! v9 and IPFIX decoded twice, by two decoders that see the same datagrams: one hands out
//! records, the other the leads of plain templates' records (the path nfacctd takes when its
//! plugins read only the lead). Besides never panicking, the two must give the same leads in
//! the same order. The input is a sequence of datagrams split on 0xFE bytes; the first byte
//! picks v9 or IPFIX.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::record::ExportHeader;
use pmacct_wire::{FlowRecord, FlowType, LeadFields, Limits, NetflowDecoder, RecordSink};

struct Leads {
    leads: bool,
    got: Vec<LeadFields>,
}

impl RecordSink for Leads {
    fn record(&mut self, rec: &FlowRecord<'_>) {
        if rec.flow_type != FlowType::Option {
            self.got.push(rec.lead());
        }
    }
    fn leads(&self) -> bool {
        self.leads
    }
    fn lead(&mut self, _: &ExportHeader, lead: &LeadFields) {
        self.got.push(*lead);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, data)) = data.split_first() else {
        return;
    };
    let version: u8 = if first & 1 == 0 { 9 } else { 10 };
    let limits = Limits {
        max_exporters: 4,
        max_templates_per_exporter: 16,
        ..Limits::default()
    };
    let mut records = NetflowDecoder::new(limits);
    let mut leads = NetflowDecoder::new(limits);
    for (i, chunk) in data.split(|b| *b == 0xFE).enumerate().take(16) {
        let mut d = vec![0, version];
        d.extend_from_slice(chunk);
        let src = [192, 0, 2, (i % 3) as u8].into();
        let mut a = Leads { leads: false, got: Vec::new() };
        let mut b = Leads { leads: true, got: Vec::new() };
        let sa = records.decode_into(src, &d, &mut a).map(|s| s.records);
        let sb = leads.decode_into(src, &d, &mut b).map(|s| s.records);
        assert_eq!(sa.is_ok(), sb.is_ok());
        assert_eq!(sa.ok(), sb.ok());
        assert_eq!(a.got, b.got);
    }
});
