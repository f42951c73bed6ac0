//! Dormant (歇业) firms and their wake-ups (spec §6.3, LOG-FORMAT
//! "Wake-ups"): each trigger, the firm skipped until its WakeUp entry and
//! then in the pool, the three verifiers agreeing on draws and on logs with
//! wake-ups, the service address never published, and the events file
//! refused whole when a row is bad.

mod common;
use common::*;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const INSPECTION: &str = "2026-12-01";

/// The dormant rows: (name, dormant_from, dormant_until), each with a
/// service address that must never be published.
const DORMANT: [(&str, &str, &str); 5] = [
    ("term-by-date", "2025-06-01", "2026-11-30"), // its declared term ended the day before
    ("term-by-limit", "2023-11-30", ""),          // three years ended on 2026-11-30
    ("limit-not-reached", "2023-12-01", ""),      // three years end on the inspection day
    ("term-not-ended", "2026-01-05", "2026-12-01"),
    ("no-dates", "", ""),
];

fn address(i: usize) -> String {
    format!("杭州市西湖区送达路{}号保密", 700 + i)
}

/// USCC of dormant row `i` (after the 24 active firms).
fn dormant_uscc(i: usize) -> String {
    uscc(100 + i as u32)
}

/// 24 active firms and the dormant rows, with Chinese headers for the new
/// columns (歇业日期, 歇业期限, 送达地址).
fn registry(dir: &Path) -> PathBuf {
    let mut out = String::from("uscc,name,credit_class,region,industry,status,歇业日期,歇业期限,送达地址\n");
    for i in 0..24u32 {
        let class = ["A", "B", "C", "D"][(i % 4) as usize];
        out += &format!("{},在业企业{i},{class},330106,F5221,存续,,,\n", uscc(i));
    }
    for (i, (name, from, until)) in DORMANT.iter().enumerate() {
        // `2025/6/1` forms are stored as YYYY-MM-DD (spec §1.5).
        let from = from.replace('-', "/");
        out += &format!("{},歇业企业{name},B,330106,F5221,歇业,{from},{until},{}\n", dormant_uscc(i), address(i));
    }
    write(dir, "enterprises.csv", &out)
}

fn plan(dir: &Path, name: &str, wake: bool) -> PathBuf {
    let wake = if wake { "wake = true\n" } else { "" };
    let text = format!(
        "name = \"休眠唤醒\"\ninspection_date = \"{INSPECTION}\"\n[ratios]\nA = \"100%\"\nB = \"100%\"\nC = \"100%\"\nD = \"100%\"\n[scope]\n{wake}[team]\nsize = 2\n"
    );
    write(dir, name, &text)
}

fn draw(dir: &Path, plan: &Path, out: &str) -> Value {
    draw_registry(dir, &registry(dir), plan, out)
}

