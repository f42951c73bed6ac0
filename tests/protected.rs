//! Protected logs (audit/LOG-FORMAT.md, "Publication"): what the operator,
//! a public mirror and an auditor each verify, attacks on each, and firms'
//! disclosures with their tampered variants.

mod common;
use common::*;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

const NOW: &str = "2024-10-02T00:00:00Z";

/// An edit of a JSON value (an entry body, a disclosure).
type Edit = Box<dyn Fn(&mut Value)>;

/// A log (in `dir/log`) with one revealed draw of the sample data; returns
/// the DrawResult's id.
fn drawn_log(dir: &Path, publish: &str) -> String {
    ceremony_drawn_log(dir, publish, &data("plan-single.toml"))
}

fn verify(log: &Path, code: i32) -> Run {
    fairdraw(&["audit", "verify", "--log", s(log), "--now", NOW], log.parent().unwrap()).expect(code)
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&std::fs::read(path).unwrap()[..]).read_to_end(&mut out).unwrap();
    out
}

fn gzip_to(path: &Path, bytes: &[u8]) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    std::fs::write(path, gz.finish().unwrap()).unwrap();
}

/// An auditor's directory: the public mirror plus the full snapshots and
/// their salts under `snapshots/` (what the auditor export holds).
fn auditor_dir(log: &Path, to: &Path) {
    public_mirror(log, to);
    for f in std::fs::read_dir(log.join("private/snapshots")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, to.join("snapshots").join(f.file_name().unwrap())).unwrap();
    }
}

