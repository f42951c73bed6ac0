//! A regulator's year (issue 11, "Done when", first bullet): `fairdraw demo
//! year` runs the sample year of data/year/, and each claim is checked
//! against the log it wrote — not against what the demo printed: the annual
//! plan public before the first batch, the overlapping batches merged into
//! joint visits, the ledger's caps excluding the firms that reached them,
//! the desk batch's targets with one responsible inspector and no team, the
//! dormant hotel out of the pool until its WakeUp entry and in it after; and
//! the three verifiers accepting the log, each replaying every batch.

mod common;
use common::*;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const MARKET: &str = "市场监督管理局";
const HEALTH: &str = "卫生健康委员会";
const SAFETY: &str = "应急管理局";

/// The log of one run of the year demo, read back.
struct Year {
    _dir: tempfile::TempDir,
    log: PathBuf,
    stdout: String,
    entries: Vec<Value>,
    ids: Vec<String>,
}

impl Year {
    fn run() -> Year {
        let dir = tempdir();
        let out = dir.path().join("out");
        // Run from an empty directory: the demo finds data/ in the source tree.
        let run = fairdraw(&["demo", "year", "--out-dir", s(&out)], dir.path()).expect(0);
        let log = out.join("year-log");
        Year { entries: log_entries(&log), ids: log_ids(&log), log, stdout: run.stdout, _dir: dir }
    }

    fn index_of(&self, id: &str) -> usize {
        self.ids.iter().position(|i| i == id).unwrap_or_else(|| panic!("no entry {id}"))
    }

    fn of_kind(&self, kind: &str) -> Vec<(usize, &Value)> {
        self.entries.iter().enumerate().filter(|(_, e)| e["kind"] == kind).collect()
    }

    /// Each batch's (commitment index, result index), in log order.
    fn batches(&self) -> Vec<(usize, usize)> {
        self.of_kind("DrawResult")
            .into_iter()
            .map(|(r, e)| (self.index_of(e["body"]["commitment"].as_str().unwrap()), r))
            .collect()
    }

    fn plan(&self, commitment: usize) -> &Value {
        &self.entries[commitment]["body"]["plan"]
    }

    fn targets(&self, result: usize) -> Vec<&Value> {
        let body = &self.entries[result]["body"];
        assert_eq!(body["outcome"], "drawn", "{body}");
        body["draw"]["assignments"].as_array().unwrap().iter().collect()
    }

    fn target_usccs(&self, result: usize) -> BTreeSet<String> {
        self.targets(result).iter().map(|a| a["uscc"].as_str().unwrap().to_string()).collect()
    }

    /// The batch whose plan has `department` and annual batch name starting with `prefix`.
    fn batch(&self, prefix: &str) -> (usize, usize) {
        let found: Vec<(usize, usize)> = self
            .batches()
            .into_iter()
            .filter(|&(c, _)| self.plan(c)["annual"]["batch"].as_str().unwrap().starts_with(prefix))
            .collect();
        assert_eq!(found.len(), 1, "one batch {prefix}");
        found[0]
    }
}

/// The year's registry, rows as header → value maps.
fn registry() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(data("year/enterprises.csv")).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(String::from)).collect()).collect()
}

/// Active firms of region 330111 whose industry starts with one of `prefixes`.
fn active_in(prefixes: &[&str]) -> Vec<BTreeMap<String, String>> {
    registry()
        .into_iter()
        .filter(|r| r["区域代码"] == "330111" && r["登记状态"] == "存续")
        .filter(|r| prefixes.iter().any(|p| r["行业代码"].starts_with(p)))
        .collect()
}

/// The `visits: …` line of a verifier's report.
fn visits_line(out: &str) -> String {
    out.lines().find(|l| l.starts_with("visits: ")).unwrap_or_else(|| panic!("no visits line in:\n{out}")).to_string()
}

