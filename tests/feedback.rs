//! Feedback from results (spec §6.4, audit/LOG-FORMAT.md "Feedback from
//! results"), rule by rule: which firms a log flags at commit and why, how
//! the feedback stratum draws them, the plan's refusals, and `audit verify`
//! catching an operator who edits the flagged firms with the log's own key.
//! (The whole log of tests/vectors/feedback-log is checked in
//! tests/feedback_log.rs.)

mod common;
use common::*;

use std::path::{Path, PathBuf};

use fairdraw::input::plan::Plan;
use fairdraw::input::table::Source;
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

const RATIOS: &str = "[ratios]\nA = \"10%\"\nB = \"10%\"\nC = \"10%\"\nD = \"10%\"\n";

/// A full log whose first draw took all 24 firms of [`enterprises_csv`]
/// (class `ABCD`[n mod 4], region 330106 when n mod 3 = 0).
struct Base {
    dir: tempfile::TempDir,
    log: PathBuf,
    registries: [PathBuf; 3],
    draw: String,
}

/// The 24 firms, 12 inspectors and no recusal ties every test draws from.
fn registries(d: &Path) -> [PathBuf; 3] {
    [
        write(d, "enterprises.csv", &enterprises_csv(24)),
        write(d, "inspectors.csv", &inspectors_csv(12)),
        write(d, "conflicts.csv", "inspector_id,uscc\n"),
    ]
}

fn base() -> Base {
    let dir = tempdir();
    let d = dir.path();
    let registries = registries(d);
    let all = write(d, "all.toml", "name = \"全部\"\n[ratios]\nA = 1\nB = 1\nC = 1\nD = 1\n");
    let log = d.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-09-01T00:00:00Z"], d).expect(0);
    let c = commit_by_ceremony(d, &log, &registries, &all, "2026-09-02T01:00:00Z");
    let draw = reveal_by_ceremony(d, &log, &c, "16180339887498948482045", "2026-09-02T02:00:00Z");
    Base { dir, log, registries, draw }
}

fn v2(date: &str, codes: &[&str], state: &str) -> Value {
    let items = json!([{"item": "双随机抽查", "department": "市场监督管理局", "codes": codes, "findings": "记录"}]);
    json!({"format": 2, "inspection_date": date, "method": "on_site", "items": items, "attachments": [], "state": state})
}

impl Base {
    /// Appends entries at a simulated time; returns their ids.
    fn append(&self, items: Vec<(Kind, Value)>, time: &str) -> Vec<String> {
        Log::open_dir(&self.log, true).unwrap().append(items, time, true).unwrap()
    }

    /// Logs results of the first draw, firm number with its result object.
    fn results(&self, results: &[(u32, Value)]) -> Vec<String> {
        let items = results
            .iter()
            .map(|(n, r)| (Kind::InspectionResult, json!({"draw": self.draw, "uscc": uscc(*n), "result": r})))
            .collect();
        self.append(items, "2026-09-20T02:00:00Z")
    }

    fn follow_up(&self, result: &str, n: u32, time: &str) -> String {
        let body = json!({"result": result, "uscc": uscc(n), "action": "correction", "due": "2026-10-30"});
        self.append(vec![(Kind::FollowUp, body)], time).remove(0)
    }

    /// Commits a plan of `extra` + [`RATIOS`] with `[feedback]` of `ratio`;
    /// returns the commitment's id.
    fn commit(&self, extra: &str, ratio: &str, now: &str) -> String {
        let text = format!("name = \"反馈\"\n{extra}\n{RATIOS}[feedback]\nratio = \"{ratio}\"\n");
        let plan = write(self.dir.path(), "feedback.toml", &text);
        commit_by_ceremony(self.dir.path(), &self.log, &self.registries, &plan, now)
    }

    fn entry(&self, id: &str) -> Value {
        let at = log_ids(&self.log).iter().position(|i| i == id).unwrap();
        log_entries(&self.log).swap_remove(at)
    }

