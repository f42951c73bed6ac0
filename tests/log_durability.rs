//! Durability of the audit log: injected storage faults (fail before
//! persist, fail after persist, short write) at every step of an append,
//! damaged or missing files before a write (CLI and API), and the
//! one-writer lock. (`kill -9` loops: tests/log_kill.rs and tests/soak/.)

mod common;
use common::*;

use std::path::Path;

use fairdraw::log::entry::Kind;
use fairdraw::log::storage::faults::{Fault, Faulty};
use fairdraw::log::storage::{DirStorage, MemStorage, Storage};
use fairdraw::log::store::{Log, LogError};
use serde_json::json;

const T: &str = "2026-11-25T09:00:00Z";

fn note(text: &str) -> Vec<(Kind, serde_json::Value)> {
    vec![(Kind::Note, json!({ "text": text }))]
}

/// Ids of the complete lines of `entries.jsonl`, read without the log code.
fn ids_on_disk(d: &Path) -> Vec<String> {
    let bytes = std::fs::read(d.join("entries.jsonl")).unwrap_or_default();
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    lines.pop();
    lines.iter().map(|l| fairdraw::log::entry::id_of(l)).collect()
}

/// Every file of the log directory with its bytes (locks aside).
fn snapshot(d: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(d) {
        let name = e.strip_prefix(d).unwrap().to_string_lossy().into_owned();
        if !name.ends_with("LOCK") && !name.ends_with(".lock") {
            out.push((name, std::fs::read(&e).unwrap()));
        }
    }
    out.sort();
    out
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn every_fault_at_every_step_leaves_a_consistent_log() {
    // An append makes its mutating storage calls in this order: entries,
    // checkpoint records (the commit point), the static tlog-tiles files the
    // batch adds — here entry/002, entry/003, tile/0/000.p/3, tile/0/000.p/4
    // and tile/entries/000.p/4 — then the checkpoint file. Fail each one in
    // each way.
    const STATIC_FILES: usize = 5;
    let checkpoint_step = 2 + STATIC_FILES;
    for fault in [Fault::BeforePersist, Fault::AfterPersist, Fault::ShortWrite] {
        for step in 0..=checkpoint_step {
            let dir = tempdir();
            let d = dir.path();
            let mut log = Log::init(d, "fairdraw.test/faults", T, true).unwrap();
            log.append(note("acknowledged"), T, true).unwrap();
            let acked = log_ids(d);
            drop(log);

            let faulty = Faulty::new(DirStorage { dir: d.to_path_buf() }, fault, step);
            let mut log = Log::open(faulty, true).unwrap();
            let batch = vec![(Kind::Note, json!({"text": "a"})), (Kind::Note, json!({"text": "b"}))];
            let result = log.append(batch, T, true);
            // The batch is committed once its checkpoint records are durable
            // (step 1); a failure after that point is not the client's error.
            let committed = step >= 2 || (step == 1 && fault == Fault::AfterPersist);
            assert_eq!(result.is_ok(), step >= 2, "{fault:?} at step {step}: {result:?}");
            let derived = (2..checkpoint_step).contains(&step);
            let after = log.append(note("after a failure"), T, true);
            if derived {
                // A static file is derived from the entries: its failure is
                // a finding, and the log stays writable.
                assert!(
                    log.findings.iter().any(|f| f.starts_with("static files")),
                    "{fault:?}/{step}: {:?}",
                    log.findings
                );
                assert!(after.is_ok(), "{fault:?}/{step}: {after:?}");
            } else {
                assert!(after.is_err(), "a log whose write failed half-way refuses more writes until reopened");
            }
            drop(log);

            let reopened = Log::open_dir(d, true).unwrap();
            let now = log_ids(d);
            assert_eq!(&now[..acked.len()], &acked[..], "{fault:?}/{step}: acknowledged entries survive");
            let expected = acked.len() + if committed { 2 } else { 0 } + usize::from(derived);
            assert_eq!(now.len(), expected, "{fault:?}/{step}: the batch is atomic");
            drop(reopened);
            assert_log_verifies(d);
            // The writer that reopened it wrote what the failure left out.
            let report = fairdraw::log::audit::verify(d, None, None).unwrap();
            assert!(!report.notes.iter().any(|n| n.contains("missing")), "{fault:?}/{step}: {:?}", report.notes);
        }
    }
}

#[test]
fn a_torn_tail_is_reported_by_readers_and_moved_aside_by_writers() {
    let dir = tempdir();
    let d = dir.path();
    let mut log = Log::init(d, "fairdraw.test/torn", T, true).unwrap();
    log.append(note("kept"), T, true).unwrap();
    drop(log);
    let entries = d.join("entries.jsonl");
    let mut bytes = std::fs::read(&entries).unwrap();
    bytes.extend_from_slice(b"{\"body\":{\"text\":\"half");
    std::fs::write(&entries, &bytes).unwrap();
    let report = fairdraw::log::audit::verify(d, None, None).unwrap();
    assert!(report.tampering.is_empty());
    assert!(report.notes.iter().any(|n| n.contains("torn")), "{:?}", report.notes);
    let reader = Log::open_dir(d, false).unwrap();
    assert!(reader.findings.iter().any(|f| f.starts_with("found")), "{:?}", reader.findings);
    drop(reader);
    let writer = Log::open_dir(d, true).unwrap();
    assert!(writer.findings.iter().any(|f| f.starts_with("repaired")), "{:?}", writer.findings);
    assert_eq!(writer.len(), 2);
    drop(writer);
    assert!(std::fs::read(&entries).unwrap().ends_with(b"\n"));
    let recovered = walk(&d.join("recovered"));
    assert_eq!(recovered.len(), 1, "{recovered:?}");
    assert_eq!(std::fs::read(&recovered[0]).unwrap(), b"{\"body\":{\"text\":\"half", "the cut bytes are kept");
    assert_log_verifies(d);
}

/// One way of damaging a log between two writes.
struct Damage {
    name: &'static str,
    apply: fn(&Path, &Saved),
    /// Whether a writer may repair it (true) or must refuse (false).
    repairable: bool,
}

/// Copies of the files taken after the first batches, for "an older copy
/// put back".
struct Saved {
    checkpoints: Vec<u8>,
    checkpoint: Vec<u8>,
}

fn truncate_by(d: &Path, name: &str, cut: usize) {
    let p = d.join(name);
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, &b[..b.len() - cut]).unwrap();
}