/// Draws `reg` under `plan` with the engine, and checks that all three
/// verifiers accept the document.
fn draw_registry(dir: &Path, reg: &Path, plan: &Path, out: &str) -> Value {
    let reg = reg.to_path_buf();
    let insp = write(dir, "inspectors.csv", &inspectors_csv(8));
    let out = dir.join(out);
    fairdraw(
        &[
            "draw",
            "--enterprises",
            s(&reg),
            "--inspectors",
            s(&insp),
            "--plan",
            s(plan),
            "--seed",
            "唤醒",
            "--out",
            s(&out),
            "--quiet",
        ],
        dir,
    )
    .expect(0);
    for (name, run) in [
        (
            "fairdraw verify",
            fairdraw(&["verify", s(&out), "--enterprises", s(&reg), "--inspectors", s(&insp), "--plan", s(plan)], dir),
        ),
        (
            "verify.py",
            verify_py(&[s(&out), "--enterprises", s(&reg), "--inspectors", s(&insp), "--plan", s(plan)], dir),
        ),
        (
            "verify.js",
            verify_js(&[s(&out), "--enterprises", s(&reg), "--inspectors", s(&insp), "--plan", s(plan)], dir),
        ),
    ] {
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
    }
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

fn selected(doc: &Value) -> Vec<String> {
    doc["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_term_ended_by_date_or_by_the_three_year_limit_wakes_a_firm_and_all_three_agree() {
    let dir = tempdir();
    let woken = draw(dir.path(), &plan(dir.path(), "wake.toml", true), "wake.json");
    let got = selected(&woken);
    assert!(got.contains(&dormant_uscc(0)), "term ended by dormant_until");
    assert!(got.contains(&dormant_uscc(1)), "term ended by the three-year limit");
    for (i, (name, ..)) in DORMANT.iter().enumerate().skip(2) {
        assert!(!got.contains(&dormant_uscc(i)), "{name}: still dormant on {INSPECTION}");
    }
    assert_eq!(woken["plan"]["scope"]["wake"], json!({"as_of": INSPECTION, "woken": []}));
    let columns = &woken["snapshots"]["enterprises"]["columns"];
    assert_eq!(columns.as_array().unwrap()[6..], [json!("dormant_from"), json!("dormant_until")]);

    // Without scope.wake: no dormant firm, no key, no dormancy columns.
    let plain = draw(dir.path(), &plan(dir.path(), "plain.toml", false), "plain.json");
    assert!(selected(&plain).iter().all(|u| !(0..5).any(|i| *u == dormant_uscc(i))));
    assert!(plain["plan"]["scope"].get("wake").is_none());
    assert_eq!(plain["snapshots"]["enterprises"]["columns"].as_array().unwrap().len(), 6);
    for doc in [&woken, &plain] {
        let text = doc.to_string();
        assert!((0..5).all(|i| !text.contains(&address(i))), "the service address is never in a draw document");
    }
}

#[test]
fn scope_where_may_not_name_the_dormancy_or_address_columns() {
    let dir = tempdir();
    let reg = registry(dir.path());
    let insp = write(dir.path(), "inspectors.csv", &inspectors_csv(8));
    let doc = draw(dir.path(), &plan(dir.path(), "ok.toml", true), "ok.json");
    std::fs::write(dir.path().join("doc.json"), doc.to_string()).unwrap();
    for column in ["送达地址", "歇业日期", "dormant_until"] {
        let bad = write(
            dir.path(),
            "bad.toml",
            &format!("name = \"x\"\n[ratios]\nA = \"5%\"\n[scope.where]\n\"{column}\" = \"1\"\n"),
        );
        let args = ["doc.json", "--enterprises", s(&reg), "--inspectors", s(&insp), "--plan", s(&bad)];
        let mut rust = vec!["verify"];
        rust.extend(args);
        for (name, run) in [
            ("fairdraw", fairdraw(&rust, dir.path())),
            ("verify.py", verify_py(&args, dir.path())),
            ("verify.js", verify_js(&args, dir.path())),
        ] {
            assert_eq!(run.code, 2, "{name} on where {column}: {}{}", run.stdout, run.stderr);
        }
    }
}

// ---------------------------------------------------------------------------
// The log: WakeUp entries, log_wakes, the three verifiers

struct Log {
    dir: PathBuf,
    log: PathBuf,
}

impl Log {
    fn new(dir: &Path, publish: &str) -> Log {
        let log = dir.join(format!("log-{publish}"));
        fairdraw(&["init", "--log", s(&log), "--publish", publish, "--now", "2026-11-01T00:00:00Z"], dir).expect(0);
        Log { dir: dir.to_path_buf(), log }
    }

    fn run(&self, args: &[&str], now: &str) -> Run {
        let mut a = args.to_vec();
        a.extend(["--log", s(&self.log), "--now", now]);
        fairdraw(&a, &self.dir)
    }

    /// Commits the waking plan (ceremony); returns the commitment id.
    fn commit(&self, plan: &Path, now: &str) -> String {
        let reg = self.dir.join("enterprises.csv");
        let insp = self.dir.join("inspectors.csv");
        let c = self.run(
            &["commit", "--enterprises", s(&reg), "--inspectors", s(&insp), "--plan", s(plan), "--beacon", "ceremony"],
            now,
        );
        c.stdout.lines().last().unwrap_or_else(|| panic!("commit: {}", c.stderr)).trim().to_string()
    }

    /// Reveals a commitment; returns the targets drawn.
    fn reveal(&self, commitment: &str, now: &str) -> Vec<String> {
        self.run(
            &["reveal", commitment, "--ceremony", "27182818284590452353602", "--witness", "甲", "--witness", "乙"],
            now,
        )
        .expect(0);
        let last = log_entries(&self.log).into_iter().rev().find(|e| e["kind"] == "DrawResult").unwrap();
        // No embargo here: full and protected logs both publish the document.
        let doc = &last["body"]["draw"];
        assert!(!doc.is_null(), "the drawn document is public: {last}");
        selected(doc)
    }

    fn commitments(&self) -> Vec<Value> {
        log_entries(&self.log).into_iter().filter(|e| e["kind"] == "DrawCommitment").collect()
    }

    /// The three verifiers' exit codes on the log, and their outputs.
    fn verify_all(&self) -> Vec<(&'static str, Run)> {
        vec![
            ("fairdraw audit verify", fairdraw(&["audit", "verify", "--log", s(&self.log)], &self.dir)),
            ("verify.py", verify_py(&["log", s(&self.log), "--now", "2026-11-30T00:00:00Z"], &self.dir)),
            ("verify.js", verify_js(&["log", s(&self.log), "--now", "2026-11-30T00:00:00Z"], &self.dir)),
        ]
    }
}

fn waking_log(publish: &str) -> (tempfile::TempDir, Log) {
    let dir = tempdir();
    registry(dir.path());
    write(dir.path(), "inspectors.csv", &inspectors_csv(8));
    plan(dir.path(), "wake.toml", true);
    let log = Log::new(dir.path(), publish);
    (dir, log)
}

#[test]
fn a_dormant_firm_is_skipped_until_its_wake_up_then_drawn_and_all_three_verify_the_log() {
    for publish in ["full", "protected"] {
        let (dir, log) = waking_log(publish);
        let plan = dir.path().join("wake.toml");
        let first = log.commit(&plan, "2026-11-10T01:00:00Z");
        let before = log.reveal(&first, "2026-11-10T02:00:00Z");
        let c = &log.commitments()[0]["body"];
        assert!(c.get("log_wakes").is_none(), "{publish}: no wake-up yet, no key");
        assert_eq!(c["plan"]["scope"]["wake"]["woken"], json!([]));

        // A complaint (one USCC) and a resumption (an events file).
        let complaint = dormant_uscc(4);
        log.run(&["wake", &complaint, "--reason", "complaint", "--note", "12315 投诉"], "2026-11-11T17:00:00Z")
            .expect(0);
        let events = write(dir.path(), "events.csv", &format!("统一社会信用代码,原因\n{},恢复营业\n", dormant_uscc(3)));
        log.run(&["wake", "--events", s(&events)], "2026-11-12T00:00:00Z").expect(0);

        let second = log.commit(&plan, "2026-11-13T01:00:00Z");
        let after = log.reveal(&second, "2026-11-13T02:00:00Z");
        let c = &log.commitments()[1]["body"];
        let wakes = c["log_wakes"].as_array().unwrap_or_else(|| panic!("{publish}: log_wakes recorded"));
        assert_eq!(wakes.len(), 2);
        assert_eq!(wakes[0]["uscc"], json!(dormant_uscc(3)));
        assert_eq!(wakes[0]["reason"], json!("resumed"));
        assert_eq!(wakes[1]["reason"], json!("complaint"));
        assert_eq!(wakes[1]["date"], json!("2026-11-12"), "the China date of 17:00 UTC is the next day");
        assert_eq!(
            c["plan"]["scope"]["wake"]["woken"],
            json!([[dormant_uscc(3), "2026-11-12"], [dormant_uscc(4), "2026-11-12"]])
        );
        if publish == "full" {
            for u in [dormant_uscc(3), dormant_uscc(4)] {
                assert!(!before.contains(&u), "{u}: dormant, skipped before its wake-up");
                assert!(after.contains(&u), "{u}: in the pool after its wake-up");
            }
            assert!(!after.contains(&dormant_uscc(2)), "not woken, term not ended");
        }
        for (name, run) in log.verify_all() {
            assert_eq!(run.code, 0, "{publish}: {name}: {}{}", run.stdout, run.stderr);
        }
        for (path, bytes) in public_files(&log.log) {
            let text = String::from_utf8_lossy(&bytes);
            for i in 0..5 {
                assert!(!text.contains(&address(i)), "{publish}: {} publishes a service address", path.display());
            }
        }
    }
}

/// The last commitment's `log_wakes` (and its plan) changed and re-signed
/// with the log's key: every verifier recomputes the wake-ups and objects.
#[test]
fn all_three_catch_a_dropped_wake_up() {
    let (dir, log) = waking_log("full");
    let plan = dir.path().join("wake.toml");
    log.run(&["wake", &dormant_uscc(4), "--reason", "risk_signal"], "2026-11-11T00:00:00Z").expect(0);
    log.run(&["wake", &dormant_uscc(3), "--reason", "resumed"], "2026-11-11T00:00:01Z").expect(0);
    log.commit(&plan, "2026-11-13T01:00:00Z");
    for (name, run) in log.verify_all() {
        assert_eq!(run.code, 0, "{name} before tampering: {}{}", run.stdout, run.stderr);
    }
    let mut entries = log_entries(&log.log);
    let last = entries.last_mut().unwrap();
    assert_eq!(last["kind"], "DrawCommitment");
    let body = &mut last["body"];
    body["log_wakes"].as_array_mut().unwrap().remove(1);
    body["plan"]["scope"]["wake"]["woken"].as_array_mut().unwrap().remove(1);
    let digest = hex::encode(Sha256::digest(fairdraw::model::canonical::to_bytes(&body["plan"])));
    body["plan_digest"] = json!(digest);
    write_log_entries(&log.log, &entries);
    resign_log(&log.log);
    for (name, run) in log.verify_all() {
        assert_eq!(run.code, 1, "{name} after tampering: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("log_wakes"), "{name} names log_wakes: {}", run.stdout);
    }
}

#[test]
fn an_events_file_with_bad_rows_reports_them_all_and_logs_nothing() {
    let (dir, log) = waking_log("full");
    let before = log_entries(&log.log).len();
    let events = write(
        dir.path(),
        "events.csv",
        &format!(
            "uscc,reason,note\n{},complaint,ok\n91330106MA2B00000X,resumed,bad code\n{},went_away,bad reason\n{},resumed,twice\n",
            dormant_uscc(0),
            dormant_uscc(1),
            dormant_uscc(0)
        ),
    );
    let run = log.run(&["wake", "--events", s(&events)], "2026-11-12T00:00:00Z");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for line in [":3", ":4", ":5"] {
        assert!(run.stderr.contains(line), "line {line} reported: {}", run.stderr);
    }
    assert_eq!(log_entries(&log.log).len(), before, "nothing was written");
    let one = log.run(&["wake", &dormant_uscc(0), "--reason", "asleep"], "2026-11-12T00:00:00Z");
    assert_eq!(one.code, 2, "an unknown reason: {}", one.stderr);
    assert_eq!(log_entries(&log.log).len(), before, "nothing was written");
}

/// A WakeUp body outside the strict schema is a malformed entry for all three.
#[test]
fn all_three_refuse_a_malformed_wake_up_body() {
    for (what, body) in [
        ("unknown reason", json!({"uscc": dormant_uscc(0), "reason": "asleep"})),
        ("lower-case USCC", json!({"uscc": dormant_uscc(0).to_lowercase(), "reason": "resumed"})),
        ("null note", json!({"uscc": dormant_uscc(0), "reason": "resumed", "note": null})),
        ("unknown field", json!({"uscc": dormant_uscc(0), "reason": "resumed", "address": "x"})),
    ] {
        let (_dir, log) = waking_log("full");
        log.run(&["wake", &dormant_uscc(0), "--reason", "resumed"], "2026-11-12T00:00:00Z").expect(0);
        let mut entries = log_entries(&log.log);
        entries.last_mut().unwrap()["body"] = body;
        write_log_entries(&log.log, &entries);
        resign_log(&log.log);
        for (name, run) in log.verify_all() {
            assert_eq!(run.code, 1, "{name} on {what}: {}{}", run.stdout, run.stderr);
        }
    }
}

// ---------------------------------------------------------------------------
// scope.wake together with [scope.range] and [strata] (spec §5, §6.1-§6.3)

/// USCC of row `i` of the combined registry.
fn combined_uscc(i: usize) -> String {
    uscc(300 + i as u32)
}

/// Rows (class, region, status, 成立日期, 歇业日期, 歇业期限) of a registry
/// for a plan that wakes firms, filters 成立日期 from 2020 on and draws by
/// district: the woken firms are the only class-B ones.
const COMBINED: [(&str, &str, &str, &str, &str, &str); 15] = [
    ("A", "330106", "存续", "2021-03-01", "", ""), // 0-5: 330106, in range
    ("A", "330106", "存续", "2021-04-01", "", ""),
    ("A", "330106", "存续", "2021-05-01", "", ""),
    ("A", "330106", "存续", "2022-01-01", "", ""),
    ("A", "330106", "存续", "2023-01-01", "", ""),
    ("A", "330106", "存续", "2020-01-01", "", ""), // 5: at the bound
    ("A", "330106", "存续", "2019-12-31", "", ""), // 6: the day before: out
    ("A", "330106", "存续", "", "", ""),           // 7: no date: out
    ("A", "330108", "存续", "2022-02-01", "", ""), // 8-10: 330108, in range
    ("A", "330108", "存续", "2022-03-01", "", ""),
    ("A", "330108", "存续", "2022-04-01", "", ""),
    ("B", "330108", "歇业", "2021-06-01", "2025-06-01", "2026-11-30"), // 11: term ended, in range
    ("B", "330108", "歇业", "2019-06-01", "2025-06-01", "2026-11-30"), // 12: term ended, out of range
    ("B", "330108", "歇业", "2021-06-01", "2026-01-05", "2026-12-31"), // 13: still dormant
    ("B", "330106", "歇业", "2023-06-01", "", ""),                     // 14: no term: woken only by a WakeUp
];

fn combined_registry(dir: &Path) -> PathBuf {
    let mut out =
        String::from("统一社会信用代码,企业名称,信用风险分类,区域代码,行业代码,登记状态,成立日期,歇业日期,歇业期限\n");
    for (i, (class, region, status, established, from, until)) in COMBINED.iter().enumerate() {
        out += &format!("{},企业{i},{class},{region},F5221,{status},{established},{from},{until}\n", combined_uscc(i));
    }
    write(dir, "enterprises.csv", &out)
}

fn combined_plan(dir: &Path) -> PathBuf {
    let text = format!(
        "name = \"分层唤醒\"\ninspection_date = \"{INSPECTION}\"\n[ratios]\nA = \"20%\"\nB = \"100%\"\n[scope]\nwake = true\n[scope.range]\n\"成立日期\" = {{ min = \"2020-01-01\" }}\n[strata]\nregion_digits = 6\nfloor = \"75%\"\n"
    );
    write(dir, "combined.toml", &text)
}

#[test]
fn a_woken_firm_in_range_is_drawn_in_its_region_stratum_and_all_three_agree() {
    let dir = tempdir();
    let reg = combined_registry(dir.path());
    write(dir.path(), "inspectors.csv", &inspectors_csv(8));
    let plan = combined_plan(dir.path());
    let doc = draw_registry(dir.path(), &reg, &plan, "combined.json");

    // Spec §5: the filter column first, the dormancy dates always last
    // ("established" sorts after "dormant_until", yet comes before it).
    assert_eq!(
        doc["snapshots"]["enterprises"]["columns"],
        json!([
            "uscc",
            "name",
            "credit_class",
            "region",
            "industry",
            "status",
            "established",
            "dormant_from",
            "dormant_until"
        ])
    );
    assert_eq!(doc["plan"]["scope"]["range"], json!([["established", "2020-01-01", null]]));
    assert_eq!(doc["plan"]["scope"]["wake"], json!({"as_of": INSPECTION, "woken": []}));
    assert_eq!(doc["plan"]["strata"], json!({"region_digits": 6, "floor": "0.75"}));

    // Spec §6.1 with §6.3: the woken firm in range is the whole (B, 330108)
    // stratum; the one out of range and the still dormant ones are nowhere.
    let strata: Vec<(String, String, u64)> = doc["strata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["class"].as_str().unwrap().into(),
                s["region"].as_str().unwrap().into(),
                s["population"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [("A", "330106", 6), ("A", "330108", 3), ("B", "330108", 1)];
    assert_eq!(strata, want.map(|(c, r, n)| (c.to_string(), r.to_string(), n)));
    assert_eq!(doc["strata"][2]["selected"], json!([combined_uscc(11)]));
    let drawn = selected(&doc);
    for i in [6, 7, 12, 13, 14] {
        assert!(!drawn.contains(&combined_uscc(i)), "row {i} is out of scope");
    }
    // The woken firm counts towards its district's floor: 4 eligible, 75% → 3,
    // 2 drawn by the strata, so one top-up (330106: 6 → 5, 2 drawn, 3 more).
    let floors: Vec<(u64, u64, u64, usize)> = doc["floors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap();
            (n("eligible"), n("drawn"), n("floor"), f["top_up"].as_array().unwrap().len())
        })
        .collect();
    assert_eq!(floors, [(6, 2, 5, 3), (4, 2, 3, 1)]);
    assert_eq!(drawn.len(), 2 + 1 + 1 + 3 + 1);

    // In a full log: a WakeUp takes row 14 into the (B, 330106) stratum, and
    // the three verifiers replay the log. (A protected log with [strata] is
    // refused by `audit verify` on h-strata already: its protected audit
    // expects the four class strata.)
    {
        let publish = "full";
        let log = Log::new(dir.path(), publish);
        log.run(&["wake", &combined_uscc(14), "--reason", "complaint"], "2026-11-11T00:00:00Z").expect(0);
        let commitment = log.commit(&plan, "2026-11-13T01:00:00Z");
        let targets = log.reveal(&commitment, "2026-11-13T02:00:00Z");
        let body = &log.commitments()[0]["body"];
        assert_eq!(body["plan"]["scope"]["wake"]["woken"], json!([[combined_uscc(14), "2026-11-11"]]));
        assert!(body["plan"]["scope"].get("range").is_some() && body["plan"].get("strata").is_some());
        assert!(targets.contains(&combined_uscc(14)), "woken by the log, in range: drawn (B is 100%)");
        assert!(targets.contains(&combined_uscc(11)));
        assert!(!targets.contains(&combined_uscc(12)) && !targets.contains(&combined_uscc(13)));
        for (name, run) in log.verify_all() {
            assert_eq!(run.code, 0, "{publish}: {name}: {}{}", run.stdout, run.stderr);
        }
    }
}
