//! `fairdraw unseal`: publishes an embargoed draw on or after its date
//! (audit/LOG-FORMAT.md, "Embargo").

use std::process::ExitCode;

use clap::Args;
use fairdraw::log::seal;

use super::log::LogArgs;

#[derive(Args)]
pub struct UnsealArgs {
    /// The sealed DrawResult's id (or its first 8+ hex digits).
    #[arg(long)]
    pub draw: String,
    #[command(flatten)]
    pub log: LogArgs,
}

pub fn unseal(args: &UnsealArgs) -> anyhow::Result<ExitCode> {
    let clock = args.log.clock()?;
    let mut log = args.log.open(true)?;
    let done = seal::unseal(&mut log, &args.draw, &clock)?;
    let targets = done.document["assignments"].as_array().map_or(0, Vec::len);
    println!("published draw {} (sealed until {}): {targets} target(s) are now public", done.result_id, done.until);
    let code = super::log::cosigned(&args.log.dir, done.cosigning, "the publication")?;
    println!("{}", done.publication_id);
    Ok(code)
}
