//! Accounts and roles (audit/LOG-FORMAT.md "Accounts and roles") through
//! the regulator API, without a port: each role allowed and refused on each
//! write route, departments, disabled accounts, the single token refused
//! once accounts exist, the failed-login limit, review (录入 → 审核 → 公示,
//! 退回) with four eyes, `by` on every entry written, and a year of sample
//! results recorded and reviewed by two departments' accounts.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use fairdraw::log::accounts::Accounts;
use fairdraw::server::AppState;
use serde_json::{json, Value};

const MARKET: &str = "市场监督管理局";
const HEALTH: &str = "卫生健康委员会";
const TODAY: &str = "2026-11-20";
const INSPECTED: &str = "2026-11-02";

/// A log with the sample year's draws and the accounts of two departments.
struct Bureau {
    srv: Server,
    /// DrawResult ids: plan-minimal (no department), plan-joint (market
    /// leads, health joins), plan-single (market), plan-cross (market).
    draws: Vec<String>,
    tokens: std::collections::BTreeMap<&'static str, String>,
}

/// The accounts: name, role, department.
const ACCOUNTS: [(&str, &str, Option<&str>); 8] = [
    ("rec-m", "recorder", Some(MARKET)),
    ("rec-m2", "recorder", Some(MARKET)),
    ("rec-h", "recorder", Some(HEALTH)),
    ("rev-m", "reviewer", Some(MARKET)),
    ("rev-h", "reviewer", Some(HEALTH)),
    ("adm-m", "department_admin", Some(MARKET)),
    ("adm-h", "department_admin", Some(HEALTH)),
    ("root", "log_admin", None),
];

fn bureau() -> Bureau {
    let dir = tempdir();
    let log = dir.path().join("log");
    let draws = sample_year_draws(dir.path(), &log);
    let tokens = ACCOUNTS.iter().map(|(name, role, dept)| (*name, add_account(&log, name, role, *dept))).collect();
    let state = AppState::new(config(&log, TODAY));
    Bureau { srv: Server { _dir: dir, log, state }, draws, tokens }
}

impl Bureau {
    fn token(&self, name: &str) -> &str {
        &self.tokens[name]
    }

    async fn post(&self, who: &str, uri: &str, body: Value) -> Reply {
        call(&self.srv, "POST", uri, Some(self.token(who)), Some(body)).await
    }

    /// The plan of draw `k` as committed.
    fn plan(&self, k: usize) -> Value {
        let entries = log_entries(&self.srv.log);
        let ids = log_ids(&self.srv.log);
        let result = entries.iter().zip(&ids).find(|(_, id)| **id == self.draws[k]).unwrap().0;
        let commitment = result["body"]["commitment"].as_str().unwrap();
        entries.iter().zip(&ids).find(|(_, id)| *id == commitment).unwrap().0["body"]["plan"].clone()
    }

    fn targets(&self, k: usize) -> Vec<String> {
        let entries = log_entries(&self.srv.log);
        let ids = log_ids(&self.srv.log);
        let result = entries.iter().zip(&ids).find(|(_, id)| **id == self.draws[k]).unwrap().0;
        let assignments = result["body"]["draw"]["assignments"].as_array().unwrap();
        assignments.iter().map(|a| a["uscc"].as_str().unwrap().to_string()).collect()
    }