    /// `log_feedback` of a new commitment, as (firm number, reason, entry).
    fn flagged(&self, extra: &str, now: &str) -> Vec<(u32, String, String)> {
        let c = self.commit(extra, "50%", now);
        let body = self.entry(&c)["body"].clone();
        let list = body["log_feedback"].as_array().expect("a plan with feedback records log_feedback").clone();
        let usccs: Vec<Value> = list.iter().map(|x| x["uscc"].clone()).collect();
        assert_eq!(body["plan"]["feedback"]["flagged"], Value::Array(usccs), "the plan draws what the log flags");
        list.iter()
            .map(|x| {
                let n = x["uscc"].as_str().unwrap()[10..17].parse().unwrap();
                (n, x["reason"].as_str().unwrap().to_string(), x["entry"].as_str().unwrap().to_string())
            })
            .collect()
    }
}

fn flag(n: u32, reason: &str, entry: &str) -> (u32, String, String) {
    (n, reason.to_string(), entry.to_string())
}

#[test]
fn a_last_result_that_found_a_problem_flags_the_firm_and_a_later_clean_one_does_not() {
    let b = base();
    let ids = b.results(&[
        (1, v2("2026-09-10", &["A", "B"], "已公示")),
        (2, v2("2026-09-05", &["8"], "已公示")),
        (2, v2("2026-09-12", &["1"], "已公示")),
        (3, v2("2026-09-10", &["E"], "已公示")),
        (4, v2("2026-09-10", &["A", "D"], "已公示")),
    ]);
    assert_eq!(
        b.flagged("", "2026-10-01T01:00:00Z"),
        [flag(1, "problem", &ids[0]), flag(4, "problem", &ids[4])],
        "firm 2's last result is clean; E (corrected on the spot) is no problem"
    );
}

#[test]
fn a_joint_visit_flags_on_any_problem_of_its_last_day_naming_the_first() {
    let b = base();
    let ids = b.results(&[
        (5, v2("2026-09-11", &["1"], "已公示")),
        (5, v2("2026-09-11", &["8"], "已公示")),
        (5, v2("2026-09-11", &["A", "C"], "已公示")),
        (6, v2("2026-09-11", &["A"], "已公示")),
        (6, v2("2026-09-11", &["1"], "已公示")),
    ]);
    assert_eq!(b.flagged("", "2026-10-01T01:00:00Z"), [flag(5, "problem", &ids[1]), flag(6, "problem", &ids[3])]);
}

#[test]
fn an_amendment_that_corrects_the_problem_away_unflags_from_the_next_commitment_on() {
    let b = base();
    let ids = b.results(&[(1, v2("2026-09-10", &["A", "B"], "已公示")), (2, v2("2026-09-10", &["1"], "已公示"))]);
    assert_eq!(b.flagged("", "2026-10-01T01:00:00Z"), [flag(1, "problem", &ids[0])]);
    let corrected =
        json!([{"item": "双随机抽查", "department": "市场监督管理局", "codes": ["E"], "findings": "已改正"}]);
    let worse = json!([{"item": "双随机抽查", "department": "市场监督管理局", "codes": ["8"], "findings": "拒不配合"}]);
    b.append(
        vec![
            (Kind::Amendment, json!({"amends": ids[0], "reason": "复核", "result": {"items": corrected}})),
            (Kind::Amendment, json!({"amends": ids[1], "reason": "更正", "result": {"items": worse}})),
        ],
        "2026-10-02T02:00:00Z",
    );
    assert_eq!(b.flagged("", "2026-10-03T01:00:00Z"), [flag(2, "problem", &ids[1])], "amendments apply in log order");
}

/// Rule 1 leaves out a result whose inspection_date is not a string (an
/// attacker review found the Rust writer flagging it, unlike the other two
/// verifiers); the three then agree on the log.
#[test]
fn a_result_whose_inspection_date_is_not_a_string_is_left_out_of_rule_1() {
    let b = base();
    let mut number = v2("2026-09-20", &["A"], "已公示");
    number["inspection_date"] = json!(20260920);
    let mut missing = v2("2026-09-20", &["8"], "已公示");
    missing.as_object_mut().unwrap().remove("inspection_date");
    let ids = b.results(&[(3, number), (4, missing), (5, v2("2026-09-10", &["A"], "已公示"))]);
    assert_eq!(b.flagged("", "2026-10-01T01:00:00Z"), [flag(5, "problem", &ids[2])]);
    let d = b.dir.path();
    let now = "2026-10-02T00:00:00Z";
    fairdraw(&["audit", "verify", "--log", s(&b.log), "--no-replay"], d).expect(0);
    for (who, run) in [
        ("verify.py", verify_py(&["log", s(&b.log), "--now", now], d)),
        ("verify.js", verify_js(&["log", s(&b.log), "--now", now], d)),
    ] {
        assert_eq!(run.code, 0, "{who}:\n{}{}", run.stdout, run.stderr);
    }
}

