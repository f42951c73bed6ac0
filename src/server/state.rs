//! What the server keeps: where the log is, the one writer, and the public
//! view — the committed log with its indexes — behind an atomic pointer.
//!
//! Read-your-writes: the writer builds the next view from the log it has
//! just appended to and swaps it in *before* the request is answered, so
//! every read that starts after a 2xx sees the write. Readers never wait:
//! they load the current pointer. A change made by another process (the
//! CLI) is noticed through the signed `checkpoint` file, which a writer
//! replaces only after its batch is committed, never through a file size.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

use super::error::{ApiError, ApiResult};
use crate::input::files::Inputs;
use crate::log::entry::{Entry, Kind};
use crate::log::flow;
use crate::log::store::{Log, LogError, CHECKPOINT, VKEY};
use crate::model::date::Date;
use crate::model::merkle::Hash;

pub struct Config {
    pub log_dir: PathBuf,
    pub web_dir: PathBuf,
    /// SHA-256 of the regulator's bearer token; `None` disables writes.
    pub token_sha256: Option<[u8; 32]>,
    /// Fixed "today" for tests; the real date in China otherwise.
    pub today: Option<Date>,
    pub max_body_bytes: usize,
    /// Bytes of rebuilt registries kept in memory (least recently used go).
    pub cache_bytes: usize,
}

impl Config {
    pub const DEFAULT_CACHE_BYTES: usize = 1 << 30;
}

/// A logged draw's inputs rebuilt from its snapshots, with leaf hashes for
/// inclusion proofs.
pub struct Rebuilt {
    /// Shared, so that a replacement (`log::replace`) can hold it too.
    pub inputs: Arc<Inputs>,
    pub enterprise_leaves: Vec<Hash>,
    /// Subtree roots over those leaves, for proofs in O(log² n).
    pub enterprise_tree: crate::log::proof::Subtrees,
}

impl Rebuilt {
    /// What it costs to keep, roughly: rows, their strings, leaf hashes.
    fn weight(&self) -> usize {
        const ROW_TEXT: usize = 80; // name, codes and other strings of a row, on average
        let rows = self.inputs.enterprises.rows.len();
        rows * (std::mem::size_of::<crate::model::registry::Enterprise>() + ROW_TEXT + std::mem::size_of::<Hash>())
            + self.inputs.inspectors.len() * 160
    }
}

/// A DrawResult with its commitment and beacon record.
pub struct Drawn {
    pub index: u64,
    pub id: String,
    pub result: Arc<Entry>,
    pub commitment_id: String,
    pub commitment: Arc<Entry>,
    pub beacon: Arc<Entry>,
    /// The DrawPublication of a sealed draw, once it is logged.
    pub publication: Option<Arc<Entry>>,
}

impl Drawn {
    /// The public draw document: the result's, or a sealed draw's once
    /// published; `Null` while sealed or when infeasible.
    pub fn document(&self) -> &serde_json::Value {
        match &self.publication {
            Some(p) => &p.body["draw"],
            None => &self.result.body["draw"],
        }
    }

    /// A sealed draw not yet published: its `sealed` (digest, until, counts).
    pub fn sealed(&self) -> Option<&serde_json::Value> {
        self.result.body.get("sealed").filter(|_| self.publication.is_none())
    }
}

/// Identity of the `checkpoint` file: it is replaced (a new inode) at the
/// end of every committed batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileKey {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: u64,
}

fn checkpoint_key(dir: &std::path::Path) -> std::io::Result<FileKey> {
    let m = std::fs::metadata(dir.join(CHECKPOINT))?;
    Ok(FileKey {
        len: m.len(),
        modified: m.modified().ok(),
        #[cfg(unix)]
        inode: std::os::unix::fs::MetadataExt::ino(&m),
    })
}

