//! The audit log through the command line: commit → beacon → reveal,
//! verify, replay, receipts, refusals, tampering of every kind, and the
//! frequency and rotation rules read from the log.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// quicknet round 1000 is emitted at 2023-08-23T15:59:24Z, round 12040883 at
/// 2024-10-14T17:13:33Z; commits happen a little before, reveals after.
const R1: (&str, &str, &str) = ("1000", "2023-08-23T15:50:00Z", "2023-08-23T16:00:00Z");
const R2: (&str, &str, &str) = ("12040883", "2024-10-14T17:00:00Z", "2024-10-14T17:14:00Z");

fn log_dir(dir: &Path) -> PathBuf {
    dir.join("log")
}

fn run(dir: &Path, args: &[&str]) -> Run {
    fairdraw(args, dir)
}

fn init(dir: &Path) {
    run(dir, &["init", "--log", s(&log_dir(dir)), "--now", "2023-08-01T00:00:00Z"]).expect(0);
}

fn commit(dir: &Path, plan: &str, round: (&str, &str, &str)) -> Run {
    let beacon = format!("drand:quicknet:{}", round.0);
    run(
        dir,
        &[
            "commit",
            "--log",
            s(&log_dir(dir)),
            "--now",
            round.1,
            "--beacon",
            &beacon,
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--conflicts",
            s(&data("conflicts.csv")),
            "--plan",
            s(&data(plan)),
        ],
    )
}

fn last_line(out: &str) -> String {
    out.lines().last().unwrap_or("").trim().to_string()
}

fn reveal(dir: &Path, id: &str, round: (&str, &str, &str)) -> Run {
    let json = data(&format!("drand/round-{}.json", round.0));
    run(dir, &["reveal", id, "--log", s(&log_dir(dir)), "--now", round.2, "--drand-json", s(&json)])
}

fn verify(dir: &Path, extra: &[&str]) -> Run {
    let log = log_dir(dir);
    let mut args = vec!["audit", "verify", "--log", s(&log)];
    args.extend(extra);
    run(dir, &args)
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(log_dir(dir).join("entries.jsonl")).unwrap().lines().map(String::from).collect()
}

fn write_entries(dir: &Path, lines: &[String]) {
    std::fs::write(log_dir(dir).join("entries.jsonl"), lines.iter().map(|l| format!("{l}\n")).collect::<String>())
        .unwrap();
}

/// Re-signs the log with its own key ([`resign_log`]).
fn resign(dir: &Path) {
    resign_log(&log_dir(dir));
}

/// A log with one revealed draw; returns the checkpoint saved after it.
fn drawn_log(dir: &Path) -> String {
    init(dir);
    let c = commit(dir, "plan-single.toml", R2).expect(0);
    reveal(dir, &last_line(&c.stdout), R2).expect(0);
    run(dir, &["audit", "checkpoint", "--log", s(&log_dir(dir))]).expect(0).stdout
}

