//! `audit verify` on a protected log (audit/LOG-FORMAT.md, "What a public
//! verifier checks" and "The auditor export"): the blinded snapshots of
//! every commitment, the public checks 1–6 of every drawn document, and,
//! where the full snapshots and their salts are at hand (the operator's
//! `private/snapshots/`, or an auditor export's `snapshots/`), the
//! recomputation of the blinded roots.
//!
//! [`check_document`] takes any drawn document with its openings, so that
//! the document of a later publication entry is checked the same way.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use serde_json::Value;

use super::audit::read;
use super::entry::{is_hex64, Entry};
use super::protected::{self, ProtectedError};
use super::publication::{self, PRIVATE_SNAPSHOTS};
use super::snapshots;
use crate::engine::select::sample_size;
use crate::input::plan::Plan;
use crate::model::blinding::{self, Registry, State};
use crate::model::canonical;
use crate::model::ticket::{self, Seed};

/// The note a public verifier gives once per protected log (LOG-FORMAT).
pub const PUBLIC_NOTE: &str =
    "protected log: replay, eligibility of unselected firms and team rules that use private fields need the auditor export";

const CLASSES: [&str; 4] = ["A", "B", "C", "D"];

/// A full snapshot's blob in a log directory: `snapshots/` (full log,
/// auditor export) or `private/snapshots/` (the operator's own log).
pub fn full_blob(dir: &Path, root: &str) -> Option<Vec<u8>> {
    read(dir, &snapshots::blob_name(root))
        .ok()
        .flatten()
        .or_else(|| read(dir, &publication::private_blob_name(root)).ok().flatten())
}

fn salts_blob(dir: &Path, root: &str) -> Option<Vec<u8>> {
    read(dir, &publication::salts_name("snapshots", root))
        .ok()
        .flatten()
        .or_else(|| read(dir, &publication::salts_name(PRIVATE_SNAPSHOTS, root)).ok().flatten())
}

/// Whether the full snapshots a commitment names are all at hand.
pub fn has_full_snapshots(dir: &Path, commitment: &Value) -> bool {
    Registry::ALL.iter().all(|r| {
        commitment["snapshots"][r.as_str()]["root"].as_str().is_some_and(|root| full_blob(dir, root).is_some())
    })
}