#[test]
fn a_result_waiting_for_review_or_of_format_1_never_flags() {
    let b = base();
    let ids = b.results(&[
        (1, v2("2026-09-10", &["A"], "待审核")),
        (2, json!({"category": "发现问题待后续处理", "inspection_date": "2026-09-10", "findings": "v1", "state": "已公示"})),
    ]);
    assert_eq!(b.flagged("", "2026-10-01T01:00:00Z"), []);
    // Published by an amendment: from then on it counts.
    b.append(
        vec![(Kind::Amendment, json!({"amends": ids[0], "reason": "审核通过", "result": {"state": "已公示"}}))],
        "2026-10-02T02:00:00Z",
    );
    assert_eq!(b.flagged("", "2026-10-03T01:00:00Z"), [flag(1, "problem", &ids[0])]);
}

#[test]
fn an_open_follow_up_flags_a_closed_one_does_not_and_a_problem_comes_first() {
    let b = base();
    let ids = b.results(&[
        (1, v2("2026-09-05", &["A", "B"], "已公示")),
        (1, v2("2026-09-12", &["1"], "已公示")),
        (2, v2("2026-09-05", &["A", "B"], "已公示")),
        (2, v2("2026-09-12", &["1"], "已公示")),
        (3, v2("2026-09-10", &["A", "B"], "已公示")),
    ]);
    let open = b.follow_up(&ids[0], 1, "2026-09-21T02:00:00Z");
    let closed = b.follow_up(&ids[2], 2, "2026-09-21T03:00:00Z");
    b.follow_up(&ids[4], 3, "2026-09-21T04:00:00Z");
    b.append(vec![(Kind::FollowUpClosed, json!({"follow_up": closed, "outcome": "已改正"}))], "2026-09-25T02:00:00Z");
    assert_eq!(
        b.flagged("", "2026-10-01T01:00:00Z"),
        [flag(1, "follow_up", &open), flag(3, "problem", &ids[4])],
        "firm 3 has both: problem is the reason"
    );
}

/// The feedback stratum (the last) of the draw revealed for `commitment`.
fn reveal_feedback_stratum(b: &Base, commitment: &str, now: &str) -> (Value, Value) {
    let result = reveal_by_ceremony(b.dir.path(), &b.log, commitment, "27182818284590452353602", now);
    let doc = b.entry(&result)["body"]["draw"].clone();
    (doc["strata"].as_array().unwrap().last().unwrap().clone(), doc)
}

#[test]
fn ratio_100_percent_checks_every_eligible_flagged_firm_an_excluded_one_counts_as_excluded() {
    let b = base();
    let flagged = [1, 2, 3, 6, 7];
    let results: Vec<(u32, Value)> = flagged.iter().map(|&n| (n, v2("2026-09-10", &["A"], "已公示"))).collect();
    b.results(&results);
    let c = b.commit(&format!("exclude = [\"{}\"]", uscc(2)), "100%", "2026-10-01T01:00:00Z");
    let (fb, doc) = reveal_feedback_stratum(&b, &c, "2026-10-01T02:00:00Z");
    let counts = ["class", "population", "excluded", "eligible", "ratio", "sample_size"].map(|k| fb[k].clone());
    assert_eq!(counts, [json!("feedback"), json!(5), json!(1), json!(4), json!("1"), json!(4)]);
    let mut selected: Vec<String> = fb["selected"].as_array().unwrap().iter().map(|u| u.to_string()).collect();
    selected.sort();
    let want: Vec<String> = [1, 3, 6, 7].iter().map(|&n| format!("\"{}\"", uscc(n))).collect();
    assert_eq!(selected, want);
    // The class strata hold the others only: class B (1, 5, 9, …, 21) lost 1.
    assert_eq!(doc["strata"][1]["population"], 5, "class B without flagged firm 1");
    // Flagged targets come last, each with its own class.
    let a = doc["assignments"].as_array().unwrap();
    let tail: Vec<(String, String)> =
        a[a.len() - 4..].iter().map(|t| (t["uscc"].to_string(), t["class"].as_str().unwrap().to_string())).collect();
    for (u, class) in &tail {
        let n: usize = u[11..18].parse().unwrap();
        assert_eq!(class, ["A", "B", "C", "D"][n % 4], "{u}");
    }
    assert_log_verifies(&b.log);
}

