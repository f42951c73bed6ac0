//! SPEC §6.4 and LOG-FORMAT "Feedback from results" in `web/verify.js`, by
//! its node tests: tests/verify-js/feedback.test.mjs (the plan's
//! `[feedback]` and its refusals, the feedback stratum, `log_feedback` by
//! each rule from hand-made entries, the tampering the log verifier reports,
//! the optional `by` on DrawCommitment, BeaconRecord and DrawPublication, and
//! a logged feedback plan re-run the way the draw page does it, from the API
//! of a log with a revealed feedback draw), and the shared vector
//! tests/vectors/feedback-log (`node web/verify.js log` verifies it; its
//! README's log_feedback lists and feedback strata; every draw replays; a
//! flagged firm's disclosure is judged by the feedback stratum's cutoff). The
//! expected tickets and selections are computed in the tests from the spec
//! text.

mod common;
use common::root;

use std::process::Command;

#[test]
fn feedback_from_results_in_verify_js() {
    let file = "tests/verify-js/feedback.test.mjs";
    let out = Command::new("node").args(["--test", file]).current_dir(root()).output().expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{file}: {text}");
    assert!(text.contains("# pass 13") && text.contains("# fail 0"), "every node test of {file} ran: {text}");
}
