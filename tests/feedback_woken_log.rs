//! The shared vector of feedback reason `woken` (spec §6.3, §6.4,
//! audit/LOG-FORMAT.md "Feedback from results" rule 3):
//! `tests/vectors/feedback-log-woken/`, a small log where dormant (歇业) firms
//! are woken, one is checked from outside, two get their directed check, and
//! a later plan flags for problems and wake-ups together. The checked-in copy
//! must verify with all three verifiers, and its `log_feedback` lists must be
//! the ones its README gives, written out here by hand.
//!
//! To write the vector again (the log key is new each time, so the files
//! change; the flagged firms and the draws do not):
//! `cargo test --test feedback_woken_log -- --ignored write_the_woken_vector`.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

fn vector() -> PathBuf {
    root().join("tests/vectors/feedback-log-woken")
}

/// The firms that are 歇业 in the vector's registry.
const DORMANT: [u32; 3] = [5, 9, 14];

/// Draw 1 takes every 存续 firm; draw 2 is the directed check of the woken
/// firms; draw 3 draws half of the firms flagged for a problem or a wake-up.
const PLANS: [(&str, &str); 3] = [
    ("plan-1.toml", "name = \"唤醒一号\"\n[ratios]\nA = 1\nB = 1\nC = 1\nD = 1\n"),
    (
        "plan-2.toml",
        "name = \"唤醒二号\"\n[ratios]\nA = 0\nB = 0\nC = 0\nD = 0\n[scope]\nwake = true\n[feedback]\nratio = \"100%\"\nreasons = [\"woken\"]\n",
    ),
    (
        "plan-3.toml",
        "name = \"唤醒三号\"\n[ratios]\nA = 0\nB = 0\nC = 0\nD = 0\n[scope]\nwake = true\n[feedback]\nratio = \"50%\"\nreasons = [\"woken\", \"problem\"]\n",
    ),
];

/// The inputs: the 24 firms of [`enterprises_csv`] with [`DORMANT`] 歇业,
/// 12 inspectors, no conflicts, the three plans.
fn write_inputs(dir: &Path) -> [PathBuf; 3] {
    for (name, text) in PLANS {
        write(dir, name, text);
    }
    let registry: String = enterprises_csv(24)
        .lines()
        .map(|l| match DORMANT.iter().any(|n| l.starts_with(&uscc(*n))) {
            true => format!("{}\n", l.replace(",存续", ",歇业")),
            false => format!("{l}\n"),
        })
        .collect();
    [
        write(dir, "enterprises.csv", &registry),
        write(dir, "inspectors.csv", &inspectors_csv(12)),
        write(dir, "conflicts.csv", "inspector_id,uscc\n"),
    ]
}

fn append(log: &Path, items: Vec<(Kind, Value)>, time: &str) -> Vec<String> {
    Log::open_dir(log, true).unwrap().append(items, time, true).unwrap()
}

fn wake(n: u32, reason: &str) -> (Kind, Value) {
    (Kind::WakeUp, json!({"uscc": uscc(n), "reason": reason}))
}

fn external(n: u32, date: &str) -> (Kind, Value) {
    let check = json!({"uscc": uscc(n), "department": "税务局", "method": "desk", "date": date});
    (Kind::ExternalChecks, json!({"checks": [check], "source": "税务局.csv"}))
}

