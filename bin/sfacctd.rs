//! sfacctd: sFlow v2/v4/v5 collector.
fn main() {
    std::process::exit(pmacct_daemon::main_sfacctd());
}
