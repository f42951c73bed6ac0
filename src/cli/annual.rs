//! `fairdraw plan …`: annual plans (年度抽查计划) — check one and print what
//! the year will cost, log one, and list the joint visits of a log
//! (audit/LOG-FORMAT.md "Annual plans and batches", "Joint visits").

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use fairdraw::engine::cost;
use fairdraw::input::error::InputError;
use fairdraw::input::plan::annual::AnnualPlan;
use fairdraw::input::registry;
use fairdraw::input::table::{FileSource, Source};
use fairdraw::log::annual;
use fairdraw::log::entry::{Entry, Kind};
use fairdraw::log::flow::Clock;
use fairdraw::log::store::Log;
use fairdraw::model::registry::Class;

use super::log::{ByArgs, LogArgs, DEFAULT_LOG};

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Check an annual plan (every problem at once, exit 2) and print what the year will cost.
    Check {
        /// The annual plan (TOML).
        file: PathBuf,
        /// The enterprise registry to cost the batches with (expected targets per class).
        #[arg(long)]
        enterprises: Option<PathBuf>,
    },
    /// Log an annual plan (an AnnualPlan entry) before any of its batches is drawn (prints its id last).
    Commit {
        /// The annual plan (TOML).
        file: PathBuf,
        #[command(flatten)]
        by: ByArgs,
        #[command(flatten)]
        log: LogArgs,
    },
    /// List the log's visits (joint visits merged from overlapping batches) and the joint-visit rate.
    Visits {
        /// The log directory.
        #[arg(long = "log", default_value = DEFAULT_LOG)]
        dir: PathBuf,
    },
}

pub fn run(cmd: &PlanCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PlanCommand::Check { file, enterprises } => check(file, enterprises.as_deref()),
        PlanCommand::Commit { file, by, log } => commit(file, by.name(&log.dir)?, log),
        PlanCommand::Visits { dir } => visits(dir),
    }
}

/// Reads and validates an annual plan; the item list it names is relative to it.
pub fn load(path: &Path) -> Result<AnnualPlan, InputError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| InputError::Read { path: label.clone(), source: e })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        InputError::input(&label, 0, "", "", format!("annual plan is not UTF-8 (byte {at}); save it as UTF-8"))
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let open = move |name: &str| -> Box<dyn Source> { Box::new(FileSource::new(dir.join(name))) };
    AnnualPlan::parse(&text, &label, &open)
}

fn check(file: &Path, enterprises: Option<&Path>) -> anyhow::Result<ExitCode> {
    let plan = load(file)?;
    println!(
        "annual plan {:?} ({}): {} department(s), {} item(s), {} batch(es); digest {}",
        plan.name,
        plan.year,
        plan.departments.len(),
        plan.items.len(),
        plan.batches.len(),
        plan.digest()
    );
    let Some(path) = enterprises else {
        println!("no --enterprises: the plan is valid; give the registry to see what the year will cost");
        return Ok(ExitCode::SUCCESS);
    };
    let registry = registry::read_enterprises(&FileSource::new(path), &[])?;
    let costs = cost::cost(&plan, &registry);
    let (mut targets, mut days) = (0u64, 0u64);
    for (b, c) in plan.batches.iter().zip(&costs) {
        let per_class: Vec<String> =
            Class::ALL.iter().map(|k| format!("{} {}", k.letter(), c.targets[*k as usize])).collect();
        let n: u64 = c.targets.iter().sum();
        // An off-site batch's days are desk or screen work, not visits (spec §8.6).
        let how = match b.method {
            "on_site" => String::new(),
            m => format!(" (off-site: {m})"),
        };
        println!(
            "batch {} · {} · {} … {}: {} = {n} target(s), {} inspector-day(s){how}",
            c.batch,
            c.department,
            b.start,
            b.end,
            per_class.join(" + "),
            c.inspector_days
        );
        targets += n;
        days += c.inspector_days;
    }
    for d in &plan.departments {
        let mine: Vec<&cost::BatchCost> = costs.iter().filter(|c| c.department == *d).collect();
        let n: u64 = mine.iter().map(|c| c.targets.iter().sum::<u64>()).sum();
        let days: u64 = mine.iter().map(|c| c.inspector_days).sum();
        println!("department {d}: {} batch(es), {n} target(s), {days} inspector-day(s)", mine.len());
    }
    println!("year {}: {targets} target(s), {days} inspector-day(s)", plan.year);
    Ok(ExitCode::SUCCESS)
}

fn commit(file: &Path, by: Option<&str>, log_args: &LogArgs) -> anyhow::Result<ExitCode> {
    let plan = load(file)?;
    let clock = log_args.clock()?;
    let mut log = log_args.open(true)?;
    let id = log_annual(&mut log, &plan, by, &clock)?;
    let index = log.len() - 1;
    let cosigning = fairdraw::log::flow::cosign_at(&mut log, index)?;
    println!("logged annual plan {:?} ({}), {} batch(es)", plan.name, plan.year, plan.batches.len());
    let code = super::log::cosigned(&log_args.dir, cosigning, "the annual plan")?;
    println!("{id}");
    Ok(code)
}

/// Appends the `AnnualPlan` entry of `plan` (`by`: the account, when given)
/// and returns its id; refuses a plan already logged.
pub fn log_annual(log: &mut Log, plan: &AnnualPlan, by: Option<&str>, clock: &Clock) -> anyhow::Result<String> {
    let digest = plan.digest();
    if let Some((i, _)) =
        log.valid_entries().find(|(_, e)| e.kind == Kind::AnnualPlan && e.body["digest"] == digest.as_str())
    {
        anyhow::bail!("this annual plan is already logged as entry {i} ({}); nothing was written", log.id(i));
    }
    let mut body = serde_json::json!({"annual": plan.canonical(), "digest": digest});
    if let Some(by) = by.map(str::trim).filter(|b| !b.is_empty()) {
        body["by"] = by.into();
    }
    let ids = log.append(vec![(Kind::AnnualPlan, body)], &clock.rfc3339, clock.simulated)?;
    Ok(ids.into_iter().next().expect("one entry was appended"))
}

fn visits(dir: &Path) -> anyhow::Result<ExitCode> {
    let log = fairdraw::log::store::Log::open_dir(dir, false).with_context(|| format!("opening {}", dir.display()))?;
    let entries: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
    let visits = annual::visits(&entries);
    for v in &visits {
        let window = v.window.as_ref().map_or("-".to_string(), |(s, e)| format!("{s} … {e}"));
        println!(
            "{} {window} {} lead {} · {} · team {} · items {}",
            v.uscc,
            if v.is_joint() { "joint" } else { "single" },
            if v.lead.is_empty() { "-" } else { &v.lead },
            v.departments.join("+"),
            v.team.join(","),
            v.items.join("、")
        );
    }
    println!("{}", annual::rate_line(&visits));
    Ok(ExitCode::SUCCESS)
}
