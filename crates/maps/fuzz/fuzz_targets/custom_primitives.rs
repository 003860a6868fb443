//! aggregate_primitives text of any bytes, and a v9/IPFIX record of any bytes: parsing never
//! panics, every definition it keeps renders in every output without panicking, reading out
//! of the record or growing without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pmacct_flow::custom::{render_one, CustomTable, Render};
use pmacct_wire::record::{FieldSpec, RawRecord};

fuzz_target!(|data: &[u8]| {
    // A 0xff byte splits the definitions text from the record.
    let (text, rec) = match data.iter().position(|&b| b == 0xff) {
        Some(p) => (&data[..p], &data[p + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(text);
    let mut warnings = 0usize;
    let t = CustomTable::parse(
        "c.map",
        &text,
        rec.first().is_some_and(|b| b & 1 != 0),
        &mut |w| {
            assert!(w.starts_with("[c.map"));
            warnings += 1;
        },
    );
    assert!(t.defs.len() < 64, "pmacct keeps at most 63 definitions");
    // Record: n fields of (pen byte, id u16, len u16: 0xffff = variable), then the data.
    let Some((&n, mut rest)) = rec.split_first() else {
        return;
    };
    let mut fields = Vec::new();
    for _ in 0..(n % 16) {
        if rest.len() < 5 {
            break;
        }
        fields.push(FieldSpec {
            pen: u32::from(rest[0] % 2) * 9,
            id: u16::from_be_bytes([rest[1], rest[2]]),
            len: u16::from_be_bytes([rest[3], rest[4]]),
        });
        rest = &rest[5..];
    }
    let raw = RawRecord {
        fields: &fields,
        data: rest,
    };
    let mut out = Vec::new();
    for d in &t.defs {
        for how in [Render::Json, Render::Csv, Render::Formatted] {
            out.clear();
            let _ = render_one(d.spec, &raw, how, &mut out);
            if !d.spec.is_vlen() && how != Render::Formatted {
                assert!(out.len() <= 287);
            }
        }
    }
});
