//! The command-line contract: draw, verify, exit codes, error reports.

mod common;
use common::*;

fn draw_args<'a>(dir: &'a std::path::Path, plan: &'a str, out: &'a str) -> Vec<String> {
    vec![
        "draw".into(),
        "--enterprises".into(),
        s(&dir.join("e.csv")).into(),
        "--inspectors".into(),
        s(&dir.join("i.csv")).into(),
        "--plan".into(),
        s(&dir.join(plan)).into(),
        "--seed".into(),
        "测试种子 42".into(),
        "--out".into(),
        s(&dir.join(out)).into(),
    ]
}

/// `verify DOC` with the inputs of [`draw_args`].
fn verify_args(dir: &std::path::Path, doc: &std::path::Path) -> Vec<String> {
    let mut args = vec!["verify".to_string(), s(doc).into()];
    args.extend(draw_args(dir, "plan.toml", "unused")[1..7].iter().cloned());
    args
}

fn setup(dir: &std::path::Path) {
    write(dir, "e.csv", &enterprises_csv(40));
    write(dir, "i.csv", &inspectors_csv(8));
    write(dir, "plan.toml", MINIMAL_PLAN);
}

fn run(dir: &std::path::Path, args: &[String]) -> Run {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    fairdraw(&refs, dir)
}

#[test]
fn draw_writes_json_and_excel_csv_then_verify_passes() {
    let dir = tempdir();
    setup(dir.path());
    let out = run(dir.path(), &draw_args(dir.path(), "plan.toml", "draw.json")).expect(0);
    assert!(out.stdout.contains("测试企业"), "table lists targets:\n{}", out.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("draw.json")).unwrap()).unwrap();
    assert_eq!(doc["strata"].as_array().unwrap().len(), 4);
    // 40 rows, 10 per class: ceil(10%·10)=1, 2, 3, 5.
    let sizes: Vec<u64> =
        doc["strata"].as_array().unwrap().iter().map(|s| s["sample_size"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [1, 2, 3, 5]);
    let csv = std::fs::read(dir.path().join("draw.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF\xE5\xBA\x8F\xE5\x8F\xB7"), "BOM then 序号");
    assert_eq!(String::from_utf8_lossy(&csv).lines().count(), 1 + 11);

    let verify = verify_args(dir.path(), &dir.path().join("draw.json"));
    let v = run(dir.path(), &verify).expect(0);
    assert!(v.stdout.starts_with("VERIFIED"), "{}", v.stdout);
}

#[test]
fn verify_reports_a_changed_selection_with_its_path() {
    let dir = tempdir();
    setup(dir.path());
    run(dir.path(), &draw_args(dir.path(), "plan.toml", "draw.json")).expect(0);
    let path = dir.path().join("draw.json");
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["strata"][3]["selected"][0] = serde_json::json!(uscc(39));
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let verify = verify_args(dir.path(), &path);
    let v = run(dir.path(), &verify).expect(1);
    assert!(v.stdout.contains("MISMATCH"), "{}", v.stdout);
    assert!(v.stdout.contains("strata[3].selected[0]"), "{}", v.stdout);
}

#[test]
fn verify_of_a_non_json_file_is_exit_2() {
    let dir = tempdir();
    setup(dir.path());
    write(dir.path(), "draw.json", "not json");
    let verify = verify_args(dir.path(), &dir.path().join("draw.json"));
    let v = run(dir.path(), &verify).expect(2);
    assert!(v.stderr.contains("draw.json"), "{}", v.stderr);
}

