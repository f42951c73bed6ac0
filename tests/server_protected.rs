//! The public answers of a protected log (LOG-FORMAT "Publication"): the
//! enterprise lookup says nothing about an unselected firm but what anyone
//! can compute (its ticket, each class's cutoff), teams carry only id, name
//! and department, and the leak walk finds no unselected firm's snapshot
//! row and no recusal pair — while on the full log it finds them.
//!
//! The protected log here is the demo log re-signed after a LogCreated with
//! `publication: protected` and its full snapshots moved to
//! private/snapshots/, so that both logs answer about the *same* draw (a real
//! protected commitment names its blinded roots, hence gets another seed).
//! tests/privacy.rs walks a real protected log made by `commit`.

mod common;
#[path = "common/http.rs"]
mod http;
#[path = "common/leak.rs"]
mod leak;
use common::*;
use http::*;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use fairdraw::server::AppState;
use serde_json::Value;

/// The leaf lines of a snapshot blob kept in `dir`, by registry.
fn leaves(dir: &Path, registry: &str, log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log.join("entries.jsonl")).unwrap();
    let mut out = Vec::new();
    for e in text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()) {
        if e["kind"] == "RegistrySnapshot" && e["body"]["registry"] == registry {
            let gz = std::fs::read(dir.join(format!("{}.jsonl.gz", e["body"]["root"].as_str().unwrap()))).unwrap();
            let mut s = String::new();
            flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut s).unwrap();
            out.extend(s.lines().map(str::to_string));
        }
    }
    out
}

async fn look(s: &Server, uscc: &str) -> Value {
    call(s, "GET", &format!("/api/enterprises/{uscc}"), None, None).await.json()
}

struct Both {
    full: Server,
    protected: Server,
    draw: Value,
}

async fn both() -> Both {
    let full = server("2024-11-20");
    let dir = tempdir();
    let out = dir.path().join("protected-log");
    protected_copy(&full.log, &out);
    let protected = Server { state: AppState::new(config(&out, "2024-11-20")), log: out, _dir: dir };
    let id = call(&full, "GET", "/api/draws", None, None).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    let draw = call(&full, "GET", &format!("/api/draws/{id}"), None, None).await.json()["draw"].clone();
    Both { full, protected, draw }
}

/// The snapshot rows (and USCCs) of the firms the draw did not select.
fn unselected(b: &Both) -> Vec<(String, String)> {
    let selected: BTreeSet<&str> =
        b.draw["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].as_str().unwrap()).collect();
    leaves(&b.full.log.join("snapshots"), "enterprises", &b.full.log)
        .into_iter()
        .map(|leaf| (serde_json::from_str::<Vec<Value>>(&leaf).unwrap()[0].as_str().unwrap().to_string(), leaf))
        .filter(|(uscc, _)| !selected.contains(uscc.as_str()))
        .collect()
}

#[tokio::test]
async fn the_protected_lookup_says_nothing_about_an_unselected_firm_that_anyone_could_not_compute() {
    let b = both().await;
    // An eligible firm, an out-of-scope (cancelled) one, and one in no registry.
    let mut firms = Vec::new();
    for (uscc, _) in &unselected(&b) {
        let full = look(&b.full, uscc).await;
        let d = &full["draws"][0];
        let wanted = if firms.is_empty() { d["eligible"] == true } else { d["eligible"] == false };
        if wanted {
            firms.push((uscc.clone(), full));
        }
        if firms.len() == 2 {
            break;
        }
    }
    assert_eq!(firms.len(), 2, "an eligible and an ineligible unselected firm");
    firms.push((uscc(9_999_999), look(&b.full, &uscc(9_999_999)).await));
    assert_eq!(firms[2].1["draws"][0]["in_snapshot"], false);
    let mut answers = Vec::new();
    for (code, full) in &firms {
        assert_eq!(full["publication"], "full");
        assert!(full["draws"][0].get("eligible").is_some(), "the full log's answer is unchanged");
        let r = look(&b.protected, code).await;
        assert_eq!(r["publication"], "protected");
        assert_eq!(r["name"], Value::Null, "{r}");
        let d = r["draws"][0].as_object().unwrap();
        let keys: BTreeSet<&str> = d.keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["cutoffs", "draw", "explanation", "plan_name", "selected", "ticket"]), "{r}");
        assert_eq!(d["selected"], false);
        assert!(d["explanation"].as_str().unwrap().contains("fairdraw audit disclose"));
        for s in b.draw["strata"].as_array().unwrap() {
            assert_eq!(d["cutoffs"][s["class"].as_str().unwrap()], s["cutoff"], "each class's cutoff");
        }
        if let Some(t) = full["draws"][0]["ticket"].as_str() {
            assert_eq!(d["ticket"], t, "the same public ticket");
        }
        let mut d = d.clone();
        d.remove("ticket");
        answers.push(Value::Object(d));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "but for the ticket, the same answer for all: {answers:#?}");

    let picked = &b.draw["assignments"][0];
    let r = look(&b.protected, picked["uscc"].as_str().unwrap()).await;
    let d = &r["draws"][0];
    assert_eq!((d["selected"].as_bool(), &d["class"]), (Some(true), &picked["class"]));
    assert_eq!(d["ticket"], picked["ticket"]);
    assert_eq!(r["name"], picked["name"]);
}

#[tokio::test]
async fn teams_carry_only_id_name_and_department() {
    let b = both().await;
    let id =
        call(&b.full, "GET", "/api/draws", None, None).await.json()["draws"][0]["id"].as_str().unwrap().to_string();
    for s in [&b.full, &b.protected] {
        let detail = call(s, "GET", &format!("/api/draws/{id}"), None, None).await.json();
        let teams = detail["teams"].as_array().unwrap();
        for m in teams.iter().flat_map(|t| t["members"].as_array().unwrap()) {
            let keys: BTreeSet<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(["department", "id", "name", "role"]), "{m}");
        }
    }
}

#[tokio::test]
async fn the_walk_finds_unselected_rows_and_recusal_pairs_in_the_full_log_and_nowhere_in_the_protected_one() {
    let b = both().await;
    let mut forbidden: Vec<String> = unselected(&b).into_iter().map(|(_, leaf)| leaf).collect();
    let conflicts = leaves(&b.full.log.join("snapshots"), "conflicts", &b.full.log);
    assert!(!conflicts.is_empty(), "the demo has recusal pairs");
    forbidden.extend(conflicts.iter().cloned());

    // The walk can fail: on the full log it finds them, in the snapshot
    // files, the snapshot route and the lookup's inclusion proofs.
    let hits = leak::find(&leak::walk(&b.full).await, &forbidden);
    let some_row = &forbidden[0];
    let where_row: BTreeSet<&str> =
        hits.iter().filter(|h| &h.needle == some_row).map(|h| h.source.split(' ').next().unwrap()).collect();
    assert_eq!(where_row, BTreeSet::from(["GET", "file"]), "{hits:?}");
    assert!(hits.iter().any(|h| h.source.starts_with("GET /api/enterprises/")), "found in a lookup answer");
    assert!(hits.iter().any(|h| &h.needle == conflicts.last().unwrap()), "a recusal pair is found");

    leak::assert_no_leak(&b.protected, &forbidden).await;
}
