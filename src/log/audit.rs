//! `audit verify` and `audit replay`: the whole-log checker. It reads the
//! files directly (not through [`super::store::Log`]) so that it trusts
//! nothing the writer computed: every checkpoint signature, every root,
//! every entry's form, every cross-reference, every beacon and seed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::audit_entries::{check_beacon_record, check_blob, check_commitment, ReferenceFinding};
use super::entry::{self, Entry};
use super::flow;
use super::publication::Publication;
use super::store::{Log, CHECKPOINT, CHECKPOINTS, ENTRIES, VKEY};
use super::{audit_protected, audit_receipts, audit_seal, audit_tiles, commitments, note, proof, seal};
use crate::model::merkle::{Hash, RootBuilder};

/// Findings of a verification: tampering (exit 1) and plain notes.
#[derive(Default, Debug)]
pub struct Report {
    pub tampering: Vec<String>,
    pub notes: Vec<String>,
    pub entries: u64,
    /// Receipts under `receipts/` that were checked and hold.
    pub receipts: usize,
    /// Draws re-run (`None`: replay was not asked for).
    pub replayed: Option<usize>,
    /// `draw <id>: commitment witnessed by k of N before <T>`, one per draw.
    pub witnessed: Vec<String>,
    /// `visits: V, joint: J (P%)` (LOG-FORMAT "Joint visits").
    pub visits: String,
}

/// What `audit verify` is given besides the directory.
#[derive(Default, Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The verifier key the auditor saved (an auditor should pin it);
    /// without it `log.pub` is trusted as found, which is noted.
    pub vkey: Option<&'a str>,
    /// A checkpoint saved earlier: the log must extend it.
    pub old: Option<&'a str>,
    /// The verifier's clock (Unix seconds): drand commitments whose round
    /// time has passed without a BeaconRecord are abandoned. `None` skips
    /// that one check.
    pub now: Option<u64>,
    /// Re-run every DrawResult (`audit replay`); a difference is tampering.
    pub replay: bool,
    /// Which static tlog-tiles files to expect (a directory, or a mirror
    /// fetched over HTTP).
    pub tiles: audit_tiles::Scope,
}

/// Why a verification could not run at all (exit 2), as opposed to the
/// findings of one that ran (the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot read {}: {cause}", .path.display())]
    Read { path: PathBuf, cause: std::io::Error },
    #[error("{} has no {VKEY}: not a fairdraw log", .0.display())]
    NotALog(PathBuf),
    #[error("the verifier key {vkey:?} is malformed: {cause}")]
    BadKey { vkey: String, cause: signed_note::VerifierError },
}

pub(super) fn read(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, AuditError> {
    match std::fs::read(dir.join(name)) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(cause) => Err(AuditError::Read { path: dir.join(name), cause }),
    }
}

fn lines(bytes: &[u8]) -> (Vec<&[u8]>, usize) {
    let mut v: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let tail = v.pop().map_or(0, <[u8]>::len);
    (v, tail)
}

/// The checks that need neither a clock nor a replay (library callers and
/// tests); `audit verify` runs [`verify_with`] with both.
pub fn verify(dir: &Path, vkey: Option<&str>, old: Option<&str>) -> Result<Report, AuditError> {
    verify_with(dir, &Options { vkey, old, now: None, replay: false, tiles: audit_tiles::Scope::Directory })
}

