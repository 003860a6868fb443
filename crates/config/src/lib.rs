//! pmacct configuration: syntax, key registry, command line, validation.
