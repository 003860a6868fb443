//! Manual runner of the differential cases (compat-tests/run.sh):
//! compat [--sfacctd|--pmacctd|--aggfilter] [--live] [--ours PATH] [--input GLOB] [--config GLOB] [--quiet]
//! (`--sfacctd`: the sFlow inputs and configs/sfacctd against sfacctd 1.7.7; `--pmacctd`:
//! inputs/pcap and configs/pmacctd against pmacctd 1.7.7; `--aggfilter`: the NetFlow
//! inputs and configs/aggfilter)
//! Exit status 1 when a case differs beyond compat-tests/expected-differences.txt.

use compat_tests::{
    configs, configs_in, expected::glob, inputs, live_case, offline_case, pcap_inputs, run,
    sflow_inputs,
};

fn main() {
    let mut live = false;
    let mut sfacctd = false;
    let mut pmacctd = false;
    let mut aggfilter = false;
    let mut quiet = false;
    let mut ours = None;
    let (mut ig, mut cg) = ("*".to_string(), "*".to_string());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--live" => live = true,
            "--sfacctd" => sfacctd = true,
            "--pmacctd" => pmacctd = true,
            "--aggfilter" => aggfilter = true,
            "--quiet" => quiet = true,
            "--ours" => ours = args.next(),
            "--input" => ig = args.next().unwrap_or_default(),
            "--config" => cg = args.next().unwrap_or_default(),
            _ => {
                eprintln!(
                    "usage: compat [--sfacctd|--pmacctd|--aggfilter] [--live] [--ours PATH] [--input GLOB] [--config GLOB] [--quiet]"
                );
                std::process::exit(2);
            }
        }
    }
    let ours = match ours.map(Ok).unwrap_or_else(|| {
        let c = if sfacctd {
            &run::SFACCTD
        } else if pmacctd {
            &run::PMACCTD
        } else {
            &run::NFACCTD
        };
        run::ours_binary_of(c, None).map(|p| p.display().to_string())
    }) {
        Ok(p) => std::path::PathBuf::from(p),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let (all_inputs, all_configs) = if sfacctd {
        (sflow_inputs(), configs_in("sfacctd"))
    } else if pmacctd {
        (pcap_inputs(), configs_in("pmacctd"))
    } else if aggfilter {
        (inputs(), configs_in("aggfilter"))
    } else {
        (inputs(), configs())
    };
    let ins: Vec<_> = all_inputs
        .into_iter()
        .filter(|i| glob(&ig, &i.name))
        .collect();
    let cfs: Vec<_> = all_configs
        .into_iter()
        .filter(|c| glob(&cg, &c.name))
        .collect();
    eprintln!(
        "{} inputs x {} configs, {}, ours = {}",
        ins.len(),
        cfs.len(),
        if live { "live" } else { "offline" },
        ours.display()
    );
    if !live {
        run::prefetch(ins.clone(), cfs.clone(), run::jobs());
    }
    // Cases run in parallel: both daemons mostly sleep (pmacct ~4 s per run).
    let cases: Vec<_> = ins
        .iter()
        .flat_map(|i| cfs.iter().map(move |c| (i, c)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![None; cases.len()]);
    std::thread::scope(|s| {
        for _ in 0..run::jobs() {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((i, c)) = cases.get(k) else { break };
                let r = if live {
                    live_case(i, c, &ours)
                } else {
                    offline_case(i, c, &ours)
                };
                results.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(r);
            });
        }
    });
    let (mut ok, mut bad) = (0, 0);
    for r in results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
    {
        match r {
            Ok(note) => {
                ok += 1;
                if !quiet {
                    println!("ok   {note}");
                }
            }
            Err(e) => {
                bad += 1;
                println!("FAIL {e}");
            }
        }
    }
    println!("{ok} cases equal, {bad} differ");
    std::process::exit(i32::from(bad > 0));
}