#[test]
fn operator_mirror_and_auditor_each_verify_what_they_can() {
    let dir = tempdir();
    let d = dir.path();
    drawn_log(d, "protected");
    let log = d.join("log");
    assert!(std::fs::read_to_string(log.join("entries.jsonl")).unwrap().contains(r#""publication":"protected""#));
    let key = std::fs::read_to_string(log.join("private/blind.key")).unwrap();
    assert!(key.len() == 65 && key.ends_with('\n') && fairdraw::log::entry::is_hex64(key.trim_end()), "{key:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(log.join("private/blind.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let note = "protected log: replay, eligibility of unselected firms and team rules that use private fields need the auditor export";

    let operator = verify(&log, 0);
    assert!(operator.stdout.contains("1 draw(s) replayed") && !operator.stdout.contains(note), "{}", operator.stdout);

    let mirror = d.join("mirror");
    public_mirror(&log, &mirror);
    let public = verify(&mirror, 0);
    assert!(public.stdout.contains(&format!("note: {note}")), "{}", public.stdout);
    assert!(public.stdout.contains("0 draw(s) replayed"), "{}", public.stdout);
    let replay = fairdraw(&["audit", "replay", "--log", s(&mirror)], d).expect(0);
    assert!(replay.stdout.contains("SKIP"), "{}", replay.stdout);

    let auditor = d.join("auditor");
    auditor_dir(&log, &auditor);
    let audited = verify(&auditor, 0);
    assert!(audited.stdout.contains("1 draw(s) replayed") && !audited.stdout.contains(note), "{}", audited.stdout);
}

/// Edits the DrawResult of a copy of the operator's log, re-signs it with
/// the log's key, and verifies its public mirror: the public checks must
/// name the problem.
fn edited_mirror(d: &Path, name: &str, edit: impl Fn(&mut Value)) -> Run {
    let copy = d.join(format!("copy-{name}"));
    copy_dir(&d.join("log"), &copy);
    let mut all = log_entries(&copy);
    let last = all.len() - 1;
    edit(&mut all[last]["body"]);
    write_log_entries(&copy, &all);
    resign_log(&copy);
    std::fs::remove_dir_all(copy.join("receipts")).unwrap();
    let mirror = d.join(format!("mirror-{name}"));
    public_mirror(&copy, &mirror);
    verify(&mirror, 1)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn a_public_mirror_catches_edited_and_resigned_results() {
    let dir = tempdir();
    let d = dir.path();
    drawn_log(d, "protected");
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "selection",
            Box::new(|b: &mut Value| {
                let other = b["draw"]["strata"][1]["selected"][0].clone();
                b["draw"]["strata"][0]["selected"][0] = other;
            }),
            "selected is not the class's assignments",
        ),
        (
            "salt",
            Box::new(|b: &mut Value| b["openings"][0]["salt"] = Value::String("ab".repeat(32))),
            "its blinded leaf is not in the committed enterprise snapshot",
        ),
        (
            "row",
            Box::new(|b: &mut Value| {
                let class = if b["openings"][0]["leaf"][2] == "A" { "B" } else { "A" };
                b["openings"][0]["leaf"][2] = Value::String(class.into());
                b["draw"]["assignments"][0]["class"] = Value::String(class.into());
            }),
            "its blinded leaf is not in the committed enterprise snapshot",
        ),
        (
            "count",
            Box::new(|b: &mut Value| {
                let n = b["draw"]["strata"][2]["eligible"].as_u64().unwrap();
                b["draw"]["strata"][2]["eligible"] = (n + 1).into();
            }),
            "class C: the blinded snapshot has",
        ),
        (
            "team",
            Box::new(|b: &mut Value| {
                b["draw"]["assignments"][0]["inspectors"][0] = Value::String("NOBODY".into());
                b["draw"]["assignments"][0]["leader"] = Value::String("NOBODY".into());
            }),
            "NOBODY is not in the committed inspector snapshot",
        ),
        (
            "opening-dropped",
            Box::new(|b: &mut Value| {
                b["openings"].as_array_mut().unwrap().pop();
            }),
            "openings for",
        ),
    ];
    for (name, edit, want) in cases {
        let out = edited_mirror(d, name, edit);
        assert!(out.stdout.contains(want), "{name}: expected {want:?} in\n{}", out.stdout);
    }
}

#[test]
fn an_auditor_catches_salts_and_full_snapshots_that_do_not_match() {
    let dir = tempdir();
    let d = dir.path();
    drawn_log(d, "protected");
    let log = d.join("log");
    let commitment = log_entries(&log).into_iter().find(|e| e["kind"] == "DrawCommitment").unwrap();
    let root = commitment["body"]["snapshots"]["enterprises"]["root"].as_str().unwrap().to_string();
    let fresh = |name: &str| -> PathBuf {
        let a = d.join(name);
        auditor_dir(&log, &a);
        a
    };

    // One salt changed.
    let a = fresh("salt");
    let salts = a.join(format!("snapshots/{root}.salts.gz"));
    let text = String::from_utf8(gunzip(&salts)).unwrap();
    gzip_to(&salts, text.replacen(&text[..64], &"0".repeat(64), 1).as_bytes());
    let out = verify(&a, 1);
    assert!(out.stdout.contains("the blinded enterprises snapshot is not what the full snapshot"), "{}", out.stdout);

    // A salts file one line short.
    let a = fresh("short");
    let salts = a.join(format!("snapshots/{root}.salts.gz"));
    let text = String::from_utf8(gunzip(&salts)).unwrap();
    gzip_to(&salts, &text.as_bytes()[65..]);
    let out = verify(&a, 1);
    assert!(out.stdout.contains("lines for"), "{}", out.stdout);

    // A full snapshot with one row changed.
    let a = fresh("blob");
    let blob = a.join(format!("snapshots/{root}.jsonl.gz"));
    let text = String::from_utf8(gunzip(&blob)).unwrap();
    let changed = text.replacen("\"存续\"", "\"歇业\"", 1);
    assert_ne!(changed, text);
    gzip_to(&blob, changed.as_bytes());
    let out = verify(&a, 1);
    assert!(out.stdout.contains(&format!("snapshot {root} does not hash to its root")), "{}", out.stdout);
}

// ---- disclosures ----

struct Firms {
    selected: String,
    unselected: String,
    excluded: String,
    out: String,
}

/// One firm of each kind, from the operator's full snapshot and the draw.
fn firms(log: &Path) -> Firms {
    let all = log_entries(log);
    let commitment = all.iter().find(|e| e["kind"] == "DrawCommitment").unwrap();
    let result = all.iter().find(|e| e["kind"] == "DrawResult").unwrap();
    let plan = fairdraw::input::plan::Plan::from_canonical(&commitment["body"]["plan"]).unwrap();
    let root = commitment["body"]["snapshots"]["enterprises"]["root"].as_str().unwrap();
    let mut blob = log.join(format!("private/snapshots/{root}.jsonl.gz"));
    if !blob.exists() {
        blob = log.join(format!("snapshots/{root}.jsonl.gz"));
    }
    let text = String::from_utf8(gunzip(&blob)).unwrap();
    let selected: Vec<String> = result["body"]["draw"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uscc"].as_str().unwrap().into())
        .collect();
    let of = |want: fairdraw::model::blinding::State, skip: &[String]| -> String {
        text.lines()
            .map(|l| serde_json::from_str::<Vec<String>>(l).unwrap())
            .find(|leaf| fairdraw::log::protected::leaf_state(&plan, leaf) == want && !skip.contains(&leaf[0]))
            .unwrap()[0]
            .clone()
    };
    use fairdraw::model::blinding::State;
    Firms {
        selected: selected[0].clone(),
        unselected: of(State::Eligible, &selected),
        excluded: of(State::Excluded, &[]),
        out: of(State::Out, &[]),
    }
}

fn disclose(d: &Path, uscc: &str, draw: &str, name: &str) -> PathBuf {
    let out = d.join(name);
    fairdraw(&["audit", "disclose", uscc, "--log", s(&d.join("log")), "--draw", draw, "--out", s(&out)], d).expect(0);
    out
}

fn check(d: &Path, file: &Path, code: i32) -> Run {
    let vkey = d.join("log/log.pub");
    fairdraw(&["audit", "disclosure", s(file), "--vkey", s(&vkey)], d).expect(code)
}

fn tampered(d: &Path, from: &Path, name: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let mut v: Value = serde_json::from_slice(&std::fs::read(from).unwrap()).unwrap();
    edit(&mut v);
    let path = d.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    path
}

#[test]
fn every_kind_of_firm_verifies_its_disclosure_and_tampering_is_rejected() {
    let dir = tempdir();
    let d = dir.path();
    let draw = drawn_log(d, "protected");
    let f = firms(&d.join("log"));
    for (uscc, selected, state, name) in [
        (&f.selected, true, "eligible", "selected.json"),
        (&f.unselected, false, "eligible", "unselected.json"),
        (&f.excluded, false, "excluded", "excluded.json"),
        (&f.out, false, "out", "out.json"),
    ] {
        let file = disclose(d, uscc, &draw, name);
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(v["verdict"]["selected"], selected, "{name}");
        assert_eq!(v["verdict"]["state"], state, "{name}");
        assert!(fairdraw::log::entry::is_hex64(v["salt"].as_str().unwrap()), "{name}");
        let out = check(d, &file, 0);
        assert!(out.stdout.contains("VERIFIED"), "{name}: {}", out.stdout);
        let unpinned = fairdraw(&["audit", "disclosure", s(&file)], d).expect(0);
        assert!(unpinned.stdout.contains("key not pinned: trusted the vkey in the file"), "{}", unpinned.stdout);
    }

    let sel = d.join("selected.json");
    let unsel = d.join("unselected.json");
    // Another log's receipt, made the same way.
    let other = d.join("other");
    std::fs::create_dir_all(&other).unwrap();
    let other_draw = drawn_log(&other, "protected");
    let other_file = disclose(&other, &f.selected, &other_draw, "other.json");
    let other_v: Value = serde_json::from_slice(&std::fs::read(&other_file).unwrap()).unwrap();
    let cases: Vec<(&str, &Path, Edit)> = vec![
        (
            "other class",
            &unsel,
            Box::new(|v: &mut Value| {
                let class = if v["leaf"][2] == "A" { "B" } else { "A" };
                v["leaf"][2] = Value::String(class.into());
                v["verdict"]["class"] = Value::String(class.into());
            }),
        ),
        ("other salt", &unsel, Box::new(|v: &mut Value| v["salt"] = Value::String("cd".repeat(32)))),
        ("other ticket", &unsel, Box::new(|v: &mut Value| v["verdict"]["ticket"] = Value::String("0.0001".into()))),
        (
            "other index",
            &unsel,
            Box::new(|v: &mut Value| {
                let i = v["proof"]["index"].as_u64().unwrap();
                v["proof"]["index"] = (i ^ 1).into();
            }),
        ),
        ("other proof", &sel, Box::new(|v: &mut Value| v["proof"]["hashes"][0] = Value::String("00".repeat(32)))),
        ("not selected claimed selected", &unsel, Box::new(|v: &mut Value| v["verdict"]["selected"] = true.into())),
        ("other state", &unsel, Box::new(|v: &mut Value| v["verdict"]["state"] = "excluded".into())),
        ("other log's result receipt", &sel, Box::new(move |v: &mut Value| v["result"] = other_v["result"].clone())),
    ];
    for (name, from, edit) in cases {
        let file = tampered(d, from, "tampered.json", edit);
        let out = check(d, &file, 1);
        assert!(out.stdout.contains("NOT VERIFIED"), "{name}: {}", out.stdout);
    }
    // The other log's whole disclosure verifies on its own key, not on ours.
    check(d, &other_file, 1);

    let garbage = write(d, "garbage.json", "{not json");
    check(d, &garbage, 2);
    let shape = tampered(d, &sel, "shape.json", |v| {
        v.as_object_mut().unwrap().remove("proof");
    });
    check(d, &shape, 2);
    let types = tampered(d, &sel, "types.json", |v| v["verdict"]["selected"] = "yes".into());
    check(d, &types, 2);
}

#[test]
fn a_full_log_discloses_against_its_public_snapshot() {
    let dir = tempdir();
    let d = dir.path();
    let draw = drawn_log(d, "full");
    let f = firms(&d.join("log"));
    for (uscc, name) in [(&f.selected, "selected.json"), (&f.unselected, "unselected.json")] {
        let file = disclose(d, uscc, &draw, name);
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(v["salt"], "");
        check(d, &file, 0);
        let other = tampered(d, &file, "tampered.json", |v| {
            let class = if v["leaf"][2] == "A" { "B" } else { "A" };
            v["leaf"][2] = Value::String(class.into());
            v["verdict"]["class"] = Value::String(class.into());
        });
        check(d, &other, 1);
    }
}

#[test]
fn the_demo_runs_protected_and_a_firm_verifies_its_disclosure() {
    let dir = tempdir();
    let d = dir.path();
    let out = fairdraw(&["demo", "--out-dir", s(d), "--publish", "protected"], d).expect(0);
    assert!(out.stdout.contains("publication protected"), "{}", out.stdout);
    let step = out.stdout.split("== 6.").nth(1).expect("the demo's disclosure step");
    assert!(step.contains("VERIFIED: ") && step.contains("selected: eligible in class"), "{}", out.stdout);
    let log = d.join("demo-log");
    assert!(log.join("private/blind.key").exists());
    let commitment = log_entries(&log).into_iter().find(|e| e["kind"] == "DrawCommitment").unwrap();
    let root = commitment["body"]["snapshots"]["enterprises"]["root"].as_str().unwrap();
    assert!(!log.join(format!("snapshots/{root}.jsonl.gz")).exists(), "the full snapshot is not public");
    assert!(log.join(format!("private/snapshots/{root}.jsonl.gz")).exists());
    let checked = fairdraw(&["audit", "disclosure", s(&d.join("demo-disclosure.json"))], d).expect(0);
    assert!(checked.stdout.contains("VERIFIED"), "{}", checked.stdout);
}

#[test]
fn a_full_log_does_not_name_its_mode_and_has_no_blinding_secret() {
    let dir = tempdir();
    let d = dir.path();
    drawn_log(d, "full");
    let log = d.join("log");
    let first = log_entries(&log).remove(0);
    assert_eq!(first["body"].get("publication"), None, "absent means full: readable by every verifier");
    assert!(!log.join("private/blind.key").exists() && !log.join("private/snapshots").exists());
    verify(&log, 0);
}
