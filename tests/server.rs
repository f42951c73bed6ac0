//! The publication server, driven through its router without a port:
//! every endpoint, every auth failure, path traversal, headers, limits, and
//! the OpenAPI document against the routes.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use axum::http::StatusCode;
use fairdraw::server::API_ROUTES;
use serde_json::{json, Value};

#[tokio::test]
async fn public_read_endpoints() {
    let s = server("2024-11-01");
    let list = call(&s, "GET", "/api/draws", None, None).await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list["total"], 1);
    let id = list["draws"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(list["draws"][0]["outcome"], "drawn");
    assert_eq!(call(&s, "GET", "/api/draws?page=0", None, None).await.status, StatusCode::BAD_REQUEST);

    let detail = call(&s, "GET", &format!("/api/draws/{}", &id[..10]), None, None).await.json();
    assert_eq!(detail["id"], id.as_str());
    assert_eq!(detail["beacon"]["beacon"]["round"], 12040883);
    let team = &detail["teams"][0]["members"];
    assert_eq!(team[0]["role"], "leader");
    assert!(team[0]["name"].is_string() && team[0]["id"].is_string(), "names and 执法证号 are public");
    assert!(!detail.to_string().contains("近亲属"), "recusal reasons are never published");
    assert_eq!(call(&s, "GET", "/api/draws/0000000000", None, None).await.status, StatusCode::NOT_FOUND);

    let receipt = call(&s, "GET", &format!("/api/draws/{id}/receipt"), None, None).await.text();
    let vkey = call(&s, "GET", "/api/log.pub", None, None).await.text();
    fairdraw::log::note::Receipt::parse(&receipt).unwrap().verify(&vkey).unwrap();
    let cp = call(&s, "GET", "/api/checkpoint", None, None).await.text();
    fairdraw::log::note::open(&cp, &vkey).unwrap();
    let first = call(&s, "GET", "/api/entries/0", None, None).await.json();
    assert_eq!(first["kind"], "LogCreated");
    assert_eq!(call(&s, "GET", "/api/entries/99", None, None).await.status, StatusCode::NOT_FOUND);

    let root = detail["snapshots"]["enterprises"]["root"].as_str().unwrap();
    let snap = call(&s, "GET", &format!("/api/snapshots/{root}"), None, None).await;
    assert_eq!(snap.headers["content-type"], "application/gzip");
    assert_eq!(fairdraw::log::snapshots::unpack(&snap.body, root).unwrap().len(), 5000);
    assert_eq!(call(&s, "GET", "/api/snapshots/xyz", None, None).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn enterprise_lookup_explains_selected_and_not_selected() {
    let s = server("2024-11-01");
    let list = call(&s, "GET", "/api/draws", None, None).await.json();
    let detail =
        call(&s, "GET", &format!("/api/draws/{}", list["draws"][0]["id"].as_str().unwrap()), None, None).await.json();
    let picked = detail["draw"]["strata"][1]["selected"][0].as_str().unwrap().to_string();
    let cutoff = detail["draw"]["strata"][1]["cutoff"].as_str().unwrap().to_string();
    let root: [u8; 32] =
        hex::decode(detail["snapshots"]["enterprises"]["root"].as_str().unwrap()).unwrap().try_into().unwrap();
    let check_proof = |d: &Value| {
        let inc = &d["inclusion"];
        let proof: Vec<[u8; 32]> = inc["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| hex::decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
            .collect();
        let leaf = fairdraw::model::merkle::leaf_hash(inc["leaf"].as_str().unwrap().as_bytes());
        assert!(fairdraw::log::proof::verify_inclusion(
            inc["index"].as_u64().unwrap(),
            inc["size"].as_u64().unwrap(),
            &leaf,
            &proof,
            &root
        ));
    };
    let yes = call(&s, "GET", &format!("/api/enterprises/{picked}"), None, None).await.json();
    let d = &yes["draws"][0];
    assert_eq!(d["selected"], true);
    assert!(d["ticket"].as_str().unwrap() <= cutoff.as_str());
    assert!(d["explanation"].as_str().unwrap().contains("selected"));
    check_proof(d);

    // An eligible class-B firm of the plan's scope that was not picked.
    let text = std::fs::read_to_string(data("enterprises.csv")).unwrap();
    let mut found = false;
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[2] == "B" && cells[5] == "存续" && cells[3] == "330106" && cells[4].starts_with("F52") {
            let r =
                call(&s, "GET", &format!("/api/enterprises/{}", cells[0].trim_start_matches('\u{feff}')), None, None)
                    .await
                    .json();
            let d = &r["draws"][0];
            if d["eligible"] == true && d["selected"] == false {
                assert!(d["ticket"].as_str().unwrap() > cutoff.as_str(), "not selected means ticket > cutoff");
                assert!(d["explanation"].as_str().unwrap().contains("not selected"));
                check_proof(d);
                found = true;
                break;
            }
        }
    }
    assert!(found, "an eligible, unselected firm exists");

    // Out of scope: a cancelled firm says why.
    let cancelled = text
        .lines()
        .find(|l| l.contains(",注销,"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string();
    let r = call(&s, "GET", &format!("/api/enterprises/{cancelled}"), None, None).await.json();
    assert_eq!(r["draws"][0]["eligible"], false);
    assert!(r["draws"][0]["reason"].as_str().unwrap().contains("注销"));

    let bad = call(&s, "GET", "/api/enterprises/91110000600037341X", None, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().contains("check character"));
}

#[tokio::test]
async fn writes_need_the_token_and_change_nothing_without_it() {
    let s = server("2024-11-01");
    let before = entry_count(&s.log);
    let body = json!({"draw": "x", "uscc": "y", "category": "未发现问题", "inspection_date": "2024-10-20"});
    for (method, uri) in API_ROUTES.iter().filter(|(m, _)| *m == "POST") {
        let uri = uri.replace("{id}", "0123456789abcdef");
        for token in [None, Some("wrong token"), Some("")] {
            let r = call(&s, method, &uri, token, Some(body.clone())).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {uri} with {token:?}");
            assert!(r.json()["error"].as_str().unwrap().contains("token"));
        }
        // Even a malformed body gets 401 first: nothing is parsed before auth.
        let r = call(&s, method, &uri, None, Some(json!("not an object"))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(entry_count(&s.log), before, "nothing written");
}

async fn amend(s: &Server, rid: &str, body: Value) -> Reply {
    call(s, "POST", &format!("/api/results/{rid}/amend"), Some(TOKEN), Some(body)).await
}

#[tokio::test]
async fn results_wait_for_review_then_are_published_with_deadlines_and_overdue_flags() {
    // 2024-10-20 is a Sunday; counting from Monday 10-21, with no holiday
    // left in 2024 after National Day, the 20th working day is Friday 11-15.
    let s = server("2024-11-20");
    let id = call(&s, "GET", "/api/draws", None, None).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    let detail = call(&s, "GET", &format!("/api/draws/{id}"), None, None).await.json();
    let target = detail["draw"]["assignments"][0]["uscc"].as_str().unwrap().to_string();
    let entries = entry_count(&s.log);
    let body = json!({"draw": id, "uscc": target, "category": "未发现问题", "inspection_date": "2024-10-20", "findings": "经营正常"});
    let r = call(&s, "POST", "/api/results", Some(TOKEN), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let result = r.json();
    assert_eq!(result["deadline"], "2024-11-15");
    assert_eq!(result["state"], "待审核");
    assert_eq!(result["overdue"], true, "today 2024-11-20 is past the deadline and it is not published");
    let pid = result["id"].as_str().unwrap().to_string();
    assert!(pid.starts_with("p-") && pid.len() == 34, "a pending id, not an entry id: {pid}");
    assert_eq!(entry_count(&s.log), entries, "a pending result is not logged");
    assert!(s.log.join("private/results").join(format!("{pid}.json")).exists());
    assert_eq!(
        call(&s, "POST", "/api/results", Some(TOKEN), Some(body)).await.status,
        StatusCode::CONFLICT,
        "one result per target"
    );
    let bad = json!({"draw": id, "uscc": target, "category": "还行", "inspection_date": "2024-10-20"});
    assert!(call(&s, "POST", "/api/results", Some(TOKEN), Some(bad)).await.json()["error"]
        .as_str()
        .unwrap()
        .contains("未发现问题"));
    let not_target =
        json!({"draw": id, "uscc": "91110000600037341L", "category": "未发现问题", "inspection_date": "2024-10-20"});
    assert_eq!(
        call(&s, "POST", "/api/results", Some(TOKEN), Some(not_target)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Pending: only the regulator sees it, with its clock.
    let public = call(&s, "GET", &format!("/api/results?draw={id}"), None, None).await.json();
    assert_eq!(public["results"].as_array().unwrap().len(), 0);
    assert_eq!(call(&s, "GET", &format!("/api/results/{pid}"), None, None).await.status, StatusCode::NOT_FOUND);
    let review = format!("/api/results?state=待审核&draw={id}");
    for token in [None, Some("wrong token")] {
        assert_eq!(call(&s, "GET", &review, token, None).await.status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let waiting = call(&s, "GET", &review, Some(TOKEN), None).await.json();
    assert_eq!(waiting["results"][0]["id"], pid.as_str());
    assert_eq!(waiting["results"][0]["deadline"], "2024-11-15");
    assert_eq!(waiting["results"][0]["working_days_left"], -3, "11-18, 11-19 and 11-20 are past the deadline");
    assert_eq!(call(&s, "GET", "/api/results?state=x&draw=x", None, None).await.status, StatusCode::BAD_REQUEST);

    // A review change stays in the file; publishing logs the result.
    let changed = amend(&s, &pid, json!({"reason": "核对", "findings": "经营正常，台账齐全"})).await;
    assert_eq!(changed.status, StatusCode::CREATED, "{}", changed.text());
    assert_eq!(changed.json()["findings"], "经营正常，台账齐全");
    assert_eq!(entry_count(&s.log), entries, "still not logged");
    let published = amend(&s, &pid, json!({"reason": "复核后公示", "state": "已公示"})).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
    let published = published.json();
    assert_eq!(published["state"], "已公示");
    assert_eq!(published["findings"], "经营正常，台账齐全");
    assert_eq!(published["amendments"].as_array().unwrap().len(), 0, "review notes are not published");
    assert_eq!(entry_count(&s.log), entries + 1);
    assert!(!s.log.join("private/results").join(format!("{pid}.json")).exists(), "the pending file is gone");
    let rid = published["id"].as_str().unwrap().to_string();
    assert_eq!(rid, common::log_ids(&s.log)[entries], "its id is the InspectionResult entry's");
    assert_eq!(amend(&s, &pid, json!({"reason": "again", "state": "已公示"})).await.status, StatusCode::CONFLICT);

    // A published result changes by Amendment entries, never back to review.
    let back = amend(&s, &rid, json!({"reason": "撤回", "state": "待审核"})).await;
    assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", back.text());
    let amended = amend(&s, &rid, json!({"reason": "更正", "category": "发现问题经责令已改正"})).await;
    assert_eq!(amended.status, StatusCode::CREATED, "{}", amended.text());
    assert_eq!(amended.json()["amendments"].as_array().unwrap().len(), 1);
    let no_reason = amend(&s, &rid, json!({"reason": " ", "category": "未发现问题"})).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);

    let list = call(&s, "GET", &format!("/api/results?draw={id}"), None, None).await.json();
    assert_eq!(list["results"].as_array().unwrap().len(), 1);
    assert_eq!(list["pending"].as_array().unwrap().len(), detail["draw"]["assignments"].as_array().unwrap().len() - 1);
    assert_eq!(call(&s, "GET", "/api/results", None, None).await.status, StatusCode::BAD_REQUEST);
    let one = call(&s, "GET", &format!("/api/results/{rid}"), None, None).await.json();
    assert_eq!((one["state"].as_str(), one["published_on"].is_string()), (Some("已公示"), true));
    assert_eq!(call(&s, "GET", &review, Some(TOKEN), None).await.json()["results"], json!([]));
    // Every logged write is an entry, and the log still verifies.
    let report = fairdraw::log::audit::verify(&s.log, None, None).unwrap();
    assert!(report.tampering.is_empty(), "{:?}", report.tampering);
}

#[tokio::test]
async fn commit_and_reveal_through_the_api() {
    let s = server("2026-12-01");
    let req = json!({
        "plan": std::fs::read_to_string(data("plan-minimal.toml")).unwrap(),
        "enterprises": std::fs::read_to_string(data("enterprises.csv")).unwrap(),
        "inspectors": std::fs::read_to_string(data("inspectors.csv")).unwrap(),
        "beacon": "drand:quicknet:12040883",
    });
    let past = call(&s, "POST", "/api/commitments", Some(TOKEN), Some(req.clone())).await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.json()["error"].as_str().unwrap().contains("future round"));
    let mut bad = req.clone();
    bad["enterprises"] = json!("uscc,name\n1,2\n");
    let r = call(&s, "POST", "/api/commitments", Some(TOKEN), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("missing required column"));

    let mut ceremony = req;
    ceremony["beacon"] = json!("ceremony");
    let c = call(&s, "POST", "/api/commitments", Some(TOKEN), Some(ceremony)).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let id = c.json()["id"].as_str().unwrap().to_string();
    let reveal = json!({"ceremony": {"digits": "31415926535897932384626433", "witnesses": ["张三", "李四"]}});
    let r = call(&s, "POST", &format!("/api/commitments/{id}/reveal"), Some(TOKEN), Some(reveal.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["outcome"], "drawn");
    assert_eq!(
        call(&s, "POST", &format!("/api/commitments/{id}/reveal"), Some(TOKEN), Some(reveal)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(call(&s, "GET", "/api/draws", None, None).await.json()["total"], 2);
}

#[tokio::test]
async fn the_page_is_served_and_nothing_outside_web_is() {
    let s = server("2024-11-01");
    for path in ["/", "/draws/abc", "/enterprises", "/results?draw=x"] {
        let r = call(&s, "GET", path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text().contains("<html"), "{path} serves the page");
    }
    let js = call(&s, "GET", "/verify.js", None, None).await;
    assert_eq!(js.status, StatusCode::OK);
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
        "/web/../../Cargo.toml",
        "/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/....//Cargo.toml",
    ] {
        let r = call(&s, "GET", path, None, None).await;
        assert!(!r.text().contains("[package]") && !r.text().contains("root:"), "{path} escaped web/");
    }
    let r = call(&s, "GET", "/api/draws", None, None).await;
    for h in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
        assert!(r.headers.contains_key(h), "missing {h}");
    }
    // cross-origin isolated, so the verifier's Workers share memory instead of copying it
    for path in ["/", "/verify-worker.js", "/api/draws"] {
        let r = call(&s, "GET", path, None, None).await;
        assert_eq!(r.headers["cross-origin-opener-policy"], "same-origin", "{path}");
        assert_eq!(r.headers["cross-origin-embedder-policy"], "require-corp", "{path}");
    }
    let unknown = call(&s, "GET", "/api/nothing/here", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.json()["error"].is_string(), "API errors are JSON");
}

#[tokio::test]
async fn request_bodies_are_limited() {
    let s = server("2024-11-01");
    let huge = json!({"plan": "x".repeat(2 << 20), "enterprises": "", "inspectors": "", "beacon": "ceremony"});
    let r = call(&s, "POST", "/api/commitments", Some(TOKEN), Some(huge)).await;
    assert!(r.status == StatusCode::PAYLOAD_TOO_LARGE || r.status == StatusCode::BAD_REQUEST, "{}", r.status);
    assert!(
        r.json()["error"].as_str().unwrap().to_lowercase().contains("length limit")
            || r.status == StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn openapi_documents_exactly_the_routes() {
    let s = server("2024-11-01");
    let doc = call(&s, "GET", "/api/openapi.json", None, None).await.json();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routes: Vec<(String, String)> = API_ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    routes.sort();
    assert_eq!(documented, routes, "web/openapi.json and the router disagree");
    for (method, path) in API_ROUTES {
        let uri = path
            .replace("{id}", "0123456789")
            .replace("{index}", "0")
            .replace("{root}", &"0".repeat(64))
            .replace("{uscc}", "91110000600037341L");
        let r = call(&s, method, &uri, None, None).await;
        let body = r.text();
        assert!(!body.contains("no such API route"), "{method} {path} is documented but not routed");
    }
}
