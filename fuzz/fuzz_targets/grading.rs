//! Grading strings on all three scales.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mosaic_model::Grading;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(g) = Grading::parse(s) {
            assert_eq!(Grading::parse(&g.to_string()).unwrap(), g);
        }
    }
});
