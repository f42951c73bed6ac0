//! The firm's side (LOG-FORMAT "Follow-ups", "Objections"): follow-ups of a
//! published v2 result that found a problem, with due dates on the
//! working-day calendar across the 2025 Spring Festival and its make-up
//! days, overdue flags, refusals naming the field; objections filed on a
//! firm's behalf and answered once; and GET /api/enterprises/{uscc} showing
//! the firm all of it. The results are logged with a simulated clock so
//! that their publication dates are fixed.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use axum::http::StatusCode;
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

/// Published on 2025-01-20 (China date); inspected on 2025-01-10.
const PUBLISHED_AT: &str = "2025-01-20T02:00:00Z";

/// A published v2 result (contract "Result v2") with one item of these codes.
fn v2(codes: &[&str]) -> Value {
    json!({"format": 2, "inspection_date": "2025-01-10", "method": "on_site",
        "items": [{"item": "食品经营许可", "department": "市场监管", "codes": codes, "findings": "进货查验记录不全"}],
        "attachments": [], "state": "已公示", "pending": format!("p-{}", "0".repeat(32)),
        "recorded_by": "alice", "reviewed_by": "bob"})
}

/// Logs an InspectionResult as the reviewer's publication would, at PUBLISHED_AT.
fn log_result(s: &Server, draw: &str, uscc: &str, result: Value) -> String {
    let mut log = Log::open_dir(&s.log, true).unwrap();
    let body = json!({"draw": draw, "uscc": uscc, "result": result});
    log.append(vec![(Kind::InspectionResult, body)], PUBLISHED_AT, true).unwrap().remove(0)
}

async fn post(s: &Server, uri: &str, body: Value) -> Reply {
    call(s, "POST", uri, Some(TOKEN), Some(body)).await
}

