//! One firm's disclosure (audit/LOG-FORMAT.md, "Disclosures"): its row, its
//! salt, the inclusion proof of its (blinded) leaf in the committed
//! enterprise snapshot, two receipts and the verdict. [`make`] writes one
//! from the operator's log; [`check`] verifies one offline with nothing but
//! the file (and, ideally, the log's key pinned by the firm).

use serde_json::{json, Value};

use super::entry::{id_of, is_hex64, Entry, Kind};
use super::note::Receipt;
use super::proof;
use super::protected::{self, ProtectedError};
use super::publication::Publication;
use super::snapshots;
use super::store::{Log, LogError};
use crate::input::plan::Plan;
use crate::model::blinding::{self, State};
use crate::model::canonical;
use crate::model::merkle::{self, Hash};
use crate::model::ticket::{self, Seed};

pub const FORMAT: &str = "fairdraw-disclosure/1";

/// Why a disclosure cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DiscloseError {
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("{0}")]
    Protected(#[from] ProtectedError),
    #[error("entry {0} is not a drawn DrawResult with its document")]
    NotDrawn(String),
    #[error("{0} is not in the committed enterprise snapshot of this draw")]
    UnknownFirm(String),
    #[error("the commitment's plan does not load: {0}")]
    Plan(String),
    #[error("the published blinded enterprise snapshot lacks this firm's leaf: the log is damaged")]
    NotPublished,
}

/// The verdict of spec §6–§7 for one firm of one drawn document.
fn verdict(plan: &Plan, plan_json: &Value, doc: &Value, leaf: &[String]) -> Value {
    let (uscc, class) = (leaf[0].as_str(), leaf[2].as_str());
    let state = protected::leaf_state(plan, leaf);
    let ticket =
        ticket::ticket_string(&Seed::new(doc["seed"].as_str().unwrap_or_default()).ticket_hash(uscc.as_bytes()));
    let (stratum, group) = stratum(doc, plan_json, leaf);
    let cutoff = stratum["cutoff"].clone();
    let class = if group == FEEDBACK_NAME {
        format!("{class}, flagged by its last results ({FEEDBACK_NAME})")
    } else {
        class.to_string()
    };
    let selected = is_selected(state, &cutoff, &ticket);
    let why = match (state, cutoff.as_str()) {
        (State::Out, _) => "not selected: outside the plan's scope (status, region, industry or filter)".to_string(),
        (State::Excluded, _) => {
            "not selected: excluded by the plan (exclude list, or already drawn as the log records)".to_string()
        }
        (State::Eligible, None) => format!("not selected: {group} draws no firm in this plan"),
        (State::Eligible, Some(c)) if selected => {
            format!("selected: eligible in class {class}, ticket {ticket} ≤ cutoff {c}")
        }
        (State::Eligible, Some(c)) => format!("not selected: eligible in class {class}, ticket {ticket} > cutoff {c}"),
    };
    json!({"uscc": uscc, "class": leaf[2], "state": state.as_str(), "ticket": ticket, "cutoff": cutoff, "selected": selected, "why": why})
}

/// The class of the feedback stratum (spec §6.4), and its name in messages.
const FEEDBACK: &str = "feedback";
const FEEDBACK_NAME: &str = "the feedback stratum";

/// The stratum a firm was drawn in, and its name: its class's, or the
/// feedback stratum when the commitment's plan flags it (spec §6.4,
/// LOG-FORMAT "Disclosures").
fn stratum<'a>(doc: &'a Value, plan_json: &Value, leaf: &[String]) -> (&'a Value, String) {
    let flagged = plan_json["feedback"]["flagged"].as_array().is_some_and(|f| f.iter().any(|u| u == leaf[0].as_str()));
    let group = if flagged { FEEDBACK.to_string() } else { leaf[2].clone() };
    let s =
        doc["strata"].as_array().into_iter().flatten().find(|s| s["class"] == group.as_str()).unwrap_or(&Value::Null);
    (s, if flagged { FEEDBACK_NAME.to_string() } else { format!("class {group}") })
}

