//! Driving the server's router without a port, for the server test binaries
//! (included with `#[path]`, since only they need axum).
#![allow(dead_code)]

use super::common::*;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use fairdraw::model::date::Date;
use fairdraw::server::{app, AppState, Config};
use http_body_util::BodyExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use tower::ServiceExt;

pub const TOKEN: &str = "correct horse battery staple";

pub struct Server {
    pub _dir: tempfile::TempDir,
    pub log: std::path::PathBuf,
    pub state: AppState,
}

/// A demo log (one drand draw) served with a fixed "today".
pub fn server(today: &str) -> Server {
    let dir = tempdir();
    fairdraw(&["demo", "--out-dir", s(dir.path())], dir.path()).expect(0);
    let log = dir.path().join("demo-log");
    let state = AppState::new(config(&log, today));
    Server { _dir: dir, log, state }
}

/// The test configuration: the bundled page, the test token, a fixed today.
pub fn config(log: &Path, today: &str) -> Config {
    Config {
        log_dir: log.to_path_buf(),
        web_dir: root().join("web"),
        token_sha256: Some(Sha256::digest(TOKEN.as_bytes()).into()),
        today: Some(Date::parse(today).unwrap()),
        max_body_bytes: 1 << 20,
        cache_bytes: Config::DEFAULT_CACHE_BYTES,
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The `error` of a JSON error answer (checking that it is JSON).
    pub fn error(&self) -> String {
        let content_type = self.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(content_type.as_deref(), Some("application/json"), "{} must be JSON", self.status);
        self.json()["error"].as_str().unwrap_or_else(|| panic!("no error string: {}", self.json())).to_string()
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers)).to_str().unwrap()
    }
}

/// `headers` as given (no defaults), then the body.
pub async fn send(s: &Server, method: &str, uri: &str, headers: &[(&str, &str)], body: Body) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = app(s.state.clone()).oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

pub async fn call(s: &Server, method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    call_from(s, None, method, uri, token, body).await
}

/// [`call`] from a client address, as the server's accept loop marks each
/// request (`ConnectInfo`); `None`: no address, as for an in-process call.
pub async fn call_from(
    s: &Server,
    peer: Option<&str>,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let mut req = match body {
        Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    if let Some(peer) = peer {
        let addr: std::net::SocketAddr = peer.parse().unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    }
    let res = app(s.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

/// Adds a named account to the log's accounts file (as `fairdraw user add`
/// does) and returns its token.
pub fn add_account(log: &Path, name: &str, role: &str, department: Option<&str>) -> String {
    use fairdraw::log::accounts::Accounts;
    let mut all = Accounts::load(log).unwrap().unwrap_or_default();
    let token = all.add(name, role, department, "2026-11-30T00:00:00Z").unwrap_or_else(|e| panic!("{e:?}"));
    all.save(log).unwrap();
    token
}

pub fn entry_count(log: &Path) -> usize {
    std::fs::read_to_string(log.join("entries.jsonl")).unwrap().lines().count()
}

/// Records a result (it waits for review, unlogged) and publishes it (the
/// reviewer's step, which logs it); returns the published result.
pub async fn record_and_publish(s: &Server, body: Value) -> Value {
    let r = call(s, "POST", "/api/results", Some(TOKEN), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "record: {}", r.text());
    let pending = r.json()["id"].as_str().unwrap().to_string();
    let publish = serde_json::json!({"reason": "审核通过", "state": "已公示"});
    let r = call(s, "POST", &format!("/api/results/{pending}/amend"), Some(TOKEN), Some(publish)).await;
    assert_eq!(r.status, StatusCode::CREATED, "publish: {}", r.text());
    r.json()
}

/// The first draw of the server's log and its targets, through the public API.
pub async fn draw_and_targets(s: &Server) -> (String, Vec<String>) {
    let id = call(s, "GET", "/api/draws", None, None).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    let detail = call(s, "GET", &format!("/api/draws/{id}"), None, None).await.json();
    let targets = detail["draw"]["assignments"].as_array().unwrap().iter();
    (id, targets.map(|a| a["uscc"].as_str().unwrap().to_string()).collect())
}
