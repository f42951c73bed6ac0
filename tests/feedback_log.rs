//! The shared vector of feedback from results (spec §6.4, audit/LOG-FORMAT.md
//! "Feedback from results"): `tests/vectors/feedback-log/`, a whole small log
//! with published v2 results, a joint visit, an amendment that corrects a
//! problem away, a result still waiting for review, a v1 result, open and
//! closed follow-ups, and three draws with `[feedback]`. The checked-in copy
//! must verify, and its `log_feedback` lists must be the ones its README
//! gives, written out here by hand (not recomputed by the code under test).
//!
//! To write the vector again (the log key is new each time, so the files
//! change; the flagged firms do not):
//! `cargo test --test feedback_log -- --ignored write_the_feedback_vector`.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

fn vector() -> PathBuf {
    root().join("tests/vectors/feedback-log")
}

/// One result item of the single department.
fn item(codes: &[&str]) -> Value {
    json!([{"item": "双随机抽查", "department": "市场监督管理局", "codes": codes, "findings": "见检查记录"}])
}

fn v2(date: &str, codes: &[&str], state: &str) -> Value {
    json!({"format": 2, "inspection_date": date, "method": "on_site", "items": item(codes), "attachments": [], "state": state})
}

/// The three plans: draw 1 takes every firm (and flags none yet), draw 2
/// checks every flagged firm but one it excludes, draw 3 draws half of the
/// flagged firms of region 330106.
const PLANS: [(&str, &str); 3] = [
    (
        "plan-1.toml",
        "name = \"反馈一号\"\n[ratios]\nA = \"100%\"\nB = \"100%\"\nC = \"100%\"\nD = \"100%\"\n[feedback]\nratio = \"100%\"\n",
    ),
    (
        "plan-2.toml",
        "name = \"反馈二号\"\nexclude = [\"{EXCLUDED}\"]\n[ratios]\nA = \"10%\"\nB = \"10%\"\nC = \"10%\"\nD = \"10%\"\n[feedback]\nratio = \"100%\"\n",
    ),
    (
        "plan-3.toml",
        "name = \"反馈三号\"\n[ratios]\nA = \"10%\"\nB = \"10%\"\nC = \"10%\"\nD = \"10%\"\n[scope]\nregions = [\"330106\"]\n[feedback]\nratio = \"50%\"\n",
    ),
];

/// The inputs of the vector: 24 firms (classes A B C D in turn, region
/// 330106 for every third), 12 inspectors, no conflicts, the three plans.
pub fn write_inputs(dir: &Path) -> [PathBuf; 3] {
    for (name, text) in PLANS {
        write(dir, name, &text.replace("{EXCLUDED}", &uscc(10)));
    }
    [
        write(dir, "enterprises.csv", &enterprises_csv(24)),
        write(dir, "inspectors.csv", &inspectors_csv(12)),
        write(dir, "conflicts.csv", "inspector_id,uscc\n"),
    ]
}

/// Appends entries at a simulated time; returns their ids.
fn append(log: &Path, items: Vec<(Kind, Value)>, time: &str) -> Vec<String> {
    let mut l = Log::open_dir(log, true).unwrap();
    l.append(items, time, true).unwrap()
}

