//! `fairdraw export results|open-data`, `fairdraw import results` and
//! `fairdraw stats`: the hand-off to the publicity system, the open-data
//! download and the year's statistics (audit/LOG-FORMAT.md, "Exports" and
//! "Statistics").

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use fairdraw::log::yearbook::Yearbook;
use fairdraw::log::{gsxt, open_data, stats};
use fairdraw::model::date::{china_date_of, Date};

use super::log::LogArgs;
use super::write_atomically;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The published results of a period in the publicity system's import layout (.csv or .xlsx).
    Results(ExportResultsArgs),
    /// One year's draws, visits, teams, results and follow-ups as CSV and JSON files.
    OpenData(OpenDataArgs),
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Read a results export back (prints its results as JSON; with --log, exit 1 unless they are the log's).
    Results(ImportResultsArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// 国家企业信用信息公示系统 抽查检查结果 (audit/LOG-FORMAT.md "Exports").
    Gsxt,
}

#[derive(Args)]
pub struct ExportResultsArgs {
    #[command(flatten)]
    log: LogArgs,
    /// The layout to write.
    #[arg(long, value_enum)]
    format: Format,
    /// First publication date (YYYY-MM-DD, China), inclusive.
    #[arg(long)]
    from: String,
    /// Last publication date (YYYY-MM-DD, China), inclusive.
    #[arg(long)]
    to: String,
    /// The file to write: FILE.csv (UTF-8 with a byte order mark) or FILE.xlsx.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct OpenDataArgs {
    #[command(flatten)]
    log: LogArgs,
    /// The draws' year (the DrawCommitment's `year`).
    #[arg(long)]
    year: u64,
    /// The directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct ImportResultsArgs {
    /// The layout of the file.
    #[arg(long, value_enum)]
    format: Format,
    /// The CSV file to read.
    file: PathBuf,
    /// Compare with the published results of this log (the same period: the file's dates).
    #[arg(long)]
    log: Option<PathBuf>,
}

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    log: LogArgs,
    /// The draws' year (the DrawCommitment's `year`).
    #[arg(long)]
    year: u64,
    /// Write the report as one self-contained HTML file instead of printing the JSON.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn date_arg(name: &str, text: &str) -> anyhow::Result<String> {
    Date::parse(text).map(|d| d.to_string()).map_err(|e| anyhow::anyhow!("--{name} {text:?}: {e}"))
}

/// Today in China, or the day of `--now`.
fn today(log: &LogArgs) -> anyhow::Result<Date> {
    match &log.now {
        Some(now) => Ok(china_date_of(now)?),
        None => Ok(Date::china_today()),
    }
}

pub fn export(cmd: &ExportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ExportCommand::Results(args) => export_results(args),
        ExportCommand::OpenData(args) => export_open_data(args),
    }
}

fn export_results(args: &ExportResultsArgs) -> anyhow::Result<ExitCode> {
    let Format::Gsxt = args.format;
    let (from, to) = (date_arg("from", &args.from)?, date_arg("to", &args.to)?);
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let xlsx = match args.out.extension().and_then(|e| e.to_str()) {
        Some("csv") => false,
        Some("xlsx") => true,
        _ => bail!("--out {}: give a file name ending in .csv or .xlsx", args.out.display()),
    };
    let log = args.log.open(false)?;
    let book = Yearbook::read_all(&log);
    let results = gsxt::results_in(&book, &from, &to);
    let rows = gsxt::rows(&book, &results);
    let bytes = if xlsx { gsxt::xlsx(&rows)? } else { gsxt::csv(&rows)? };
    write_atomically(&args.out, &bytes)?;
    eprintln!("{} results ({} rows) published {from} to {to} → {}", results.len(), rows.len() - 1, args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn export_open_data(args: &OpenDataArgs) -> anyhow::Result<ExitCode> {
    let log = args.log.open(false)?;
    let book = Yearbook::read(&log, args.year);
    let tables = open_data::tables(&book);
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    for t in &tables {
        write_atomically(&args.out.join(format!("{}-{}.csv", t.name, args.year)), &t.csv()?)?;
    }
    let json = open_data::json(&book, &tables);
    let mut bytes = serde_json::to_vec_pretty(&json)?;
    bytes.push(b'\n');
    write_atomically(&args.out.join(format!("open-data-{}.json", args.year)), &bytes)?;
    eprintln!(
        "{}: {} draws, {} results of {} → {}",
        args.log.dir.display(),
        book.draws.len(),
        book.results.len(),
        args.year,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn import(cmd: &ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Results(args) = cmd;
    let Format::Gsxt = args.format;
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let read = gsxt::read_csv(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let Some(dir) = &args.log else {
        let values: Vec<serde_json::Value> = read.iter().map(read_json).collect();
        println!("{}", serde_json::to_string_pretty(&values)?);
        return Ok(ExitCode::SUCCESS);
    };
    let log = fairdraw::log::store::Log::open_dir(dir, false)?;
    let book = Yearbook::read_all(&log);
    let from = read.iter().map(|r| r.published_on.as_str()).min().unwrap_or("9999-12-31");
    let to = read.iter().map(|r| r.published_on.as_str()).max().unwrap_or("0000-01-01");
    let logged: Vec<gsxt::ReadResult> =
        gsxt::results_in(&book, from, to).into_iter().map(gsxt::ReadResult::of).collect();
    if logged == read {
        eprintln!("{}: the {} results are the log's", args.file.display(), read.len());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{}: {} results differ from the log's {} published {from} to {to}",
            args.file.display(),
            read.len(),
            logged.len()
        );
        Ok(ExitCode::from(1))
    }
}

fn read_json(r: &gsxt::ReadResult) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "draw": r.draw, "uscc": r.uscc, "inspection_date": r.inspection_date,
        "method": r.method, "published_on": r.published_on,
        "items": r.items.iter().map(|i| serde_json::json!({
            "item": i.item, "department": i.department, "codes": i.codes, "findings": i.findings,
        })).collect::<Vec<_>>(),
    })
}

pub fn run_stats(args: &StatsArgs) -> anyhow::Result<ExitCode> {
    let log = args.log.open(false)?;
    let answer = stats::of_log(&log, args.year, today(&args.log)?, false);
    match &args.out {
        None => println!("{}", serde_json::to_string_pretty(&answer)?),
        Some(out) => {
            write_atomically(out, report_html(&answer)?.as_bytes())?;
            eprintln!("statistics of {} → {}", args.year, out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One self-contained page: the site's stylesheet, the statistics as JSON
/// and web/stats-render.js, all inline.
fn report_html(answer: &serde_json::Value) -> anyhow::Result<String> {
    const STYLE: &str = include_str!("../../web/style.css");
    const RENDER: &str = include_str!("../../web/stats-render.js");
    // `<` escaped so no string in the data can close the script element.
    let data = serde_json::to_string(answer)?.replace('<', "\\u003c");
    let year = answer["year"].as_u64().unwrap_or(0);
    Ok(format!(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{year} 年抽查统计</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n\
         <main id=\"main\" class=\"wrap\"><noscript>本报告需要启用 JavaScript；数据见下方 JSON。</noscript></main>\n\
         <script type=\"application/json\" id=\"stats-data\">{data}</script>\n\
         <script>\n{RENDER}\n</script>\n\
         <script>\ndocument.getElementById('main').append(FairdrawStats.render(\
         JSON.parse(document.getElementById('stats-data').textContent), 'zh'));\n</script>\n\
         </body>\n</html>\n"
    ))
}
