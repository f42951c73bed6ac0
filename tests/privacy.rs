//! Issue 10, "Done when": a protected log of a 5,000-firm registry,
//! committed and revealed, publishes no credit class of an unselected firm
//! (no unselected USCC at all, an excluded one only in the plan's exclude
//! list), no recusal pair or reason, and no inspector field beyond
//! id/name/department, in any public file. The same scan of a full log
//! finds all of these, so the scan can fail. The same holds for every
//! public API answer (tests/common/leak.rs walks every GET route with every
//! id, root, index and firm of the log).

mod common;
#[path = "common/http.rs"]
mod http;
#[path = "common/leak.rs"]
mod leak;
use common::privacy::{leaks_in_files, Secrets};
use common::*;
use http::*;

use std::collections::HashSet;
use std::path::Path;

use fairdraw::server::AppState;
use serde_json::Value;

/// A log of the generated registry with one revealed draw; returns the
/// selected and the excluded USCCs.
fn drawn(d: &Path, gen: &Path, publish: &str) -> (HashSet<String>, HashSet<String>) {
    let log = d.join(format!("log-{publish}"));
    let text = std::fs::read_to_string(gen.join("enterprises.csv")).unwrap();
    let usccs: Vec<&str> = text.lines().skip(1).take(3).map(|l| l.split(',').next().unwrap()).collect();
    let plan = write(
        d,
        "plan.toml",
        &format!(
            "name = \"隐私测试计划\"\nexclude = [\"{}\", \"{}\"]\n[ratios]\nA = \"2%\"\nB = \"5%\"\nC = \"10%\"\nD = \"30%\"\n[scope.where]\n\"列入经营异常名录\" = \"否\"\n",
            usccs[1], usccs[2]
        ),
    );
    fairdraw(&["init", "--log", s(&log), "--publish", publish, "--now", "2020-03-01T00:00:00Z"], d).expect(0);
    let c = fairdraw(
        &[
            "commit",
            "--log",
            s(&log),
            "--enterprises",
            s(&gen.join("enterprises.csv")),
            "--inspectors",
            s(&gen.join("inspectors.csv")),
            "--conflicts",
            s(&gen.join("conflicts.csv")),
            "--plan",
            s(&plan),
            "--beacon",
            "ceremony",
            "--now",
            "2020-03-01T01:00:00Z",
        ],
        d,
    )
    .expect(0);
    let id = c.stdout.lines().last().unwrap().trim().to_string();
    fairdraw(
        &[
            "reveal",
            &id,
            "--log",
            s(&log),
            "--ceremony",
            "27182818284590452353602",
            "--witness",
            "甲",
            "--witness",
            "乙",
            "--now",
            "2020-03-01T02:00:00Z",
        ],
        d,
    )
    .expect(0);
    let entries: Vec<Value> = std::fs::read_to_string(log.join("entries.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let result = entries.iter().find(|e| e["kind"] == "DrawResult").unwrap();
    let selected = result["body"]["draw"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uscc"].as_str().unwrap().to_string())
        .collect();
    let excluded = result["body"]["draw"]["plan"]["exclude"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    (selected, excluded)
}

#[test]
fn a_protected_log_publishes_no_class_recusal_or_private_inspector_field() {
    let dir = tempdir();
    let d = dir.path();
    let gen = d.join("gen");
    fairdraw(&["gen", "--enterprises", "5000", "--out-dir", s(&gen)], d).expect(0);

    let (selected, excluded) = drawn(d, &gen, "protected");
    assert!(selected.len() > 50 && excluded.len() == 2, "{} selected, {} excluded", selected.len(), excluded.len());
    let secrets = Secrets::new(&gen, &selected, &excluded);
    assert!(secrets.hidden.len() > 4000 && !secrets.conflicts.is_empty() && !secrets.cert_dates.is_empty());
    let log = d.join("log-protected");
    let files = public_files(&log);
    assert!(
        files.iter().any(|(p, _)| p.starts_with("snapshots")) && files.iter().any(|(p, _)| p.starts_with("receipts"))
    );
    let leaks = leaks_in_files(&log, &secrets);
    assert!(leaks.is_empty(), "{} leak(s), first ones:\n{}", leaks.len(), leaks[..leaks.len().min(20)].join("\n"));
    let leaks = leaks_in_answers(&log, &secrets);
    assert!(
        leaks.is_empty(),
        "{} leak(s) in answers, first ones:\n{}",
        leaks.len(),
        leaks[..leaks.len().min(20)].join("\n")
    );

    // The same registry in a full log: the scan finds every kind of secret.
    let (selected, excluded) = drawn(d, &gen, "full");
    let secrets = Secrets::new(&gen, &selected, &excluded);
    let mut leaks = leaks_in_files(&d.join("log-full"), &secrets);
    let answers = leaks_in_answers(&d.join("log-full"), &secrets);
    assert!(answers.iter().any(|l| l.contains("the unselected firm")), "the full log's answers show firms' rows");
    leaks.extend(answers);
    for kind in ["the unselected firm", "the recusal pair", "next to its region", "qualification", "certificate date"] {
        assert!(leaks.iter().any(|l| l.contains(kind)), "a full log shows {kind:?}; the scan found:\n{}", leaks.len());
    }
}

/// The leaks in every public API answer of the log in `log` (a lookup's
/// answer names the firm it was asked about: that USCC is not a leak there).
fn leaks_in_answers(log: &Path, secrets: &Secrets) -> Vec<String> {
    let server = Server { _dir: tempdir(), log: log.to_path_buf(), state: AppState::new(config(log, "2020-03-10")) };
    let public = tokio::runtime::Runtime::new().unwrap().block_on(leak::walk(&server));
    assert!(public.len() > 5000, "every firm is looked up: {} answers and files", public.len());
    let mut leaks = Vec::new();
    for p in public.iter().filter(|p| p.source.starts_with("GET ")) {
        let asked = p.source.strip_prefix("GET /api/enterprises/").filter(|u| !u.is_empty());
        let bytes = match asked {
            Some(u) => String::from_utf8_lossy(&p.bytes).replace(u, "(the firm asked about)").into_bytes(),
            None => p.bytes.clone(),
        };
        leaks.extend(secrets.leaks(&p.source, &bytes));
    }
    leaks
}
