//! The `by` field of result entries (LOG-FORMAT "Accounts and roles") and
//! the v2 result body (LOG-FORMAT "Results v2") in the three verifiers: a
//! result and an amendment naming their accounts verify in all three; a
//! `by` that is not a string is a malformed entry in all three.

mod common;
use common::*;

use fairdraw::log::entry::Kind;
use serde_json::{json, Value};
use std::path::Path;

/// Rust, Python and node on the log: their exit codes, checked equal.
fn three(d: &Path, log: &Path) -> (i32, String) {
    let rust = fairdraw(&["audit", "verify", "--log", s(log)], d);
    let py = verify_py(&["log", s(log)], d);
    let js = verify_js(&["log", s(log)], d);
    assert_eq!(
        (rust.code, py.code),
        (js.code, js.code),
        "the verifiers disagree\n--- rust\n{}{}\n--- verify.py\n{}{}\n--- verify.js\n{}{}",
        rust.stdout,
        rust.stderr,
        py.stdout,
        py.stderr,
        js.stdout,
        js.stderr
    );
    (js.code, format!("{}\n{}\n{}", rust.stdout, py.stdout, js.stdout))
}

#[test]
fn results_naming_their_accounts_verify_and_a_by_that_is_not_a_name_is_malformed_in_all_three() {
    let dir = tempdir();
    let d = dir.path();
    let draw = ceremony_drawn_log(d, "full", &data("plan-single.toml"));
    let log = d.join("log");
    let doc = log_entries(&log).into_iter().find(|e| e["kind"] == "DrawResult").unwrap()["body"]["draw"].clone();
    let uscc = doc["assignments"][0]["uscc"].as_str().unwrap().to_string();
    let result = json!({"format": 2, "inspection_date": "2024-10-10", "method": "on_site",
        "items": [{"item": "食品销售者经营活动检查", "department": "市场监督管理局", "codes": ["A", "B"], "findings": "未公示"}],
        "attachments": [{"name": "笔录.pdf", "sha256": "cd".repeat(32)}],
        "state": "已公示", "pending": "p-0123456789abcdef0123456789abcdef", "recorded_by": "lu", "reviewed_by": "shen"});
    {
        let mut w = fairdraw::log::store::Log::open_dir(&log, true).unwrap();
        let body = json!({"draw": draw, "uscc": uscc, "result": result, "by": "shen"});
        let ids = w.append(vec![(Kind::InspectionResult, body)], "2024-10-11T02:00:00Z", true).unwrap();
        let amendment = json!({"amends": ids[0], "reason": "已改正", "by": "shen",
            "result": {"items": [{"item": "食品销售者经营活动检查", "department": "市场监督管理局", "codes": ["A", "E"], "findings": "已改正"}]}});
        w.append(vec![(Kind::Amendment, amendment)], "2024-10-12T02:00:00Z", true).unwrap();
    }
    let (code, out) = three(d, &log);
    assert_eq!(code, 0, "{out}");

    let mut entries: Vec<Value> = log_entries(&log);
    let last = entries.len() - 1;
    entries[last]["body"]["by"] = json!(7);
    write_log_entries(&log, &entries);
    resign_log(&log);
    let (code, out) = three(d, &log);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("entry {last}")), "{out}");
}
