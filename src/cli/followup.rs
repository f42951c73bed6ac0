//! `fairdraw followup add|close`: 后续处置 from the command line, by the same
//! rules as the server's POST /api/followups (LOG-FORMAT "Follow-ups").

use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use fairdraw::log::aftercare::{self, Action, Aftercare};
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;

use super::log::{ByArgs, LogArgs};

#[derive(Subcommand)]
pub enum FollowUpCommand {
    /// Open a follow-up for a published v2 result that found a problem (codes A–D or 8); prints
    /// its entry id and due date. abnormal_list is due 10 working days after the result's
    /// publication, case 15 after the inspection, referral 10 after the publication;
    /// correction needs --due.
    Add(AddArgs),
    /// Close an open follow-up, saying what was done.
    Close(CloseArgs),
}

#[derive(Args)]
pub struct AddArgs {
    /// The InspectionResult entry id (or a unique prefix).
    #[arg(long)]
    result: String,
    /// abnormal_list, case, referral or correction.
    #[arg(long, value_parser = parse_action)]
    action: Action,
    /// The deadline (YYYY-MM-DD, a working day after the inspection): required for correction,
    /// optional for case and referral, refused for abnormal_list.
    #[arg(long)]
    due: Option<String>,
    #[command(flatten)]
    by: ByArgs,
    #[command(flatten)]
    log: LogArgs,
}

#[derive(Args)]
pub struct CloseArgs {
    /// The FollowUp entry id (or a unique prefix).
    follow_up: String,
    /// What was done (1 to 2000 characters, one line).
    #[arg(long)]
    outcome: String,
    #[command(flatten)]
    by: ByArgs,
    #[command(flatten)]
    log: LogArgs,
}

fn parse_action(text: &str) -> Result<Action, String> {
    Action::parse(text).ok_or_else(|| format!("{text:?}: give abnormal_list, case, referral or correction"))
}

pub fn run(cmd: &FollowUpCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FollowUpCommand::Add(args) => add(args),
        FollowUpCommand::Close(args) => close(args),
    }
}

fn add(args: &AddArgs) -> anyhow::Result<ExitCode> {
    let given = args.due.as_deref().map(|d| aftercare::parse_due("due", d)).transpose().map_err(anyhow::Error::msg)?;
    let clock = args.log.clock()?;
    let by = args.by.name(&args.log.dir)?;
    let mut log = args.log.open(true)?;
    let i = log.find(&args.result)?;
    let entry = log.entry(i)?;
    if entry.kind != Kind::InspectionResult {
        bail!("result: entry {} is not an inspection result", args.result);
    }
    let id = log.id(i);
    let amendments: Vec<_> = log
        .valid_entries()
        .filter(|(_, e)| e.kind == Kind::Amendment && e.body["amends"] == id.as_str())
        .map(|(_, e)| e.clone())
        .collect();
    let (fields, published) = aftercare::fold_result(&entry, amendments.iter().map(|a| a.as_ref()));
    let mut body = aftercare::follow_up_body(&id, &entry.body["uscc"], &fields, published, args.action, given)?;
    if let Some(by) = by {
        body["by"] = by.into();
    }
    let due = body["due"].as_str().unwrap_or_default().to_string();
    let ids = log.append(vec![(Kind::FollowUp, body)], &clock.rfc3339, clock.simulated)?;
    println!("acked {} {} due {due}", log.len() - 1, ids[0]);
    Ok(ExitCode::SUCCESS)
}

fn close(args: &CloseArgs) -> anyhow::Result<ExitCode> {
    aftercare::check_text("outcome", &args.outcome, aftercare::TEXT_MAX_CHARS).map_err(anyhow::Error::msg)?;
    let clock = args.log.clock()?;
    let by = args.by.name(&args.log.dir)?;
    let mut log = args.log.open(true)?;
    let id = log.id(log.find(&args.follow_up)?);
    let known = index(&log);
    let f = known.follow_up(&id).with_context(|| format!("entry {} is not a follow-up", args.follow_up))?;
    if let Some(r) = &f.reply {
        bail!("follow-up {id} was closed already by entry {}", r.id);
    }
    let mut body = serde_json::json!({"follow_up": id, "outcome": args.outcome});
    if let Some(by) = by {
        body["by"] = by.into();
    }
    let ids = log.append(vec![(Kind::FollowUpClosed, body)], &clock.rfc3339, clock.simulated)?;
    println!("acked {} {}", log.len() - 1, ids[0]);
    Ok(ExitCode::SUCCESS)
}

fn index(log: &Log) -> Aftercare {
    let mut known = Aftercare::default();
    for (i, e) in log.valid_entries() {
        known.add(i, &log.id(i), e);
    }
    known
}
