//! `fairdraw demo`: the whole flow on the bundled sample data, into a fresh
//! log — init, commit to a drand round, reveal it with the bundled signed
//! round, verify the log, replay the draw — then where to look next.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use fairdraw::engine::draw::DrawDoc;
use fairdraw::engine::report;
use fairdraw::input::files::{self, InputPaths};
use fairdraw::log::audit;
use fairdraw::log::beacon::{self, QUICKNET};
use fairdraw::log::disclosure;
use fairdraw::log::flow::{self, BeaconChoice, Clock, Offered};
use fairdraw::log::publication::Publication;
use fairdraw::log::store::Log;

use super::{data_dir, self_command, write_atomically};

/// Which demo `fairdraw demo` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// One plan of the sample data, committed to a drand round.
    Draw,
    /// A small city's year of four batches, in data/year/.
    Year,
}

/// The bundled quicknet round; the demo's simulated clock sits just before it.
const ROUND: u64 = 12040883;

pub fn run(out_dir: &Path, publication: Publication) -> anyhow::Result<ExitCode> {
    let data = data_dir();
    let log_dir = out_dir.join("demo-log");
    if log_dir.exists() {
        std::fs::remove_dir_all(&log_dir).with_context(|| format!("removing the previous {}", log_dir.display()))?;
    }
    let emitted = beacon::round_time(&QUICKNET, ROUND).expect("round exists");
    let at = |secs: u64| {
        Clock::simulated(
            &humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
                .to_string(),
        )
    };
    let before = at(emitted - 120)?;
    let after = at(emitted + 30)?;

    println!("== 1. 建立审计日志 Creating a fresh audit log in {} (publication {publication}) ==", log_dir.display());
    let mut log = Log::init_with(&log_dir, "fairdraw.local/demo-log", &before.rfc3339, true, publication, Vec::new())?;
    println!("verifier key: {}", log.vkey);

    let paths = InputPaths {
        enterprises: data.join("enterprises.csv"),
        inspectors: data.join("inspectors.csv"),
        conflicts: Some(data.join("conflicts.csv")),
        plan: data.join("plan-single.toml"),
    };
    println!("\n== 2. 抽查前公开承诺 Committing to the plan, the registries and drand quicknet round {ROUND} (simulated clock {}) ==", before.rfc3339);
    let loaded = files::load(&paths)?;
    let commitment =
        flow::commit(&mut log, loaded, &BeaconChoice::Drand { chain: &QUICKNET, round: ROUND }, &before, None)?;
    println!("commitment: {commitment}");
    let checkpoint = log.latest_checkpoint().unwrap_or_default().to_string();
    write_atomically(&out_dir.join("demo-checkpoint-after-commit.txt"), checkpoint.as_bytes())?;

    println!("\n== 3. 揭示随机数并抽签 Revealing the signed drand round and drawing ==");
    let round_file = data.join("drand/round-12040883.json");
    let round =
        beacon::parse_round_json(&std::fs::read(&round_file).with_context(|| format!("{}", round_file.display()))?)?;
    let revealed = flow::reveal(&mut log, &commitment, &Offered::Drand(round), &after, None)?;
    let doc = revealed.draw.as_ref().context("the demo plan is feasible")?;
    report::write_table(doc, &revealed.inputs.inspectors, &mut std::io::stdout().lock())?;
    write_atomically(&out_dir.join("demo-draw.json"), (serde_json::to_string_pretty(doc)? + "\n").as_bytes())?;
    let mut csv = Vec::new();
    report::write_csv(doc, &revealed.inputs.inspectors, &mut csv)?;
    write_atomically(&out_dir.join("demo-draw.csv"), &csv)?;
    drop(log);

    println!("\n== 4. 核验日志 Verifying the whole log ==");
    let old = std::fs::read_to_string(out_dir.join("demo-checkpoint-after-commit.txt"))?;
    let report = audit::verify(&log_dir, None, Some(&old))?;
    report.notes.iter().for_each(|n| println!("note: {n}"));
    report.tampering.iter().for_each(|t| println!("TAMPERED: {t}"));
    let verified = report.tampering.is_empty();
    if verified {
        println!("VERIFIED: {} entries", report.entries);
    }

    println!("\n== 5. 重放抽签 Replaying every draw from the log alone ==");
    let log = Log::open_dir(&log_dir, false)?;
    let replay = audit::replay(&log);
    replay.iter().for_each(|(_, line)| println!("{line}"));
    let replayed = replay.iter().all(|(ok, _)| *ok);

    let disclosed = match publication {
        Publication::Protected => disclose(&log, doc, &revealed.result_id, out_dir)?,
        Publication::Full => true,
    };

    let d = log_dir.display();
    let o = out_dir.display();
    let data = data.display();
    println!("\n== 接下来 Where to look next ==");
    println!("  {o}/demo-draw.json, {o}/demo-draw.csv     the draw document and the inspection list (Excel)");
    println!(
        "  {d}/entries.jsonl                       the log: one JSON entry per line (format: audit/LOG-FORMAT.md)"
    );
    println!("  {d}/receipts/{}.tlog-proof   the draw's receipt", revealed.result_id);
    let me = self_command();
    println!("  {me} audit verify --log {d} --checkpoint {o}/demo-checkpoint-after-commit.txt");
    println!("  {me} audit replay --log {d}");
    println!("  python3 audit/verify.py {o}/demo-draw.json --enterprises {data}/enterprises.csv --inspectors {data}/inspectors.csv --conflicts {data}/conflicts.csv --plan {data}/plan-single.toml");
    println!("  node web/verify.js      (same arguments)");
    if publication == Publication::Protected {
        println!("  {o}/demo-disclosure.json   one firm's disclosure, checked offline by:");
        println!("  {me} audit disclosure {o}/demo-disclosure.json");
        println!("  python3 audit/verify.py disclosure {o}/demo-disclosure.json");
        println!("  node web/verify.js disclosure {o}/demo-disclosure.json");
    }
    Ok(if verified && replayed && disclosed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Step 6 of a protected demo: the first selected firm's disclosure,
/// written and checked as the firm would check it.
fn disclose(log: &Log, doc: &DrawDoc, result_id: &str, out_dir: &Path) -> anyhow::Result<bool> {
    let uscc = &doc.assignments.first().context("the demo draws some firms")?.uscc;
    println!("\n== 6. 企业自查 One firm's disclosure: {uscc} checks its own selection ==");
    let d = disclosure::make(log, uscc, result_id)?;
    let path = out_dir.join("demo-disclosure.json");
    let text = serde_json::to_string_pretty(&d)? + "\n";
    write_atomically(&path, text.as_bytes())?;
    let checked = disclosure::check(text.as_bytes(), Some(&log.vkey))?;
    checked.problems.iter().for_each(|p| println!("NOT VERIFIED: {p}"));
    if checked.problems.is_empty() {
        println!("VERIFIED: {uscc} — {}", d["verdict"]["why"].as_str().unwrap_or_default());
    }
    Ok(checked.problems.is_empty())
}