fn is_selected(state: State, cutoff: &Value, ticket: &str) -> bool {
    state == State::Eligible && cutoff.as_str().is_some_and(|c| ticket <= c)
}

/// Writes the disclosure of `uscc` for the drawn result `result_id`.
pub fn make(log: &Log, uscc: &str, result_id: &str) -> Result<Value, DiscloseError> {
    let ri = log.find(result_id)?;
    let result = log.entry(ri)?;
    let doc = match (result.kind, result.body.get("draw")) {
        (Kind::DrawResult, Some(doc)) if result.body["outcome"] == "drawn" => doc,
        _ => return Err(DiscloseError::NotDrawn(log.id(ri))),
    };
    let ci = log.find(result.body["commitment"].as_str().unwrap_or_default())?;
    let commitment = log.entry(ci)?;
    let plan = Plan::from_canonical(&commitment.body["plan"]).map_err(|e| DiscloseError::Plan(e.to_string()))?;
    let protected = Publication::of_log(log) == Publication::Protected;
    let (leaves, salts) = if protected {
        protected::enterprise_rows(log, &commitment)?
    } else {
        let root = commitment.body["snapshots"]["enterprises"]["root"].as_str().unwrap_or_default();
        let gz = log.snapshot_blob(root)?.ok_or_else(|| ProtectedError::NoFullSnapshot(root.to_string()))?;
        (snapshots::unpack(&gz, root).map_err(ProtectedError::from)?, Vec::new())
    };
    let at = leaves
        .iter()
        .position(|l| {
            serde_json::from_slice::<Vec<String>>(l).is_ok_and(|c| c.first().map(String::as_str) == Some(uscc))
        })
        .ok_or_else(|| DiscloseError::UnknownFirm(uscc.to_string()))?;
    let cells: Vec<String> = serde_json::from_slice(&leaves[at]).expect("checked above");
    let (salt_hex, index, hashes) = if protected {
        let salt = salts[at];
        let blinded = blinding::enterprise_leaf(
            &cells[2],
            protected::leaf_state(&plan, &cells),
            &blinding::blind(&salt, &leaves[at]),
        );
        let root = commitment.body["blinded"]["enterprises"]["root"].as_str().unwrap_or_default();
        let gz = log.blob(&snapshots::blob_name(root))?.ok_or(DiscloseError::NotPublished)?;
        let public = snapshots::unpack(&gz, root).map_err(ProtectedError::from)?;
        let i = public.iter().position(|l| *l == blinded).ok_or(DiscloseError::NotPublished)?;
        (hex::encode(salt), i, tree_proof(&public, i))
    } else {
        (String::new(), at, tree_proof(&leaves, at))
    };
    Ok(json!({
        "format": FORMAT,
        "vkey": log.vkey.trim(),
        "commitment": log.receipt(ci)?.to_text(),
        "result": log.receipt(ri)?.to_text(),
        "leaf": cells,
        "salt": salt_hex,
        "proof": {"index": index, "hashes": hashes},
        "verdict": verdict(&plan, &commitment.body["plan"], doc, &cells),
    }))
}

fn tree_proof(leaves: &[Vec<u8>], index: usize) -> Vec<String> {
    let hashes: Vec<Hash> = leaves.iter().map(|l| merkle::leaf_hash(l)).collect();
    proof::inclusion_proof(&hashes, index as u64).iter().map(hex::encode).collect()
}

/// A disclosure that is not one (exit 2): not JSON, or keys and types
/// other than the format's.
#[derive(Debug, thiserror::Error)]
#[error("not a disclosure: {0}")]
pub struct BadDisclosure(pub String);

/// What checking a disclosure found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Why it does not verify (exit 1); empty when it verifies.
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    /// The verdict, for the reader.
    pub verdict: Value,
}

