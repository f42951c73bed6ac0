//! The server over the log: read-your-writes under concurrent reads,
//! damaged or missing logs (503, nothing written, no paths), one server per
//! log, China dates, and checked pagination.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

fn checkpoint_size(text: &str) -> u64 {
    text.lines().nth(1).and_then(|l| l.parse().ok()).unwrap_or_else(|| panic!("not a checkpoint: {text}"))
}

async fn first_draw(s: &Server) -> (String, Vec<String>) {
    let id = call(s, "GET", "/api/draws", None, None).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    let detail = call(s, "GET", &format!("/api/draws/{id}"), None, None).await.json();
    let targets = detail["draw"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uscc"].as_str().unwrap().to_string())
        .collect();
    (id, targets)
}

fn result_body(draw: &str, uscc: &str, date: &str) -> Value {
    json!({"draw": draw, "uscc": uscc, "category": "未发现问题", "inspection_date": date, "findings": "经营正常"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_write_is_seen_by_the_next_read_under_read_load() {
    let srv = Arc::new(server("2024-11-20"));
    let (draw, targets) = first_draw(&srv).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for k in 0..8 {
        let (srv, stop) = (srv.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let uri = if k % 2 == 0 { "/api/checkpoint" } else { "/api/draws" };
                assert_eq!(call(&srv, "GET", uri, None, None).await.status, StatusCode::OK);
                reads += 1;
            }
            reads
        }));
    }
    let writes = targets.len().min(60);
    let mut violations = Vec::new();
    for uscc in &targets[..writes] {
        // Publishing is the write that logs.
        let r = record_and_publish(&srv, result_body(&draw, uscc, "2024-10-21")).await;
        let id = r["id"].as_str().unwrap().to_string();
        let on_disk = entry_count(&srv.log) as u64;
        let seen = checkpoint_size(&call(&srv, "GET", "/api/checkpoint", None, None).await.text());
        let one = call(&srv, "GET", &format!("/api/results/{id}"), None, None).await.status;
        if seen < on_disk || one != StatusCode::OK {
            violations.push(format!("{id}: checkpoint {seen} of {on_disk} entries, GET result {one}"));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut reads = 0;
    for r in readers {
        reads += r.await.unwrap();
    }
    assert!(violations.is_empty(), "{} of {writes} writes were not visible: {violations:?}", violations.len());
    assert!(reads > writes as u64, "the readers ran alongside ({reads} reads)");
    let list = call(&srv, "GET", &format!("/api/results?draw={draw}"), None, None).await.json();
    assert_eq!(list["results"].as_array().unwrap().len(), writes);
}

#[tokio::test]
async fn a_write_by_another_process_is_seen_by_the_next_read() {
    let srv = server("2024-11-20");
    let before = checkpoint_size(&call(&srv, "GET", "/api/checkpoint", None, None).await.text());
    fairdraw(&["note", "--text", "公告", "--log", s(&srv.log)], &srv.log).expect(0);
    let after = checkpoint_size(&call(&srv, "GET", "/api/checkpoint", None, None).await.text());
    assert_eq!(after, before + 1);
    // And the server's own writer notices it too before it appends.
    let (draw, targets) = first_draw(&srv).await;
    record_and_publish(&srv, result_body(&draw, &targets[0], "2024-10-21")).await;
    fairdraw(&["note", "--text", "又一条", "--log", s(&srv.log)], &srv.log).expect(0);
    record_and_publish(&srv, result_body(&draw, &targets[1], "2024-10-21")).await;
    assert_log_verifies(&srv.log);
    assert_eq!(entry_count(&srv.log) as u64, before + 4);
}

#[tokio::test]
async fn a_damaged_log_refuses_writes_with_503_and_keeps_every_byte() {
    let srv = server("2024-11-20");
    let (draw, targets) = first_draw(&srv).await;
    let entries = std::fs::read(srv.log.join("entries.jsonl")).unwrap();
    std::fs::remove_file(srv.log.join("checkpoints.jsonl")).unwrap();
    let r = call(&srv, "POST", "/api/results", Some(TOKEN), Some(result_body(&draw, &targets[0], "2024-10-21"))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text());
    assert!(!r.text().contains(s(&srv.log)), "no server paths in answers: {}", r.text());
    assert_eq!(std::fs::read(srv.log.join("entries.jsonl")).unwrap(), entries, "entries.jsonl untouched");
    assert!(!srv.log.join("private/results").exists(), "no pending result stored");
    // This server keeps showing what it had verified; a server started on
    // the damaged log shows nothing rather than a shorter log.
    let read = call(&srv, "GET", "/api/draws", None, None).await;
    assert_eq!(read.json()["total"], 1);
    let fresh = Server {
        _dir: tempdir(),
        log: srv.log.clone(),
        state: fairdraw::server::AppState::new(config(&srv.log, "2024-11-20")),
    };
    let read = call(&fresh, "GET", "/api/draws", None, None).await;
    assert_eq!(read.status, StatusCode::SERVICE_UNAVAILABLE, "a damaged log is not shown as a shorter one");
    assert!(read.json()["error"].is_string());
}

#[tokio::test]
async fn a_missing_log_answers_503_without_paths() {
    let srv = server("2024-11-20");
    assert_eq!(call(&srv, "GET", "/api/draws", None, None).await.status, StatusCode::OK);
    std::fs::rename(&srv.log, srv.log.with_extension("moved")).unwrap();
    for uri in ["/api/draws", "/api/checkpoint", "/api/log.pub"] {
        let r = call(&srv, "GET", uri, None, None).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {}", r.text());
        assert!(!r.text().contains("/tmp") && !r.text().contains(s(&srv.log)), "{uri}: {}", r.text());
        assert!(r.json()["error"].is_string());
    }
}

#[tokio::test]
async fn inspection_dates_must_lie_between_the_reveal_and_today() {
    let srv = server("2024-11-20");
    let (draw, targets) = first_draw(&srv).await;
    for (date, why) in [("1990-01-05", "before the draw"), ("2024-11-21", "in the future")] {
        let r = call(&srv, "POST", "/api/results", Some(TOKEN), Some(result_body(&draw, &targets[0], date))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}: {}", r.text());
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(msg.contains(if why == "in the future" { "future" } else { "before the draw" }), "{msg}");
    }
}

#[tokio::test]
async fn publication_dates_are_china_dates() {
    let srv = server("2024-11-20");
    let (draw, targets) = first_draw(&srv).await;
    let mut log = Log::open_dir(&srv.log, true).unwrap();
    let body = json!({"draw": draw, "uscc": targets[0], "result": {"name": "x", "category": "未发现问题",
        "inspection_date": "2024-10-21", "findings": "", "state": "已公示"}});
    // 23:44 UTC on 10-31 is 07:44 in Beijing on 11-01.
    let ids = log.append(vec![(Kind::InspectionResult, body)], "2024-10-31T23:44:00Z", true).unwrap();
    drop(log);
    let r = call(&srv, "GET", &format!("/api/results/{}", ids[0]), None, None).await.json();
    assert_eq!(r["published_on"], "2024-11-01");
}

#[tokio::test]
async fn page_numbers_are_checked_not_wrapped() {
    let srv = server("2024-11-20");
    for q in ["page=288230376151711745&per_page=64", "page=18446744073709551615", "page=-1", "page=x", "per_page=0"] {
        let r = call(&srv, "GET", &format!("/api/draws?{q}"), None, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text());
    }
    let r = call(&srv, "GET", "/api/draws?page=2&per_page=1", None, None).await.json();
    assert_eq!(r["draws"].as_array().unwrap().len(), 0, "the demo log has one draw");
}

#[test]
fn one_server_per_log() {
    let srv = server("2024-11-20");
    let held = fairdraw::server::claim(&srv.log).unwrap();
    assert!(matches!(fairdraw::server::claim(&srv.log), Err(fairdraw::server::ClaimError::Taken(_))));
    let out = fairdraw(&["serve", "--log", s(&srv.log), "--addr", "127.0.0.1:0"], &srv.log).expect(2);
    assert!(out.stderr.contains("already serving"), "{}", out.stderr);
    drop(held);
    fairdraw::server::claim(&srv.log).expect("free again once the first server is gone");
}

#[tokio::test]
async fn lists_show_publications_and_amendments_made_after_they_were_first_read() {
    let srv = server("2024-11-20");
    let (draw, targets) = first_draw(&srv).await;
    let uri = format!("/api/results?draw={draw}");
    let r = call(&srv, "POST", "/api/results", Some(TOKEN), Some(result_body(&draw, &targets[0], "2024-10-21"))).await;
    let pending = r.json()["id"].as_str().unwrap().to_string();
    let before = call(&srv, "GET", &uri, None, None).await.json();
    assert_eq!(before["results"].as_array().unwrap().len(), 0, "a pending result is not listed");
    assert_eq!(before["pending"].as_array().unwrap().len(), targets.len());
    let publish = json!({"reason": "审核通过", "state": "已公示"});
    let p = call(&srv, "POST", &format!("/api/results/{pending}/amend"), Some(TOKEN), Some(publish)).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let rid = p.json()["id"].as_str().unwrap().to_string();
    let published = call(&srv, "GET", &uri, None, None).await.json();
    assert_eq!(published["results"][0]["state"], "已公示", "a list read before the publication is not served again");
    assert_eq!(published["pending"].as_array().unwrap().len(), targets.len() - 1);
    let amend = json!({"reason": "更正类别", "category": "发现问题经责令已改正"});
    let a = call(&srv, "POST", &format!("/api/results/{rid}/amend"), Some(TOKEN), Some(amend)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let after = call(&srv, "GET", &uri, None, None).await.json();
    assert_eq!(after["results"][0]["category"], "发现问题经责令已改正", "nor one read before the amendment");
    assert_eq!(after["results"][0]["amendments"].as_array().unwrap().len(), 1);
}
