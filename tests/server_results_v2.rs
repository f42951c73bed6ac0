//! Results v2 (spec §12, LOG-FORMAT "Results v2") through the regulator's
//! API: per item × department, with codes of the official table; the code
//! rules, the draw's items and departments, code 6 for a dormant firm and
//! amendments are checked with a 422 naming the field; v1 results stay
//! writable and readable beside them.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use axum::http::StatusCode;
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use fairdraw::server::AppState;
use serde_json::{json, Value};

const ITEM: &str = "食品销售者经营活动检查";
const OTHER_ITEM: &str = "食品经营许可事项检查";
const DEPARTMENT: &str = "市场监督管理局";

fn v2(draw: &str, uscc: &str, items: Value) -> Value {
    json!({"draw": draw, "uscc": uscc, "format": 2, "inspection_date": "2024-10-21", "method": "on_site",
        "items": items, "attachments": [{"name": "现场笔录.pdf", "sha256": "ab".repeat(32)}]})
}

fn item(name: &str, codes: &[&str], findings: &str) -> Value {
    json!({"item": name, "department": DEPARTMENT, "codes": codes, "findings": findings})
}

async fn post(s: &Server, body: Value) -> Reply {
    call(s, "POST", "/api/results", Some(TOKEN), Some(body)).await
}

#[tokio::test]
async fn a_v2_result_is_stored_sorted_published_as_format_2_and_shown_with_its_texts() {
    let s = server("2024-11-20");
    let (draw, targets) = draw_and_targets(&s).await;
    // Items and codes in any order: stored sorted.
    let items = json!([item(OTHER_ITEM, &["1"], ""), item(ITEM, &["B", "A"], "未公示许可变更\n已责令")]);
    let published = record_and_publish(&s, v2(&draw, &targets[0], items)).await;
    assert_eq!(published["format"], 2, "{published}");
    assert_eq!(published["found_problem"], true);
    // Code-point order: 经 (U+7ECF) before 销 (U+9500).
    assert_eq!(published["items"][1]["item"], ITEM, "sorted by item: {published}");
    assert_eq!(published["items"][1]["codes"], json!(["A", "B"]));
    assert_eq!(published["items"][1]["texts"][0], "发现问题待后续处理");
    assert_eq!(published["items"][0]["found_problem"], false);
    assert!(published.get("category").is_none(), "no v1 fields: {published}");

    let log = Log::open_dir(&s.log, false).unwrap();
    let (_, entry) = log.valid_entries().filter(|(_, e)| e.kind == Kind::InspectionResult).last().unwrap();
    let result = &entry.body["result"];
    let keys: Vec<&str> = result.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["attachments", "format", "inspection_date", "items", "method", "pending", "state"], "{result}");
    assert_eq!(result["items"][1]["codes"], json!(["A", "B"]));
    assert_eq!(result["state"], "已公示");
    let list = call(&s, "GET", &format!("/api/results?draw={draw}"), None, None).await.json();
    assert_eq!(list["results"][0]["items"][1]["codes"], json!(["A", "B"]), "{list}");
    assert_log_verifies(&s.log);
}

