//! Fuzz target: `aisle_domain::fuzzing::csv` on arbitrary bytes (must never panic).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aisle_domain::fuzzing::csv(data));
