//! Print docs/CONFIG-KEYS.md from the key registry:
//! `cargo run -p pmacct-config --example gen-config-keys-doc > docs/CONFIG-KEYS.md`
fn main() {
    print!("{}", pmacct_config::registry::markdown());
}
