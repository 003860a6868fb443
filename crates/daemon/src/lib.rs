//! Collector runtime: sockets, savefiles, worker threads, plugin queues, signals, logging,
//! pidfiles. Protocol details live in `pmacct-wire`, records and outputs in `pmacct-flow`,
//! plugins in `pmacct-plugins`.

pub mod bgp;
pub mod bmp;
pub mod capture;
pub mod collector;
pub mod core;
pub mod log;
pub mod maps;
pub mod metrics;
pub mod netmaps;
pub mod nfacctd;
pub mod pipeline;
pub mod pmacctd;
pub mod pmbgpd;
pub mod process;
pub mod routelog;
pub mod runtime;
pub mod savefile;
pub mod sfacctd;
pub mod signals;
pub mod stages;
pub mod templates_file;
pub mod time;
pub mod uacctd;
pub mod udp;

/// Entry point of the nfacctd binary; returns the process exit code.
pub fn main_nfacctd() -> i32 {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    nfacctd::main(&argv)
}

/// Entry point of the pmacct client binary (queries the memory plugin); returns the process
/// exit code.
pub fn main_pmacct() -> i32 {
    let argv: Vec<String> = std::env::args().collect();
    pmacct_plugins::memory::client::main(&argv)
}

/// Entry point of the sfacctd binary; returns the process exit code.
pub fn main_sfacctd() -> i32 {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    sfacctd::main(&argv)
}

/// Entry point of the pmacctd binary; returns the process exit code.
pub fn main_pmacctd() -> i32 {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    pmacctd::main(&argv)
}

/// Entry point of the pmbgpd binary; returns the process exit code.
pub fn main_pmbgpd() -> i32 {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    pmbgpd::main(&argv)
}

/// Entry point of the pmbmpd binary (pmacct-bmp's collector, with the message log and dump
/// buses of [`routelog`]); returns the process exit code.
pub fn main_pmbmpd() -> i32 {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    pmacct_bmp::daemon::main(&argv, &routelog::bmp_buses)
}

/// Entry point of the uacctd binary; returns the process exit code.
pub fn main_uacctd() -> i32 {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    uacctd::main(&argv)
}
