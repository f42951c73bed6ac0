//! `node web/verify.js log DIR` against logs made by the real CLI, and
//! tampered copies of them, with the same verdicts as
//! `python3 audit/verify.py log`; its cosignature/witness unit tests
//! (tests/verify-js/log.test.mjs, golden vector and tiny witnessed logs
//! built in node); and the server serving the modules of web/verify/.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;

use axum::http::StatusCode;
use std::path::{Path, PathBuf};
use std::process::Command;

/// quicknet round 12040883 is emitted at 2024-10-14T17:13:33Z: commit before, reveal after.
const ROUND: &str = "12040883";
const BEFORE_ROUND: &str = "2024-10-14T17:00:00Z";
const AFTER_ROUND: &str = "2024-10-14T17:14:00Z";

fn log_dir(d: &Path) -> PathBuf {
    d.join("log")
}

fn commit(d: &Path, plan: &str) -> String {
    commit_plan(d, &data(plan))
}

fn commit_plan(d: &Path, p: &Path) -> String {
    let (log, e, i, c) = (log_dir(d), data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv"));
    let beacon = format!("drand:quicknet:{ROUND}");
    let out = fairdraw(
        &[
            "commit",
            "--log",
            s(&log),
            "--now",
            BEFORE_ROUND,
            "--beacon",
            &beacon,
            "--enterprises",
            s(&e),
            "--inspectors",
            s(&i),
            "--conflicts",
            s(&c),
            "--plan",
            s(p),
        ],
        d,
    )
    .expect(0);
    out.stdout.lines().last().unwrap().trim().to_string()
}

fn reveal(d: &Path, id: &str) -> String {
    let json = data(&format!("drand/round-{ROUND}.json"));
    let out = fairdraw(&["reveal", id, "--log", s(&log_dir(d)), "--now", AFTER_ROUND, "--drand-json", s(&json)], d);
    out.expect(0).stdout.lines().last().unwrap().trim().to_string()
}

fn init(d: &Path) {
    fairdraw(&["init", "--log", s(&log_dir(d)), "--now", "2023-08-01T00:00:00Z"], d).expect(0);
}

/// Both verifiers on the log at `now`: (node, python), each with its exit code checked equal.
fn both(d: &Path, now: &str) -> (Run, Run) {
    let log = log_dir(d);
    let js = verify_js(&["log", s(&log), "--now", now], d);
    let py = verify_py(&["log", s(&log), "--now", now], d);
    assert_eq!(
        js.code, py.code,
        "verify.js and verify.py disagree\n--- verify.js\n{}{}\n--- verify.py\n{}{}",
        js.stdout, js.stderr, py.stdout, py.stderr
    );
    (js, py)
}

/// A log with one revealed draw, and its entries and checkpoint records as written.
fn revealed_log(d: &Path) -> (PathBuf, String, String) {
    init(d);
    let c = commit(d, "plan-single.toml");
    reveal(d, &c);
    let log = log_dir(d);
    let entries = std::fs::read_to_string(log.join("entries.jsonl")).unwrap();
    let records = std::fs::read_to_string(log.join("checkpoints.jsonl")).unwrap();
    (log, entries, records)
}

fn lines_with<'a>(out: &'a str, what: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.contains(what)).collect()
}

#[test]
fn a_logged_draw_verifies_and_says_it_is_unwitnessed() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let c = commit(d, "plan-single.toml");
    let result = reveal(d, &c);
    let (js, py) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 0, "{}{}", js.stdout, py.stdout);
    let last = js.stdout.lines().last().unwrap();
    assert!(last.starts_with("VERIFIED: 7 entries, 7 checkpoints"), "{}", js.stdout);
    assert!(last.contains("1 draw(s) replayed"), "{last}");
    assert!(js.stdout.lines().any(|l| l.starts_with(&format!("OK {result} "))), "{}", js.stdout);
    let line = format!("draw {result}: unwitnessed: the operator could have re-rolled this draw");
    assert!(js.stdout.lines().any(|l| l == line), "{}", js.stdout);
    // --vkey pins the key: the right one passes, another one is a replaced key
    let pub_key = std::fs::read_to_string(log_dir(d).join("log.pub")).unwrap();
    let log = log_dir(d);
    verify_js(&["log", s(&log), "--now", AFTER_ROUND, "--vkey", pub_key.trim()], d).expect(0);
    let other = tempdir();
    init(other.path());
    let other_pub = log_dir(other.path()).join("log.pub");
    let replaced = verify_js(&["log", s(&log), "--now", AFTER_ROUND, "--vkey", s(&other_pub)], d).expect(1);
    assert!(replaced.stdout.contains("the log's key was replaced"), "{}", replaced.stdout);
    // unreadable input: exit 2
    verify_js(&["log", s(&d.join("nowhere"))], d).expect(2);
    verify_js(&["log", s(&log), "--now", "yesterday"], d).expect(2);
}