#[test]
fn commit_reveal_verify_replay_and_receipt() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let c = commit(d, "plan-single.toml", R2).expect(0);
    let id = last_line(&c.stdout);
    assert_eq!(id.len(), 64, "the commitment id alone on the last line: {}", c.stdout);
    let r = reveal(d, &id[..12], R2).expect(0);
    assert!(r.stdout.contains("共抽取"), "{}", r.stdout);
    let result_id = last_line(&r.stdout);

    let v = verify(d, &[]).expect(0);
    assert!(v.stdout.contains("VERIFIED") && v.stdout.contains("simulated clock"), "{}", v.stdout);
    assert!(v.stdout.contains("1 receipt(s) checked, 1 draw(s) replayed"), "{}", v.stdout);
    // Without a pinned key or a saved checkpoint, the report says what it trusted.
    assert!(v.stdout.contains("note: key not pinned: trusted log.pub as found"), "{}", v.stdout);
    assert!(
        v.stdout.contains("note: no saved checkpoint or witness: a rewritten history would not be detected"),
        "{}",
        v.stdout
    );
    let saved = write(d, "saved.txt", &run(d, &["audit", "checkpoint", "--log", s(&log_dir(d))]).expect(0).stdout);
    let pinned = verify(d, &["--vkey", s(&log_dir(d).join("log.pub")), "--checkpoint", s(&saved)]).expect(0);
    assert!(
        !pinned.stdout.contains("key not pinned") && !pinned.stdout.contains("no saved checkpoint"),
        "{}",
        pinned.stdout
    );
    let rp = run(d, &["audit", "replay", "--log", s(&log_dir(d))]).expect(0);
    assert!(rp.stdout.contains(&format!("OK   {result_id}")), "{}", rp.stdout);

    let receipt = log_dir(d).join(format!("receipts/{result_id}.tlog-proof"));
    let vkey = log_dir(d).join("log.pub");
    let ok = run(d, &["audit", "receipt", s(&receipt), "--check", "--vkey", s(&vkey)]).expect(0);
    assert!(ok.stdout.contains("VERIFIED"), "{}", ok.stdout);
    let text = std::fs::read_to_string(&receipt).unwrap();
    let forged = write(d, "forged.tlog-proof", &text.replacen("index ", "index 1", 1));
    run(d, &["audit", "receipt", s(&forged), "--check", "--vkey", s(&vkey)]).expect(1);

    // The logged draw equals what `fairdraw verify` recomputes from the files.
    let doc: serde_json::Value = serde_json::from_str(entries(d).last().unwrap()).unwrap();
    let draw = write(d, "draw.json", &doc["body"]["draw"].to_string());
    run(
        d,
        &[
            "verify",
            s(&draw),
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--conflicts",
            s(&data("conflicts.csv")),
            "--plan",
            s(&data("plan-single.toml")),
        ],
    )
    .expect(0);
}

#[test]
fn a_past_round_and_a_bad_signature_are_refused_and_write_nothing() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let before = entries(d).len();
    let late = commit(d, "plan-single.toml", ("1000", "2024-01-01T00:00:00Z", "")).expect(2);
    assert!(late.stderr.contains("not after now") && late.stderr.contains("future round"), "{}", late.stderr);
    assert_eq!(entries(d).len(), before);
    assert!(!log_dir(d).join("snapshots").exists(), "no snapshot written for a refused commit");

    let c = commit(d, "plan-single.toml", R2).expect(0);
    let id = last_line(&c.stdout);
    let committed = entries(d).len();
    let text = std::fs::read_to_string(data("drand/round-12040883.json")).unwrap();
    let bad = write(
        d,
        "bad.json",
        &text
            .replace("\"signature\":\"92", "\"signature\":\"93")
            .replace(",\"randomness\":\"173df1f57805453a8d2015268205d68147de12cafc2f451f7bc6adadca3571b3\"", ""),
    );
    let out = run(d, &["reveal", &id, "--log", s(&log_dir(d)), "--now", R2.2, "--drand-json", s(&bad)]).expect(2);
    assert!(out.stderr.contains("signature"), "{}", out.stderr);
    let wrong_round = reveal(d, &id, R1).expect(2);
    assert!(wrong_round.stderr.contains("round 12040883"), "{}", wrong_round.stderr);
    // Before the round's time (17:13:33Z): the randomness cannot be known yet.
    let json = data("drand/round-12040883.json");
    let early =
        run(d, &["reveal", &id, "--log", s(&log_dir(d)), "--now", "2024-10-14T17:10:00Z", "--drand-json", s(&json)])
            .expect(2);
    assert!(early.stderr.contains("a reveal cannot come before its round"), "{}", early.stderr);
    assert_eq!(entries(d).len(), committed, "nothing written by refused reveals");
    reveal(d, &id, R2).expect(0);
    let again = reveal(d, &id, R2).expect(2);
    assert!(again.stderr.contains("already revealed"), "{}", again.stderr);

    // The operator backdates the beacon record and re-signs the log: all
    // three verifiers say it was logged before its round existed.
    let mut lines = entries(d);
    let at = lines.iter().position(|l| l.contains("\"kind\":\"BeaconRecord\"")).unwrap();
    lines[at] = lines[at].replace(&format!("\"time\":\"{}\"", R2.2), "\"time\":\"2024-10-14T17:10:00Z\"");
    write_entries(d, &lines);
    resign(d);
    let words = "logged at 2024-10-14T17:10:00Z, before its round existed (2024-10-14T17:13:33Z)";
    let rust = verify(d, &[]).expect(1);
    assert!(rust.stdout.contains(words), "audit verify:\n{}", rust.stdout);
    for (who, other) in
        [("verify.py", verify_py(&["log", s(&log_dir(d))], d)), ("verify.js", verify_js(&["log", s(&log_dir(d))], d))]
    {
        assert_eq!(other.code, 1, "{who}:\n{}{}", other.stdout, other.stderr);
        assert!(other.stdout.contains(words), "{who}:\n{}", other.stdout);
    }
}

