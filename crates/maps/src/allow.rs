//! allow map (see lib.rs).