#[test]
fn a_flagged_firm_out_of_scope_changes_nothing() {
    let b = base();
    // Firms 1 and 2 are in region 330108, firm 3 in 330106.
    b.results(&[(1, v2("2026-09-10", &["A"], "已公示")), (3, v2("2026-09-10", &["8"], "已公示"))]);
    let c = b.commit("[scope]\nregions = [\"330106\"]", "100%", "2026-10-01T01:00:00Z");
    let (fb, doc) = reveal_feedback_stratum(&b, &c, "2026-10-01T02:00:00Z");
    assert_eq!((fb["population"].clone(), fb["selected"].clone()), (json!(1), json!([uscc(3)])));
    let everyone: u64 = doc["strata"].as_array().unwrap().iter().map(|s| s["population"].as_u64().unwrap()).sum();
    assert_eq!(everyone, 8, "the 8 firms of 330106, firm 1 in none");
    assert_log_verifies(&b.log);
}

fn parse(text: &str) -> Result<Plan, String> {
    let none = |_: &str| -> Box<dyn Source> { unreachable!("the plan names no files") };
    Plan::parse(text, "plan.toml", &none).map_err(|e| e.to_string())
}

#[test]
fn the_plan_refuses_feedback_with_strata_a_bad_ratio_and_other_keys_all_at_once() {
    let ok = parse(&format!("name = \"p\"\n{RATIOS}[feedback]\nratio = \"100%\"\n")).unwrap();
    assert_eq!(ok.canonical()["feedback"], json!({"ratio": "1", "flagged": []}), "flagged is [] outside a log");
    let mut stored = ok.canonical();
    stored["feedback"]["flagged"] = json!([uscc(1), uscc(3)]);
    assert!(Plan::from_canonical(&stored).is_ok());
    stored["feedback"]["flagged"] = json!([uscc(3), uscc(1)]);
    assert!(Plan::from_canonical(&stored).is_err(), "a stored list is sorted");
    let text = format!(
        "name = \"p\"\n{RATIOS}[strata]\nregion_digits = 4\n[feedback]\nratio = 0.5\nflagged = [\"{}\"]\nweight = 2\n",
        uscc(1)
    );
    let err = parse(&text).unwrap_err();
    for (line, key, words) in [
        (10, "feedback.ratio", "floats are not allowed"),
        (11, "feedback.flagged", "added at commit"),
        (12, "feedback.weight", "unknown key"),
        (9, "feedback", "together with [strata]"),
    ] {
        let shown = err.lines().find(|l| l.contains(&format!(":{line}")) && l.contains(key) && l.contains(words));
        assert!(shown.is_some(), "{key} at line {line} ({words}) in:\n{err}");
    }
    let missing = parse(&format!("name = \"p\"\n{RATIOS}[feedback]\n")).unwrap_err();
    assert!(missing.contains("feedback.ratio") && missing.contains("needs ratio"), "{missing}");
    let over = parse(&format!("name = \"p\"\n{RATIOS}[feedback]\nratio = \"150%\"\n")).unwrap_err();
    assert!(over.contains("feedback.ratio") && over.contains("more than 100%"), "{over}");
}

