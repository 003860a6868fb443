//! Plugins: one module per plugin with its config, metrics and tests.

pub mod kafka;
