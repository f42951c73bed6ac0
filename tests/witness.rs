//! Witnesses end to end: two `fairdraw witness serve` processes on
//! loopback, quorum 2. A witnessed commit, drand reveal and ceremony reveal;
//! a rolled-back log that cannot reveal again (also after a witness is
//! killed with SIGKILL and restarted); witness state that never goes back; a
//! tampered cosignature; and a log without witnesses saying so.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use fairdraw::log::{note, proof};
use fairdraw::server::AppState;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// quicknet round 12040883 is emitted at 2024-10-14T17:13:33Z.
const ROUND: &str = "12040883";
const COMMIT_AT: &str = "2024-10-14T17:00:00Z";
const REVEAL_AT: &str = "2024-10-14T17:14:00Z";
/// The witnesses' fixed clock: after the commits, before the round.
const WITNESS_NOW: &str = "2024-10-14T17:05:00Z";
const CEREMONY_AT: &str = "2024-10-14T17:10:00Z";
const ORIGIN: &str = "fairdraw.test/witnessed";

/// A running witness; killed (SIGKILL) when dropped.
struct WitnessProcess {
    child: Child,
    addr: String,
}

impl WitnessProcess {
    fn start(dir: &Path, addr: &str, log_vkey: &str) -> WitnessProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
            .args(["witness", "serve", "--dir", s(dir), "--addr", addr, "--log-vkey", log_vkey, "--now", WITNESS_NOW])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a witness");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = Vec::new();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                panic!("the witness exited before listening:\n{}", seen.join("\n"))
            };
            if let Some(rest) = line.split("fairdraw witness: http://").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
            seen.push(line);
        };
        // Keep draining its log lines so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        WitnessProcess { child, addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn kill9(&mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
    }
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn last_line(out: &str) -> String {
    out.lines().last().unwrap_or("").trim().to_string()
}

fn new_witness(root: &Path, name: &str) -> (PathBuf, String) {
    let dir = root.join(name.replace('/', "_"));
    let run = fairdraw(&["witness", "init", "--dir", s(&dir), "--name", name], root).expect(0);
    (dir, last_line(&run.stdout))
}

/// The size a witness has stored for our log (its state file).
fn witness_size(dir: &Path) -> u64 {
    let states: Vec<_> = std::fs::read_dir(dir.join("state")).unwrap().collect();
    assert_eq!(states.len(), 1, "one log");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(states[0].as_ref().unwrap().path()).unwrap()).unwrap();
    assert_eq!(v["origin"], ORIGIN);
    v["size"].as_u64().unwrap()
}