fn keys_are(v: &Value, want: &[&str]) -> bool {
    v.as_object().is_some_and(|o| {
        let mut k: Vec<&str> = o.keys().map(String::as_str).collect();
        k.sort_unstable();
        let mut w = want.to_vec();
        w.sort_unstable();
        k == w
    })
}

/// Check 1: exactly the format's keys and types.
fn check_shape(d: &Value) -> Result<(), BadDisclosure> {
    let bad = |m: &str| Err(BadDisclosure(m.to_string()));
    if !keys_are(d, &["format", "vkey", "commitment", "result", "leaf", "salt", "proof", "verdict"]) {
        return bad("the keys are not format, vkey, commitment, result, leaf, salt, proof, verdict");
    }
    if d["format"] != FORMAT {
        return bad(&format!("format is not {FORMAT:?}"));
    }
    for k in ["vkey", "commitment", "result", "salt"] {
        if !d[k].is_string() {
            return bad(&format!("{k} is not a string"));
        }
    }
    if !d["leaf"].as_array().is_some_and(|l| l.len() >= 6 && l.iter().all(Value::is_string)) {
        return bad("leaf is not an array of at least 6 strings");
    }
    let p = &d["proof"];
    if !keys_are(p, &["index", "hashes"])
        || !p["index"].is_u64()
        || !p["hashes"].as_array().is_some_and(|h| h.iter().all(Value::is_string))
    {
        return bad("proof is not {\"index\": integer, \"hashes\": [strings]}");
    }
    let v = &d["verdict"];
    if !keys_are(v, &["uscc", "class", "state", "ticket", "cutoff", "selected", "why"])
        || !["uscc", "class", "state", "ticket", "why"].iter().all(|k| v[*k].is_string())
        || !(v["cutoff"].is_string() || v["cutoff"].is_null())
        || !v["selected"].is_boolean()
    {
        return bad("verdict is not {uscc, class, state, ticket, cutoff, selected, why} of their types");
    }
    Ok(())
}

/// Opens a receipt and its entry; `what` names it in the problem.
fn open_receipt(text: &str, vkey: &str, what: &str) -> Result<Entry, String> {
    let receipt = Receipt::parse(text).map_err(|e| format!("the {what} receipt: {e}"))?;
    receipt.verify(vkey).map_err(|e| format!("the {what} receipt does not verify with the log's key: {e}"))?;
    Entry::parse(&receipt.entry, receipt.index).map_err(|e| format!("the {what} receipt's entry: {e}"))
}

fn hashes_of(v: &Value) -> Option<Vec<Hash>> {
    v.as_array()?
        .iter()
        .map(|h| h.as_str().filter(|s| is_hex64(s)).and_then(|s| hex::decode(s).ok()?.try_into().ok()))
        .collect()
}

