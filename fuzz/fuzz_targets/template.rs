//! Workflow templates: save-time checks, rendering in every context, and escaping.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::template(data));