/// The committed log and its indexes; every public answer comes from one.
pub struct View {
    pub log: Arc<Log>,
    /// Revealed draws, oldest first.
    pub draws: Vec<Drawn>,
    draw_by_entry: HashMap<u64, usize>,
    results_by_draw: HashMap<String, Vec<u64>>,
    amendments: HashMap<String, Vec<u64>>,
    /// Replacement entries by DrawResult id (LOG-FORMAT "Replacing an inspector").
    replacements: HashMap<String, Vec<u64>>,
    snapshots: HashMap<String, u64>,
    /// The pending ids (`result.pending`) of logged results: their files
    /// under private/results/ are leftovers, never shown as pending.
    logged_pending: HashMap<String, u64>,
    /// Follow-ups and objections (LOG-FORMAT "Follow-ups", "Objections").
    pub aftercare: crate::log::aftercare::Aftercare,
    key: Option<FileKey>,
    /// Whole result lists by draw id, with the day they were made for: a
    /// view lasts until the next write, and so do they.
    pub result_lists: Mutex<HashMap<String, (Date, axum::body::Bytes)>>,
}

impl View {
    /// Indexes the log in one pass.
    fn build(log: Arc<Log>, key: Option<FileKey>) -> View {
        let mut v = View {
            log: log.clone(),
            draws: Vec::new(),
            draw_by_entry: HashMap::new(),
            results_by_draw: HashMap::new(),
            amendments: HashMap::new(),
            replacements: HashMap::new(),
            snapshots: HashMap::new(),
            logged_pending: HashMap::new(),
            aftercare: Default::default(),
            key,
            result_lists: Mutex::new(HashMap::new()),
        };
        let field = |e: &Entry, name: &str| e.body[name].as_str().unwrap_or_default().to_string();
        for (i, e) in log.valid_entries() {
            match e.kind {
                Kind::RegistrySnapshot => {
                    v.snapshots.entry(field(e, "root")).or_insert(i);
                }
                Kind::DrawResult => {
                    let earlier = |name: &str, kind: Kind| {
                        log.find(&field(e, name))
                            .ok()
                            .filter(|&j| j < i)
                            .and_then(|j| log.entry(j).ok().filter(|x| x.kind == kind).map(|x| (j, x)))
                    };
                    if let (Some((c, commitment)), Some((_, beacon))) =
                        (earlier("commitment", Kind::DrawCommitment), earlier("beacon", Kind::BeaconRecord))
                    {
                        v.draw_by_entry.insert(i, v.draws.len());
                        v.draw_by_entry.entry(c).or_insert(v.draws.len());
                        v.draws.push(Drawn {
                            index: i,
                            id: log.id(i),
                            result: e.clone(),
                            commitment_id: log.id(c),
                            commitment,
                            beacon,
                            publication: None,
                        });
                    }
                }
                Kind::DrawPublication => {
                    let result = log.find(&field(e, "result")).ok().filter(|&j| j < i);
                    if let Some(&k) = result.and_then(|j| v.draw_by_entry.get(&j)) {
                        if v.draws[k].result.body.get("sealed").is_some() && v.draws[k].publication.is_none() {
                            v.draws[k].publication = Some(e.clone());
                        }
                    }
                }
                Kind::InspectionResult => {
                    v.results_by_draw.entry(field(e, "draw")).or_default().push(i);
                    if let Some(p) = e.body["result"]["pending"].as_str() {
                        v.logged_pending.insert(p.to_string(), i);
                    }
                }
                Kind::Amendment => v.amendments.entry(field(e, "amends")).or_default().push(i),
                Kind::Replacement => v.replacements.entry(field(e, "result")).or_default().push(i),
                Kind::FollowUp | Kind::FollowUpClosed | Kind::Objection | Kind::ObjectionAnswer => {
                    v.aftercare.add(i, &log.id(i), e)
                }
                _ => {}
            }
        }
        v
    }

