//! pmbgpd: standalone BGP collector (message log and RIB dumps).
fn main() {
    std::process::exit(pmacct_daemon::main_pmbgpd());
}
