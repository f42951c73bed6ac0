//! SPEC §6.4 and LOG-FORMAT "Feedback from results" in `web/verify.js`, by
//! its node tests: tests/verify-js/feedback.test.mjs (the plan's
//! `[feedback]` and its refusals, the feedback stratum, `log_feedback` by
//! each rule from hand-made entries, the tampering the log verifier reports,
//! the optional `by` on DrawCommitment, BeaconRecord and DrawPublication, and
//! a logged feedback plan re-run the way the draw page does it, from the API
//! of a log with a revealed feedback draw), and the shared vector
//! tests/vectors/feedback-log (`node web/verify.js log` verifies it; its
//! README's log_feedback lists and feedback strata; every draw replays; a
//! flagged firm's disclosure is judged by the feedback stratum's cutoff; a
//! sealed feedback draw's five strata). The
//! expected tickets and selections are computed in the tests from the spec
//! text.

mod common;
use common::{root, skipped};

use std::process::Command;

#[test]
fn feedback_from_results_in_verify_js() {
    let file = "tests/verify-js/feedback.test.mjs";
    let out = Command::new("node").args(["--test", file]).current_dir(root()).output().expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{file}: {text}");
    assert!(text.contains("# pass 14") && text.contains("# fail 0"), "every node test of {file} ran: {text}");
}

/// The draw page of a feedback draw, in zh and en (tests/browser/feedback-page.mjs):
/// the feedback stratum in plain words, the firms drawn for their results with
/// why, and the in-browser re-run matching the draw. Skipped loudly outside CI
/// when Chromium or playwright-core is missing, as tests/browser.rs does.
#[test]
fn the_draw_page_shows_the_feedback_stratum_and_reruns_it() {
    let test = "the_draw_page_shows_the_feedback_stratum_and_reruns_it";
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
        .arg("tests/browser/feedback-page.mjs")
        .current_dir(root())
        .output()
        .expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("\"ok\": true"), "{text}");
}
