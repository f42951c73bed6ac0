//! Embargoed draws (audit/LOG-FORMAT.md, "Embargo"): a sealed reveal keeps
//! the list out of the log, `unseal` publishes it on or after its date (a
//! China date), and `audit verify` / `audit replay` check both, catching a
//! publication that differs from what was sealed or comes too early.

mod common;
#[path = "common/http.rs"]
mod http;
use common::*;
use http::*;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The reveal happens on 2024-11-01 (a Friday) in China.
const COMMIT_AT: &str = "2024-11-01T02:00:00Z";
const REVEAL_AT: &str = "2024-11-01T03:00:00Z";
/// 2024-11-19 23:59:59 and 2024-11-20 00:00:00 in China.
const DAY_BEFORE: &str = "2024-11-19T15:59:59Z";
const ON_THE_DAY: &str = "2024-11-19T16:00:00Z";
const UNTIL: &str = "2024-11-20";

/// Creates the log every test of this file uses. Publication-mode options
/// go here (the one place to switch them).
fn new_log(dir: &Path) -> PathBuf {
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2024-10-01T00:00:00Z"], dir).expect(0);
    log
}

fn last_line(out: &str) -> String {
    out.lines().last().unwrap_or("").trim().to_string()
}

/// Commits the minimal sample plan with `embargo` prepended (a ceremony
/// beacon) and reveals it; returns the reveal's run.
fn sealed_draw(dir: &Path, log: &Path, embargo: &str, digits: &str) -> Run {
    let plan =
        write(dir, "plan.toml", &format!("{embargo}\n{}", std::fs::read_to_string(data("plan-minimal.toml")).unwrap()));
    let c = fairdraw(
        &[
            "commit",
            "--log",
            s(log),
            "--now",
            COMMIT_AT,
            "--beacon",
            "ceremony",
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--conflicts",
            s(&data("conflicts.csv")),
            "--plan",
            s(&plan),
        ],
        dir,
    )
    .expect(0);
    let commitment = last_line(&c.stdout);
    fairdraw(
        &[
            "reveal",
            &commitment,
            "--log",
            s(log),
            "--now",
            REVEAL_AT,
            "--ceremony",
            digits,
            "--witness",
            "张三",
            "--witness",
            "李四",
        ],
        dir,
    )
}

fn of_kind(log: &Path, kind: &str) -> Vec<Value> {
    log_entries(log).into_iter().filter(|e| e["kind"] == kind).collect()
}

fn verify(dir: &Path, log: &Path) -> Run {
    fairdraw(&["audit", "verify", "--log", s(log), "--now", "2025-01-01T00:00:00Z"], dir)
}

fn unseal(dir: &Path, log: &Path, id: &str, now: &str) -> Run {
    fairdraw(&["unseal", "--log", s(log), "--draw", id, "--now", now], dir)
}

