//! The two independent verifiers, `audit/verify.py` (Python standard
//! library) and `web/verify.js` (node/browser), agree with the engine: on the
//! golden vectors, on fresh draws of the sample plans and of random
//! registries, and they catch tampering.

mod common;
use common::*;
use std::path::{Path, PathBuf};

struct Case {
    draw: PathBuf,
    enterprises: PathBuf,
    inspectors: PathBuf,
    conflicts: Option<PathBuf>,
    plan: PathBuf,
}

impl Case {
    fn args(&self) -> Vec<String> {
        let mut a = vec![
            s(&self.draw).to_string(),
            "--enterprises".into(),
            s(&self.enterprises).into(),
            "--inspectors".into(),
            s(&self.inspectors).into(),
        ];
        if let Some(c) = &self.conflicts {
            a.extend(["--conflicts".into(), s(c).into()]);
        }
        a.extend(["--plan".into(), s(&self.plan).into()]);
        a
    }

    fn check_all(&self, expect: i32, what: &str) {
        let args = self.args();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut rust_args = vec!["verify"];
        rust_args.extend(&refs);
        let cwd = self.draw.parent().unwrap();
        for (name, run) in [
            ("fairdraw verify", fairdraw(&rust_args, cwd)),
            ("verify.py", verify_py(&refs, cwd)),
            ("verify.js", verify_js(&refs, cwd)),
        ] {
            assert_eq!(run.code, expect, "{name} on {what}\n--- stdout\n{}\n--- stderr\n{}", run.stdout, run.stderr);
            if expect == 0 {
                assert!(run.stdout.contains("VERIFIED"), "{name} on {what}: {}", run.stdout);
            }
        }
    }
}

fn vector(name: &str) -> Case {
    let dir = root().join("tests/vectors").join(name);
    let conflicts = dir.join("conflicts.csv");
    Case {
        draw: dir.join("draw.json"),
        enterprises: dir.join("enterprises.csv"),
        inspectors: dir.join("inspectors.csv"),
        conflicts: conflicts.exists().then_some(conflicts),
        plan: dir.join("plan.toml"),
    }
}

fn fresh_draw(
    dir: &Path,
    enterprises: &Path,
    inspectors: &Path,
    conflicts: Option<&Path>,
    plan: &Path,
    seed: &str,
) -> Case {
    let draw = dir.join(format!("draw-{}.json", hex::encode(seed)));
    let mut args = vec!["draw", "--enterprises", s(enterprises), "--inspectors", s(inspectors), "--plan", s(plan)];
    if let Some(c) = conflicts {
        args.extend(["--conflicts", s(c)]);
    }
    args.extend(["--seed", seed, "--out", s(&draw), "--quiet"]);
    fairdraw(&args, dir).expect(0);
    Case {
        draw,
        enterprises: enterprises.into(),
        inspectors: inspectors.into(),
        conflicts: conflicts.map(Path::to_path_buf),
        plan: plan.into(),
    }
}

#[test]
fn all_three_verify_the_golden_vectors() {
    for name in ["basic", "repair", "joint-gbk", "strata-region", "range-filter", "offsite"] {
        vector(name).check_all(0, name);
    }
}

#[test]
fn all_three_verify_fresh_draws_of_the_sample_plans() {
    let dir = tempdir();
    for (plan, seed) in [
        ("plan-single.toml", "样例 1"),
        ("plan-joint.toml", "drand round 12040883"),
        ("plan-cross.toml", "x"),
        ("plan-minimal.toml", "0123456789"),
    ] {
        let case = fresh_draw(
            dir.path(),
            &data("enterprises.csv"),
            &data("inspectors.csv"),
            Some(&data("conflicts.csv")),
            &data(plan),
            seed,
        );
        case.check_all(0, plan);
    }
}

