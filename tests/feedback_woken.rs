//! Feedback reason `woken` (spec §6.4, audit/LOG-FORMAT.md "Feedback from
//! results" rule 3): a plan with `[feedback] reasons = ["woken"]` flags a
//! firm woken by a `WakeUp` entry and not checked since, so that
//! `ratio = "100%"` gives it one directed check; the draw (or an external
//! check) after the wake-up clears the flag; plans with the default reasons
//! never flag a woken firm; the plan's refusals; and all three verifiers
//! catching a woken firm dropped from `log_feedback` with the log's own key.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use fairdraw::input::plan::Plan;
use fairdraw::input::table::Source;
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

const RATIOS: &str = "[ratios]\nA = \"10%\"\nB = \"10%\"\nC = \"10%\"\nD = \"10%\"\n";
const WOKEN_ONLY: &str = "[feedback]\nratio = \"100%\"\nreasons = [\"woken\"]\n";
const NOW: &str = "2026-12-31T00:00:00Z";

/// A full log whose first draw took all 24 firms of [`enterprises_csv`]
/// (a check of each, before any wake-up).
struct Base {
    dir: tempfile::TempDir,
    log: PathBuf,
    registries: [PathBuf; 3],
}

fn base() -> Base {
    let dir = tempdir();
    let d = dir.path();
    let registries = [
        write(d, "enterprises.csv", &enterprises_csv(24)),
        write(d, "inspectors.csv", &inspectors_csv(12)),
        write(d, "conflicts.csv", "inspector_id,uscc\n"),
    ];
    let all = write(d, "all.toml", "name = \"全部\"\n[ratios]\nA = 1\nB = 1\nC = 1\nD = 1\n");
    let log = d.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-09-01T00:00:00Z"], d).expect(0);
    let c = commit_by_ceremony(d, &log, &registries, &all, "2026-09-02T01:00:00Z");
    reveal_by_ceremony(d, &log, &c, "16180339887498948482045", "2026-09-02T02:00:00Z");
    Base { dir, log, registries }
}

impl Base {
    fn append(&self, kind: Kind, body: Value, time: &str) -> String {
        Log::open_dir(&self.log, true).unwrap().append(vec![(kind, body)], time, true).unwrap().remove(0)
    }

    fn wake(&self, n: u32, time: &str) -> String {
        self.append(Kind::WakeUp, json!({"uscc": uscc(n), "reason": "complaint", "note": "12315 投诉"}), time)
    }

    fn external_check(&self, n: u32, time: &str) -> String {
        let check = json!({"uscc": uscc(n), "department": "税务局", "method": "desk", "date": "2025-03-01"});
        self.append(Kind::ExternalChecks, json!({"checks": [check], "source": "税务.csv"}), time)
    }

    /// Commits a plan of [`RATIOS`] and `feedback` (a `[feedback]` table);
    /// returns the commitment's id and the run's stderr.
    fn commit(&self, feedback: &str, now: &str) -> (String, String) {
        let plan = write(self.dir.path(), "feedback.toml", &format!("name = \"唤醒\"\n{RATIOS}{feedback}"));
        let [e, i, c] = &self.registries;
        let args = ["--enterprises", s(e), "--inspectors", s(i), "--conflicts", s(c), "--plan", s(&plan)];
        let mut all = vec!["commit", "--log", s(&self.log), "--beacon", "ceremony", "--now", now];
        all.extend(args);
        let run = fairdraw(&all, self.dir.path()).expect(0);
        (run.stdout.lines().last().unwrap().trim().to_string(), run.stderr)
    }

    /// Reveals a commitment (no two ceremonies may stay open together).
    fn reveal(&self, commitment: &str, digits: &str, now: &str) -> String {
        reveal_by_ceremony(self.dir.path(), &self.log, commitment, digits, now)
    }

    fn body(&self, id: &str) -> Value {
        let at = log_ids(&self.log).iter().position(|i| i == id).unwrap();
        log_entries(&self.log).swap_remove(at)["body"].clone()
    }

