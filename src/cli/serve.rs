//! `fairdraw serve`: wires a listener, the log directory and the web page to
//! the library's router.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use fairdraw::date::Date;
use fairdraw::server::{self, AppState, Config};

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
    #[arg(long, env = "FAIRDRAW_TOKEN_SHA256", hide_env_values = true)]
    pub token_sha256: Option<String>,
    /// Largest accepted request body, in MiB (commitments carry registries).
    #[arg(long, default_value_t = 256)]
    pub max_body_mib: usize,
    /// Memory for registries rebuilt from snapshots (enterprise lookups, team names), in MiB;
    /// the least recently used are dropped beyond it.
    #[arg(long, default_value_t = 1024)]
    pub cache_mib: usize,
    /// Pretend today is this date (tests, demos).
    #[arg(long, hide = true)]
    pub today: Option<String>,
}

fn web_dir(given: &Option<PathBuf>) -> PathBuf {
    match given {
        Some(p) => p.clone(),
        None if Path::new("web/index.html").exists() => PathBuf::from("web"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("web"),
    }
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
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
        eprintln!(
            "fairdraw serve: http://{} (log {}{})",
            listener.local_addr()?,
            args.dir.display(),
            if config.token_sha256.is_some() { "" } else { ", read-only: no --token-sha256" }
        );
        server::serve(listener, AppState::new(config)).await?;
        eprintln!("fairdraw serve: stopped");
        Ok(ExitCode::SUCCESS)
    })
}
