//! Follow-ups and objections across the three verifiers (LOG-FORMAT
//! "Follow-ups", "Objections") and through `fairdraw followup add|close`:
//! a log with them verifies everywhere; a close or an answer naming nothing,
//! a second close or answer, a malformed body — each re-signed with the
//! log's own key — is tampering to `audit verify`, verify.py and verify.js
//! alike.

mod common;
use common::*;

use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};
use std::path::Path;

const NOW: &str = "2025-01-20T02:00:00Z";

/// A demo log with a published v2 result that found a problem (for the
/// demo draw's first target) and one that did not (its second); returns
/// the log, the draw id and the two result ids.
fn log_with_results(dir: &Path) -> (std::path::PathBuf, String, String, String) {
    fairdraw(&["demo", "--out-dir", s(dir)], dir).expect(0);
    let log_dir = dir.join("demo-log");
    let mut log = Log::open_dir(&log_dir, true).unwrap();
    let (draw_index, draw) =
        log.valid_entries().find(|(_, e)| e.kind == Kind::DrawResult).map(|(i, e)| (i, e.clone())).unwrap();
    let draw_id = log.id(draw_index);
    let target = |k: usize| draw.body["draw"]["assignments"][k]["uscc"].as_str().unwrap().to_string();
    let result = |codes: &[&str]| {
        json!({"format": 2, "inspection_date": "2025-01-10", "method": "desk",
            "items": [{"item": "广告发布", "department": "市场监管", "codes": codes, "findings": ""}],
            "attachments": [], "state": "已公示", "pending": format!("p-{}", "1".repeat(32)),
            "recorded_by": "alice", "reviewed_by": "bob"})
    };
    let ids = log
        .append(
            vec![
                (Kind::InspectionResult, json!({"draw": draw_id, "uscc": target(0), "result": result(&["A", "D"])})),
                (Kind::InspectionResult, json!({"draw": draw_id, "uscc": target(1), "result": result(&["E"])})),
            ],
            NOW,
            true,
        )
        .unwrap();
    (log_dir, draw_id, ids[0].clone(), ids[1].clone())
}

/// The three verifiers' verdicts: (tampering found, what they said).
fn verdicts(log: &Path, cwd: &Path) -> Vec<(&'static str, bool, String)> {
    let report = fairdraw::log::audit::verify(log, None, None).unwrap();
    let py = verify_py(&["log", s(log)], cwd);
    let js = verify_js(&["log", s(log)], cwd);
    assert!([0, 1].contains(&py.code), "verify.py: {} {}", py.stdout, py.stderr);
    assert!([0, 1].contains(&js.code), "verify.js: {} {}", js.stdout, js.stderr);
    vec![
        ("audit verify", !report.tampering.is_empty(), report.tampering.join("\n")),
        ("verify.py", py.code == 1, py.stdout),
        ("verify.js", js.code == 1, js.stdout),
    ]
}

fn assert_all_accept(log: &Path, cwd: &Path) {
    for (who, tampered, said) in verdicts(log, cwd) {
        assert!(!tampered, "{who} refused a good log:\n{said}");
    }
}

/// Every verifier finds tampering and says `says` on the line of entry `index`.
fn assert_all_refuse(log: &Path, cwd: &Path, index: usize, says: &str) {
    for (who, tampered, said) in verdicts(log, cwd) {
        assert!(tampered, "{who} accepted it ({says})\n{said}");
        let line = said
            .lines()
            .find(|l| l.contains(&format!("entry {index}")))
            .unwrap_or_else(|| panic!("{who}: no line names entry {index}:\n{said}"));
        assert!(line.contains(says), "{who} on entry {index}: {line:?} does not say {says:?}");
    }
}

/// Appends `bodies` as they are (the writer's checks bypassed, as a forger
/// would), re-signs the log with its own key and returns their indices.
fn forge(log: &Path, bodies: &[(&str, Value)]) -> Vec<usize> {
    let mut entries = log_entries(log);
    let mut out = Vec::new();
    for (kind, body) in bodies {
        let index = entries.len();
        entries.push(json!({"v": 1, "index": index, "kind": kind, "time": NOW, "simulated": true, "body": body}));
        out.push(index);
    }
    write_log_entries(log, &entries);
    resign_log(log);
    out
}