#[tokio::test]
async fn every_refused_combination_is_a_422_naming_the_field() {
    let s = server("2024-11-20");
    let (draw, targets) = draw_and_targets(&s).await;
    let cases: &[(&[&str], &str)] = &[
        (&["1", "A"], "1 (未发现问题) excludes every other code"),
        (&["B"], "sub-code B is allowed only together with A"),
        (&["G", "E"], "sub-code G"),
        (&["E", "9"], "cannot be combined with E"),
        (&["1", "12"], "1 (未发现问题) excludes"),
        (&["10", "11"], "at most one register state"),
        (&["A", "A"], "listed twice"),
        (&["H"], "unknown result code"),
        (&[], "at least one result code"),
    ];
    for (codes, want) in cases {
        let r = post(&s, v2(&draw, &targets[0], json!([item(ITEM, codes, "")]))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{codes:?}: {}", r.text());
        let e = r.error();
        assert!(e.contains("items[0].codes") && e.contains(want), "{codes:?}: {e}");
    }
    // All problems at once.
    let mut body = v2(&draw, &targets[0], json!([item(ITEM, &["1", "A"], &"好".repeat(2001))]));
    body["method"] = json!("phone");
    body["attachments"][0]["sha256"] = json!("xyz");
    let e = post(&s, body).await.error();
    for want in ["method", "items[0].codes", "items[0].findings: is 2001 characters", "attachments[0].sha256"] {
        assert!(e.contains(want), "{want}: {e}");
    }
    let e = post(&s, v2(&draw, &targets[0], json!([item(ITEM, &["1"], "a\u{7}b")]))).await.error();
    assert!(e.contains("items[0].findings") && e.contains("U+0007"), "{e}");
    let twice = json!([item(ITEM, &["1"], ""), item(ITEM, &["A"], "")]);
    let e = post(&s, v2(&draw, &targets[0], twice)).await.error();
    assert!(e.contains("one per item and department"), "{e}");
    let e = post(&s, v2(&draw, &targets[0], json!([item("消防检查", &["1"], "")]))).await.error();
    assert!(e.contains("items[0].item") && e.contains("not an item of this draw's plan"), "{e}");
    let mut other = item(ITEM, &["1"], "");
    other["department"] = json!("税务局");
    let e = post(&s, v2(&draw, &targets[0], json!([other]))).await.error();
    assert!(e.contains("items[0].department"), "{e}");
    let mut body = v2(&draw, &targets[0], json!([item(ITEM, &["1"], "")]));
    body["format"] = json!(3);
    assert!(post(&s, body).await.error().contains("format"));
    // The wrong shape is a 400, as for v1.
    let mut body = v2(&draw, &targets[0], json!([item(ITEM, &["1"], "")]));
    body["category"] = json!("未发现问题");
    assert_eq!(post(&s, body).await.status, StatusCode::BAD_REQUEST);
    // Nothing was recorded.
    assert!(
        !s.log.join("private/results").exists()
            || std::fs::read_dir(s.log.join("private/results")).unwrap().count() == 0
    );
}

#[tokio::test]
async fn code_6_is_refused_for_a_dormant_firm_and_accepted_for_an_active_one() {
    let s = server("2024-11-20");
    let (draw, targets) = draw_and_targets(&s).await;
    let r = post(&s, v2(&draw, &targets[0], json!([item(ITEM, &["6"], "")]))).await;
    assert_eq!(r.status, StatusCode::CREATED, "the demo's targets are 存续: {}", r.text());

    let dir = tempdir();
    let plan = write(dir.path(), "plan.toml", &format!("{MINIMAL_PLAN}[scope]\nstatuses = [\"歇业\"]\n"));
    let id = ceremony_drawn_log(dir.path(), "full", &plan);
    let dormant = Server {
        log: dir.path().join("log"),
        state: AppState::new(config(&dir.path().join("log"), "2024-10-20")),
        _dir: dir,
    };
    let detail = call(&dormant, "GET", &format!("/api/draws/{id}"), None, None).await.json();
    let target = detail["draw"]["assignments"][0]["uscc"].as_str().unwrap().to_string();
    let mut body =
        v2(&id, &target, json!([{"item": "任意事项", "department": "任意部门", "codes": ["A", "6"], "findings": ""}]));
    body["inspection_date"] = json!("2024-10-10");
    let r = post(&dormant, body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.error().contains("code 6") && r.error().contains("歇业"), "{}", r.error());
    body["items"][0]["codes"] = json!(["7"]);
    let r = post(&dormant, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "a plan without items or departments takes any: {}", r.text());
}

#[tokio::test]
async fn amendments_of_a_v2_result_are_checked_as_the_result_would_stand() {
    let s = server("2024-11-20");
    let (draw, targets) = draw_and_targets(&s).await;
    let published = record_and_publish(&s, v2(&draw, &targets[0], json!([item(ITEM, &["A"], "台账缺失")]))).await;
    let id = published["id"].as_str().unwrap().to_string();
    let amend = |body: Value| {
        let uri = format!("/api/results/{id}/amend");
        let s = &s;
        async move { call(s, "POST", &uri, Some(TOKEN), Some(body)).await }
    };
    let r = amend(json!({"reason": "改类别", "category": "未发现问题"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.error().contains("category cannot be amended on a format 2 result"), "{}", r.error());
    let r = amend(json!({"reason": "补充", "items": [item(ITEM, &["C"], "")]})).await;
    assert!(r.error().contains("sub-code C"), "{}", r.error());
    let r = amend(json!({"reason": "已改正", "items": [item(ITEM, &["E", "A"], "已改正")]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["items"][0]["codes"], json!(["A", "E"]));
    assert_log_verifies(&s.log);

    // A v1 result takes no v2 keys.
    let v1 = json!({"draw": draw, "uscc": targets[1], "category": "未发现问题", "inspection_date": "2024-10-21"});
    let old = record_and_publish(&s, v1).await;
    let uri = format!("/api/results/{}/amend", old["id"].as_str().unwrap());
    let r = call(&s, "POST", &uri, Some(TOKEN), Some(json!({"reason": "x", "method": "desk"}))).await;
    assert!(r.error().contains("method cannot be amended on a v1 result"), "{}", r.error());
}
