//! Issue 10 across the three verifiers, on logs made by the real CLI
//! (audit/LOG-FORMAT.md, "Publication"): a protected log verifies on its
//! public mirror and as an auditor export in `fairdraw audit verify`,
//! `audit/verify.py log` and `web/verify.js log`; every firm's disclosure
//! verifies in all three and a tampered one (other class, salt, ticket) is
//! refused by all three; an embargoed draw is sealed until its date, its
//! publication verifies against the seal, and a publication that differs,
//! re-signed with the log's own key, is reported by every verifier.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;

use std::path::Path;
use std::process::Command;

use base64::Engine;

use serde_json::Value;

const NOW: &str = "2024-10-20T00:00:00Z";
const PUBLIC_NOTE: &str =
    "protected log: replay, eligibility of unselected firms and team rules that use private fields need the auditor export";

/// The three log verifiers on `log`, each expected to exit `code`; their
/// outputs (stdout and stderr together), Rust first.
fn three_on_log(dir: &Path, log: &Path, code: i32) -> [String; 3] {
    let runs = [
        fairdraw(&["audit", "verify", "--log", s(log), "--now", NOW], dir),
        verify_py(&["log", s(log), "--now", NOW], dir),
        verify_js(&["log", s(log), "--now", NOW], dir),
    ];
    runs.map(|r| {
        let text = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.code, code, "exit code of a log verifier on {}\n{text}", log.display());
        text
    })
}

/// The three disclosure checkers on `file`, each expected to exit `code`.
fn three_on_disclosure(dir: &Path, file: &Path, code: i32, what: &str) -> [String; 3] {
    let runs = [
        fairdraw(&["audit", "disclosure", s(file)], dir),
        verify_py(&["disclosure", s(file)], dir),
        verify_js(&["disclosure", s(file)], dir),
    ];
    runs.map(|r| {
        let text = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.code, code, "{what}: exit code of a disclosure checker\n{text}");
        text
    })
}

/// An edit of a disclosure, named.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn a_protected_log_verifies_on_its_mirror_and_for_its_auditors_in_all_three_verifiers() {
    let dir = tempdir();
    let d = dir.path();
    ceremony_drawn_log(d, "protected", &data("plan-single.toml"));
    let log = d.join("log");

    let mirror = d.join("mirror");
    public_mirror(&log, &mirror);
    for out in three_on_log(d, &mirror, 0) {
        assert!(out.contains(PUBLIC_NOTE), "the mirror is checked publicly and says so:\n{out}");
    }

    let export = d.join("export");
    fairdraw(&["audit", "export", "--log", s(&log), "--for-auditor", s(&export)], d).expect(0);
    assert!(!export.join("private").exists(), "the export holds no private directory");
    for out in three_on_log(d, &export, 0) {
        assert!(!out.contains(PUBLIC_NOTE), "the auditor export is checked in full:\n{out}");
    }
    let replay = fairdraw(&["audit", "replay", "--log", s(&export)], d).expect(0);
    assert!(replay.stdout.contains("OK") && !replay.stdout.contains("SKIP"), "{}", replay.stdout);
    // The mirror cannot replay: it says so instead of passing silently.
    let replay = fairdraw(&["audit", "replay", "--log", s(&mirror)], d).expect(0);
    assert!(replay.stdout.contains("SKIP"), "{}", replay.stdout);
}

/// Disclosures of the selected firm and of a sample of others (eligible but
/// above the cutoff, out of scope, excluded), by state.
fn disclosures(d: &Path, log: &Path, draw: &str) -> Vec<(String, Value, std::path::PathBuf)> {
    let result = log_entries(log).into_iter().find(|e| e["kind"] == "DrawResult").unwrap();
    let doc = result["body"].get("draw").cloned().unwrap_or(Value::Null);
    let selected = doc["assignments"][0]["uscc"].as_str().unwrap().to_string();
    let csv = std::fs::read_to_string(data("enterprises.csv")).unwrap();
    let mut usccs: Vec<String> = vec![selected];
    usccs.extend(csv.lines().skip(1).take(40).map(|l| l.split(',').next().unwrap().to_string()));
    let plan = std::fs::read_to_string(data("plan-single.toml")).unwrap();
    usccs.extend(plan.lines().filter_map(|l| l.trim().strip_prefix('"')?.split('"').next().map(String::from)).take(1));
    let mut out: Vec<(String, Value, std::path::PathBuf)> = Vec::new();
    for (k, uscc) in usccs.iter().enumerate() {
        let file = d.join(format!("disclosure-{k}.json"));
        fairdraw(&["audit", "disclose", uscc, "--log", s(log), "--draw", draw, "--out", s(&file)], d).expect(0);
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let key = format!("{}/{}", v["verdict"]["state"].as_str().unwrap(), v["verdict"]["selected"]);
        if !out.iter().any(|(k, _, _)| *k == key) {
            out.push((key, v, file));
        }
    }
    out
}