#[test]
fn every_kind_of_tampering_is_reported() {
    let dir = tempdir();
    let d = dir.path();
    let saved = drawn_log(d);
    let saved_cp = write(d, "saved-checkpoint.txt", &saved);
    let pristine = entries(d);
    let cps = std::fs::read_to_string(log_dir(d).join("checkpoints.jsonl")).unwrap();
    let check = |what: &str, expect_in: &str| {
        let out = verify(d, &["--checkpoint", s(&saved_cp)]);
        assert_eq!(out.code, 1, "{what} not reported:\n{}", out.stdout);
        assert!(out.stdout.contains(expect_in), "{what}: expected {expect_in:?} in\n{}", out.stdout);
        out.stdout
    };
    // Flip one byte of every entry, one at a time.
    for i in 0..pristine.len() {
        let mut lines = pristine.clone();
        let mut bytes = lines[i].clone().into_bytes();
        let pos = bytes.len() / 2;
        bytes[pos] = if bytes[pos] == b'1' { b'2' } else { b'1' };
        lines[i] = String::from_utf8_lossy(&bytes).into_owned();
        write_entries(d, &lines);
        check(&format!("a flipped byte in entry {i}"), &format!("entry {i}"));
    }
    let mut lines = pristine.clone();
    lines.remove(2);
    write_entries(d, &lines);
    let deleted = check("a deleted entry", &format!("holds {}: entries were deleted", lines.len()));
    assert!(deleted.contains("entry 2 (now id"), "the first entry that moved is named:\n{deleted}");
    let mut lines = pristine.clone();
    lines.insert(3, pristine[3].clone());
    lines.pop();
    write_entries(d, &lines);
    check("a duplicated entry", "entry 4");
    let mut lines = pristine.clone();
    lines.swap(1, 2);
    write_entries(d, &lines);
    check("reordered entries", "entry 1");
    write_entries(d, &pristine);
    verify(d, &["--checkpoint", s(&saved_cp)]).expect(0);

    // Checkpoint files.
    let flipped = cps.replacen("\"size\":3", "\"size\":4", 1);
    std::fs::write(log_dir(d).join("checkpoints.jsonl"), flipped).unwrap();
    check("a changed checkpoint record", "checkpoint");
    let sig_flip = {
        let pos = cps.find("— ").unwrap() + 20;
        let mut b = cps.clone().into_bytes();
        b[pos] = if b[pos] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    std::fs::write(log_dir(d).join("checkpoints.jsonl"), sig_flip).unwrap();
    check("a changed signature", "does not verify");
    // A bad signature is reported as such, not blamed on an entry.
    let out = verify(d, &[]).expect(1);
    assert!(out.stdout.contains("checkpoint for size 1 does not verify"), "{}", out.stdout);
    assert!(!out.stdout.contains("entry "), "no entry is blamed for a bad signature:\n{}", out.stdout);
    std::fs::write(log_dir(d).join("checkpoints.jsonl"), &cps).unwrap();
    verify(d, &[]).expect(0);
    // The `checkpoint` file with a second line of the log's key, good or
    // bad, after its signature: not a cosignature, so not the newest note
    // (verify.py and verify.js say the same).
    let cp_path = log_dir(d).join("checkpoint");
    let cp = std::fs::read_to_string(&cp_path).unwrap();
    let own = cp.rsplit_once("\n\n").unwrap().1.to_string();
    let bad_own = {
        let mut b = own.clone().into_bytes();
        let pos = b.len() - 10;
        b[pos] = if b[pos] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    for (what, extra) in [("the log's signature twice", &own), ("a bad second signature of the log's key", &bad_own)] {
        std::fs::write(&cp_path, format!("{cp}{extra}")).unwrap();
        let out = verify(d, &[]).expect(1);
        assert!(out.stdout.contains("TAMPERED"), "{what}:\n{}", out.stdout);
    }
    std::fs::write(&cp_path, &cp).unwrap();
    verify(d, &[]).expect(0);
    std::fs::remove_file(log_dir(d).join("checkpoints.jsonl")).unwrap();
    check("deleted checkpoints", "deleted or emptied");
    std::fs::write(log_dir(d).join("checkpoints.jsonl"), &cps).unwrap();

    // A snapshot blob replaced.
    let snaps: Vec<_> = std::fs::read_dir(log_dir(d).join("snapshots")).unwrap().map(|e| e.unwrap().path()).collect();
    let keep = std::fs::read(&snaps[0]).unwrap();
    std::fs::write(&snaps[0], b"not gzip").unwrap();
    check("a replaced snapshot", "snapshot");
    std::fs::write(&snaps[0], keep).unwrap();

    // The operator edits a draw, re-signs everything with the log's key and
    // drops the receipt that would give it away: the replay inside `audit
    // verify` exposes it, and so does a saved checkpoint.
    let mut lines = pristine.clone();
    let last = lines.len() - 1;
    let mut result: serde_json::Value = serde_json::from_str(&lines[last]).unwrap();
    let sel = result["body"]["draw"]["strata"][0]["selected"][0].as_str().unwrap().to_string();
    let other = result["body"]["draw"]["strata"][1]["selected"][0].clone();
    result["body"]["draw"]["strata"][0]["selected"][0] = other;
    lines[last] = String::from_utf8(fairdraw::model::canonical::to_bytes(&result)).unwrap();
    write_entries(d, &lines);
    resign(d);
    std::fs::remove_dir_all(log_dir(d).join("receipts")).unwrap();
    let vkey = log_dir(d).join("log.pub");
    let out = verify(d, &["--vkey", s(&vkey)]).expect(1);
    assert!(
        out.stdout.contains(&format!("entry {last} (DrawResult")) && out.stdout.contains("does not replay"),
        "the edited draw is named:\n{}",
        out.stdout
    );
    // ... and one unsigned record appended to checkpoints.jsonl, which makes
    // the log refuse to open for the replay, cannot switch the replay off:
    // what goes unchecked is a problem, not a note.
    let cps_path = log_dir(d).join("checkpoints.jsonl");
    let signed = std::fs::read(&cps_path).unwrap();
    let mut junk = signed.clone();
    junk.extend_from_slice(
        format!("{{\"batch_end\":false,\"checkpoint\":\"junk\",\"size\":{}}}\n", lines.len() + 1).as_bytes(),
    );
    std::fs::write(&cps_path, junk).unwrap();
    let out = verify(d, &["--vkey", s(&vkey)]).expect(1);
    assert!(
        out.stdout.contains("TAMPERED")
            && out.stdout.contains("does not open for reading")
            && out.stdout.contains("draws were not checked"),
        "a log the replay cannot open is not verified:\n{}",
        out.stdout
    );
    std::fs::write(&cps_path, signed).unwrap();
    let skipped = verify(d, &["--no-replay"]).expect(0);
    assert!(skipped.stdout.contains("not replayed (--no-replay)"), "skipping says so:\n{}", skipped.stdout);
    check("a re-signed rewrite", "rewritten");
    let rp = run(d, &["audit", "replay", "--log", s(&log_dir(d))]).expect(1);
    assert!(
        rp.stdout.contains("DIFF") && rp.stdout.contains("strata[0].selected[0]"),
        "{}\n(changed {sel})",
        rp.stdout
    );
}

#[test]
fn a_log_rewritten_from_another_seed_fails_against_a_saved_checkpoint() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let c = commit(d, "plan-joint.toml", R1).expect(0);
    let id = last_line(&c.stdout);
    let after_commit = run(d, &["audit", "checkpoint", "--log", s(&log_dir(d))]).expect(0).stdout;
    let saved = write(d, "cp.txt", &after_commit);
    reveal(d, &id, R1).expect(0);
    verify(d, &["--checkpoint", s(&saved)]).expect(0);
    // Drop the reveal and everything after the init, re-commit to another
    // round (another seed), reveal, re-sign: a self-consistent new history.
    let first = entries(d)[..1].to_vec();
    write_entries(d, &first);
    resign(d);
    let c2 = commit(d, "plan-joint.toml", R2).expect(0);
    let new_draw = last_line(&reveal(d, &last_line(&c2.stdout), R2).expect(0).stdout);
    // The receipt of the dropped draw is left over from the old history.
    let leftover = verify(d, &[]).expect(1);
    assert!(leftover.stdout.contains("names no DrawResult of this log"), "{}", leftover.stdout);
    for f in std::fs::read_dir(log_dir(d).join("receipts")).unwrap() {
        let path = f.unwrap().path();
        if !path.ends_with(format!("{new_draw}.tlog-proof")) {
            std::fs::remove_file(path).unwrap();
        }
    }
    verify(d, &[]).expect(0);
    let out = verify(d, &["--checkpoint", s(&saved)]).expect(1);
    assert!(out.stdout.contains("rewritten"), "{}", out.stdout);
    // The two other verifiers catch it with the same saved checkpoint.
    let log = log_dir(d);
    for (who, other) in [
        ("verify.py", verify_py(&["log", s(&log), "--checkpoint", s(&saved)], d)),
        ("verify.js", verify_js(&["log", s(&log), "--checkpoint", s(&saved)], d)),
    ] {
        assert_eq!(other.code, 1, "{who}:\n{}{}", other.stdout, other.stderr);
        assert!(other.stdout.contains("NOT consistent with your checkpoint"), "{who}:\n{}", other.stdout);
    }
    let js = verify_js(&["log", s(&log)], d);
    assert_eq!(js.code, 0, "without the saved checkpoint the new history looks whole:\n{}", js.stdout);
}

#[test]
fn the_log_excludes_this_years_targets_and_rotates_inspectors() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let c1 = commit(d, "plan-single.toml", R1).expect(0);
    reveal(d, &last_line(&c1.stdout), R1).expect(0);
    let first: serde_json::Value = serde_json::from_str(entries(d).last().unwrap()).unwrap();
    let drawn: Vec<String> = first["body"]["draw"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uscc"].as_str().unwrap().to_string())
        .collect();
    let c2 = commit(d, "plan-single.toml", R2).expect(0);
    assert!(c2.stdout.contains("excluded by the log"), "{}", c2.stdout);
    // An operator who drops an exclusion and re-signs is caught: the log
    // itself says who must be excluded.
    let honest = entries(d);
    let mut edited: serde_json::Value = serde_json::from_str(honest.last().unwrap()).unwrap();
    edited["body"]["log_exclusions"].as_array_mut().unwrap().pop();
    let mut lines = honest.clone();
    *lines.last_mut().unwrap() = String::from_utf8(fairdraw::model::canonical::to_bytes(&edited)).unwrap();
    write_entries(d, &lines);
    resign(d);
    let out = verify(d, &[]).expect(1);
    assert!(out.stdout.contains("log_exclusions"), "{}", out.stdout);
    write_entries(d, &honest);
    resign(d);
    let commitment: serde_json::Value = serde_json::from_str(entries(d).last().unwrap()).unwrap();
    let excluded: Vec<&str> =
        commitment["body"]["log_exclusions"].as_array().unwrap().iter().map(|x| x["uscc"].as_str().unwrap()).collect();
    assert_eq!(excluded.len(), drawn.len(), "every target of the first draw shares an item with the second");
    assert!(commitment["body"]["log_history"].as_array().unwrap().len() >= 2 * drawn.len(), "rotation reads the teams");
    reveal(d, &last_line(&c2.stdout), R2).expect(0);
    let second: serde_json::Value = serde_json::from_str(entries(d).last().unwrap()).unwrap();
    for a in second["body"]["draw"]["assignments"].as_array().unwrap() {
        assert!(!drawn.contains(&a["uscc"].as_str().unwrap().to_string()), "drawn twice for the same item in one year");
    }
    run(d, &["audit", "replay", "--log", s(&log_dir(d))]).expect(0);
    verify(d, &[]).expect(0);
}

#[test]
fn an_infeasible_outcome_is_logged_not_hidden() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let tight = std::fs::read_to_string(data("plan-single.toml"))
        .unwrap()
        .replace("max_targets_per_inspector = 6", "max_targets_per_inspector = 1");
    let plan_path = d.join("tight.toml");
    std::fs::write(
        &plan_path,
        tight
            .replace("items_file = \"items.csv\"", &format!("items_file = \"{}\"", s(&data("items.csv"))))
            .replace("\"exclude.csv\"", &format!("\"{}\"", s(&data("exclude.csv"))))
            .replace("\"history.csv\"", &format!("\"{}\"", s(&data("history.csv")))),
    )
    .unwrap();
    let beacon = format!("drand:quicknet:{}", R2.0);
    let c = run(
        d,
        &[
            "commit",
            "--log",
            s(&log_dir(d)),
            "--now",
            R2.1,
            "--beacon",
            &beacon,
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--plan",
            s(&plan_path),
        ],
    )
    .expect(0);
    let r = reveal(d, &last_line(&c.stdout), R2).expect(2);
    assert!(r.stderr.contains("logged as entry"), "{}", r.stderr);
    let result: serde_json::Value = serde_json::from_str(entries(d).last().unwrap()).unwrap();
    assert_eq!(result["body"]["outcome"], "infeasible");
    let rp = run(d, &["audit", "replay", "--log", s(&log_dir(d))]).expect(0);
    assert!(rp.stdout.contains("infeasible, as logged"), "{}", rp.stdout);
}

