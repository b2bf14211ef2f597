//! Running the `mosaic` binary from the CLI's integration tests.

// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Initialises the test centre `fr-ncc`.
pub const INIT: &[&str] = &[
    "init",
    "--centre",
    "fr-ncc",
    "--name",
    "Test centre",
    "--country",
    "fr",
];

/// `mosaic --data-dir data`, deaf to the caller's environment (database URL, config
/// file) so a developer's settings cannot change what a test runs against.
pub fn mosaic_command(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    c.arg("--data-dir")
        .arg(data)
        .env_remove("MOSAIC_DATABASE_URL")
        .env_remove("MOSAIC_CONFIG");
    c
}

pub fn mosaic(data: &Path, args: &[&str]) -> Output {
    mosaic_command(data)
        .args(args)
        .output()
        .expect("runs mosaic")
}

/// The standard output of a run that must have succeeded.
pub fn succeeded(out: Output, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "mosaic {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn ok(data: &Path, args: &[&str]) -> String {
    succeeded(mosaic(data, args), args)
}

/// Standard output and error of a run that must have failed.
pub fn fails(data: &Path, args: &[&str]) -> String {
    let out = mosaic(data, args);
    assert!(!out.status.success(), "mosaic {args:?} should have failed");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
