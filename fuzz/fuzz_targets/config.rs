//! Configuration loading: a config file and USHER_* variables, printed and loaded again.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::config(data));
