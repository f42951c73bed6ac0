//! Registry snapshots stored in the log, content-addressed by their Merkle
//! root: `snapshots/<root>.jsonl.gz` holds the leaves (spec §5), one per
//! line, gzip-compressed. Replaying a draw years later needs nothing else.

use std::io::{Read, Write};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

use crate::input::files::Inputs;
use crate::input::plan::Plan;
use crate::input::registry;
use crate::input::table::BytesSource;
use crate::model::merkle::{self, Hash};
use crate::model::registry::{Enterprises, Inspector};
use crate::model::snapshot;

/// Why a stored snapshot cannot be read back or rebuilt into inputs.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot {root} is not valid gzip: {cause}")]
    NotGzip { root: String, cause: std::io::Error },
    /// The leaves no longer hash to the root the blob is named by.
    #[error("snapshot {root} does not hash to its root: it was changed")]
    Changed { root: String },
    #[error("snapshot leaf is not JSON: {0}")]
    LeafNotJson(serde_json::Error),
    #[error("snapshot CSV: {0}")]
    Csv(csv::Error),
    /// The rebuilt CSV fails the same validation as a registry file.
    #[error("{registry} snapshot does not load: {cause}")]
    DoesNotLoad { registry: &'static str, cause: crate::input::error::InputError },
    #[error("the plan wakes dormant firms but the enterprise snapshot lacks their dormancy dates")]
    NoDormancyDates,
}

/// One registry's snapshot, ready to store.
pub struct Blob {
    pub registry: &'static str,
    pub root: Hash,
    pub count: u64,
    pub columns: Vec<String>,
    pub gz: Vec<u8>,
    /// The leaves (a protected commit blinds them).
    pub leaves: Vec<Vec<u8>>,
}

impl Blob {
    pub fn name(&self) -> String {
        blob_name(&hex::encode(self.root))
    }
}

pub fn blob_name(root_hex: &str) -> String {
    format!("snapshots/{root_hex}.jsonl.gz")
}

fn pack(registry: &'static str, columns: Vec<String>, leaves: impl Iterator<Item = Vec<u8>>) -> Blob {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    let mut tree = merkle::RootBuilder::default();
    let leaves: Vec<Vec<u8>> = leaves.collect();
    for leaf in &leaves {
        tree.push(merkle::leaf_hash(leaf));
        gz.write_all(leaf).and_then(|_| gz.write_all(b"\n")).expect("writing to memory");
    }
    Blob {
        registry,
        root: tree.root(),
        count: tree.size(),
        columns,
        gz: gz.finish().expect("writing to memory"),
        leaves,
    }
}

pub const INSPECTOR_COLUMNS: [&str; 8] =
    ["id", "name", "department", "region", "active", "role", "qualifications", "cert_expires"];
pub const CONFLICT_COLUMNS: [&str; 2] = ["inspector_id", "uscc"];

/// The three snapshots of a draw's inputs.
pub fn pack_all(inputs: &Inputs) -> [Blob; 3] {
    let reg = &inputs.enterprises;
    let ents = pack(
        "enterprises",
        snapshot::enterprise_columns(reg),
        reg.rows.iter().map(|e| {
            let mut buf = Vec::new();
            snapshot::enterprise_leaf(reg, e, &mut buf);
            buf
        }),
    );
    let insp = pack("inspectors", cols(&INSPECTOR_COLUMNS), inputs.inspectors.iter().map(snapshot::inspector_leaf));
    let conf = pack(
        "conflicts",
        cols(&CONFLICT_COLUMNS),
        inputs
            .conflicts
            .iter()
            .map(|&(i, e)| snapshot::conflict_leaf(&inputs.inspectors[i as usize].id, reg.rows[e as usize].uscc())),
    );
    [ents, insp, conf]
}

fn cols(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| s.to_string()).collect()
}

/// The leaves of a stored blob, checked against the root it is named by.
pub fn unpack(gz: &[u8], root_hex: &str) -> Result<Vec<Vec<u8>>, SnapshotError> {
    let mut text = Vec::new();
    GzDecoder::new(gz)
        .read_to_end(&mut text)
        .map_err(|cause| SnapshotError::NotGzip { root: root_hex.to_string(), cause })?;
    let leaves: Vec<Vec<u8>> = text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
    let mut tree = merkle::RootBuilder::default();
    leaves.iter().for_each(|l| tree.push(merkle::leaf_hash(l)));
    if hex::encode(tree.root()) != root_hex {
        return Err(SnapshotError::Changed { root: root_hex.to_string() });
    }
    Ok(leaves)
}

/// A leaf's cell as CSV text: arrays (qualifications) joined with `;`.
fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// Turns leaves back into CSV text with English headers, so that the same
/// readers (and the same validation) rebuild the registry. Every cell is
/// quoted, so that no value is read differently from how it was stored.
fn to_csv(columns: &[String], leaves: &[Vec<u8>]) -> Result<Vec<u8>, SnapshotError> {
    let mut csv = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let written = SnapshotError::Csv;
    csv.write_record(columns).map_err(written)?;
    for leaf in leaves {
        let cells: Vec<Value> = serde_json::from_slice(leaf).map_err(SnapshotError::LeafNotJson)?;
        csv.write_record(cells.iter().map(cell_text)).map_err(written)?;
    }
    csv.into_inner().map_err(|e| SnapshotError::Csv(e.into_error().into()))
}

/// Rebuilds a draw's validated inputs from its three snapshots and plan.
pub fn rebuild(
    plan: Plan,
    ents: (&[String], &[Vec<u8>]),
    insp: &[Vec<u8>],
    conf: &[Vec<u8>],
) -> Result<Inputs, SnapshotError> {
    let err = |registry: &'static str| move |cause| SnapshotError::DoesNotLoad { registry, cause };
    let dormancy = [crate::model::dormancy::DORMANT_FROM, crate::model::dormancy::DORMANT_UNTIL];
    if plan.scope.wake.is_some() && (ents.0.len() < 8 || ents.0[ents.0.len() - 2..] != dormancy) {
        return Err(SnapshotError::NoDormancyDates);
    }
    let e_csv = to_csv(ents.0, ents.1)?;
    let enterprises: Enterprises = registry::read_enterprises_ranged(
        &BytesSource { label: "enterprises snapshot".into(), bytes: &e_csv },
        &plan.leaf_extra_columns(),
        &plan.range_kinds(),
    )
    .map_err(err("enterprises"))?;
    let i_csv = to_csv(&cols(&INSPECTOR_COLUMNS), insp)?;
    let inspectors: Vec<Inspector> =
        registry::read_inspectors(&BytesSource { label: "inspectors snapshot".into(), bytes: &i_csv })
            .map_err(err("inspectors"))?;
    let c_csv = to_csv(&cols(&CONFLICT_COLUMNS), conf)?;
    let conflicts = registry::read_conflicts(
        &BytesSource { label: "conflicts snapshot".into(), bytes: &c_csv },
        &inspectors,
        &enterprises,
    )
    .map_err(err("conflicts"))?;
    Ok(Inputs { plan, enterprises, inspectors, conflicts })
}
