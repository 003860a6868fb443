//! pmbmpd: pmacct 1.7.7's BMP collector daemon (crates/bmp).
fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(pmacct_bmp::daemon::main(&argv));
}