/// Verifies a log directory. `Err` means the verification could not run
/// (bad input, exit 2).
pub fn verify_with(dir: &Path, opts: &Options) -> Result<Report, AuditError> {
    let (vkey, old) = (opts.vkey, opts.old);
    let mut r = Report::default();
    let published = read(dir, VKEY)?.ok_or_else(|| AuditError::NotALog(dir.to_path_buf()))?;
    let published = String::from_utf8_lossy(&published).trim().to_string();
    let vkey = vkey.map(str::trim).unwrap_or(&published).to_string();
    signed_note::StandardVerifier::new(&vkey).map_err(|cause| AuditError::BadKey { vkey: vkey.clone(), cause })?;
    if vkey != published {
        r.tampering.push(format!("{VKEY} is not the verifier key you gave: the log's key was replaced"));
    }
    if opts.vkey.is_none() {
        r.notes.push(format!("key not pinned: trusted {VKEY} as found"));
    }
    if old.is_none() {
        r.notes.push("no saved checkpoint or witness: a rewritten history would not be detected".to_string());
    }
    let statics = audit_tiles::Present::list(dir);
    let data = read(dir, ENTRIES)?.unwrap_or_default();
    let (entry_lines, tail) = lines(&data);
    let mut cps = read(dir, CHECKPOINTS)?.unwrap_or_default();
    if opts.tiles == audit_tiles::Scope::MirrorOfSize {
        cps.extend(read(dir, super::fetch::MIRROR_TAIL)?.unwrap_or_default());
    }
    let (cp_lines, cp_tail) = lines(&cps);

    let mut records = Vec::new();
    for (i, line) in cp_lines.iter().enumerate() {
        let v: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => {
                r.tampering.push(format!("{CHECKPOINTS} line {}: not JSON ({e})", i + 1));
                continue;
            }
        };
        match (v["size"].as_u64(), v["checkpoint"].as_str(), v["batch_end"].as_bool()) {
            (Some(size), Some(text), Some(end)) => records.push((size, text.to_string(), end)),
            _ => r.tampering.push(format!("{CHECKPOINTS} line {}: lacks size, checkpoint or batch_end", i + 1)),
        }
    }
    let committed = records.iter().rposition(|c| c.2).map_or(0, |p| p + 1);
    if committed < records.len() || cp_tail > 0 {
        r.notes.push(format!(
            "{CHECKPOINTS} ends with an interrupted write ({} unfinished record(s)); not part of the log",
            records.len() - committed
        ));
    }
    // A crash leaves records of the next sizes, each of an entry already
    // written; any other record after the last batch end was put there.
    for (p, rec) in records.iter().enumerate().skip(committed) {
        let line = p as u64 + 1;
        // (a mirror's entries are fetched up to the last batch end only)
        let beyond = rec.0 > entry_lines.len() as u64 && opts.tiles == audit_tiles::Scope::Directory;
        if rec.0 != line || beyond {
            r.tampering.push(format!(
                "{CHECKPOINTS} line {line}: an unfinished record for size {}, but an interrupted write leaves record {line} for size {line}, of an entry already written",
                rec.0
            ));
        }
    }
    records.truncate(committed);
    let size = records.last().map_or(0, |c| c.0);
    if records.is_empty() && !entry_lines.is_empty() {
        r.tampering.push(format!(
            "no signed checkpoint covers the {} entries: {CHECKPOINTS} was deleted or emptied",
            entry_lines.len()
        ));
    }
    if (entry_lines.len() as u64) < size {
        r.tampering.push(format!(
            "the signed checkpoints cover {size} entries but {ENTRIES} holds {}: entries were deleted",
            entry_lines.len()
        ));
    } else if entry_lines.len() as u64 > size || tail > 0 {
        r.notes.push(format!(
            "{ENTRIES} has {} entr(y/ies) and {tail} torn bytes past the last checkpoint: an interrupted write, never acknowledged, not part of the log",
            entry_lines.len() as u64 - size
        ));
    }
    let entry_lines = &entry_lines[..entry_lines.len().min(size as usize)];
    r.entries = entry_lines.len() as u64;

    // Every tree size has a signed checkpoint; the first whose root differs
    // points at the entry that was changed.
    let leaves: Vec<Hash> = entry_lines.iter().map(|l| entry::leaf_of(l)).collect();
    let mut tree = RootBuilder::default();
    let mut first_bad_root = None;
    for (k, (cp_size, text, _)) in records.iter().enumerate() {
        if *cp_size != k as u64 + 1 {
            r.tampering.push(format!(
                "checkpoint record {} is for size {cp_size}, expected {}: records were removed or reordered",
                k + 1,
                k + 1
            ));
            break;
        }
        if let Some(leaf) = leaves.get(k) {
            tree.push(*leaf);
        }
        let cp = match note::open(text, &vkey) {
            Ok(cp) => cp,
            Err(e) => {
                r.tampering.push(format!("the checkpoint for size {cp_size} does not verify: {e}"));
                continue;
            }
        };
        // (a checkpoint beyond the entries is the deletion reported above, not a change)
        if first_bad_root.is_none() && cp.size as usize <= leaves.len() && cp.root != tree.root() {
            first_bad_root = Some(k);
            r.tampering.push(format!(
                "entry {k} (now id {}) does not match the signed checkpoint of size {cp_size}: it was changed after it was logged",
                leaves.get(k).map(hex::encode).unwrap_or_default()
            ));
        }
    }
    match (read(dir, CHECKPOINT)?, records.last()) {
        (Some(cp), Some(last)) if !super::store::is_newest(&cp, &last.1) => {
            // A crash between the commit point and the refresh of `checkpoint`
            // leaves an older signed checkpoint there: stale, not forged.
            // Only the end of the batch before the newest can be left there.
            let previous_batch_end = records[..records.len() - 1].iter().rev().find(|c| c.2);
            match previous_batch_end.filter(|c| super::store::is_newest(&cp, &c.1)) {
                Some(older) => r.notes.push(format!(
                    "{CHECKPOINT} is the older signed checkpoint of size {} (an interrupted write; the next write refreshes it)",
                    older.0
                )),
                None => r.tampering.push(format!("{CHECKPOINT} is neither the newest signed checkpoint nor the one a crash could leave")),
            }
        }
        (None, Some(_)) => {
            r.notes.push(format!("{CHECKPOINT} is missing (it is rewritten from {CHECKPOINTS} on the next write)"))
        }
        _ => {}
    }

    let entries: Vec<Option<Entry>> = entry_lines
        .iter()
        .enumerate()
        .map(|(i, line)| match Entry::parse(line, i as u64) {
            Ok(e) => Some(e),
            Err(e) => {
                r.tampering.push(format!("entry {i}: {e}"));
                None
            }
        })
        .collect();
    if !matches!(entries.first(), Some(Some(e)) if e.kind == entry::Kind::LogCreated) {
        r.tampering.push(
            "the log does not begin with its LogCreated entry: a log without it is never valid (emptied, or cut at the front)"
                .to_string(),
        );
    }
    check_references(dir, &entries, &leaves, &published, &mut r);
    // The witness checks and the replay read the log as the writer sees it.
    // A log that does not open so is damaged: what they would have checked
    // is unchecked, and that alone is a problem. (A note would let one
    // unsigned line in checkpoints.jsonl switch the replay off and pass a
    // re-signed, rigged draw.)
    let opened = Log::open_dir(dir, false);
    match &opened {
        Ok(log) => {
            if super::audit_witnesses::check(log, &mut r) {
                r.notes.retain(|n| !n.starts_with("no saved checkpoint or witness"));
            }
        }
        Err(e) => r.tampering.push(format!(
            "the log does not open for reading ({e}): its witnesses{} were not checked",
            if opts.replay { " and draws" } else { "" }
        )),
    }
    audit_receipts::check(dir, entry_lines, &leaves, &entries, &vkey, &mut r);
    let batch_ends: Vec<u64> = records.iter().filter(|c| c.2).map(|c| c.0).collect();
    audit_tiles::check(dir, statics, entry_lines, &leaves, &batch_ends, opts.tiles, &mut r);
    let ided: Vec<(String, &Entry)> =
        entries.iter().zip(&leaves).filter_map(|(e, h)| e.as_ref().map(|e| (hex::encode(h), e))).collect();
    r.tampering.extend(commitments::suspects(&ided, opts.now).iter().map(commitments::Suspect::message));
    r.tampering.extend(super::audit_replace::check(dir, &ided, protected_log(&entries)));
    r.visits = super::annual::rate_line(&super::annual::visits(&ided));
    if let (true, Ok(log)) = (opts.replay, &opened) {
        replay_into(log, &mut r);
    }
    let simulated = entries.iter().flatten().filter(|e| e.simulated).count();
    if simulated > 0 {
        r.notes.push(format!(
            "{simulated} of {} entries were written under a simulated clock (--now): their times are not real",
            entries.len()
        ));
    }

    if let Some(old) = old {
        let current = crate::model::merkle::root(&leaves);
        match note::open(old, &vkey) {
            Err(e) => r.tampering.push(format!(
                "the checkpoint you saved does not verify with the log's key ({e}): the key or the log changed"
            )),
            Ok(cp) => check_old(&cp, &leaves, &current, &mut r),
        }
    }
    Ok(r)
}

