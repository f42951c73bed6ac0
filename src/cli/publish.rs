//! `fairdraw publish`: the log (and the page) as a static mirror in a
//! directory or an object store (LOG-FORMAT.md "`fairdraw publish`").

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use fairdraw::log::mirror::ObjectMirror;
use fairdraw::log::publish::{publish, PublishError};

use super::log::DEFAULT_LOG;

#[derive(Args)]
pub struct PublishArgs {
    /// The log directory (read like a reader: no lock is taken; a damaged log is refused).
    #[arg(long = "log", default_value = DEFAULT_LOG)]
    pub dir: PathBuf,
    /// Where to publish: a directory, file:///DIR, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or
    /// az://CONTAINER/PREFIX. Credentials, endpoint and region come from the usual variables
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL,
    /// AWS_ALLOW_HTTP=true for a local server; GOOGLE_SERVICE_ACCOUNT, AZURE_STORAGE_ACCOUNT_NAME, …).
    #[arg(long, value_name = "DEST")]
    pub to: String,
    /// Also upload the page's files (e.g. `web`) beside the log, so the mirror is a whole
    /// public site that verifies the log in the browser (`#/log`).
    #[arg(long, value_name = "WEBDIR")]
    pub page: Option<PathBuf>,
}

/// Uploads what is missing or changed, `checkpoint` last, and prints
/// `published: N new, M changed, K already there`. Exit 1 when the
/// destination holds an immutable file with other bytes (nothing written).
pub fn run(args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let mirror = ObjectMirror::destination(&args.to)?;
    match publish(&args.dir, args.page.as_deref(), &mirror) {
        Ok(done) => {
            if !done.left_out.is_empty() {
                eprintln!(
                    "note: {} file(s) left out: not a public blob or receipt of this log (a protected log's full \
                     snapshots or salts, a stray file, bytes that are not what the name says) or a link: {}",
                    done.left_out.len(),
                    shortened(&done.left_out)
                );
            }
            println!("{done}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ PublishError::Conflict { .. }) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

/// The first names of a long list, and how many more.
fn shortened(names: &[String]) -> String {
    const SHOWN: usize = 10;
    let head = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    match names.len().saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} … and {more} more"),
    }
}