fn unfinished_batch(d: &Path) {
    // What a crash after step 1 of a two-entry batch leaves, cut mid-line.
    let mut log = Log::open_dir(d, true).unwrap();
    let before = std::fs::read(d.join("checkpoints.jsonl")).unwrap();
    let checkpoint = std::fs::read(d.join("checkpoint")).unwrap();
    let size = log.len();
    log.append(vec![(Kind::Note, json!({"text": "x"})), (Kind::Note, json!({"text": "y"}))], T, true).unwrap();
    drop(log);
    // The batch's static files come after its commit point: a crash before
    // it leaves none.
    for file in fairdraw::log::tiles::new_files(size, size + 2, [size + 2]) {
        let _ = std::fs::remove_file(d.join(file.path()));
    }
    std::fs::write(d.join("checkpoints.jsonl"), before).unwrap();
    std::fs::write(d.join("checkpoint"), checkpoint).unwrap();
    truncate_by(d, "entries.jsonl", 7);
}

const DAMAGES: &[Damage] = &[
    Damage {
        name: "checkpoints.jsonl deleted",
        apply: |d, _| std::fs::remove_file(d.join("checkpoints.jsonl")).unwrap(),
        repairable: false,
    },
    Damage {
        name: "checkpoints.jsonl emptied",
        apply: |d, _| std::fs::write(d.join("checkpoints.jsonl"), b"").unwrap(),
        repairable: false,
    },
    Damage {
        name: "checkpoint deleted",
        apply: |d, _| std::fs::remove_file(d.join("checkpoint")).unwrap(),
        repairable: true,
    },
    Damage {
        name: "checkpoints.jsonl and checkpoint deleted",
        apply: |d, _| {
            std::fs::remove_file(d.join("checkpoints.jsonl")).unwrap();
            std::fs::remove_file(d.join("checkpoint")).unwrap();
        },
        repairable: false,
    },
    Damage {
        name: "an older checkpoints.jsonl put back",
        apply: |d, saved| std::fs::write(d.join("checkpoints.jsonl"), &saved.checkpoints).unwrap(),
        repairable: false,
    },
    Damage {
        name: "an older checkpoint put back",
        apply: |d, saved| std::fs::write(d.join("checkpoint"), &saved.checkpoint).unwrap(),
        repairable: true,
    },
    Damage {
        name: "entries.jsonl cut mid-line (acknowledged entry)",
        apply: |d, _| truncate_by(d, "entries.jsonl", 5),
        repairable: false,
    },
    Damage {
        name: "entries.jsonl cut by a whole entry",
        apply: |d, _| {
            let b = std::fs::read(d.join("entries.jsonl")).unwrap();
            let keep = b[..b.len() - 1].iter().rposition(|&c| c == b'\n').unwrap() + 1;
            std::fs::write(d.join("entries.jsonl"), &b[..keep]).unwrap();
        },
        repairable: false,
    },
    Damage { name: "an unfinished batch cut mid-line", apply: |d, _| unfinished_batch(d), repairable: true },
    Damage {
        name: "checkpoints.jsonl with a torn record",
        apply: |d, _| {
            let mut b = std::fs::read(d.join("checkpoints.jsonl")).unwrap();
            b.extend_from_slice(b"{\"batch_end\":tr");
            std::fs::write(d.join("checkpoints.jsonl"), b).unwrap();
        },
        repairable: true,
    },
    Damage {
        name: "a checkpoint record's signature flipped",
        apply: |d, _| {
            let t = std::fs::read_to_string(d.join("checkpoints.jsonl")).unwrap();
            let last = t.trim_end().rsplit('\n').next().unwrap().to_string();
            let at = last.rfind("\\u000a\"").unwrap() - 3;
            let mut flipped = last.clone().into_bytes();
            flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
            std::fs::write(d.join("checkpoints.jsonl"), t.replace(&last, &String::from_utf8(flipped).unwrap()))
                .unwrap();
        },
        repairable: false,
    },
];

