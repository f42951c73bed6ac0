//! Runs the soak and fault harness (tests/soak/run.py) in its short mode:
//! read load, concurrent writes checked for read-your-writes, SIGKILLs of
//! the server with damaged files between runs, and at the end no lost
//! acknowledged write and both verifiers passing. The long mode and its
//! figures are in the README.

mod common;
use common::*;

use std::process::Command;

#[test]
fn soak_short_mode_loses_nothing_and_hides_nothing() {
    let out = Command::new("python3")
        .arg(root().join("tests/soak/run.py"))
        .arg("--readers")
        .arg("16")
        .env("FAIRDRAW_BIN", env!("CARGO_BIN_EXE_fairdraw"))
        .output()
        .expect("python3 must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(out.status.success(), "the soak harness failed\n{stdout}\n{stderr}");
    assert!(stdout.contains("lost acknowledged writes: 0, read-your-writes violations: 0"), "{stdout}");
}
