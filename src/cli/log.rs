//! Commands that write or read the audit log: init, commit, reveal, note,
//! audit verify / replay / checkpoint / receipt.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use fairdraw::engine::report;
use fairdraw::input::files;
use fairdraw::log::accounts::Accounts;
use fairdraw::log::aftercare;
use fairdraw::log::beacon;
use fairdraw::log::entry::Kind;
use fairdraw::log::flow::{self, Clock, Offered};
use fairdraw::log::mirror::ObjectMirror;
use fairdraw::log::note::Receipt;
use fairdraw::log::policy::{Policy, PolicyWitness};
use fairdraw::log::publication::Publication;
use fairdraw::log::store::Log;
use fairdraw::log::witnessing::Cosigning;
use fairdraw::log::{audit, audit_receipts, audit_tiles, fetch};

use super::draw::{warn_about, InputArgs};
use super::write_atomically;

pub const DEFAULT_LOG: &str = "audit/log";

#[derive(Args, Clone)]
pub struct LogArgs {
    /// The log directory.
    #[arg(long = "log", default_value = DEFAULT_LOG)]
    pub dir: PathBuf,
    /// Simulated clock (RFC 3339) for tests and demos; entries are marked simulated.
    #[arg(long)]
    pub now: Option<String>,
}

/// `--by NAME`: the account a command run on the server itself writes on
/// behalf of — the entries' `by` (LOG-FORMAT "Accounts and roles").
#[derive(Args, Clone, Default)]
pub struct ByArgs {
    /// The account the entries are written on behalf of (their `by`); with accounts, an enabled one.
    #[arg(long = "by", alias = "as", value_name = "NAME")]
    pub by: Option<String>,
}

impl ByArgs {
    /// The name, checked before anything is written: once the log has
    /// accounts, an enabled one of them (the CLI does not check roles:
    /// whoever runs it on the server is the operator); without accounts
    /// (set-ups from before them), any one-line name of at most 64
    /// characters, such as 张科长.
    pub fn name(&self, log_dir: &Path) -> anyhow::Result<Option<&str>> {
        let Some(name) = self.by.as_deref() else { return Ok(None) };
        match Accounts::load(log_dir)? {
            Some(known) => match known.get(name) {
                None => {
                    bail!("--by {name:?}: no such account in this log (see `fairdraw user list`); nothing was written")
                }
                Some(a) if a.disabled => bail!("--by {name}: the account is disabled; nothing was written"),
                Some(_) => {}
            },
            None => aftercare::check_text("--by", name, aftercare::SHORT_MAX_CHARS)
                .map_err(|why| anyhow::anyhow!("{why}; nothing was written"))?,
        }
        Ok(Some(name))
    }
}

impl LogArgs {
    pub fn clock(&self) -> anyhow::Result<Clock> {
        match &self.now {
            Some(t) => Clock::simulated(t).map_err(anyhow::Error::from),
            None => Ok(Clock::system()),
        }
    }

    pub fn open(&self, write: bool) -> anyhow::Result<Log> {
        let log = Log::open_dir(&self.dir, write)?;
        for f in &log.findings {
            eprintln!("log {}: {f}", self.dir.display());
        }
        Ok(log)
    }
}

#[derive(Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub log: LogArgs,
    /// The log's name in its checkpoints and key (no spaces or '+').
    #[arg(long, default_value = "fairdraw.local/audit-log")]
    pub origin: String,
    /// What the log publishes: `protected` (blinded snapshots; the full ones
    /// stay under private/) or `full` (the snapshots themselves).
    #[arg(long, default_value = "protected", value_parser = parse_publication)]
    pub publish: Publication,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

pub fn parse_publication(text: &str) -> Result<Publication, String> {
    Publication::parse(text).ok_or_else(|| format!("{text:?}: give protected or full"))
}

/// A witness policy on the command line.
#[derive(Args, Clone)]
pub struct PolicyArgs {
    /// A witness of the log as NAME=VKEY@URL (repeat); URL is the prefix of its /add-checkpoint.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// How many witnesses must cosign (1..number of witnesses; 0 only with none).
    #[arg(long)]
    pub quorum: Option<u64>,
}

impl PolicyArgs {
    /// The policy, `None` when no flag was given.
    fn policy(&self) -> anyhow::Result<Option<Policy>> {
        if self.witnesses.is_empty() && self.quorum.is_none() {
            return Ok(None);
        }
        let witnesses = self.witnesses.iter().map(|w| PolicyWitness::parse_flag(w)).collect::<Result<Vec<_>, _>>()?;
        let quorum = self.quorum.context("give --quorum K with --witness")?;
        Ok(Some(Policy::new(witnesses, quorum)?))
    }
}