    /// A v2 result of target `uscc` of draw `k`: one item per plan item,
    /// each checked by one of the draw's departments in turn (a joint
    /// visit's items are per department).
    fn result(&self, k: usize, uscc: &str, n: usize) -> Value {
        const CODES: [&[&str]; 5] = [&["1"], &["E"], &["A", "B"], &["F"], &["8"]];
        let plan = self.plan(k);
        let names: Vec<String> =
            plan["items"].as_array().unwrap().iter().map(|i| i["item"].as_str().unwrap().to_string()).collect();
        let names = if names.is_empty() { vec!["双随机抽查".to_string()] } else { names };
        let mut departments: Vec<String> =
            plan["team"]["departments"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_string()).collect();
        if departments.is_empty() {
            departments.push(MARKET.to_string());
        }
        let mut items: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(j, item)| {
                json!({"item": item, "department": departments[j % departments.len()],
                       "codes": CODES[(n + j) % CODES.len()], "findings": format!("第{n}户")})
            })
            .collect();
        items.sort_by(|a, b| a["item"].as_str().cmp(&b["item"].as_str()));
        json!({"draw": self.draws[k], "uscc": uscc, "format": 2, "inspection_date": INSPECTED,
               "method": "on_site", "items": items})
    }

    /// Records a result as `who`; returns its pending id.
    async fn record(&self, who: &str, k: usize, uscc: &str, n: usize) -> String {
        let r = self.post(who, "/api/results", self.result(k, uscc, n)).await;
        assert_eq!(r.status, StatusCode::CREATED, "record as {who}: {}", r.text());
        assert_eq!(r.json()["state"], "待审核");
        r.json()["id"].as_str().unwrap().to_string()
    }

    /// Publishes a pending result as `who`; returns the logged entry id.
    async fn publish(&self, who: &str, pending: &str) -> String {
        let body = json!({"reason": "审核通过", "state": "已公示"});
        let r = self.post(who, &format!("/api/results/{pending}/amend"), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "publish as {who}: {}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    }
}

/// Every entry after the first `from`.
fn entries_after(log: &std::path::Path, from: usize) -> Vec<Value> {
    log_entries(log).split_off(from)
}

fn assert_forbidden(r: &Reply, says: &[&str]) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let e = r.error();
    for s in says {
        assert!(e.contains(s), "{s:?} not in {e}");
    }
}

#[tokio::test]
async fn each_role_may_use_its_routes_and_is_refused_the_others_by_name() {
    let b = bureau();
    let (draw, target) = (b.draws[2].clone(), b.targets(2)[0].clone());
    let pending = b.record("rec-m", 2, &target, 0).await;
    let other = b.targets(2)[1].clone();
    let published = b.publish("rev-m", &b.record("rec-m", 2, &other, 1).await).await;
    let zero = "0".repeat(64);
    let edit = json!({"reason": "补充", "method": "desk"});
    let amend = json!({"reason": "更正", "method": "desk"});
    // (route, body, roles allowed). An allowed request may still be refused
    // for its content (404, 422), never with 401 or 403.
    let routes: Vec<(String, Value, &[&str])> = vec![
        (
            "/api/results".into(),
            json!({"draw": zero, "uscc": target, "category": "未发现问题",
            "inspection_date": INSPECTED}),
            &["recorder"],
        ),
        (format!("/api/results/{pending}/amend"), edit, &["recorder"]),
        (format!("/api/results/{published}/amend"), amend, &["reviewer"]),
        (
            "/api/commitments".into(),
            json!({"plan": "", "enterprises": "", "inspectors": "", "beacon": "ceremony"}),
            &["department_admin", "log_admin"],
        ),
        (
            format!("/api/commitments/{zero}/reveal"),
            json!({"ceremony": {"digits": "1", "witnesses": []}}),
            &["department_admin", "log_admin"],
        ),
        (format!("/api/draws/{draw}/unseal"), json!({}), &["department_admin", "log_admin"]),
        (
            format!("/api/draws/{draw}/replace"),
            json!({"inspector": "nobody", "reason": "病休"}),
            &["department_admin", "log_admin"],
        ),
        (
            "/api/followups".into(),
            json!({"result": zero, "action": "case"}),
            &["reviewer", "department_admin", "log_admin"],
        ),
        (
            format!("/api/followups/{zero}/close"),
            json!({"outcome": "已立案"}),
            &["reviewer", "department_admin", "log_admin"],
        ),
        (
            "/api/objections".into(),
            json!({"uscc": "bad", "text": "异议"}),
            &["recorder", "reviewer", "department_admin", "log_admin"],
        ),
        (
            format!("/api/objections/{zero}/answer"),
            json!({"answer": "不成立", "outcome": "rejected"}),
            &["department_admin", "log_admin"],
        ),
    ];
    let before = entry_count(&b.srv.log);
    for (uri, body, allowed) in &routes {
        for (name, role, _) in [ACCOUNTS[0], ACCOUNTS[3], ACCOUNTS[5], ACCOUNTS[7]] {
            let r = b.post(name, uri, body.clone()).await;
            if allowed.contains(&role) {
                assert!(
                    !matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
                    "{role} on {uri}: {} {}",
                    r.status,
                    r.text()
                );
            } else {
                assert_forbidden(&r, &[name, role]);
            }
        }
    }
    // Only the allowed amendment of the published result was logged.
    let added = entries_after(&b.srv.log, before);
    let kinds: Vec<&str> = added.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Amendment"], "{added:?}");
    assert_eq!(added[0]["body"]["by"], "rev-m");
}

