//! Off-site methods (spec §8.6): an off-site plan gets one responsible
//! inspector (or a reviewer pair) per target and no expert, `prefer_offsite`
//! picks the first off-site method every item allows, bad combinations are
//! refused with every problem at once, and off-site checks never count
//! against the on-site cap of the burden ledger.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use fairdraw::input::files;
use serde_json::Value;

const DEPT: &str = "市场监督管理局";

/// A plan on the bundled sample data with `extra` lines at the top level
/// and `team` lines in `[team]`.
fn sample_plan(dir: &Path, name: &str, extra: &str, team: &str) -> PathBuf {
    let items = data("items.csv");
    let text = format!(
        "name = \"{name}\"\ndepartment = \"{DEPT}\"\nitems_file = \"{}\"\n{extra}\n\
         [ratios]\nA = \"1%\"\nB = \"2%\"\nC = \"3%\"\nD = \"5%\"\n[team]\n{team}\n",
        items.display()
    );
    write(dir, name, &text)
}

fn draw(dir: &Path, plan: &Path) -> Value {
    let out = dir.join("draw.json");
    let [enterprises, inspectors, conflicts] = ["enterprises.csv", "inspectors.csv", "conflicts.csv"].map(data);
    let args = [
        "draw",
        "--enterprises",
        s(&enterprises),
        "--inspectors",
        s(&inspectors),
        "--conflicts",
        s(&conflicts),
        "--plan",
        s(plan),
        "--seed",
        "offsite-2026",
        "--out",
        s(&out),
    ];
    fairdraw(&args, dir).expect(0);
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

fn teams(doc: &Value) -> Vec<(usize, usize)> {
    let len = |v: &Value| v.as_array().unwrap().len();
    doc["assignments"].as_array().unwrap().iter().map(|a| (len(&a["inspectors"]), len(&a["experts"]))).collect()
}

#[test]
fn an_off_site_target_gets_one_responsible_inspector_and_no_expert() {
    let d = tempdir();
    let dir = d.path();
    let on_site = draw(dir, &sample_plan(dir, "on.toml", "", "size = 3"));
    assert!(teams(&on_site).iter().all(|&t| t == (3, 0)), "on-site: the team of three");
    assert!(on_site["plan"].get("method").is_none(), "an on-site plan keeps today's canonical form");

    let desk = draw(dir, &sample_plan(dir, "desk.toml", "method = \"书面核查\"", "size = 3"));
    assert!(!teams(&desk).is_empty());
    assert!(teams(&desk).iter().all(|&t| t == (1, 0)), "desk: one responsible inspector, {:?}", teams(&desk));
    assert_eq!(desk["plan"]["method"], "desk");
    assert_eq!(desk["plan"]["team"]["reviewers"], 1);
    for a in desk["assignments"].as_array().unwrap() {
        assert_eq!(a["leader"], a["inspectors"][0]);
    }
    // The same firms are drawn: the method changes the teams, never the targets.
    let firms =
        |doc: &Value| doc["assignments"].as_array().unwrap().iter().map(|a| a["uscc"].clone()).collect::<Vec<_>>();
    assert_eq!(firms(&desk), firms(&on_site));

    let pair = draw(dir, &sample_plan(dir, "pair.toml", "method = \"online\"", "reviewers = 2"));
    assert!(teams(&pair).iter().all(|&t| t == (2, 0)), "a reviewer pair, {:?}", teams(&pair));
    assert_eq!(pair["plan"]["method"], "online");
}

#[test]
fn prefer_offsite_takes_the_first_off_site_method_every_item_allows() {
    let d = tempdir();
    let dir = d.path();
    // data/items.csv: 企业公示信息检查 书面检查、网络监测; 广告发布行为检查 网络监测、书面检查;
    // 明码标价检查 实地核查、网络监测; 食品销售者经营活动检查 实地核查 only.
    let cases = [
        (r#"["企业公示信息检查"]"#, Some("desk")),
        (r#"["企业公示信息检查", "广告发布行为检查"]"#, Some("desk")),
        (r#"["企业公示信息检查", "明码标价检查"]"#, Some("online")),
        (r#"["企业公示信息检查", "食品销售者经营活动检查"]"#, None),
        ("[]", None),
    ];
    for (items, method) in cases {
        let plan = sample_plan(dir, "prefer.toml", &format!("items = {items}\nprefer_offsite = true"), "");
        let plan = files::load_plan(&plan).unwrap_or_else(|e| panic!("{items}: {e}"));
        let canonical = plan.canonical();
        assert_eq!(canonical["method"].as_str(), method, "{items}");
        assert_eq!(canonical["team"].get("reviewers").is_some(), method.is_some(), "{items}");
    }
}

#[test]
fn every_bad_off_site_combination_is_refused_at_once() {
    let d = tempdir();
    let dir = d.path();
    let plan = sample_plan(
        dir,
        "bad.toml",
        "items = [\"食品销售者经营活动检查\"]\nmethod = \"desk\"\nprefer_offsite = true",
        "experts = 1\nreviewers = 1\ndepartments = [\"市场监督管理局\", \"税务局\"]",
    );
    let err = files::load_plan(&plan).unwrap_err().to_string();
    for wanted in [
        "prefer_offsite",
        "item 「食品销售者经营活动检查」 is checked by 实地核查: not by desk",
        "experts join on-site visits only",
        "one reviewer per department",
    ] {
        assert!(err.contains(wanted), "missing {wanted:?} in:\n{err}");
    }
    let words = sample_plan(dir, "word.toml", "method = \"visit\"", "reviewers = 3");
    let err = files::load_plan(&words).unwrap_err().to_string();
    assert!(err.contains("must be one of on_site, desk, online, data"), "{err}");
    assert!(err.contains("team.reviewers") && err.contains("from 1 to 2"), "{err}");
    // The CLI says so with exit code 2 and writes nothing.
    let [enterprises, inspectors] = ["enterprises.csv", "inspectors.csv"].map(data);
    let run = fairdraw(
        &[
            "draw",
            "--enterprises",
            s(&enterprises),
            "--inspectors",
            s(&inspectors),
            "--plan",
            s(&words),
            "--seed",
            "x",
            "--out",
            "never.json",
        ],
        dir,
    )
    .expect(2);
    assert!(run.stderr.contains("method"), "{}", run.stderr);
    assert!(!dir.join("never.json").exists());
}

#[test]
fn off_site_checks_never_count_against_the_on_site_cap() {
    let d = tempdir();
    let dir = d.path();
    write(dir, "enterprises.csv", &enterprises_csv(12));
    write(dir, "inspectors.csv", &inspectors_csv(8));
    write(dir, "conflicts.csv", "inspector_id,uscc\n");
    let plan = |name: &str, extra: &str| {
        let text = format!(
            "name = \"{name}\"\ndepartment = \"{DEPT}\"\n{extra}\n\
             [ratios]\nA = \"100%\"\nB = \"100%\"\nC = \"100%\"\nD = \"100%\"\n"
        );
        write(dir, name, &text)
    };
    let registries = ["enterprises.csv", "inspectors.csv", "conflicts.csv"].map(|f| dir.join(f));
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-03-01T00:00:00Z"], dir).expect(0);
    let desk = plan("desk.toml", "method = \"desk\"");
    let id = commit_by_ceremony(dir, &log, &registries, &desk, "2026-03-01T01:00:00Z");
    reveal_by_ceremony(dir, &log, &id, "27182818284590452353602", "2026-03-01T02:00:00Z");

    // An on-site cap of 1 by the same department: the desk checks do not count.
    let capped = plan("capped.toml", "[caps]\non_site_per_department_per_year = 1");
    let id = commit_by_ceremony(dir, &log, &registries, &capped, "2026-03-02T01:00:00Z");
    let last = log_entries(&log).pop().unwrap();
    assert_eq!(last["body"]["log_exclusions"], serde_json::json!([]), "off-site checks are not visits");
    reveal_by_ceremony(dir, &log, &id, "16180339887498948482045", "2026-03-02T02:00:00Z");

    // A cap on all visits counts off-site ones too: every firm had two (no
    // inspection dates, so no joint visit).
    let visits = plan("visits.toml", "[caps]\nvisits_per_firm_per_year = 1");
    commit_by_ceremony(dir, &log, &registries, &visits, "2026-03-03T01:00:00Z");
    let last = log_entries(&log).pop().unwrap();
    assert_eq!(last["body"]["log_exclusions"].as_array().unwrap().len(), 12, "{}", last["body"]["log_exclusions"]);
    assert!(last["body"]["log_exclusions"][0]["reason"].as_str().unwrap().starts_with("visited 2 times"));
    assert_log_verifies(&log);
}