/// Your saved checkpoint must be a prefix of the log now (RFC 9162 §2.1.4).
fn check_old(cp: &note::Checkpoint, leaves: &[Hash], current: &Hash, r: &mut Report) {
    {
        if cp.size > leaves.len() as u64 {
            r.tampering.push(format!(
                "your checkpoint covers {} entries but the log now has {}: the log was truncated",
                cp.size,
                leaves.len()
            ));
        } else if cp.size > 0 {
            let consistency = proof::consistency_proof(leaves, cp.size);
            if !proof::verify_consistency(cp.size, leaves.len() as u64, &cp.root, current, &consistency) {
                r.tampering.push(format!(
                    "the log is not an extension of your checkpoint of size {}: its history was rewritten",
                    cp.size
                ));
            } else {
                r.notes.push(format!(
                    "consistent with your checkpoint of size {} (RFC 9162 consistency proof checked)",
                    cp.size
                ));
            }
        }
    }
}

/// Whether the log's LogCreated says `publication: protected`.
fn protected_log(entries: &[Option<Entry>]) -> bool {
    matches!(entries.first(), Some(Some(e)) if e.kind == entry::Kind::LogCreated
        && Publication::of_body(&e.body) == Publication::Protected)
}

/// Cross-references and beacons: what a correct writer always produces.
fn check_references(dir: &Path, entries: &[Option<Entry>], leaves: &[Hash], vkey: &str, r: &mut Report) {
    let id = |i: usize| hex::encode(leaves[i]);
    let protected = protected_log(entries);
    let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut revealed = BTreeSet::new();
    let mut published = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        index_of.insert(id(i), i);
        let Some(e) = e else { continue };
        let earlier = |field: &'static str, kind: &'static str| -> Result<&Entry, ReferenceFinding> {
            let target = e.body[field].as_str().unwrap_or("");
            let j = *index_of
                .get(target)
                .filter(|&&j| j < i)
                .ok_or_else(|| ReferenceFinding::NotEarlier { field, target: target.to_string() })?;
            entries[j].as_ref().filter(|t| t.kind == kind).ok_or_else(|| ReferenceFinding::WrongKind {
                field,
                target: target.to_string(),
                kind,
            })
        };
        let problem = match e.kind.as_str() {
            "LogCreated" if i != 0 => Some(format!("entry {i}: LogCreated may only be the first entry")),
            "LogCreated" if e.body["vkey"] != vkey => Some("entry 0 names another verifier key than log.pub".into()),
            "RegistrySnapshot" => check_blob(dir, e, protected).err().map(|m| format!("entry {i}: {m}")),
            "AnnualPlan" => {
                let found = super::annual::annual_plan_problems(&e.body);
                r.tampering.extend(found.iter().map(|m| format!("entry {i} (AnnualPlan): {m}")));
                None
            }
            "DrawCommitment" => {
                let mut found: Vec<String> =
                    check_commitment(e, &entries[..i], &leaves[..i]).err().map(|m| m.to_string()).into_iter().collect();
                let before: Vec<(String, &Entry)> =
                    entries[..i].iter().enumerate().filter_map(|(j, x)| x.as_ref().map(|x| (id(j), x))).collect();
                found.extend(super::annual::reference_problems(&e.body, &before));
                if protected {
                    found.extend(audit_protected::check_commitment(dir, e, &mut r.notes));
                    if !audit_protected::has_full_snapshots(dir, &e.body)
                        && !r.notes.iter().any(|n| n == audit_protected::PUBLIC_NOTE)
                    {
                        r.notes.push(audit_protected::PUBLIC_NOTE.to_string());
                    }
                } else if e.body.get("blinded").is_some() {
                    found.push("a commitment of a full log carries `blinded`".to_string());
                }
                r.tampering.extend(found.iter().map(|m| format!("entry {i}: {m}")));
                None
            }
            "BeaconRecord" => earlier("commitment", "DrawCommitment")
                .and_then(|c| {
                    if !revealed.insert(e.body["commitment"].as_str().unwrap_or("").to_string()) {
                        return Err(ReferenceFinding::SecondBeacon);
                    }
                    let commitment_leaf =
                        &leaves[*index_of.get(e.body["commitment"].as_str().unwrap_or("")).unwrap_or(&0)];
                    Ok(check_beacon_record(e, c, commitment_leaf)?)
                })
                .err()
                .map(|m| format!("entry {i}: {m}")),
            "DrawResult" => earlier("commitment", "DrawCommitment")
                .and_then(|c| earlier("beacon", "BeaconRecord").map(|b| (c, b)))
                .and_then(|(c, b)| {
                    if b.body["commitment"] != e.body["commitment"] {
                        return Err(ReferenceFinding::OtherCommitment);
                    }
                    let d = &e.body["draw"];
                    if e.body.get("sealed").is_some() {
                        audit_seal::check_sealed_result(e, c)?;
                        return Ok(c);
                    }
                    if e.body["outcome"] == "drawn"
                        && (d["seed"] != b.body["seed"] || d["plan_digest"] != c.body["plan_digest"])
                    {
                        return Err(ReferenceFinding::SeedOrDigest);
                    }
                    Ok(c)
                })
                .map(|c| {
                    let openings = e.body.get("openings");
                    let found = match (protected, e.body.get("draw")) {
                        (true, Some(doc)) => audit_protected::check_drawn(dir, c, doc, openings),
                        (false, _) if openings.is_some() => vec!["a result of a full log carries `openings`".into()],
                        _ => Vec::new(),
                    };
                    let draw = &id(i)[..16];
                    r.tampering.extend(found.iter().map(|m| format!("entry {i} (draw {draw}): {m}")));
                })
                .err()
                .map(|m| format!("entry {i}: {m}")),
            "DrawPublication" => earlier("result", "DrawResult")
                .and_then(|result| {
                    let entry_at = |field: &str| {
                        index_of.get(result.body[field].as_str().unwrap_or("")).and_then(|&j| entries[j].as_ref())
                    };
                    let sealed = audit_seal::Sealed {
                        result_id: e.body["result"].as_str().unwrap_or(""),
                        result,
                        beacon: entry_at("beacon"),
                        commitment: entry_at("commitment"),
                    };
                    audit_seal::check_publication(&id(i), e, &sealed, &mut published)?;
                    Ok(sealed.commitment)
                })
                .map(|commitment| {
                    // Once published, the document is checked as a DrawResult's is.
                    let openings = e.body.get("openings");
                    let found = match (protected, commitment) {
                        (true, Some(c)) => audit_protected::check_drawn(dir, c, &e.body["draw"], openings),
                        (false, _) if openings.is_some() => {
                            vec!["a publication of a full log carries `openings`".into()]
                        }
                        _ => Vec::new(),
                    };
                    let draw = &id(i)[..16];
                    r.tampering.extend(found.iter().map(|m| format!("entry {i} (publication {draw}): {m}")));
                })
                .err()
                .map(|m| format!("entry {i}: {m}")),
            _ => None,
        };
        r.tampering.extend(problem);
    }
    r.tampering.extend(super::audit_aftercare::check(entries, leaves));
    let sealed = audit_seal::after_all(entries, leaves, &published);
    r.notes.extend(sealed.notes);
    r.tampering.extend(sealed.tampering);
}

