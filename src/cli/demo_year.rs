//! `fairdraw demo year`: a small city's year (data/year/) end to end in a
//! fresh log — the annual plan public before any batch, four batches of
//! three departments committed and revealed by public ceremonies, the
//! overlapping ones merged into joint visits, caps from the burden ledger,
//! a dormant firm woken by a complaint, a desk review with one responsible
//! inspector per firm — then the whole log verified and replayed. What it
//! says about each step it reads back from the log, and it exits 1 when
//! the log does not show it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use fairdraw::engine::draw::DrawDoc;
use fairdraw::engine::report;
use fairdraw::engine::select::ScopeFilter;
use fairdraw::input::checks;
use fairdraw::input::files::{self, InputPaths, Inputs};
use fairdraw::input::plan::AnnualRef;
use fairdraw::input::table::FileSource;
use fairdraw::log::entry::Entry;
use fairdraw::log::flow::{self, BeaconChoice, Clock, Offered};
use fairdraw::log::publication::Publication;
use fairdraw::log::store::Log;
use fairdraw::log::{annual, audit, wakes};

use super::{data_dir, self_command};

/// One batch of data/year/annual-2027.toml and how the demo draws it.
struct Batch {
    /// The batch plan, in data/year/.
    file: &'static str,
    /// Its name in the annual plan.
    name: &'static str,
    /// When it is committed and revealed (the simulated clock, UTC).
    at: &'static str,
    /// The digits of its public ceremony (a demo: digits of π, e, √2, φ).
    digits: &'static str,
}

const BATCHES: [Batch; 4] = [
    Batch {
        file: "batch-1-market.toml",
        name: "第一批：住宿餐饮食品经营",
        at: "2027-03-01T02:00:00Z",
        digits: "31415926535897932384626433",
    },
    Batch {
        file: "batch-2-health.toml",
        name: "第二批：住宿场所公共卫生",
        at: "2027-04-01T02:00:00Z",
        digits: "27182818284590452353602874",
    },
    Batch {
        file: "batch-3-safety.toml",
        name: "第三批：住宿场所和加油站安全生产",
        at: "2027-06-01T02:00:00Z",
        digits: "14142135623730950488016887",
    },
    Batch {
        file: "batch-4-desk.toml",
        name: "第四批：企业公示信息书面核查",
        at: "2027-09-01T02:00:00Z",
        digits: "16180339887498948482045868",
    },
];

/// The two witnesses of every ceremony.
const WITNESSES: [&str; 2] = ["公证员王某", "企业代表李某"];
/// The account that files the annual plan.
const FILED_BY: &str = "市场监督管理局张科长";
const INIT_AT: &str = "2027-01-04T01:00:00Z";
const ANNUAL_AT: &str = "2027-01-05T02:00:00Z";
/// Checks made outside fairdraw, imported between batches 2 and 3.
const IMPORT_AT: &str = "2027-05-10T02:00:00Z";
/// The complaint that wakes the dormant hotel, between batches 2 and 3.
const WAKE_AT: &str = "2027-05-20T02:00:00Z";

/// What the year showed, claim by claim; the demo fails unless all hold.
#[derive(Default)]
struct Claims(Vec<(bool, String)>);

impl Claims {
    fn check(&mut self, holds: bool, what: String) {
        println!("{} {what}", if holds { "✓" } else { "✗ NOT SHOWN:" });
        self.0.push((holds, what));
    }
    fn all_hold(&self) -> bool {
        self.0.iter().all(|(ok, _)| *ok)
    }
}