    /// The draw whose result or commitment has this id (or id prefix).
    pub fn draw(&self, id: &str) -> ApiResult<&Drawn> {
        let index = self.log.find(id)?;
        self.draw_by_entry
            .get(&index)
            .map(|&k| &self.draws[k])
            .ok_or_else(|| ApiError::not_found(format!("entry {id} is not a revealed draw")))
    }

    /// Indices of the InspectionResult entries of a draw, oldest first.
    pub fn results_of(&self, draw_id: &str) -> &[u64] {
        self.results_by_draw.get(draw_id).map_or(&[], Vec::as_slice)
    }

    /// Indices of the Amendment entries of a result, oldest first.
    pub fn amendments_of(&self, result_id: &str) -> &[u64] {
        self.amendments.get(result_id).map_or(&[], Vec::as_slice)
    }

    /// Indices of the Replacement entries of a draw, oldest first.
    pub fn replacements_of(&self, draw_id: &str) -> &[u64] {
        self.replacements.get(draw_id).map_or(&[], Vec::as_slice)
    }

    /// The teams of a draw (its public document's assignments with its
    /// replacements applied); empty while sealed or when infeasible.
    pub fn teams(&self, d: &Drawn) -> Vec<serde_json::Value> {
        self.replaced(d, &d.document()["assignments"])
    }

    /// One assignment `a` of draw `d` as its team stands now.
    pub fn team(&self, d: &Drawn, a: &serde_json::Value) -> serde_json::Value {
        if self.replacements_of(&d.id).is_empty() {
            return a.clone();
        }
        self.replaced(d, &serde_json::Value::Array(vec![a.clone()])).remove(0)
    }

    fn replaced(&self, d: &Drawn, assignments: &serde_json::Value) -> Vec<serde_json::Value> {
        let entries: Vec<Arc<Entry>> =
            self.replacements_of(&d.id).iter().filter_map(|&i| self.log.entry(i).ok()).collect();
        let bodies: Vec<&serde_json::Value> = entries.iter().map(|e| &e.body).collect();
        crate::log::replace::apply(assignments, &bodies)
    }

    /// The InspectionResult entry that published the pending result `id`.
    pub fn published_pending(&self, id: &str) -> Option<u64> {
        self.logged_pending.get(id).copied()
    }

    /// The RegistrySnapshot entry for a root.
    pub fn snapshot(&self, root: &str) -> Option<Arc<Entry>> {
        self.snapshots.get(root).and_then(|&i| self.log.entry(i).ok())
    }
}

/// Least recently used first, bounded by weight.
pub struct Cache<V> {
    items: VecDeque<(String, Arc<V>, usize)>,
    weight: usize,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache { items: VecDeque::new(), weight: 0 }
    }
}

impl<V> Cache<V> {
    pub fn get(&mut self, key: &str) -> Option<Arc<V>> {
        let k = self.items.iter().position(|(id, _, _)| id == key)?;
        let item = self.items.remove(k)?;
        let found = item.1.clone();
        self.items.push_back(item);
        Some(found)
    }

    /// Adds an item and evicts the oldest until the bound holds; the newest
    /// item stays even when it alone is over the bound.
    pub fn put(&mut self, key: String, value: Arc<V>, w: usize, bound: usize) {
        self.items.push_back((key, value, w));
        self.weight += w;
        while self.weight > bound && self.items.len() > 1 {
            let (_, _, old) = self.items.pop_front().expect("more than one item");
            self.weight -= old;
        }
    }
}

#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

