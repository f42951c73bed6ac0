//! The `fairdraw` command: wiring only. Exit codes: 0 ok, 1 verification
//! failed, 2 error (bad input, infeasible plan, unreadable file).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use fairdraw::draw::{self, DrawDoc};
use fairdraw::inputs::{self, InputPaths, Inputs};
use fairdraw::ticket::Seed;
use fairdraw::{report, select, synth, verify};

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
    /// Run a complete draw on the bundled sample data in data/ and verify it.
    Demo {
        /// Where to write the demo's outputs.
        #[arg(long, default_value = "out")]
        out_dir: PathBuf,
    },
    /// Generate a synthetic registry (enterprises.csv, inspectors.csv, conflicts.csv).
    Gen {
        #[arg(long, default_value_t = 5000)]
        enterprises: u64,
        #[arg(long, default_value_t = 120)]
        inspectors: u32,
        #[arg(long, default_value_t = 60)]
        conflicts: u32,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long)]
        out_dir: PathBuf,
    },
}

#[derive(Args, Clone)]
struct InputArgs {
    /// Enterprise registry CSV (检查对象名录库).
    #[arg(long)]
    enterprises: PathBuf,
    /// Inspector roster CSV (执法检查人员名录库).
    #[arg(long)]
    inspectors: PathBuf,
    /// Recusal pairs CSV (回避名单).
    #[arg(long)]
    conflicts: Option<PathBuf>,
    /// Plan TOML.
    #[arg(long)]
    plan: PathBuf,
}

impl InputArgs {
    fn paths(&self) -> InputPaths {
        InputPaths {
            enterprises: self.enterprises.clone(),
            inspectors: self.inspectors.clone(),
            conflicts: self.conflicts.clone(),
            plan: self.plan.clone(),
        }
    }
}

#[derive(Args)]
struct DrawArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// The seed: any string (a beacon value, dice rolls).
    #[arg(long)]
    seed: String,
    /// Draw document (JSON) to write.
    #[arg(long)]
    out: PathBuf,
    /// Inspection list CSV to write [default: next to --out, with .csv].
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Do not print the table.
    #[arg(long)]
    quiet: bool,
    /// Print the time each phase took to standard error.
    #[arg(long)]
    timings: bool,
}

#[derive(Args)]
struct VerifyArgs {
    /// The draw document to check.
    draw: PathBuf,
    #[command(flatten)]
    inputs: InputArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Draw(args) => run_draw(&args).map(|_| ExitCode::SUCCESS),
        Command::Verify(args) => run_verify(&args.draw, &args.inputs),
        Command::Demo { out_dir } => run_demo(&out_dir),
        Command::Gen { enterprises, inspectors, conflicts, seed, out_dir } => {
            let cfg = synth::SynthConfig { enterprises, inspectors, conflicts, seed };
            std::fs::create_dir_all(&out_dir)
                .and_then(|_| synth::write_all(&cfg, &out_dir))
                .with_context(|| format!("writing {}", out_dir.display()))
                .map(|_| ExitCode::SUCCESS)
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(2)
    })
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

fn run_draw(args: &DrawArgs) -> anyhow::Result<DrawDoc> {
    let mut phases = Phases { on: args.timings, last: Instant::now() };
    let inputs = inputs::load(&args.inputs.paths())?;
    warn_about(&inputs);
    phases.mark("load+validate");
    let reg = inputs.registries();
    let seed = Seed::new(&args.seed);
    let snapshots = draw::snapshots(&reg);
    phases.mark("snapshot roots");
    let strata = select::select(&inputs.enterprises, &inputs.plan, &seed);
    phases.mark("tickets+selection");
    let targets = draw::targets(&inputs.enterprises, &strata);
    let assigned = draw::teams(&reg, &inputs.plan, &targets, &args.seed)?;
    phases.mark("assignment");
    let doc = draw::document(&reg, &inputs.plan, &seed, snapshots, &strata, &assigned.teams);
    let json = serde_json::to_string_pretty(&doc)? + "\n";
    write_atomically(&args.out, json.as_bytes())?;
    let csv_path = args.csv.clone().unwrap_or_else(|| args.out.with_extension("csv"));
    let mut csv = Vec::new();
    report::write_csv(&doc, &inputs.inspectors, &mut csv)?;
    write_atomically(&csv_path, &csv)?;
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
    Ok(doc)
}

fn warn_about(inputs: &Inputs) {
    if inputs.plan.inspection_date.is_none() && inputs.inspectors.iter().any(|i| i.cert_expires.is_some()) {
        eprintln!("warning: the plan has no inspection_date, so certificate expiry (证件有效期) is not checked");
    }
}

fn run_verify(draw_path: &Path, input_args: &InputArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(draw_path).with_context(|| format!("cannot read {}", draw_path.display()))?;
    let published: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not a JSON draw document", draw_path.display()))?;
    let seed = published["seed"].as_str().with_context(|| format!("{} has no \"seed\" string", draw_path.display()))?;
    let inputs = inputs::load(&input_args.paths())?;
    let recomputed = draw::draw(&inputs.registries(), &inputs.plan, seed)?;
    let differences = verify::compare(&serde_json::to_value(&recomputed)?, &published);
    if differences.is_empty() {
        println!(
            "VERIFIED: {} strata, {} targets, plan digest {}, enterprises root {}",
            recomputed.strata.len(),
            recomputed.assignments.len(),
            recomputed.plan_digest,
            recomputed.snapshots.enterprises.root
        );
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

/// Writes via a temporary file and a rename, so a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("out")));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The bundled sample data, from the working directory or the source tree.
fn data_dir() -> PathBuf {
    let here = PathBuf::from("data");
    if here.join("enterprises.csv").exists() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
    }
}

const DEMO_SEED: &str = "2026-11-25 公开摇号 demo seed";

fn run_demo(out_dir: &Path) -> anyhow::Result<ExitCode> {
    let data = data_dir();
    let input_args = InputArgs {
        enterprises: data.join("enterprises.csv"),
        inspectors: data.join("inspectors.csv"),
        conflicts: Some(data.join("conflicts.csv")),
        plan: data.join("plan-single.toml"),
    };
    let out = out_dir.join("demo-draw.json");
    let args = DrawArgs {
        inputs: input_args.clone(),
        seed: DEMO_SEED.into(),
        out: out.clone(),
        csv: None,
        quiet: false,
        timings: false,
    };
    run_draw(&args)?;
    println!("\n== 复核 Verifying the draw from its inputs ==");
    let code = run_verify(&out, &input_args)?;
    let cmd_args = format!(
        "{} --enterprises {} --inspectors {} --conflicts {} --plan {}",
        out.display(),
        input_args.enterprises.display(),
        input_args.inspectors.display(),
        data.join("conflicts.csv").display(),
        input_args.plan.display()
    );
    println!("\nNext: check it yourself with code we did not write in Rust:");
    println!("  python3 audit/verify.py {cmd_args}");
    println!("  node web/verify.js {cmd_args}");
    println!(
        "Other sample plans: data/plan-joint.toml (联合检查), data/plan-cross.toml (所所交叉), data/plan-minimal.toml"
    );
    Ok(code)
}
