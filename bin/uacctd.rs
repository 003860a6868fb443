//! uacctd: Linux NFLOG (netlink) packet accounting daemon.
fn main() {
    std::process::exit(pmacct_daemon::main_uacctd());
}