/// Verifies a disclosure (checks 1–6). `Err` is bad input (exit 2).
pub fn check(bytes: &[u8], pinned: Option<&str>) -> Result<Checked, BadDisclosure> {
    let d: Value = serde_json::from_slice(bytes).map_err(|e| BadDisclosure(format!("not JSON ({e})")))?;
    check_shape(&d)?;
    let mut out = Checked { verdict: d["verdict"].clone(), ..Checked::default() };
    let vkey = d["vkey"].as_str().unwrap_or_default().trim();
    match pinned.map(str::trim) {
        Some(p) if p != vkey => out.problems.push("vkey is not the log key you pinned (--vkey)".to_string()),
        Some(_) => {}
        None => out.notes.push("key not pinned: trusted the vkey in the file".to_string()),
    }
    let problems = &mut out.problems;
    // 2: the receipts and their entries.
    let commitment = match open_receipt(d["commitment"].as_str().unwrap_or_default(), vkey, "commitment") {
        Ok(e) if e.kind == Kind::DrawCommitment => Some(e),
        Ok(e) => {
            problems.push(format!("the commitment receipt proves a {}, not a DrawCommitment", e.kind));
            None
        }
        Err(m) => {
            problems.push(m);
            None
        }
    };
    let result = match open_receipt(d["result"].as_str().unwrap_or_default(), vkey, "result") {
        Ok(e) if e.kind == Kind::DrawResult && e.body["outcome"] == "drawn" && e.body.get("draw").is_some() => Some(e),
        Ok(e) if e.kind.as_str() == "DrawPublication" => Some(e),
        Ok(e) => {
            problems
                .push(format!("the result receipt proves a {}, not a drawn DrawResult or a DrawPublication", e.kind));
            None
        }
        Err(m) => {
            problems.push(m);
            None
        }
    };
    let (Some(commitment), Some(result)) = (commitment, result) else { return Ok(out) };
    if result.body["commitment"] != id_of(&commitment.to_bytes()) {
        problems.push("the result belongs to another commitment".to_string());
        return Ok(out);
    }
    let plan = match Plan::from_canonical(&commitment.body["plan"]) {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("the commitment's plan does not load: {e}"));
            return Ok(out);
        }
    };
    let doc = &result.body["draw"];
    // 3: the row, the class and the state.
    let leaf: Vec<String> = serde_json::from_value(d["leaf"].clone()).expect("shape checked");
    let v = &d["verdict"];
    if v["uscc"] != leaf[0].as_str() || v["class"] != leaf[2].as_str() {
        problems.push("the verdict's USCC or class is not the row's".to_string());
    }
    let state = protected::leaf_state(&plan, &leaf);
    if v["state"] != state.as_str() {
        problems.push(format!(
            "the verdict says {} but the row is {} under the committed plan",
            v["state"],
            state.as_str()
        ));
    }
    // 4: the row is in the committed snapshot.
    let leaf_bytes = canonical::to_bytes(&json!(leaf));
    let (tree, proven) = match commitment.body.get("blinded") {
        Some(b) => {
            let salt: Option<[u8; 32]> =
                d["salt"].as_str().filter(|s| is_hex64(s)).and_then(|s| hex::decode(s).ok()?.try_into().ok());
            let blind = salt.map(|s| blinding::blind(&s, &leaf_bytes)).unwrap_or_default();
            (&b["enterprises"], blinding::enterprise_leaf(&leaf[2], state, &blind))
        }
        None => (&commitment.body["snapshots"]["enterprises"], leaf_bytes),
    };
    let root: Option<Hash> =
        tree["root"].as_str().filter(|s| is_hex64(s)).and_then(|s| hex::decode(s).ok()?.try_into().ok());
    let included = match (root, tree["count"].as_u64(), hashes_of(&d["proof"]["hashes"])) {
        (Some(root), Some(count), Some(hashes)) => proof::verify_inclusion(
            d["proof"]["index"].as_u64().unwrap_or(u64::MAX),
            count,
            &merkle::leaf_hash(&proven),
            &hashes,
            &root,
        ),
        _ => false,
    };
    if !included {
        problems.push(
            "the row (with its class, state and salt) is not in the committed enterprise snapshot at proof.index"
                .to_string(),
        );
    }
    // 5: ticket and cutoff.
    let ticket =
        ticket::ticket_string(&Seed::new(doc["seed"].as_str().unwrap_or_default()).ticket_hash(leaf[0].as_bytes()));
    if v["ticket"] != ticket.as_str() {
        problems.push("the ticket is not the firm's ticket under the draw's seed".to_string());
    }
    let (s, group) = stratum(doc, &commitment.body["plan"], &leaf);
    if v["cutoff"] != s["cutoff"] {
        problems.push(format!("the cutoff is not the cutoff of {group} in the draw"));
    }
    // 6: selected.
    let selected = is_selected(state, &s["cutoff"], &ticket);
    let listed = s["selected"].as_array().is_some_and(|l| l.iter().any(|u| u == leaf[0].as_str()));
    if selected != listed {
        problems.push("the draw's selected list disagrees with the ticket and the cutoff".to_string());
    }
    if v["selected"] != selected {
        problems.push(format!("the verdict says selected={} but the draw gives {selected}", v["selected"]));
    }
    Ok(out)
}
