//! Template cache: restore arbitrary text, then random insert / withdraw / lookup operations
//! under small caps; the caps and counters must hold, save(restore(save)) must be stable.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::netflow::{Limits, TemplateCache, TemplateKind};
use pmacct_wire::record::FieldSpec;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_exporters: 3,
        max_templates_per_exporter: 4,
        max_template_fields: 8,
        max_total_fields: 40,
        max_samplers_per_exporter: 2,
    };
    let _ = TemplateCache::restore(data, limits);
    let mut c = TemplateCache::new(limits);
    for op in data.chunks(6) {
        if op.len() < 6 {
            break;
        }
        let ex = [10, 0, 0, op[0] % 5].into();
        let src = (op[1] % 2) as u32;
        let id = 256 + (op[2] % 8) as u16;
        match op[3] % 4 {
            0 | 1 => {
                let n = (op[4] % 10) as usize;
                let fields: Vec<FieldSpec> = (0..n)
                    .map(|k| FieldSpec {
                        pen: (op[5] & 1) as u32 * 9,
                        id: (op[5] as u16 + k as u16) % 400,
                        len: (k as u16 * op[4] as u16) % 5,
                    })
                    .collect();
                let kind = if op[3] % 4 == 0 {
                    TemplateKind::Data
                } else {
                    TemplateKind::Options
                };
                let _ = c.insert(ex, src, id, kind, (op[4] % 3) as u16, &fields);
            }
            2 => {
                c.withdraw(ex, src, id);
            }
            _ => {
                let _ = c.get(ex, src, id);
            }
        }
        assert!(c.exporter_count() <= 3);
        assert!(c.len() <= 12);
    }
    let mut a = Vec::new();
    c.save(&mut a).unwrap();
    let r = TemplateCache::restore(&a[..], limits).expect("own output restores");
    let mut b = Vec::new();
    r.save(&mut b).unwrap();
    assert_eq!(a, b);
});
