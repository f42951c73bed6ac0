//! `fairdraw replace`: log a `Replacement` of one inspector of a drawn
//! draw (audit/LOG-FORMAT.md "Replacing an inspector"). The operator names
//! whom to remove and why; the rule, not the operator, picks who replaces.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use clap::Args;
use fairdraw::log::entry::{Entry, Kind};
use fairdraw::log::{flow, replace};

use super::log::{ByArgs, LogArgs};

#[derive(Args)]
pub struct ReplaceArgs {
    /// The draw: its DrawResult id, or 8+ of its first hex digits.
    #[arg(long)]
    pub draw: String,
    /// The id of the inspector (or expert) who cannot serve.
    #[arg(long)]
    pub inspector: String,
    /// Why (published with the replacement): illness, a conflict found late, a transfer.
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub by: ByArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

pub fn run(args: &ReplaceArgs) -> anyhow::Result<ExitCode> {
    let clock = args.log.clock()?;
    let by = args.by.name(&args.log.dir)?;
    let mut log = args.log.open(true)?;
    let result = log.id(log.find(&args.draw)?);
    let old = args.inspector.trim();
    let body = {
        let before: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
        let rebuild = |c: &Entry| flow::committed_inputs(&log, c).map(Arc::new).map_err(|e| e.to_string());
        match replace::replacement(&before, &result, old, &args.reason, by, rebuild) {
            Ok(body) => body,
            Err(e) => bail!("refused: {e}; nothing was written"),
        }
    };
    let lines = replace::describe(&body);
    let ids = log.append(vec![(Kind::Replacement, body)], &clock.rfc3339, clock.simulated)?;
    println!("draw {result}: {old} replaced ({})", args.reason.trim());
    for line in lines {
        println!("  {line}");
    }
    println!("{}", ids[0]);
    Ok(ExitCode::SUCCESS)
}