/// `verify` takes the seed from the document's start and reads the rest
/// only to compare it: a fault further on is still the document's (exit 2,
/// in the strict reader's words, spec §9.1), told before any fault of the
/// inputs, as for a document checked whole first.
#[test]
fn a_fault_after_the_seed_is_the_documents_and_comes_before_the_inputs() {
    let dir = tempdir();
    setup(dir.path());
    run(dir.path(), &draw_args(dir.path(), "plan.toml", "draw.json")).expect(0);
    let path = dir.path().join("draw.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.rfind("\"leader\"").unwrap();
    std::fs::write(&path, format!("{}\"leader\": \"x\", {}", &text[..at], &text[at..])).unwrap();
    let verify = verify_args(dir.path(), &path);
    let v = run(dir.path(), &verify).expect(2);
    assert!(v.stderr.contains("draw.json") && v.stderr.contains("duplicate key \"leader\""), "{}", v.stderr);
    assert!(v.stdout.is_empty(), "{}", v.stdout);
    write(dir.path(), "e.csv", "uscc,name\nnot a code,x\n");
    let v = run(dir.path(), &verify).expect(2);
    assert!(v.stderr.contains("duplicate key \"leader\""), "{}", v.stderr);
    assert!(!v.stderr.contains("e.csv"), "{}", v.stderr);
}

#[test]
fn every_bad_row_is_reported_with_file_line_column_and_value() {
    let dir = tempdir();
    setup(dir.path());
    let good = uscc(1);
    let bad_check = format!("{}X", &uscc(2)[..17]).replace("XX", "X");
    let csv = format!(
        "uscc,name,credit_class,region,industry,status\n\
         {good},甲公司,A,330106,F52,存续\n\
         {bad_check},乙公司,A,330106,F52,存续\n\
         {u3},丙公司,E,330106,F52,存续\n\
         {u4},丁公司,B,3301,F52,存续\n\
         {u5},戊公司,B,330106,F52,营业中\n\
         {good},己公司,B,330106,F52,存续\n\
         {u6},,B,330106,F52,存续\n\
         {u7},庚公司,B,330106,F52\n",
        u3 = uscc(3),
        u4 = uscc(4),
        u5 = uscc(5),
        u6 = uscc(6),
        u7 = uscc(7),
    );
    let e = write(dir.path(), "e.csv", &csv);
    let out = run(dir.path(), &draw_args(dir.path(), "plan.toml", "draw.json")).expect(2);
    let err = out.stderr;
    let file = s(&e);
    for (line, needle) in [
        (3, "check character"),
        (4, "\"E\""),
        (5, "\"3301\""),
        (6, "营业中"),
        (7, "duplicate USCC, first at line 2"),
        (8, "empty"),
        (9, "cells"),
    ] {
        assert!(err.contains(&format!("{file}:{line}")), "line {line} missing:\n{err}");
        assert!(err.contains(needle), "{needle} missing:\n{err}");
    }
    assert!(err.contains("7 problems"), "{err}");
    assert!(!dir.path().join("draw.json").exists(), "nothing is written on bad input");
}

#[test]
fn missing_columns_and_unknown_conflict_references_are_errors() {
    let dir = tempdir();
    setup(dir.path());
    write(dir.path(), "e.csv", "uscc,name,credit_class,region,status\n");
    let out = run(dir.path(), &draw_args(dir.path(), "plan.toml", "draw.json")).expect(2);
    assert!(out.stderr.contains("missing required column `industry`"), "{}", out.stderr);
    assert!(out.stderr.contains("行业代码"), "lists the accepted names: {}", out.stderr);

    setup(dir.path());
    write(dir.path(), "c.csv", &format!("inspector_id,uscc,reason\nP999,{},亲属\nP001,{},亲属\n", uscc(1), uscc(77)));
    let mut args = draw_args(dir.path(), "plan.toml", "draw.json");
    args.extend(["--conflicts".into(), s(&dir.path().join("c.csv")).into()]);
    let out = run(dir.path(), &args).expect(2);
    assert!(out.stderr.contains("c.csv:2") && out.stderr.contains("P999"), "{}", out.stderr);
    assert!(out.stderr.contains("c.csv:3") && out.stderr.contains(&uscc(77)), "{}", out.stderr);
}

