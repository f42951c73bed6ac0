//! The protected log's snapshots (audit/LOG-FORMAT.md, "Publication"): the
//! full snapshots and their salts stay under `private/snapshots/`, the
//! public gets blinded snapshots, and a drawn result opens the selected
//! firms' rows. Used by the commit, the reveal (and the unsealing of an
//! embargoed draw), `audit verify` with the auditor's data, and disclosures.

use std::collections::HashMap;
use std::io::{Read, Write};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};

use super::entry::Entry;
use super::publication::{self, PrivateError, PRIVATE_SNAPSHOTS};
use super::snapshots::{self, Blob, SnapshotError};
use super::store::{Log, LogError};
use crate::input::plan::Plan;
use crate::input::table::field_index;
use crate::model::blinding::{self, Blinded, Registry, Salt, State};
use crate::model::fields::ENTERPRISE_FIELDS;
use crate::model::registry::Status;

/// Why a protected snapshot cannot be built, read or opened.
#[derive(Debug, thiserror::Error)]
pub enum ProtectedError {
    #[error("{0}")]
    Private(#[from] PrivateError),
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("{0}")]
    Snapshot(#[from] SnapshotError),
    #[error("{registry} snapshot leaf {index} is not a §5 leaf")]
    BadLeaf { registry: &'static str, index: usize },
    #[error("the salts of snapshot {root} are missing")]
    NoSalts { root: String },
    #[error("the salts file of snapshot {root} is not gzip of 64-hex-digit lines")]
    BadSalts { root: String },
    #[error("the salts file of snapshot {root} has {found} lines for {count} leaves")]
    SaltCount { root: String, found: usize, count: usize },
    #[error("the full snapshot {0} is missing (it lives in private/snapshots/ or an auditor export)")]
    NoFullSnapshot(String),
    #[error("commitment lacks the {0} root")]
    NoRoot(&'static str),
    #[error("target {0} is not in the committed enterprise snapshot")]
    NotInSnapshot(String),
}

/// An enterprise's state under a plan, from its §5 leaf (spec §6): the
/// same scope test as the engine's, read from the leaf's cells.
pub fn leaf_state(plan: &Plan, leaf: &[String]) -> State {
    let cell = |k: usize| leaf.get(k).map_or("", String::as_str);
    let s = &plan.scope;
    let width = 6 + extra_columns(plan);
    let status_ok = Status::parse(cell(5)).is_some_and(|st| {
        s.statuses.contains(&st)
            || s.wake.as_ref().is_some_and(|w| w.admits(cell(0), st, cell(width - 2), cell(width - 1)))
    });
    let region_ok = s.regions.is_empty() || s.regions.iter().any(|p| cell(3).starts_with(p.as_str()));
    let industry_ok = s.industries.is_empty() || s.industries.iter().any(|p| cell(4).starts_with(p.as_str()));
    // The extra cells follow the six fields in the order of the plan's
    // leaf extras (spec §5), `established` and ranged columns included.
    let extras = plan.leaf_extras();
    let value = |column: &str| match field_index(ENTERPRISE_FIELDS, column) {
        Some(f) if f < 6 => cell(f),
        _ => extras.iter().position(|c| c == column).map_or("", |j| cell(6 + j)),
    };
    let where_ok = s.where_.iter().all(|(column, want)| value(column) == want);
    let range_ok = s.ranges.iter().all(|r| r.contains(value(&r.column)));
    if !(status_ok && region_ok && industry_ok && where_ok && range_ok) {
        State::Out
    } else if plan.exclude.binary_search_by(|x| x.as_str().cmp(cell(0))).is_ok() {
        State::Excluded
    } else {
        State::Eligible
    }
}

/// How many extra columns an enterprise leaf has under this plan (spec §5):
/// the filter columns and, with `scope.wake`, the two dormancy dates.
pub fn extra_columns(plan: &Plan) -> usize {
    plan.leaf_extras().len()
}

fn registry_of(name: &str) -> Registry {
    match name {
        "enterprises" => Registry::Enterprises,
        "inspectors" => Registry::Inspectors,
        _ => Registry::Conflicts,
    }
}

fn bad_leaf(registry: Registry, index: usize) -> ProtectedError {
    ProtectedError::BadLeaf { registry: registry.as_str(), index }
}

/// The cells a row key and a blinded leaf need: the strings of the leaf
/// (an inspector leaf's booleans and arrays are not needed).
fn cells(registry: Registry, leaf: &[u8], index: usize) -> Result<Vec<String>, ProtectedError> {
    let v: Vec<Value> = serde_json::from_slice(leaf).map_err(|_| bad_leaf(registry, index))?;
    let needed = match registry {
        Registry::Enterprises => 6,
        Registry::Inspectors => 3,
        Registry::Conflicts => 2,
    };
    if v.len() < needed || v[..needed].iter().any(|c| !c.is_string()) {
        return Err(bad_leaf(registry, index));
    }
    Ok(v.iter().map(|c| c.as_str().unwrap_or_default().to_string()).collect())
}

fn row_key(registry: Registry, cells: &[String]) -> Vec<u8> {
    match registry {
        Registry::Conflicts => blinding::conflict_key(&cells[0], &cells[1]),
        _ => cells[0].as_bytes().to_vec(),
    }
}

/// Every row's salt, in leaf order.
pub fn salts(secret: &[u8; 32], registry: Registry, leaves: &[Vec<u8>]) -> Result<Vec<Salt>, ProtectedError> {
    leaves
        .iter()
        .enumerate()
        .map(|(i, leaf)| Ok(blinding::salt(secret, registry, &row_key(registry, &cells(registry, leaf, i)?))))
        .collect()
}

/// One blinded snapshot from the full leaves and their salts (the
/// enterprise states from `plan`).
pub fn blind(registry: Registry, plan: &Plan, leaves: &[Vec<u8>], salts: &[Salt]) -> Result<Blinded, ProtectedError> {
    let mut out = Vec::with_capacity(leaves.len());
    for (i, (leaf, salt)) in leaves.iter().zip(salts).enumerate() {
        let c = cells(registry, leaf, i)?;
        let b = blinding::blind(salt, leaf);
        out.push(match registry {
            Registry::Enterprises => blinding::enterprise_leaf(&c[2], leaf_state(plan, &c), &b),
            Registry::Inspectors => blinding::inspector_leaf(&c[0], &c[1], &c[2], &b),
            Registry::Conflicts => blinding::conflict_leaf(&b),
        });
    }
    Ok(Blinded::new(out))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(bytes).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

/// `<root>.salts.gz`: one line per leaf, the salt as 64 hex digits.
pub fn pack_salts(salts: &[Salt]) -> Vec<u8> {
    let text: String = salts.iter().map(|s| hex::encode(s) + "\n").collect();
    gzip(text.as_bytes())
}

/// A salts file, checked to hold one salt per leaf.
pub fn unpack_salts(gz: &[u8], root: &str, count: usize) -> Result<Vec<Salt>, ProtectedError> {
    let bad = || ProtectedError::BadSalts { root: root.to_string() };
    let mut text = String::new();
    GzDecoder::new(gz).read_to_string(&mut text).map_err(|_| bad())?;
    let lines: Vec<&str> = text.strip_suffix('\n').map_or(Vec::new(), |t| t.split('\n').collect());
    if !text.is_empty() && lines.is_empty() {
        return Err(bad());
    }
    let salts = lines
        .iter()
        .map(|l| {
            (crate::log::entry::is_hex64(l)).then(|| hex::decode(l).ok()?.try_into().ok()).flatten().ok_or_else(bad)
        })
        .collect::<Result<Vec<Salt>, _>>()?;
    if salts.len() != count {
        return Err(ProtectedError::SaltCount { root: root.to_string(), found: salts.len(), count });
    }
    Ok(salts)
}

/// What a protected commit stores: per registry, the private full blob and
/// salts, and the public blinded blob.
pub struct Stored {
    pub registry: &'static str,
    pub blinded: Blinded,
    pub salts_gz: Vec<u8>,
}

/// Blinds the three full snapshots of a commit under its effective plan.
pub fn blind_all(secret: &[u8; 32], plan: &Plan, blobs: &[Blob; 3]) -> Result<Vec<Stored>, ProtectedError> {
    blobs
        .iter()
        .map(|blob| {
            let registry = registry_of(blob.registry);
            let salts = salts(secret, registry, &blob.leaves)?;
            Ok(Stored {
                registry: blob.registry,
                blinded: blind(registry, plan, &blob.leaves, &salts)?,
                salts_gz: pack_salts(&salts),
            })
        })
        .collect()
}

/// Writes a protected commit's snapshots and returns the `blinded` field of
/// its DrawCommitment.
pub fn store(log: &mut Log, plan: &Plan, blobs: &[Blob; 3]) -> Result<Value, ProtectedError> {
    let secret = publication::blind_key(log)?;
    let mut refs = serde_json::Map::new();
    for (blob, s) in blobs.iter().zip(blind_all(&secret, plan, blobs)?) {
        let root = hex::encode(blob.root);
        log.put_blob(&publication::private_blob_name(&root), &blob.gz)?;
        log.put_blob(&publication::salts_name(PRIVATE_SNAPSHOTS, &root), &s.salts_gz)?;
        log.put_blob(&snapshots::blob_name(&s.blinded.root_hex()), &gzip(&s.blinded.lines()))?;
        refs.insert(s.registry.into(), json!({"root": s.blinded.root_hex(), "count": s.blinded.count()}));
    }
    Ok(Value::Object(refs))
}

/// A full snapshot's salts: `snapshots/<root>.salts.gz` (an auditor
/// export) or `private/snapshots/<root>.salts.gz` (the operator's log).
pub fn read_salts(log: &Log, root: &str, count: usize) -> Result<Vec<Salt>, ProtectedError> {
    let gz = match log.blob(&publication::salts_name("snapshots", root))? {
        Some(gz) => gz,
        None => log
            .blob(&publication::salts_name(PRIVATE_SNAPSHOTS, root))?
            .ok_or_else(|| ProtectedError::NoSalts { root: root.to_string() })?,
    };
    unpack_salts(&gz, root, count)
}

/// The leaves and salts of a commitment's full enterprise snapshot.
pub fn enterprise_rows(log: &Log, commitment: &Entry) -> Result<(Vec<Vec<u8>>, Vec<Salt>), ProtectedError> {
    let root =
        commitment.body["snapshots"]["enterprises"]["root"].as_str().ok_or(ProtectedError::NoRoot("enterprises"))?;
    let gz = log.snapshot_blob(root)?.ok_or_else(|| ProtectedError::NoFullSnapshot(root.to_string()))?;
    let leaves = snapshots::unpack(&gz, root)?;
    let salts = read_salts(log, root, leaves.len())?;
    Ok((leaves, salts))
}

/// The `openings` of a drawn document in a protected log: per assignment,
/// in order, the firm's §5 leaf and its salt (LOG-FORMAT "Committing and
/// revealing in a protected log").
pub fn openings(log: &Log, commitment: &Entry, draw: &Value) -> Result<Value, ProtectedError> {
    let (leaves, salts) = enterprise_rows(log, commitment)?;
    let mut by_uscc: HashMap<String, (Vec<String>, &Salt)> = HashMap::with_capacity(leaves.len());
    for (i, (leaf, salt)) in leaves.iter().zip(&salts).enumerate() {
        let c = cells(Registry::Enterprises, leaf, i)?;
        by_uscc.insert(c[0].clone(), (c, salt));
    }
    let mut out = Vec::new();
    for a in draw["assignments"].as_array().into_iter().flatten() {
        let uscc = a["uscc"].as_str().unwrap_or_default();
        let (leaf, salt) = by_uscc.get(uscc).ok_or_else(|| ProtectedError::NotInSnapshot(uscc.to_string()))?;
        out.push(json!({"leaf": leaf, "salt": hex::encode(salt)}));
    }
    Ok(Value::Array(out))
}
