//! GET /api/stats (audit/LOG-FORMAT.md, "Statistics"): the same JSON as
//! `fairdraw stats`, a 400 for a year that is not one, and no per-region
//! registry counts from a protected log.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use axum::http::StatusCode;
use fairdraw::server::AppState;
use serde_json::Value;

/// The year of the log's first DrawCommitment.
fn draw_year(log: &std::path::Path) -> u64 {
    log_entries(log).iter().find(|e| e["kind"] == "DrawCommitment").unwrap()["body"]["year"].as_u64().unwrap()
}

fn cli_stats(log: &std::path::Path, year: u64, today: &str) -> Value {
    let now = format!("{today}T04:00:00Z");
    let run = fairdraw(&["stats", "--log", s(log), "--year", &year.to_string(), "--now", &now], log.parent().unwrap());
    serde_json::from_str(&run.expect(0).stdout).unwrap()
}

#[tokio::test]
async fn the_api_answers_what_the_command_line_prints() {
    let s = server("2026-12-01");
    let year = draw_year(&s.log);
    let answer = call(&s, "GET", &format!("/api/stats?year={year}"), None, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = answer.json();
    assert!(answer["totals"]["drawn"].as_u64().unwrap() > 0, "{answer}");
    assert!(answer["fairness"]["region"]["cells"].is_array(), "a full log shows the region test: {answer}");
    assert_eq!(answer, cli_stats(&s.log, year, "2026-12-01"));
    // Asked again: the kept answer, the same bytes.
    let again = call(&s, "GET", &format!("/api/stats?year={year}"), None, None).await;
    assert_eq!(again.json(), answer);
    // Another year has no draws: zeros and null rates, never an error.
    let empty = call(&s, "GET", "/api/stats?year=1999", None, None).await.json();
    assert_eq!(empty["totals"]["drawn"], 0);
    assert!(empty["totals"]["published_rate"].is_null());
    for bad in ["abc", "0", "10000", "-1", "2026.0"] {
        let r = call(&s, "GET", &format!("/api/stats?year={bad}"), None, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "year={bad}");
        assert!(r.error().contains("is not a year"), "{}", r.error());
    }
}

#[tokio::test]
async fn a_protected_log_shows_no_region_counts_of_its_registry() {
    let dir = tempdir();
    fairdraw(&["demo", "--out-dir", s(dir.path()), "--publish", "protected"], dir.path()).expect(0);
    let log = dir.path().join("demo-log");
    let s = Server { _dir: dir, log: log.clone(), state: AppState::new(config(&log, "2026-12-01")) };
    let year = draw_year(&log);
    let answer = call(&s, "GET", &format!("/api/stats?year={year}"), None, None).await.json();
    let region = &answer["fairness"]["region"];
    assert!(region["unavailable"].as_str().unwrap().contains("protected"), "{region}");
    assert!(region.get("cells").is_none(), "{region}");
    // The bureau's own report reads the private snapshots.
    let report = cli_stats(&log, year, "2026-12-01");
    assert!(report["fairness"]["region"]["cells"].is_array(), "{}", report["fairness"]["region"]);
    assert_eq!(report["totals"], answer["totals"]);
}
