//! `fairdraw ledger`: a firm's checks of a year against the caps, and
//! `fairdraw ledger import`, which logs checks made outside fairdraw
//! (audit/LOG-FORMAT.md, "The burden ledger and caps").

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use fairdraw::input::{checks, files, table::FileSource};
use fairdraw::log::entry::{Entry, Kind};
use fairdraw::log::{flow, ledger};

use super::log::{ByArgs, LogArgs};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LedgerArgs {
    #[command(subcommand)]
    pub command: Option<LedgerCommand>,
    #[command(flatten)]
    pub show: ShowArgs,
}

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Log checks made outside fairdraw from a table (uscc, department, method, date, item?, reference?).
    Import {
        /// The table (CSV, UTF-8 or GB18030).
        file: PathBuf,
        /// Where the checks come from (default: the file's name).
        #[arg(long)]
        source: Option<String>,
        #[command(flatten)]
        by: ByArgs,
        #[command(flatten)]
        log: LogArgs,
    },
}

#[derive(Args)]
pub struct ShowArgs {
    /// The firm's USCC.
    pub uscc: Option<String>,
    /// The year (default: this year, China).
    #[arg(long)]
    pub year: Option<u64>,
    /// A plan whose caps the counts are compared with.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub log: LogArgs,
}

pub fn run(args: &LedgerArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(LedgerCommand::Import { file, source, by, log }) => {
            import(file, source.as_deref(), by.name(&log.dir)?, log)
        }
        None => show(&args.show),
    }
}

fn import(
    file: &std::path::Path,
    source: Option<&str>,
    by: Option<&str>,
    log_args: &LogArgs,
) -> anyhow::Result<ExitCode> {
    let checks = checks::read_checks(&FileSource::new(file))?;
    let source = source.map(String::from).unwrap_or_else(|| {
        file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned())
    });
    let clock = log_args.clock()?;
    let mut log = log_args.open(true)?;
    let n = checks.len();
    let id = log_checks(&mut log, checks, &source, by, &clock)?;
    println!("logged {n} external check(s) from {source} as entry {} {id}", log.len() - 1);
    Ok(ExitCode::SUCCESS)
}

/// Appends one `ExternalChecks` entry (checks as [`checks::read_checks`]
/// gives them) and returns its id.
pub fn log_checks(
    log: &mut fairdraw::log::store::Log,
    checks: Vec<serde_json::Value>,
    source: &str,
    by: Option<&str>,
    clock: &flow::Clock,
) -> anyhow::Result<String> {
    let mut body = serde_json::json!({"checks": checks, "source": source});
    if let Some(by) = by {
        body["by"] = by.into();
    }
    let ids = log.append(vec![(Kind::ExternalChecks, body)], &clock.rfc3339, clock.simulated)?;
    Ok(ids.into_iter().next().expect("one entry was appended"))
}

fn show(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let uscc = fairdraw::model::uscc::normalize(args.uscc.as_deref().context("give a USCC, or `ledger import FILE`")?);
    fairdraw::model::uscc::validate(&uscc).with_context(|| format!("{uscc} is not a valid USCC"))?;
    let plan = args.plan.as_deref().map(files::load_plan).transpose()?;
    let clock = args.log.clock()?;
    // As at commit: the plan's inspection year, else this year (China).
    let plan_year = plan.as_ref().and_then(|p| p.inspection_date).map(|d| u64::from(d.year));
    let year = args.year.or(plan_year).unwrap_or(clock.year() as u64);
    let log = args.log.open(false)?;
    let earlier: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
    let checks: Vec<ledger::Check> =
        ledger::checks_of_year(&earlier, year).into_iter().filter(|c| c.uscc == uscc).collect();
    // A joint visit is one visit however many departments check in it.
    let visits = ledger::visits_per_firm(&earlier, &checks).get(&uscc).copied().unwrap_or(0);
    let summary = ledger::summary(&checks, visits, &uscc, year);
    println!("{uscc} was checked {} time(s) in {year}, in {visits} visit(s).", checks.len());
    for d in summary["by_department"].as_array().into_iter().flatten() {
        println!(
            "  {} by {} ({})",
            d["checks"],
            d["department"].as_str().unwrap_or(""),
            d["method"].as_str().unwrap_or("")
        );
    }
    for i in summary["by_item"].as_array().into_iter().flatten() {
        println!("  {} for 「{}」", i["checks"], i["item"].as_str().unwrap_or(""));
    }
    if let Some(plan) = plan {
        // Exactly what a commitment of this plan would record for the firm
        // (every rule of "The effective plan", the first that applies).
        let reached: Vec<String> = flow::log_additions(&earlier, &plan, year)
            .exclusions
            .iter()
            .filter(|x| x["uscc"] == uscc.as_str())
            .filter_map(|x| x["reason"].as_str().map(String::from))
            .collect();
        let set: Vec<String> = plan.caps.named().iter().filter_map(|(k, n)| n.map(|n| format!("{k} = {n}"))).collect();
        match (reached.is_empty(), set.is_empty()) {
            (false, _) => println!("It has reached a cap of {}: {}.", plan.name, reached.join("; ")),
            (true, true) => println!("The plan {} sets no caps.", plan.name),
            (true, false) => println!("Under the caps of {} ({}) it may be drawn.", plan.name, set.join(", ")),
        }
    }
    println!("checks:");
    for c in &checks {
        let when = c.date.as_deref().map_or_else(|| "draw".to_string(), |d| format!("external, {d}"));
        println!("  {} {} {} [{}] entry {}", when, c.department, c.method, c.items.join("、"), c.entry);
    }
    Ok(ExitCode::SUCCESS)
}