#[test]
fn a_ceremony_beacon_needs_digits_and_witnesses() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let c = run(
        d,
        &[
            "commit",
            "--log",
            s(&log_dir(d)),
            "--beacon",
            "ceremony",
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--plan",
            s(&data("plan-minimal.toml")),
        ],
    )
    .expect(0);
    let id = last_line(&c.stdout);
    let short = run(
        d,
        &["reveal", &id, "--log", s(&log_dir(d)), "--ceremony", "123456", "--witness", "张三", "--witness", "李四"],
    )
    .expect(2);
    assert!(short.stderr.contains("20"), "{}", short.stderr);
    run(d, &["reveal", &id, "--log", s(&log_dir(d)), "--ceremony", "31415926535897932384626433", "--witness", "张三"])
        .expect(2);
    reveal_ceremony(d, &id).expect(0);
    let v = verify(d, &[]).expect(0);
    assert!(v.stdout.contains("1 of 7 entries"), "only the init used --now: {}", v.stdout);
}

#[test]
fn the_python_verifier_agrees_on_the_log_and_the_receipts() {
    let dir = tempdir();
    let d = dir.path();
    let saved = drawn_log(d);
    let saved_cp = write(d, "saved.txt", &saved);
    let log = log_dir(d);
    let ok = verify_py(&["log", s(&log), "--checkpoint", s(&saved_cp)], d);
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("VERIFIED"), "{}", ok.stdout);
    assert!(ok.stdout.contains("note: key not pinned: trusted log.pub as found"), "{}", ok.stdout);
    assert!(!ok.stdout.contains("no saved checkpoint"), "--checkpoint anchors the history: {}", ok.stdout);
    let receipt = std::fs::read_dir(log.join("receipts")).unwrap().next().unwrap().unwrap().path();
    verify_py(&["receipt", s(&receipt), "--vkey", s(&log.join("log.pub"))], d).expect(0);
    let pristine = entries(d);
    let mut lines = pristine.clone();
    lines.swap(2, 3);
    write_entries(d, &lines);
    let bad = verify_py(&["log", s(&log)], d);
    assert_eq!(bad.code, 1, "{}\n{}", bad.stdout, bad.stderr);
    write_entries(d, &pristine);
}

