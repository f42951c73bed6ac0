//! The edge corpus (`tests/vectors/edge/`, audit/SPEC.md §3.1, §3.2, §9.1):
//! the Rust, Python and JavaScript verifiers give every case the verdict its
//! manifest states — so they agree with each other — and neither independent
//! verifier crashes (a traceback, a stack, an "internal error") on any case.

mod common;
use common::*;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Manifest {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    tests: String,
    /// Verifier arguments, paths relative to the corpus directory.
    args: Vec<String>,
    exit: i32,
    /// Text that every verifier's output (stdout and stderr) must contain.
    message: String,
}

fn corpus_dir() -> PathBuf {
    root().join("tests/vectors/edge")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read(corpus_dir().join("cases.json")).expect("tests/vectors/edge/cases.json");
    serde_json::from_slice::<Manifest>(&text).expect("cases.json is a manifest").cases
}

/// A crash is not a verdict, even when the exit code happens to be 2.
fn crashed(code: i32, output: &str) -> bool {
    !(0..=2).contains(&code)
        || output.contains("Traceback")
        || output.contains("internal error")
        || output.contains("\n    at ")
}

#[test]
fn the_corpus_has_40_cases_of_every_verdict_and_all_their_files() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    for code in 0..=2 {
        assert!(cases.iter().any(|c| c.exit == code), "no case expects exit code {code}");
    }
    for case in &cases {
        assert!(!case.tests.is_empty() && !case.message.is_empty(), "{}: says what it tests and expects", case.name);
        // A missing file would give exit 2 for the wrong reason.
        for path in case.args.iter().filter(|a| !a.starts_with("--")) {
            assert!(corpus_dir().join(path).is_file(), "{}: {path} does not exist", case.name);
        }
    }
}

#[test]
fn all_three_verifiers_give_every_edge_case_its_verdict() {
    let dir = corpus_dir();
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let rust_args: Vec<&str> = ["verify"].into_iter().chain(args.iter().copied()).collect();
        // The three run at once: the corpus is ~80 cases × 3 process starts.
        let runs = std::thread::scope(|scope| {
            let rust = scope.spawn(|| fairdraw(&rust_args, &dir));
            let py = scope.spawn(|| verify_py(&args, &dir));
            let js = scope.spawn(|| verify_js(&args, &dir));
            [("fairdraw verify", rust), ("verify.py", py), ("verify.js", js)].map(|(v, h)| (v, h.join().unwrap()))
        });
        for (verifier, run) in runs {
            let output = format!("{}\n{}", run.stdout, run.stderr);
            // The message must come from the verdict, not from a file name.
            let without_paths = case.args.iter().fold(output.clone(), |text, arg| text.replace(arg.as_str(), ""));
            if crashed(run.code, &output) || run.code != case.exit || !without_paths.contains(&case.message) {
                let shown: String = output.chars().take(800).collect();
                failures.push(format!(
                    "{} ({}) with {verifier}: exit {} (expected {}, output containing {:?})\n{shown}",
                    case.name, case.tests, run.code, case.exit, case.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} runs failed:\n\n{}", failures.len(), cases.len() * 3, failures.join("\n\n"));
}
