//! `fairdraw publish`: copies what a public reader needs to a static
//! mirror (LOG-FORMAT.md "`fairdraw publish`: a static mirror"). Immutable
//! files first, only those missing there; then the small mutable ones whose
//! bytes differ; `checkpoint` last, so that a reader fetching `checkpoint`
//! first finds every file it names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::audit_receipts::{RECEIPTS, SUFFIX};
use super::entry::Kind;
use super::mirror::{Mirror, MirrorError};
use super::publication::Publication;
use super::snapshots;
use super::store::{Log, LogError, CHECKPOINT, CHECKPOINTS, COSIGNATURES, VKEY};
use super::tiles::StaticFile;

/// What one publish did (`published: 12 new, 3 changed, 340 already there`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Published {
    /// Files that were not at the destination.
    pub new: usize,
    /// Mutable files whose bytes differed.
    pub changed: usize,
    /// Files already there with the same bytes (immutable ones: the same length).
    pub unchanged: usize,
    /// The names uploaded, in upload order (`checkpoint` last).
    pub uploaded: Vec<String>,
    /// Files that were not published: under `snapshots/` and `receipts/`,
    /// not a public blob or receipt of this log (a protected log's full
    /// snapshots and salts in an auditor export, a stray file, bytes that are
    /// not what the name says); and any link, of the log or the page.
    pub left_out: Vec<String>,
}

impl std::fmt::Display for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "published: {} new, {} changed, {} already there", self.new, self.changed, self.unchanged)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("{0}")]
    Mirror(#[from] MirrorError),
    #[error("cannot read {}: {cause}", .path.display())]
    Read { path: PathBuf, cause: std::io::Error },
    /// The page would put a file over one of the log's, or publish one of its files.
    #[error("{}: {name} is a name of the log's own files, or a file of the log directory: a page never publishes it (nothing was written)", .page.display())]
    PageHasLogFile { page: PathBuf, name: String },
    /// An immutable file at the destination is not this log's.
    #[error("{dest}: {name} is already there with other bytes ({there} bytes; this log's has {ours}): the destination holds another log, or was tampered with; nothing was written")]
    Conflict { dest: String, name: String, there: u64, ours: u64 },
}

/// One file to publish and where its bytes come from.
enum Source {
    /// Derived from the log's entries.
    Static(StaticFile),
    /// A file of the log directory or the page, read when needed.
    File(PathBuf),
    /// Bytes at hand (the committed records, the checkpoint).
    Bytes(Vec<u8>),
}

struct Item {
    name: String,
    source: Source,
}

impl Item {
    fn bytes(&self, log: &Log) -> Result<Vec<u8>, PublishError> {
        match &self.source {
            Source::Static(f) => Ok(log.static_content(f).expect("only encodable files are listed")),
            Source::File(path) => std::fs::read(path).map_err(|cause| PublishError::Read { path: path.clone(), cause }),
            Source::Bytes(b) => Ok(b.clone()),
        }
    }
}

