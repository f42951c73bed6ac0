//! The leak walk: everything a log shows the public — every answer of the
//! public API, with the real ids, roots, indices and firms of the log filled
//! into its routes, and every public file of the log directory — searched
//! for strings that must not be there. Included with `#[path]` beside
//! `http.rs` by the server tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use aho_corasick::AhoCorasick;
use axum::http::StatusCode;
use fairdraw::server::API_ROUTES;
use serde_json::Value;

use super::http::*;

/// One public thing: where it is (`GET <uri>` or `file <path>`) and its
/// bytes (gunzipped when it is gzip).
pub struct Public {
    pub source: String,
    pub bytes: Vec<u8>,
}

/// Where a forbidden string was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub source: String,
    pub needle: String,
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("a public .gz file is gzip");
    out
}

/// The log's entries as JSON, from the public file.
fn entries(log: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(log.join("entries.jsonl")).expect("entries.jsonl");
    text.lines().map(|l| serde_json::from_str(l).expect("an entry is JSON")).collect()
}

/// Every USCC of every enterprise snapshot of the log, read from the full
/// blob wherever the operator keeps it (public `snapshots/` in a full log,
/// `private/snapshots/` in a protected one): the walk looks every firm up.
fn registry_usccs(log: &Path, entries: &[Value]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in entries.iter().filter(|e| e["kind"] == "RegistrySnapshot" && e["body"]["registry"] == "enterprises") {
        let name = format!("{}.jsonl.gz", e["body"]["root"].as_str().unwrap());
        let blob = ["snapshots", "private/snapshots"]
            .iter()
            .find_map(|dir| std::fs::read(log.join(dir).join(&name)).ok())
            .unwrap_or_else(|| panic!("no blob {name} in snapshots/ or private/snapshots/"));
        for line in String::from_utf8(gunzip(&blob)).unwrap().lines() {
            let leaf: Vec<Value> = serde_json::from_str(line).unwrap();
            out.insert(leaf[0].as_str().unwrap().to_string());
        }
    }
    out
}

/// Every snapshot root the log names (full and blinded) and every blob in
/// the public `snapshots/`.
fn snapshot_roots(log: &Path, entries: &[Value]) -> BTreeSet<String> {
    let mut roots = BTreeSet::new();
    for e in entries {
        match e["kind"].as_str() {
            Some("RegistrySnapshot") => {
                roots.insert(e["body"]["root"].as_str().unwrap().to_string());
            }
            Some("DrawCommitment") => {
                for group in ["snapshots", "blinded"] {
                    for s in e["body"][group].as_object().into_iter().flat_map(|o| o.values()) {
                        roots.extend(s["root"].as_str().map(str::to_string));
                    }
                }
            }
            _ => {}
        }
    }
    if let Ok(dir) = std::fs::read_dir(log.join("snapshots")) {
        for f in dir.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            roots.extend(name.strip_suffix(".jsonl.gz").map(str::to_string));
        }
    }
    roots
}

/// Every public file under `dir`: not `private/`, not the lock files.
fn public_files(root: &Path, dir: &Path, out: &mut Vec<Public>) {
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        let path = f.path();
        let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        if rel == "private" || rel == "LOCK" || rel == "SERVE.lock" {
            continue;
        }
        if path.is_dir() {
            public_files(root, &path, out);
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let bytes = if rel.ends_with(".gz") { gunzip(&bytes) } else { bytes };
        out.push(Public { source: format!("file {rel}"), bytes });
    }
}

