//! pmacct: the client that queries the memory plugin's table.
fn main() {
    std::process::exit(pmacct_daemon::main_pmacct());
}