#[test]
fn an_edited_entry_and_a_bad_checkpoint_signature_are_tampering_in_both() {
    let dir = tempdir();
    let d = dir.path();
    let (log, entries, records) = revealed_log(d);

    // An entry edited in place (still canonical JSON): its checkpoints no longer match.
    let edited = entries.replacen("\"simulated\":true", "\"simulated\":false", 1);
    assert_ne!(edited, entries);
    std::fs::write(log.join("entries.jsonl"), &edited).unwrap();
    let (js, _) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 1, "{}", js.stdout);
    assert!(js.stdout.contains("entry 0 (now id"), "{}", js.stdout);
    assert!(js.stdout.lines().last().unwrap().starts_with("TAMPERED:"), "{}", js.stdout);
    std::fs::write(log.join("entries.jsonl"), &entries).unwrap();
    both(d, AFTER_ROUND).0.expect(0);

    // One checkpoint signature changed (one base64 character of the log's signature line).
    let first = records.lines().next().unwrap();
    let mut bytes = first.as_bytes().to_vec();
    let sig = first.rfind(' ').unwrap() + 20; // inside the base64 of the signature (after the key id)
    bytes[sig] = if bytes[sig] == b'A' { b'B' } else { b'A' };
    let tampered = records.replacen(first, std::str::from_utf8(&bytes).unwrap(), 1);
    std::fs::write(log.join("checkpoints.jsonl"), tampered).unwrap();
    let (js, _) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 1, "{}", js.stdout);
    assert!(js.stdout.contains("the checkpoint for size 1 does not verify"), "{}", js.stdout);
}

#[test]
fn abandoned_and_competing_commitments_are_worded_like_verify_py() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let a = commit(d, "plan-single.toml");
    // waiting for its round: fine in both
    both(d, "2024-10-14T17:10:00Z").0.expect(0);
    // the round is out and nothing was revealed: abandoned
    let (js, py) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 1);
    let (j, p) = (lines_with(&js.stdout, "abandoned commitment"), lines_with(&py.stdout, "abandoned commitment"));
    assert_eq!(j.len(), 1, "{}", js.stdout);
    assert!(j[0].contains(&a), "{}", js.stdout);
    assert_eq!(j, p, "the same line in both verifiers");

    // a second ticket for the same round, then only the first revealed
    let b = commit(d, "plan-single.toml");
    reveal(d, &a);
    let (js, py) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 1);
    for what in ["abandoned commitment", "competing commitments"] {
        let (j, p) = (lines_with(&js.stdout, what), lines_with(&py.stdout, what));
        assert_eq!(j.len(), 1, "{what}: {}", js.stdout);
        assert_eq!(j, p, "{what}: the same line in both verifiers");
    }
    assert!(lines_with(&js.stdout, "abandoned commitment")[0].contains(&b), "{}", js.stdout);
    let competing = lines_with(&js.stdout, "competing commitments")[0];
    assert!(competing.contains(&a) && competing.contains(&b), "{competing}");
}