#[test]
fn every_firms_disclosure_verifies_in_all_three_and_a_tampered_one_in_none() {
    let dir = tempdir();
    let d = dir.path();
    let draw = ceremony_drawn_log(d, "protected", &data("plan-single.toml"));
    let log = d.join("log");
    let found = disclosures(d, &log, &draw);
    let kinds: Vec<&str> = found.iter().map(|(k, _, _)| k.as_str()).collect();
    for want in ["eligible/true", "eligible/false", "out/false", "excluded/false"] {
        assert!(kinds.contains(&want), "a disclosure of state {want} among {kinds:?}");
    }
    for (kind, _, file) in &found {
        three_on_disclosure(d, file, 0, kind);
    }

    // Tampered copies of the selected firm's and of an unselected firm's
    // disclosure: each refused (exit 1) by all three.
    let other_class = |c: &str| if c == "A" { "B" } else { "A" }.to_string();
    for (kind, v, _) in found.iter().filter(|(k, _, _)| k == "eligible/true" || k == "eligible/false") {
        let edits: Vec<(&str, Edit)> = vec![
            (
                "other class",
                Box::new(move |v: &mut Value| {
                    let c = other_class(v["leaf"][2].as_str().unwrap());
                    v["leaf"][2] = Value::from(c.clone());
                    v["verdict"]["class"] = Value::from(c);
                }),
            ),
            (
                "other salt",
                Box::new(|v: &mut Value| {
                    let salt = v["salt"].as_str().unwrap();
                    let flipped = if salt.starts_with('0') { "1" } else { "0" };
                    v["salt"] = Value::from(format!("{flipped}{}", &salt[1..]));
                }),
            ),
            (
                "other ticket",
                Box::new(|v: &mut Value| {
                    let t = v["verdict"]["ticket"].as_str().unwrap();
                    let last = if t.ends_with('1') { "2" } else { "1" };
                    v["verdict"]["ticket"] = Value::from(format!("{}{last}", &t[..t.len() - 1]));
                }),
            ),
        ];
        for (what, edit) in edits {
            let mut bad = v.clone();
            edit(&mut bad);
            let file = d.join("tampered.json");
            std::fs::write(&file, serde_json::to_vec(&bad).unwrap()).unwrap();
            three_on_disclosure(d, &file, 1, &format!("{kind}, {what}"));
        }
    }
    let file = d.join("garbage.json");
    std::fs::write(&file, "{\"format\": \"fairdraw-disclosure/1\"").unwrap();
    three_on_disclosure(d, &file, 2, "not JSON");
}

