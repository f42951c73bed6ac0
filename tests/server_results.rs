//! Results waiting for review (待审核) are never public: they live in the
//! log directory's private/results/ until the reviewer publishes them, a
//! stop between logging and removing the file publishes nothing twice, and
//! 待审核 entries of older logs are hidden from the public answers; the
//! leak walk finds a pending result nowhere public, and finds it once it is
//! published.

mod common;
#[path = "common/http.rs"]
mod http;
#[path = "common/leak.rs"]
mod leak;
use common::*;
use http::*;

use axum::http::StatusCode;
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

fn result_body(draw: &str, uscc: &str, findings: &str) -> Value {
    json!({"draw": draw, "uscc": uscc, "category": "发现问题待后续处理", "inspection_date": "2024-10-21", "findings": findings})
}

const REVIEW: &str = "/api/results?state=%E5%BE%85%E5%AE%A1%E6%A0%B8"; // state=待审核

fn pending_ids(list: &Value) -> Vec<String> {
    list["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_stop_between_logging_and_removing_the_file_publishes_nothing_twice() {
    let s = server("2024-11-20");
    let (draw, targets) = draw_and_targets(&s).await;
    let r = call(&s, "POST", "/api/results", Some(TOKEN), Some(result_body(&draw, &targets[0], "台账缺失"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let pid = r.json()["id"].as_str().unwrap().to_string();
    let file = s.log.join("private/results").join(format!("{pid}.json"));
    let stored = std::fs::read(&file).unwrap();
    assert_eq!(pending_ids(&call(&s, "GET", REVIEW, Some(TOKEN), None).await.json()), std::slice::from_ref(&pid));

    let publish = json!({"reason": "审核通过", "state": "已公示"});
    let p = call(&s, "POST", &format!("/api/results/{pid}/amend"), Some(TOKEN), Some(publish.clone())).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let rid = p.json()["id"].as_str().unwrap().to_string();
    // The server stopped after the append, before the removal.
    std::fs::write(&file, &stored).unwrap();

    assert_eq!(pending_ids(&call(&s, "GET", REVIEW, Some(TOKEN), None).await.json()), Vec::<String>::new());
    let again = call(&s, "POST", &format!("/api/results/{pid}/amend"), Some(TOKEN), Some(publish)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert!(again.text().contains(&rid), "names the entry that published it: {}", again.text());
    std::fs::write(&file, &stored).unwrap();
    // Any later write removes such a leftover.
    let r = call(&s, "POST", "/api/results", Some(TOKEN), Some(result_body(&draw, &targets[1], "正常"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(!file.exists(), "the leftover of a published result is removed");

    let logged: Vec<_> = {
        let log = Log::open_dir(&s.log, false).unwrap();
        log.valid_entries().filter(|(_, e)| e.kind == Kind::InspectionResult).map(|(_, e)| e.body.clone()).collect()
    };
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["result"]["pending"], pid.as_str());
    assert_eq!(logged[0]["result"]["state"], "已公示");
    let list = call(&s, "GET", &format!("/api/results?draw={draw}"), None, None).await.json();
    assert_eq!(list["results"].as_array().unwrap().len(), 1);
    assert_log_verifies(&s.log);
}

#[tokio::test]
async fn results_of_older_logs_waiting_for_review_are_not_shown_until_published() {
    let s = server("2024-11-20");
    let (draw, targets) = draw_and_targets(&s).await;
    let ids = {
        let mut log = Log::open_dir(&s.log, true).unwrap();
        let body = json!({"draw": draw, "uscc": targets[0], "result": {"name": "x", "category": "未发现问题",
            "inspection_date": "2024-10-21", "findings": "旧日志中待审核的结果", "state": "待审核"}});
        log.append(vec![(Kind::InspectionResult, body)], "2024-10-25T02:00:00Z", true).unwrap()
    };
    let uri = format!("/api/results?draw={draw}");
    let list = call(&s, "GET", &uri, None, None).await.json();
    assert_eq!(list["results"], json!([]));
    assert!(list["pending"].as_array().unwrap().iter().any(|p| p["uscc"] == targets[0].as_str()));
    let one = call(&s, "GET", &format!("/api/results/{}", ids[0]), None, None).await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
    assert!(!one.text().contains(&ids[0]), "a 404 names no id: {}", one.text());
    // Recording another result for that target is refused: the log has one.
    let r = call(&s, "POST", "/api/results", Some(TOKEN), Some(result_body(&draw, &targets[0], "又一条"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    let publish = json!({"reason": "审核通过", "state": "已公示"});
    let p = call(&s, "POST", &format!("/api/results/{}/amend", ids[0]), Some(TOKEN), Some(publish)).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let list = call(&s, "GET", &uri, None, None).await.json();
    assert_eq!(list["results"][0]["id"], ids[0].as_str());
    assert_eq!(list["results"][0]["findings"], "旧日志中待审核的结果");
    assert!(list["results"][0]["published_on"].is_string());
}

#[tokio::test]
async fn a_pending_result_is_nowhere_public_until_published() {
    let s = server("2024-11-20");
    let (draw, targets) = draw_and_targets(&s).await;
    let findings = "检查发现：消防通道堵塞（待审核，未公开）";
    let r = call(&s, "POST", "/api/results", Some(TOKEN), Some(result_body(&draw, &targets[0], findings))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let pid = r.json()["id"].as_str().unwrap().to_string();
    let reviewed = "复核补充：已现场确认";
    let change = json!({"reason": reviewed, "findings": format!("{findings}；{reviewed}")});
    let r = call(&s, "POST", &format!("/api/results/{pid}/amend"), Some(TOKEN), Some(change)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let secrets = vec![findings.to_string(), reviewed.to_string(), pid.clone()];
    leak::assert_no_leak(&s, &secrets).await;

    let publish = json!({"reason": "审核通过", "state": "已公示"});
    let r = call(&s, "POST", &format!("/api/results/{pid}/amend"), Some(TOKEN), Some(publish)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rid = r.json()["id"].as_str().unwrap().to_string();
    let hits = leak::find(&leak::walk(&s).await, &secrets[..1]);
    let sources: std::collections::BTreeSet<&str> = hits.iter().map(|h| h.source.as_str()).collect();
    for place in ["file entries.jsonl", &format!("GET /api/results/{rid}"), &format!("GET /api/results?draw={draw}")] {
        assert!(sources.contains(place), "the published findings are in {place}: {sources:?}");
    }
}