#[derive(Args)]
pub struct PolicyCommandArgs {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Args)]
pub struct CommitArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// drand:quicknet:ROUND (a future round) or ceremony.
    #[arg(long)]
    pub beacon: String,
    /// Commit the plan as a batch of this logged annual plan (its AnnualPlan entry id, or 8+ hex digits).
    #[arg(long, requires = "batch")]
    pub annual: Option<String>,
    /// The batch's name in the annual plan (with --annual).
    #[arg(long, requires = "annual")]
    pub batch: Option<String>,
    #[command(flatten)]
    pub by: ByArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Args)]
pub struct RevealArgs {
    /// The commitment's id (or its first 8+ hex digits).
    pub id: String,
    /// The drand round as JSON ({"round","signature","randomness"}).
    #[arg(long, conflicts_with = "ceremony")]
    pub drand_json: Option<PathBuf>,
    /// Digits of a public ceremony (dice), at least 20.
    #[arg(long)]
    pub ceremony: Option<String>,
    /// A witness of the ceremony (repeat; at least 2).
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// The ceremony's time (RFC 3339 UTC, e.g. 2026-11-25T09:00:00Z); required under a witness policy.
    #[arg(long, requires = "ceremony")]
    pub at: Option<String>,
    /// Also write the draw document and the inspection list here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the inspection list beside --out as an Excel workbook (.xlsx)
    /// instead of CSV.
    #[arg(long, requires = "out")]
    pub xlsx: bool,
    #[command(flatten)]
    pub by: ByArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check every entry, checkpoint, snapshot and beacon (exit 1 on tampering).
    Verify {
        /// The log directory.
        #[arg(long = "log", default_value = DEFAULT_LOG)]
        dir: PathBuf,
        /// Verify a static mirror instead (what `fairdraw publish` wrote, served by any
        /// static host): its http:// or https:// prefix, with or without a trailing slash.
        /// The files are fetched (checkpoint first) and checked as a directory would be.
        #[arg(long, conflicts_with = "dir", value_name = "URL")]
        url: Option<String>,
        /// A checkpoint you saved earlier: the log must extend it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's verifier key as you saved it (default: the log's log.pub).
        #[arg(long)]
        vkey: Option<String>,
        /// The verifier's clock (RFC 3339) for tests: judges which drand
        /// rounds are already public [default: the real clock].
        #[arg(long)]
        now: Option<String>,
        /// Skip re-running every draw (then the report says it was skipped).
        #[arg(long)]
        no_replay: bool,
    },
    /// Write one firm's disclosure of a draw (its row, salt, proof and verdict) for that firm.
    Disclose {
        /// The firm's USCC.
        uscc: String,
        /// The log directory (the operator's, with private/).
        #[arg(long = "log", default_value = DEFAULT_LOG)]
        dir: PathBuf,
        /// The DrawResult's id (or its first 8+ hex digits).
        #[arg(long)]
        draw: String,
        /// Where to write the disclosure (JSON).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a firm's disclosure offline (exit 0 verified, 1 tampered, 2 not a disclosure).
    Disclosure {
        /// The disclosure file.
        file: PathBuf,
        /// The log's verifier key as you saved it, inline or a file [default: trust the one in the file].
        #[arg(long)]
        vkey: Option<String>,
    },
    /// Re-run every logged draw from its logged inputs and compare.
    Replay {
        /// The log directory.
        #[arg(long = "log", default_value = DEFAULT_LOG)]
        dir: PathBuf,
    },
    /// Write the auditor export: the public files and the auditor snapshots, no keys (LOG-FORMAT).
    Export {
        /// The log directory.
        #[arg(long = "log", default_value = DEFAULT_LOG)]
        dir: PathBuf,
        /// The new (or empty) directory to write the export to.
        #[arg(long = "for-auditor")]
        out: PathBuf,
    },
    /// Print the newest signed checkpoint (save it, pass it to verify later).
    Checkpoint {
        /// The log directory.
        #[arg(long = "log", default_value = DEFAULT_LOG)]
        dir: PathBuf,
    },
    /// Print an entry's receipt (C2SP tlog-proof), or check one with --check.
    Receipt {
        /// Entry id (prefix), or with --check a receipt file.
        what: String,
        /// Check the receipt file WHAT offline instead of printing a receipt.
        #[arg(long)]
        check: bool,
        /// The log directory.
        #[arg(long = "log", default_value = DEFAULT_LOG)]
        dir: PathBuf,
        /// With --check: the log's verifier key, inline or a file [default: the log's log.pub].
        #[arg(long)]
        vkey: Option<String>,
    },
}

pub fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let clock = args.log.clock()?;
    let policy = args.policy.policy()?;
    let more = policy.iter().map(|p| (Kind::WitnessPolicy, p.to_body())).collect();
    let mut log = Log::init_with(&args.log.dir, &args.origin, &clock.rfc3339, clock.simulated, args.publish, more)?;
    println!("created the log {} ({}), publication {}", args.log.dir.display(), log.origin, args.publish);
    println!("publish its verifier key: {}", log.vkey);
    println!(
        "the private key is in {}/private/log.key (mode 0600): keep it off the public server",
        args.log.dir.display()
    );
    if args.publish == Publication::Protected {
        println!(
            "protected: the blinding secret is in {}/{} (mode 0600) and the full snapshots will be in {}/{}/: keep private/ off the public server and back it up",
            args.log.dir.display(),
            fairdraw::log::publication::BLIND_KEY,
            args.log.dir.display(),
            fairdraw::log::publication::PRIVATE_SNAPSHOTS,
        );
    }
    let size = log.len();
    cosigned(&args.log.dir, flow::cosign_at(&mut log, size)?, "the log's first checkpoint")
}

