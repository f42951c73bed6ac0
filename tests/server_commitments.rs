//! GET /api/commitments: a commitment never revealed after its drand round
//! was published, and commitments competing for one round, are listed.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use axum::http::StatusCode;
use fairdraw::server::AppState;

/// Commits plan-single.toml to quicknet round 12040883 (2024-10-14T17:13:33Z)
/// before the round; returns the commitment id.
fn commit(dir: &std::path::Path, log: &std::path::Path) -> String {
    let out = fairdraw(
        &[
            "commit",
            "--log",
            s(log),
            "--now",
            "2024-10-14T17:00:00Z",
            "--beacon",
            "drand:quicknet:12040883",
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--conflicts",
            s(&data("conflicts.csv")),
            "--plan",
            s(&data("plan-single.toml")),
        ],
        dir,
    )
    .expect(0);
    out.stdout.lines().last().unwrap().trim().to_string()
}

#[tokio::test]
async fn abandoned_and_competing_commitments_are_listed() {
    let dir = tempdir();
    let d = dir.path();
    let log = d.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2024-10-01T00:00:00Z"], d).expect(0);
    let (kept, dropped) = (commit(d, &log), commit(d, &log));
    let round = data("drand/round-12040883.json");
    fairdraw(&["reveal", &kept, "--log", s(&log), "--now", "2024-10-14T17:14:00Z", "--drand-json", s(&round)], d)
        .expect(0);
    let srv = AppState::new(config(&log, "2024-11-01"));
    let srv = Server { _dir: dir, log, state: srv };

    // The server's clock is the real one, long after the round.
    let ids = |state: &str| {
        let srv = &srv;
        let uri = format!("/api/commitments{state}");
        async move {
            let r = call(srv, "GET", &uri, None, None).await;
            assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
            let v = r.json();
            v["commitments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("").await, [kept.clone(), dropped.clone()]);
    assert_eq!(ids("?state=abandoned").await, [dropped.as_str()]);
    assert_eq!(ids("?state=unrevealed").await, [dropped.as_str()]);
    assert_eq!(ids("?state=competing").await, [kept.clone(), dropped.clone()]);
    let all = call(&srv, "GET", "/api/commitments", None, None).await.json();
    assert_eq!(all["commitments"][0]["competing_with"], serde_json::json!([dropped]));
    assert!(all["commitments"][0]["beacon_record"].is_string() && all["commitments"][1]["beacon_record"].is_null());
    let bad = call(&srv, "GET", "/api/commitments?state=lost", None, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.error().contains("abandoned"), "{}", bad.text());
}
