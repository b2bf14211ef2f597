//! JSON Lines framing: any bytes split into records without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mosaic_io::source::{JsonLines, RecordSource};

fuzz_target!(|data: &[u8]| {
    let mut src = JsonLines::new(data);
    let mut last = 0;
    while let Some(Ok(rec)) = src.next_record() {
        assert!(rec.line > last);
        last = rec.line;
    }
});