pub fn run(out_dir: &Path, publication: Publication) -> anyhow::Result<ExitCode> {
    // A protected log's blinded snapshots are salted at random, so its seeds,
    // and with them the joint visits this demo shows, change from run to run.
    anyhow::ensure!(
        publication == Publication::Full,
        "the year demo writes a full log (its draws are the same on every run, and every verifier replays them); --publish {publication} is for `demo draw`"
    );
    let year = data_dir().join("year");
    let log_dir = out_dir.join("year-log");
    if log_dir.exists() {
        std::fs::remove_dir_all(&log_dir).with_context(|| format!("removing the previous {}", log_dir.display()))?;
    }
    let at = |t: &str| Clock::simulated(t).map_err(anyhow::Error::from);
    let mut claims = Claims::default();

    println!(
        "== 1. 建立审计日志 A fresh audit log for the year in {} (publication {publication}) ==",
        log_dir.display()
    );
    let mut log = Log::init_with(&log_dir, "fairdraw.local/year-log", INIT_AT, true, publication, Vec::new())?;
    println!("verifier key: {}", log.vkey);

    println!("\n== 2. 公开年度抽查计划 The annual plan, public before any batch ==");
    let plan = super::annual::load(&year.join("annual-2027.toml"))?;
    let annual_id = super::annual::log_annual(&mut log, &plan, Some(FILED_BY), &at(ANNUAL_AT)?)?;
    let annual_index = log.find(&annual_id)?;
    println!(
        "年度计划《{}》已记入日志第 {annual_index} 条：{} 个部门、{} 个批次。\nThe annual plan is entry {annual_index} ({annual_id}): {} departments, {} batches.",
        plan.name,
        plan.departments.len(),
        plan.batches.len(),
        plan.departments.len(),
        plan.batches.len()
    );
    for b in &plan.batches {
        println!("  {} · {} · {} … {}", b.name, b.department, b.start, b.end);
    }

    let paths = |file: &str| InputPaths {
        enterprises: year.join("enterprises.csv"),
        inspectors: data_dir().join("inspectors.csv"),
        conflicts: Some(year.join("conflicts.csv")),
        plan: year.join(file),
    };
    let woken = first_event(&year.join("wake-ups.csv"))?;
    let mut capped = String::new();
    for (n, batch) in BATCHES.iter().enumerate() {
        if n == 2 {
            import_checks(&mut log, &year.join("external-checks.csv"), &at(IMPORT_AT)?)?;
            wake(&mut log, &year.join("wake-ups.csv"), &at(WAKE_AT)?)?;
        }
        let step = if n < 2 { n + 3 } else { n + 5 };
        let (commitment, inputs, doc) = draw_batch(&mut log, &annual_id, batch, &paths(batch.file), step)?;
        let commitment_index = log.find(&commitment)?;
        if n == 0 {
            claims.check(
                annual_index < commitment_index,
                format!("年度计划（第 {annual_index} 条）先于第一批承诺（第 {commitment_index} 条）公开 / the annual plan (entry {annual_index}) is public before batch 1's commitment (entry {commitment_index})"),
            );
        }
        let dormant = Dormant { uscc: &woken, inputs: &inputs, doc: &doc };
        match n {
            1 => {
                dormant.skipped(&mut claims);
                joint_visits(&log, &inputs, &mut claims);
            }
            2 => {
                capped = caps(&log, &commitment, &inputs, &mut claims)?;
                dormant.woken(&log, &commitment, &mut claims)?;
            }
            3 => off_site(&doc, &inputs, &mut claims),
            _ => {}
        }
    }
    drop(log);

    println!("\n== 9. 核验整个日志 Verifying the whole log and replaying every batch ==");
    let report = audit::verify(&log_dir, None, None)?;
    report.notes.iter().for_each(|n| println!("note: {n}"));
    report.tampering.iter().for_each(|t| println!("TAMPERED: {t}"));
    let verified = report.tampering.is_empty();
    if verified {
        println!("VERIFIED: {} entries; {}", report.entries, report.visits);
    }
    let log = Log::open_dir(&log_dir, false)?;
    let replay = audit::replay(&log);
    replay.iter().for_each(|(_, line)| println!("{line}"));
    let replayed = replay.len() == BATCHES.len() && replay.iter().all(|(ok, _)| *ok);
    claims.check(
        replayed,
        format!("{} 个批次全部由日志重放一致 / all {} batches replay from the log", BATCHES.len(), BATCHES.len()),
    );

    let d = log_dir.display();
    let me = self_command();
    println!("\n== 接下来 Where to look next ==");
    println!("  {d}/entries.jsonl   the log: one JSON entry per line (audit/LOG-FORMAT.md)");
    println!("  {me} plan visits --log {d}          the visits, joint ones merged, and the rate");
    println!(
        "  {me} ledger {capped} --log {d} --year 2027 --plan {}   a firm's checks against the caps",
        year.join(BATCHES[2].file).display()
    );
    println!("  {me} serve --log {d}                the page: 年度计划 /plans, each batch, each firm");
    println!("  the two other verifiers, written from the spec:");
    println!("  python3 audit/verify.py log {d}   replays every batch");
    println!("  node web/verify.js log {d}        checks the log, the caps and the visits");
    Ok(if verified && claims.all_hold() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The USCC of the first row of the wake-up events file.
fn first_event(file: &Path) -> anyhow::Result<String> {
    let bodies = wakes::read_events(&FileSource::new(file), None)?;
    let first = bodies.first().with_context(|| format!("{} has no wake-up", file.display()))?;
    Ok(first["uscc"].as_str().unwrap_or_default().to_string())
}

/// Commits one batch as a batch of the annual plan and reveals it.
fn draw_batch(
    log: &mut Log,
    annual_id: &str,
    batch: &Batch,
    paths: &InputPaths,
    step: usize,
) -> anyhow::Result<(String, Inputs, DrawDoc)> {
    let clock = Clock::simulated(batch.at)?;
    let mut loaded = files::load(paths)?;
    println!(
        "\n== {step}. {} · {} · {} ==",
        batch.name,
        loaded.plan.department,
        if loaded.plan.off_site() {
            format!("非现场检查 off site: {}", loaded.plan.method)
        } else {
            "实地检查 on site".to_string()
        }
    );
    loaded.plan.annual = Some(AnnualRef { plan: annual_id.to_string(), batch: batch.name.to_string() });
    let commitment = flow::commit(log, loaded, &BeaconChoice::Ceremony, &clock, None)?;
    let entry = log.entry(log.find(&commitment)?)?;
    println!("承诺 committed: entry {} ({commitment}), plan {}", log.find(&commitment)?, paths.plan.display());
    let exclusions = entry.body["log_exclusions"].as_array().cloned().unwrap_or_default();
    let offered = Offered::Ceremony {
        digits: batch.digits.to_string(),
        witnesses: WITNESSES.iter().map(|w| w.to_string()).collect(),
        at: None,
    };
    let revealed = flow::reveal(log, &commitment, &offered, &clock, None)?;
    println!(
        "揭示 revealed: entry {} — ceremony digits {} witnessed by {}",
        log.len() - 1,
        batch.digits,
        WITNESSES.join("、")
    );
    let doc = revealed.draw.with_context(|| format!("batch {} is infeasible", batch.name))?;
    for x in &exclusions {
        println!(
            "日志排除 excluded by the log: {} {} — {}",
            x["uscc"].as_str().unwrap_or_default(),
            name_of(&revealed.inputs, x["uscc"].as_str().unwrap_or_default()),
            x["reason"].as_str().unwrap_or_default()
        );
    }
    report::write_table(&doc, &revealed.inputs.inspectors, &mut std::io::stdout().lock())?;
    Ok((commitment, revealed.inputs, doc))
}

fn name_of<'a>(inputs: &'a Inputs, uscc: &str) -> &'a str {
    let e = &inputs.enterprises;
    e.find(uscc).map_or("", |i| e.name(&e.rows[i]))
}