/// Fetches everything public: every GET route of [`API_ROUTES`] with every
/// value the log gives its parameters, and every public file. Panics when a
/// GET route was not visited (a new route must be walked too).
pub async fn walk(s: &Server) -> Vec<Public> {
    let entries = entries(&s.log);
    let ids = super::common::log_ids(&s.log);
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let mut get = |route: &'static str, uri: String| {
        visited.insert(route);
        (route, uri)
    };
    let mut uris = vec![
        get("/api/checkpoint", "/api/checkpoint".into()),
        get("/api/log.pub", "/api/log.pub".into()),
        get("/api/openapi.json", "/api/openapi.json".into()),
        get("/api/results", "/api/results".into()),
        get("/api/plans", "/api/plans".into()),
        get("/api/visits", "/api/visits".into()),
        get("/api/followups", "/api/followups".into()),
        get("/api/objections", "/api/objections".into()),
        get("/api/stats", "/api/stats".into()),
    ];
    // The statistics of every year the log's commitments name.
    let years: BTreeSet<u64> = entries.iter().filter_map(|e| e["body"]["year"].as_u64()).collect();
    for year in years {
        uris.push(get("/api/stats", format!("/api/stats?year={year}")));
    }
    for state in ["all", "unrevealed", "abandoned", "competing"] {
        uris.push(get("/api/commitments", format!("/api/commitments?state={state}")));
    }
    for (i, _) in entries.iter().enumerate() {
        uris.push(get("/api/entries/{index}", format!("/api/entries/{i}")));
    }
    for root in snapshot_roots(&s.log, &entries) {
        uris.push(get("/api/snapshots/{root}", format!("/api/snapshots/{root}")));
    }
    let mut draws = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        match e["kind"].as_str() {
            Some("DrawResult") => draws.push((ids[i].clone(), e["body"]["commitment"].as_str().unwrap().to_string())),
            Some("InspectionResult") => uris.push(get("/api/results/{id}", format!("/api/results/{}", ids[i]))),
            _ => {}
        }
    }
    // A log without results or draws still has these routes answer (404).
    let none = "0".repeat(64);
    if !entries.iter().any(|e| e["kind"] == "InspectionResult") {
        uris.push(get("/api/results/{id}", format!("/api/results/{none}")));
    }
    if draws.is_empty() {
        draws.push((none.clone(), none.clone()));
    }
    let pages = draws.len().div_ceil(100).max(1);
    for page in 1..=pages {
        uris.push(get("/api/draws", format!("/api/draws?page={page}&per_page=100")));
    }
    for (draw, commitment) in &draws {
        for id in [draw, commitment] {
            uris.push(get("/api/draws/{id}", format!("/api/draws/{id}")));
        }
        uris.push(get("/api/draws/{id}/receipt", format!("/api/draws/{draw}/receipt")));
        uris.push(get("/api/draws/{id}/witnesses", format!("/api/draws/{draw}/witnesses")));
        uris.push(get("/api/results", format!("/api/results?draw={draw}")));
    }
    for uscc in registry_usccs(&s.log, &entries) {
        uris.push(get("/api/enterprises/{uscc}", format!("/api/enterprises/{uscc}")));
    }
    let mut statuses: BTreeMap<StatusCode, usize> = BTreeMap::new();
    for (_, uri) in uris {
        let r = call(s, "GET", &uri, None, None).await;
        *statuses.entry(r.status).or_default() += 1;
        assert!(!r.status.is_server_error(), "GET {uri}: {} {}", r.status, r.text());
        let gzip = r.headers.get("content-type").is_some_and(|t| t == "application/gzip");
        let bytes = if gzip { gunzip(&r.body) } else { r.body };
        out.push(Public { source: format!("GET {uri}"), bytes });
    }
    let not_walked: Vec<_> =
        API_ROUTES.iter().filter(|(m, p)| *m == "GET" && !visited.contains(p)).map(|(_, p)| *p).collect();
    assert!(not_walked.is_empty(), "the leak walk does not fill these GET routes yet: {not_walked:?}");
    public_files(&s.log, &s.log, &mut out);
    out
}

/// Where any of `forbidden` occurs in `public`: as it is, and as it reads
/// inside a JSON string (quotes and backslashes escaped), since answers
/// carry some values, such as snapshot leaves, as JSON text in a string.
pub fn find(public: &[Public], forbidden: &[String]) -> Vec<Hit> {
    let mut needles: Vec<String> = Vec::new();
    let mut of: Vec<usize> = Vec::new();
    for (k, f) in forbidden.iter().enumerate() {
        assert!(!f.is_empty(), "an empty forbidden string matches everything");
        let escaped = serde_json::to_string(f).unwrap();
        let escaped = escaped[1..escaped.len() - 1].to_string();
        if escaped != *f {
            needles.push(escaped);
            of.push(k);
        }
        needles.push(f.clone());
        of.push(k);
    }
    let ac = AhoCorasick::new(&needles).unwrap();
    let mut hits = Vec::new();
    for p in public {
        let found: BTreeSet<usize> = ac.find_overlapping_iter(&p.bytes).map(|m| of[m.pattern().as_usize()]).collect();
        hits.extend(found.into_iter().map(|k| Hit { source: p.source.clone(), needle: forbidden[k].clone() }));
    }
    hits
}

/// Walks everything public and panics, listing where, when any of
/// `forbidden` occurs.
pub async fn assert_no_leak(s: &Server, forbidden: &[String]) {
    let public = walk(s).await;
    let hits = find(&public, forbidden);
    assert!(
        hits.is_empty(),
        "{} forbidden strings found in public answers or files (of {} walked), first ones: {:#?}",
        hits.len(),
        public.len(),
        &hits[..hits.len().min(20)]
    );
}