/// A log with a few batches; returns the copies for "older file put back".
fn build_log(d: &Path) -> Saved {
    let mut log = Log::init(d, "fairdraw.test/damage", T, true).unwrap();
    log.append(note("first"), T, true).unwrap();
    let saved = Saved {
        checkpoints: std::fs::read(d.join("checkpoints.jsonl")).unwrap(),
        checkpoint: std::fs::read(d.join("checkpoint")).unwrap(),
    };
    log.append(vec![(Kind::Note, json!({"text": "a"})), (Kind::Note, json!({"text": "b"}))], T, true).unwrap();
    log.append(note("last"), T, true).unwrap();
    saved
}

/// Both verifiers' verdicts: (Rust `audit verify` exit code, verify.py exit code).
fn verdicts(d: &Path) -> (i32, i32) {
    let rust = fairdraw(&["audit", "verify", "--log", s(d)], d).code;
    let py = verify_py(&["log", s(d)], d).code;
    (rust, py)
}

#[test]
fn damaged_files_never_cost_an_acknowledged_entry_through_the_cli() {
    for damage in DAMAGES {
        let dir = tempdir();
        let d = dir.path();
        let saved = build_log(d);
        let acked = ids_on_disk(d);
        (damage.apply)(d, &saved);
        let before = snapshot(d);
        let (rust, py) = verdicts(d);
        assert_eq!(rust, py, "{}: audit verify and verify.py disagree", damage.name);

        let out = fairdraw(&["note", "--text", "after the damage", "--log", s(d), "--now", T], d);
        if damage.repairable {
            assert_eq!(out.code, 0, "{}: a repairable log takes the write\n{}", damage.name, out.stderr);
            let now = ids_on_disk(d);
            assert_eq!(&now[..acked.len()], &acked[..], "{}: acknowledged entries survive", damage.name);
            assert_eq!(now.len(), acked.len() + 1, "{}", damage.name);
            assert_eq!(verdicts(d), (0, 0), "{}: both verifiers accept the repaired log", damage.name);
        } else {
            assert_eq!(out.code, 2, "{}: a damaged log refuses the write\n{}", damage.name, out.stderr);
            assert!(out.stderr.contains("damaged"), "{}: {}", damage.name, out.stderr);
            assert_eq!(snapshot(d), before, "{}: a refused write leaves every byte as it was", damage.name);
            assert_eq!(verdicts(d), (1, 1), "{}: both verifiers report the damage", damage.name);
        }
    }
}