#[test]
fn an_embargoed_draw_is_sealed_until_its_date_and_a_different_publication_is_reported_by_all_three() {
    let dir = tempdir();
    let d = dir.path();
    let minimal = std::fs::read_to_string(data("plan-minimal.toml")).unwrap();
    let plan = write(d, "plan.toml", &format!("embargo_until = \"2024-10-08\"\n{minimal}"));
    let draw = ceremony_drawn_log(d, "protected", &plan);
    let log = d.join("log");
    let mirror = d.join("mirror");
    public_mirror(&log, &mirror);
    let sealed = log_entries(&mirror).into_iter().find(|e| e["kind"] == "DrawResult").unwrap();
    assert!(sealed["body"].get("draw").is_none() && sealed["body"].get("openings").is_none(), "{sealed}");
    for out in three_on_log(d, &mirror, 0) {
        assert!(out.contains("sealed until 2024-10-08"), "{out}");
    }

    let early = fairdraw(&["unseal", "--log", s(&log), "--draw", &draw, "--now", "2024-10-07T15:00:00Z"], d);
    assert_ne!(early.code, 0, "unsealed before its date: {}{}", early.stdout, early.stderr);
    fairdraw(&["unseal", "--log", s(&log), "--draw", &draw, "--now", "2024-10-08T01:00:00Z"], d).expect(0);
    let mirror = d.join("mirror-published");
    public_mirror(&log, &mirror);
    for out in three_on_log(d, &mirror, 0) {
        assert!(!out.contains("sealed until"), "{out}");
    }
    let verdict = page_verdict(d, &log, &draw);
    assert_eq!(verdict["status"], "partial", "checked, but not witnessed (no policy): {verdict}");
    for (check, state) in [("recompute", "ok"), ("inclusion", "ok")] {
        let c = verdict["checks"].as_array().unwrap().iter().find(|c| c["id"] == check).unwrap();
        assert_eq!(c["state"], state, "{check}: {verdict}");
    }

    // The operator publishes another list than the sealed one and re-signs
    // the log with its own key: every verifier reports it.
    let mut all = log_entries(&mirror);
    let publication = all.iter_mut().find(|e| e["kind"] == "DrawPublication").unwrap();
    let strata = publication["body"]["draw"]["strata"].as_array_mut().unwrap();
    let stratum = strata.iter_mut().find(|s| s["selected"].as_array().is_some_and(|a| a.len() > 1)).unwrap();
    stratum["selected"].as_array_mut().unwrap().swap(0, 1);
    write_log_entries(&mirror, &all);
    std::fs::copy(log.join("private/log.key"), mirror.join("log.key.tmp")).unwrap();
    std::fs::create_dir_all(mirror.join("private")).unwrap();
    std::fs::rename(mirror.join("log.key.tmp"), mirror.join("private/log.key")).unwrap();
    resign_log(&mirror);
    std::fs::remove_dir_all(mirror.join("private")).unwrap();
    for out in three_on_log(d, &mirror, 1) {
        assert!(out.contains("does not match the sealed draw"), "{out}");
    }
}

/// The page's verdict (web/verdict.js in node) on the real server's answers
/// about draw `id` of the log in `log`.
fn page_verdict(d: &Path, log: &Path, id: &str) -> Value {
    let server = http::Server {
        _dir: tempdir(),
        log: log.to_path_buf(),
        state: fairdraw::server::AppState::new(http::config(log, "2024-10-20")),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let get = |url: &str| rt.block_on(http::call(&server, "GET", url, None, None));
    let detail = get(&format!("/api/draws/{id}")).json();
    for (registry, s) in detail["snapshots"].as_object().unwrap() {
        assert_eq!(s["blinded"], true, "{registry}: a protected log offers its blinded snapshots");
        assert!(get(s["url"].as_str().unwrap()).status.is_success(), "{registry}: {s}");
    }
    let mut text = serde_json::Map::new();
    let mut json = serde_json::Map::new();
    let mut bytes = serde_json::Map::new();
    let mut urls: Vec<String> = vec!["/api/log.pub".into(), detail["receipt_url"].as_str().unwrap().into()];
    urls.extend(detail["publication_receipt_url"].as_str().map(String::from));
    for url in urls {
        text.insert(url.clone(), Value::from(get(&url).text()));
    }
    let witnesses = format!("/api/draws/{id}/witnesses");
    json.insert(witnesses.clone(), get(&witnesses).json());
    for part in ["snapshots", "blinded"] {
        for s in detail["commitment"][part].as_object().into_iter().flat_map(|o| o.values()) {
            let url = format!("/api/snapshots/{}", s["root"].as_str().unwrap());
            let reply = get(&url);
            if reply.status.is_success() {
                bytes.insert(url, Value::from(base64::engine::general_purpose::STANDARD.encode(&reply.body)));
            }
        }
    }
    let saved = d.join("answers.json");
    let answers = serde_json::json!({"detail": detail, "text": text, "json": json, "bytes": bytes});
    std::fs::write(&saved, answers.to_string()).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/browser/verdict-answer.mjs"))
        .arg(&saved)
        .output()
        .expect("node must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap()
}
