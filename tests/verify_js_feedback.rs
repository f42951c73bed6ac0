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
use common::{node_tests, page_check};

#[test]
fn feedback_from_results_in_verify_js() {
    node_tests("tests/verify-js/feedback.test.mjs", 17);
}

/// The draw page of a feedback draw, in zh and en (tests/browser/feedback-page.mjs):
/// the feedback stratum in plain words, the firms drawn for their results with
/// why, and the in-browser re-run matching the draw. Skipped loudly outside CI
/// when Chromium or playwright-core is missing, as tests/browser.rs does.
#[test]
fn the_draw_page_shows_the_feedback_stratum_and_reruns_it() {
    page_check("the_draw_page_shows_the_feedback_stratum_and_reruns_it", "tests/browser/feedback-page.mjs");
}