#[test]
fn a_corrupted_or_swapped_receipt_is_tampering() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let c1 = commit(d, "plan-single.toml", R1).expect(0);
    let first = last_line(&reveal(d, &last_line(&c1.stdout), R1).expect(0).stdout);
    let c2 = commit(d, "plan-single.toml", R2).expect(0);
    let second = last_line(&reveal(d, &last_line(&c2.stdout), R2).expect(0).stdout);
    let receipt = |id: &str| log_dir(d).join(format!("receipts/{id}.tlog-proof"));
    let (a, b) =
        (std::fs::read_to_string(receipt(&first)).unwrap(), std::fs::read_to_string(receipt(&second)).unwrap());
    let v = verify(d, &[]).expect(0);
    assert!(v.stdout.contains("2 receipt(s) checked"), "{}", v.stdout);

    let both_name = |file: &str, what: &str| {
        let out = verify(d, &[]).expect(1);
        assert!(out.stdout.contains(&format!("receipts/{file}.tlog-proof: {what}")), "{}", out.stdout);
        let py = verify_py(&["log", s(&log_dir(d))], d);
        assert_eq!(py.code, 1, "verify.py: {}\n{}", py.stdout, py.stderr);
        assert!(py.stdout.contains(&format!("receipts/{file}.tlog-proof: {what}")), "verify.py: {}", py.stdout);
        out.stdout
    };
    verify_py(&["log", s(&log_dir(d))], d).expect(0);

    // Swapped: the second draw's file holds the first draw's (valid) receipt.
    std::fs::write(receipt(&second), &a).unwrap();
    let out = both_name(&second, "proves entry");
    assert!(!out.contains(&format!("receipts/{first}.tlog-proof")), "the intact one is not blamed:\n{out}");
    let check = run(d, &["audit", "receipt", s(&receipt(&second)), "--check", "--log", s(&log_dir(d))]).expect(1);
    assert!(check.stdout.contains(&format!("named after entry {second} but proves entry {first}")), "{}", check.stdout);
    run(d, &["audit", "receipt", s(&receipt(&first)), "--check", "--log", s(&log_dir(d))]).expect(0);
    let vkey = log_dir(d).join("log.pub");
    let py = verify_py(&["receipt", s(&receipt(&second)), "--vkey", s(&vkey)], d);
    assert_eq!(py.code, 1, "{}\n{}", py.stdout, py.stderr);
    assert!(py.stdout.contains(&format!("named after entry {second} but proves entry {first}")), "{}", py.stdout);
    verify_py(&["receipt", s(&receipt(&first)), "--vkey", s(&vkey)], d).expect(0);

    // Corrupted: one hash of the inclusion proof changed.
    let proof_line = b.lines().nth(3).unwrap();
    let flipped = format!("{}{}", if proof_line.starts_with('A') { "B" } else { "A" }, &proof_line[1..]);
    std::fs::write(receipt(&second), b.replacen(proof_line, &flipped, 1)).unwrap();
    let out = both_name(&second, "entry");
    assert!(out.contains("not included"), "{out}");

    // Unparsable, and a receipt under a name that is no draw of the log.
    std::fs::write(receipt(&second), "garbage").unwrap();
    both_name(&second, "is not a receipt");
    std::fs::write(receipt(&second), &b).unwrap();
    std::fs::write(receipt(&"0".repeat(64)), &b).unwrap();
    both_name(&"0".repeat(64), "names no DrawResult");
    std::fs::remove_file(receipt(&"0".repeat(64))).unwrap();
    verify(d, &[]).expect(0);
    verify_py(&["log", s(&log_dir(d))], d).expect(0);
}

