//! Print docs/PRIMITIVES.md from the primitives table:
//! `cargo run -p pmacct-flow --example gen-primitives-doc > docs/PRIMITIVES.md`
fn main() {
    print!("{}", pmacct_flow::primitives::markdown());
}