#[test]
fn all_three_verify_draws_on_generated_registries_with_tight_caps() {
    let dir = tempdir();
    fairdraw(
        &[
            "gen",
            "--enterprises",
            "4000",
            "--inspectors",
            "40",
            "--conflicts",
            "400",
            "--seed",
            "7",
            "--out-dir",
            s(dir.path()),
        ],
        dir.path(),
    )
    .expect(0);
    // A cap that binds: targets × 2 slots close to 40 inspectors × cap, so repairs happen.
    let plan = write(dir.path(), "tight.toml", "name = \"紧张排班\"\n[ratios]\nA = \"1%\"\nB = \"2%\"\nC = \"5%\"\nD = \"20%\"\n[team]\nmax_targets_per_inspector = 6\nregion = \"different\"\n");
    let e = dir.path().join("enterprises.csv");
    let i = dir.path().join("inspectors.csv");
    let c = dir.path().join("conflicts.csv");
    for seed in ["a", "bb", "ccc"] {
        fresh_draw(dir.path(), &e, &i, Some(&c), &plan, seed).check_all(0, seed);
    }
}

#[test]
fn all_three_catch_a_tampered_draw_and_a_tampered_registry() {
    let dir = tempdir();
    let case = fresh_draw(
        dir.path(),
        &data("enterprises.csv"),
        &data("inspectors.csv"),
        Some(&data("conflicts.csv")),
        &data("plan-single.toml"),
        "tamper",
    );
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&case.draw).unwrap()).unwrap();
    let swapped = doc["assignments"][0]["inspectors"][1].clone();
    doc["assignments"][0]["inspectors"][1] = doc["assignments"][1]["inspectors"][1].clone();
    assert_ne!(swapped, doc["assignments"][0]["inspectors"][1]);
    std::fs::write(&case.draw, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    case.check_all(1, "a changed team");

    let fresh = fresh_draw(
        dir.path(),
        &data("enterprises.csv"),
        &data("inspectors.csv"),
        Some(&data("conflicts.csv")),
        &data("plan-single.toml"),
        "tamper2",
    );
    let text = std::fs::read_to_string(data("enterprises.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(10);
    let edited = write(dir.path(), "edited.csv", &(lines.join("\n") + "\n"));
    Case { enterprises: edited, ..fresh }.check_all(1, "a registry with one row removed");
}

#[test]
fn all_three_reject_bad_input_with_exit_2() {
    let dir = tempdir();
    let case = fresh_draw(
        dir.path(),
        &data("enterprises.csv"),
        &data("inspectors.csv"),
        None,
        &data("plan-minimal.toml"),
        "bad",
    );
    let broken = write(
        dir.path(),
        "broken.csv",
        "uscc,name,credit_class,region,industry,status\n91110000600037341X,甲,A,110000,F52,存续\n",
    );
    Case { enterprises: broken, ..case }.check_all(2, "an invalid USCC");
}

/// Node 18 (Debian 12) has no global WebCrypto unless flagged; node 20's
/// `--no-experimental-global-webcrypto` gives the same environment.
#[test]
fn verify_js_finds_webcrypto_in_node_without_the_global() {
    let flag = "--no-experimental-global-webcrypto";
    let dir = tempdir();
    let probe = write(dir.path(), "probe.mjs", "console.log(typeof globalThis.crypto?.subtle);\n");
    let out = std::process::Command::new("node").arg(flag).arg(&probe).output().expect("node must be installed");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "undefined",
        "{flag} no longer hides WebCrypto, so this test would prove nothing"
    );
    let case = vector("basic");
    let args = case.args();
    let run = std::process::Command::new("node")
        .arg(flag)
        .arg(root().join("web/verify.js"))
        .args(&args)
        .output()
        .expect("node must be installed");
    let (stdout, stderr) = (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert_eq!(run.status.code(), Some(0), "--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert!(stdout.contains("VERIFIED"), "{stdout}");
}

/// The embargo keys (spec §3, §3.3) change the canonical plan (and so its
/// digest) but never the draw, and all three verifiers agree on both.
#[test]
fn all_three_agree_on_plans_with_an_embargo() {
    let dir = tempdir();
    let base = plan_single_beside(dir.path());
    let draw_with = |name: &str, extra: &str| {
        // Top-level keys must come before the first table.
        let plan = write(dir.path(), name, &format!("{extra}\n{base}"));
        let case = fresh_draw(
            dir.path(),
            &data("enterprises.csv"),
            &data("inspectors.csv"),
            Some(&data("conflicts.csv")),
            &plan,
            "封存",
        );
        case.check_all(0, name);
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&case.draw).unwrap()).unwrap();
        doc
    };
    let plain = draw_with("plain.toml", "");
    let until = draw_with("until.toml", "embargo_until = 2026-12-20");
    let until_text = draw_with("until-text.toml", "embargo_until = \"2026/12/20\"");
    let days = draw_with("days.toml", "embargo_working_days = 10");
    assert!(plain["plan"].get("embargo").is_none(), "a plan without an embargo has no key");
    assert_eq!(until["plan"]["embargo"], serde_json::json!({"until": "2026-12-20"}));
    assert_eq!(until_text["plan_digest"], until["plan_digest"], "both date forms are one canonical plan");
    assert_eq!(days["plan"]["embargo"], serde_json::json!({"working_days": 10}));
    let digests: std::collections::BTreeSet<&str> =
        [&plain, &until, &days].iter().map(|d| d["plan_digest"].as_str().unwrap()).collect();
    assert_eq!(digests.len(), 3, "the embargo is part of the plan digest");
    for doc in [&until, &days] {
        assert_eq!(doc["assignments"], plain["assignments"], "an embargo never changes the draw");
    }
}

#[test]
fn all_three_refuse_bad_embargo_keys_with_exit_2() {
    let dir = tempdir();
    let case = fresh_draw(
        dir.path(),
        &data("enterprises.csv"),
        &data("inspectors.csv"),
        Some(&data("conflicts.csv")),
        &data("plan-single.toml"),
        "bad embargo",
    );
    let base = plan_single_beside(dir.path());
    for (name, extra) in [
        ("both.toml", "embargo_until = \"2026-12-20\"\nembargo_working_days = 5"),
        ("zero.toml", "embargo_working_days = 0"),
        ("too-many.toml", "embargo_working_days = 366"),
        ("float.toml", "embargo_working_days = 5.0"),
        ("bad-date.toml", "embargo_until = \"2026-02-30\""),
        ("empty-date.toml", "embargo_until = \"\""),
        ("date-time.toml", "embargo_until = 2026-12-20T10:00:00Z"),
    ] {
        let plan = write(dir.path(), name, &format!("{extra}\n{base}"));
        let rust = fairdraw(
            &[
                "draw",
                "--enterprises",
                s(&data("enterprises.csv")),
                "--inspectors",
                s(&data("inspectors.csv")),
                "--plan",
                s(&plan),
                "--seed",
                "x",
                "--out",
                "never.json",
                "--quiet",
            ],
            dir.path(),
        );
        assert_eq!(rust.code, 2, "fairdraw draw on {name}: {}{}", rust.stdout, rust.stderr);
        assert!(rust.stderr.contains("embargo"), "{name}: the message names the key: {}", rust.stderr);
        assert!(!rust.stderr.contains("unknown field"), "{name}: the key is known, its value is bad: {}", rust.stderr);
        assert!(!dir.path().join("never.json").exists(), "{name}: nothing is written");
        Case { plan, ..fresh_draw_case(&case) }.check_all(2, name);
    }
}

/// The text of `data/plan-single.toml`, with the files it names copied into
/// `dir` (its paths are relative to the plan).
fn plan_single_beside(dir: &Path) -> String {
    for name in ["items.csv", "exclude.csv", "history.csv"] {
        std::fs::copy(data(name), dir.join(name)).unwrap();
    }
    std::fs::read_to_string(data("plan-single.toml")).unwrap()
}

fn fresh_draw_case(c: &Case) -> Case {
    Case {
        draw: c.draw.clone(),
        enterprises: c.enterprises.clone(),
        inspectors: c.inspectors.clone(),
        conflicts: c.conflicts.clone(),
        plan: c.plan.clone(),
    }
}
