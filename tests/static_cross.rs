//! The three verifiers on the static tlog-tiles files the Rust writer makes
//! and on mirrors `fairdraw publish` writes (LOG-FORMAT.md "Static
//! publication"): `audit verify`, `audit/verify.py log` and `web/verify.js
//! log` — each written from the spec alone — accept a CLI-made log's tiles
//! (full and protected), all three read the same mirror from a plain static
//! web server, and each names the same changed tile and the same missing
//! entry with the spec's words.

mod common;
use common::static_host::{odd_host, static_server};
use common::*;

use std::path::{Path, PathBuf};

const NOW: &str = "2024-10-03T00:00:00Z";

/// The three verifiers on a log directory or a URL, with the same clock.
fn all_three(source: &str, cwd: &Path) -> [(&'static str, Run); 3] {
    let rust = if source.starts_with("http") {
        fairdraw(&["audit", "verify", "--url", source, "--now", NOW], cwd)
    } else {
        fairdraw(&["audit", "verify", "--log", source, "--now", NOW], cwd)
    };
    [
        ("audit verify", rust),
        ("verify.py", verify_py(&["log", source, "--now", NOW], cwd)),
        ("verify.js", verify_js(&["log", source, "--now", NOW], cwd)),
    ]
}

fn drawn(dir: &Path, publication: &str) -> PathBuf {
    ceremony_drawn_log(dir, publication, &data("plan-single.toml"));
    dir.join("log")
}

/// The first partial level-0 tile of the log (one exists for every size).
fn a_partial_tile(log: &Path) -> String {
    let dir = log.join("tile/0/000.p");
    let mut widths: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    widths.sort();
    format!("tile/0/000.p/{}", widths[0])
}

fn flip_last_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn the_writers_tiles_are_accepted_and_a_changed_tile_is_named_alike_by_all_three() {
    for publication in ["full", "protected"] {
        let dir = tempdir();
        let log = drawn(dir.path(), publication);
        for (who, run) in all_three(s(&log), dir.path()) {
            assert_eq!(run.code, 0, "{publication} log, {who}:\n{}{}", run.stdout, run.stderr);
            assert!(
                !run.stdout.contains("tile/") && !run.stdout.contains("entry/"),
                "{publication} log, {who}: the writer's static files must all be there and match:\n{}",
                run.stdout
            );
        }
        let tile = a_partial_tile(&log);
        flip_last_byte(&log.join(&tile));
        let line =
            format!("{tile}: differs from the bytes derived from the log's entries (changed, or from another history)");
        for (who, run) in all_three(s(&log), dir.path()) {
            assert_eq!(run.code, 1, "{publication} log, {who}:\n{}{}", run.stdout, run.stderr);
            assert!(run.stdout.contains(&line), "{publication} log, {who} must say {line:?}:\n{}", run.stdout);
        }
    }
}

#[test]
fn a_published_mirror_is_read_alike_by_all_three_and_a_missing_entry_is_named() {
    let dir = tempdir();
    let d = dir.path();
    let log = drawn(d, "protected");
    let site = d.join("site");
    fairdraw(&["publish", "--log", s(&log), "--to", s(&site), "--page", s(&root().join("web"))], d).expect(0);
    assert!(!site.join("entries.jsonl").exists() && !site.join("private").exists());
    let (_server, url) = static_server(&site);

    for (who, run) in all_three(&url, d) {
        assert_eq!(run.code, 0, "{who}:\n{}{}", run.stdout, run.stderr);
        assert_eq!(
            run.stdout.lines().next(),
            Some(format!("log: {url} (static mirror)").as_str()),
            "{who}:\n{}",
            run.stdout
        );
        assert!(!run.stdout.contains("tile/") && !run.stdout.contains("entry/"), "{who}:\n{}", run.stdout);
    }

    // A mirror copied from a live log in the middle of a batch: a record
    // of the next size, whose entry the mirror need not have, is the
    // unfinished tail for all three (it does not stop the replay).
    let records = std::fs::read_to_string(site.join("checkpoints.jsonl")).unwrap();
    let n = records.lines().count();
    let last = records.lines().last().unwrap();
    let next = last
        .replace("\"batch_end\":true", "\"batch_end\":false")
        .replace(&format!("\"size\":{n}}}"), &format!("\"size\":{}}}", n + 1));
    assert_ne!(next, last);
    std::fs::write(site.join("checkpoints.jsonl"), format!("{records}{next}\n")).unwrap();
    for (who, run) in all_three(&url, d) {
        assert_eq!(run.code, 0, "{who}, an unfinished tail on the mirror:\n{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("unfinished"), "{who}:\n{}", run.stdout);
    }
    std::fs::write(site.join("checkpoints.jsonl"), records).unwrap();

    std::fs::remove_file(site.join("entry/002")).unwrap();
    let line = "entry/002: missing on the mirror (HTTP 404): the mirror is incomplete";
    for (who, run) in all_three(&url, d) {
        assert_eq!(run.code, 1, "{who}:\n{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(line), "{who} must say {line:?}:\n{}", run.stdout);
    }
}

/// How a host answers (LOG-FORMAT "Reading a log from a URL", step 1) is
/// read alike by all three: gzip decoded whether asked for or not; another
/// encoding refused (exit 2), even one node's fetch would decode; a 200
/// `text/html` answer is the site's page, so a missing file answered with it
/// is absent, and a host typing every file as a page serves no log; a URL
/// with a query or a fragment is not a mirror's prefix.
#[test]
fn a_hosts_encodings_pages_and_url_forms_are_read_alike_by_all_three() {
    let dir = tempdir();
    let d = dir.path();
    let log = drawn(d, "full");
    let site = d.join("site");
    fairdraw(&["publish", "--log", s(&log), "--to", s(&site)], d).expect(0);
    let (_host, base) = odd_host(&site);
    for (mode, code) in
        [("plain", 0), ("gzip", 0), ("page404", 0), ("deflate", 2), ("br", 2), ("allhtml", 2), ("htmlx", 0)]
    {
        let url = format!("{base}{mode}/");
        for (who, run) in all_three(&url, d) {
            assert_eq!(run.code, code, "{who} on a host answering {mode}:\n{}{}", run.stdout, run.stderr);
        }
    }
    for url in [format!("{base}plain/?k=v"), format!("{base}plain/#part")] {
        for (who, run) in all_three(&url, d) {
            assert_eq!(run.code, 2, "{who} on {url}:\n{}{}", run.stdout, run.stderr);
            assert!(run.stderr.contains("takes no ?query or #fragment"), "{who} on {url}:\n{}", run.stderr);
        }
    }
}

/// After the last batch end, a crash leaves only records of the next sizes,
/// each of an entry already written (or a torn line): a record put there
/// otherwise (one of the signed records again, a size beyond the entries)
/// is a problem for all three, and a torn line is a note for all three.
#[test]
fn records_no_crash_could_leave_are_problems_for_all_three() {
    let dir = tempdir();
    let d = dir.path();
    let log = drawn(d, "full");
    let path = log.join("checkpoints.jsonl");
    let records = std::fs::read_to_string(&path).unwrap();
    let second = records.lines().nth(1).unwrap();
    let n = records.lines().count();
    for (what, tail, code) in [
        ("a signed record again", format!("{second}\n"), 1),
        ("a size beyond the entries", format!("{{\"batch_end\":false,\"checkpoint\":\"x\",\"size\":{}}}\n", n + 1), 1),
        ("a torn line", "{\"batch_end\":fa".to_string(), 0),
    ] {
        std::fs::write(&path, format!("{records}{tail}")).unwrap();
        for (who, run) in all_three(s(&log), d) {
            assert_eq!(run.code, code, "{who}, {what}:\n{}{}", run.stdout, run.stderr);
            if code == 1 {
                assert!(run.stdout.contains("an unfinished record for size"), "{who}, {what}:\n{}", run.stdout);
            }
        }
    }
}