#[test]
fn listing_is_capped_but_counts_everything() {
    let dir = tempdir();
    setup(dir.path());
    let mut csv = String::from("uscc,name,credit_class,region,industry,status\n");
    for i in 0..120 {
        csv += &format!("{},企业{i},Z,330106,F52,存续\n", uscc(i));
    }
    write(dir.path(), "e.csv", &csv);
    let out = run(dir.path(), &draw_args(dir.path(), "plan.toml", "draw.json")).expect(2);
    assert!(out.stderr.contains("120 problems"), "{}", out.stderr);
    assert!(out.stderr.contains("and 70 more"), "{}", out.stderr);
}

#[test]
fn plan_errors_name_the_key_and_line() {
    let dir = tempdir();
    setup(dir.path());
    for (plan, needle) in [
        ("name = \"x\"\n[ratios]\nA = 0.05\n", "float"),
        ("name = \"x\"\n[ratios]\nA = \"150%\"\n", "more than 100%"),
        ("name = \"x\"\n[ratios]\nE = \"5%\"\n", "A, B, C or D"),
        ("name = \"x\"\nratio = 1\n[ratios]\nA = \"5%\"\n", "unknown field"),
        ("name = \"x\"\n[ratios]\nA = \"5%\"\n[team]\nsize = 1\n", "at least 2"),
        ("name = \"x\"\n[ratios]\nA = \"5%\"\n[team]\nregion = \"near\"\n", "所所交叉"),
        ("name = \"x\"\nexclude = [\"123\"]\n[ratios]\nA = \"5%\"\n", "invalid USCC"),
        ("[ratios]\nA = \"5%\"\n", "name"),
    ] {
        write(dir.path(), "bad.toml", plan);
        let out = run(dir.path(), &draw_args(dir.path(), "bad.toml", "draw.json")).expect(2);
        assert!(out.stderr.contains("bad.toml"), "{plan}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{plan}: expected {needle:?} in {}", out.stderr);
    }
}

#[test]
fn infeasible_plan_names_target_rule_and_relaxation() {
    let dir = tempdir();
    setup(dir.path());
    // 11 targets × 2 slots = 22 slots, 8 inspectors capped at 2 = 16.
    write(dir.path(), "cap.toml", &format!("{MINIMAL_PLAN}[team]\nmax_targets_per_inspector = 2\n"));
    let out = run(dir.path(), &draw_args(dir.path(), "cap.toml", "draw.json")).expect(2);
    assert!(out.stderr.contains("no valid inspector assignment"), "{}", out.stderr);
    assert!(out.stderr.contains("workload cap"), "{}", out.stderr);
    assert!(out.stderr.contains("from 2 to 3"), "{}", out.stderr);
    assert!(!dir.path().join("draw.json").exists());

    // The only holder of the qualification is not on duty: a known name, but
    // no active inspector has it.
    let mut roster = String::from("id,name,department,region,active,qualifications\n");
    for i in 0..8 {
        let region = if i % 2 == 0 { "330106" } else { "330108" };
        let (active, qualifications) = if i == 0 { ("false", "特种设备") } else { ("true", "") };
        roster += &format!("P{i:03},检查员{i},市场监督管理局,{region},{active},{qualifications}\n");
    }
    write(dir.path(), "i.csv", &roster);
    write(
        dir.path(),
        "same.toml",
        &format!("{MINIMAL_PLAN}[team]\nregion = \"same\"\nqualifications = [\"特种设备\"]\n"),
    );
    let out = run(dir.path(), &draw_args(dir.path(), "same.toml", "draw.json")).expect(2);
    assert!(out.stderr.contains("blocking rule: qualifications"), "{}", out.stderr);
    assert!(out.stderr.contains("drop team.qualifications"), "{}", out.stderr);
}

#[test]
fn demo_runs_on_the_bundled_data_and_verifies() {
    let dir = tempdir();
    let out = fairdraw(&["demo", "--out-dir", s(dir.path())], &root()).expect(0);
    assert!(out.stdout.contains("VERIFIED"), "{}", out.stdout);
    assert!(dir.path().join("demo-draw.json").exists() && dir.path().join("demo-draw.csv").exists());
}

