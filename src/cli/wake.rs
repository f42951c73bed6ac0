//! `fairdraw wake`: log wake-ups of dormant (歇业) firms (audit/LOG-FORMAT.md,
//! "Wake-ups"), one from the command line or one per row of an events file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use fairdraw::input::table::FileSource;
use fairdraw::log::entry::Kind;
use fairdraw::log::wakes;

use super::log::{ByArgs, LogArgs};

#[derive(Args)]
pub struct WakeArgs {
    /// The firm's USCC (统一社会信用代码); or give --events.
    pub uscc: Option<String>,
    /// Why it wakes: resumed, complaint, risk_signal or term_ended.
    #[arg(long)]
    pub reason: Option<String>,
    /// A public remark (never the service address or a complainant's name).
    #[arg(long)]
    pub note: Option<String>,
    /// A CSV of events (columns uscc, reason, note): all rows are checked before any is logged.
    #[arg(long, conflicts_with_all = ["uscc", "reason", "note"])]
    pub events: Option<PathBuf>,
    #[command(flatten)]
    pub by: ByArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

pub fn run(args: &WakeArgs) -> anyhow::Result<ExitCode> {
    let by = args.by.name(&args.log.dir)?;
    let bodies = match (&args.events, &args.uscc, &args.reason) {
        (Some(file), _, _) => wakes::read_events(&FileSource::new(file), by)?,
        (None, Some(uscc), Some(reason)) => {
            let uscc = fairdraw::model::uscc::normalize(fairdraw::input::table::trim(uscc));
            match wakes::wake_up(&uscc, reason.trim(), args.note.as_deref(), by) {
                Ok(body) => vec![body],
                Err((_, message)) => bail!("{message}; nothing was written"),
            }
        }
        _ => bail!("give a USCC and --reason, or --events FILE"),
    };
    if bodies.is_empty() {
        bail!("the events file has no rows; nothing was written");
    }
    let clock = args.log.clock()?;
    let mut log = args.log.open(true)?;
    for id in log_wake_ups(&mut log, bodies, &clock)? {
        println!("{id}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Appends one `WakeUp` entry per body (as [`wakes::read_events`] or
/// [`wakes::wake_up`] give them); returns their ids.
pub fn log_wake_ups(
    log: &mut fairdraw::log::store::Log,
    bodies: Vec<serde_json::Value>,
    clock: &fairdraw::log::flow::Clock,
) -> anyhow::Result<Vec<String>> {
    let entries = bodies.into_iter().map(|b| (Kind::WakeUp, b)).collect();
    Ok(log.append(entries, &clock.rfc3339, clock.simulated)?)
}