#[test]
fn follow_ups_from_the_cli_verify_everywhere_and_a_dangling_or_second_close_is_tampering() {
    let dir = tempdir();
    let d = dir.path();
    let (log, _draw, problem, fine) = log_with_results(d);
    let l = s(&log);

    let refused =
        fairdraw(&["followup", "add", "--log", l, "--now", NOW, "--result", &fine, "--action", "case"], d).expect(2);
    assert!(refused.stderr.contains("result: the result found no problem"), "{}", refused.stderr);
    let holiday = [
        "followup",
        "add",
        "--log",
        l,
        "--now",
        NOW,
        "--result",
        &problem,
        "--action",
        "correction",
        "--due",
        "2025-01-31",
    ];
    assert!(fairdraw(&holiday, d).expect(2).stderr.contains("not a working day"));
    let added =
        fairdraw(&["followup", "add", "--log", l, "--now", NOW, "--result", &problem, "--action", "abnormal_list"], d)
            .expect(0);
    assert!(added.stdout.trim_end().ends_with("due 2025-02-08"), "{}", added.stdout);
    let follow_up = added.stdout.split_whitespace().nth(2).unwrap().to_string();
    fairdraw(&["followup", "close", &follow_up[..16], "--log", l, "--now", NOW, "--outcome", "已列入经营异常名录"], d)
        .expect(0);
    let twice =
        fairdraw(&["followup", "close", &follow_up, "--log", l, "--now", NOW, "--outcome", "再次办结"], d).expect(2);
    assert!(twice.stderr.contains("closed already"), "{}", twice.stderr);
    assert_all_accept(&log, d);

    let good = log_entries(&log);
    // A close naming no follow-up.
    let [i] = forge(&log, &[("FollowUpClosed", json!({"follow_up": "ab".repeat(32), "outcome": "办结"}))])[..] else {
        panic!()
    };
    assert_all_refuse(&log, d, i, "follow_up");
    // A second close of the same follow-up.
    write_log_entries(&log, &good);
    let [i] = forge(&log, &[("FollowUpClosed", json!({"follow_up": follow_up, "outcome": "再次办结"}))])[..] else {
        panic!()
    };
    assert_all_refuse(&log, d, i, "closed already");
    // A close naming a result, not a follow-up.
    write_log_entries(&log, &good);
    let [i] = forge(&log, &[("FollowUpClosed", json!({"follow_up": problem, "outcome": "办结"}))])[..] else {
        panic!()
    };
    assert_all_refuse(&log, d, i, "follow_up");
    // A follow-up whose uscc is not its result's.
    write_log_entries(&log, &good);
    let body = json!({"result": problem, "uscc": "91110000600037341L", "action": "case", "due": "2025-02-07"});
    let [i] = forge(&log, &[("FollowUp", body)])[..] else { panic!() };
    assert_all_refuse(&log, d, i, "uscc");
}

#[test]
fn objections_verify_everywhere_and_malformed_or_twice_answered_ones_are_tampering() {
    let dir = tempdir();
    let d = dir.path();
    let (log, draw, problem, _fine) = log_with_results(d);
    let firm = log_entries(&log).iter().rev().nth(1).unwrap()["body"]["uscc"].as_str().unwrap().to_string();
    let filed = forge(
        &log,
        &[("Objection", json!({"uscc": firm, "result": problem, "draw": draw, "text": "检查记录有误", "by": "clerk"}))],
    );
    let objection = log_ids(&log)[filed[0]].clone();
    forge(
        &log,
        &[(
            "ObjectionAnswer",
            json!({"objection": objection, "answer": "经复核异议成立，已更正", "outcome": "upheld"}),
        )],
    );
    assert_all_accept(&log, d);

    let good = log_entries(&log);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "ObjectionAnswer",
            json!({"objection": objection, "answer": "再答复", "outcome": "rejected"}),
            "answered already",
        ),
        ("ObjectionAnswer", json!({"objection": "cd".repeat(32), "answer": "答复", "outcome": "upheld"}), "objection"),
        ("ObjectionAnswer", json!({"objection": objection, "answer": "答复", "outcome": "maybe"}), "outcome"),
        ("Objection", json!({"uscc": firm, "text": "第一行\n第二行"}), "text"),
        ("Objection", json!({"uscc": firm, "text": "异议", "phone": "13800000000"}), "phone"),
        ("Objection", json!({"uscc": firm, "text": "异议", "result": null}), "result"),
        ("Objection", json!({"uscc": firm, "text": "字".repeat(2001)}), "text"),
        ("FollowUp", json!({"result": problem, "uscc": firm, "action": "warn", "due": "2025-02-07"}), "action"),
        ("FollowUp", json!({"result": problem, "uscc": firm, "action": "case", "due": "2025-2-7"}), "due"),
    ];
    for (kind, body, says) in cases {
        write_log_entries(&log, &good);
        let [i] = forge(&log, &[(kind, body.clone())])[..] else { panic!() };
        assert_all_refuse(&log, d, i, says);
    }
    // 2000 characters of text, none a control character, is within bounds everywhere.
    write_log_entries(&log, &good);
    forge(&log, &[("Objection", json!({"uscc": firm, "text": "字".repeat(2000)}))]);
    assert_all_accept(&log, d);
}
