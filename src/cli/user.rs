//! `fairdraw user`: the named accounts of the regulator API (LOG-FORMAT
//! "Accounts and roles"), kept in the log's `private/accounts.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use fairdraw::log::accounts::{self, Accounts};
use fairdraw::log::flow::Clock;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account and print its token once (only its argon2 hash is kept).
    Add(AddArgs),
    /// List the accounts: name, role, department, disabled, created (never a credential).
    List(DirArgs),
    /// Disable an account: its token is refused from the next request on (the account stays).
    Disable(DisableArgs),
}

#[derive(Args)]
pub struct DirArgs {
    /// The log directory (the accounts file is its private/accounts.json).
    #[arg(long = "log")]
    pub log: PathBuf,
}

#[derive(Args)]
pub struct AddArgs {
    /// The account's name: 1 to 32 characters a-z, 0-9, _ and -.
    pub name: String,
    /// recorder (录入), reviewer (审核), department_admin or log_admin.
    #[arg(long)]
    pub role: String,
    /// The department the account acts for (every role but log_admin).
    #[arg(long)]
    pub department: Option<String>,
    #[command(flatten)]
    pub dir: DirArgs,
}

#[derive(Args)]
pub struct DisableArgs {
    /// The account's name.
    pub name: String,
    #[command(flatten)]
    pub dir: DirArgs,
}

pub fn run(cmd: &UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add(args) => add(args),
        UserCommand::List(args) => list(args),
        UserCommand::Disable(args) => disable(args),
    }
}

/// The log's accounts; an empty list when it has none yet. A directory
/// that is not a log is refused, so that a typo does not start a new file.
fn load(dir: &DirArgs) -> anyhow::Result<Accounts> {
    if !dir.log.join("log.pub").is_file() {
        bail!("{} is not an audit log (no log.pub); nothing was written", dir.log.display());
    }
    Ok(Accounts::load(&dir.log)?.unwrap_or_default())
}

fn add(args: &AddArgs) -> anyhow::Result<ExitCode> {
    let mut all = load(&args.dir)?;
    let token = match all.add(&args.name, &args.role, args.department.as_deref(), &Clock::system().rfc3339) {
        Ok(token) => token,
        Err(problems) => {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            bail!("{}; nothing was written", text.join("; "));
        }
    };
    all.save(&args.dir.log).with_context(|| format!("writing {}", accounts::path(&args.dir.log).display()))?;
    eprintln!("account {} added; its token is shown this once (only its hash is kept):", args.name);
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

fn list(args: &DirArgs) -> anyhow::Result<ExitCode> {
    for a in load(args)?.accounts {
        let state = if a.disabled { "disabled" } else { "active" };
        println!("{}\t{}\t{}\t{state}\t{}", a.name, a.role.as_str(), a.department.as_deref().unwrap_or("-"), a.created);
    }
    Ok(ExitCode::SUCCESS)
}

fn disable(args: &DisableArgs) -> anyhow::Result<ExitCode> {
    let mut all = load(&args.dir)?;
    all.disable(&args.name).map_err(|e| anyhow::anyhow!("{e}; nothing was written"))?;
    all.save(&args.dir.log)?;
    eprintln!("account {} disabled: its token is refused from the next request on", args.name);
    Ok(ExitCode::SUCCESS)
}
