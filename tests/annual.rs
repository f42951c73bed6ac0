//! Annual plans and joint visits (audit/LOG-FORMAT.md "Annual plans and
//! batches", "Joint visits"): `plan check` and its cost, `plan commit`
//! before the batches, a batch that contradicts its annual plan refused by
//! the CLI and the server, overlapping and disjoint windows, and the three
//! verifiers agreeing on the visits.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use axum::http::StatusCode;
use fairdraw::server::AppState;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const MARKET: &str = "第一批：住宿场所食品经营";
const HEALTH: &str = "第一批：住宿场所公共卫生";
const AUTUMN: &str = "第二批：住宿场所公共卫生";
const DIGITS: &str = "31415926535897932384626433";

fn log_dir(dir: &Path) -> PathBuf {
    dir.join("log")
}

fn last_line(out: &str) -> String {
    out.lines().last().unwrap_or("").trim().to_string()
}

fn entry_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(log_dir(dir).join("entries.jsonl")).unwrap().lines().map(String::from).collect()
}

/// A log with the sample annual plan committed; returns its id.
fn annual_log(dir: &Path) -> String {
    let log = log_dir(dir);
    fairdraw(&["init", "--log", s(&log), "--now", "2027-01-02T00:00:00Z"], dir).expect(0);
    let out = fairdraw(
        &[
            "plan",
            "commit",
            s(&data("annual-2027.toml")),
            "--log",
            s(&log),
            "--now",
            "2027-01-05T00:00:00Z",
            "--as",
            "张科长",
        ],
        dir,
    )
    .expect(0);
    last_line(&out.stdout)
}

fn commit_batch(dir: &Path, plan: &Path, annual: &str, batch: &str, now: &str) -> Run {
    let log = log_dir(dir);
    fairdraw(
        &[
            "commit",
            "--log",
            s(&log),
            "--now",
            now,
            "--beacon",
            "ceremony",
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--plan",
            s(plan),
            "--annual",
            &annual[..12],
            "--batch",
            batch,
        ],
        dir,
    )
}

/// Commits and reveals one batch; returns the DrawResult id.
fn draw_batch(dir: &Path, plan: &str, annual: &str, batch: &str, now: &str) -> String {
    let id = last_line(&commit_batch(dir, &data(plan), annual, batch, now).expect(0).stdout);
    let log = log_dir(dir);
    let r = fairdraw(
        &[
            "reveal",
            &id,
            "--log",
            s(&log),
            "--now",
            now,
            "--ceremony",
            DIGITS,
            "--witness",
            "张三",
            "--witness",
            "李四",
        ],
        dir,
    )
    .expect(0);
    last_line(&r.stdout)
}

/// Firms in the sample batches' scope (330106, H61, 存续), read from the CSV
/// here rather than through the library.
fn firms_in_scope() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(data("enterprises.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[3].starts_with("330106") && f[4].starts_with("H61") && f[5] == "存续")
        .map(|f| (f[0].to_string(), f[2].to_string()))
        .collect()
}

/// The `visits: …` line of a verifier's report.
fn visits_line(out: &str) -> String {
    out.lines().find(|l| l.starts_with("visits: ")).unwrap_or_else(|| panic!("no visits line in:\n{out}")).to_string()
}

#[test]
fn plan_check_reports_every_problem_at_once() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::copy(data("items.csv"), d.join("items.csv")).unwrap();
    let bad = write(
        d,
        "annual.toml",
        r#"year = 2027
name = "计划"
departments = ["市场监督管理局", "市场监督管理局"]
items_file = "items.csv"

[[items]]
item = "没有这个事项"
ratios = { A = "150%" }

[[batches]]
name = "一"
department = "税务局"
start = 2027-05-01
end = 2027-04-01
items = ["食品经营许可事项检查"]

[[batches]]
name = "二"
department = "市场监督管理局"
start = 2026-12-01
end = 2027-01-31
items = ["没有这个事项"]
team_size = 1
"#,
    );
    let out = fairdraw(&["plan", "check", s(&bad)], d).expect(2);
    for expected in [
        "key departments: value \"市场监督管理局\": departments must be non-empty and listed once",
        "key items[0].ratios",
        "is more than 100%",
        "没有这个事项\": not in the item list",
        "annual.toml:12: key batches[0].department: value \"税务局\"",
        "key batches[0].end: value \"2027-04-01\": is before start 2027-05-01",
        "key batches[0].items: value \"食品经营许可事项检查\": not one of the plan's [[items]]",
        "key batches[1].start: value \"2026-12-01\": is not in the plan's year 2027",
        "key batches[1].team_size: value \"1\"",
    ] {
        assert!(out.stderr.contains(expected), "missing {expected:?} in:\n{}", out.stderr);
    }
}