/// Builds the vector's log in `dir/log` (see the README for what each firm
/// shows); returns the log's directory.
pub fn make(dir: &Path) -> PathBuf {
    let registries = write_inputs(dir);
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-09-01T00:00:00Z"], dir).expect(0);
    let c1 = commit_by_ceremony(dir, &log, &registries, &dir.join("plan-1.toml"), "2026-09-02T01:00:00Z");
    let draw1 = reveal_by_ceremony(dir, &log, &c1, "16180339887498948482045", "2026-09-02T02:00:00Z");
    let result = |n: u32, r: Value| (Kind::InspectionResult, json!({"draw": draw1, "uscc": uscc(n), "result": r}));
    let ids = append(
        &log,
        vec![
            result(1, v2("2026-09-10", &["A", "B"], "已公示")),
            result(2, v2("2026-09-05", &["8"], "已公示")),
            result(2, v2("2026-09-12", &["1"], "已公示")),
            result(3, v2("2026-09-11", &["1"], "已公示")),
            result(3, v2("2026-09-11", &["A", "C"], "已公示")),
            result(4, v2("2026-09-10", &["A", "D"], "已公示")),
            result(5, v2("2026-09-10", &["A"], "待审核")),
            result(
                6,
                json!({"category": "发现问题待后续处理", "inspection_date": "2026-09-10", "findings": "v1", "state": "已公示"}),
            ),
            result(7, v2("2026-09-10", &["A", "B"], "已公示")),
            result(8, v2("2026-09-05", &["A", "G"], "已公示")),
            result(8, v2("2026-09-13", &["E"], "已公示")),
            result(9, v2("2026-09-10", &["A", "B"], "已公示")),
            result(9, v2("2026-09-14", &["E"], "已公示")),
            result(10, v2("2026-09-10", &["A", "C"], "已公示")),
            result(12, v2("2026-09-10", &["8"], "已公示")),
        ],
        "2026-09-15T02:00:00Z",
    );
    let follow_up = |k: usize, n: u32| {
        (Kind::FollowUp, json!({"result": ids[k], "uscc": uscc(n), "action": "correction", "due": "2026-10-30"}))
    };
    let opened = append(&log, vec![follow_up(8, 7), follow_up(9, 8), follow_up(11, 9)], "2026-09-16T02:00:00Z");
    append(
        &log,
        vec![(Kind::FollowUpClosed, json!({"follow_up": opened[2], "outcome": "已改正"}))],
        "2026-09-25T02:00:00Z",
    );
    let c2 = commit_by_ceremony(dir, &log, &registries, &dir.join("plan-2.toml"), "2026-10-10T01:00:00Z");
    reveal_by_ceremony(dir, &log, &c2, "14142135623730950488016", "2026-10-10T02:00:00Z");
    let amended = json!({"amends": ids[5], "reason": "复核：已责令改正", "result": {"items": item(&["E"])}});
    append(&log, vec![(Kind::Amendment, amended)], "2026-10-12T02:00:00Z");
    let c3 = commit_by_ceremony(dir, &log, &registries, &dir.join("plan-3.toml"), "2026-10-20T01:00:00Z");
    reveal_by_ceremony(dir, &log, &c3, "17320508075688772935274", "2026-10-20T02:00:00Z");
    log
}

