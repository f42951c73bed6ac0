//! The burden ledger and its caps (audit/LOG-FORMAT.md, "The burden ledger
//! and caps"): draws' targets and imported external checks count per firm,
//! department, method and year; the plan's caps exclude the firms at a cap
//! at commit, and the three verifiers recompute that list.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const DEPT: &str = "市场监督管理局";
const ITEM: &str = "食品销售者经营活动检查";
const NOW: &str = "2026-03-20T00:00:00Z";

/// A log in `dir/log` with one revealed on-site draw of every firm (12
/// firms, ratio 100 %, no items) by 市场监督管理局 in 2026.
fn drawn_log(dir: &Path) -> PathBuf {
    write(dir, "enterprises.csv", &enterprises_csv(12));
    write(dir, "inspectors.csv", &inspectors_csv(8));
    write(dir, "conflicts.csv", "inspector_id,uscc\n");
    write(dir, "items.csv", &format!("抽查事项,事项类别\n{ITEM},一般\n"));
    let all = plan(dir, "all.toml", "");
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-03-01T00:00:00Z"], dir).expect(0);
    let id = commit(dir, &log, &all, "2026-03-01T01:00:00Z");
    reveal_by_ceremony(dir, &log, &id, "31415926535897932384626", "2026-03-01T02:00:00Z");
    log
}

/// A plan drawing every firm by 市场监督管理局, with `extra` (caps, items).
fn plan(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let text = format!(
        "name = \"{name}\"\ndepartment = \"{DEPT}\"\nitems_file = \"items.csv\"\n{extra}\n\
         [ratios]\nA = \"100%\"\nB = \"100%\"\nC = \"100%\"\nD = \"100%\"\n"
    );
    write(dir, name, &text)
}

/// Commits `plan` on this test's registries by ceremony; returns the commitment's id.
fn commit(dir: &Path, log: &Path, plan: &Path, now: &str) -> String {
    let registries = ["enterprises.csv", "inspectors.csv", "conflicts.csv"].map(|f| dir.join(f));
    commit_by_ceremony(dir, log, &registries, plan, now)
}

/// Imports the checks: firm 1 once more on site by the same department,
/// firm 2 twice off-site (desk) by it, firm 3 once on site by another
/// department for ITEM, and a check of 2025 that must not count.
fn import_external(dir: &Path, log: &Path) {
    let csv = format!(
        "uscc,department,method,date,item,reference\n\
         {u1},{DEPT},实地核查,2026-03-05,,市监〔2026〕1号\n\
         {u2},{DEPT},书面检查,2026/3/6,,\n\
         {u2},{DEPT},desk,2026-03-07,,\n\
         {u3},税务局,on_site,2026-03-08,{ITEM},\n\
         {u4},{DEPT},on_site,2025-12-31,,\n",
        u1 = uscc(1),
        u2 = uscc(2),
        u3 = uscc(3),
        u4 = uscc(4)
    );
    let file = write(dir, "checks.csv", &csv);
    let run = fairdraw(
        &["ledger", "import", s(&file), "--log", s(log), "--as", "王录入", "--now", "2026-03-10T00:00:00Z"],
        dir,
    )
    .expect(0);
    assert!(run.stdout.contains("logged 5 external check(s) from checks.csv"), "{}", run.stdout);
}

/// The last entry of the log (a DrawCommitment here).
fn last_commitment(log: &Path) -> Value {
    log_entries(log).pop().unwrap()
}