/// Logs the checks made outside fairdraw (the burden ledger counts them).
fn import_checks(log: &mut Log, file: &Path, clock: &Clock) -> anyhow::Result<()> {
    println!("\n== 5. 导入外部检查 Checks made outside fairdraw, into the burden ledger ==");
    let rows = checks::read_checks(&FileSource::new(file))?;
    for c in &rows {
        let s = |k: &str| c[k].as_str().unwrap_or("-").to_string();
        println!("  {} {} · {} · {} · {}", s("date"), s("uscc"), s("department"), s("method"), s("reference"));
    }
    let source = file.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let id = super::ledger::log_checks(log, rows, &source, None, clock)?;
    println!("已记入日志第 {} 条 / logged as entry {} ({id})", log.len() - 1, log.len() - 1);
    Ok(())
}

/// Logs the wake-up events (spec §6.3): the woken firms enter later pools.
fn wake(log: &mut Log, file: &Path, clock: &Clock) -> anyhow::Result<()> {
    println!("\n== 6. 休眠唤醒 A complaint wakes a dormant (歇业) firm ==");
    let bodies = wakes::read_events(&FileSource::new(file), None)?;
    for b in &bodies {
        println!(
            "  {} · {} · {}",
            b["uscc"].as_str().unwrap_or_default(),
            b["reason"].as_str().unwrap_or_default(),
            b["note"].as_str().unwrap_or_default()
        );
    }
    let first = log.len();
    super::wake::log_wake_ups(log, bodies, clock)?;
    println!("已记入日志第 {first} 条起 / logged as WakeUp entries from {first}");
    Ok(())
}