#[test]
fn a_plan_without_feedback_keeps_its_digest() {
    let dir = root().join("tests/vectors/basic");
    let plan = std::fs::read_to_string(dir.join("plan.toml")).unwrap();
    let draw: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("draw.json")).unwrap()).unwrap();
    let open = |name: &str| -> Box<dyn Source> { Box::new(fairdraw::input::table::FileSource::new(dir.join(name))) };
    let parsed = Plan::parse(&plan, "plan.toml", &open).unwrap();
    assert!(parsed.canonical().get("feedback").is_none());
    assert_eq!(json!(parsed.digest()), draw["plan_digest"]);
}

#[test]
fn a_protected_log_refuses_a_plan_with_feedback_and_writes_nothing() {
    let dir = tempdir();
    let d = dir.path();
    let registries = registries(d);
    let log = d.join("log");
    fairdraw(&["init", "--log", s(&log), "--publish", "protected", "--now", "2026-09-01T00:00:00Z"], d).expect(0);
    let plan = write(d, "plan.toml", &format!("name = \"p\"\n{RATIOS}[feedback]\nratio = \"50%\"\n"));
    let before = std::fs::read(log.join("entries.jsonl")).unwrap();
    let run = commit_run(d, &log, &registries, &plan, "2026-09-02T01:00:00Z", &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("[feedback]") && run.stderr.contains("protected log"), "{}", run.stderr);
    assert_eq!(std::fs::read(log.join("entries.jsonl")).unwrap(), before, "nothing was written");
}

/// The operator edits the last commitment with the log's own key: `edit`
/// changes its body, the plan digest is made to match, the log re-signed.
fn forge(log: &Path, edit: impl Fn(&mut Value)) -> Vec<String> {
    let mut entries = log_entries(log);
    let last = entries.last_mut().unwrap();
    assert_eq!(last["kind"], "DrawCommitment");
    edit(&mut last["body"]);
    let plan = Plan::from_canonical(&last["body"]["plan"]).unwrap();
    last["body"]["plan_digest"] = json!(plan.digest());
    write_log_entries(log, &entries);
    resign_log(log);
    fairdraw::log::audit::verify(log, None, None).unwrap().tampering
}

#[test]
fn audit_verify_catches_a_forged_list_of_flagged_firms() {
    let b = base();
    let ids = b.results(&[(1, v2("2026-09-10", &["A"], "已公示")), (3, v2("2026-09-10", &["8"], "已公示"))]);
    b.commit("", "50%", "2026-10-01T01:00:00Z");
    assert_log_verifies(&b.log);
    let at = log_entries(&b.log).len() - 1;
    let honest = std::fs::read(b.log.join("entries.jsonl")).unwrap();
    let restore = || {
        std::fs::write(b.log.join("entries.jsonl"), &honest).unwrap();
        resign_log(&b.log);
    };
    let named = |found: &[String], words: &str| {
        found.iter().any(|m| m.starts_with(&format!("entry {at}:")) && m.contains(words))
    };
    // Firm 3 is dropped from the list and the plan: it escapes its check.
    let found = forge(&b.log, |body| {
        body["log_feedback"].as_array_mut().unwrap().remove(1);
        body["plan"]["feedback"]["flagged"] = json!([uscc(1)]);
    });
    assert!(named(&found, "log_feedback differs"), "{found:?}");
    restore();
    // Firm 5, which nothing flags, is added: it is more likely drawn.
    let found = forge(&b.log, |body| {
        let extra = json!({"uscc": uscc(5), "reason": "problem", "entry": ids[0]});
        body["log_feedback"].as_array_mut().unwrap().push(extra);
        body["plan"]["feedback"]["flagged"] = json!([uscc(1), uscc(3), uscc(5)]);
    });
    assert!(named(&found, "log_feedback differs"), "{found:?}");
    restore();
    // The list stays honest, the plan draws another set.
    let found = forge(&b.log, |body| body["plan"]["feedback"]["flagged"] = json!([uscc(1)]));
    assert!(named(&found, "feedback.flagged is not"), "{found:?}");
    restore();
    // The list is left out of a plan with feedback.
    let found = forge(&b.log, |body| {
        body.as_object_mut().unwrap().remove("log_feedback");
    });
    assert!(named(&found, "log_feedback differs"), "{found:?}");
    restore();
    assert_log_verifies(&b.log);
}
