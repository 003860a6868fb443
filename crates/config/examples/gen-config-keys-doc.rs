//! Prints docs/CONFIG-KEYS.md from the key registry.
fn main() {
    print!("{}", pmacct_config::registry::render_markdown());
}
