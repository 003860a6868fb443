//! ports map (see lib.rs).