/// The dormant firm the wake-up events name, as one batch sees it.
struct Dormant<'a> {
    uscc: &'a str,
    /// The batch's inputs as the log holds them (the effective plan).
    inputs: &'a Inputs,
    doc: &'a DrawDoc,
}

impl Dormant<'_> {
    /// In the batch's pool: in its effective plan's scope and not excluded.
    fn in_pool(&self) -> bool {
        let e = &self.inputs.enterprises;
        let scope = ScopeFilter::new(&self.inputs.plan, e);
        e.find(self.uscc).is_some_and(|i| scope.in_scope(&e.rows[i]))
            && !self.inputs.plan.exclude.iter().any(|x| x == self.uscc)
    }

    fn drawn(&self) -> bool {
        self.doc.assignments.iter().any(|a| a.uscc == self.uscc)
    }

    fn name(&self) -> &str {
        name_of(self.inputs, self.uscc)
    }

    /// Before its wake-up: out of the pool of a batch that woke no one.
    fn skipped(&self, claims: &mut Claims) {
        let status =
            self.inputs.enterprises.find(self.uscc).map_or("?", |i| self.inputs.enterprises.rows[i].status.label());
        claims.check(
            status == "歇业" && !self.in_pool() && !self.drawn(),
            format!(
                "{} {}（{status}）在本批范围的地区和行业内，但尚无唤醒事件：不在抽查池中 / is in this batch's regions and industries but dormant with no wake-up: not in the pool",
                self.uscc,
                self.name()
            ),
        );
    }

    /// After its wake-up: the commitment records it and it is in the pool.
    fn woken(&self, log: &Log, commitment: &str, claims: &mut Claims) -> anyhow::Result<()> {
        let entry = log.entry(log.find(commitment)?)?;
        let recorded = entry.body["log_wakes"].as_array().into_iter().flatten().find(|w| w["uscc"] == self.uscc);
        let by = recorded
            .and_then(|w| w["entry"].as_str())
            .map_or("-".to_string(), |id| log.find(id).map_or(id.to_string(), |i| format!("entry {i}")));
        claims.check(
            recorded.is_some() && self.in_pool(),
            format!(
                "{} {} 被唤醒事件（{by}）带回抽查池，{} / the wake-up ({by}) put it back in the pool; {}",
                self.uscc,
                self.name(),
                if self.drawn() { "本批抽中" } else { "本批未抽中" },
                if self.drawn() { "drawn in this batch" } else { "its ticket was not small enough this time" }
            ),
        );
        Ok(())
    }
}