#[test]
fn an_unfinished_tail_without_the_checkpoint_file_is_not_guessed_at() {
    // Entries past the last record and no `checkpoint` file: the tail may be
    // acknowledged entries whose records were lost, so nothing is cut.
    let dir = tempdir();
    let d = dir.path();
    build_log(d);
    unfinished_batch(d);
    std::fs::remove_file(d.join("checkpoint")).unwrap();
    let before = snapshot(d);
    let err = Log::open_dir(d, true).err().expect("refused");
    assert!(matches!(err, LogError::Damaged(_)), "{err}");
    assert_eq!(snapshot(d), before);
}

#[test]
fn the_log_runs_on_any_storage() {
    let mem = MemStorage::default();
    let mut s = mem.clone();
    let (skey, vkey) = fairdraw::log::note::generate_keys("fairdraw.test/mem").unwrap();
    s.replace("log.pub", format!("{vkey}\n").as_bytes()).unwrap();
    s.replace("private/log.key", skey.as_bytes()).unwrap();
    let mut log = Log::open(mem.clone(), true).unwrap();
    log.append(vec![(Kind::LogCreated, json!({"origin": "fairdraw.test/mem", "vkey": vkey}))], T, true).unwrap();
    log.append(note("one"), T, true).unwrap();
    drop(log);
    // A missing checkpoint file is rewritten; deleted records are refused.
    mem.remove("checkpoint");
    let log = Log::open(mem.clone(), true).unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.findings.iter().any(|f| f.contains("missing")), "{:?}", log.findings);
    drop(log);
    mem.remove("checkpoints.jsonl");
    assert!(matches!(Log::open(mem.clone(), true), Err(LogError::Damaged(_))));
    assert_eq!(mem.read("entries.jsonl").unwrap().unwrap().iter().filter(|&&b| b == b'\n').count(), 2);
}

#[test]
fn a_log_that_does_not_begin_with_log_created_is_refused_and_never_verifies() {
    let dir = tempdir();
    let d = dir.path();
    build_log(d);
    std::fs::remove_file(d.join("entries.jsonl")).unwrap();
    std::fs::remove_file(d.join("checkpoints.jsonl")).unwrap();
    std::fs::remove_file(d.join("checkpoint")).unwrap();
    assert_eq!(verdicts(d), (1, 1), "an emptied log is not a valid log");
}

#[test]
fn a_second_writer_is_refused_clearly() {
    let dir = tempdir();
    let d = dir.path();
    let log = Log::init(d, "fairdraw.test/lock", T, true).unwrap();
    let out = fairdraw(&["note", "--text", "x", "--log", s(d)], d).expect(2);
    assert!(out.stderr.contains("another fairdraw process"), "{}", out.stderr);
    drop(log);
    fairdraw(&["note", "--text", "x", "--log", s(d)], d).expect(0);
}
