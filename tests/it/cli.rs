//! CLI subcommands against the real binary.