#[tokio::test]
async fn follow_ups_are_due_on_working_days_flagged_overdue_and_refused_for_results_without_a_problem() {
    let s = server("2025-02-10");
    let (draw, targets) = draw_and_targets(&s).await;
    let problem = log_result(&s, &draw, &targets[0], v2(&["A", "B"]));
    let fine = log_result(&s, &draw, &targets[1], v2(&["1"]));
    let v1 = log_result(
        &s,
        &draw,
        &targets[2],
        json!({"name": "x", "category": "发现问题待后续处理", "inspection_date": "2025-01-10", "findings": "", "state": "已公示"}),
    );
    let before = entry_count(&s.log);
    for (result, why) in [(&fine, "no problem"), (&v1, "a v1 result"), (&draw, "a draw, not a result")] {
        let r = post(&s, "/api/followups", json!({"result": result, "action": "abnormal_list"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {}", r.text());
        assert!(r.error().starts_with("result:"), "{why}: names the field: {}", r.error());
    }
    let refused = [
        (json!({"result": problem, "action": "correction"}), "due:"),
        (
            json!({"result": problem, "action": "correction", "due": "2025-02-01"}),
            "due 2025-02-01 is not a working day",
        ),
        (json!({"result": problem, "action": "correction", "due": "2025-01-10"}), "not after the inspection"),
        (json!({"result": problem, "action": "abnormal_list", "due": "2025-02-10"}), "due:"),
        (json!({"result": problem, "action": "warning"}), "action:"),
    ];
    for (body, says) in refused {
        let r = post(&s, "/api/followups", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text());
        assert!(r.error().contains(says), "{body}: {}", r.error());
    }
    assert_eq!(entry_count(&s.log), before, "nothing written for a refused follow-up");

    // 10 working days after 2025-01-20: the Sunday 01-26 is worked, 01-28..02-04
    // are the Spring Festival, and the Saturday 02-08 is worked (调休) — by
    // weekends alone it would be 02-03.
    let listed = post(&s, "/api/followups", json!({"result": problem, "action": "abnormal_list"})).await;
    assert_eq!(listed.status, StatusCode::CREATED, "{}", listed.text());
    let listed = listed.json();
    assert_eq!(listed["due"], "2025-02-08");
    assert_eq!(listed["uscc"], targets[0].as_str());
    assert_eq!(listed["overdue"], true, "open and today 02-10 is after 02-08");
    let case = post(&s, "/api/followups", json!({"result": problem, "action": "case"})).await.json();
    assert_eq!(case["due"], "2025-02-07", "15 working days after the inspection on 2025-01-10");
    let corr =
        post(&s, "/api/followups", json!({"result": problem, "action": "correction", "due": "2025-01-26"})).await;
    assert_eq!(corr.status, StatusCode::CREATED, "the make-up Sunday 2025-01-26 is a working day: {}", corr.text());
    let later =
        post(&s, "/api/followups", json!({"result": problem, "action": "correction", "due": "2025-02-28"})).await;
    assert_eq!(later.json()["overdue"], false);

    let list = call(&s, "GET", "/api/followups", None, None).await.json();
    assert_eq!(list["overdue"], 3, "{list}");
    let id = listed["id"].as_str().unwrap();
    let closed = post(&s, &format!("/api/followups/{id}/close"), json!({"outcome": "已列入经营异常名录"})).await;
    assert_eq!(closed.status, StatusCode::CREATED, "{}", closed.text());
    assert_eq!(closed.json()["open"], false);
    assert_eq!(closed.json()["overdue"], false, "a closed follow-up is not overdue");
    let again = post(&s, &format!("/api/followups/{id}/close"), json!({"outcome": "再次办结"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    let bad =
        post(&s, &format!("/api/followups/{}/close", case["id"].as_str().unwrap()), json!({"outcome": "a\nb"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.error().starts_with("outcome"), "{}", bad.error());
    let open = call(&s, "GET", "/api/followups?open=true", None, None).await.json();
    assert_eq!(open["follow_ups"].as_array().unwrap().len(), 3);
    assert_eq!(open["overdue"], 2);
    assert_log_verifies(&s.log);
}

#[tokio::test]
async fn objections_are_filed_answered_once_and_the_firm_page_shows_everything() {
    let s = server("2025-02-10");
    let (draw, targets) = draw_and_targets(&s).await;
    let firm = &targets[0];
    let problem = log_result(&s, &draw, firm, v2(&["A", "C"]));
    let other = log_result(&s, &draw, &targets[1], v2(&["1"]));
    let f = post(&s, "/api/followups", json!({"result": problem, "action": "abnormal_list"})).await.json();

    let refused = [
        (json!({"uscc": firm, "text": "第一行\n第二行"}), "text"),
        (json!({"uscc": firm, "text": ""}), "text"),
        (json!({"uscc": firm, "text": "字".repeat(2001)}), "text"),
        (json!({"uscc": "91110000600037341X", "text": "异议"}), "uscc"),
        (json!({"uscc": firm, "result": other, "text": "异议"}), "result"),
        (json!({"uscc": firm, "draw": problem, "text": "异议"}), "draw"),
    ];
    for (body, field) in refused {
        let r = post(&s, "/api/objections", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text());
        assert!(r.error().starts_with(field), "{body}: names {field}: {}", r.error());
    }
    let unknown = post(&s, "/api/objections", json!({"uscc": firm, "text": "异议", "phone": "13800000000"})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "no personal data fields: {}", unknown.text());

    let text = "检查当日企业负责人不在场，进货查验记录已于次日补齐";
    let o = post(&s, "/api/objections", json!({"uscc": firm, "result": problem, "draw": draw, "text": text})).await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.text());
    let o = o.json();
    assert_eq!(o["open"], true);
    let second = post(&s, "/api/objections", json!({"uscc": firm, "text": "抽查频次过高"})).await.json();
    let oid = o["id"].as_str().unwrap();
    let bad = post(&s, &format!("/api/objections/{oid}/answer"), json!({"answer": "x", "outcome": "maybe"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.error().starts_with("outcome"), "{}", bad.error());
    let answer = json!({"answer": "经复核，补齐的记录不改变检查时的事实", "outcome": "rejected"});
    let a = post(&s, &format!("/api/objections/{oid}/answer"), answer.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(a.json()["answer"]["outcome"], "rejected");
    assert_eq!(post(&s, &format!("/api/objections/{oid}/answer"), answer).await.status, StatusCode::CONFLICT);
    let fid = f["id"].as_str().unwrap();
    let not_objection =
        post(&s, &format!("/api/objections/{fid}/answer"), json!({"answer": "x", "outcome": "upheld"})).await;
    assert_eq!(not_objection.status, StatusCode::NOT_FOUND);

    let page = call(&s, "GET", &format!("/api/enterprises/{firm}"), None, None).await.json();
    assert!(page["draws"].is_array(), "why (not) me is still there: {page}");
    assert_eq!(page["visits"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["visits"][0]["draw"], draw.as_str());
    assert_eq!(page["visits"][0]["results"], json!([problem]));
    let result = &page["results"][0];
    assert_eq!(result["problem"], true);
    assert_eq!(result["items"][0]["codes"][0]["code"], "A");
    assert!(result["items"][0]["codes"][0]["text"].as_str().unwrap().starts_with("发现问题待后续处理"), "{result}");
    assert_eq!(page["follow_ups"][0]["due"], "2025-02-08");
    assert_eq!(page["follow_ups"][0]["overdue"], true);
    let objections = page["objections"].as_array().unwrap();
    assert_eq!(objections.len(), 2);
    assert_eq!(objections[0]["text"], text);
    assert_eq!(objections[0]["answer"]["outcome"], "rejected");
    assert_eq!(objections[1]["id"], second["id"]);
    assert_eq!(objections[1]["open"], true);
    let summary = page["summary"].as_str().unwrap();
    assert!(summary.starts_with("被抽中检查 1 次"), "plain words first: {summary}");
    assert!(summary.contains("逾期 1 项") && summary.contains("待答复 1 件"), "{summary}");

    // Another firm sees none of it.
    let page = call(&s, "GET", &format!("/api/enterprises/{}", targets[1]), None, None).await.json();
    assert_eq!(page["follow_ups"], json!([]));
    assert_eq!(page["objections"], json!([]));
    assert_eq!(page["results"][0]["problem"], false);
    let listed = call(&s, "GET", &format!("/api/objections?uscc={firm}&open=true"), None, None).await.json();
    assert_eq!(listed["objections"].as_array().unwrap().len(), 1);
    assert_log_verifies(&s.log);
}
