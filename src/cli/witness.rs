//! `fairdraw witness init|serve`: run a C2SP tlog-witness for logs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use fairdraw::log::flow::Clock;
use fairdraw::witness_service::{self as service, Witness, WitnessClock};

#[derive(Subcommand)]
pub enum WitnessCommand {
    /// Create a witness key (0600) in DIR; prints its verifier key on the last line.
    Init {
        /// The witness's directory (key, state).
        #[arg(long)]
        dir: PathBuf,
        /// The witness's name in its key and cosignatures (e.g. witness.example/w1).
        #[arg(long)]
        name: String,
    },
    /// Serve POST /add-checkpoint for the logs whose keys are given.
    Serve {
        /// The witness's directory (made by `fairdraw witness init`).
        #[arg(long)]
        dir: PathBuf,
        /// Address and port to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:8081")]
        addr: String,
        /// A log's verifier key (its log.pub); repeat for several logs.
        #[arg(long = "log-vkey", required = true)]
        log_vkeys: Vec<String>,
        /// Sign with this fixed simulated time (RFC 3339) instead of the clock: tests and demos only.
        #[arg(long)]
        now: Option<String>,
    },
}

pub fn run(cmd: &WitnessCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        WitnessCommand::Init { dir, name } => {
            let vkey = service::init(dir, name)?;
            println!("created the witness {name} in {} (its private key: {})", dir.display(), service::KEY_FILE);
            println!("give its verifier key to the logs it witnesses (fairdraw init --witness {name}=VKEY@URL):");
            println!("{vkey}");
            Ok(ExitCode::SUCCESS)
        }
        WitnessCommand::Serve { dir, addr, log_vkeys, now } => serve(dir, addr, log_vkeys, now.as_deref()),
    }
}

fn serve(dir: &std::path::Path, addr: &str, log_vkeys: &[String], now: Option<&str>) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).try_init().ok();
    let clock = match now {
        None => WitnessClock::System,
        Some(t) => {
            let clock = Clock::simulated(t)?;
            tracing::warn!(
                "SIMULATED CLOCK: every cosignature carries the fixed time {} (--now); never use this for a real log",
                clock.rfc3339
            );
            WitnessClock::Fixed(clock.unix)
        }
    };
    let witness = Arc::new(Witness::open(dir, log_vkeys, clock)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        // The address is a word of its own: tests and scripts look for it.
        tracing::info!("fairdraw witness: http://{} ({})", listener.local_addr()?, witness.vkey());
        axum::serve(listener, service::router(witness))
            .with_graceful_shutdown(fairdraw::server::shutdown_signal())
            .await?;
        Ok(ExitCode::SUCCESS)
    })
}