#[test]
fn an_operator_grinding_with_abandoned_commitments_is_caught() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let before_round = "2024-10-14T17:10:00Z";
    let a = last_line(&commit(d, "plan-single.toml", R2).expect(0).stdout);
    let verify_at = |now: &str| verify(d, &["--now", now]);
    // One commitment waiting for its round is fine; once the round is out
    // and nothing was revealed, it is abandoned.
    verify_at(before_round).expect(0);
    let out = verify_at(R2.2).expect(1);
    assert!(out.stdout.contains(&format!("abandoned commitment {a}")), "{}", out.stdout);

    // The same plan committed again to the same round: a second ticket.
    let b = last_line(&commit(d, "plan-single.toml", R2).expect(0).stdout);
    let out = verify_at(before_round).expect(1);
    assert!(
        out.stdout.contains("competing commitments") && out.stdout.contains(&a) && out.stdout.contains(&b),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("abandoned"), "the round is not out yet:\n{}", out.stdout);

    // The operator reveals only the one they like.
    reveal(d, &a, R2).expect(0);
    let out = verify_at(R2.2).expect(1);
    let abandoned: Vec<&str> = out.stdout.lines().filter(|l| l.contains("abandoned commitment")).collect();
    assert_eq!(abandoned.len(), 1, "{}", out.stdout);
    assert!(abandoned[0].contains(&b) && abandoned[0].contains("round 12040883"), "{}", out.stdout);
    let competing: Vec<&str> = out.stdout.lines().filter(|l| l.contains("competing commitments")).collect();
    assert_eq!(competing.len(), 1, "{}", out.stdout);
    assert!(competing[0].contains(&a) && competing[0].contains(&b), "both are named:\n{}", out.stdout);

    let log = log_dir(d);
    let py = verify_py(&["log", s(&log), "--now", R2.2], d);
    assert_eq!(py.code, 1, "{}\n{}", py.stdout, py.stderr);
    let py_abandoned: Vec<&str> = py.stdout.lines().filter(|l| l.contains("abandoned commitment")).collect();
    assert!(py_abandoned.len() == 1 && py_abandoned[0].contains(&b), "{}", py.stdout);
    assert!(
        py.stdout.lines().any(|l| l.contains("competing commitments") && l.contains(&a) && l.contains(&b)),
        "{}",
        py.stdout
    );
    let py_early = verify_py(&["log", s(&log), "--now", before_round], d);
    assert_eq!(py_early.code, 1, "{}\n{}", py_early.stdout, py_early.stderr);
    assert!(!py_early.stdout.contains("abandoned"), "{}", py_early.stdout);
}