#[test]
fn plan_check_prints_what_the_year_costs() {
    let dir = tempdir();
    let out = fairdraw(
        &["plan", "check", s(&data("annual-2027.toml")), "--enterprises", s(&data("enterprises.csv"))],
        dir.path(),
    )
    .expect(0);
    // The sample ratios, A 5% … D 30%, over the firms in scope: ceil(n × r).
    let firms = firms_in_scope();
    let count = |c: &str| firms.iter().filter(|(_, k)| k == c).count() as u64;
    let per_class = [
        count("A").div_ceil(20),
        (count("B") * 10).div_ceil(100),
        count("C").div_ceil(5),
        (count("D") * 3).div_ceil(10),
    ];
    let n: u64 = per_class.iter().sum();
    let line = format!(
        "batch {MARKET} · 市场监督管理局 · 2027-03-01 … 2027-04-30: A {} + B {} + C {} + D {} = {n} target(s), {} inspector-day(s)",
        per_class[0],
        per_class[1],
        per_class[2],
        per_class[3],
        2 * n
    );
    assert!(out.stdout.contains(&line), "missing {line:?} in:\n{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("department 卫生健康委员会: 2 batch(es), {} target(s)", 2 * n)),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("year 2027: {} target(s), {} inspector-day(s)", 3 * n, 6 * n)),
        "{}",
        out.stdout
    );
}

#[test]
fn overlapping_batches_of_two_departments_merge_into_joint_visits_in_every_verifier() {
    let dir = tempdir();
    let d = dir.path();
    let annual = annual_log(d);
    let first = entry_lines(d);
    assert!(first[1].contains("\"kind\":\"AnnualPlan\""), "the annual plan is public before any batch: {}", first[1]);
    assert!(first[1].contains("\"by\":\"张科长\""), "{}", first[1]);
    draw_batch(d, "batch-2027-market.toml", &annual, MARKET, "2027-03-01T01:00:00Z");
    draw_batch(d, "batch-2027-health.toml", &annual, HEALTH, "2027-04-01T01:00:00Z");
    let firms = firms_in_scope().len();
    assert!(firms >= 2, "the sample scope has firms");

    let listed = fairdraw(&["plan", "visits", "--log", s(&log_dir(d))], d).expect(0);
    let expected = format!("visits: {firms}, joint: {firms} (100.0%)");
    assert_eq!(last_line(&listed.stdout), expected, "{}", listed.stdout);
    assert!(listed.stdout.contains("joint lead 市场监督管理局 · 市场监督管理局+卫生健康委员会"), "{}", listed.stdout);
    assert!(listed.stdout.contains("2027-04-01 … 2027-04-30"), "the windows' intersection: {}", listed.stdout);

    let rust = fairdraw(&["audit", "verify", "--log", s(&log_dir(d))], d).expect(0);
    assert_eq!(visits_line(&rust.stdout), expected);
    let py = verify_py(&["log", s(&log_dir(d))], d);
    assert_eq!(py.code, 0, "{}\n{}", py.stdout, py.stderr);
    assert_eq!(visits_line(&py.stdout), expected);
    let js = verify_js(&["log", s(&log_dir(d))], d);
    assert_eq!(js.code, 0, "{}\n{}", js.stdout, js.stderr);
    assert_eq!(visits_line(&js.stdout), expected);
}

#[test]
fn disjoint_windows_stay_separate_visits_in_every_verifier() {
    let dir = tempdir();
    let d = dir.path();
    let annual = annual_log(d);
    draw_batch(d, "batch-2027-market.toml", &annual, MARKET, "2027-03-01T01:00:00Z");
    draw_batch(d, "batch-2027-health-autumn.toml", &annual, AUTUMN, "2027-09-01T01:00:00Z");
    let firms = firms_in_scope().len();
    let expected = format!("visits: {}, joint: 0 (0.0%)", 2 * firms);
    let rust = fairdraw(&["audit", "verify", "--log", s(&log_dir(d))], d).expect(0);
    assert_eq!(visits_line(&rust.stdout), expected);
    assert_eq!(visits_line(&verify_py(&["log", s(&log_dir(d))], d).expect(0).stdout), expected);
    assert_eq!(visits_line(&verify_js(&["log", s(&log_dir(d))], d).expect(0).stdout), expected);
}

#[test]
fn a_batch_that_contradicts_its_annual_plan_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    let annual = annual_log(d);
    std::fs::copy(data("items.csv"), d.join("items.csv")).unwrap();
    let market = std::fs::read_to_string(data("batch-2027-market.toml")).unwrap();
    let before = entry_lines(d).len();
    let refused = |plan: &str, batch: &str, why: &str| {
        let p = write(d, "batch.toml", plan);
        let out = commit_batch(d, &p, &annual, batch, "2027-03-01T01:00:00Z").expect(2);
        assert!(out.stderr.contains(why), "missing {why:?} in:\n{}", out.stderr);
        assert_eq!(entry_lines(d).len(), before, "nothing was written");
    };
    refused(&market.replace("D = \"30%\"", "D = \"20%\""), MARKET, "ratios");
    refused(&market, HEALTH, "department \"市场监督管理局\" is not the batch's \"卫生健康委员会\"");
    refused(&market, "第三批", "has no batch \"第三批\"");
    refused(&market.replace("2027-04-20", "2027-06-01"), MARKET, "outside the batch's window");
    refused(&market.replace("regions = [\"330106\"]", "regions = [\"3301\"]"), MARKET, "scope.regions");
    // The plan as the batch says: accepted.
    commit_batch(d, &data("batch-2027-market.toml"), &annual, MARKET, "2027-03-01T01:00:00Z").expect(0);
}