/// Prints what the witnesses answered; exit 1 without a quorum.
pub fn cosigned(dir: &Path, cosigning: Option<Cosigning>, what: &str) -> anyhow::Result<ExitCode> {
    let Some(c) = cosigning else { return Ok(ExitCode::SUCCESS) };
    for f in &c.failures {
        eprintln!("{f}");
    }
    println!("{} of {} witness(es) cosigned {what} (quorum {})", c.cosigned.len(), c.of, c.quorum);
    if c.has_quorum() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("no witness quorum yet: ask again with `{} cosign --log {}`", super::self_command(), dir.display());
    Ok(ExitCode::from(1))
}

/// `fairdraw policy`: logs a new witness policy and asks its witnesses.
pub fn policy(args: &PolicyCommandArgs) -> anyhow::Result<ExitCode> {
    let policy = args.policy.policy()?.context("give --witness NAME=VKEY@URL … --quorum K (or --quorum 0 for none)")?;
    let clock = args.log.clock()?;
    let mut log = args.log.open(true)?;
    let ids = log.append(vec![(Kind::WitnessPolicy, policy.to_body())], &clock.rfc3339, clock.simulated)?;
    println!(
        "logged the witness policy ({} witness(es), quorum {}): {}",
        policy.witnesses.len(),
        policy.quorum,
        ids[0]
    );
    let size = log.len();
    cosigned(&args.log.dir, flow::cosign_at(&mut log, size)?, "the new checkpoint")
}

/// `fairdraw cosign`: asks the witnesses of the current policy again.
pub fn cosign(args: &LogArgs) -> anyhow::Result<ExitCode> {
    let mut log = args.open(true)?;
    let size = log.len();
    let c = flow::cosign_at(&mut log, size)?;
    if c.is_none() {
        println!("the log has no witness policy: nothing to cosign");
    }
    cosigned(&args.dir, c, &format!("the checkpoint of size {}", log.len()))
}

pub fn commit(args: &CommitArgs) -> anyhow::Result<ExitCode> {
    let choice = flow::parse_beacon(&args.beacon)?;
    let clock = args.log.clock()?;
    let mut loaded = files::load(&args.inputs.paths())?;
    warn_about(&loaded);
    let by = args.by.name(&args.log.dir)?;
    let mut log = args.log.open(true)?;
    if let (Some(annual), Some(batch)) = (&args.annual, &args.batch) {
        let plan = log.id(log.find(annual)?);
        loaded.plan.annual = Some(fairdraw::input::plan::AnnualRef { plan, batch: batch.trim().to_string() });
    }
    let id = flow::commit(&mut log, loaded, &choice, &clock, by)?;
    let commitment_index = log.len() - 1;
    let cosigning = flow::cosign_at(&mut log, commitment_index)?;
    let entry = log.entry(log.find(&id)?).map_err(anyhow::Error::msg)?;
    println!("committed plan {} (digest {})", entry.body["plan"]["name"], entry.body["plan_digest"]);
    println!("beacon: {}", entry.body["beacon"]);
    for x in entry.body["log_exclusions"].as_array().into_iter().flatten() {
        println!("excluded by the log: {} — {}", x["uscc"], x["reason"]);
    }
    if let Some(flagged) = entry.body.get("log_feedback").and_then(serde_json::Value::as_array) {
        // Spec §6.4: these firms leave their class strata for the feedback stratum.
        println!("结果反馈 feedback: the log flags {} firm(s) for the feedback stratum", flagged.len());
        for x in flagged {
            println!("flagged by the log: {} — {} (entry {})", x["uscc"], x["reason"], x["entry"]);
        }
    }
    let code = cosigned(&args.log.dir, cosigning, "the commitment")?;
    if code != ExitCode::SUCCESS {
        eprintln!(
            "the commitment is logged but unwitnessed: it can be revealed only if `fairdraw cosign` obtains the quorum before its deadline"
        );
    }
    println!("{id}");
    Ok(code)
}