#[test]
fn the_year_runs_and_its_log_shows_every_claim() {
    let y = Year::run();

    // Three departments, four batches, the annual plan public before the first.
    let annual = y.of_kind("AnnualPlan");
    assert_eq!(annual.len(), 1);
    let (annual_index, annual_entry) = annual[0];
    let annual_id = &y.ids[annual_index];
    let body = &annual_entry["body"]["annual"];
    assert_eq!(body["departments"], serde_json::json!([MARKET, HEALTH, SAFETY]));
    assert_eq!(body["batches"].as_array().unwrap().len(), 4);
    let batches = y.batches();
    assert_eq!(batches.len(), 4, "four batches drawn");
    let mut names = BTreeSet::new();
    for &(c, _) in &batches {
        assert!(annual_index < c, "the annual plan (entry {annual_index}) precedes commitment {c}");
        assert_eq!(y.plan(c)["annual"]["plan"], annual_id.as_str());
        names.insert(y.plan(c)["annual"]["batch"].as_str().unwrap().to_string());
    }
    assert_eq!(names.len(), 4, "each batch of the annual plan once: {names:?}");
    let departments: BTreeSet<&str> = batches.iter().map(|&(c, _)| y.plan(c)["department"].as_str().unwrap()).collect();
    assert_eq!(departments.len(), 3, "{departments:?}");

    joint_visits(&y);
    caps(&y);
    dormant_hotel(&y);
    off_site(&y);

    // The service address of the dormant hotel is never published.
    for (path, bytes) in public_files(&y.log) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("送达路18号"),
            "{} holds the service address",
            path.display()
        );
    }
    assert!(y.stdout.contains(&format!("python3 audit/verify.py log {}", y.log.display())), "{}", y.stdout);
    assert!(y.stdout.contains(&format!("node web/verify.js log {}", y.log.display())), "{}", y.stdout);
}

/// Batches 1 (market) and 2 (health) overlap in time: every hotel drawn by
/// both is one joint visit, as `plan visits` and `audit verify` count them.
fn joint_visits(y: &Year) {
    let (_, market) = y.batch("第一批");
    let (_, health) = y.batch("第二批");
    let both: BTreeSet<String> = y.target_usccs(market).intersection(&y.target_usccs(health)).cloned().collect();
    assert!(!both.is_empty(), "some firm is drawn by both overlapping batches");
    // No other pair of batches overlaps in time (the annual plan's windows),
    // so each of these is the one merge.
    let expected = expected_visits(y);

    let listed = fairdraw(&["plan", "visits", "--log", s(&y.log)], &y.log).expect(0);
    for uscc in &both {
        let line = listed
            .stdout
            .lines()
            .find(|l| l.starts_with(uscc.as_str()) && l.contains(" joint "))
            .unwrap_or_else(|| panic!("{uscc} is not listed as a joint visit:\n{}", listed.stdout));
        assert!(line.contains(&format!("{MARKET}+{HEALTH}")), "{line}");
        assert!(line.contains("2027-04-01 … 2027-04-30"), "the windows' intersection: {line}");
    }
    assert_eq!(listed.stdout.lines().last().unwrap(), expected, "{}", listed.stdout);

    let rust = fairdraw(&["audit", "verify", "--log", s(&y.log)], &y.log).expect(0);
    assert_eq!(visits_line(&rust.stdout), expected);
    let replay = fairdraw(&["audit", "replay", "--log", s(&y.log)], &y.log).expect(0);
    for (_, result) in y.batches() {
        assert!(replay.stdout.contains(&format!("OK   {}", y.ids[result])), "{}", replay.stdout);
    }
}

/// The joint-visit line every verifier prints for the year's log, computed
/// from the log: `visits` = checks − merges of batches 1 and 2.
fn expected_visits(y: &Year) -> String {
    let (_, market) = y.batch("第一批");
    let (_, health) = y.batch("第二批");
    let j = y.target_usccs(market).intersection(&y.target_usccs(health)).count();
    let checks: usize = y.batches().iter().map(|&(_, r)| y.targets(r).len()).sum();
    let v = checks - j;
    let tenths = (2000 * j + v) / (2 * v);
    format!("visits: {v}, joint: {j} ({}.{}%)", tenths / 10, tenths % 10)
}

