//! The staff's review desk (`/review`, web/view-review.js; LOG-FORMAT
//! "Accounts and roles") in headless Chromium against a real `fairdraw
//! serve`: a recorder records two results through the API; signed in on the
//! page, the recorder records a third with the form, sees them with their
//! 20-working-day clock but the
//! server refuses to let them publish their own (four eyes, shown word for
//! word); the reviewer returns the first with a reason and publishes the second.
//! Then the log holds exactly the published one, naming both accounts, and
//! the returned one waits with its reason, unlogged. Skipped loudly outside
//! CI without Chromium (tests/common page_check).

mod common;
use common::*;

use serde_json::{json, Value};

const MARKET: &str = "市场监督管理局";

fn add_user(dir: &std::path::Path, log: &std::path::Path, name: &str, role: &str) -> String {
    let args = ["user", "add", name, "--role", role, "--department", MARKET, "--log", s(log)];
    fairdraw(&args, dir).expect(0).stdout.trim().to_string()
}

#[test]
fn a_reviewer_returns_and_publishes_on_the_review_desk_and_a_recorder_cannot_publish_their_own() {
    let dir = tempdir();
    let d = dir.path();
    let draw = ceremony_drawn_log(d, "full", &data("plan-single.toml"));
    let log = d.join("log");
    let rec = add_user(d, &log, "lu-rec", "recorder");
    let rev = add_user(d, &log, "shen-rev", "reviewer");
    let entries = log_entries(&log);
    let result = entries.iter().find(|e| e["kind"] == "DrawResult").unwrap();
    let targets: Vec<&str> =
        result["body"]["draw"]["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].as_str().unwrap()).collect();
    let body = |uscc: &str, codes: &[&str]| {
        json!({"draw": draw, "uscc": uscc, "format": 2, "inspection_date": "2024-10-09", "method": "on_site",
               "items": [{"item": "食品销售者经营活动检查", "department": MARKET, "codes": codes, "findings": "现场检查"}]})
    };
    let (first, second) = (body(targets[0], &["1"]), body(targets[1], &["A", "B"]));
    let served = serve(&log);
    let env = [
        ("FAIRDRAW_URL", served.url.as_str()),
        ("REC_TOKEN", rec.as_str()),
        ("REV_TOKEN", rev.as_str()),
        ("RESULTS", &json!([first, second]).to_string()),
        ("FORM_TARGET", targets[2]),
    ];
    if !page_check_with("the_review_desk", "tests/browser/review-page.mjs", &env) {
        return; // skipped, said loudly by page_check_with (never in CI)
    }
    drop(served);
    // What the clicks did, read from the log directory itself.
    let published: Vec<Value> =
        log_entries(&log).into_iter().filter(|e| e["kind"] == "InspectionResult").map(|e| e["body"].clone()).collect();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["uscc"], targets[1], "the second was approved");
    assert_eq!(published[0]["by"], "shen-rev");
    assert_eq!(published[0]["result"]["recorded_by"], "lu-rec");
    assert_eq!(published[0]["result"]["reviewed_by"], "shen-rev");
    let waiting: Vec<Value> = std::fs::read_dir(log.join("private/results"))
        .unwrap()
        .map(|f| serde_json::from_slice(&std::fs::read(f.unwrap().path()).unwrap()).unwrap())
        .collect();
    assert_eq!(waiting.len(), 2, "the returned one and the one recorded with the form: {waiting:?}");
    let returned = waiting.iter().find(|w| w["uscc"] == targets[0]).expect("the first was returned");
    assert_eq!(returned["returns"][0]["by"], "shen-rev");
    assert_eq!(returned["returns"][0]["reason"], "缺少现场照片");
    let typed = waiting.iter().find(|w| w["uscc"] == targets[2]).expect("the form's result waits for review");
    let items = typed["result"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{typed}");
    let first = items.iter().find(|i| i["codes"] == json!(["A", "D"])).unwrap_or_else(|| panic!("{typed}"));
    assert_eq!((&first["department"], &first["findings"]), (&json!(MARKET), &json!("超范围经营")));
    assert_eq!(typed["result"]["recorded_by"], "lu-rec");
    assert_eq!(typed["result"]["inspection_date"], "2024-10-10");
    let public = std::fs::read_to_string(log.join("entries.jsonl")).unwrap();
    assert!(!public.contains("缺少现场照片"), "a return stays private");
}