pub fn reveal(args: &RevealArgs) -> anyhow::Result<ExitCode> {
    let offered = match (&args.drand_json, &args.ceremony) {
        (Some(path), None) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Offered::Drand(beacon::parse_round_json(&bytes).with_context(|| format!("{}", path.display()))?)
        }
        (None, Some(digits)) => {
            Offered::Ceremony { digits: digits.clone(), witnesses: args.witnesses.clone(), at: args.at.clone() }
        }
        _ => bail!("give the randomness: --drand-json FILE or --ceremony DIGITS --witness NAME --witness NAME"),
    };
    let clock = args.log.clock()?;
    let by = args.by.name(&args.log.dir)?;
    let mut log = args.log.open(true)?;
    let revealed = flow::reveal(&mut log, &args.id, &offered, &clock, by)?;
    let Some(doc) = &revealed.draw else {
        eprintln!("{}", revealed.failure.unwrap_or_default());
        eprintln!("this outcome is logged as entry {}; commit a relaxed plan to draw again", revealed.result_id);
        return Ok(ExitCode::from(2));
    };
    let mut out = std::io::stdout().lock();
    report::write_table(doc, &revealed.inputs.inspectors, &mut out)?;
    if let Some(path) = &args.out {
        write_atomically(path, (serde_json::to_string_pretty(doc)? + "\n").as_bytes())?;
        let list = path.with_extension(if args.xlsx { "xlsx" } else { "csv" });
        let mut bytes = Vec::new();
        report::write_list(&list, doc, &revealed.inputs.inspectors, &mut bytes)?;
        write_atomically(&list, &bytes)?;
        println!("draw document: {}", path.display());
    }
    if let Some(until) = revealed.sealed_until {
        println!(
            "sealed until {until} / 封存至 {until}: this list is for the bureau only; the log shows only its digest and counts until `{} unseal --log {} --draw {}` on or after {until}",
            super::self_command(),
            args.log.dir.display(),
            revealed.result_id
        );
    }
    println!("receipt: {}/receipts/{}.tlog-proof", args.log.dir.display(), revealed.result_id);
    let code = cosigned(&args.log.dir, revealed.cosigning, "the reveal")?;
    if code != ExitCode::SUCCESS {
        eprintln!("the draw is logged but its reveal is not witnessed yet: until it is, a rollback would go unnoticed");
    }
    println!("{}", revealed.result_id);
    Ok(code)
}

