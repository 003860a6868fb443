//! networks map (see lib.rs).
