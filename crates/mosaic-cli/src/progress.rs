//! Progress bars for long work: drawn on a terminal, silent when output is piped.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Import progress: bytes of the file, records and statements per second, ETA.
pub struct ImportBar {
    enabled: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl ImportBar {
    pub fn new(enabled: bool) -> Self {
        ImportBar {
            enabled,
            bar: Mutex::new(None),
        }
    }
}

impl mosaic_io::Progress for ImportBar {
    fn begin(&self, file: &str, total_bytes: u64) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::new(total_bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} ({binary_bytes_per_sec}, ETA {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        let name = std::path::Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(file)
            .to_owned();
        bar.set_prefix(name);
        bar.enable_steady_tick(Duration::from_millis(200));
        *self.bar.lock().expect("bar lock") = Some(bar);
    }

    fn advance(&self, bytes_done: u64, records: u64, statements: u64) {
        if let Some(bar) = &*self.bar.lock().expect("bar lock") {
            bar.set_position(bytes_done);
            let secs = bar.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{records} records, {statements} statements, {:.0} st/s",
                statements as f64 / secs
            ));
        }
    }

    fn end(&self) {
        if let Some(bar) = self.bar.lock().expect("bar lock").take() {
            bar.finish_and_clear();
        }
    }
}
