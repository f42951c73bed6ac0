//! `fairdraw unseal` publishes an embargoed draw on or after its date
//! (audit/LOG-FORMAT.md, "Embargo"); `fairdraw audit export --for-auditor`
//! hands the auditors what they need and nothing private beyond it.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use fairdraw::log::{export, seal};

use super::log::{ByArgs, LogArgs};

#[derive(Args)]
pub struct UnsealArgs {
    /// The sealed DrawResult's id (or its first 8+ hex digits).
    #[arg(long)]
    pub draw: String,
    #[command(flatten)]
    pub by: ByArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

pub fn unseal(args: &UnsealArgs) -> anyhow::Result<ExitCode> {
    let clock = args.log.clock()?;
    let by = args.by.name(&args.log.dir)?;
    let mut log = args.log.open(true)?;
    let done = seal::unseal(&mut log, &args.draw, &clock, by)?;
    let targets = done.document["assignments"].as_array().map_or(0, Vec::len);
    println!("published draw {} (sealed until {}): {targets} target(s) are now public", done.result_id, done.until);
    let code = super::log::cosigned(&args.log.dir, done.cosigning, "the publication")?;
    println!("{}", done.publication_id);
    Ok(code)
}

/// `fairdraw audit export --log L --for-auditor OUT`.
pub fn export(dir: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let done = export::for_auditor(dir, out)?;
    println!(
        "exported {} public file(s) and {} auditor snapshot file(s) of {} to {}",
        done.public_files,
        done.auditor_files,
        dir.display(),
        out.display()
    );
    println!("the auditors check it with `{} audit verify --log {}`", super::self_command(), out.display());
    Ok(ExitCode::SUCCESS)
}
