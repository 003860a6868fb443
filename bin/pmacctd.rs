//! pmacctd: libpcap packet-capture accounting daemon.
fn main() {
    std::process::exit(pmacct_daemon::main_pmacctd());
}