pub struct Shared {
    pub config: Config,
    view: ArcSwapOption<View>,
    /// The one writer of this process, kept open between writes (it takes
    /// the log's file lock only while it writes); `None` until the first
    /// write or after a failed one.
    writer: Mutex<Option<Log>>,
    /// Orders writes in arrival order without blocking the async threads.
    pub writing: tokio::sync::Mutex<()>,
    cache: Mutex<Cache<Rebuilt>>,
    /// Public JSON of results, by entry index: a result changes only by a new
    /// amendment (or a new day, for its deadline countdown).
    pub results: Mutex<HashMap<u64, RenderedResult>>,
    /// The immutable part of each draw's public detail, by draw id.
    pub details: Mutex<Cache<Vec<u8>>>,
    /// The accounts file and its memo of verified tokens.
    pub accounts: crate::log::accounts::Gate,
    /// Failed logins per account and per client address.
    pub logins: super::login_limit::LoginLimiter,
}

/// A result's public JSON as of `amendments` amendments and `today`.
pub struct RenderedResult {
    pub amendments: usize,
    pub today: Date,
    pub json: Arc<Vec<u8>>,
    pub uscc: String,
    /// Published (已公示): only these are listed.
    pub public: bool,
}

impl AppState {
    /// Most results kept rendered (a few hundred bytes each).
    pub const RENDERED_RESULTS: usize = 500_000;
}

/// The log cannot be read: the reason goes to the server's own log, the
/// client gets a generic 503 (no paths).
fn unavailable(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "the log is unavailable");
    ApiError::unavailable()
}

impl AppState {
    pub fn new(config: Config) -> AppState {
        AppState(Arc::new(Shared {
            config,
            view: ArcSwapOption::empty(),
            writer: Mutex::new(None),
            writing: tokio::sync::Mutex::new(()),
            cache: Mutex::new(Cache::default()),
            results: Mutex::new(HashMap::new()),
            details: Mutex::new(Cache::default()),
            accounts: Default::default(),
            logins: Default::default(),
        }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The committed log as of now.
    pub fn log(&self) -> ApiResult<Arc<Log>> {
        Ok(self.view()?.log.clone())
    }

    /// The current view. Another process's write is picked up here; this
    /// process's writes are swapped in by [`AppState::write`].
    pub fn view(&self) -> ApiResult<Arc<View>> {
        let dir = &self.0.config.log_dir;
        // A missing `checkpoint` alone is repaired by the next write; a
        // missing log is the operator's problem, answered 503.
        let key = checkpoint_key(dir).ok();
        if key.is_none() && !dir.join(VKEY).exists() {
            return Err(unavailable(format!("no log at {}", dir.display())));
        }
        if let Some(v) = self.0.view.load_full() {
            if v.key == key {
                return Ok(v);
            }
            // Our own writer is between its commit and its swap: the
            // current view is what has been acknowledged so far.
            let Ok(_writer) = self.0.writer.try_lock() else { return Ok(v) };
            return self.reload();
        }
        let _writer = self.0.writer.lock().map_err(ApiError::internal)?;
        self.reload()
    }

    /// Builds the view from the files (another process wrote, or first use).
    fn reload(&self) -> ApiResult<Arc<View>> {
        let dir = &self.0.config.log_dir;
        let key = checkpoint_key(dir).ok();
        let log = Log::open_dir(dir, false).map_err(unavailable)?;
        let view = Arc::new(View::build(Arc::new(log), key));
        self.0.view.store(Some(view.clone()));
        Ok(view)
    }

    /// Runs one write against the log and publishes the result before
    /// returning it with the view that shows it. `job` sees the view of the
    /// log it writes to; it must not fail after its append succeeded (a saved
    /// write is never an error).
    pub async fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Log, &View) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<(T, Arc<View>)> {
        let _order = self.0.writing.lock().await;
        let state = self.clone();
        // The request's span (its id) follows the job, so the appended ids
        // are logged with it.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _in_request = span.enter();
            state.write_now(job)
        })
        .await
        .map_err(ApiError::internal)?
    }

