//! The publication server's HTTP behaviour: status codes of bad requests
//! (400/405/413/415/422), JSON for every error, the bearer scheme, field
//! limits, compression, request ids and logging, and the connection-level
//! deadline for slow request headers (over a real TCP socket).

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use fairdraw::server::{serve, AppState, ServeOptions};
use serde_json::{json, Value};

const BODY_LIMIT: usize = 1 << 20;

/// A fresh log with no draws: enough for everything refused before the log is read.
fn empty_server() -> Server {
    let dir = tempdir();
    let log = dir.path().join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2024-10-01T00:00:00Z"], dir.path()).expect(0);
    Server { state: AppState::new(config(&log, "2024-11-01")), log, _dir: dir }
}

/// The demo log: one drand draw with targets to record results for.
fn demo_server() -> Server {
    server("2024-11-01")
}

const BEARER: &str = "Bearer correct horse battery staple";

/// A JSON write with the right token.
async fn write(s: &Server, uri: &str, body: Value) -> Reply {
    let headers = [("authorization", BEARER), ("content-type", "application/json")];
    send(s, "POST", uri, &headers, Body::from(body.to_string())).await
}

async fn get(s: &Server, uri: &str, headers: &[(&str, &str)]) -> Reply {
    send(s, "GET", uri, headers, Body::empty()).await
}