/// Replays every draw of `log` into the report: a draw that does not
/// reproduce was edited after it was drawn, even if the log was re-signed.
fn replay_into(log: &Log, r: &mut Report) {
    let replayed = replay_draws(log);
    r.replayed = Some(replayed.iter().filter(|d| !d.skipped).count());
    for d in replayed.into_iter().filter(|d| !d.same) {
        r.tampering.push(format!(
            "entry {} (DrawResult {}) does not replay: {}; the logged draw is not what its inputs and seed give",
            d.index, d.id, d.message
        ));
    }
}

/// Why a logged draw does not re-run to what was logged.
#[derive(Debug, thiserror::Error)]
pub enum ReplayDiff {
    #[error("{0}")]
    Log(#[from] super::store::LogError),
    #[error("beacon record has no seed")]
    NoSeed,
    #[error("{0}")]
    Rebuild(#[from] flow::RebuildError),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("logged as {0} but the draw succeeds")]
    Succeeds(Value),
    #[error("{count} difference(s), first: draw.{first}")]
    Differs { count: usize, first: String },
    #[error("the replayed document does not hash to the digest the sealed result carries")]
    SealedDigest,
    #[error("the replay fails: {0}")]
    Fails(crate::engine::draw::DrawError),
}

/// One re-run draw.
pub struct Replayed {
    pub index: u64,
    pub id: String,
    /// The re-run reproduces the logged outcome.
    pub same: bool,
    /// Not re-run: a protected log without its full snapshots (a public
    /// mirror), whose draws the public checks judge instead.
    pub skipped: bool,
    pub message: String,
}

/// One line per logged draw: `OK` when re-running it from the logged
/// inputs reproduces the logged document byte for byte, `DIFF` otherwise.
pub fn replay(log: &Log) -> Vec<(bool, String)> {
    replay_draws(log)
        .into_iter()
        .map(|d| {
            let word = match (d.skipped, d.same) {
                (true, _) => "SKIP",
                (false, true) => "OK  ",
                (false, false) => "DIFF",
            };
            (d.same, format!("{word} {}  {}", d.id, d.message))
        })
        .collect()
}

/// Re-runs every DrawResult from the log alone.
pub fn replay_draws(log: &Log) -> Vec<Replayed> {
    let mut out = Vec::new();
    let protected = Publication::of_log(log) == Publication::Protected;
    // Each sealed result's publication, found in one pass.
    let publications: BTreeMap<String, Arc<Entry>> = log
        .valid_entries()
        .filter(|(_, e)| e.kind == entry::Kind::DrawPublication)
        .filter_map(|(_, e)| Some((e.body["result"].as_str()?.to_string(), e.clone())))
        .collect();
    for i in 0..log.len() {
        let Ok(result) = log.entry(i) else { continue };
        if result.kind != "DrawResult" {
            continue;
        }
        let id = log.id(i);
        if protected && !has_full_enterprises(log, &result) {
            let message = "not replayed: a protected log without its full snapshots (the auditor export has them)";
            out.push(Replayed { index: i, id, same: true, skipped: true, message: message.to_string() });
            continue;
        }
        let line = (|| -> Result<String, ReplayDiff> {
            let find = |field: &str| log.find(result.body[field].as_str().unwrap_or("")).and_then(|i| log.entry(i));
            let (c, b) = (find("commitment")?, find("beacon")?);
            let seed = b.body["seed"].as_str().ok_or(ReplayDiff::NoSeed)?;
            let inputs = flow::committed_inputs(log, &c)?;
            let name = inputs.plan.name.clone();
            match crate::engine::draw::draw(&inputs.registries(), &inputs.plan, seed) {
                Ok(doc) => {
                    let again = serde_json::to_value(&doc)?;
                    if result.body["outcome"] != "drawn" {
                        return Err(ReplayDiff::Succeeds(result.body["outcome"].clone()));
                    }
                    // A sealed draw is compared with its publication, or
                    // until then with the digest it carries.
                    let logged = match audit_seal::logged(&result, publications.get(&id).map(Arc::as_ref)) {
                        audit_seal::Logged::Digest(digest) if *digest == seal::digest(&again) => {
                            return Ok(format!(
                                "{name}: {} targets reproduced (sealed: the digest matches)",
                                doc.assignments.len()
                            ));
                        }
                        audit_seal::Logged::Digest(_) => return Err(ReplayDiff::SealedDigest),
                        audit_seal::Logged::Document(d) => d,
                    };
                    let diffs = crate::engine::verify::compare(&again, logged);
                    match diffs.first() {
                        None => Ok(format!("{name}: {} targets reproduced", doc.assignments.len())),
                        Some(d) => Err(ReplayDiff::Differs { count: diffs.len(), first: d.to_string() }),
                    }
                }
                Err(crate::engine::draw::DrawError::Infeasible(_)) if result.body["outcome"] == "infeasible" => {
                    Ok(format!("{name}: infeasible, as logged"))
                }
                Err(e) => Err(ReplayDiff::Fails(e)),
            }
        })();
        let (same, message) = match line {
            Ok(m) => (true, m),
            Err(m) => (false, m.to_string()),
        };
        out.push(Replayed { index: i, id, same, skipped: false, message });
    }
    out
}

/// Whether the full enterprise snapshot of a result's commitment is at hand.
fn has_full_enterprises(log: &Log, result: &Entry) -> bool {
    let commitment = log.find(result.body["commitment"].as_str().unwrap_or("")).and_then(|i| log.entry(i));
    let Ok(c) = commitment else { return true };
    let root = c.body["snapshots"]["enterprises"]["root"].as_str().unwrap_or("");
    !matches!(log.snapshot_blob(root), Ok(None))
}
