//! sampling map (see lib.rs).