/// Reveals a ceremony commitment with the test digits and two witnesses.
fn reveal_ceremony(d: &Path, id: &str) -> Run {
    let log = log_dir(d);
    let digits = "31415926535897932384626433";
    run(d, &["reveal", id, "--log", s(&log), "--ceremony", digits, "--witness", "张三", "--witness", "李四"])
}

#[test]
fn two_open_ceremonies_compete_in_both_verifiers() {
    let dir = tempdir();
    let d = dir.path();
    init(d);
    let commit_ceremony = || {
        let (log, e, i, p) = (log_dir(d), data("enterprises.csv"), data("inspectors.csv"), data("plan-minimal.toml"));
        let args = ["commit", "--log", s(&log), "--beacon", "ceremony", "--enterprises", s(&e), "--inspectors", s(&i)];
        let mut all = args.to_vec();
        all.extend(["--plan", s(&p)]);
        last_line(&run(d, &all).expect(0).stdout)
    };
    // Revealed before the next one is committed: a redraw, not a rival.
    let first = commit_ceremony();
    reveal_ceremony(d, &first).expect(0);
    let second = commit_ceremony();
    verify(d, &[]).expect(0);
    verify_py(&["log", s(&log_dir(d))], d).expect(0);
    // A third committed while the second is still open: the two compete.
    let third = commit_ceremony();
    reveal_ceremony(d, &third).expect(0);
    let out = verify(d, &[]).expect(1);
    let py = verify_py(&["log", s(&log_dir(d))], d);
    assert_eq!(py.code, 1, "{}\n{}", py.stdout, py.stderr);
    for report in [&out.stdout, &py.stdout] {
        let lines: Vec<&str> = report.lines().filter(|l| l.contains("competing commitments")).collect();
        assert_eq!(lines.len(), 1, "{report}");
        assert!(lines[0].contains(&second) && lines[0].contains(&third) && !lines[0].contains(&first), "{report}");
        assert!(!report.contains("abandoned"), "a ceremony has no round time: {report}");
        assert!(lines[0].contains("a plan without items"), "{report}");
    }
}
