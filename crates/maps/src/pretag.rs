//! pretag map (see lib.rs).
