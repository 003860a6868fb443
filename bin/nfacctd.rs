//! nfacctd: NetFlow/IPFIX collector.
fn main() {
    std::process::exit(pmacct_daemon::main_nfacctd());
}
