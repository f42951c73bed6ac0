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
use common::{node_tests, page_check};

#[test]
fn off_site_methods_in_verify_js() {
    node_tests("tests/verify-js/offsite.test.mjs", 10);
}

#[test]
fn replacements_in_verify_js() {
    node_tests("tests/verify-js/replace.test.mjs", 9);
}

/// The draw page of an off-site draw with a Replacement, in zh and en: the
/// method in plain words, each replacement and the team as it now stands.
#[test]
fn the_draw_page_shows_the_method_and_the_replacements() {
    page_check("the_draw_page_shows_the_method_and_the_replacements", "tests/browser/replacement-page.mjs");
}