#[tokio::test]
async fn an_account_acts_for_its_own_department_only() {
    let b = bureau();
    let single = b.targets(2)[0].clone();
    // The health recorder is refused on the market's draw, named with both departments.
    let r = b.post("rec-h", "/api/results", b.result(2, &single, 0)).await;
    assert_forbidden(&r, &["rec-h", HEALTH, MARKET]);
    // ...and records the joint visit, which health joins.
    let joint = b.targets(1)[0].clone();
    let p = b.record("rec-h", 1, &joint, 0).await;
    // A draw whose plan names no department is every department's.
    b.record("rec-h", 0, &b.targets(0)[0], 1).await;
    let mine = b.record("rec-m", 2, &single, 2).await;
    // The health reviewer cannot review the market's result; the market's can review the joint one.
    let publish = json!({"reason": "审核通过", "state": "已公示"});
    assert_forbidden(&b.post("rev-h", &format!("/api/results/{mine}/amend"), publish.clone()).await, &["rev-h"]);
    b.publish("rev-m", &p).await;
    // Admins: the draw's plan department only; the health admin cannot replace in the joint draw it only joins.
    let replace = json!({"inspector": "nobody", "reason": "病休"});
    let uri = format!("/api/draws/{}/replace", b.draws[1]);
    assert_forbidden(&b.post("adm-h", &uri, replace.clone()).await, &["adm-h", HEALTH, MARKET]);
    assert_eq!(b.post("adm-m", &uri, replace.clone()).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b.post("root", &uri, replace).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Each department's recorder lists its own waiting results only.
    let listed = |who: &'static str| {
        let b = &b;
        async move {
            let r = call(&b.srv, "GET", "/api/results?pending=true", Some(b.token(who)), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let results = r.json()["results"].as_array().unwrap().clone();
            let mut draws: Vec<String> = results.iter().map(|r| r["draw"].as_str().unwrap().to_string()).collect();
            draws.sort();
            draws
        }
    };
    let mut want_h = vec![b.draws[0].clone()];
    want_h.sort();
    assert_eq!(listed("rec-h").await, want_h);
    let mut want_m = vec![b.draws[0].clone(), b.draws[2].clone()];
    want_m.sort();
    assert_eq!(listed("rev-m").await, want_m);
    assert_eq!(listed("root").await.len(), 2);
}

#[tokio::test]
async fn a_disabled_account_is_refused_from_the_next_request_and_the_single_token_once_accounts_exist() {
    let dir = tempdir();
    let log = dir.path().join("log");
    sample_year_draws(dir.path(), &log);
    let srv = Server { state: AppState::new(config(&log, TODAY)), log: log.clone(), _dir: dir };
    let objection = json!({"uscc": "91330106MA2B0000X1", "text": "异议"});
    // Without accounts, the single token writes, unnamed.
    let r = call(&srv, "POST", "/api/objections", Some(TOKEN), Some(objection.clone())).await;
    assert!(r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN, "{}", r.text());
    let lu = add_account(&log, "lu", "recorder", Some(MARKET));
    let refused = call(&srv, "POST", "/api/objections", Some(TOKEN), Some(objection.clone())).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text());
    let pending = call(&srv, "GET", "/api/results?pending=true", Some(TOKEN), None).await;
    assert_eq!(pending.status, StatusCode::UNAUTHORIZED);
    let ok = call(&srv, "GET", "/api/results?pending=true", Some(&lu), None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let mut all = Accounts::load(&log).unwrap().unwrap();
    all.disable("lu").unwrap();
    all.save(&log).unwrap();
    let r = call(&srv, "GET", "/api/results?pending=true", Some(&lu), None).await;
    assert_forbidden(&r, &["lu", "disabled"]);
    // A wrong secret and an unknown name answer the same 401.
    let wrong = format!("lu.{}", "0".repeat(64));
    let a = call(&srv, "GET", "/api/results?pending=true", Some(&wrong), None).await;
    let u = call(&srv, "GET", "/api/results?pending=true", Some(&format!("nobody.{}", "0".repeat(64))), None).await;
    assert_eq!((a.status, a.body), (u.status, u.body));
    assert_eq!(u.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failed_logins_are_limited_per_account_and_per_address_and_never_lock_out_the_right_token() {
    let b = bureau();
    let now = Arc::new(AtomicU64::new(1_000_000));
    let clock = now.clone();
    b.srv.state.0.logins.set_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
    let uri = "/api/results?pending=true";
    let get = |peer: &'static str, token: String| {
        let srv = &b.srv;
        async move { call_from(srv, Some(peer), "GET", uri, Some(&token), None).await.status }
    };
    let wrong = |name: &str| format!("{name}.{}", "0".repeat(64));
    // Per account: five failures from five addresses hold the name; a sixth
    // wrong token from a new address is refused with 429 and a doubled delay.
    for k in 0..5 {
        let peer = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1", "10.0.0.4:1", "10.0.0.5:1"][k];
        assert_eq!(get(peer, wrong("rec-m")).await, StatusCode::UNAUTHORIZED);
    }
    let r = call_from(&b.srv, Some("10.0.0.6:1"), "GET", uri, Some(&wrong("rec-m")), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.header("retry-after"), "120");
    assert!(r.error().contains("120 s"), "{}", r.text());
    // The attack this stops: names are public (every entry's `by`), so
    // anyone can fail on purpose with one — the held account's owner still
    // gets in with the right token, and that success clears the count.
    assert_eq!(get("10.0.0.7:1", b.token("rec-m").to_string()).await, StatusCode::OK);
    for _ in 0..4 {
        assert_eq!(get("10.0.0.8:1", wrong("rec-m")).await, StatusCode::UNAUTHORIZED);
    }
    // Per address: five unknown names from one address hold it; a token
    // never verified before waits there (no slow check for a held address) …
    for k in 0..5 {
        assert_eq!(get("10.9.9.9:1", wrong(&format!("x{k}"))).await, StatusCode::UNAUTHORIZED);
    }
    let r = call_from(&b.srv, Some("10.9.9.9:2"), "GET", uri, Some(b.token("rev-h")), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.header("retry-after"), "60");
    // … while one verified before (here from another address) passes. That
    // cheap success does not lift the address's hold — else anyone holding
    // one token could alternate it with wrong ones and keep asking for
    // argon2 checks: wrong tokens from there still get 429 unchecked.
    assert_eq!(get("10.9.9.9:3", b.token("rec-m").to_string()).await, StatusCode::OK);
    assert_eq!(get("10.9.9.9:4", wrong("x5")).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(get("10.9.9.9:4", b.token("rev-h").to_string()).await, StatusCode::TOO_MANY_REQUESTS);
    // Once the delay has passed a new token is checked there, and that
    // success (a real check) clears the address.
    now.fetch_add(60, Ordering::SeqCst);
    assert_eq!(get("10.9.9.9:5", b.token("rev-h").to_string()).await, StatusCode::OK);
    for k in 0..4 {
        assert_eq!(get("10.9.9.9:1", wrong(&format!("y{k}"))).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(get("10.9.9.9:5", b.token("rev-m").to_string()).await, StatusCode::OK);
}

#[tokio::test]
async fn a_result_is_returned_edited_resubmitted_and_published_by_another_account() {
    let b = bureau();
    let target = b.targets(2)[0].clone();
    let p = b.record("rec-m", 2, &target, 0).await;
    let uri = format!("/api/results/{p}/amend");
    // A reviewer returns it with a reason; it is listed as 退回 with the return.
    let r = b.post("rev-m", &uri, json!({"reason": "缺少现场照片", "state": "退回"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let list = call(&b.srv, "GET", "/api/results?pending=true", Some(b.token("rec-m")), None).await.json();
    let listed = &list["results"][0];
    assert_eq!(listed["state"], "退回", "{list}");
    assert_eq!(listed["returns"][0]["by"], "rev-m");
    assert_eq!(listed["returns"][0]["reason"], "缺少现场照片");
    assert_eq!(listed["recorded_by"], "rec-m");
    assert!(listed["deadline"].is_string() && listed["working_days_left"].is_number(), "{listed}");
    // Returned: not published until resubmitted; only its recorder edits it.
    let publish = json!({"reason": "审核通过", "state": "已公示"});
    assert_eq!(b.post("rev-m", &uri, publish.clone()).await.status, StatusCode::CONFLICT);
    let edit = json!({"reason": "补充照片", "attachments": [{"name": "照片.jpg", "sha256": "cd".repeat(32)}]});
    assert_forbidden(&b.post("rec-m2", &uri, edit.clone()).await, &["rec-m2", "recorded by rec-m"]);
    assert_forbidden(&b.post("rec-m", &uri, publish.clone()).await, &["rec-m", "reviewer"]);
    // A reviewer does not edit.
    assert_forbidden(&b.post("rev-m", &uri, edit.clone()).await, &["rev-m", "recorder"]);
    let r = b.post("rec-m", &uri, edit).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["state"], "待审核");
    let id = b.publish("rev-m", &p).await;
    let entries = log_entries(&b.srv.log);
    let logged = entries.last().unwrap();
    assert_eq!(common::log_ids(&b.srv.log).last().unwrap(), &id);
    assert_eq!(logged["body"]["by"], "rev-m");
    assert_eq!(logged["body"]["result"]["recorded_by"], "rec-m");
    assert_eq!(logged["body"]["result"]["reviewed_by"], "rev-m");
    assert_eq!(logged["body"]["result"]["attachments"][0]["name"], "照片.jpg");
    // The return stays private.
    let public = std::fs::read_to_string(b.srv.log.join("entries.jsonl")).unwrap();
    assert!(!public.contains("缺少现场照片"));
}

#[tokio::test]
async fn four_eyes_the_account_that_recorded_a_result_never_publishes_it() {
    let b = bureau();
    let p = b.record("rec-m", 2, &b.targets(2)[0], 0).await;
    // The bureau makes its recorder a reviewer (the file is the bureau's record).
    let mut all = Accounts::load(&b.srv.log).unwrap().unwrap();
    all.accounts.iter_mut().find(|a| a.name == "rec-m").unwrap().role = fairdraw::log::accounts::Role::Reviewer;
    all.save(&b.srv.log).unwrap();
    let publish = json!({"reason": "审核通过", "state": "已公示"});
    let r = b.post("rec-m", &format!("/api/results/{p}/amend"), publish).await;
    assert_forbidden(&r, &["rec-m", "four eyes"]);
    b.publish("rev-m", &p).await;
}

#[tokio::test]
async fn a_body_never_names_who_made_a_write() {
    let b = bureau();
    let target = b.targets(2)[0].clone();
    let before = entry_count(&b.srv.log);
    for key in ["recorded_by", "reviewed_by", "by"] {
        let mut body = b.result(2, &target, 0);
        body[key] = json!("rev-m");
        let r = b.post("rec-m", "/api/results", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{key}: {}", r.text());
        assert!(r.error().contains(key), "{}", r.error());
    }
    let p = b.record("rec-m", 2, &target, 0).await;
    let r = b
        .post(
            "rev-m",
            &format!("/api/results/{p}/amend"),
            json!({"reason": "x", "state": "已公示",
        "reviewed_by": "rev-h"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let uri = format!("/api/draws/{}/replace", b.draws[2]);
    let r = b.post("adm-m", &uri, json!({"inspector": "x", "reason": "病休", "by": "someone"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = b.post("rec-m", "/api/objections", json!({"uscc": target, "text": "异议", "by": "rev-m"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(entry_count(&b.srv.log), before, "nothing was logged");
}

#[tokio::test]
async fn every_entry_an_account_writes_names_it() {
    let b = bureau();
    let before = entry_count(&b.srv.log);
    let read = |name: &str| std::fs::read_to_string(data(name)).unwrap();
    let files =
        json!({"items.csv": read("items.csv"), "exclude.csv": read("exclude.csv"), "history.csv": read("history.csv")});
    let commit = json!({"plan": read("plan-single.toml"), "files": files,
        "enterprises": read("enterprises.csv"), "inspectors": read("inspectors.csv"), "beacon": "ceremony"});
    let r = b.post("adm-h", "/api/commitments", commit.clone()).await;
    assert_forbidden(&r, &["adm-h", HEALTH, MARKET]);
    let r = b.post("adm-m", "/api/commitments", commit).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let commitment = r.json()["id"].as_str().unwrap().to_string();
    let reveal = json!({"ceremony": {"digits": "31415926535897932384626433", "witnesses": ["张三", "李四"]}});
    let r = b.post("root", &format!("/api/commitments/{commitment}/reveal"), reveal).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let draw = r.json()["id"].as_str().unwrap().to_string();
    let result = log_entries(&b.srv.log).into_iter().rfind(|e| e["kind"] == "DrawResult").unwrap();
    let leader = result["body"]["draw"]["assignments"][0]["leader"].as_str().unwrap().to_string();
    let r =
        b.post("adm-m", &format!("/api/draws/{draw}/replace"), json!({"inspector": leader, "reason": "病休"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // A result that finds a problem, published, amended, followed up, objected to.
    let target = b.targets(2)[0].clone();
    let mut body = b.result(2, &target, 0);
    body["items"] =
        json!([{"item": "食品经营许可事项检查", "department": MARKET, "codes": ["A"], "findings": "未公示"}]);
    let r = b.post("rec-m", "/api/results", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let result = b.publish("rev-m", r.json()["id"].as_str().unwrap()).await;
    let r = b.post("rev-m", &format!("/api/results/{result}/amend"), json!({"reason": "更正", "method": "desk"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = b.post("rev-m", "/api/followups", json!({"result": result, "action": "case"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let follow_up = r.json()["id"].as_str().unwrap().to_string();
    let r = b.post("adm-m", &format!("/api/followups/{follow_up}/close"), json!({"outcome": "已改正"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = b.post("rec-m", "/api/objections", json!({"uscc": target, "result": result, "text": "不服"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let objection = r.json()["id"].as_str().unwrap().to_string();
    let answer = json!({"answer": "复核维持", "outcome": "rejected"});
    assert_forbidden(
        &b.post("adm-h", &format!("/api/objections/{objection}/answer"), answer.clone()).await,
        &["adm-h"],
    );
    let r = b.post("adm-m", &format!("/api/objections/{objection}/answer"), answer).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let written: Vec<(String, Value)> = entries_after(&b.srv.log, before)
        .into_iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["body"]["by"].clone()))
        .filter(|(kind, _)| kind != "RegistrySnapshot" && kind != "DrawResult")
        .collect();
    let want = [
        ("DrawCommitment", "adm-m"),
        ("BeaconRecord", "root"),
        ("Replacement", "adm-m"),
        ("InspectionResult", "rev-m"),
        ("Amendment", "rev-m"),
        ("FollowUp", "rev-m"),
        ("FollowUpClosed", "adm-m"),
        ("Objection", "rec-m"),
        ("ObjectionAnswer", "adm-m"),
    ];
    let want: Vec<(String, Value)> = want.iter().map(|(k, by)| (k.to_string(), json!(by))).collect();
    assert_eq!(written, want);
    let amended = entries_after(&b.srv.log, before).into_iter().find(|e| e["kind"] == "Amendment").unwrap();
    assert_eq!(amended["body"]["result"]["reviewed_by"], "rev-m");
    let report = fairdraw::log::audit::verify(&b.srv.log, None, None).unwrap();
    assert!(report.tampering.is_empty(), "{:?}", report.tampering);
    // The independent verifiers read `by` on every kind as the spec allows it.
    let cwd = b.srv.log.parent().unwrap();
    for (name, run) in
        [("verify.py", verify_py(&["log", s(&b.srv.log)], cwd)), ("verify.js", verify_js(&["log", s(&b.srv.log)], cwd))]
    {
        assert_eq!(run.code, 0, "{name} on a log written by named accounts: {}{}", run.stdout, run.stderr);
    }
}

/// Done when (issue 12): a year of sample results recorded through the API
/// by two departments' recorders and reviewers, with joint visits, returns
/// and amendments; only reviewed results are public, and every write names
/// its account.
#[tokio::test]
async fn a_year_of_results_is_recorded_and_reviewed_by_named_accounts() {
    let b = bureau();
    let before = entry_count(&b.srv.log);
    // Who records and reviews each draw: the joint visit by health's recorder
    // and market's reviewer, the department-less draw by health's, the rest by market's.
    let staff = [("rec-h", "rev-h"), ("rec-h", "rev-m"), ("rec-m", "rev-m"), ("rec-m2", "rev-m")];
    let mut published = std::collections::BTreeMap::new();
    let mut waiting = 0;
    let mut returned = 0;
    let mut amended = Vec::new();
    let mut n = 0;
    for (k, (recorder, reviewer)) in staff.iter().enumerate() {
        for uscc in b.targets(k) {
            n += 1;
            let p = b.record(recorder, k, &uscc, n).await;
            if n % 11 == 0 {
                waiting += 1; // not reviewed yet: never public
                continue;
            }
            if n % 7 == 0 {
                let uri = format!("/api/results/{p}/amend");
                let r = b.post(reviewer, &uri, json!({"reason": "核对检查日期", "state": "退回"})).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
                let r = b.post(recorder, &uri, json!({"reason": "已核对", "method": "desk"})).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
                returned += 1;
            }
            let id = b.publish(reviewer, &p).await;
            if n % 5 == 0 {
                amended.push((id.clone(), *reviewer));
            }
            *published.entry(b.draws[k].clone()).or_insert(0) += 1;
        }
    }
    for (id, reviewer) in &amended {
        let r =
            b.post(reviewer, &format!("/api/results/{id}/amend"), json!({"reason": "复核", "method": "data"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let total: usize = published.values().sum();
    assert!(total >= 250 && waiting > 10 && returned > 30 && amended.len() > 50, "{total} {waiting} {returned}");

    // Public reads: only published results.
    for (draw, count) in &published {
        let list = call(&b.srv, "GET", &format!("/api/results?draw={draw}"), None, None).await.json();
        let results = list["results"].as_array().unwrap();
        assert_eq!(results.len(), *count, "draw {draw}");
        assert!(results.iter().all(|r| r["state"] == "已公示" && r["reviewed_by"].is_string()));
    }
    let listed = call(&b.srv, "GET", "/api/results?pending=true", Some(b.token("root")), None).await.json();
    assert_eq!(listed["results"].as_array().unwrap().len(), waiting);
    // Every entry written names its account, and no result is reviewed by its recorder.
    let written = entries_after(&b.srv.log, before);
    let results: Vec<&Value> = written.iter().filter(|e| e["kind"] == "InspectionResult").collect();
    assert_eq!(results.len(), total);
    for e in &results {
        let r = &e["body"]["result"];
        assert_eq!(r["state"], "已公示");
        assert_eq!(e["body"]["by"], r["reviewed_by"]);
        assert!(r["recorded_by"].as_str().is_some_and(|s| s.starts_with("rec-")), "{e}");
        assert!(r["reviewed_by"].as_str().is_some_and(|s| s.starts_with("rev-")), "{e}");
    }
    let joint_items: Vec<&Value> = results
        .iter()
        .filter(|e| e["body"]["draw"] == b.draws[1].as_str())
        .flat_map(|e| e["body"]["result"]["items"].as_array().unwrap())
        .collect();
    assert!(
        joint_items.iter().any(|i| i["department"] == HEALTH) && joint_items.iter().any(|i| i["department"] == MARKET)
    );
    let amendments: Vec<&Value> = written.iter().filter(|e| e["kind"] == "Amendment").collect();
    assert_eq!(amendments.len(), amended.len());
    assert!(amendments.iter().all(|e| e["body"]["by"].as_str().is_some_and(|s| s.starts_with("rev-"))));
    assert_eq!(written.len(), results.len() + amendments.len(), "nothing else was written");
    fairdraw(&["audit", "verify", "--log", s(&b.srv.log)], b.srv.log.parent().unwrap()).expect(0);
}