/// The two verifiers written from the spec accept the year's log:
/// each replays every batch, and both count the same visits.
#[test]
fn python_and_javascript_verifiers_accept_the_year() {
    let y = Year::run();
    let expected = expected_visits(&y);
    let py = verify_py(&["log", s(&y.log)], &y.log);
    assert_eq!(py.code, 0, "verify.py log:\n{}\n{}", py.stdout, py.stderr);
    assert_eq!(visits_line(&py.stdout), expected);
    for (_, result) in y.batches() {
        let ok = format!("OK {}", y.ids[result]);
        assert!(py.stdout.contains(&ok), "verify.py did not reproduce {}:\n{}", y.ids[result], py.stdout);
    }
    assert!(py.stdout.contains("4 draw(s) replayed"), "{}", py.stdout);
    let js = verify_js(&["log", s(&y.log)], &y.log);
    assert_eq!(js.code, 0, "verify.js log:\n{}\n{}", js.stdout, js.stderr);
    assert_eq!(visits_line(&js.stdout), expected);
    for (_, result) in y.batches() {
        let ok = format!("OK {} ", y.ids[result]);
        assert!(js.stdout.contains(&ok), "verify.js did not reproduce {}:\n{}", y.ids[result], js.stdout);
    }
    assert!(js.stdout.contains("4 draw(s) replayed"), "{}", js.stdout);
}