/// The joint visits so far (LOG-FORMAT "Joint visits").
fn joint_visits(log: &Log, inputs: &Inputs, claims: &mut Claims) {
    println!("\n-- 联合检查 Joint visits: overlapping windows, one visit (进一次门、查多项事) --");
    let entries: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
    let visits = annual::visits(&entries);
    let joint: Vec<&annual::Visit> = visits.iter().filter(|v| v.is_joint()).collect();
    for v in &joint {
        let (start, end) = v.window.clone().unwrap_or_default();
        println!(
            "  {} {} · {start} … {end} · 牵头 lead {} · {} · {}",
            v.uscc,
            name_of(inputs, &v.uscc),
            v.lead,
            v.departments.join("+"),
            v.items.join("、")
        );
    }
    claims.check(
        !joint.is_empty(),
        format!(
            "两批都抽中的 {} 户合并为联合检查 / {} firm(s) drawn by both batches: joint visits — {}",
            joint.len(),
            joint.len(),
            annual::rate_line(&visits)
        ),
    );
}

/// The caps of the batch and the firms they kept out (reasons as logged);
/// returns the first of them.
fn caps(log: &Log, commitment: &str, inputs: &Inputs, claims: &mut Claims) -> anyhow::Result<String> {
    println!("\n-- 年度上限 Caps from the burden ledger --");
    let set: Vec<String> =
        inputs.plan.caps.named().iter().filter_map(|(k, n)| n.map(|n| format!("{k} = {n}"))).collect();
    println!("  本批上限 this batch's caps: {}", set.join(", "));
    let entry = log.entry(log.find(commitment)?)?;
    let mut by_cap: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for x in entry.body["log_exclusions"].as_array().into_iter().flatten() {
        let reason = x["reason"].as_str().unwrap_or_default();
        if let Some(cap) = reason.split("(cap ").nth(1).and_then(|c| c.split_whitespace().next()) {
            by_cap.entry(cap.to_string()).or_default().push(x["uscc"].as_str().unwrap_or_default().to_string());
        }
    }
    for (cap, firms) in &by_cap {
        let named: Vec<String> = firms.iter().map(|u| format!("{u} {}", name_of(inputs, u))).collect();
        println!("  {cap}: {}", named.join("；"));
    }
    claims.check(
        by_cap.len() >= 2,
        format!(
            "台账上限排除了已达上限的企业（{} 种上限）/ the ledger's caps kept out the firms that reached them ({} caps at work)",
            by_cap.len(),
            by_cap.len()
        ),
    );
    Ok(by_cap.values().flatten().next().cloned().unwrap_or_default())
}

/// An off-site batch: one responsible inspector per target, no team, no expert.
fn off_site(doc: &DrawDoc, inputs: &Inputs, claims: &mut Claims) {
    println!("\n-- 非现场检查 Off-site: one responsible inspector per firm, nobody visits --");
    let names: BTreeMap<&str, &str> = inputs.inspectors.iter().map(|i| (i.id.as_str(), i.name.as_str())).collect();
    for a in &doc.assignments {
        let who: Vec<String> =
            a.inspectors.iter().map(|id| format!("{}({id})", names.get(id.as_str()).unwrap_or(&""))).collect();
        println!("  {} {} — 责任人 responsible: {}", a.uscc, a.name, who.join("、"));
    }
    let single = doc.assignments.iter().all(|a| a.inspectors.len() == 1 && a.experts.is_empty());
    claims.check(
        !doc.assignments.is_empty() && single,
        format!(
            "书面核查的 {} 户每户只有一名责任检查人员，没有实地检查组 / each of the {} desk-review targets has one responsible inspector and no on-site team",
            doc.assignments.len(),
            doc.assignments.len()
        ),
    );
}