fn exclusions(commitment: &Value) -> Vec<(String, String)> {
    commitment["body"]["log_exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["uscc"].as_str().unwrap().to_string(), x["reason"].as_str().unwrap().to_string()))
        .collect()
}

/// Each verifier's exit code and output on the log.
fn verdicts(dir: &Path, log: &Path) -> Vec<(&'static str, i32, String)> {
    let rust = fairdraw(&["audit", "verify", "--log", s(log)], dir);
    let py = verify_py(&["log", s(log), "--now", NOW], dir);
    let js = verify_js(&["log", s(log), "--now", NOW], dir);
    vec![
        ("fairdraw audit verify", rust.code, rust.stdout + &rust.stderr),
        ("verify.py", py.code, py.stdout + &py.stderr),
        ("verify.js", js.code, js.stdout + &js.stderr),
    ]
}

fn assert_all_verify(dir: &Path, log: &Path) {
    for (who, code, out) in verdicts(dir, log) {
        assert_eq!(code, 0, "{who}:\n{out}");
    }
}

#[test]
fn each_cap_excludes_the_firms_that_reached_it_from_the_ledger() {
    let d = tempdir();
    let cases = [
        (
            "on_site.toml",
            "[caps]\non_site_per_department_per_year = 2",
            // firm 1: the draw and its external on-site check; firm 2's desk
            // checks and firm 3's other department do not count.
            vec![(
                uscc(1),
                format!("visited on site 2 times by {DEPT} in 2026 (cap on_site_per_department_per_year 2)"),
            )],
        ),
        (
            "visits.toml",
            "[caps]\nvisits_per_firm_per_year = 3",
            // firm 2: its draw and two external desk checks, one visit each;
            // firm 4's external check of 2025 does not count.
            vec![(uscc(2), "visited 3 times in 2026 (cap visits_per_firm_per_year 3)".to_string())],
        ),
        (
            "item.toml",
            &format!("items = [\"{ITEM}\"]\n[caps]\nsame_item_per_year = 1"),
            vec![(uscc(3), format!("checked 1 times for 「{ITEM}」 in 2026 (cap same_item_per_year 1)"))],
        ),
    ];
    // One log per cap: open ceremonies of overlapping plans would compete.
    for (name, caps, want) in &cases {
        let dir = &d.path().join(name.trim_end_matches(".toml"));
        std::fs::create_dir(dir).unwrap();
        let log = drawn_log(dir);
        import_external(dir, &log);
        let p = plan(dir, name, caps);
        commit(dir, &log, &p, "2026-03-12T05:00:00Z");
        let c = last_commitment(&log);
        assert_eq!(&exclusions(&c), want, "{name}");
        let exclude = c["body"]["plan"]["exclude"].as_array().unwrap();
        assert!(want.iter().all(|(u, _)| exclude.iter().any(|x| x == u.as_str())), "{name}: applied to the plan");
        assert!(c["body"]["plan"]["caps"].is_object(), "{name}: the caps are part of the committed plan");
        assert_all_verify(dir, &log);
    }
    let dir = &d.path().join("on_site");
    let log = dir.join("log");

    // The firm's own view: plain words first, then against the plan's caps.
    let p = dir.join("on_site.toml");
    let shown = fairdraw(&["ledger", &uscc(1), "--log", s(&log), "--year", "2026", "--plan", s(&p)], dir).expect(0);
    assert!(
        shown.stdout.starts_with(&format!("{} was checked 2 time(s) in 2026, in 2 visit(s).", uscc(1))),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("It has reached a cap of on_site.toml"), "{}", shown.stdout);
    let other = fairdraw(&["ledger", &uscc(2), "--log", s(&log), "--year", "2026", "--plan", s(&p)], dir).expect(0);
    assert!(other.stdout.contains("2 by 市场监督管理局 (desk)"), "{}", other.stdout);
    assert!(other.stdout.contains("it may be drawn"), "off-site checks are not on-site visits: {}", other.stdout);
}

#[test]
fn a_plan_without_caps_keeps_todays_plan_and_exclusions() {
    let d = tempdir();
    let dir = d.path();
    let log = drawn_log(dir);
    import_external(dir, &log);
    let p = plan(dir, "plain.toml", "");
    commit(dir, &log, &p, "2026-03-12T00:00:00Z");
    let c = last_commitment(&log);
    assert!(c["body"]["plan"].get("caps").is_none(), "no caps key without caps");
    assert_eq!(exclusions(&c), [], "external checks exclude nobody without a cap");
}

#[test]
fn every_verifier_reports_a_commitment_that_drops_a_capped_firm() {
    let d = tempdir();
    let dir = d.path();
    let log = drawn_log(dir);
    import_external(dir, &log);
    let p = plan(dir, "on_site.toml", "[caps]\non_site_per_department_per_year = 2");
    commit(dir, &log, &p, "2026-03-12T00:00:00Z");
    assert_all_verify(dir, &log);
    // The operator drops firm 1 from log_exclusions and from the plan's
    // exclude, fixes the digest and re-signs with the log's own key.
    drop_firm_from_last_exclusions(&log, &uscc(1));
    for (who, code, out) in verdicts(dir, &log) {
        assert_eq!(code, 1, "{who} must refuse the forged commitment:\n{out}");
        assert!(out.contains("log_exclusions"), "{who} names the list:\n{out}");
    }
}

/// The operator's forgery: `firm` dropped from the last commitment's
/// log_exclusions and its plan's exclude, the digest fixed, the log re-signed
/// with its own key.
fn drop_firm_from_last_exclusions(log: &std::path::Path, firm: &str) {
    let mut entries = log_entries(log);
    let body = &mut entries.last_mut().unwrap()["body"];
    body["log_exclusions"].as_array_mut().unwrap().retain(|x| x["uscc"] != firm);
    body["plan"]["exclude"].as_array_mut().unwrap().retain(|x| x != firm);
    let plan = fairdraw::input::plan::Plan::from_canonical(&body["plan"]).unwrap();
    body["plan_digest"] = plan.digest().into();
    write_log_entries(log, &entries);
    resign_log(log);
}

#[test]
fn a_bad_checks_table_is_refused_whole_with_every_problem() {
    let d = tempdir();
    let dir = d.path();
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-03-01T00:00:00Z"], dir).expect(0);
    let before = log_entries(&log).len();
    let csv = format!(
        "统一社会信用代码,部门,检查方式,检查日期\n{},{DEPT},上门,2026-03-01\n91330106MA0000000X,{DEPT},desk,2026-02-30\n",
        uscc(1)
    );
    let file = write(dir, "bad.csv", &csv);
    let run = fairdraw(&["ledger", "import", s(&file), "--log", s(&log)], dir).expect(2);
    for part in [
        "bad.csv:2: column 检查方式: value \"上门\"",
        "bad.csv:3: column 统一社会信用代码",
        "bad.csv:3: column 检查日期",
    ] {
        assert!(run.stderr.contains(part), "{part}\n{}", run.stderr);
    }
    assert_eq!(log_entries(&log).len(), before, "nothing written");
}

#[test]
fn every_verifier_refuses_a_malformed_external_check() {
    let d = tempdir();
    let dir = d.path();
    let log = drawn_log(dir);
    import_external(dir, &log);
    let mut entries = log_entries(&log);
    let external = entries.iter_mut().find(|e| e["kind"] == "ExternalChecks").unwrap();
    external["body"]["checks"][0]["method"] = "visit".into();
    write_log_entries(&log, &entries);
    resign_log(&log);
    for (who, code, out) in verdicts(dir, &log) {
        assert_eq!(code, 1, "{who}:\n{out}");
        assert!(out.contains("method") || out.contains("ExternalChecks"), "{who}:\n{out}");
    }
}

#[test]
fn every_verifier_refuses_an_external_check_whose_by_is_null() {
    let d = tempdir();
    let dir = d.path();
    let log = drawn_log(dir);
    import_external(dir, &log);
    let mut entries = log_entries(&log);
    let external = entries.iter_mut().find(|e| e["kind"] == "ExternalChecks").unwrap();
    external["body"]["by"] = Value::Null;
    write_log_entries(&log, &entries);
    resign_log(&log);
    for (who, code, out) in verdicts(dir, &log) {
        assert_eq!(code, 1, "{who}: `by` is a name or absent, never null:\n{out}");
        assert!(out.contains("ExternalChecks"), "{who}:\n{out}");
    }
}

#[path = "common/http.rs"]
mod http;

#[tokio::test]
async fn the_enterprise_lookup_shows_the_firms_ledger_of_the_year() {
    let d = tempdir();
    let dir = d.path();
    let log = drawn_log(dir);
    import_external(dir, &log);
    let srv = http::Server {
        log: log.clone(),
        state: fairdraw::server::AppState::new(http::config(&log, "2026-11-30")),
        _dir: tempdir(),
    };
    let answer = http::call(&srv, "GET", &format!("/api/enterprises/{}", uscc(2)), None, None).await.json();
    let ledger = &answer["ledger"];
    assert_eq!(ledger["year"], 2026, "{answer}");
    assert_eq!(ledger["checks"], 3, "the draw and two desk checks: {ledger}");
    assert_eq!(ledger["visits"], 3, "each external check is a visit: {ledger}");
    assert_eq!(
        ledger["by_department"],
        serde_json::json!([{"department": DEPT, "method": "desk", "checks": 2}, {"department": DEPT, "method": "on_site", "checks": 1}])
    );
    let last_year = fairdraw::server::AppState::new(http::config(&log, "2025-06-01"));
    let srv = http::Server { log: log.clone(), state: last_year, _dir: tempdir() };
    let answer = http::call(&srv, "GET", &format!("/api/enterprises/{}", uscc(4)), None, None).await.json();
    assert_eq!(answer["ledger"]["checks"], 1, "only 2025's external check counts in 2025: {answer}");
}

const TAX: &str = "税务局";
const FIRE: &str = "消防救援支队";

/// The registries of the joint-visit tests: 12 firms, and 6 inspectors in
/// each of three departments.
fn joint_registries(dir: &Path) -> [PathBuf; 3] {
    write(dir, "enterprises.csv", &enterprises_csv(12));
    let mut inspectors = String::from("id,name,department,region\n");
    for (k, department) in [DEPT, TAX, FIRE].iter().enumerate() {
        for i in 0..6 {
            inspectors += &format!("P{k}{i:02},检查员{k}{i},{department},{}\n", ["330106", "330108"][i % 2]);
        }
    }
    write(dir, "inspectors.csv", &inspectors);
    write(dir, "conflicts.csv", "inspector_id,uscc\n");
    write(dir, "items.csv", &format!("抽查事项,事项类别\n{ITEM},一般\n"));
    ["enterprises.csv", "inspectors.csv", "conflicts.csv"].map(|f| dir.join(f))
}

/// A plan drawing every firm, by `department` (and `team` lines), with `extra`.
fn joint_plan(dir: &Path, name: &str, department: &str, extra: &str, team: &str) -> PathBuf {
    let text = format!(
        "name = \"{name}\"\ndepartment = \"{department}\"\nitems_file = \"items.csv\"\n{extra}\n\
         [ratios]\nA = \"100%\"\nB = \"100%\"\nC = \"100%\"\nD = \"100%\"\n[team]\n{team}\n"
    );
    write(dir, name, &text)
}

/// Commits and reveals `plan`; returns the commitment's id.
fn draw_all(dir: &Path, log: &Path, registries: &[PathBuf; 3], plan: &Path, day: u32) -> String {
    let id = commit_by_ceremony(dir, log, registries, plan, &format!("2026-03-{day:02}T01:00:00Z"));
    reveal_by_ceremony(dir, log, &id, "31415926535897932384626", &format!("2026-03-{day:02}T02:00:00Z"));
    id
}

/// 进一次门、查多项事: two departments drawing the same firms for the same
/// day make one joint visit, which a `visits_per_firm_per_year` of 2 lets
/// through; the capped plan's own draw (no date: a visit of its own) is the
/// second visit, after which the cap excludes every firm. The firm's ledger
/// shows its visits next to its checks, and a commitment that drops a firm
/// at the cap (re-signed with the log's own key) is refused by every verifier.
#[test]
fn a_joint_visit_counts_once_against_the_visits_cap() {
    let d = tempdir();
    let dir = d.path();
    let registries = joint_registries(dir);
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-03-01T00:00:00Z"], dir).expect(0);
    let day = "inspection_date = \"2026-05-10\"";
    draw_all(dir, &log, &registries, &joint_plan(dir, "market.toml", DEPT, day, ""), 1);
    draw_all(dir, &log, &registries, &joint_plan(dir, "tax.toml", TAX, day, ""), 2);

    let capped = joint_plan(dir, "capped.toml", DEPT, "[caps]\nvisits_per_firm_per_year = 2", "");
    draw_all(dir, &log, &registries, &capped, 3);
    let first = log_entries(&log).into_iter().filter(|e| e["kind"] == "DrawCommitment").nth(2).unwrap();
    assert_eq!(exclusions(&first), [], "one joint visit of two departments is one visit");
    let shown = fairdraw(&["ledger", &uscc(1), "--log", s(&log), "--year", "2026"], dir).expect(0);
    assert!(
        shown.stdout.starts_with(&format!("{} was checked 3 time(s) in 2026, in 2 visit(s).", uscc(1))),
        "{}",
        shown.stdout
    );

    commit_by_ceremony(dir, &log, &registries, &capped, "2026-03-04T01:00:00Z");
    let second = last_commitment(&log);
    let want: Vec<(String, String)> = (0..12)
        .map(|i| (uscc(i), "visited 2 times in 2026 (cap visits_per_firm_per_year 2)".to_string()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    assert_eq!(exclusions(&second), want, "the joint visit and the capped plan's own draw");
    let with_plan = fairdraw(&["ledger", &uscc(1), "--log", s(&log), "--year", "2026", "--plan", s(&capped)], dir);
    assert!(with_plan.expect(0).stdout.contains("visited 2 times in 2026"), "the cap line compares visits");
    assert_all_verify(dir, &log);

    drop_firm_from_last_exclusions(&log, &uscc(1));
    for (who, code, out) in verdicts(dir, &log) {
        assert_eq!(code, 1, "{who} must refuse the commitment without the firm at the visits cap:\n{out}");
        assert!(out.contains("log_exclusions"), "{who} names the list:\n{out}");
    }
}

/// A plan drawn jointly from the start (two `team.departments`) is one visit,
/// and a third department's draw for the same day joins it: still one visit.
#[test]
fn a_jointly_drawn_plan_is_one_visit() {
    let d = tempdir();
    let dir = d.path();
    let registries = joint_registries(dir);
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-03-01T00:00:00Z"], dir).expect(0);
    let day = "inspection_date = \"2026-05-10\"";
    let joint = joint_plan(dir, "joint.toml", DEPT, day, &format!("departments = [\"{DEPT}\", \"{TAX}\"]"));
    draw_all(dir, &log, &registries, &joint, 1);
    draw_all(dir, &log, &registries, &joint_plan(dir, "fire.toml", FIRE, day, ""), 2);
    let capped = joint_plan(dir, "capped.toml", DEPT, "[caps]\nvisits_per_firm_per_year = 2", "");
    commit_by_ceremony(dir, &log, &registries, &capped, "2026-03-03T01:00:00Z");
    assert_eq!(exclusions(&last_commitment(&log)), [], "a joint plan and a joining draw: one visit");
    assert_all_verify(dir, &log);
}

/// web/verify.js's own ledger tests (tests/verify-js/ledger.test.mjs): the
/// visits cap on small logs written there from the spec text.
#[test]
fn the_visits_cap_in_verify_js() {
    node_tests("tests/verify-js/ledger.test.mjs", 5);
}
