//! Collector runtime.

/// Entry point of the nfacctd binary; returns the process exit code.
pub fn main_nfacctd() -> i32 {
    eprintln!("nfacctd: not implemented yet");
    1
}