/// The files under `dir/rel` (names relative to `dir`, `/`-separated), in
/// order; temporary files (names beginning with `.`) left out, and links
/// (to files or directories) never followed: their names go to `links`,
/// for a link could lead anywhere, `private/` included.
fn files_under(dir: &Path, rel: &str, links: &mut Vec<String>) -> Result<Vec<String>, PublishError> {
    let path = if rel.is_empty() { dir.to_path_buf() } else { dir.join(rel) };
    let list = match std::fs::read_dir(&path) {
        Ok(list) => list,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(cause) => return Err(PublishError::Read { path, cause }),
    };
    let mut out = Vec::new();
    for item in list {
        let item = item.map_err(|cause| PublishError::Read { path: path.clone(), cause })?;
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let name = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let kind = item.file_type().map_err(|cause| PublishError::Read { path: item.path(), cause })?;
        if kind.is_symlink() {
            links.push(name);
        } else if kind.is_dir() {
            out.extend(files_under(dir, &name, links)?);
        } else if kind.is_file() {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// Whether `bytes`, published as `name`, is what that name promises: a
/// snapshot blob whose leaves hash to the root in its name, a receipt of the
/// entry whose id is in its name. A file of the log directory may be any
/// bytes (a hard link to a key has a blob's name and is a plain file).
fn is_what_its_name_says(name: &str, bytes: &[u8]) -> bool {
    if let Some(root) = name.strip_prefix("snapshots/").and_then(|n| n.strip_suffix(".jsonl.gz")) {
        return snapshots::unpack(bytes, root).is_ok();
    }
    if let Some(id) = name.strip_prefix(&format!("{RECEIPTS}/")).and_then(|n| n.strip_suffix(SUFFIX)) {
        let receipt = std::str::from_utf8(bytes).ok().and_then(|t| super::note::Receipt::parse(t).ok());
        return receipt.is_some_and(|r| super::entry::id_of(&r.entry) == id);
    }
    false
}

/// Top-level names of the log on a mirror: the page may not have them.
const LOG_NAMES: [&str; 12] = [
    VKEY,
    CHECKPOINT,
    CHECKPOINTS,
    COSIGNATURES,
    "entries.jsonl",
    "entry",
    "tile",
    "snapshots",
    RECEIPTS,
    "private",
    "recovered",
    "LOCK",
];

/// Publishes the log in `log_dir` (and the page in `page`, when given) to
/// `mirror`. The log is read like a reader (no lock); a damaged log is an
/// error. A [`PublishError::Conflict`] is found before anything is written.
pub fn publish(log_dir: &Path, page: Option<&Path>, mirror: &dyn Mirror) -> Result<Published, PublishError> {
    let log = Log::open_dir(log_dir, false)?;
    let mut immutable: Vec<Item> = log
        .static_files()
        .into_iter()
        .filter(|f| log.static_content(f).is_some())
        .map(|f| Item { name: f.path(), source: Source::Static(f) })
        .collect();
    let public = public_blobs(&log);
    let mut left_out = Vec::new();
    for dir in ["snapshots", RECEIPTS] {
        for name in files_under(log_dir, dir, &mut left_out)? {
            let path = log_dir.join(&name);
            if public.contains(&name) {
                immutable.push(Item { source: Source::File(path), name });
            } else {
                left_out.push(name);
            }
        }
    }
    let mut mutable = vec![
        Item { name: VKEY.into(), source: Source::File(log_dir.join(VKEY)) },
        Item { name: CHECKPOINTS.into(), source: Source::Bytes(log.committed_records()?) },
    ];
    if log_dir.join(COSIGNATURES).exists() {
        mutable.push(Item { name: COSIGNATURES.into(), source: Source::File(log_dir.join(COSIGNATURES)) });
    }
    if let Some(page) = page {
        let names = files_under(page, "", &mut left_out)?;
        let log_at =
            std::fs::canonicalize(log_dir).map_err(|cause| PublishError::Read { path: log_dir.into(), cause })?;
        for name in &names {
            let top = name.split('/').next().unwrap_or_default();
            let inside_log = std::fs::canonicalize(page.join(name)).is_ok_and(|p| p.starts_with(&log_at));
            if LOG_NAMES.contains(&top) || inside_log {
                return Err(PublishError::PageHasLogFile { page: page.to_path_buf(), name: name.clone() });
            }
        }
        for name in &names {
            let path = page.join(name);
            let source = if name == "index.html" {
                let html = std::fs::read_to_string(&path).map_err(|cause| PublishError::Read { path, cause })?;
                Source::Bytes(relative_page_links(&html, &names).into_bytes())
            } else {
                Source::File(path)
            };
            mutable.push(Item { source, name: name.clone() });
        }
    }
    let checkpoint = log.served_checkpoint().map(String::into_bytes);

    let there = mirror.list()?;
    let mut done = Published { left_out, ..Published::default() };
    let mut missing = Vec::new();
    for item in &immutable {
        match there.get(&item.name) {
            None => missing.push(item),
            Some(&len) => {
                let ours = item.bytes(&log)?.len() as u64;
                if len != ours {
                    let (dest, name) = (mirror.label(), item.name.clone());
                    return Err(PublishError::Conflict { dest, name, there: len, ours });
                }
                done.unchanged += 1;
            }
        }
    }
    for item in missing {
        let bytes = item.bytes(&log)?;
        if matches!(item.source, Source::File(_)) && !is_what_its_name_says(&item.name, &bytes) {
            done.left_out.push(item.name.clone());
            continue;
        }
        mirror.put(&item.name, &bytes)?;
        done.new += 1;
        done.uploaded.push(item.name.clone());
    }
    let last = checkpoint.map(|b| Item { name: CHECKPOINT.into(), source: Source::Bytes(b) });
    for item in mutable.iter().chain(&last) {
        put_if_different(mirror, &there, item, &log, &mut done)?;
    }
    Ok(done)
}

/// The blobs of the log a public reader may have (LOG-FORMAT "`fairdraw
/// publish`"): the snapshots of a full log (its RegistrySnapshot entries),
/// only the blinded ones of a protected log (its commitments' `blinded`:
/// the full snapshots and their salts stay with the bureau and its
/// auditors, even in an auditor export), and each DrawResult's receipt.
/// Named by the entries, so a file the log does not name is never public.
fn public_blobs(log: &Log) -> std::collections::BTreeSet<String> {
    let protected = Publication::of_log(log) == Publication::Protected;
    let is_root = |r: &&str| super::entry::is_hex64(r);
    let mut names = std::collections::BTreeSet::new();
    for (i, e) in log.valid_entries() {
        match e.kind {
            Kind::RegistrySnapshot if !protected => {
                names.extend(e.body["root"].as_str().filter(is_root).map(snapshots::blob_name));
            }
            Kind::DrawCommitment if protected => {
                for registry in ["enterprises", "inspectors", "conflicts"] {
                    names
                        .extend(e.body["blinded"][registry]["root"].as_str().filter(is_root).map(snapshots::blob_name));
                }
            }
            Kind::DrawResult => {
                names.insert(format!("{RECEIPTS}/{}{SUFFIX}", log.id(i)));
            }
            _ => {}
        }
    }
    names
}

/// The page as a mirror serves it: `fairdraw serve` answers every path with
/// `index.html`, which therefore names its own files from the site's root
/// (`src="/app.js"`); a mirror may live under a prefix
/// (`https://host/bucket/log/`), so there those links become relative
/// (`src="app.js"`). Only links to files of the page are changed.
fn relative_page_links(html: &str, page_files: &[String]) -> String {
    let mut out = html.to_string();
    for name in page_files {
        for attribute in ["src", "href"] {
            out = out.replace(&format!("{attribute}=\"/{name}\""), &format!("{attribute}=\"{name}\""));
        }
    }
    out
}

/// Uploads a mutable file unless the destination holds the same bytes.
fn put_if_different(
    mirror: &dyn Mirror,
    there: &BTreeMap<String, u64>,
    item: &Item,
    log: &Log,
    done: &mut Published,
) -> Result<(), PublishError> {
    let bytes = item.bytes(log)?;
    let present = there.get(&item.name);
    if present == Some(&(bytes.len() as u64)) && mirror.get(&item.name)?.as_deref() == Some(bytes.as_slice()) {
        done.unchanged += 1;
        return Ok(());
    }
    mirror.put(&item.name, &bytes)?;
    if present.is_some() {
        done.changed += 1;
    } else {
        done.new += 1;
    }
    done.uploaded.push(item.name.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::relative_page_links;

    #[test]
    fn the_pages_own_files_are_linked_relatively_and_nothing_else_changes() {
        let html = r#"<link href="/style.css"><script src="/app.js"></script><a href="/">home</a><a href="/api/openapi.json">api</a>"#;
        let files = ["app.js".to_string(), "style.css".to_string()];
        assert_eq!(
            relative_page_links(html, &files),
            r#"<link href="style.css"><script src="app.js"></script><a href="/">home</a><a href="/api/openapi.json">api</a>"#
        );
    }
}