    fn write_now<T>(&self, job: impl FnOnce(&mut Log, &View) -> ApiResult<T>) -> ApiResult<(T, Arc<View>)> {
        let dir = &self.0.config.log_dir;
        let mut slot = self.0.writer.lock().map_err(ApiError::internal)?;
        let mut log = match slot.take() {
            Some(mut log) => match log.relock() {
                Ok(true) => log,
                Ok(false) => {
                    drop(log);
                    Log::open_dir(dir, true).map_err(write_refused)?
                }
                Err(e) => return Err(write_refused(e)),
            },
            None => Log::open_dir(dir, true).map_err(write_refused)?,
        };
        for f in log.findings.drain(..) {
            tracing::warn!(log = %dir.display(), finding = %f, "log opened");
        }
        let before = self.publish(&log);
        let outcome = job(&mut log, &before);
        let after = if log.len() != before.log.len() { self.publish(&log) } else { before };
        log.unlock();
        if !log.is_poisoned() {
            *slot = Some(log);
        }
        outcome.map(|t| (t, after))
    }

    /// Swaps in the view of `log` unless the current one already shows it.
    fn publish(&self, log: &Log) -> Arc<View> {
        if let Some(v) = self.0.view.load_full() {
            if v.log.len() == log.len() && v.log.latest_checkpoint() == log.latest_checkpoint() {
                return v;
            }
        }
        let key = checkpoint_key(&self.0.config.log_dir).ok();
        let view = Arc::new(View::build(Arc::new(log.reader()), key));
        self.0.view.store(Some(view.clone()));
        view
    }

    /// A commitment's inputs, rebuilt once and kept (snapshots never change)
    /// while the cache's bound allows.
    pub fn rebuilt(&self, log: &Log, commitment_id: &str, commitment: &Entry) -> ApiResult<Arc<Rebuilt>> {
        if let Some(r) = self.0.cache.lock().map_err(ApiError::internal)?.get(commitment_id) {
            return Ok(r);
        }
        let inputs = flow::committed_inputs(log, commitment).map_err(|e| ApiError {
            status: axum::http::StatusCode::CONFLICT,
            message: format!("the draw's snapshots do not rebuild: {e}"),
        })?;
        let reg = &inputs.enterprises;
        let enterprise_leaves: Vec<Hash> = reg
            .rows
            .iter()
            .map(|e| {
                let mut buf = Vec::new();
                crate::model::snapshot::enterprise_leaf(reg, e, &mut buf);
                crate::model::merkle::leaf_hash(&buf)
            })
            .collect();
        let enterprise_tree = crate::log::proof::Subtrees::new(&enterprise_leaves);
        let r = Arc::new(Rebuilt { inputs: Arc::new(inputs), enterprise_leaves, enterprise_tree });
        let bound = self.0.config.cache_bytes;
        let weight = r.weight();
        self.0.cache.lock().map_err(ApiError::internal)?.put(commitment_id.to_string(), r.clone(), weight, bound);
        Ok(r)
    }

    /// Today in China (UTC+8), unless fixed by the configuration.
    pub fn today(&self) -> Date {
        self.0.config.today.unwrap_or_else(Date::china_today)
    }
}

/// Why a write could not start: a damaged, locked or missing log is the
/// server's condition (503), never the client's.
fn write_refused(e: LogError) -> ApiError {
    match e {
        LogError::Locked(_) => ApiError::busy("another fairdraw process is writing to the log; try again shortly"),
        other => unavailable(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_to_its_bound_least_recently_used_first() {
        let mut c = Cache::default();
        c.put("a".into(), Arc::new(1), 40, 100);
        c.put("b".into(), Arc::new(2), 40, 100);
        assert!(c.get("a").is_some(), "a is now the most recent");
        c.put("c".into(), Arc::new(3), 40, 100);
        assert!(c.get("b").is_none(), "b was the least recently used");
        assert!(c.get("a").is_some() && c.get("c").is_some());
        assert_eq!(c.weight, 80);
        c.put("huge".into(), Arc::new(4), 500, 100);
        assert_eq!(c.items.len(), 1, "an item over the bound is kept alone");
        assert_eq!(c.weight, 500);
    }
}