fn commit(d: &Path, log: &Path, beacon: &str, plan: &str) -> Run {
    let (e, i, c, p) = (data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv"), data(plan));
    fairdraw(
        &[
            "commit",
            "--log",
            s(log),
            "--now",
            COMMIT_AT,
            "--beacon",
            beacon,
            "--enterprises",
            s(&e),
            "--inspectors",
            s(&i),
            "--conflicts",
            s(&c),
            "--plan",
            s(&p),
        ],
        d,
    )
}

fn reveal_drand(d: &Path, log: &Path, id: &str) -> Run {
    let json = data(&format!("drand/round-{ROUND}.json"));
    fairdraw(&["reveal", id, "--log", s(log), "--now", REVEAL_AT, "--drand-json", s(&json)], d)
}

fn reveal_ceremony(d: &Path, log: &Path, id: &str, digits: &str) -> Run {
    let args =
        ["reveal", id, "--log", s(log), "--now", "2024-10-14T17:20:00Z", "--ceremony", digits, "--at", CEREMONY_AT];
    let mut all = args.to_vec();
    all.extend(["--witness", "张三", "--witness", "李四"]);
    fairdraw(&all, d)
}

const LOG_FILES: [&str; 4] = ["entries.jsonl", "checkpoints.jsonl", "checkpoint", "cosignatures.jsonl"];

fn snapshot(log: &Path) -> Vec<Vec<u8>> {
    LOG_FILES.iter().map(|f| std::fs::read(log.join(f)).unwrap()).collect()
}

fn restore(log: &Path, saved: &[Vec<u8>]) {
    for (f, bytes) in LOG_FILES.iter().zip(saved) {
        std::fs::write(log.join(f), bytes).unwrap();
    }
}

/// The Python and JS verifiers, written from LOG-FORMAT alone, on a log the
/// Rust writer witnessed: both exit 0 and print the same `witnessed by 2 of 2`
/// lines as `audit verify`.
fn other_verifiers_on_witnessed_log(log: &Path, rust: &str) {
    let witnessed = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.contains("commitment witnessed by"))
            .map(|l| l.trim_start_matches("note: ").to_string())
            .collect()
    };
    let expected = witnessed(rust);
    assert_eq!(expected.len(), 2, "{rust}");
    let cwd = log.parent().unwrap();
    let py = verify_py(&["log", s(log)], cwd);
    assert_eq!(py.code, 0, "verify.py on the witnessed log:\n{}{}", py.stdout, py.stderr);
    assert_eq!(witnessed(&py.stdout), expected, "verify.py names the same witnessed draws:\n{}", py.stdout);
    let js = verify_js(&["log", s(log)], cwd);
    assert_eq!(js.code, 0, "verify.js on the witnessed log:\n{}{}", js.stdout, js.stderr);
    assert_eq!(witnessed(&js.stdout), expected, "verify.js names the same witnessed draws:\n{}", js.stdout);
}