/// Builds the vector's log in `dir/log` (the README says what each entry
/// shows); returns the log's directory.
fn make(dir: &Path) -> PathBuf {
    let registries = write_inputs(dir);
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-09-01T00:00:00Z"], dir).expect(0);
    let c1 = commit_by_ceremony(dir, &log, &registries, &dir.join("plan-1.toml"), "2026-09-02T01:00:00Z");
    reveal_by_ceremony(dir, &log, &c1, "16180339887498948482045", "2026-09-02T02:00:00Z");
    append(&log, vec![external(5, "2026-09-03")], "2026-09-03T02:00:00Z");
    append(
        &log,
        vec![wake(5, "complaint"), wake(9, "risk_signal"), wake(14, "term_ended"), wake(14, "resumed")],
        "2026-09-10T02:00:00Z",
    );
    append(&log, vec![external(9, "2026-09-12")], "2026-09-12T02:00:00Z");
    let c2 = commit_by_ceremony(dir, &log, &registries, &dir.join("plan-2.toml"), "2026-09-15T01:00:00Z");
    let draw2 = reveal_by_ceremony(dir, &log, &c2, "14142135623730950488016", "2026-09-15T02:00:00Z");
    let items =
        json!([{"item": "双随机抽查", "department": "市场监督管理局", "codes": ["A"], "findings": "见检查记录"}]);
    let result = json!({"format": 2, "inspection_date": "2026-09-20", "method": "on_site", "items": items,
                        "attachments": [], "state": "已公示"});
    append(
        &log,
        vec![(Kind::InspectionResult, json!({"draw": draw2, "uscc": uscc(5), "result": result}))],
        "2026-09-21T02:00:00Z",
    );
    append(&log, vec![wake(14, "risk_signal")], "2026-09-25T02:00:00Z");
    let c3 = commit_by_ceremony(dir, &log, &registries, &dir.join("plan-3.toml"), "2026-10-08T01:00:00Z");
    reveal_by_ceremony(dir, &log, &c3, "17320508075688772935274", "2026-10-08T02:00:00Z");
    log
}

/// `(firm number, reason, index of the flagging entry)` per flagged firm,
/// by hand from the README.
type Expected = [(u32, &'static str, usize)];
const DRAW_2: &Expected = &[(5, "woken", 8), (14, "woken", 11)];
const DRAW_3: &Expected = &[(5, "problem", 19), (14, "woken", 20)];

#[test]
fn the_checked_in_woken_log_verifies_and_flags_what_its_readme_says() {
    let log = vector().join("log");
    assert!(log.join("entries.jsonl").is_file(), "the vector is checked in at {}", log.display());
    let entries = log_entries(&log);
    let ids = log_ids(&log);
    let commitments: Vec<(usize, &Value)> =
        entries.iter().enumerate().filter(|(_, e)| e["kind"] == "DrawCommitment").collect();
    let at: Vec<usize> = commitments.iter().map(|(i, _)| *i).collect();
    assert_eq!(at, [4, 16, 24], "the README's indices");
    assert!(commitments[0].1["body"].get("log_feedback").is_none(), "draw 1 has no feedback");
    for ((_, c), want) in commitments[1..].iter().zip([DRAW_2, DRAW_3]) {
        let want_list: Vec<Value> =
            want.iter().map(|(n, reason, k)| json!({"uscc": uscc(*n), "reason": reason, "entry": ids[*k]})).collect();
        assert_eq!(c["body"]["log_feedback"], json!(want_list), "{}", c["body"]["plan"]["name"]);
    }
    assert_eq!(commitments[2].1["body"]["plan"]["feedback"]["reasons"], json!(["problem", "woken"]));
    let fb = |i: usize| {
        let s = entries[i]["body"]["draw"]["strata"].as_array().unwrap().last().unwrap().clone();
        ["class", "population", "eligible", "ratio", "sample_size"].map(|k| s[k].to_string()).join(" ")
            + &format!(" {}", s["selected"])
    };
    assert_eq!(fb(18), format!("\"feedback\" 2 2 \"1\" 2 {}", json!([uscc(5), uscc(14)])));
    assert_eq!(fb(26), format!("\"feedback\" 2 2 \"0.5\" 1 {}", json!([uscc(14)])));
    let dir = tempdir();
    for (name, run) in [
        ("fairdraw audit verify", fairdraw(&["audit", "verify", "--log", s(&log)], dir.path())),
        ("verify.py", verify_py(&["log", s(&log), "--now", "2026-10-09T00:00:00Z"], dir.path())),
        ("verify.js", verify_js(&["log", s(&log), "--now", "2026-10-09T00:00:00Z"], dir.path())),
    ] {
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
    }
}

#[test]
#[ignore = "writes tests/vectors/feedback-log-woken; run by hand to make the vector again"]
fn write_the_woken_vector() {
    let dir = tempdir();
    let log = make(dir.path());
    let out = vector();
    let _ = std::fs::remove_dir_all(out.join("log"));
    std::fs::create_dir_all(&out).unwrap();
    public_mirror(&log, &out.join("log"));
    for name in ["enterprises.csv", "inspectors.csv", "conflicts.csv", "plan-1.toml", "plan-2.toml", "plan-3.toml"] {
        std::fs::copy(dir.path().join(name), out.join(name)).unwrap();
    }
}