/// The USCCs a draw document selects.
fn targets(doc: &Value) -> Vec<String> {
    doc["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_sealed_draw_is_logged_as_a_digest_and_published_on_its_day() {
    let dir = tempdir();
    let d = dir.path();
    let log = new_log(d);
    let r = sealed_draw(d, &log, &format!("embargo_until = {UNTIL}"), "31415926535897932384626").expect(0);
    let result_id = last_line(&r.stdout);
    assert!(r.stdout.contains(&format!("sealed until {UNTIL}")), "the bureau is told: {}", r.stdout);
    assert!(r.stdout.contains("共抽取"), "the bureau gets the full list: {}", r.stdout);

    let result = &of_kind(&log, "DrawResult")[0];
    assert!(result["body"].get("draw").is_none(), "{result}");
    let sealed = &result["body"]["sealed"];
    assert_eq!(sealed["until"], UNTIL);
    assert_eq!(sealed["strata"].as_array().unwrap().len(), 4);
    let waiting: Value =
        serde_json::from_slice(&std::fs::read(log.join(format!("private/sealed/{result_id}.json"))).unwrap()).unwrap();
    let doc = &waiting["draw"];
    assert_eq!(sealed["digest"], fairdraw::log::seal::digest(doc));
    let selected = targets(doc);
    assert!(!selected.is_empty());
    let public = std::fs::read_to_string(log.join("entries.jsonl")).unwrap();
    for u in &selected {
        assert!(!public.contains(u.as_str()), "{u} is selected but must not be in the log before publication");
    }

    let v = verify(d, &log).expect(0);
    assert!(v.stdout.contains(&format!("draw {result_id}: sealed until {UNTIL}")), "{}", v.stdout);
    assert!(v.stdout.contains("1 draw(s) replayed"), "{}", v.stdout);
    let replay = fairdraw(&["audit", "replay", "--log", s(&log)], d).expect(0);
    assert!(replay.stdout.contains("sealed: the digest matches"), "{}", replay.stdout);

    let early = unseal(d, &log, &result_id[..12], DAY_BEFORE).expect(2);
    assert!(early.stderr.contains(&format!("sealed until {UNTIL}")), "{}", early.stderr);
    assert!(of_kind(&log, "DrawPublication").is_empty(), "nothing written when refused");

    let done = unseal(d, &log, &result_id[..12], ON_THE_DAY).expect(0);
    let publications = of_kind(&log, "DrawPublication");
    assert_eq!(publications.len(), 1);
    assert_eq!(
        last_line(&done.stdout),
        fairdraw::log::entry::id_of(&fairdraw::model::canonical::to_bytes(&publications[0]))
    );
    assert_eq!(publications[0]["body"]["draw"], *doc);
    assert_eq!(publications[0]["body"]["result"], result_id.as_str());
    unseal(d, &log, &result_id[..12], ON_THE_DAY).expect(2);

    let v = verify(d, &log).expect(0);
    assert!(!v.stdout.contains("sealed until"), "published now: {}", v.stdout);
    let replay = fairdraw(&["audit", "replay", "--log", s(&log)], d).expect(0);
    assert!(replay.stdout.contains("targets reproduced") && !replay.stdout.contains("digest"), "{}", replay.stdout);
}

#[test]
fn working_days_are_counted_on_the_official_calendar_and_only_sealed_results_unseal() {
    let dir = tempdir();
    let d = dir.path();
    let log = new_log(d);
    sealed_draw(d, &log, "embargo_working_days = 10", "27182818284590452353602").expect(0);
    // Friday 2024-11-01 + 10 working days (no holiday in between): Friday 2024-11-15.
    assert_eq!(of_kind(&log, "DrawResult")[0]["body"]["sealed"]["until"], "2024-11-15");
    let commitment =
        fairdraw::log::entry::id_of(&fairdraw::model::canonical::to_bytes(&of_kind(&log, "DrawCommitment")[0]));
    let refused = unseal(d, &log, &commitment, "2025-01-01T00:00:00Z").expect(2);
    assert!(refused.stderr.contains("not a sealed DrawResult"), "{}", refused.stderr);
}

#[test]
fn an_embargo_date_that_has_passed_is_refused_at_commit() {
    let dir = tempdir();
    let d = dir.path();
    let log = new_log(d);
    let plan = write(
        d,
        "plan.toml",
        &format!("embargo_until = 2024-11-01\n{}", std::fs::read_to_string(data("plan-minimal.toml")).unwrap()),
    );
    let c = fairdraw(
        &[
            "commit",
            "--log",
            s(&log),
            "--now",
            COMMIT_AT,
            "--beacon",
            "ceremony",
            "--enterprises",
            s(&data("enterprises.csv")),
            "--inspectors",
            s(&data("inspectors.csv")),
            "--plan",
            s(&plan),
        ],
        d,
    )
    .expect(2);
    assert!(c.stderr.contains("embargo_until 2024-11-01 is not after today"), "{}", c.stderr);
    assert!(of_kind(&log, "DrawCommitment").is_empty());
}

/// Replaces the DrawPublication entry's body (or time) and re-signs every
/// checkpoint with the log's own key.
fn forge_publication(log: &Path, edit: impl Fn(&mut Value)) {
    let mut lines = log_entries(log);
    let p = lines.iter_mut().find(|e| e["kind"] == "DrawPublication").unwrap();
    edit(p);
    let text: String =
        lines.iter().map(|e| String::from_utf8(fairdraw::model::canonical::to_bytes(e)).unwrap() + "\n").collect();
    std::fs::write(log.join("entries.jsonl"), text).unwrap();
    resign_log(log);
}

/// A log with a sealed draw, published on its day; returns the log.
fn published_log(d: &Path) -> PathBuf {
    let log = new_log(d);
    let r = sealed_draw(d, &log, &format!("embargo_until = {UNTIL}"), "16180339887498948482045").expect(0);
    unseal(d, &log, &last_line(&r.stdout), ON_THE_DAY).expect(0);
    verify(d, &log).expect(0);
    log
}

#[test]
fn a_publication_of_another_selection_resigned_with_the_logs_key_is_tampering() {
    let dir = tempdir();
    let d = dir.path();
    let log = published_log(d);
    let enterprises = std::fs::read_to_string(data("enterprises.csv")).unwrap();
    forge_publication(&log, |p| {
        let draw = &mut p["body"]["draw"];
        let chosen = targets(draw);
        // Swap the first target for a firm the draw did not select.
        let other = enterprises
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .find(|u| !chosen.contains(u))
            .unwrap();
        let first = chosen[0].clone();
        draw["assignments"][0]["uscc"] = Value::from(other.clone());
        for st in draw["strata"].as_array_mut().unwrap() {
            for u in st["selected"].as_array_mut().unwrap() {
                if *u == first.as_str() {
                    *u = Value::from(other.clone());
                }
            }
        }
    });
    let v = verify(d, &log).expect(1);
    assert!(v.stdout.contains("does not match the sealed draw"), "{}", v.stdout);
}

#[test]
fn a_publication_dated_before_the_seal_ends_is_tampering() {
    let dir = tempdir();
    let d = dir.path();
    let log = published_log(d);
    forge_publication(&log, |p| p["time"] = Value::from(DAY_BEFORE));
    let v = verify(d, &log).expect(1);
    assert!(v.stdout.contains(&format!("before the sealed date {UNTIL}")), "{}", v.stdout);
}

/// Every public GET answer about the log, as text (registry snapshots aside:
/// they are the registry, not the selection).
async fn public_answers(srv: &Server) -> Vec<(String, String)> {
    let mut uris = vec!["/api/draws".to_string(), "/api/commitments?state=all".to_string()];
    let list = call(srv, "GET", "/api/draws", None, None).await.json();
    for d in list["draws"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        uris.push(format!("/api/draws/{id}"));
        uris.push(format!("/api/draws/{id}/receipt"));
        uris.push(format!("/api/results?draw={id}"));
    }
    for i in 0..entry_count(&srv.log) {
        uris.push(format!("/api/entries/{i}"));
    }
    let mut out = Vec::new();
    for uri in uris {
        let r = call(srv, "GET", &uri, None, None).await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{uri}: {}", r.text());
        out.push((uri, r.text()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_shows_a_sealed_draw_as_digest_date_and_counts_until_it_is_unsealed() {
    let dir = tempdir();
    let d = dir.path().to_path_buf();
    let log = new_log(&d);
    // One draw whose date has passed by the server's (real) clock, one sealed for good.
    let due = last_line(
        &sealed_draw(&d, &log, &format!("embargo_until = {UNTIL}"), "11235813213455891442333").expect(0).stdout,
    );
    let later =
        last_line(&sealed_draw(&d, &log, "embargo_until = 2999-01-01", "99999999999999999999000").expect(0).stdout);
    let selected = |id: &str| {
        let waiting: Value =
            serde_json::from_slice(&std::fs::read(log.join(format!("private/sealed/{id}.json"))).unwrap()).unwrap();
        targets(&waiting["draw"])
    };
    let (due_targets, later_targets) = (selected(&due), selected(&later));
    let srv =
        Server { log: log.clone(), state: fairdraw::server::AppState::new(config(&log, "2024-11-05")), _dir: dir };

    let leaks = |answers: &[(String, String)], usccs: &[String]| -> Vec<String> {
        answers
            .iter()
            .flat_map(|(uri, text)| {
                usccs.iter().filter(|u| text.contains(u.as_str())).map(move |u| format!("{uri}: {u}"))
            })
            .collect()
    };
    let before = public_answers(&srv).await;
    assert!(before.len() > 10, "{} answers", before.len());
    let mut sealed_usccs = due_targets.clone();
    sealed_usccs.extend(later_targets.clone());
    assert_eq!(leaks(&before, &sealed_usccs), Vec::<String>::new(), "a sealed selection is public");
    let detail = call(&srv, "GET", &format!("/api/draws/{due}"), None, None).await.json();
    assert_eq!(detail["sealed"]["until"], UNTIL);
    assert_eq!(detail["sealed"]["strata"].as_array().unwrap().len(), 4);
    assert!(detail["draw"].is_null() && detail["teams"].as_array().unwrap().is_empty(), "{detail}");
    // The firm's own lookup says only that the list is sealed.
    let lookup = call(&srv, "GET", &format!("/api/enterprises/{}", due_targets[0]), None, None).await.json();
    for row in lookup["draws"].as_array().unwrap() {
        assert!(row["sealed"]["until"].is_string(), "{row}");
        assert!(row.get("selected").is_none() && row.get("ticket").is_none(), "{row}");
    }

    let unseal_uri = |id: &str| format!("/api/draws/{id}/unseal");
    assert_eq!(call(&srv, "POST", &unseal_uri(&due), None, None).await.status, axum::http::StatusCode::UNAUTHORIZED);
    let early = call(&srv, "POST", &unseal_uri(&later), Some(TOKEN), None).await;
    assert_eq!(early.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{}", early.text());
    assert!(early.error().contains("sealed until 2999-01-01"), "{}", early.error());
    let done = call(&srv, "POST", &unseal_uri(&due[..16]), Some(TOKEN), None).await;
    assert_eq!(done.status, axum::http::StatusCode::CREATED, "{}", done.text());

    let after = public_answers(&srv).await;
    // Firms both draws select are public now through the first one.
    let only_later: Vec<String> = later_targets.iter().filter(|u| !due_targets.contains(u)).cloned().collect();
    assert!(!only_later.is_empty());
    assert_eq!(leaks(&after, &only_later), Vec::<String>::new(), "the other draw is still sealed");
    let detail = call(&srv, "GET", &format!("/api/draws/{due}"), None, None).await.text();
    for u in &due_targets {
        assert!(detail.contains(u.as_str()), "{u} is published now");
    }
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert!(detail["sealed"].is_null() && detail["teams"].as_array().unwrap().len() == due_targets.len());
    let list = call(&srv, "GET", "/api/draws", None, None).await.json();
    let row = list["draws"].as_array().unwrap().iter().find(|r| r["id"] == due.as_str()).unwrap().clone();
    assert_eq!(row["targets"], due_targets.len());
    assert!(row["sealed"].is_null() && row["published_at"].is_string(), "{row}");
    // A firm's result may name a sealed draw (it makes that one selection
    // public early); the target is checked against the bureau's sealed copy.
    let result = |uscc: &str| serde_json::json!({"draw": later, "uscc": uscc, "category": "未发现问题", "inspection_date": "2024-11-04"});
    let r = call(&srv, "POST", "/api/results", Some(TOKEN), Some(result(&only_later[0]))).await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.text());
    let unselected = std::fs::read_to_string(data("enterprises.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .find(|u| !later_targets.contains(u))
        .unwrap();
    let r = call(&srv, "POST", "/api/results", Some(TOKEN), Some(result(&unselected))).await;
    assert_eq!(r.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // What the server wrote verifies.
    verify(&d, &log).expect(0);
}

/// Every file under `dir`, as paths relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path).into_iter().map(|p| path.strip_prefix(dir).unwrap().join(p)));
        } else {
            out.push(path.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    out
}

#[test]
fn the_auditor_export_verifies_and_holds_nothing_private_but_snapshots() {
    let dir = tempdir();
    let d = dir.path();
    let log = new_log(d);
    // A sealed draw leaves a private document behind; the export must not take it.
    let sealed =
        last_line(&sealed_draw(d, &log, "embargo_until = 2999-01-01", "57721566490153286060651").expect(0).stdout);
    assert!(log.join(format!("private/sealed/{sealed}.json")).exists());
    let out = d.join("for-auditor");
    let r = fairdraw(&["audit", "export", "--log", s(&log), "--for-auditor", s(&out)], d).expect(0);
    assert!(r.stdout.contains("exported"), "{}", r.stdout);

    let exported = files_under(&out);
    let public: Vec<PathBuf> = files_under(&log)
        .into_iter()
        .filter(|p| !p.starts_with("private") && !["LOCK", "SERVE.lock"].iter().any(|n| p == Path::new(n)))
        .collect();
    for p in &public {
        assert!(exported.contains(p), "{} is public and must be exported", p.display());
    }
    let private: Vec<PathBuf> = files_under(&log.join("private"));
    let auditor_snapshots: Vec<&PathBuf> = private.iter().filter(|p| p.starts_with("snapshots")).collect();
    for p in &exported {
        let is_public = public.contains(p);
        let is_auditor_snapshot = auditor_snapshots.contains(&p);
        assert!(is_public || is_auditor_snapshot, "{} is neither public nor an auditor snapshot", p.display());
    }
    assert!(!out.join("private").exists());
    let key = std::fs::read(log.join("private/log.key")).unwrap();
    let sealed_doc = std::fs::read(log.join(format!("private/sealed/{sealed}.json"))).unwrap();
    for p in &exported {
        let bytes = std::fs::read(out.join(p)).unwrap();
        assert!(bytes != key && bytes != sealed_doc, "{} is a private file", p.display());
    }
    let v = verify(d, &out).expect(0);
    assert!(v.stdout.contains(&format!("draw {sealed}: sealed until 2999-01-01")), "{}", v.stdout);

    // An existing, non-empty directory is refused and left as it is.
    let again = fairdraw(&["audit", "export", "--log", s(&log), "--for-auditor", s(&out)], d).expect(2);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
    assert_eq!(files_under(&out), exported);
    fairdraw(&["audit", "export", "--log", s(&log), "--for-auditor", s(&log.join("copy"))], d).expect(2);
    assert!(!log.join("copy").exists());
}

#[test]
fn a_sealed_draw_counts_for_the_yearly_cap_once_it_is_published() {
    let dir = tempdir();
    let d = dir.path();
    let log = new_log(d);
    let sealed = last_line(
        &sealed_draw(d, &log, &format!("embargo_until = {UNTIL}"), "14142135623730950488016").expect(0).stdout,
    );
    let capped = "max_draws_per_year = 1";
    sealed_draw(d, &log, capped, "17320508075688772935274").expect(0);
    let excluded = |k: usize| -> Vec<String> {
        of_kind(&log, "DrawCommitment")[k]["body"]["log_exclusions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["uscc"].as_str().unwrap().to_string())
            .collect()
    };
    let first: Vec<String> =
        serde_json::from_slice::<Value>(&std::fs::read(log.join(format!("private/sealed/{sealed}.json"))).unwrap())
            .map(|p| targets(&p["draw"]))
            .unwrap();
    assert!(excluded(1).is_empty(), "a sealed list is not in the log yet: {:?}", excluded(1));
    unseal(d, &log, &sealed, ON_THE_DAY).expect(0);
    sealed_draw(d, &log, capped, "22360679774997896964091").expect(0);
    let now = excluded(2);
    for u in &first {
        assert!(now.contains(u), "{u} was drawn this year by the published draw");
    }
    verify(d, &log).expect(0);
}