#[test]
fn witnessed_draws_cannot_be_rerolled() {
    let tmp = tempdir();
    let d = tmp.path();
    let log = d.join("log");
    let (w1_dir, w1_vkey) = new_witness(d, "w.test/w1");
    let (w2_dir, w2_vkey) = new_witness(d, "w.test/w2");
    // The witnesses must know the log's key, which `init` creates: they are
    // first started for another log (to fix their addresses), then restarted.
    let other = d.join("other");
    fairdraw(&["init", "--log", s(&other), "--origin", ORIGIN, "--now", COMMIT_AT], d).expect(0);
    let other_vkey = std::fs::read_to_string(other.join("log.pub")).unwrap();
    let mut w1 = WitnessProcess::start(&w1_dir, "127.0.0.1:0", other_vkey.trim());
    let mut w2 = WitnessProcess::start(&w2_dir, "127.0.0.1:0", other_vkey.trim());
    let flags = [format!("w.test/w1={w1_vkey}@{}", w1.url()), format!("w.test/w2={w2_vkey}@{}", w2.url())];
    let init = fairdraw(
        &[
            "init",
            "--log",
            s(&log),
            "--origin",
            ORIGIN,
            "--now",
            COMMIT_AT,
            "--witness",
            &flags[0],
            "--witness",
            &flags[1],
        ]
        .into_iter()
        .chain(["--quorum", "2"])
        .collect::<Vec<_>>(),
        d,
    )
    .expect(1);
    assert!(init.stderr.contains("refused (HTTP 403)"), "the witnesses do not know this key yet:\n{}", init.stderr);
    assert!(init.stdout.contains("0 of 2 witness(es) cosigned"), "{}", init.stdout);
    let entries = std::fs::read_to_string(log.join("entries.jsonl")).unwrap();
    assert!(entries.lines().nth(1).unwrap().contains(r#""kind":"WitnessPolicy""#), "policy at index 1");

    let vkey = std::fs::read_to_string(log.join("log.pub")).unwrap().trim().to_string();
    let (a1, a2) = (w1.addr.clone(), w2.addr.clone());
    w1.kill9();
    w2.kill9();
    let mut w1 = WitnessProcess::start(&w1_dir, &a1, &vkey);
    let w2 = WitnessProcess::start(&w2_dir, &a2, &vkey);
    let cosign = fairdraw(&["cosign", "--log", s(&log)], d).expect(0);
    assert!(cosign.stdout.contains("2 of 2 witness(es) cosigned"), "{}", cosign.stdout);

    // A drand draw: committed and witnessed before the round, then revealed.
    let c = commit(d, &log, &format!("drand:quicknet:{ROUND}"), "plan-single.toml").expect(0);
    assert!(c.stdout.contains("2 of 2 witness(es) cosigned the commitment"), "{}", c.stdout);
    reveal_drand(d, &log, &last_line(&c.stdout)).expect(0);
    // A ceremony draw.
    let c = commit(d, &log, "ceremony", "plan-minimal.toml").expect(0);
    let ceremony_id = last_line(&c.stdout);
    let before_reveal = snapshot(&log);
    let size_before = witness_size(&w1_dir);
    let r = reveal_ceremony(d, &log, &ceremony_id, "31415926535897932384626433").expect(0);
    assert!(r.stdout.contains("2 of 2 witness(es) cosigned the reveal"), "{}", r.stdout);
    let size_revealed = witness_size(&w1_dir);
    assert!(size_revealed > size_before);

    let v = fairdraw(&["audit", "verify", "--log", s(&log)], d).expect(0);
    let witnessed: Vec<&str> =
        v.stdout.lines().filter(|l| l.contains("commitment witnessed by 2 of 2 before")).collect();
    assert_eq!(witnessed.len(), 2, "{}", v.stdout);
    assert!(v.stdout.contains("before 2024-10-14T17:13:33Z"), "the drand deadline: {}", v.stdout);
    assert!(v.stdout.contains(&format!("before {CEREMONY_AT}")), "the ceremony deadline: {}", v.stdout);
    assert!(!v.stdout.contains("no saved checkpoint or witness"), "the witnesses anchor the history: {}", v.stdout);
    assert!(!v.stdout.contains("unwitnessed"), "{}", v.stdout);
    let served = std::fs::read_to_string(log.join("checkpoint")).unwrap();
    assert!(served.contains("— w.test/w1 ") && served.contains("— w.test/w2 "), "cosigned checkpoint:\n{served}");
    other_verifiers_on_witnessed_log(&log, &v.stdout);
    let last = std::fs::read_to_string(log.join("entries.jsonl")).unwrap().lines().count() - 1;
    check_witnesses_api(&log, &vkey, &common::log_ids(&log)[last]);

    // Roll the log back to before the ceremony reveal and reveal again with other digits.
    restore(&log, &before_reveal);
    let again = reveal_ceremony(d, &log, &ceremony_id, "27182818284590452353602874");
    assert_ne!(again.code, 0, "a re-roll must fail:\n{}", again.stdout);
    let said = format!("witness w.test/w1 has seen size {size_revealed} of this log; this log has {size_before}");
    assert!(again.stderr.contains(&said), "names the witness and the sizes:\n{}", again.stderr);
    assert!(again.stderr.contains("rolled back or forked"), "{}", again.stderr);
    assert_eq!(snapshot(&log), before_reveal, "a refused reveal writes nothing");

    // The witness's state survives SIGKILL: it still refuses after a restart.
    w1.kill9();
    let mut w1 = WitnessProcess::start(&w1_dir, &a1, &vkey);
    assert_eq!(witness_size(&w1_dir), size_revealed, "the state never goes back");
    let again = reveal_ceremony(d, &log, &ceremony_id, "27182818284590452353602874");
    assert_ne!(again.code, 0, "{}", again.stdout);
    assert!(again.stderr.contains(&said), "{}", again.stderr);
    assert_eq!(snapshot(&log), before_reveal);
    assert_eq!((witness_size(&w1_dir), witness_size(&w2_dir)), (size_revealed, size_revealed));

    // The server gates its reveal the same way: no witness reachable → 503, nothing written.
    w1.kill9();
    drop(w2);
    let server =
        http::Server { _dir: tempdir(), log: log.clone(), state: AppState::new(http::config(&log, "2024-10-15")) };
    let body = serde_json::json!({"ceremony": {"digits": "27182818284590452353602874", "witnesses": ["张三", "李四"], "at": CEREMONY_AT}});
    let uri = format!("/api/commitments/{ceremony_id}/reveal");
    let reply = runtime().block_on(http::call(&server, "POST", &uri, Some(http::TOKEN), Some(body)));
    assert_eq!(reply.status.as_u16(), 503, "{}", reply.text());
    assert!(reply.error().contains("unreachable"), "{}", reply.text());
    assert_eq!(snapshot(&log), before_reveal);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// GET /api/draws/{id}/witnesses on the witnessed log: the policy, the
/// cosigned checkpoints and inclusion proofs that verify against them.
fn check_witnesses_api(log: &Path, vkey: &str, draw: &str) {
    let server =
        http::Server { _dir: tempdir(), log: log.to_path_buf(), state: AppState::new(http::config(log, "2024-10-15")) };
    let reply =
        runtime().block_on(http::call(&server, "GET", &format!("/api/draws/{}/witnesses", &draw[..12]), None, None));
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text());
    let w = reply.json();
    let keys: Vec<&String> = w.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["policy", "commitment", "deadline", "before", "reveal"]);
    assert_eq!((w["policy"]["index"].as_u64(), w["policy"]["quorum"].as_u64()), (Some(1), Some(2)));
    assert_eq!(w["policy"]["witnesses"].as_array().unwrap().len(), 2);
    assert_eq!(w["deadline"], CEREMONY_AT);
    let entries = std::fs::read_to_string(log.join("entries.jsonl")).unwrap();
    assert_eq!(w["policy"]["leaf"], entries.lines().nth(1).unwrap());
    let hashes = |v: &serde_json::Value| -> Vec<[u8; 32]> {
        v.as_array().unwrap().iter().map(|h| hex::decode(h.as_str().unwrap()).unwrap().try_into().unwrap()).collect()
    };
    let included = |index: u64, leaf: &str, at: &serde_json::Value, proof_of: &serde_json::Value| {
        let cp = note::open(at["checkpoint"].as_str().unwrap(), vkey).unwrap();
        assert_eq!(Some(cp.size), at["size"].as_u64());
        let leaf = fairdraw::model::merkle::leaf_hash(leaf.as_bytes());
        assert!(proof::verify_inclusion(index, cp.size, &leaf, &hashes(proof_of), &cp.root), "entry {index}");
        assert!(at["checkpoint"].as_str().unwrap().contains("— w.test/w2 "), "cosigned");
    };
    let c = w["commitment"]["index"].as_u64().unwrap();
    included(c, entries.lines().nth(c as usize).unwrap(), &w["before"], &w["before"]["proof"]);
    included(1, entries.lines().nth(1).unwrap(), &w["before"], &w["policy"]["proof"]);
    let r = w["reveal"]["index"].as_u64().unwrap();
    assert_eq!(fairdraw::log::entry::id_of(entries.lines().nth(r as usize).unwrap().as_bytes()), draw);
    included(r, entries.lines().nth(r as usize).unwrap(), &w["reveal"], &w["reveal"]["proof"]);
    let served = runtime().block_on(http::call(&server, "GET", "/api/checkpoint", None, None)).text();
    assert!(served.contains("— w.test/w1 "), "the served checkpoint carries the cosignatures:\n{served}");
    page_checks_the_answer(&server, &w, vkey, draw);
}

/// The page's own witness check (web/witness-check.js, run in node) on this
/// server's real answers: the contract between the endpoint and the page.
fn page_checks_the_answer(server: &http::Server, material: &serde_json::Value, vkey: &str, draw: &str) {
    let detail = runtime().block_on(http::call(server, "GET", &format!("/api/draws/{draw}"), None, None));
    assert_eq!(detail.status.as_u16(), 200, "{}", detail.text());
    let saved = server._dir.path().join("answers.json");
    let answers = serde_json::json!({ "detail": detail.json(), "material": material, "vkey": vkey });
    std::fs::write(&saved, answers.to_string()).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/browser/witness-answer.mjs"))
        .arg(&saved)
        .output()
        .expect("node must be installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let result: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(result["state"], "witnessed", "the page's verdict on the server's answer: {result}");
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["cosigners"].as_array().map(Vec::len), Some(2), "{result}");
    assert_eq!(result["reveal"]["ok"], true, "the reveal was cosigned too: {result}");
}

#[test]
fn a_tampered_cosignature_is_named() {
    let tmp = tempdir();
    let d = tmp.path();
    let log = d.join("log");
    // A log whose key the witness knows from the start: init without
    // policy, then `fairdraw policy` (a later logged change).
    fairdraw(&["init", "--log", s(&log), "--origin", ORIGIN, "--now", COMMIT_AT], d).expect(0);
    let vkey = std::fs::read_to_string(log.join("log.pub")).unwrap().trim().to_string();
    let (w_dir, w_vkey) = new_witness(d, "w.test/w1");
    let w = WitnessProcess::start(&w_dir, "127.0.0.1:0", &vkey);
    let flag = format!("w.test/w1={w_vkey}@{}", w.url());
    let p = fairdraw(&["policy", "--log", s(&log), "--now", COMMIT_AT, "--witness", &flag, "--quorum", "1"], d);
    assert!(p.expect(0).stdout.contains("1 of 1 witness(es) cosigned"));
    let c = commit(d, &log, &format!("drand:quicknet:{ROUND}"), "plan-single.toml").expect(0);
    reveal_drand(d, &log, &last_line(&c.stdout)).expect(0);
    let ok = fairdraw(&["audit", "verify", "--log", s(&log)], d).expect(0);
    assert!(ok.stdout.contains("commitment witnessed by 1 of 1 before"), "{}", ok.stdout);

    // Flip one bit of the first cosignature (keeping the line canonical).
    let path = log.join("cosignatures.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut record: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let note = record["checkpoint"].as_str().unwrap().to_string();
    let sig_line = note.lines().find(|l| l.starts_with("— w.test/w1 ")).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut raw = b64.decode(sig_line.rsplit(' ').next().unwrap()).unwrap();
    raw[40] ^= 1;
    let forged = format!("— w.test/w1 {}", b64.encode(&raw));
    record["checkpoint"] = serde_json::json!(note.replace(sig_line, &forged));
    lines[0] = String::from_utf8(fairdraw::model::canonical::to_bytes(&record)).unwrap();
    std::fs::write(&path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let bad = fairdraw(&["audit", "verify", "--log", s(&log)], d).expect(1);
    assert!(
        bad.stdout.contains("cosignatures.jsonl line 1: the cosignature of witness w.test/w1 does not verify"),
        "{}",
        bad.stdout
    );
}

#[test]
fn without_a_policy_every_draw_is_unwitnessed() {
    let tmp = tempdir();
    let d = tmp.path();
    let log = d.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", COMMIT_AT], d).expect(0);
    let c = commit(d, &log, &format!("drand:quicknet:{ROUND}"), "plan-single.toml").expect(0);
    let r = reveal_drand(d, &log, &last_line(&c.stdout)).expect(0);
    let draw = last_line(&r.stdout);
    let v = fairdraw(&["audit", "verify", "--log", s(&log)], d).expect(0);
    assert!(
        v.stdout.contains(&format!("draw {draw}: unwitnessed: the operator could have re-rolled this draw")),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains("no saved checkpoint or witness"), "{}", v.stdout);
}
