//! pmbmpd: pmacct 1.7.7's BMP collector daemon (crates/bmp, buses from crates/daemon).
fn main() {
    std::process::exit(pmacct_daemon::main_pmbmpd());
}
