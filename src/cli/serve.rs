//! `fairdraw serve`: wires a listener, the log directory and the web page to
//! the library's router.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use fairdraw::model::date::Date;
use fairdraw::server::{self, AppState, Config, ServeOptions};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Args)]
pub struct ServeArgs {
    /// The log directory to publish.
    #[arg(long = "log", default_value = super::log::DEFAULT_LOG)]
    pub dir: PathBuf,
    /// Address and port to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// The web page's directory [default: ./web, else the source tree's].
    #[arg(long)]
    pub web: Option<PathBuf>,
    /// SHA-256 (hex) of the regulator's bearer token; without it the write API answers 401.
    /// Refused once the log has named accounts (`fairdraw user add`).
    #[arg(long, env = "FAIRDRAW_TOKEN_SHA256", hide_env_values = true)]
    pub token_sha256: Option<String>,
    /// Largest accepted request body, in MiB (commitments carry registries).
    #[arg(long, default_value_t = 256)]
    pub max_body_mib: usize,
    /// Memory for registries rebuilt from snapshots (enterprise lookups, team names), in MiB;
    /// the least recently used are dropped beyond it.
    #[arg(long, default_value_t = 1024)]
    pub cache_mib: usize,
    /// Disconnect clients that have not sent a whole request header within this time.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
    /// Log lines (one per request, on stderr) as text or as JSON objects;
    /// RUST_LOG filters them (default `info`, e.g. `warn,tower_http=debug`).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Pretend today is this date (tests, demos).
    #[arg(long, hide = true)]
    pub today: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Log lines go to stderr, filtered by RUST_LOG (a list of `target=level`).
fn init_logging(format: LogFormat) -> anyhow::Result<()> {
    let filter: Targets = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            spec.parse().with_context(|| format!("RUST_LOG={spec:?} is not a filter like `info,tower_http=debug`"))?
        }
        _ => Targets::new().with_default(tracing::Level::INFO),
    };
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Text => registry.with(lines.with_ansi(std::io::stderr().is_terminal())).try_init(),
        LogFormat::Json => registry.with(lines.json().with_current_span(true).with_span_list(false)).try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}

fn web_dir(given: &Option<PathBuf>) -> PathBuf {
    match given {
        Some(p) => p.clone(),
        None if Path::new("web/index.html").exists() => PathBuf::from("web"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("web"),
    }
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format)?;
    let token_sha256 = match &args.token_sha256 {
        None => None,
        Some(h) => {
            let bytes = hex::decode(h.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
            Some(bytes.context(
                "--token-sha256 must be 64 hex digits: the SHA-256 of the token (e.g. `printf %s TOKEN | sha256sum`)",
            )?)
        }
    };
    let today = args.today.as_deref().map(Date::parse).transpose().map_err(anyhow::Error::msg)?;
    if !args.dir.join("log.pub").exists() {
        bail!("no log in {} (create one with `fairdraw init --log {}`)", args.dir.display(), args.dir.display());
    }
    // Held until the process ends: one server per log.
    let _claim = server::claim(&args.dir)?;
    let config = Config {
        log_dir: args.dir.clone(),
        web_dir: web_dir(&args.web),
        token_sha256,
        today,
        max_body_bytes: args.max_body_mib << 20,
        cache_bytes: args.cache_mib << 20,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        // The address is a word of its own: tests and scripts look for it.
        tracing::info!(
            "fairdraw serve: http://{} (log {}{})",
            listener.local_addr()?,
            args.dir.display(),
            // With an accounts file the named accounts write (the single token is refused).
            if fairdraw::log::accounts::path(&args.dir).exists() {
                ", writes by named accounts (private/accounts.json)"
            } else if config.token_sha256.is_some() {
                ""
            } else {
                ", read-only: no --token-sha256"
            }
        );
        let options = ServeOptions { header_read_timeout: args.header_timeout };
        server::serve(listener, AppState::new(config), options, server::shutdown_signal()).await?;
        tracing::info!("fairdraw serve: stopped");
        Ok(ExitCode::SUCCESS)
    })
}