    /// `log_feedback` of a new commitment with `feedback`; the commitment
    /// is revealed by `digits` unless they are empty.
    fn flagged(&self, feedback: &str, now: &str, digits: &str) -> Value {
        let c = self.commit(feedback, now).0;
        if !digits.is_empty() {
            self.reveal(&c, digits, now.replace("T01", "T02").as_str());
        }
        let body = self.body(&c);
        let usccs: Vec<Value> = body["log_feedback"].as_array().unwrap().iter().map(|x| x["uscc"].clone()).collect();
        assert_eq!(body["plan"]["feedback"]["flagged"], json!(usccs), "the plan draws what the log flags");
        body["log_feedback"].clone()
    }

    /// `audit verify`, `verify.py log` and `verify.js log` on the log.
    fn verify_all(&self) -> Vec<(&'static str, Run)> {
        let (log, d) = (s(&self.log), self.dir.path());
        vec![
            ("fairdraw audit verify", fairdraw(&["audit", "verify", "--log", log], d)),
            ("verify.py", verify_py(&["log", log, "--now", NOW], d)),
            ("verify.js", verify_js(&["log", log, "--now", NOW], d)),
        ]
    }
}

fn woken(n: u32, entry: &str) -> Value {
    json!({"uscc": uscc(n), "reason": "woken", "entry": entry})
}