/// A commitment's blinded snapshots, parsed and checked (public check 1).
pub struct BlindedView {
    /// Lines of the enterprise blinded snapshot, and `(class, state)` counts.
    enterprise_lines: HashSet<Vec<u8>>,
    counts: BTreeMap<(String, &'static str), u64>,
    /// Inspector id → department.
    departments: BTreeMap<String, String>,
}

fn blinded_lines(dir: &Path, commitment: &Value, registry: Registry) -> Result<Vec<Vec<u8>>, String> {
    let r = registry.as_str();
    let at = &commitment["blinded"][r];
    let (Some(root), Some(count)) = (at["root"].as_str(), at["count"].as_u64()) else {
        return Err(format!("blinded.{r} lacks its root or count"));
    };
    let name = snapshots::blob_name(root);
    let gz = read(dir, &name).ok().flatten().ok_or_else(|| format!("blinded snapshot blob {name} is missing"))?;
    let lines = snapshots::unpack(&gz, root).map_err(|e| format!("blinded {r} snapshot: {e}"))?;
    if lines.len() as u64 != count {
        return Err(format!("blinded {r} snapshot has {} leaves, the commitment says {count}", lines.len()));
    }
    if lines.windows(2).any(|w| w[0] >= w[1]) {
        return Err(format!("blinded {r} snapshot is not sorted and distinct"));
    }
    Ok(lines)
}

/// Parses one blinded leaf: its strings, re-encoded to the exact bytes.
fn blinded_cells(registry: Registry, line: &[u8]) -> Option<Vec<String>> {
    let cells: Vec<String> = serde_json::from_slice(line).ok()?;
    let well_formed = match registry {
        Registry::Enterprises => {
            cells.len() == 3 && CLASSES.contains(&cells[0].as_str()) && State::parse(&cells[1]).is_some()
        }
        Registry::Inspectors => cells.len() == 4,
        Registry::Conflicts => cells.len() == 1,
    };
    let encoded = canonical::to_bytes(&serde_json::json!(cells));
    (well_formed && is_hex64(cells.last()?) && encoded == line).then_some(cells)
}

/// Check 1: the three blinded blobs exist, parse, are sorted and distinct
/// and hash to their roots with their counts.
pub fn blinded_view(dir: &Path, commitment: &Value) -> Result<BlindedView, String> {
    let mut view =
        BlindedView { enterprise_lines: HashSet::new(), counts: BTreeMap::new(), departments: BTreeMap::new() };
    for registry in Registry::ALL {
        for (k, line) in blinded_lines(dir, commitment, registry)?.into_iter().enumerate() {
            let cells = blinded_cells(registry, &line).ok_or_else(|| {
                format!("blinded {} snapshot line {} is not a blinded leaf", registry.as_str(), k + 1)
            })?;
            match registry {
                Registry::Enterprises => {
                    let state = State::parse(&cells[1]).expect("checked").as_str();
                    *view.counts.entry((cells[0].clone(), state)).or_default() += 1;
                    view.enterprise_lines.insert(line);
                }
                Registry::Inspectors => {
                    view.departments.insert(cells[0].clone(), cells[2].clone());
                }
                Registry::Conflicts => {}
            }
        }
    }
    Ok(view)
}

/// The auditor's check: the blinded snapshots recomputed from the full
/// snapshots, their salts and the commitment's plan. `Ok(false)` when the
/// salts are not at hand (nothing recomputed).
pub fn recompute_blinded(dir: &Path, commitment: &Value) -> Result<bool, String> {
    let plan = Plan::from_canonical(&commitment["plan"]).map_err(|e| e.to_string())?;
    for registry in Registry::ALL {
        let r = registry.as_str();
        let root = commitment["snapshots"][r]["root"].as_str().unwrap_or_default();
        let Some(gz) = full_blob(dir, root) else { return Ok(false) };
        let Some(salts_gz) = salts_blob(dir, root) else { return Ok(false) };
        let leaves = snapshots::unpack(&gz, root).map_err(|e| e.to_string())?;
        let salts = protected::unpack_salts(&salts_gz, root, leaves.len()).map_err(|e| e.to_string())?;
        let blinded = protected::blind(registry, &plan, &leaves, &salts).map_err(|e: ProtectedError| e.to_string())?;
        let want = &commitment["blinded"][r];
        if want["root"] != blinded.root_hex() || want["count"] != blinded.count() {
            return Err(format!(
                "the blinded {r} snapshot is not what the full snapshot {root} and its salts give (root {}, {} leaves): the salts, the blinded snapshot or the commitment were changed",
                blinded.root_hex(),
                blinded.count()
            ));
        }
    }
    Ok(true)
}

/// Public checks 2–6 of one drawn document against its commitment's
/// blinded snapshots; every problem found, as sentences.
pub fn check_document(view: &BlindedView, commitment: &Value, doc: &Value, openings: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let plan = match Plan::from_canonical(&commitment["plan"]) {
        Ok(p) => p,
        Err(e) => return vec![format!("the commitment's plan does not load: {e}")],
    };
    let assignments: Vec<&Value> = doc["assignments"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    // 2 and 3: counts and sample sizes.
    let strata: Vec<&Value> = doc["strata"].as_array().map(|s| s.iter().collect()).unwrap_or_default();
    if strata.len() != 4 || strata.iter().zip(CLASSES).any(|(s, c)| s["class"] != c) {
        problems.push("strata are not the four classes A, B, C, D".to_string());
        return problems;
    }
    for (c, s) in strata.iter().enumerate() {
        let class = CLASSES[c];
        let count = |state: State| view.counts.get(&(class.to_string(), state.as_str())).copied().unwrap_or(0);
        let (eligible, excluded) = (count(State::Eligible), count(State::Excluded));
        if s["eligible"] != eligible || s["excluded"] != excluded || s["population"] != eligible + excluded {
            problems.push(format!(
                "class {class}: the blinded snapshot has {eligible} eligible and {excluded} excluded firms, the draw says {} and {} (population {})",
                s["eligible"], s["excluded"], s["population"]
            ));
        }
        let k = sample_size(plan.ratios[c], eligible, plan.min[c], plan.max[c]);
        if s["sample_size"] != k {
            problems.push(format!("class {class}: sample_size {} is not {k} (spec §6)", s["sample_size"]));
        }
    }
    // 4: openings.
    let openings: Vec<&Value> = openings.as_array().map(|o| o.iter().collect()).unwrap_or_default();
    if openings.len() != assignments.len() {
        problems.push(format!("{} openings for {} assignments", openings.len(), assignments.len()));
    }
    let width = 6 + protected::extra_columns(&plan);
    for (k, (a, o)) in assignments.iter().zip(&openings).enumerate() {
        let uscc = a["uscc"].as_str().unwrap_or_default();
        let leaf: Option<Vec<String>> = serde_json::from_value(o["leaf"].clone()).ok();
        let salt: Option<[u8; 32]> =
            o["salt"].as_str().filter(|s| is_hex64(s)).and_then(|s| hex::decode(s).ok()?.try_into().ok());
        let (Some(leaf), Some(salt)) = (leaf.filter(|l| l.len() == width), salt) else {
            problems.push(format!("opening {k} ({uscc}) is not a leaf of {width} strings and a salt"));
            continue;
        };
        if leaf[0] != uscc || a["name"] != leaf[1] || a["class"] != leaf[2] || a["region"] != leaf[3] {
            problems
                .push(format!("opening {k} ({uscc}) is the row of another firm, or its name, class or region differ"));
            continue;
        }
        if protected::leaf_state(&plan, &leaf) != State::Eligible {
            problems.push(format!("opening {k} ({uscc}): the firm is not eligible under the plan"));
            continue;
        }
        let blind = blinding::blind(&salt, &canonical::to_bytes(&serde_json::json!(leaf)));
        if !view.enterprise_lines.contains(&blinding::enterprise_leaf(&leaf[2], State::Eligible, &blind)) {
            problems.push(format!(
                "opening {k} ({uscc}): its blinded leaf is not in the committed enterprise snapshot (the row or its salt was changed)"
            ));
        }
    }
    // 5: tickets and selection.
    let seed = Seed::new(doc["seed"].as_str().unwrap_or_default());
    for a in &assignments {
        let uscc = a["uscc"].as_str().unwrap_or_default();
        let want = ticket::ticket_string(&seed.ticket_hash(uscc.as_bytes()));
        if a["ticket"] != want.as_str() {
            problems.push(format!("{uscc}: ticket {} is not its ticket under the seed", a["ticket"]));
        }
    }
    for (c, s) in strata.iter().enumerate() {
        let class = CLASSES[c];
        let mine: Vec<&&Value> = assignments.iter().filter(|a| a["class"] == class).collect();
        let uscc_list: Vec<&Value> = mine.iter().map(|a| &a["uscc"]).collect();
        let selected: Vec<&Value> = s["selected"].as_array().map(|v| v.iter().collect()).unwrap_or_default();
        let in_order = mine.windows(2).all(|w| w[0]["ticket"].as_str() <= w[1]["ticket"].as_str());
        if selected != uscc_list || !in_order || s["sample_size"] != selected.len() {
            problems.push(format!(
                "class {class}: selected is not the class's assignments in ticket order with sample_size entries"
            ));
        }
        let cutoff = mine.last().map_or(Value::Null, |a| a["ticket"].clone());
        if s["cutoff"] != cutoff {
            problems.push(format!("class {class}: cutoff {} is not the last selected ticket", s["cutoff"]));
        }
    }
    // 6: teams.
    problems.extend(check_teams(view, &plan, &assignments));
    problems
}

fn check_teams(view: &BlindedView, plan: &Plan, assignments: &[&Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let slots = plan.slot_departments();
    let mut load: BTreeMap<String, u64> = BTreeMap::new();
    for a in assignments {
        let uscc = a["uscc"].as_str().unwrap_or_default();
        let ids = |field: &str| -> Vec<String> {
            a[field].as_array().into_iter().flatten().map(|x| x.as_str().unwrap_or_default().to_string()).collect()
        };
        let (inspectors, experts) = (ids("inspectors"), ids("experts"));
        let (size, expert_slots) = plan.slot_counts();
        if inspectors.len() != size || experts.len() != expert_slots {
            problems.push(format!("{uscc}: the team is not {size} inspectors and {expert_slots} experts"));
        }
        if inspectors.first().map(String::as_str) != a["leader"].as_str() {
            problems.push(format!("{uscc}: the leader is not inspectors[0]"));
        }
        let mut seen = BTreeSet::new();
        for id in inspectors.iter().chain(&experts) {
            if !seen.insert(id) {
                problems.push(format!("{uscc}: {id} twice in one team"));
            }
            *load.entry(id.clone()).or_default() += 1;
            if !view.departments.contains_key(id) {
                problems.push(format!("{uscc}: {id} is not in the committed inspector snapshot"));
            }
        }
        for (j, id) in inspectors.iter().enumerate() {
            let Some(dept) = view.departments.get(id) else { continue };
            let fits = match slots.get(j) {
                Some(want) => dept == want,
                None => slots.is_empty() || slots.contains(dept),
            };
            if !fits {
                problems.push(format!("{uscc}: slot {j} ({id}, {dept}) is not of the department the plan requires"));
            }
        }
    }
    if let Some(max) = plan.team.max_targets_per_inspector {
        for (id, n) in load.into_iter().filter(|&(_, n)| n > max) {
            problems.push(format!("{id} is in {n} teams, more than max_targets_per_inspector {max}"));
        }
    }
    problems
}

/// The protected-log checks of a DrawCommitment: `blinded` present, check
/// 1, and the auditor's recomputation when the full snapshots are at hand.
pub fn check_commitment(dir: &Path, e: &Entry, notes: &mut Vec<String>) -> Vec<String> {
    if !e.body["blinded"].is_object() {
        return vec!["a commitment of a protected log lacks `blinded`".to_string()];
    }
    if let Err(m) = blinded_view(dir, &e.body) {
        return vec![m];
    }
    if !has_full_snapshots(dir, &e.body) {
        return Vec::new();
    }
    match recompute_blinded(dir, &e.body) {
        Ok(true) => Vec::new(),
        Ok(false) => {
            let n = "the full snapshots are here without their salts: the blinded roots were not recomputed";
            if !notes.iter().any(|x| x == n) {
                notes.push(n.to_string());
            }
            Vec::new()
        }
        Err(m) => vec![m],
    }
}

/// The public checks of a drawn DrawResult (or the document of a later
/// publication): openings present, checks 1–6.
pub fn check_drawn(dir: &Path, commitment: &Entry, doc: &Value, openings: Option<&Value>) -> Vec<String> {
    let Some(openings) = openings else {
        return vec!["a drawn result of a protected log lacks `openings`".to_string()];
    };
    match blinded_view(dir, &commitment.body) {
        Ok(view) => check_document(&view, &commitment.body, doc, openings),
        Err(m) => vec![format!("its commitment's blinded snapshots: {m}")],
    }
}