pub fn audit(cmd: &AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { dir, url, checkpoint, vkey, now, no_replay } => {
            let old = checkpoint
                .as_ref()
                .map(|p| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display())))
                .transpose()?;
            let vkey = vkey.as_deref().map(read_vkey).transpose()?;
            let clock = match now {
                Some(t) => Clock::simulated(t)?,
                None => Clock::system(),
            };
            // A mirror is fetched into a directory of its own, and then
            // checked as a log directory is.
            let fetched = url.as_deref().map(fetch_mirror).transpose()?;
            let (dir, tiles) = match &fetched {
                Some((copy, _)) => (copy.path(), audit_tiles::Scope::MirrorOfSize),
                None => (dir.as_path(), audit_tiles::Scope::Directory),
            };
            let options = audit::Options {
                vkey: vkey.as_deref(),
                old: old.as_deref(),
                now: Some(clock.unix),
                replay: !no_replay,
                tiles,
            };
            let mut report = audit::verify_with(dir, &options)?;
            if let Some((_, found)) = fetched {
                report.tampering.splice(0..0, found.tampering);
            }
            if *no_replay {
                println!("note: draws not replayed (--no-replay): an edited and re-signed draw would not be detected");
            }
            for w in &report.witnessed {
                println!("{w}");
            }
            println!("{}", report.visits);
            for n in &report.notes {
                println!("note: {n}");
            }
            if report.tampering.is_empty() {
                let replayed =
                    report.replayed.map_or("no draw replayed".to_string(), |n| format!("{n} draw(s) replayed"));
                println!(
                    "VERIFIED: {} entries, every checkpoint signature, root, snapshot and beacon checked, {} receipt(s) checked, {replayed}",
                    report.entries, report.receipts
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!("TAMPERED: {} problem(s)", report.tampering.len());
            for t in &report.tampering {
                println!("  {t}");
            }
            Ok(ExitCode::from(1))
        }
        AuditCommand::Disclose { uscc, dir, draw, out } => super::disclose::disclose(uscc, dir, draw, out),
        AuditCommand::Disclosure { file, vkey } => {
            super::disclose::check(file, vkey.as_deref().map(read_vkey).transpose()?.as_deref())
        }
        AuditCommand::Replay { dir } => {
            let log = Log::open_dir(dir, false)?;
            let lines = audit::replay(&log);
            for (_, line) in &lines {
                println!("{line}");
            }
            let diffs = lines.iter().filter(|(ok, _)| !ok).count();
            let skipped = lines.iter().filter(|(_, l)| l.starts_with("SKIP")).count();
            println!(
                "{} draw(s) replayed, {} identical, {diffs} different{}",
                lines.len() - skipped,
                lines.len() - diffs - skipped,
                if skipped > 0 {
                    format!(", {skipped} not replayed (protected log without the auditor export)")
                } else {
                    String::new()
                }
            );
            Ok(if diffs == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        AuditCommand::Export { dir, out } => super::seal::export(dir, out),
        AuditCommand::Checkpoint { dir } => {
            let log = Log::open_dir(dir, false)?;
            // With the witnesses' cosignature lines when it has them.
            print!("{}", log.served_checkpoint().context("the log has no checkpoint yet")?);
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Receipt { what, check, dir, vkey } => {
            if *check {
                let text = std::fs::read_to_string(what).with_context(|| format!("cannot read {what}"))?;
                let receipt = Receipt::parse(&text)?;
                let proven = hex::encode(fairdraw::model::merkle::leaf_hash(&receipt.entry));
                let named = Path::new(what).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                // A receipt named after an entry id must prove that entry: a
                // swapped file would otherwise vouch for the wrong draw.
                let stem = named.strip_suffix(audit_receipts::SUFFIX).unwrap_or(&named);
                let id_shaped =
                    stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if id_shaped && stem != proven {
                    println!("NOT VERIFIED: {what} is named after entry {stem} but proves entry {proven}");
                    return Ok(ExitCode::from(1));
                }
                let vkey = match vkey {
                    Some(v) => read_vkey(v)?,
                    None => {
                        std::fs::read_to_string(dir.join("log.pub")).context("give --vkey (the log's verifier key)")?
                    }
                };
                return Ok(match receipt.verify(&vkey) {
                    Ok(cp) => {
                        println!("VERIFIED: entry {} is in the log {} of size {}", receipt.index, cp.origin, cp.size);
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        println!("NOT VERIFIED: {e}");
                        ExitCode::from(1)
                    }
                });
            }
            let log = Log::open_dir(dir, false)?;
            print!("{}", log.receipt(log.find(what)?)?.to_text());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Fetches the static mirror at `url` into a temporary directory; the
/// first line of the report names it.
fn fetch_mirror(url: &str) -> anyhow::Result<(tempfile::TempDir, fetch::Fetched)> {
    let mirror = ObjectMirror::http(url)?;
    println!("log: {url} (static mirror)");
    let copy = tempfile::tempdir().context("creating a temporary directory for the fetched mirror")?;
    let found = fetch::fetch(&mirror, copy.path())?;
    Ok((copy, found))
}

/// A verifier key given inline or as a file.
fn read_vkey(v: &str) -> anyhow::Result<String> {
    let p = Path::new(v);
    if p.exists() {
        Ok(std::fs::read_to_string(p).with_context(|| format!("cannot read {v}"))?.trim().to_string())
    } else {
        Ok(v.trim().to_string())
    }
}

/// `fairdraw note`: a public remark in the log. `--repeat` appends many,
/// acknowledging each on its own line (the crash tests use it).
pub fn note(log_args: &LogArgs, text: &str, repeat: u64) -> anyhow::Result<ExitCode> {
    let clock = log_args.clock()?;
    let mut log = log_args.open(true)?;
    for k in 0..repeat.max(1) {
        let body = serde_json::json!({ "text": if repeat > 1 { format!("{text} #{k}") } else { text.to_string() } });
        let ids = log.append(vec![(fairdraw::log::entry::Kind::Note, body)], &clock.rfc3339, clock.simulated)?;
        println!("acked {} {}", log.len() - 1, ids[0]);
    }
    Ok(ExitCode::SUCCESS)
}
