//! The `fairdraw` command: parses arguments and hands each command to
//! `cli::*`. Exit codes: 0 ok, 1 verification failed, 2 error (bad input,
//! infeasible plan, refused beacon, unreadable file).

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use cli::draw::{DrawArgs, VerifyArgs};
use cli::log::{AuditCommand, CommitArgs, InitArgs, LogArgs, PolicyCommandArgs, RevealArgs};
use fairdraw::input::synth;

#[derive(Parser)]
#[command(name = "fairdraw", version, about = "Verifiable double-random (双随机、一公开) inspection draws")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Draw targets and inspection teams, write the draw document and the inspection list.
    Draw(DrawArgs),
    /// Recompute a draw document from its inputs and compare (exit 0 same, 1 different, 2 bad input).
    Verify(VerifyArgs),
    /// The whole flow on the bundled sample data: init, commit, reveal, verify, replay (`demo year`: a regulator's year).
    Demo {
        /// `draw` (default): one plan of the sample data; `year`: a small city's year (data/year/:
        /// the annual plan, four batches, joint visits, caps, a desk review, a dormant firm woken).
        #[arg(value_enum, default_value_t = cli::demo::Which::Draw)]
        which: cli::demo::Which,
        /// Where to write the demo's log and outputs.
        #[arg(long, default_value = "out")]
        out_dir: PathBuf,
        /// The demo log's publication mode: protected or full [default: protected for `draw`;
        /// `year` writes only full logs, so that every verifier replays every batch].
        #[arg(long, value_parser = cli::log::parse_publication)]
        publish: Option<fairdraw::log::publication::Publication>,
    },
    /// Create an audit log and its signing key.
    Init(InitArgs),
    /// Log a plan, its registry snapshots and the future beacon round (prints the commitment id last).
    Commit(CommitArgs),
    /// Annual plans (年度抽查计划): check and cost one, log one, list the joint visits.
    #[command(subcommand)]
    Plan(cli::annual::PlanCommand),
    /// Verify the beacon, draw, and log the result (prints the result id last).
    Reveal(RevealArgs),
    /// Publish an embargoed (sealed) draw on or after its date.
    Unseal(cli::seal::UnsealArgs),
    /// Log a new witness policy (who cosigns the log, how many make a quorum) and ask its witnesses.
    Policy(PolicyCommandArgs),
    /// Ask the log's witnesses to cosign its newest checkpoint (exit 1 without a quorum).
    Cosign(LogArgs),
    /// Run a witness (C2SP tlog-witness) that cosigns logs' checkpoints.
    #[command(subcommand)]
    Witness(cli::witness::WitnessCommand),
    /// 后续处置: open or close a follow-up of a published result that found a problem.
    #[command(subcommand)]
    Followup(cli::followup::FollowUpCommand),
    /// Append a public note to the log.
    Note {
        /// The note's text, published as is.
        #[arg(long)]
        text: String,
        /// Append this many notes, acknowledging each (used by crash tests).
        #[arg(long, default_value_t = 1, hide = true)]
        repeat: u64,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Log wake-ups of dormant (歇业) firms: one USCC with --reason, or a CSV of events.
    Wake(cli::wake::WakeArgs),
    /// Replace one inspector of a drawn draw (illness, a late conflict): the rule picks who
    /// replaces, from the same pool with the same rules; logged with the reason.
    Replace(cli::replace::ReplaceArgs),
    /// Copy the log (and with --page the web page) to a static host: a directory, S3, GCS or
    /// Azure, as C2SP tlog-tiles; only new files are uploaded, `checkpoint` last (exit 1: the
    /// destination holds one of the log's immutable files with other contents; nothing written).
    Publish(cli::publish::PublishArgs),
    /// Publish the log: JSON API, the regulator's write API, the web page.
    Serve(cli::serve::ServeArgs),
    /// The regulator API's named accounts (recorder, reviewer, department_admin, log_admin).
    #[command(subcommand)]
    User(cli::user::UserCommand),
    /// Check, replay and prove the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Hand-off files: results for the publicity system, the open-data download.
    #[command(subcommand)]
    Export(cli::report::ExportCommand),
    /// Read a hand-off file back.
    #[command(subcommand)]
    Import(cli::report::ImportCommand),
    /// One year's statistics as JSON, or with --out as a self-contained HTML report.
    Stats(cli::report::StatsArgs),
    /// A firm's checks of a year against the plan caps; `ledger import` logs checks made outside fairdraw.
    Ledger(cli::ledger::LedgerArgs),
    /// Generate a synthetic registry (enterprises.csv, inspectors.csv, conflicts.csv).
    Gen {
        /// Number of enterprises.
        #[arg(long, default_value_t = 5000)]
        enterprises: u64,
        /// Number of inspectors.
        #[arg(long, default_value_t = 120)]
        inspectors: u32,
        /// Number of recusal pairs.
        #[arg(long, default_value_t = 60)]
        conflicts: u32,
        /// Generator seed: the same seed gives the same files.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Directory to write the three CSV files into (created if missing).
        #[arg(long)]
        out_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Draw(args) => cli::draw::run_draw(&args).map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => cli::draw::run_verify(&args.draw, &args.inputs),
        Command::Demo { which: cli::demo::Which::Draw, out_dir, publish } => {
            cli::demo::run(&out_dir, publish.unwrap_or(fairdraw::log::publication::Publication::Protected))
        }
        Command::Demo { which: cli::demo::Which::Year, out_dir, publish } => {
            cli::demo_year::run(&out_dir, publish.unwrap_or(fairdraw::log::publication::Publication::Full))
        }
        Command::Init(args) => cli::log::init(&args),
        Command::Commit(args) => cli::log::commit(&args),
        Command::Plan(cmd) => cli::annual::run(&cmd),
        Command::Reveal(args) => cli::log::reveal(&args),
        Command::Unseal(args) => cli::seal::unseal(&args),
        Command::Policy(args) => cli::log::policy(&args),
        Command::Cosign(args) => cli::log::cosign(&args),
        Command::Witness(cmd) => cli::witness::run(&cmd),
        Command::Followup(cmd) => cli::followup::run(&cmd),
        Command::Note { text, repeat, log } => cli::log::note(&log, &text, repeat),
        Command::Audit(cmd) => cli::log::audit(&cmd),
        Command::Wake(args) => cli::wake::run(&args),
        Command::Replace(args) => cli::replace::run(&args),
        Command::Ledger(args) => cli::ledger::run(&args),
        Command::Publish(args) => cli::publish::run(&args),
        Command::Serve(args) => cli::serve::run(&args),
        Command::User(cmd) => cli::user::run(&cmd),
        Command::Export(cmd) => cli::report::export(&cmd),
        Command::Import(cmd) => cli::report::import(&cmd),
        Command::Stats(args) => cli::report::run_stats(&args),
        Command::Gen { enterprises, inspectors, conflicts, seed, out_dir } => {
            let cfg = synth::SynthConfig { enterprises, inspectors, conflicts, seed };
            std::fs::create_dir_all(&out_dir)
                .and_then(|_| synth::write_all(&cfg, &out_dir))
                .with_context(|| format!("writing {}", out_dir.display()))
                .map(|_| ExitCode::SUCCESS)
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {}", said_once(&e));
        ExitCode::from(2)
    })
}

/// The error and its causes, `: `-separated, leaving out a cause whose text
/// the message already contains (library errors often quote their cause, so
/// `{:#}` would print an OS message twice).
fn said_once(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every option and positional argument of every command has a `--help` line.
    #[test]
    fn every_argument_has_a_help_line() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (the command itself)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cmd, "fairdraw", &mut missing);
        assert!(missing.is_empty(), "no --help text for:\n  {}", missing.join("\n  "));
    }

    #[test]
    fn an_error_quoting_its_cause_says_it_once() {
        let os = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        let quoting = anyhow::Error::new(os).context("cannot read plan.toml: No such file or directory (os error 2)");
        assert_eq!(said_once(&quoting), "cannot read plan.toml: No such file or directory (os error 2)");
        let plain = anyhow::Error::new(std::io::Error::other("disk full")).context("writing out.json");
        assert_eq!(said_once(&plain), "writing out.json: disk full");
    }
}
