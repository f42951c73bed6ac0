//! `node web/verify.js log DIR` replays every draw (audit/LOG-FORMAT.md
//! "What `audit verify` checks", check 10) with the page's own re-run
//! (web/verify/rebuild.js): on the sample year of `fairdraw demo year`
//! (annual batches, joint visits, caps, wake-ups, feedback), on a sealed
//! draw once published, on a protected log (its public mirror: not replayed;
//! its auditor export: replayed), and on a draw edited and re-signed with the
//! log's own key, and on a full log's static mirror read over HTTP — each
//! time with the same per-draw verdicts as
//! `python3 audit/verify.py log`. Also runs tests/verify-js/replay.test.mjs
//! (the whole-log vector tests/vectors/feedback-log).

mod common;
use common::static_host::static_server;
use common::*;

use std::path::Path;

/// The `OK`/`DIFF`/`PUBLIC` verdict and the DrawResult id of each replay line, in order.
fn verdicts(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| {
            let mut words = l.splitn(3, ' ');
            let (verdict, id) = (words.next()?, words.next()?);
            let is_id = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
            (["OK", "DIFF", "PUBLIC"].contains(&verdict) && is_id).then(|| (verdict.to_string(), id.to_string()))
        })
        .collect()
}

/// The DrawResult ids of a log, in log order.
fn draw_results(log: &Path) -> Vec<String> {
    let ids = log_ids(log);
    log_entries(log).iter().zip(ids).filter(|(e, _)| e["kind"] == "DrawResult").map(|(_, id)| id).collect()
}

/// verify.js and verify.py on `log` (at `now`): both exit `code` and give the same verdict per draw, which are returned.
fn both(dir: &Path, log: &Path, now: &str, code: i32) -> (Run, Vec<(String, String)>) {
    let js = verify_js(&["log", s(log), "--now", now], dir);
    let py = verify_py(&["log", s(log), "--now", now], dir);
    assert_eq!(js.code, code, "verify.js:\n{}{}", js.stdout, js.stderr);
    assert_eq!(py.code, code, "verify.py:\n{}{}", py.stdout, py.stderr);
    let found = verdicts(&js.stdout);
    assert_eq!(found, verdicts(&py.stdout), "the same verdict per draw:\n{}\n---\n{}", js.stdout, py.stdout);
    (js, found)
}

fn all(verdict: &str, ids: &[String]) -> Vec<(String, String)> {
    ids.iter().map(|id| (verdict.to_string(), id.clone())).collect()
}

#[test]
fn node_replay_tests_on_the_feedback_vector() {
    node_tests("tests/verify-js/replay.test.mjs", 3);
}

#[test]
fn the_sample_year_replays_batch_by_batch_in_verify_js_as_in_verify_py() {
    let dir = tempdir();
    let out = dir.path().join("out");
    fairdraw(&["demo", "year", "--out-dir", s(&out)], dir.path()).expect(0);
    let log = out.join("year-log");
    let ids = draw_results(&log);
    assert!(ids.len() >= 4, "the year has its batches: {ids:?}");
    let (js, found) = both(dir.path(), &log, "2028-01-01T00:00:00Z", 0);
    assert_eq!(found, all("OK", &ids), "{}", js.stdout);
    let last = js.stdout.lines().last().unwrap();
    assert!(last.contains(&format!("{} draw(s) replayed", ids.len())), "{last}");
}

#[test]
fn a_draw_edited_and_resigned_with_the_logs_own_key_is_a_diff_in_verify_js_and_verify_py() {
    let dir = tempdir();
    let d = dir.path();
    let result = ceremony_drawn_log(d, "full", &data("plan-minimal.toml"));
    let log = d.join("log");
    let mut entries = log_entries(&log);
    let r = entries.iter_mut().find(|e| e["kind"] == "DrawResult").unwrap();
    let drawn: Vec<String> = r["body"]["draw"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uscc"].as_str().unwrap().into())
        .collect();
    let csv = std::fs::read_to_string(data("enterprises.csv")).unwrap();
    let outsider = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().trim_matches('"'))
        .find(|u| !drawn.iter().any(|x| x == u));
    r["body"]["draw"]["assignments"][0]["uscc"] = serde_json::json!(outsider.unwrap());
    write_log_entries(&log, &entries);
    resign_log(&log);
    let forged = draw_results(&log);
    assert_ne!(forged, vec![result], "the DrawResult's id changed with its body");
    let now = "2025-01-01T00:00:00Z";
    // Without the replay the re-signed log verifies: only check 10 sees the edit.
    verify_js(&["log", s(&log), "--now", now, "--no-replay"], d).expect(0);
    let (js, found) = both(d, &log, now, 1);
    assert_eq!(found, all("DIFF", &forged), "{}", js.stdout);
    assert!(!js.stdout.lines().any(|l| l.starts_with("problem:")), "signatures and tree agree: {}", js.stdout);
    let diff = js.stdout.lines().find(|l| l.starts_with("DIFF ")).unwrap();
    assert!(diff.contains("first: assignments[0].uscc"), "{diff}");
}