#[test]
fn a_woken_firm_gets_one_directed_check_per_wake_up() {
    let b = base();
    // Firm 5 was drawn by the first draw, before its wake-up: that check
    // does not count.
    let first = b.wake(5, "2026-09-10T00:00:00Z");
    let second = b.wake(5, "2026-09-11T00:00:00Z");
    let (c, stderr) = b.commit(WOKEN_ONLY, "2026-10-01T01:00:00Z");
    assert!(stderr.contains("reasons lists woken but the plan has no scope.wake"), "a warning: {stderr}");
    let body = b.body(&c);
    assert_eq!(body["log_feedback"], json!([woken(5, &second)]), "the latest wake-up, not {first}");
    assert_eq!(body["plan"]["feedback"], json!({"ratio": "1", "flagged": [uscc(5)], "reasons": ["woken"]}));
    let result = b.reveal(&c, "27182818284590452353602", "2026-10-01T02:00:00Z");
    let doc = b.body(&result)["draw"].clone();
    let fed = doc["strata"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((fed["class"].clone(), fed["population"].clone()), (json!("feedback"), json!(1)));
    assert_eq!(fed["selected"], json!([uscc(5)]), "the directed check is drawn");
    // Checked since its wake-up: the next commitment does not flag it.
    assert_eq!(b.flagged(WOKEN_ONLY, "2026-10-02T01:00:00Z", "14142135623730950488016"), json!([]));
    // A new wake-up flags it again.
    let third = b.wake(5, "2026-10-03T00:00:00Z");
    assert_eq!(b.flagged(WOKEN_ONLY, "2026-10-04T01:00:00Z", ""), json!([woken(5, &third)]));
    for (name, run) in b.verify_all() {
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
    }
}

#[test]
fn an_external_check_after_the_wake_up_clears_it_and_default_reasons_never_flag_woken_firms() {
    let b = base();
    b.external_check(6, "2026-09-09T00:00:00Z"); // before its wake-up: does not count
    let w6 = b.wake(6, "2026-09-10T00:00:00Z");
    b.wake(7, "2026-09-10T00:00:01Z");
    b.external_check(7, "2026-09-11T00:00:00Z"); // of another year, but after the wake-up
    assert_eq!(b.flagged(WOKEN_ONLY, "2026-10-01T01:00:00Z", "27182818284590452353602"), json!([woken(6, &w6)]));
    // Firm 6 was checked by that draw; a new wake-up of 6 shows that the
    // default reasons still flag nobody.
    b.wake(6, "2026-10-02T00:00:00Z");
    let default = b.flagged("[feedback]\nratio = \"100%\"\n", "2026-10-03T01:00:00Z", "14142135623730950488016");
    assert_eq!(default, json!([]), "problem and follow_up only");
    let c = b.commit("[feedback]\nratio = \"100%\"\nreasons = [\"follow_up\", \"problem\"]\n", "2026-10-04T01:00:00Z");
    assert!(b.body(&c.0)["plan"]["feedback"].get("reasons").is_none(), "the default is stored by leaving it out");
    for (name, run) in b.verify_all() {
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
    }
}

fn parse(text: &str) -> Result<Plan, String> {
    let none = |_: &str| -> Box<dyn Source> { unreachable!("the plan names no files") };
    Plan::parse(text, "plan.toml", &none).map_err(|e| e.to_string())
}

#[test]
fn the_plan_refuses_unknown_repeated_or_no_reasons_and_stores_them_in_rule_order() {
    let stored = |reasons: &str| {
        let plan = parse(&format!("name = \"p\"\n{RATIOS}[feedback]\nratio = \"50%\"\nreasons = {reasons}\n")).unwrap();
        plan.canonical()["feedback"].clone()
    };
    assert_eq!(
        stored("[\"woken\", \"problem\"]"),
        json!({"ratio": "0.5", "flagged": [], "reasons": ["problem", "woken"]})
    );
    assert_eq!(stored("[\"follow_up\", \"problem\"]"), json!({"ratio": "0.5", "flagged": []}));
    for (reasons, words) in [
        ("[\"woken\", \"asleep\"]", "asleep is not a reason"),
        ("[\"woken\", \"woken\"]", "listed twice"),
        ("[]", "reasons is empty"),
        ("\"woken\"", "must be a list"),
    ] {
        let text = format!("name = \"p\"\n{RATIOS}[feedback]\nratio = \"150%\"\nreasons = {reasons}\n");
        let err = parse(&text).unwrap_err();
        let at = |line: u32, key: &str, words: &str| {
            err.lines().any(|l| l.contains(&format!(":{line}")) && l.contains(key) && l.contains(words))
        };
        assert!(at(9, "feedback.reasons", words), "{reasons}: {words} at line 9 in:\n{err}");
        assert!(at(8, "feedback.ratio", "more than 100%"), "{reasons}: every problem at once:\n{err}");
    }
    // The stored form is checked strictly.
    let mut plan = parse(&format!("name = \"p\"\n{RATIOS}{WOKEN_ONLY}")).unwrap().canonical();
    assert!(Plan::from_canonical(&plan).is_ok());
    for bad in [
        json!(["woken", "problem"]),
        json!(["problem", "follow_up"]),
        json!([]),
        json!(["woken", "woken"]),
        json!("woken"),
    ] {
        plan["feedback"]["reasons"] = bad.clone();
        assert!(Plan::from_canonical(&plan).is_err(), "{bad} is not a stored reasons list");
    }
}

#[test]
fn the_commit_refuses_bad_reasons_with_exit_2_and_writes_nothing() {
    let b = base();
    let before = std::fs::read(b.log.join("entries.jsonl")).unwrap();
    let plan = write(
        b.dir.path(),
        "bad.toml",
        &format!("name = \"p\"\n{RATIOS}[feedback]\nratio = 1\nreasons = [\"sleepy\"]\n"),
    );
    let run = commit_run(b.dir.path(), &b.log, &b.registries, &plan, "2026-10-01T01:00:00Z", &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(":9") && run.stderr.contains("feedback.reasons") && run.stderr.contains("sleepy"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(b.log.join("entries.jsonl")).unwrap(), before, "nothing was written");
}

/// The operator drops the woken firm from the last commitment with the
/// log's own key (plan digest made to match, log re-signed).
fn forge(log: &Path, edit: impl Fn(&mut Value)) {
    let mut entries = log_entries(log);
    let last = entries.last_mut().unwrap();
    assert_eq!(last["kind"], "DrawCommitment");
    edit(&mut last["body"]);
    let plan = Plan::from_canonical(&last["body"]["plan"]).unwrap();
    last["body"]["plan_digest"] = json!(plan.digest());
    write_log_entries(log, &entries);
    resign_log(log);
}

#[test]
fn all_three_verifiers_catch_a_woken_firm_dropped_from_log_feedback() {
    let b = base();
    b.wake(5, "2026-09-10T00:00:00Z");
    b.wake(9, "2026-09-10T00:00:01Z");
    let (c, _) = b.commit(WOKEN_ONLY, "2026-10-01T01:00:00Z");
    assert_eq!(b.body(&c)["log_feedback"].as_array().unwrap().len(), 2);
    for (name, run) in b.verify_all() {
        assert_eq!(run.code, 0, "{name} before: {}{}", run.stdout, run.stderr);
    }
    let at = log_entries(&b.log).len() - 1;
    forge(&b.log, |body| {
        body["log_feedback"].as_array_mut().unwrap().remove(1);
        body["plan"]["feedback"]["flagged"] = json!([uscc(5)]);
    });
    for (name, run) in b.verify_all() {
        assert_eq!(run.code, 1, "{name} after: {}{}", run.stdout, run.stderr);
        let named = run.stdout.lines().any(|l| l.contains(&format!("entry {at}")) && l.contains("log_feedback"));
        assert!(named, "{name} names the commitment's log_feedback: {}", run.stdout);
    }
}

/// data/plan-woken.toml on the sample registry: a complaint wakes a 歇业
/// firm; the plan's directed check draws it and nobody else, once.
#[test]
fn the_sample_plan_checks_a_woken_dormant_firm_once() {
    let dir = tempdir();
    let d = dir.path();
    let log = d.join("log");
    let dormant = "91330108MAWB88G072"; // 杭州德泽茶文化有限公司, 歇业 in data/enterprises.csv
    fairdraw(&["init", "--log", s(&log), "--now", "2026-09-01T00:00:00Z"], d).expect(0);
    let wake = ["wake", dormant, "--reason", "complaint", "--log", s(&log), "--now", "2026-09-05T00:00:00Z"];
    fairdraw(&wake, d).expect(0);
    let registries = [data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv")];
    let plan = data("plan-woken.toml");
    let c = commit_by_ceremony(d, &log, &registries, &plan, "2026-09-10T01:00:00Z");
    let result = reveal_by_ceremony(d, &log, &c, "14142135623730950488016887", "2026-09-10T02:00:00Z");
    let entries = log_entries(&log);
    let body = |id: &str| entries[log_ids(&log).iter().position(|i| i == id).unwrap()]["body"].clone();
    let drawn: Vec<Value> =
        body(&result)["draw"]["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].clone()).collect();
    assert_eq!(drawn, [json!(dormant)], "the woken firm, and only it");
    let again = commit_by_ceremony(d, &log, &registries, &plan, "2026-09-11T01:00:00Z");
    let entries = log_entries(&log);
    let at = log_ids(&log).iter().position(|i| *i == again).unwrap();
    assert_eq!(entries[at]["body"]["log_feedback"], json!([]), "checked once: not flagged again");
}

/// A number among `reasons` is a plan error at its line in verify.js too
/// (TOML integers are BigInts there; an attacker review found it crashing
/// with "internal error").
#[test]
fn verify_js_names_a_number_among_the_reasons_at_its_line() {
    let dir = tempdir();
    let d = dir.path();
    let text = std::fs::read_to_string(data("plan-woken.toml"))
        .unwrap()
        .replace("reasons = [\"woken\"]", "reasons = [\"woken\", 1]");
    assert!(text.contains("[\"woken\", 1]"), "the sample plan changed: update this test");
    let plan = write(d, "plan.toml", &text);
    let (e, i, c) = (data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv"));
    let run = verify_js(
        &[
            "--emit",
            "--enterprises",
            s(&e),
            "--inspectors",
            s(&i),
            "--conflicts",
            s(&c),
            "--plan",
            s(&plan),
            "--seed",
            "x",
        ],
        d,
    );
    let said = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 2, "{said}");
    assert!(said.contains("feedback.reasons: 1 is not a reason") && said.contains("line"), "{said}");
    assert!(!said.contains("internal error"), "{said}");
}
