//! `fairdraw draw` and `fairdraw verify`: one draw from files, no log.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use fairdraw::engine::draw::{self, Assignments};
use fairdraw::engine::{compare, report};
use fairdraw::input::files::{self, InputPaths, Inputs};
use fairdraw::model::ticket::Seed;

use super::write_atomically_with;

#[derive(Args, Clone)]
pub struct InputArgs {
    /// Enterprise registry CSV or .xlsx workbook (检查对象名录库).
    #[arg(long)]
    pub enterprises: PathBuf,
    /// Inspector roster CSV or .xlsx (执法检查人员名录库).
    #[arg(long)]
    pub inspectors: PathBuf,
    /// Recusal pairs CSV or .xlsx (回避名单).
    #[arg(long)]
    pub conflicts: Option<PathBuf>,
    /// Plan TOML.
    #[arg(long)]
    pub plan: PathBuf,
}

impl InputArgs {
    pub fn paths(&self) -> InputPaths {
        InputPaths {
            enterprises: self.enterprises.clone(),
            inspectors: self.inspectors.clone(),
            conflicts: self.conflicts.clone(),
            plan: self.plan.clone(),
        }
    }
}

#[derive(Args)]
pub struct DrawArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// The seed: any string (a beacon value, dice rolls).
    #[arg(long)]
    pub seed: String,
    /// Draw document (JSON) to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Inspection list to write: CSV, or an Excel workbook when the name
    /// ends in .xlsx [default: next to --out, with .csv].
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Do not print the table.
    #[arg(long)]
    pub quiet: bool,
    /// Print the time each phase took to standard error.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The draw document to check.
    pub draw: PathBuf,
    #[command(flatten)]
    pub inputs: InputArgs,
}

struct Phases {
    on: bool,
    last: Instant,
}

impl Phases {
    fn mark(&mut self, name: &str) {
        if self.on {
            eprintln!("phase {name:<22} {:>8.3} s", self.last.elapsed().as_secs_f64());
        }
        self.last = Instant::now();
    }
}

pub fn run_draw(args: &DrawArgs) -> anyhow::Result<()> {
    let mut phases = Phases { on: args.timings, last: Instant::now() };
    let inputs = files::load(&args.inputs.paths())?;
    warn_about(&inputs);
    phases.mark("load+validate");
    let registries = inputs.registries();
    let seed = Seed::new(&args.seed);
    // Detached, the assignments are made from a compact copy of what they
    // need rather than from rows and names all over the registry, twice.
    let doc = draw::draw_parts(&registries, &inputs.plan, &seed, |p| phases.mark(p))?.detached();
    let csv_path = args.csv.clone().unwrap_or_else(|| args.out.with_extension("csv"));
    // The document and the list are written as they are made, side by side.
    let (json, csv) = rayon::join(
        || {
            write_atomically_with(&args.out, |out| {
                serde_json::to_writer_pretty(&mut *out, &doc)?;
                out.write_all(b"\n")
            })
        },
        || write_atomically_with(&csv_path, |out| report::write_list(&csv_path, &doc, &inputs.inspectors, out)),
    );
    json?;
    csv?;
    phases.mark("output");
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        report::write_table(&doc, &inputs.inspectors, &mut out)?;
        writeln!(
            out,
            "\n抽签结果 Draw document: {}\n检查名单 Inspection list: {}",
            args.out.display(),
            csv_path.display()
        )?;
    }
    Ok(())
}

pub fn warn_about(inputs: &Inputs) {
    if inputs.plan.team.rotation && inputs.plan.history.is_empty() {
        eprintln!("warning: rotation is on but no history bars anyone (no team.history_file; `fairdraw commit` adds the audit log's history)");
    }
    if inputs.plan.inspection_date.is_none() && inputs.inspectors.iter().any(|i| i.cert_expires.is_some()) {
        eprintln!("warning: the plan has no inspection_date, so certificate expiry (证件有效期) is not checked");
    }
    let wakes_firms = inputs.plan.feedback.as_ref().is_some_and(|f| f.uses(fairdraw::input::plan::feedback::WOKEN));
    if wakes_firms && inputs.plan.scope.wake.is_none() {
        eprintln!("warning: [feedback] reasons lists woken but the plan has no scope.wake, so a woken 歇业 firm is in scope only if the registry says 存续 again (spec §6.4)");
    }
}

pub fn run_verify(draw_path: &Path, input_args: &InputArgs) -> anyhow::Result<ExitCode> {
    // The seed is read from the document's first bytes, where the draw
    // writes it, and the document is read whole once, to be compared: a
    // whole strict reading beforehand took a core from the parallel load
    // (about a second of CPU at 1e7). Only a document with its seed further
    // on is checked whole first, while the inputs load. Either way its
    // faults are reported as `seed_of` words them, and before any fault of
    // the inputs.
    let leading = compare::leading_seed(&read_start(draw_path, 1 << 16)?);
    let (seed, inputs) = match &leading {
        Some(seed) => (Ok(seed.clone()), files::load(&input_args.paths())),
        None => rayon::join(|| checked_seed(draw_path), || files::load(&input_args.paths())),
    };
    let seed = Seed::new(&seed?);
    // The registries are freed once what the recomputed assignments need
    // of them is copied out (a twentieth of their size), before the
    // document is read, so that verifying takes no more memory than
    // drawing did.
    let recomputed = inputs.map_err(anyhow::Error::from).and_then(|inputs| {
        let registries = inputs.registries();
        Ok(draw::draw_parts(&registries, &inputs.plan, &seed, |_| {})?.detached())
    });
    let recomputed = match recomputed {
        Ok(recomputed) => recomputed,
        Err(e) if leading.is_some() => return checked_seed(draw_path).and(Err(e)),
        Err(e) => return Err(e),
    };
    let verified = format!(
        "VERIFIED: {} strata, {} targets, plan digest {}, enterprises root {}",
        recomputed.strata.len(),
        recomputed.assignments.len(),
        recomputed.plan_digest,
        recomputed.snapshots.enterprises.root
    );
    let published = read_document(draw_path)?;
    let differences = compare::differences(recomputed, &published)
        // The comparison refuses whatever `seed_of` refuses; these are the
        // words every verifier uses.
        .or_else(|e| compare::seed_of(&published).and(Err(e)))
        .with_context(|| format!("{}", draw_path.display()))?;
    if differences.is_empty() {
        println!("{verified}");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "MISMATCH: {} difference(s) between {} and a draw recomputed from the inputs",
        differences.len(),
        draw_path.display()
    );
    for d in differences.iter().take(50) {
        println!("  {d}");
    }
    if differences.len() > 50 {
        println!("  … and {} more", differences.len() - 50);
    }
    Ok(ExitCode::from(1))
}

/// The first `len` bytes of a file, or all of it when shorter.
fn read_start(path: &Path, len: u64) -> anyhow::Result<Vec<u8>> {
    let mut start = Vec::new();
    let file = std::fs::File::open(path);
    file.and_then(|f| f.take(len).read_to_end(&mut start))
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(start)
}

fn read_document(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The seed of the document at `path`, checked whole (spec §9.1).
fn checked_seed(path: &Path) -> anyhow::Result<String> {
    compare::seed_of(&read_document(path)?).with_context(|| format!("{}", path.display()))
}
