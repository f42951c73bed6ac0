//! Region strata with floors and range filters (audit/SPEC.md §6.1, §6.2):
//! each rule on a registry made for it, and the Python and JavaScript
//! verifiers agreeing with the engine on every draw made here.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use fairdraw::input::files::{self, InputPaths};
use serde_json::{json, Value};

const INSPECTORS: &str = "id,name,department,region\nP1,甲,市场监督管理局,330106\nP2,乙,市场监督管理局,330106\n\
P3,丙,市场监督管理局,330108\nP4,丁,市场监督管理局,330108\n";

/// Writes the registry, roster and plan, draws with the engine, checks
/// that `fairdraw verify`, verify.py and verify.js all accept the document,
/// and returns it.
fn draw_all_three(dir: &Path, enterprises: &str, plan: &str) -> Value {
    let (e, i, p) = inputs(dir, enterprises, plan);
    let out = dir.join("draw.json");
    fairdraw(
        &[
            "draw",
            "--enterprises",
            s(&e),
            "--inspectors",
            s(&i),
            "--plan",
            s(&p),
            "--seed",
            "分层",
            "--out",
            s(&out),
            "--quiet",
        ],
        dir,
    )
    .expect(0);
    let args = [s(&out), "--enterprises", s(&e), "--inspectors", s(&i), "--plan", s(&p)];
    let mut rust = vec!["verify"];
    rust.extend(args);
    for (name, run) in [
        ("fairdraw verify", fairdraw(&rust, dir)),
        ("verify.py", verify_py(&args, dir)),
        ("verify.js", verify_js(&args, dir)),
    ] {
        assert_eq!(run.code, 0, "{name}\n{}\n{}", run.stdout, run.stderr);
    }
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

fn inputs(dir: &Path, enterprises: &str, plan: &str) -> (PathBuf, PathBuf, PathBuf) {
    (write(dir, "e.csv", enterprises), write(dir, "i.csv", INSPECTORS), write(dir, "plan.toml", plan))
}

/// `n` class-A firms of `region`, numbered from `from`.
fn firms(region: &str, from: u32, n: u32) -> String {
    (from..from + n).map(|k| format!("{},企业{k},A,{region},F5221,存续\n", uscc(k))).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

#[test]
fn a_floor_tops_up_a_region_exactly_when_it_is_short() {
    let dir = tempdir();
    // 330106: 10 firms, 20% → 2 drawn. 330108: 5 firms, 20% → 1 drawn.
    let registry =
        format!("uscc,name,credit_class,region,industry,status\n{}{}", firms("330106", 0, 10), firms("330108", 100, 5));
    let plan = |floor: &str| {
        format!("name = \"p\"\n[ratios]\nA = \"20%\"\n[strata]\nregion_digits = 6\nfloor = \"{floor}\"\n[team]\nmax_targets_per_inspector = 20\n")
    };
    // (floor, top-ups of 330106, top-ups of 330108): 20% of 10 is 2, exactly
    // what was drawn (no top-up); 21% is 3 (one short); 20% of 5 is 1.
    for (floor, short_06, short_08) in [("0", 0, 0), ("20%", 0, 0), ("21%", 1, 1), ("40%", 2, 1), ("100%", 8, 4)] {
        let doc = draw_all_three(dir.path(), &registry, &plan(floor));
        let floors = doc["floors"].as_array().unwrap();
        assert_eq!(floors.len(), 2, "one floor per region");
        for (f, short, eligible, drawn) in [(&floors[0], short_06, 10, 2), (&floors[1], short_08, 5, 1)] {
            assert_eq!((f["eligible"].as_u64().unwrap(), f["drawn"].as_u64().unwrap()), (eligible, drawn), "{floor}");
            assert_eq!(f["top_up"].as_array().unwrap().len(), short, "floor {floor}, region {}", f["region"]);
        }
        // The top-up follows the strata and is the region's next tickets.
        let targets: Vec<&str> =
            doc["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].as_str().unwrap()).collect();
        assert_eq!(targets.len(), 3 + short_06 + short_08, "floor {floor}");
        let stratum = &doc["strata"][0];
        assert_eq!(stratum["region"], "330106");
        let cutoff = stratum["cutoff"].as_str().unwrap();
        let tickets: Vec<&str> =
            doc["assignments"].as_array().unwrap().iter().map(|a| a["ticket"].as_str().unwrap()).collect();
        for (k, uscc) in strings(&floors[0]["top_up"]).iter().enumerate() {
            let at = targets.iter().position(|t| t == uscc).unwrap();
            assert!(at >= 3, "top-ups come after every stratum's targets");
            assert!(tickets[at] > cutoff, "a top-up was not selected by its stratum");
            if k > 0 {
                assert!(tickets[at] > tickets[at - 1], "top-ups in ticket order");
            }
        }
    }
}

#[test]
fn min_and_max_apply_to_each_region_stratum() {
    let dir = tempdir();
    let registry = format!(
        "uscc,name,credit_class,region,industry,status\n{}{}{}",
        firms("330106", 0, 6),
        firms("330108", 100, 6),
        firms("330201", 200, 1)
    );
    let plan = "name = \"p\"\n[ratios]\nA = \"50%\"\n[min]\nA = 2\n[max]\nA = 2\n[strata]\nregion_digits = 4\n[team]\nmax_targets_per_inspector = 20\n";
    let doc = draw_all_three(dir.path(), &registry, plan);
    let strata = doc["strata"].as_array().unwrap();
    // Four digits: 3301 holds both districts (12 firms), 3302 one firm.
    assert_eq!(strata.iter().map(|s| s["region"].as_str().unwrap()).collect::<Vec<_>>(), ["3301", "3302"]);
    assert_eq!(strata[0]["sample_size"], 2, "max 2 caps 50% of 12 in the region");
    assert_eq!(strata[1]["sample_size"], 1, "min 2, but the region has one firm");
    assert_eq!(doc["floors"][0]["top_up"], json!([]), "no floor set: no top-up");
}

/// A registry with 成立日期 and 注册资本, one firm per `(established, capital)`.
fn ranged_registry(rows: &[(&str, &str)]) -> String {
    let mut out = String::from("统一社会信用代码,企业名称,信用风险分类,区域代码,行业代码,登记状态,成立日期,注册资本\n");
    for (k, (date, capital)) in rows.iter().enumerate() {
        out += &format!("{},企业{k},A,330106,F5221,存续,{date},{capital}\n", uscc(k as u32));
    }
    out
}

fn drawn(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        doc["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].as_str().unwrap().into()).collect();
    v.sort();
    v
}

fn firms_numbered(ks: &[u32]) -> Vec<String> {
    let mut v: Vec<String> = ks.iter().map(|&k| uscc(k)).collect();
    v.sort();
    v
}

const ALL: &str = "name = \"p\"\n[ratios]\nA = \"100%\"\n[team]\nmax_targets_per_inspector = 20\n";

#[test]
fn range_bounds_are_inclusive_numbers_compare_as_decimals_and_empty_is_out() {
    let dir = tempdir();
    let rows = [
        ("", "100"),                       // 0: at min
        ("", "99.999"),                    // 1: just below
        ("", "1000.50"),                   // 2: equals max 1000.5
        ("", "1000.51"),                   // 3: just above
        ("", "0250"),                      // 4: leading zero, inside
        ("", ""),                          // 5: empty: out of every range
        ("", "9007199254740993"),          // 6: beyond f64, above max
        ("", "100.000000000000000000001"), // 7: just above min, below any float's precision
    ];
    let plan = format!("{ALL}[scope.range]\n\"注册资本\" = {{ min = \"100\", max = \"1000.5\" }}\n");
    let doc = draw_all_three(dir.path(), &ranged_registry(&rows), &plan);
    assert_eq!(drawn(&doc), firms_numbered(&[0, 2, 4, 7]));
    assert_eq!(doc["plan"]["scope"]["range"], json!([["注册资本", "100", "1000.5"]]));
    assert_eq!(doc["snapshots"]["enterprises"]["columns"][6], "注册资本", "the ranged column is in the leaf");
}

#[test]
fn a_date_range_on_established_compares_dates_and_puts_them_in_the_leaf() {
    let dir = tempdir();
    let rows = [
        ("2024-01-01", ""), // 0: at min
        ("2023/12/31", ""), // 1: the day before
        ("20241231", ""),   // 2: at max, compact form
        ("2025.1.1", ""),   // 3: the day after
        ("", ""),           // 4: no date: out
        ("2024-2-29", ""),  // 5: inside
    ];
    let plan = format!("{ALL}[scope.range]\n\"成立日期\" = {{ min = \"2024-01-01\", max = \"2024/12/31\" }}\n");
    let doc = draw_all_three(dir.path(), &ranged_registry(&rows), &plan);
    assert_eq!(drawn(&doc), firms_numbered(&[0, 2, 5]));
    assert_eq!(doc["plan"]["scope"]["range"], json!([["established", "2024-01-01", "2024-12-31"]]));
    assert_eq!(
        doc["snapshots"]["enterprises"]["columns"],
        json!(["uscc", "name", "credit_class", "region", "industry", "status", "established"])
    );

    // 20240101 is a number bound, and 成立日期 holds dates: the plan is refused.
    let numbers = format!("{ALL}[scope.range]\n\"成立日期\" = {{ min = \"20240101\" }}\n");
    let (e, i, p) = inputs(dir.path(), &ranged_registry(&rows), &numbers);
    let run = fairdraw(
        &["draw", "--enterprises", s(&e), "--inspectors", s(&i), "--plan", s(&p), "--seed", "x", "--out", "no.json"],
        dir.path(),
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("holds dates"), "{}", run.stderr);
}

#[test]
fn where_on_established_is_allowed_and_matches_any_date_form() {
    let dir = tempdir();
    let rows = [("2024-01-01", ""), ("2024/1/1", ""), ("2024-01-02", ""), ("", "")];
    let plan = format!("{ALL}[scope.where]\n\"成立日期\" = \"20240101\"\n");
    let doc = draw_all_three(dir.path(), &ranged_registry(&rows), &plan);
    assert_eq!(drawn(&doc), firms_numbered(&[0, 1]));
    assert_eq!(doc["plan"]["scope"]["where"], json!([["established", "2024-01-01"]]));
}

#[test]
fn a_bad_value_in_a_ranged_column_is_a_registry_error_at_its_line() {
    let dir = tempdir();
    let rows = [("2024-01-01", "100"), ("2024-01-01", "1e3"), ("2024-01-01", "-5")];
    let plan = format!("{ALL}[scope.range]\n\"注册资本\" = {{ min = \"1\" }}\n");
    let (e, i, p) = inputs(dir.path(), &ranged_registry(&rows), &plan);
    let out = dir.path().join("never.json");
    let rust = fairdraw(
        &["draw", "--enterprises", s(&e), "--inspectors", s(&i), "--plan", s(&p), "--seed", "x", "--out", s(&out)],
        dir.path(),
    );
    assert_eq!(rust.code, 2, "{}{}", rust.stdout, rust.stderr);
    assert!(!out.exists(), "nothing is written");
    for (line, value) in [(":3:", "1e3"), (":4:", "-5")] {
        assert!(
            rust.stderr.contains(value) && rust.stderr.contains(line),
            "names line {line} and {value}: {}",
            rust.stderr
        );
    }
    // The verifiers refuse the same registry (the document is irrelevant).
    let doc = write(dir.path(), "doc.json", "{\"seed\": \"x\"}");
    let args = [s(&doc), "--enterprises", s(&e), "--inspectors", s(&i), "--plan", s(&p)];
    for (name, run) in [("verify.py", verify_py(&args, dir.path())), ("verify.js", verify_js(&args, dir.path()))] {
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        assert!(
            (run.stdout.clone() + &run.stderr).contains("1e3"),
            "{name} names the value: {}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn plans_without_the_new_keys_keep_their_canonical_plan_and_digest() {
    let dir = root().join("tests/vectors/basic");
    let paths = InputPaths {
        enterprises: dir.join("enterprises.csv"),
        inspectors: dir.join("inspectors.csv"),
        conflicts: None,
        plan: dir.join("plan.toml"),
    };
    let inputs = files::load(&paths).unwrap();
    let canonical = inputs.plan.canonical();
    assert!(canonical.get("strata").is_none() && canonical["scope"].get("range").is_none());
    let golden: Value = serde_json::from_slice(&std::fs::read(dir.join("draw.json")).unwrap()).unwrap();
    assert_eq!(inputs.plan.digest(), golden["plan_digest"].as_str().unwrap());
    let doc = fairdraw::engine::draw::draw(&inputs.registries(), &inputs.plan, "basic-vector-seed").unwrap();
    let doc = serde_json::to_value(doc).unwrap();
    assert!(doc.get("floors").is_none(), "no floors without [strata]");
    assert!(doc["strata"].as_array().unwrap().iter().all(|s| s.get("region").is_none()));
}

#[test]
fn a_stored_plan_with_strata_and_ranges_reads_back_the_same() {
    let none = |_: &str| -> Box<dyn fairdraw::input::table::Source> { unreachable!("the plan names no files") };
    let text = "name = \"p\"\n[ratios]\nA = \"5%\"\n[scope.range]\n\"成立日期\" = { min = \"2024/1/1\" }\n\"注册资本\" = { max = \"0100.50\" }\n[strata]\nregion_digits = 4\nfloor = \"3%\"\n";
    let plan = fairdraw::input::plan::Plan::parse(text, "plan.toml", &none).unwrap();
    let canonical = plan.canonical();
    assert_eq!(canonical["scope"]["range"], json!([["established", "2024-01-01", null], ["注册资本", null, "100.5"]]));
    assert_eq!(canonical["strata"], json!({"region_digits": 4, "floor": "0.03"}));
    let back = fairdraw::input::plan::Plan::from_canonical(&canonical).unwrap();
    assert_eq!(back.canonical(), canonical);
}

#[test]
fn a_protected_log_refuses_region_strata_and_writes_nothing() {
    // The blinded enterprise leaf has no region: the public could not check
    // a region stratum's counts, so the writer refuses instead of logging a
    // draw that `audit verify` would then call tampered.
    let d = tempdir();
    let dir = d.path();
    let enterprises =
        format!("uscc,name,credit_class,region,industry,status\n{}{}", firms("330106", 1, 6), firms("330205", 7, 6));
    let plan =
        "name = \"p\"\n[ratios]\nA = \"50%\"\n[strata]\nregion_digits = 4\n[team]\nmax_targets_per_inspector = 20\n";
    let (e, i, p) = inputs(dir, &enterprises, plan);
    let conflicts = write(dir, "c.csv", "inspector_id,uscc\n");
    for publish in ["protected", "full"] {
        let log = dir.join(publish);
        fairdraw(&["init", "--log", s(&log), "--publish", publish, "--now", "2026-03-01T00:00:00Z"], dir).expect(0);
        let before = std::fs::read(log.join("entries.jsonl")).unwrap();
        let args =
            ["commit", "--log", s(&log), "--enterprises", s(&e), "--inspectors", s(&i), "--conflicts", s(&conflicts)];
        let mut args = args.to_vec();
        args.extend(["--plan", s(&p), "--beacon", "ceremony", "--now", "2026-03-01T01:00:00Z"]);
        let run = fairdraw(&args, dir);
        if publish == "protected" {
            let run = run.expect(2);
            assert!(run.stderr.contains("region strata") && run.stderr.contains("--publish full"), "{}", run.stderr);
            assert_eq!(std::fs::read(log.join("entries.jsonl")).unwrap(), before, "nothing was written");
        } else {
            run.expect(0);
        }
    }
}
