//! SPEC §8.6 "Off-site methods" and LOG-FORMAT "Replacing an inspector" in
//! `web/verify.js`, by its node tests: tests/verify-js/offsite.test.mjs (the
//! plan keys and refusals, canonical keys absent on site, reviewer slots and
//! picks, protected check 6, canonical plans read back, batch methods) and
//! tests/verify-js/replace.test.mjs (rules 1–4 of a Replacement, barred
//! inspectors, the cap, sealed draws, protected logs, log_history and visits
//! on the teams as they stand). The expected picks are computed in the tests
//! from the spec text.

use std::process::Command;

/// Runs one node test file from the repository root and checks that all `count` tests ran and passed.
fn node_tests(file: &str, count: usize) {
    let out = Command::new("node")
        .args(["--test", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{file}: {text}");
    assert!(text.contains(&format!("# pass {count}")) && text.contains("# fail 0"), "every node test of {file} ran: {text}");
}

#[test]
fn off_site_methods_in_verify_js() {
    node_tests("tests/verify-js/offsite.test.mjs", 9);
}

#[test]
fn replacements_in_verify_js() {
    node_tests("tests/verify-js/replace.test.mjs", 7);
}
