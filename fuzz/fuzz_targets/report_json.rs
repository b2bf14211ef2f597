//! A report from any JSON: reading never panics; an accepted report re-reads to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mosaic_model::{CentreId, Report};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let c = CentreId::parse("fz-ncc").unwrap();
    if let Ok(r) = Report::from_value(&c, &v) {
        let back: serde_json::Value = serde_json::from_slice(&r.canonical_json()).unwrap();
        assert_eq!(Report::from_value(&c, &back).unwrap(), r);
        let _ = r.statements();
    }
});