/// LOG-FORMAT "Abandoned and competing commitments": two districts drawing
/// one item at one round do not compete; a city and one of its districts do.
/// Rust, Python and JS give the same verdict.
#[test]
fn commitments_with_disjoint_scopes_do_not_compete_in_any_verifier() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    for file in ["items.csv", "exclude.csv", "history.csv"] {
        std::fs::copy(data(file), d.join(file)).unwrap();
    }
    let single = std::fs::read_to_string(data("plan-single.toml")).unwrap();
    let original = r#"regions = ["330106", "330108", "330110"]"#;
    assert!(single.contains(original), "plan-single.toml changed: update this test");
    let plan_for = |name: &str, regions: &str| {
        let path = d.join(name);
        std::fs::write(&path, single.replace(original, &format!("regions = {regions}"))).unwrap();
        path
    };
    let west = commit_plan(d, &plan_for("west.toml", r#"["330106"]"#));
    let binjiang = commit_plan(d, &plan_for("binjiang.toml", r#"["330108"]"#));
    reveal(d, &west);
    reveal(d, &binjiang);
    let rust = |d: &Path| fairdraw(&["audit", "verify", "--log", s(&log_dir(d)), "--now", AFTER_ROUND], d);
    let (js, py) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 0, "{}", js.stdout);
    assert!(lines_with(&py.stdout, "competing").is_empty(), "{}", py.stdout);
    rust(d).expect(0);

    let city = commit_plan(d, &plan_for("city.toml", r#"["3301"]"#));
    reveal(d, &city);
    let (js, py) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 1, "{}", js.stdout);
    let (j, p) = (lines_with(&js.stdout, "competing commitments"), lines_with(&py.stdout, "competing commitments"));
    assert_eq!(j.len(), 1, "{}", js.stdout);
    assert_eq!(j, p, "the same line in both verifiers");
    for id in [&west, &binjiang, &city] {
        assert!(j[0].contains(id.as_str()), "{}", j[0]);
    }
    let r = rust(d).expect(1);
    assert!(r.stdout.lines().any(|l| l.contains("competing commitments") && l.contains(&city)), "{}", r.stdout);
}

#[test]
fn cosignatures_and_witnessed_logs_in_node() {
    let out = Command::new("node")
        .args(["--test", "tests/verify-js/log.test.mjs"])
        .current_dir(root())
        .output()
        .expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("# pass 7") && text.contains("# fail 0"), "every node test ran: {text}");
}

/// LOG-FORMAT "Static publication" in node: tile paths, the C2SP worked
/// example, tiles folding to the root, entry bundles; `verify.js log DIR`
/// with static files (changed, unknown, missing, dot-files); `verify.js log
/// URL` on a static mirror of a log made by this binary, served on 127.0.0.1
/// without entries.jsonl (verifies; a changed entry or tile is tampering, a
/// missing entry too, a missing tile a note, a 500 exits 2).
#[test]
fn static_tiles_and_mirrors_read_over_http_in_node() {
    let out = Command::new("node")
        .args(["--test", "tests/verify-js/static.test.mjs"])
        .current_dir(root())
        .env("FAIRDRAW", env!("CARGO_BIN_EXE_fairdraw"))
        .output()
        .expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("# pass 9") && text.contains("# fail 0"), "every node test ran: {text}");
}

/// LOG-FORMAT "Publication" in node: the blinding vector, protected logs
/// (public checks, auditor export), sealed draws and publications, and
/// disclosures through `verify.js disclosure`, each tampering case failing.
#[test]
fn protected_logs_sealed_draws_and_disclosures_in_node() {
    for (file, count) in [("tests/verify-js/publication.test.mjs", 16), ("tests/verify-js/disclosure.test.mjs", 7)] {
        let out =
            Command::new("node").args(["--test", file]).current_dir(root()).output().expect("node must be installed");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{file}: {text}");
        assert!(
            text.contains(&format!("# pass {count}")) && text.contains("# fail 0"),
            "every node test of {file} ran: {text}"
        );
    }
}

#[tokio::test]
async fn the_server_serves_the_verifier_modules() {
    let s = http::server("2024-11-01");
    for path in ["/verify.js", "/verify/log.js", "/verify/canonical-json.js"] {
        let r = http::call(&s, "GET", path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text().contains("export "), "{path} is the module, not the page");
    }
}

#[test]
fn every_kind_of_tampering_gets_the_same_verdict_as_verify_py() {
    let dir = tempdir();
    let d = dir.path();
    let (log, entries, records) = revealed_log(d);
    let pristine: Vec<String> = entries.lines().map(String::from).collect();
    let tampered = |what: &str, expect_in: &str| {
        let (js, _) = both(d, AFTER_ROUND);
        assert_eq!(js.code, 1, "{what} not reported:\n{}", js.stdout);
        assert!(js.stdout.contains(expect_in), "{what}: expected {expect_in:?} in\n{}", js.stdout);
    };
    let write_entries = |lines: &[String]| {
        std::fs::write(log.join("entries.jsonl"), lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap()
    };
    for i in 0..pristine.len() {
        let mut lines = pristine.clone();
        let mut bytes = lines[i].clone().into_bytes();
        let pos = bytes.len() / 2;
        bytes[pos] = if bytes[pos] == b'1' { b'2' } else { b'1' };
        lines[i] = String::from_utf8_lossy(&bytes).into_owned();
        write_entries(&lines);
        tampered(&format!("a flipped byte in entry {i}"), &format!("entry {i}"));
    }
    let mut lines = pristine.clone();
    lines.remove(2);
    write_entries(&lines);
    tampered("a deleted entry", "entries were deleted");
    let mut lines = pristine.clone();
    lines.swap(1, 2);
    write_entries(&lines);
    tampered("reordered entries", "entry 1");
    write_entries(&pristine);
    both(d, AFTER_ROUND).0.expect(0);

    std::fs::write(log.join("checkpoints.jsonl"), records.replacen("\"size\":3", "\"size\":4", 1)).unwrap();
    tampered("a changed checkpoint record", "checkpoints.jsonl line 3");
    std::fs::remove_file(log.join("checkpoints.jsonl")).unwrap();
    tampered("deleted checkpoints", "no committed checkpoint record");
    std::fs::write(log.join("checkpoints.jsonl"), &records).unwrap();
    let newest = std::fs::read_to_string(log.join("checkpoint")).unwrap();
    let first: serde_json::Value = serde_json::from_str(records.lines().next().unwrap()).unwrap();
    std::fs::write(log.join("checkpoint"), first["checkpoint"].as_str().unwrap()).unwrap();
    tampered("an old checkpoint file", "checkpoint is the old checkpoint of size 1");
    std::fs::write(log.join("checkpoint"), newest).unwrap();
    both(d, AFTER_ROUND).0.expect(0);
}

#[test]
fn two_open_ceremonies_compete_in_the_same_words() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let log = log_dir(d);
    let commit_ceremony = || {
        let (e, i, p) = (data("enterprises.csv"), data("inspectors.csv"), data("plan-minimal.toml"));
        let args = ["commit", "--log", s(&log), "--beacon", "ceremony", "--enterprises", s(&e), "--inspectors", s(&i)];
        let mut all = args.to_vec();
        all.extend(["--plan", s(&p)]);
        fairdraw(&all, d).expect(0).stdout.lines().last().unwrap().trim().to_string()
    };
    let reveal_ceremony = |id: &str| {
        let args = ["reveal", id, "--log", s(&log), "--ceremony", "31415926535897932384626433"];
        let mut all = args.to_vec();
        all.extend(["--witness", "张三", "--witness", "李四"]);
        fairdraw(&all, d).expect(0).stdout.lines().last().unwrap().trim().to_string()
    };
    let first = commit_ceremony();
    let first_result = reveal_ceremony(&first);
    let second = commit_ceremony();
    both(d, AFTER_ROUND).0.expect(0);
    let third = commit_ceremony();
    let third_result = reveal_ceremony(&third);
    let (js, py) = both(d, AFTER_ROUND);
    assert_eq!(js.code, 1, "{}", js.stdout);
    let (j, p) = (lines_with(&js.stdout, "competing commitments"), lines_with(&py.stdout, "competing commitments"));
    assert_eq!(j.len(), 1, "{}", js.stdout);
    assert!(j[0].contains(&second) && j[0].contains(&third) && !j[0].contains(&first), "{}", js.stdout);
    assert_eq!(j, p, "the same line in both verifiers");
    for result in [first_result, third_result] {
        let line = format!("draw {result}: unwitnessed: the operator could have re-rolled this draw");
        assert!(js.stdout.lines().any(|l| l == line), "{line} in\n{}", js.stdout);
    }
}