/// An AnnualPlan edited after its batches were committed (and the log
/// re-signed) breaks the batches' references in all three verifiers.
#[test]
fn an_edited_annual_plan_is_tampering_in_every_verifier() {
    let dir = tempdir();
    let d = dir.path();
    let annual = annual_log(d);
    draw_batch(d, "batch-2027-market.toml", &annual, MARKET, "2027-03-01T01:00:00Z");
    let mut lines = entry_lines(d);
    let mut entry: Value = serde_json::from_str(&lines[1]).unwrap();
    entry["body"]["annual"]["batches"][0]["ratios"]["D"] = json!("0.2");
    let canonical = fairdraw::model::canonical::to_bytes(&entry["body"]["annual"]);
    entry["body"]["digest"] = json!(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&canonical)));
    lines[1] = String::from_utf8(fairdraw::model::canonical::to_bytes(&entry)).unwrap();
    std::fs::write(log_dir(d).join("entries.jsonl"), lines.iter().map(|l| format!("{l}\n")).collect::<String>())
        .unwrap();
    resign_log(&log_dir(d));
    let rust = fairdraw(&["audit", "verify", "--log", s(&log_dir(d)), "--no-replay"], d).expect(1);
    assert!(rust.stdout.contains("plan.annual.plan"), "{}", rust.stdout);
    let py = verify_py(&["log", s(&log_dir(d))], d);
    assert_eq!(py.code, 1, "{}\n{}", py.stdout, py.stderr);
    assert!(py.stdout.contains("plan.annual.plan"), "{}", py.stdout);
    let js = verify_js(&["log", s(&log_dir(d))], d);
    assert_eq!(js.code, 1, "{}\n{}", js.stdout, js.stderr);
    assert!(js.stdout.contains("plan.annual.plan"), "{}", js.stdout);
}

#[tokio::test]
async fn the_server_lists_plans_and_visits_and_refuses_a_contradicting_batch() {
    let dir = tempdir();
    let d = dir.path();
    let annual = annual_log(d);
    let result = draw_batch(d, "batch-2027-market.toml", &annual, MARKET, "2027-03-01T01:00:00Z");
    let log = log_dir(d);
    let server = Server { _dir: tempdir(), log: log.clone(), state: AppState::new(config(&log, "2027-03-02")) };

    let plans = call(&server, "GET", "/api/plans", None, None).await;
    assert_eq!(plans.status, StatusCode::OK);
    let plans = plans.json();
    let plan = &plans["plans"][0];
    assert_eq!(plan["id"], annual.as_str());
    assert_eq!(plan["by"], "张科长");
    assert_eq!(plan["batches"][0]["name"], MARKET);
    assert_eq!(plan["batches"][0]["commitments"][0]["status"], "drawn");
    assert_eq!(plan["batches"][0]["commitments"][0]["draw"], result.as_str());
    assert_eq!(plan["batches"][1]["commitments"], json!([]), "the health batch is not drawn yet");

    let visits = call(&server, "GET", "/api/visits", None, None).await.json();
    let firms = firms_in_scope().len();
    assert_eq!(visits["visits"].as_array().unwrap().len(), firms);
    assert_eq!(visits["joint"], 0);

    let read = |name: &str| std::fs::read_to_string(data(name)).unwrap();
    let before = entry_count(&log);
    let body = |plan: String| {
        json!({"plan": plan, "files": {"items.csv": read("items.csv")}, "enterprises": read("enterprises.csv"),
               "inspectors": read("inspectors.csv"), "beacon": "ceremony", "annual": &annual[..12], "batch": HEALTH})
    };
    let wrong = read("batch-2027-health.toml").replace("C = \"20%\"", "C = \"10%\"");
    let refused = call(&server, "POST", "/api/commitments", Some(TOKEN), Some(body(wrong))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.error().contains("ratios"), "{}", refused.error());
    assert_eq!(entry_count(&log), before, "nothing was written");
    let accepted =
        call(&server, "POST", "/api/commitments", Some(TOKEN), Some(body(read("batch-2027-health.toml")))).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text());
    let plans = call(&server, "GET", "/api/plans", None, None).await.json();
    assert_eq!(plans["plans"][0]["batches"][1]["commitments"][0]["status"], "committed");
}
