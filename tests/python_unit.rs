//! The Python verifier's own unit tests (`audit/tests/`, run with
//! `python3 -m unittest discover -s audit/tests`): its canonical JSON encoder,
//! and on logs the tests write themselves (`audit/tests/logfixture.py`) its
//! witness checks (LOG-FORMAT "Witnesses and cosignatures"), protected logs,
//! sealed draws and disclosures (LOG-FORMAT "Publication").

mod common;
use common::*;
use std::process::Command;

#[test]
fn python_unit_tests_pass() {
    let out = Command::new(python())
        .args(["-m", "unittest", "discover", "-s", "audit/tests", "-v"])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; install python3 or set FAIRDRAW_PYTHON", python().display()));
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "audit/tests failed:\n{report}\n{}", String::from_utf8_lossy(&out.stdout));
    // unittest says "Ran 0 tests … OK" when discovery finds nothing: that is a failure here
    let ran: usize = report
        .lines()
        .find_map(|l| l.strip_prefix("Ran ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no \"Ran N tests\" line:\n{report}"));
    assert!(ran > 0, "no Python unit test ran:\n{report}");
    assert!(!report.contains("skipped"), "a Python unit test was skipped:\n{report}");
}
