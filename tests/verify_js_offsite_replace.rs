//! SPEC §8.6 "Off-site methods" and LOG-FORMAT "Replacing an inspector" in
//! `web/verify.js`, by its node tests: tests/verify-js/offsite.test.mjs (the
//! plan keys and refusals, canonical keys absent on site, reviewer slots and
//! picks, protected check 6, canonical plans read back, batch methods) and
//! tests/verify-js/replace.test.mjs (rules 1–4 of a Replacement, barred
//! inspectors, the cap, sealed draws, protected logs, log_history and visits
//! on the teams as they stand). The expected picks are computed in the tests
//! from the spec text. And the draw page of such a draw in headless Chromium
//! (tests/browser/replacement-page.mjs), skipped loudly outside CI when the
//! browser or playwright-core is missing, as tests/browser.rs does.

mod common;
use common::{root, skipped};

use std::process::Command;

/// Runs one node test file from the repository root and checks that all `count` tests ran and passed.
fn node_tests(file: &str, count: usize) {
    let out = Command::new("node").args(["--test", file]).current_dir(root()).output().expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{file}: {text}");
    assert!(
        text.contains(&format!("# pass {count}")) && text.contains("# fail 0"),
        "every node test of {file} ran: {text}"
    );
}

#[test]
fn off_site_methods_in_verify_js() {
    node_tests("tests/verify-js/offsite.test.mjs", 9);
}

#[test]
fn replacements_in_verify_js() {
    node_tests("tests/verify-js/replace.test.mjs", 9);
}

/// The draw page of an off-site draw with a Replacement, in zh and en: the
/// method in plain words, each replacement and the team as it now stands.
#[test]
fn the_draw_page_shows_the_method_and_the_replacements() {
    let test = "the_draw_page_shows_the_method_and_the_replacements";
    if let Some(why) = std::env::var("FAIRDRAW_SKIP_CHROMIUM").ok().filter(|w| !w.is_empty()) {
        skipped(test, &format!("FAIRDRAW_SKIP_CHROMIUM: {why}"));
        return;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = if !std::path::Path::new(&chromium).exists() {
        Some(format!("{chromium} not found: apt-get install -y chromium"))
    } else if !root().join("tests/browser/node_modules/playwright-core").exists() {
        Some("playwright-core missing: npm ci --prefix tests/browser".to_string())
    } else {
        None
    };
    if let Some(why) = missing {
        assert!(std::env::var("CI").is_err(), "CI must run the browser test: {why}");
        skipped(test, &why);
        return;
    }
    let out = Command::new("node")
        .arg("tests/browser/replacement-page.mjs")
        .current_dir(root())
        .output()
        .expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("\"ok\": true"), "{text}");
}