/// `(uscc number, reason, the flagging entry's kind and inspection date)`
/// per flagged firm, by hand from the README.
type Expected = [(u32, &'static str, &'static str, &'static str)];

const DRAW_2: &Expected = &[
    (1, "problem", "InspectionResult", "2026-09-10"),
    (3, "problem", "InspectionResult", "2026-09-11"),
    (4, "problem", "InspectionResult", "2026-09-10"),
    (7, "problem", "InspectionResult", "2026-09-10"),
    (8, "follow_up", "FollowUp", ""),
    (10, "problem", "InspectionResult", "2026-09-10"),
    (12, "problem", "InspectionResult", "2026-09-10"),
];

const DRAW_3: &Expected = &[
    (1, "problem", "InspectionResult", "2026-09-10"),
    (3, "problem", "InspectionResult", "2026-09-11"),
    (7, "problem", "InspectionResult", "2026-09-10"),
    (8, "follow_up", "FollowUp", ""),
    (10, "problem", "InspectionResult", "2026-09-10"),
    (12, "problem", "InspectionResult", "2026-09-10"),
];

fn check_list(entries: &[Value], ids: &[String], got: &Value, want: &Expected, what: &str) {
    let got = got.as_array().unwrap_or_else(|| panic!("{what}: no log_feedback"));
    let usccs: Vec<&str> = got.iter().map(|x| x["uscc"].as_str().unwrap()).collect();
    let want_usccs: Vec<String> = want.iter().map(|w| uscc(w.0)).collect();
    assert_eq!(usccs, want_usccs, "{what}: flagged firms");
    for (x, (n, reason, kind, date)) in got.iter().zip(want) {
        assert_eq!(x["reason"], *reason, "{what}: firm {n}");
        let at = ids.iter().position(|i| x["entry"] == i.as_str()).unwrap_or_else(|| panic!("{what}: entry of {n}"));
        let e = &entries[at];
        assert_eq!((e["kind"].as_str().unwrap(), e["body"]["uscc"].as_str().unwrap()), (*kind, uscc(*n).as_str()));
        if *kind == "InspectionResult" {
            assert_eq!(e["body"]["result"]["inspection_date"], *date, "{what}: firm {n}'s flagging result");
        }
    }
}

/// The draw documents of the log, in order.
fn documents(entries: &[Value]) -> Vec<&Value> {
    entries.iter().filter(|e| e["kind"] == "DrawResult").map(|e| &e["body"]["draw"]).collect()
}

#[test]
fn the_checked_in_feedback_log_verifies_and_flags_what_its_readme_says() {
    let log = vector().join("log");
    assert!(log.join("entries.jsonl").is_file(), "the vector is checked in at {}", log.display());
    let report = fairdraw::log::audit::verify(&log, None, None).unwrap();
    assert!(report.tampering.is_empty(), "{:?}", report.tampering);
    let entries = log_entries(&log);
    let ids = log_ids(&log);
    let commitments: Vec<&Value> = entries.iter().filter(|e| e["kind"] == "DrawCommitment").collect();
    assert_eq!(commitments.len(), 3);
    assert_eq!(commitments[0]["body"]["log_feedback"], json!([]), "draw 1: nothing published yet");
    check_list(&entries, &ids, &commitments[1]["body"]["log_feedback"], DRAW_2, "draw 2");
    check_list(&entries, &ids, &commitments[2]["body"]["log_feedback"], DRAW_3, "draw 3");
    for (c, want) in commitments[1..].iter().zip([DRAW_2, DRAW_3]) {
        let flagged: Vec<String> = want.iter().map(|w| uscc(w.0)).collect();
        assert_eq!(c["body"]["plan"]["feedback"]["flagged"], json!(flagged));
    }
    // The feedback stratum of each draw, as the README gives it.
    let docs = documents(&entries);
    let fb = |d: &Value| d["strata"].as_array().unwrap().last().unwrap().clone();
    let counts = |s: &Value| {
        ["class", "population", "excluded", "eligible", "ratio", "sample_size"].map(|k| s[k].to_string()).join(" ")
    };
    assert_eq!(counts(&fb(docs[0])), "\"feedback\" 0 0 0 \"1\" 0");
    assert_eq!(counts(&fb(docs[1])), "\"feedback\" 7 1 6 \"1\" 6");
    assert_eq!(counts(&fb(docs[2])), "\"feedback\" 2 0 2 \"0.5\" 1");
    let drawn2: Vec<String> = [1, 3, 4, 7, 8, 12].iter().map(|&n| uscc(n)).collect();
    let mut selected: Vec<String> =
        fb(docs[1])["selected"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_string()).collect();
    selected.sort();
    assert_eq!(selected, drawn2, "draw 2 checks every flagged firm but the excluded one");
    // A flagged firm keeps its own class; the feedback targets come last.
    let a = docs[1]["assignments"].as_array().unwrap();
    let tail: Vec<&Value> = a[a.len() - 6..].iter().collect();
    for t in tail {
        let n: u32 = t["uscc"].as_str().unwrap()[10..17].parse().unwrap();
        assert_eq!(t["class"], ["A", "B", "C", "D"][(n % 4) as usize], "{t}");
    }
}

/// LOG-FORMAT "Statistics": the feedback stratum is left out of both
/// fairness tests, its targets count everywhere else, and a class's
/// `planned` is its class strata's (the feedback stratum's sample size is in
/// the totals only). The figures are worked out by hand from the README.
#[test]
fn the_statistics_leave_the_feedback_stratum_out_of_the_fairness_tests() {
    let dir = tempdir();
    public_mirror(&vector().join("log"), dir.path());
    let run = fairdraw(&["stats", "--log", s(dir.path()), "--year", "2026"], dir.path()).expect(0);
    let stats: Value = serde_json::from_str(&run.stdout).unwrap();
    let cells = |test: &str| -> Vec<(String, f64, f64)> {
        stats["fairness"][test]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (c["label"].as_str().unwrap().into(), c["drawn"].as_f64().unwrap(), c["expected"].as_f64().unwrap())
            })
            .collect()
    };
    // Per class: draw 1 draws 6 of 6; draws 2 and 3 one each of the
    // unflagged firms (eligible × 10 %: A 3, B 5, C 5, D 4, then 1 2 2 1).
    let class = [("A", 8.0, 6.4), ("B", 8.0, 6.7), ("C", 8.0, 6.7), ("D", 8.0, 6.5)];
    // Per region: draw 1's 8 and 16, draw 2's class samples spread over the
    // unflagged eligible (A 0/3, B 2/5, C 2/5, D 1/4 in 330106), draw 3's 4.
    let region = [
        ("330106", 12.0, 8.0 + 1.0 / 3.0 + 0.4 + 0.4 + 0.25 + 4.0),
        ("330108", 20.0, 16.0 + 2.0 / 3.0 + 0.6 + 0.6 + 0.75),
    ];
    for (test, want) in [("class", &class[..]), ("region", &region[..])] {
        let got = cells(test);
        assert_eq!(got.len(), want.len(), "{test}: {got:?}");
        for ((label, drawn, expected), (l, d, e)) in got.iter().zip(want) {
            assert_eq!((label.as_str(), *drawn), (*l, *d), "{test}");
            assert!((expected - e).abs() < 1e-9, "{test} {label}: expected {expected}, by hand {e}");
        }
    }
    let by_class: Vec<(String, Value, Value)> = stats["by_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["class"].as_str().unwrap().to_string(), r["planned"].clone(), r["drawn"].clone()))
        .collect();
    // Drawn: every target under its own class (the feedback targets of
    // draw 2 are firms 1 3 4 7 8 12, of draw 3 firm 12).
    let want =
        [("A", 8, 12), ("B", 8, 9), ("C", 8, 8), ("D", 8, 10)].map(|(c, p, d)| (c.to_string(), json!(p), json!(d)));
    assert_eq!(by_class, want);
    assert_eq!(stats["totals"]["planned"], 24 + 4 + 6 + 4 + 1, "every stratum, the feedback ones too");
}

#[test]
#[ignore = "writes tests/vectors/feedback-log; run by hand to make the vector again"]
fn write_the_feedback_vector() {
    let dir = tempdir();
    let log = make(dir.path());
    let out = vector();
    let _ = std::fs::remove_dir_all(out.join("log"));
    public_mirror(&log, &out.join("log"));
    for name in ["enterprises.csv", "inspectors.csv", "conflicts.csv", "plan-1.toml", "plan-2.toml", "plan-3.toml"] {
        std::fs::copy(dir.path().join(name), out.join(name)).unwrap();
    }
}

/// The three verifiers agree on the vector, and on disclosures of flagged
/// firms that the Rust writer makes: a flagged firm is judged by the
/// feedback stratum (LOG-FORMAT "Disclosures") by all three.
#[test]
fn the_three_verifiers_agree_on_the_vector_and_on_a_flagged_firms_disclosure() {
    let dir = tempdir();
    let log = vector().join("log");
    for (name, run) in [
        ("fairdraw audit verify", fairdraw(&["audit", "verify", "--log", s(&log)], dir.path())),
        ("verify.py", verify_py(&["log", s(&log), "--now", "2026-10-21T00:00:00Z"], dir.path())),
        ("verify.js", verify_js(&["log", s(&log), "--now", "2026-10-21T00:00:00Z"], dir.path())),
    ] {
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
    }
    let ids = log_ids(&log);
    let draw_3 = &ids[38];
    // README: draw 3 selects firm 12 of the flagged firms 3 and 12.
    for (uscc, selected) in [("91330106MA0000012A", true), ("91330106MA0000003C", false)] {
        let out = dir.path().join(format!("{uscc}.json"));
        fairdraw(&["audit", "disclose", uscc, "--log", s(&log), "--draw", draw_3, "--out", s(&out)], dir.path())
            .expect(0);
        let d: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let strata = documents(&log_entries(&log))[2]["strata"].clone();
        let feedback = strata.as_array().unwrap().iter().find(|s| s["class"] == "feedback").unwrap().clone();
        assert_eq!(d["verdict"]["cutoff"], feedback["cutoff"], "{uscc}: the feedback stratum's cutoff");
        assert_eq!(d["verdict"]["selected"], json!(selected), "{uscc}");
        for (name, run) in [
            ("fairdraw audit disclosure", fairdraw(&["audit", "disclosure", s(&out)], dir.path())),
            ("verify.py", verify_py(&["disclosure", s(&out)], dir.path())),
            ("verify.js", verify_js(&["disclosure", s(&out)], dir.path())),
        ] {
            assert_eq!(run.code, 0, "{name} on {uscc}: {}{}", run.stdout, run.stderr);
        }
    }
}
