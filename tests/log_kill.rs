//! A real `kill -9` of a log writer, 200 times at varying moments: no
//! acknowledged entry is ever lost and the log always verifies. In its own
//! test binary because forked children briefly share file locks with the
//! test process, which would disturb other log tests running in parallel.

mod common;
use common::*;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use fairdraw::log::store::Log;

const T: &str = "2026-11-25T09:00:00Z";

#[test]
fn kill_9_loop_loses_no_acknowledged_entry() {
    let dir = tempdir();
    let d = dir.path();
    drop(Log::init(d, "fairdraw.test/kill", T, true).unwrap());
    let mut acked: Vec<String> = Vec::new();
    let mut interrupted = 0;
    for round in 0..200u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
            .args(["note", "--text", &format!("round {round}"), "--repeat", "1000000", "--log", s(d), "--now", T])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // Most rounds kill while appends stream; every tenth kills at once,
        // possibly before the first append or during the log's opening.
        let mut lines = Vec::new();
        if round % 10 != 0 {
            if let Ok(first) = rx.recv_timeout(Duration::from_secs(20)) {
                lines.push(first);
            }
            std::thread::sleep(Duration::from_micros((round * 7919) % 4_000));
        }
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        if status.code().is_none() {
            interrupted += 1;
        }
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        for line in lines {
            if let Some(rest) = line.strip_prefix("acked ") {
                acked.push(rest.split(' ').nth(1).unwrap().to_string());
            }
        }
    }
    assert!(interrupted >= 190, "the writer was killed mid-run ({interrupted}/200)");
    assert!(acked.len() >= 180, "appends were acknowledged ({})", acked.len());
    let present = log_ids(d);
    for id in &acked {
        assert!(present.contains(id), "acknowledged entry {id} is missing");
    }
    assert_log_verifies(d);
    // A writer reopening repairs whatever the last kill left.
    drop(Log::open_dir(d, true).unwrap());
    assert_log_verifies(d);
}