#[test]
fn gen_writes_a_registry_the_draw_accepts() {
    let dir = tempdir();
    fairdraw(&["gen", "--enterprises", "3000", "--out-dir", s(dir.path())], dir.path()).expect(0);
    let out = fairdraw(
        &[
            "draw",
            "--enterprises",
            "enterprises.csv",
            "--inspectors",
            "inspectors.csv",
            "--conflicts",
            "conflicts.csv",
            "--plan",
            s(&data("plan-minimal.toml")),
            "--seed",
            "gen",
            "--out",
            "d.json",
            "--quiet",
        ],
        dir.path(),
    );
    out.expect(0);
}

#[test]
fn a_department_or_qualification_nobody_has_is_named_before_any_draw() {
    let dir = tempdir();
    let d = dir.path();
    setup(d);
    let plan = format!("{MINIMAL_PLAN}[team]\ndepartments = [\"市场监管局\"]\nqualifications = [\"食品\"]\n");
    write(d, "typo.toml", &plan);
    let out = run(d, &draw_args(d, "typo.toml", "draw.json")).expect(2);
    let err = &out.stderr;
    assert!(err.contains("typo.toml:8: key team.departments: value \"市场监管局\": unknown department"), "{err}");
    assert!(err.contains("(departments there: 市场监督管理局)"), "the roster's departments are listed: {err}");
    assert!(err.contains("typo.toml:9: key team.qualifications: value \"食品\": unknown qualification"), "{err}");
    assert!(err.contains("(qualifications there: none)"), "{err}");
    assert!(!err.contains("assignment"), "not reported as an infeasible assignment: {err}");
    assert!(!d.join("draw.json").exists(), "nothing written");

    // The independent verifier refuses the same inputs for the same reasons.
    let py = verify_py(
        &[
            "--emit",
            "--seed",
            "x",
            "--enterprises",
            s(&d.join("e.csv")),
            "--inspectors",
            s(&d.join("i.csv")),
            "--plan",
            s(&d.join("typo.toml")),
        ],
        d,
    )
    .expect(2);
    assert!(py.stderr.contains("\"市场监管局\": team.departments: unknown department"), "{}", py.stderr);
    assert!(py.stderr.contains("\"食品\": team.qualifications: unknown qualification"), "{}", py.stderr);
}

#[test]
fn an_error_says_its_cause_once() {
    let dir = tempdir();
    let d = dir.path();
    setup(d);
    let missing = run(d, &draw_args(d, "no-such-plan.toml", "draw.json")).expect(2);
    assert_eq!(missing.stderr.matches("os error 2").count(), 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("no-such-plan.toml"), "{}", missing.stderr);

    let log = d.join("log");
    fairdraw(&["init", "--log", s(&log)], d).expect(0);
    let unknown = fairdraw(
        &[
            "reveal",
            "abcdef12",
            "--log",
            s(&log),
            "--ceremony",
            "31415926535897932384",
            "--witness",
            "甲",
            "--witness",
            "乙",
        ],
        d,
    )
    .expect(2);
    assert_eq!(unknown.stderr.matches("no entry with id abcdef12").count(), 1, "{}", unknown.stderr);
}

#[test]
fn the_demo_prints_next_steps_that_run_as_shown() {
    let dir = tempdir();
    let d = dir.path();
    let out = fairdraw(&["demo", "--out-dir", s(&d.join("out"))], d).expect(0);
    // Not on the PATH here, so the demo names the executable itself.
    let line = out.stdout.lines().find(|l| l.contains(" audit replay --log ")).expect("a replay step");
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_ne!(words[0], "fairdraw", "`fairdraw` is not on the PATH of this test: {line}");
    let replay = std::process::Command::new(words[0]).args(&words[1..]).current_dir(d).output().unwrap();
    assert!(replay.status.success(), "{line}: {}", String::from_utf8_lossy(&replay.stderr));
    assert!(String::from_utf8_lossy(&replay.stdout).contains("1 identical"), "{line}");
}