/// Batch 3's caps: each firm the ledger puts at or over a cap is excluded,
/// with that cap named, and none of them is drawn; the ledger is counted
/// here from the entries before the commitment. `visits_per_firm_per_year`
/// counts visits: in the sample only batches 1 and 2 overlap (different
/// departments, overlapping windows), so a firm drawn by both is one visit;
/// each other draw and each external check is one visit.
fn caps(y: &Year) {
    let (commitment, result) = y.batch("第三批");
    let caps = &y.plan(commitment)["caps"];
    assert_eq!(caps["visits_per_firm_per_year"], 2, "{caps}");
    assert_eq!(caps["on_site_per_department_per_year"], 1, "{caps}");
    // The ledger before batch 3: the targets of earlier draws and the imported checks.
    let mut visits: BTreeMap<String, u64> = BTreeMap::new();
    let mut on_site_safety: BTreeMap<String, u64> = BTreeMap::new();
    for (r, _) in y.of_kind("DrawResult").into_iter().filter(|&(r, _)| r < commitment) {
        let plan = y.plan(y.index_of(y.entries[r]["body"]["commitment"].as_str().unwrap()));
        for a in y.targets(r) {
            let uscc = a["uscc"].as_str().unwrap().to_string();
            *visits.entry(uscc.clone()).or_default() += 1;
            if plan["department"] == SAFETY && plan.get("method").is_none() {
                *on_site_safety.entry(uscc).or_default() += 1;
            }
        }
    }
    let joint: BTreeSet<String> =
        y.target_usccs(y.batch("第一批").1).intersection(&y.target_usccs(y.batch("第二批").1)).cloned().collect();
    assert!(!joint.is_empty(), "batches 1 and 2 share a firm: one joint visit");
    for u in &joint {
        *visits.get_mut(u).unwrap() -= 1;
    }
    let imported = y.of_kind("ExternalChecks");
    assert!(!imported.is_empty() && imported.iter().all(|&(i, _)| i < commitment), "checks imported before batch 3");
    for (_, e) in imported {
        for c in e["body"]["checks"].as_array().unwrap() {
            let uscc = c["uscc"].as_str().unwrap().to_string();
            *visits.entry(uscc.clone()).or_default() += 1;
            if c["department"] == SAFETY && c["method"] == "on_site" {
                *on_site_safety.entry(uscc).or_default() += 1;
            }
        }
    }
    let excluded: BTreeMap<String, String> = y.entries[commitment]["body"]["log_exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["uscc"].as_str().unwrap().to_string(), x["reason"].as_str().unwrap().to_string()))
        .collect();
    let reached_visits: Vec<&String> = visits.iter().filter(|&(_, &n)| n >= 2).map(|(u, _)| u).collect();
    let reached_on_site: Vec<&String> =
        on_site_safety.iter().filter(|(u, &n)| n >= 1 && visits[*u] < 2).map(|(u, _)| u).collect();
    assert!(!reached_visits.is_empty(), "some firm was visited twice before batch 3: {visits:?}");
    assert!(
        reached_visits.iter().any(|u| joint.contains(*u)),
        "the joint visit counts once, so only its firm's other check takes it to the cap: {visits:?}"
    );
    assert!(!reached_on_site.is_empty(), "some firm was visited by {SAFETY} before batch 3: {on_site_safety:?}");
    for u in &reached_visits {
        assert_eq!(
            excluded.get(*u).map(String::as_str),
            Some("visited 2 times in 2027 (cap visits_per_firm_per_year 2)")
        );
    }
    for u in &reached_on_site {
        let want = format!("visited on site 1 times by {SAFETY} in 2027 (cap on_site_per_department_per_year 1)");
        assert_eq!(excluded.get(*u), Some(&want), "{u}");
    }
    assert_eq!(excluded.len(), reached_visits.len() + reached_on_site.len(), "only the capped firms: {excluded:?}");
    let exclude = y.plan(commitment)["exclude"].as_array().unwrap();
    let drawn = y.target_usccs(result);
    for u in excluded.keys() {
        assert!(exclude.iter().any(|x| x == u.as_str()), "{u} joins the effective plan's exclude");
        assert!(!drawn.contains(u), "{u} reached a cap but was drawn");
    }
    // A capped firm was otherwise in batch 3's scope (the cap, not the scope, kept it out).
    let scope: BTreeSet<String> =
        active_in(&["F5265", "H61"]).into_iter().map(|r| r["统一社会信用代码"].clone()).collect();
    assert!(reached_visits.iter().chain(&reached_on_site).all(|u| scope.contains(*u)));
}

/// The dormant hotel: out of batch 2's pool (which takes every active
/// hotel), woken by a WakeUp entry after batch 2, in batch 3's pool.
fn dormant_hotel(y: &Year) {
    let wakes = y.of_kind("WakeUp");
    assert_eq!(wakes.len(), 1);
    let (wake_index, wake) = wakes[0];
    let uscc = wake["body"]["uscc"].as_str().unwrap();
    let row =
        registry().into_iter().find(|r| r["统一社会信用代码"] == uscc).expect("the woken firm is in the registry");
    assert_eq!(row["登记状态"], "歇业");
    assert!(
        row["行业代码"].starts_with("H61") && row["区域代码"] == "330111",
        "in both batches' regions and industries"
    );
    let (health_c, health_r) = y.batch("第二批");
    let (safety_c, safety_r) = y.batch("第三批");
    // Its term runs past both batches: only the wake-up can let it in.
    for c in [health_c, safety_c] {
        let date = y.plan(c)["inspection_date"].as_str().unwrap();
        assert!(row["歇业期限"].as_str() >= date && row["歇业日期"].as_str() < date, "dormant on {date}: {row:?}");
        assert!(y.plan(c)["scope"].get("wake").is_some(), "batch plan wakes firms");
    }
    assert!(health_r < wake_index && wake_index < safety_c, "the wake-up lies between batches 2 and 3");

    // Batch 2 woke no one and drew every active hotel, but not the dormant one.
    assert!(y.entries[health_c]["body"].get("log_wakes").is_none());
    assert_eq!(y.plan(health_c)["scope"]["wake"]["woken"], serde_json::json!([]));
    let hotels: BTreeSet<String> = active_in(&["H61"]).into_iter().map(|r| r["统一社会信用代码"].clone()).collect();
    assert_eq!(y.target_usccs(health_r), hotels, "batch 2 draws every active hotel");
    assert!(!hotels.contains(uscc));

    // Batch 3 records the wake-up and has the hotel in its pool: its class's
    // population is the active firms in scope plus the woken one.
    let recorded = &y.entries[safety_c]["body"]["log_wakes"];
    assert_eq!(recorded[0]["uscc"], uscc, "{recorded}");
    assert_eq!(recorded[0]["entry"], y.ids[wake_index].as_str());
    assert_eq!(y.plan(safety_c)["scope"]["wake"]["woken"][0][0], uscc);
    let class = row["信用风险分类"].clone();
    let active = active_in(&["F5265", "H61"]).into_iter().filter(|r| r["信用风险分类"] == class).count() as u64;
    let strata = y.entries[safety_r]["body"]["draw"]["strata"].as_array().unwrap();
    let stratum = strata.iter().find(|s| s["class"] == class.as_str()).unwrap();
    assert_eq!(stratum["population"], active + 1, "{stratum}");
    let excluded = y.entries[safety_c]["body"]["log_exclusions"].as_array().unwrap();
    assert!(excluded.iter().all(|x| x["uscc"] != uscc), "the woken hotel has no checks to be capped");
}

/// Batch 4 is a desk review: one responsible inspector per target, no
/// team, no expert; the on-site batches send teams of two.
fn off_site(y: &Year) {
    let (desk_c, desk_r) = y.batch("第四批");
    let plan = y.plan(desk_c);
    assert_eq!(plan["method"], "desk", "{plan}");
    assert_eq!(plan["team"]["reviewers"], 1, "{plan}");
    let targets = y.targets(desk_r);
    assert!(!targets.is_empty());
    for a in targets {
        assert_eq!(a["inspectors"].as_array().unwrap().len(), 1, "{a}");
        assert_eq!(a["experts"], serde_json::json!([]), "{a}");
    }
    for prefix in ["第一批", "第二批", "第三批"] {
        let (c, r) = y.batch(prefix);
        assert!(y.plan(c).get("method").is_none(), "an on-site batch carries no method");
        assert!(y.targets(r).iter().all(|a| a["inspectors"].as_array().unwrap().len() == 2));
    }
}

/// A protected log's salted snapshots would change the year's draws from
/// run to run: the year demo refuses one and writes nothing.
#[test]
fn the_year_demo_refuses_a_protected_log() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let run = fairdraw(&["demo", "year", "--out-dir", s(&out), "--publish", "protected"], dir.path()).expect(2);
    assert!(run.stderr.contains("--publish protected is for `demo draw`"), "{}", run.stderr);
    assert!(!out.join("year-log").exists(), "nothing was written");
}

/// The page's in-browser re-run (web/logged.js, run in node against `fairdraw
/// serve`) verifies every batch of the year: batch references, caps, wake-ups
/// and the off-site method all reach the recomputed plan.
#[test]
fn the_page_re_runs_every_batch_of_the_year() {
    let y = Year::run();
    let out = std::process::Command::new("node")
        .args(["--test", "--test-name-pattern", "every logged draw verifies", "tests/browser/logged.test.mjs"])
        .current_dir(root())
        .env("FAIRDRAW", env!("CARGO_BIN_EXE_fairdraw"))
        .env("FAIRDRAW_TEST_LOG", &y.log)
        .output()
        .expect("node must be installed");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the page's re-run:\n{text}");
    let count = |what: &str| text.lines().find_map(|l| l.strip_prefix(what)).map(str::trim).map(String::from);
    assert_eq!((count("# pass "), count("# fail ")), (Some("1".into()), Some("0".into())), "{text}");
}
