//! `fairdraw audit disclose` (one firm's disclosure, written by the bureau)
//! and `fairdraw audit disclosure FILE` (its offline check, for the firm).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use fairdraw::log::disclosure;
use fairdraw::log::store::Log;

use super::write_atomically;

pub fn disclose(uscc: &str, dir: &Path, draw: &str, out: &Path) -> anyhow::Result<ExitCode> {
    let log = Log::open_dir(dir, false)?;
    let d = disclosure::make(&log, uscc.trim(), draw)?;
    write_atomically(out, (serde_json::to_string_pretty(&d)? + "\n").as_bytes())?;
    println!(
        "{}: {}",
        d["verdict"]["uscc"].as_str().unwrap_or_default(),
        d["verdict"]["why"].as_str().unwrap_or_default()
    );
    println!(
        "disclosure: {} (check it with `{} audit disclosure {}`)",
        out.display(),
        super::self_command(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Exit 0 verified, 1 tampered, 2 not a disclosure.
pub fn check(file: &Path, vkey: Option<&str>) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let checked = disclosure::check(&bytes, vkey).with_context(|| file.display().to_string())?;
    for n in &checked.notes {
        println!("note: {n}");
    }
    let v = &checked.verdict;
    if checked.problems.is_empty() {
        println!("VERIFIED: {} — {}", v["uscc"].as_str().unwrap_or_default(), v["why"].as_str().unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    println!("NOT VERIFIED: {} problem(s)", checked.problems.len());
    for p in &checked.problems {
        println!("  {p}");
    }
    Ok(ExitCode::from(1))
}
