//! Durability of the audit log: injected storage faults (fail before
//! persist, fail after persist, short write) at every step of an append,
//! and the one-writer lock. (`kill -9` loops: tests/log_kill.rs.)

mod common;
use common::*;

use fairdraw::log::storage::faults::{Fault, Faulty};
use fairdraw::log::storage::DirStorage;
use fairdraw::log::store::Log;
use serde_json::json;

const T: &str = "2026-11-25T09:00:00Z";

fn note(text: &str) -> Vec<(String, serde_json::Value)> {
    vec![("Note".into(), json!({ "text": text }))]
}

#[test]
fn every_fault_at_every_step_leaves_a_consistent_log() {
    // An append makes three mutating storage calls: entries, checkpoints,
    // checkpoint file. Fail each one in each way.
    for fault in [Fault::BeforePersist, Fault::AfterPersist, Fault::ShortWrite] {
        for step in 0..3 {
            let dir = tempdir();
            let d = dir.path();
            let mut log = Log::init(d, "fairdraw.test/faults", T, true).unwrap();
            log.append(note("acknowledged"), T, true).unwrap();
            let acked = log_ids(d);
            drop(log);

            let faulty = Faulty::new(DirStorage { dir: d.to_path_buf() }, fault, step);
            let mut log = Log::open(faulty, true).unwrap();
            let batch = vec![("Note".into(), json!({"text": "a"})), ("Note".into(), json!({"text": "b"}))];
            let result = log.append(batch, T, true);
            assert!(result.is_err(), "{fault:?} at step {step} must be reported");
            assert!(
                log.append(note("after a failure"), T, true).is_err(),
                "a failed log refuses more writes until reopened"
            );
            drop(log);

            let reopened = Log::open_dir(d, true).unwrap();
            let now = log_ids(d);
            assert_eq!(&now[..acked.len()], &acked[..], "{fault:?}/{step}: acknowledged entries survive");
            // The batch is all there or not at all: it is committed once its
            // checkpoint records are durable (step 1), even if a later step
            // then fails.
            let committed = step == 2 || (step == 1 && fault == Fault::AfterPersist);
            assert_eq!(now.len(), acked.len() + if committed { 2 } else { 0 }, "{fault:?}/{step}: the batch is atomic");
            drop(reopened);
            assert_log_verifies(d);
        }
    }
}

#[test]
fn a_torn_tail_is_reported_by_readers_and_repaired_by_writers() {
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
    assert_log_verifies(d);
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