#[test]
fn a_sealed_draw_is_replayed_once_published_in_verify_js_as_in_verify_py() {
    let dir = tempdir();
    let d = dir.path();
    let log = d.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2024-10-01T00:00:00Z"], d).expect(0);
    let plan = write(
        d,
        "plan.toml",
        &format!("embargo_until = 2024-11-20\n{}", std::fs::read_to_string(data("plan-minimal.toml")).unwrap()),
    );
    let sample = [data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv")];
    let commitment = commit_by_ceremony(d, &log, &sample, &plan, "2024-10-01T01:00:00Z");
    let result = reveal_by_ceremony(d, &log, &commitment, "16180339887498948482045", "2024-10-01T02:00:00Z");
    // While sealed: not replayed (a note), not a failure.
    let (js, found) = both(d, &log, "2024-10-02T00:00:00Z", 0);
    assert_eq!(found, vec![], "{}", js.stdout);
    assert!(js.stdout.contains(&format!("draw {result}: sealed until 2024-11-20")), "{}", js.stdout);
    fairdraw(&["unseal", "--log", s(&log), "--draw", &result, "--now", "2024-11-19T16:00:00Z"], d).expect(0);
    let (js, found) = both(d, &log, "2024-12-01T00:00:00Z", 0);
    assert_eq!(found, all("OK", &[result]), "{}", js.stdout);
}

#[test]
fn a_protected_log_is_replayed_from_the_auditor_export_and_not_from_its_public_mirror() {
    let dir = tempdir();
    let d = dir.path();
    let result = ceremony_drawn_log(d, "protected", &data("plan-minimal.toml"));
    let log = d.join("log");
    let now = "2025-01-01T00:00:00Z";
    let mirror = d.join("mirror");
    public_mirror(&log, &mirror);
    let (js, found) = both(d, &mirror, now, 0);
    assert_eq!(found, all("PUBLIC", std::slice::from_ref(&result)), "{}", js.stdout);
    let export = d.join("export");
    fairdraw(&["audit", "export", "--log", s(&log), "--for-auditor", s(&export)], d).expect(0);
    let (js, found) = both(d, &export, now, 0);
    assert_eq!(found, all("OK", &[result]), "{}", js.stdout);
}

#[test]
fn joint_cross_district_region_strata_and_infeasible_draws_replay_in_verify_js_as_in_verify_py() {
    let dir = tempdir();
    let d = dir.path();
    let log = d.join("log");
    // minimal, joint (two departments), single department, cross-district
    let mut ids = sample_year_draws(d, &log);
    // region strata (SPEC §6.1) on the strata-region vector's registries
    let vector = root().join("tests/vectors/strata-region");
    let conflicts = write(d, "conflicts.csv", "执法证号,统一社会信用代码,回避原因\n");
    let strata = [vector.join("enterprises.csv"), vector.join("inspectors.csv"), conflicts];
    let c = commit_by_ceremony(d, &log, &strata, &vector.join("plan.toml"), "2026-10-05T01:00:00Z");
    ids.push(reveal_by_ceremony(d, &log, &c, "14142135623730950488016", "2026-10-05T02:00:00Z"));
    // infeasible (spec §8.5): one target per inspector is too few people
    let single = std::fs::read_to_string(data("plan-single.toml")).unwrap();
    let mut tight = single.replace("max_targets_per_inspector = 6", "max_targets_per_inspector = 1");
    for file in ["items.csv", "exclude.csv", "history.csv"] {
        tight = tight.replace(&format!("\"{file}\""), &format!("\"{}\"", s(&data(file))));
    }
    assert_ne!(tight, single);
    let sample = [data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv")];
    let c = commit_by_ceremony(d, &log, &sample, &write(d, "tight.toml", &tight), "2026-10-06T01:00:00Z");
    let r = fairdraw(
        &[
            "reveal",
            &c,
            "--log",
            s(&log),
            "--ceremony",
            "17320508075688772935274",
            "--witness",
            "甲",
            "--witness",
            "乙",
            "--now",
            "2026-10-06T02:00:00Z",
        ],
        d,
    )
    .expect(2);
    assert!(r.stderr.contains("logged as entry"), "{}", r.stderr);
    let all_ids = draw_results(&log);
    assert_eq!(all_ids.len(), ids.len() + 1, "the infeasible outcome is logged too");
    let (js, found) = both(d, &log, "2027-01-01T00:00:00Z", 0);
    assert_eq!(found, all("OK", &all_ids), "{}", js.stdout);
    let infeasible = format!("OK {} (infeasible, as logged)", all_ids.last().unwrap());
    assert!(js.stdout.lines().any(|l| l == infeasible), "{}", js.stdout);
}

#[test]
fn a_full_logs_static_mirror_is_replayed_over_http_in_verify_js_as_in_verify_py() {
    let dir = tempdir();
    let d = dir.path();
    let result = ceremony_drawn_log(d, "full", &data("plan-joint.toml"));
    let site = d.join("site");
    fairdraw(&["publish", "--log", s(&d.join("log")), "--to", s(&site)], d).expect(0);
    assert!(!site.join("entries.jsonl").exists(), "a mirror, read entry by entry");
    let (_server, url) = static_server(&site);
    let (js, found) = both(d, Path::new(&url), "2025-01-01T00:00:00Z", 0);
    assert_eq!(js.stdout.lines().next(), Some(format!("log: {url} (static mirror)").as_str()), "{}", js.stdout);
    assert_eq!(found, all("OK", &[result]), "{}", js.stdout);
}