#[tokio::test]
async fn bodies_too_large_answer_413_and_bodies_not_declared_json_415() {
    let s = empty_server();
    let huge = json!({"draw": "x", "uscc": "y", "category": "未发现问题", "inspection_date": "2024-10-20", "findings": "x".repeat(BODY_LIMIT)});
    let r = write(&s, "/api/results", huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.error().contains("length limit"), "{}", r.error());

    let body = json!({"draw": "x", "uscc": "y", "category": "未发现问题", "inspection_date": "2024-10-20"}).to_string();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut headers = vec![("authorization", BEARER)];
        headers.extend(content_type.map(|c| ("content-type", c)));
        let r = send(&s, "POST", "/api/results", &headers, Body::from(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "content-type {content_type:?}");
        assert!(r.error().contains("application/json"), "{}", r.error());
    }
    // Still 400: not JSON, or JSON of the wrong shape.
    let headers = [("authorization", BEARER), ("content-type", "application/json")];
    let r = send(&s, "POST", "/api/results", &headers, Body::from("{\"draw\": ")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.error());
    for wrong in [
        json!({"draw": "x"}),
        json!({"draw": 1, "uscc": "y", "category": "未发现问题", "inspection_date": "2024-10-20"}),
        json!({"draw": "x", "uscc": "y", "category": "未发现问题", "inspection_date": "2024-10-20", "finding": "typo"}),
    ] {
        let r = write(&s, "/api/results", wrong.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{wrong}: {}", r.error());
    }
    assert_eq!(entry_count(&s.log), 1, "nothing written");
}

#[tokio::test]
async fn wrong_methods_answer_405_with_allow_and_without_the_token() {
    let s = empty_server();
    for (method, uri, allowed) in [
        ("DELETE", "/api/commitments", vec!["GET", "POST"]),
        ("PUT", "/api/results", vec!["GET", "POST"]),
        ("DELETE", "/api/draws/x", vec!["GET"]),
        ("GET", "/api/results/x/amend", vec!["POST"]),
        ("PATCH", "/api/commitments/x/reveal", vec!["POST"]),
    ] {
        let r = send(&s, method, uri, &[], Body::empty()).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        let allow: Vec<&str> = r.header("allow").split(',').map(str::trim).collect();
        for m in allowed {
            assert!(allow.contains(&m), "{method} {uri}: Allow {allow:?} lacks {m}");
        }
        assert!(r.error().contains(method) && r.error().contains("Allow"), "{}", r.error());
    }
}

#[tokio::test]
async fn every_error_is_json() {
    let s = empty_server();
    for (method, uri) in [
        ("GET", "/api/nothing/here"),
        ("PUT", "/api/nothing"),
        ("DELETE", "/api/x/y"),
        ("GET", "/api/"),
        ("POST", "/api"),
    ] {
        let r = send(&s, method, uri, &[], Body::empty()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert!(r.error().contains("no such API route"));
    }
    // The page's files answer GET only.
    let r = send(&s, "POST", "/verify.js", &[("content-type", "application/json")], Body::from("{}")).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(!r.error().is_empty());
    let r = get(&s, "/api/entries/not-a-number", &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.error().is_empty());
}

/// The 60 s request deadline on the paused test clock: a body that never
/// ends is answered 408 with a JSON error.
#[tokio::test(start_paused = true)]
async fn requests_that_take_too_long_answer_408_json() {
    let s = empty_server();
    let (_sender, never_ends) = http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(1);
    let headers = [("authorization", BEARER), ("content-type", "application/json")];
    let r = send(&s, "POST", "/api/results", &headers, Body::new(never_ends)).await;
    assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT);
    assert!(r.error().contains("too long"), "{}", r.error());
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_the_token_exact() {
    let s = empty_server();
    // `{}` lacks every field: 400 means the token was accepted, 401 that it was not.
    let with_auth = |value: String| {
        let s = &s;
        async move {
            let headers = [("authorization", value.as_str()), ("content-type", "application/json")];
            send(s, "POST", "/api/results", &headers, Body::from("{}")).await
        }
    };
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = with_auth(format!("{scheme} {TOKEN}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "scheme {scheme:?}: {}", r.error());
    }
    for wrong in [
        format!("Bearer  {TOKEN}"),
        format!("Bearer {TOKEN} "),
        format!("Bearer {TOKEN}  "),
        format!("Bearer\t{TOKEN}"),
        format!("Bearer{TOKEN}"),
        format!("Basic {TOKEN}"),
        format!("Bearer {}", TOKEN.to_uppercase()),
        format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]),
        "Bearer".to_string(),
        "Bearer ".to_string(),
    ] {
        let r = with_auth(wrong.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{wrong:?} was accepted");
        assert_eq!(r.header("www-authenticate"), "Bearer");
        assert!(r.error().contains("token"));
    }
    let r = send(&s, "POST", "/api/results", &[("content-type", "application/json")], Body::from("{}")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.header("www-authenticate"), "Bearer");
}

/// A limit as web/openapi.json documents it (`x-max-bytes`).
fn documented_limit(schema: &str, field: &str) -> usize {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(root().join("web/openapi.json")).unwrap()).unwrap();
    let prop = &doc["components"]["schemas"][schema]["properties"][field];
    prop["x-max-bytes"].as_u64().unwrap_or_else(|| panic!("{schema}.{field} has no x-max-bytes: {prop}")) as usize
}

/// `bytes` bytes of UTF-8, mostly three-byte characters.
fn text_of(bytes: usize) -> String {
    let mut t = "检".repeat(bytes / 3);
    t.push_str(&"x".repeat(bytes % 3));
    assert_eq!(t.len(), bytes);
    t
}

#[tokio::test]
async fn result_fields_are_limited_as_documented() {
    let s = demo_server();
    let findings_max = documented_limit("NewResult", "findings");
    let short_max = documented_limit("NewResult", "uscc");
    let reason_max = documented_limit("Amendment", "reason");
    assert_eq!(findings_max, documented_limit("Amendment", "findings"));
    assert_eq!((findings_max, reason_max), (8192, 2048), "the limits the project chose");

    let id = get(&s, "/api/draws", &[]).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    let detail = get(&s, &format!("/api/draws/{id}"), &[]).await.json();
    let targets: Vec<String> = detail["draw"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uscc"].as_str().unwrap().to_string())
        .collect();
    let result = |uscc: &str, findings: String| json!({"draw": id, "uscc": uscc, "category": "未发现问题", "inspection_date": "2024-10-20", "findings": findings});
    let before = entry_count(&s.log);
    for findings in [text_of(findings_max + 1), text_of(100 << 10)] {
        let r = write(&s, "/api/results", result(&targets[0], findings)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.error().contains("findings") && r.error().contains(&findings_max.to_string()), "{}", r.error());
    }
    // Every field over its limit is named at once.
    let mut both = result(&"9".repeat(short_max + 1), text_of(findings_max + 1));
    both["category"] = json!(text_of(short_max + 1));
    let r = write(&s, "/api/results", both).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["uscc", "category", "findings"] {
        assert!(r.error().contains(field), "{field} not named: {}", r.error());
    }
    assert_eq!(entry_count(&s.log), before, "nothing written");

    let r = write(&s, "/api/results", result(&targets[0], text_of(findings_max))).await;
    assert_eq!(r.status, StatusCode::CREATED, "exactly the limit is accepted: {}", r.error());
    let rid = r.json()["id"].as_str().unwrap().to_string();
    let amend = format!("/api/results/{rid}/amend");
    let r = write(&s, &amend, json!({"reason": text_of(reason_max + 1), "state": "已公示"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.error().contains("reason"), "{}", r.error());
    let r = write(&s, &amend, json!({"reason": "补充", "findings": text_of(findings_max + 1)})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.error().contains("findings"), "{}", r.error());
    let r = write(&s, &amend, json!({"reason": text_of(reason_max), "findings": text_of(findings_max)})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.error());
    assert_log_verifies(&s.log);
}

#[tokio::test]
async fn refused_values_answer_422() {
    let s = demo_server();
    let id = get(&s, "/api/draws", &[]).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    let body = |category: &str, date: &str, uscc: &str| json!({"draw": id, "uscc": uscc, "category": category, "inspection_date": date});
    for (bad, why) in [
        (body("还行", "2024-10-20", "91110000600037341L"), "未发现问题"),
        (body("未发现问题", "2024-13-01", "91110000600037341L"), "inspection_date"),
        (body("未发现问题", "2099-01-01", "91110000600037341L"), "future"),
        (body("未发现问题", "2024-10-20", "91110000600037341L"), "not a target"),
    ] {
        let r = write(&s, "/api/results", bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.error());
        assert!(r.error().contains(why), "{}", r.error());
    }
    let r =
        write(&s, "/api/commitments", json!({"plan": "", "enterprises": "", "inspectors": "", "beacon": "dice"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.error());
}

/// A body decompressed as its Content-Encoding says.
fn decode(encoding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("valid gzip"),
        "br" => brotli_decompressor::Decompressor::new(bytes, 4096).read_to_end(&mut out).expect("valid brotli"),
        other => panic!("unexpected encoding {other}"),
    };
    out
}

#[tokio::test]
async fn json_and_files_are_compressed_on_request_and_gzip_files_are_not_again() {
    let s = demo_server();
    let id = get(&s, "/api/draws", &[]).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    for uri in
        [format!("/api/draws/{id}"), "/api/draws".into(), "/verify.js".into(), format!("/api/draws/{id}/receipt")]
    {
        let plain = get(&s, &uri, &[]).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert!(plain.headers.get(header::CONTENT_ENCODING).is_none(), "{uri} compressed unasked");
        for encoding in ["gzip", "br"] {
            let r = get(&s, &uri, &[("accept-encoding", encoding)]).await;
            assert_eq!(r.header("content-encoding"), encoding, "{uri}");
            let vary: Vec<String> =
                r.headers.get_all(header::VARY).iter().map(|v| v.to_str().unwrap().to_lowercase()).collect();
            assert!(vary.iter().any(|v| v.contains("accept-encoding")), "{uri}: Vary {vary:?}");
            assert_eq!(decode(encoding, &r.body), plain.body, "{uri} {encoding} decompresses to the same bytes");
        }
    }
    // A registry snapshot is a gzip file: sent as it is, whatever is accepted.
    let detail = get(&s, &format!("/api/draws/{id}"), &[]).await.json();
    let root = detail["snapshots"]["enterprises"]["root"].as_str().unwrap().to_string();
    let plain = get(&s, &format!("/api/snapshots/{root}"), &[]).await;
    for encoding in ["gzip", "br", "gzip, br"] {
        let r = get(&s, &format!("/api/snapshots/{root}"), &[("accept-encoding", encoding)]).await;
        assert!(r.headers.get(header::CONTENT_ENCODING).is_none(), "snapshot compressed twice with {encoding}");
        assert_eq!(r.header("content-type"), "application/gzip");
        assert_eq!(r.body, plain.body);
        assert_eq!(fairdraw::log::snapshots::unpack(&r.body, &root).unwrap().len(), 5000);
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let s = empty_server();
    let a = get(&s, "/api/checkpoint", &[]).await;
    let b = get(&s, "/api/checkpoint", &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("x-request-id").len(), 36, "a UUID: {}", a.header("x-request-id"));
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    for (method, uri) in [("GET", "/api/nothing"), ("PUT", "/api/results"), ("POST", "/api/results"), ("GET", "/")] {
        let r = send(&s, method, uri, &[("x-request-id", "client-chosen-42")], Body::empty()).await;
        assert_eq!(r.header("x-request-id"), "client-chosen-42", "{method} {uri}");
    }
}

/// What the server logged in this test process (every test's lines; each
/// test picks its own by request id).
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_writer(move || Sink(sink.clone()))
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber in this test binary");
        buffer
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The JSON log lines whose request span has this id.
fn lines_of(log: &Mutex<Vec<u8>>, request_id: &str) -> Vec<Value> {
    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("log line not JSON ({e}): {l}")))
        .filter(|l| l["span"]["id"] == request_id)
        .collect()
}

#[tokio::test]
async fn each_request_logs_one_line_and_writes_log_the_entry_ids() {
    let log = captured_log();
    let s = demo_server();
    let r = get(&s, "/api/draws/abcdef01", &[("x-request-id", "trace-test-read")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let lines = lines_of(&log, "trace-test-read");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let span = &lines[0]["span"];
    assert_eq!((span["method"].as_str(), span["route"].as_str()), (Some("GET"), Some("/api/draws/{id}")));
    assert_eq!(lines[0]["fields"]["status"], 404);
    assert!(lines[0]["fields"]["latency"].as_str().unwrap().ends_with("ms"), "{}", lines[0]);

    let id = get(&s, "/api/draws", &[]).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    let detail = get(&s, &format!("/api/draws/{id}"), &[]).await.json();
    let target = detail["draw"]["assignments"][0]["uscc"].as_str().unwrap();
    let body = json!({"draw": id, "uscc": target, "category": "未发现问题", "inspection_date": "2024-10-20"});
    let headers =
        [("authorization", BEARER), ("content-type", "application/json"), ("x-request-id", "trace-test-record")];
    let r = send(&s, "POST", "/api/results", &headers, Body::from(body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let pending = r.json()["id"].as_str().unwrap().to_string();
    let lines = lines_of(&log, "trace-test-record");
    assert!(lines.iter().any(|l| l["fields"]["pending"] == pending.as_str()), "{lines:?}");
    // Publishing is the write that logs the result.
    let headers =
        [("authorization", BEARER), ("content-type", "application/json"), ("x-request-id", "trace-test-write")];
    let publish = json!({"reason": "审核通过", "state": "已公示"});
    let r = send(&s, "POST", &format!("/api/results/{pending}/amend"), &headers, Body::from(publish.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let appended = r.json()["id"].as_str().unwrap().to_string();
    let lines = lines_of(&log, "trace-test-write");
    assert!(
        lines.iter().any(|l| l["fields"]["ids"].as_str().is_some_and(|ids| ids.contains(&appended))),
        "no line names the appended entry {appended}: {lines:?}"
    );
    assert_eq!(lines.iter().filter(|l| l["fields"]["status"] == 201).count(), 1, "{lines:?}");
}

/// `fairdraw serve --log-format json`: every stderr line is a JSON object,
/// requests included.
#[test]
fn serve_logs_json_lines_when_asked() {
    let server = empty_server();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
        .args(["serve", "--log", s(&server.log), "--addr", "127.0.0.1:0", "--log-format", "json"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let next_line = || rx.recv_timeout(Duration::from_secs(30)).expect("a log line within 30 s");
    let started: Value = serde_json::from_str(&next_line()).expect("the first line is JSON");
    let message = started["fields"]["message"].as_str().unwrap();
    let addr = message.split_whitespace().find_map(|w| w.strip_prefix("http://")).expect("the address").to_string();
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
    write!(tcp, "GET /api/log.pub HTTP/1.1\r\nhost: x\r\nx-request-id: json-line\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let line: Value = serde_json::from_str(&next_line()).expect("the request's line is JSON");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(line["span"]["id"], "json-line", "{line}");
    assert_eq!(line["span"]["route"], "/api/log.pub", "{line}");
    assert_eq!(line["fields"]["status"], 200, "{line}");
}

/// Over a real socket: a client that sends half a request header is
/// disconnected after the header deadline, a complete request is answered,
/// and the server stops when told to.
#[tokio::test]
async fn half_sent_headers_are_cut_off_by_the_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = empty_server();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions { header_read_timeout: Duration::from_secs(1) };
    let server = tokio::spawn(serve(listener, s.state.clone(), options, async {
        let _ = stopped.await;
    }));

    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /api/log.pub HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
    let mut reply = String::new();
    ok.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/log.pub HTTP/1.1\r\nhost: x\r\nx-slow: ").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(15), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "a half-sent header still holds its connection open after 15 s");
    assert!(!String::from_utf8_lossy(&rest).contains(" 200 "), "answered a half-sent request");

    stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(15), server).await;
    finished.expect("serve stops when told to").unwrap().unwrap();
}
