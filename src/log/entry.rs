//! Log entries: canonical JSON records, one per line (audit/LOG-FORMAT.md,
//! "Entries").
//!
//! An entry's bytes are its canonical JSON (spec §4) and its leaf in the
//! log's Merkle tree; its id is the hex leaf hash. Parsing is strict, as a
//! parser of what an attacker may have written must be: the line must be in
//! canonical form, the envelope must have exactly its six fields, and the
//! body is checked against a typed schema per kind — a missing field, a field
//! of the wrong type and an unknown field are all errors.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::canonical;
use crate::model::merkle::{leaf_hash, Hash};

/// The kinds of entry, in the order LOG-FORMAT.md lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    LogCreated,
    RegistrySnapshot,
    DrawCommitment,
    BeaconRecord,
    DrawResult,
    DrawPublication,
    InspectionResult,
    Amendment,
    WitnessPolicy,
    Note,
    WakeUp,
    ExternalChecks,
    FollowUp,
    FollowUpClosed,
    Objection,
    ObjectionAnswer,
    AnnualPlan,
    Replacement,
}

impl Kind {
    pub const ALL: [Kind; 18] = [
        Kind::LogCreated,
        Kind::RegistrySnapshot,
        Kind::DrawCommitment,
        Kind::BeaconRecord,
        Kind::DrawResult,
        Kind::DrawPublication,
        Kind::InspectionResult,
        Kind::Amendment,
        Kind::WitnessPolicy,
        Kind::Note,
        Kind::WakeUp,
        Kind::ExternalChecks,
        Kind::FollowUp,
        Kind::FollowUpClosed,
        Kind::Objection,
        Kind::ObjectionAnswer,
        Kind::AnnualPlan,
        Kind::Replacement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LogCreated => "LogCreated",
            Kind::RegistrySnapshot => "RegistrySnapshot",
            Kind::DrawCommitment => "DrawCommitment",
            Kind::BeaconRecord => "BeaconRecord",
            Kind::DrawResult => "DrawResult",
            Kind::DrawPublication => "DrawPublication",
            Kind::InspectionResult => "InspectionResult",
            Kind::Amendment => "Amendment",
            Kind::WitnessPolicy => "WitnessPolicy",
            Kind::Note => "Note",
            Kind::WakeUp => "WakeUp",
            Kind::ExternalChecks => "ExternalChecks",
            Kind::FollowUp => "FollowUp",
            Kind::FollowUpClosed => "FollowUpClosed",
            Kind::Objection => "Objection",
            Kind::ObjectionAnswer => "ObjectionAnswer",
            Kind::AnnualPlan => "AnnualPlan",
            Kind::Replacement => "Replacement",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Checks a body against this kind's schema.
    fn check(self, body: &Value) -> Result<(), BodyError> {
        fn typed<T: DeserializeOwned>(body: &Value) -> Result<(), BodyError> {
            T::deserialize(body).map(|_| ()).map_err(BodyError::schema)
        }
        match self {
            Kind::LogCreated => {
                typed::<LogCreated>(body)?;
                if body.get("publication").is_some_and(Value::is_null) {
                    return Err(BodyError::Schema("publication is null: give \"protected\" or \"full\"".into()));
                }
                Ok(())
            }
            Kind::RegistrySnapshot => typed::<RegistrySnapshot>(body),
            Kind::DrawCommitment => {
                typed::<DrawCommitment>(body)?;
                by_is_text(body)
            }
            Kind::BeaconRecord => {
                typed::<BeaconRecord>(body)?;
                by_is_text(body)
            }
            Kind::DrawResult => {
                let r = DrawResult::deserialize(body).map_err(BodyError::schema)?;
                if r.openings.is_some() && r.draw.is_none() {
                    return Err(BodyError::OpeningsWithoutDraw);
                }
                // A sealed draw (an embargo) carries `sealed` instead of `draw`.
                match (r.outcome, r.draw.is_some(), r.sealed.is_some(), r.failure.is_some()) {
                    (Outcome::Drawn, true, false, false)
                    | (Outcome::Drawn, false, true, false)
                    | (Outcome::Infeasible, false, false, true) => Ok(()),
                    (Outcome::Drawn, ..) => Err(BodyError::DrawnWithoutDraw),
                    (Outcome::Infeasible, ..) => Err(BodyError::InfeasibleWithoutFailure),
                }
            }
            Kind::DrawPublication => {
                typed::<DrawPublication>(body)?;
                by_is_text(body)
            }
            Kind::InspectionResult => {
                typed::<InspectionResult>(body)?;
                by_is_text(body)
            }
            Kind::Amendment => {
                typed::<Amendment>(body)?;
                by_is_text(body)
            }
            Kind::WitnessPolicy => super::policy::Policy::from_body(body).map(|_| ()).map_err(BodyError::Policy),
            Kind::Note => typed::<Note>(body),
            Kind::WakeUp => check_wake_up(body),
            Kind::ExternalChecks => {
                typed::<ExternalChecks>(body)?;
                by_is_text(body)?;
                super::ledger::external_checks_problem(body).map_or(Ok(()), |p| Err(BodyError::Schema(p)))
            }
            // LOG-FORMAT "Follow-ups" and "Objections".
            Kind::FollowUp | Kind::FollowUpClosed | Kind::Objection | Kind::ObjectionAnswer => {
                super::aftercare::check_body(self, body).map_err(BodyError::Schema)
            }
            Kind::AnnualPlan => {
                typed::<AnnualPlan>(body)?;
                by_is_text(body)
            }
            Kind::Replacement => {
                let r = Replacement::deserialize(body).map_err(BodyError::schema)?;
                by_is_text(body)?;
                if r.reason.is_empty() {
                    return Err(BodyError::Schema("reason is empty: a replacement says why".into()));
                }
                Ok(())
            }
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Kind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// 64 lowercase hex digits: a SHA-256 value or an entry id.
#[derive(Debug)]
struct Hex64;

impl<'de> Deserialize<'de> for Hex64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if is_hex64(&s) {
            Ok(Hex64)
        } else {
            Err(serde::de::Error::custom(format!("{s:?} is not 64 lowercase hex digits")))
        }
    }
}

type Object = serde_json::Map<String, Value>;

// The bodies. Fields whose inner structure belongs to another spec section
// (the plan, the draw document, a result) stay JSON objects here and are
// checked where they are used (`audit verify` recomputes them).

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct LogCreated {
    origin: String,
    vkey: String,
    /// Absent: `full` (logs written before publication modes).
    #[serde(default)]
    publication: Option<super::publication::Publication>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RegistrySnapshot {
    registry: Registry,
    root: Hex64,
    count: u64,
    columns: Vec<String>,
    blob: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Registry {
    Enterprises,
    Inspectors,
    Conflicts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DrawCommitment {
    algorithm: String,
    plan: Object,
    plan_digest: Hex64,
    snapshots: Object,
    beacon: Object,
    year: u64,
    log_exclusions: Vec<Value>,
    log_history: Vec<Value>,
    /// Wake-ups a waking plan applies (LOG-FORMAT "Wake-ups"); absent when none.
    log_wakes: Option<Vec<Value>>,
    /// Protected log: the blinded snapshots' roots and counts.
    blinded: Option<Object>,
    /// The account that committed (LOG-FORMAT "Accounts and roles").
    by: Option<Value>,
}

/// A year's plan (LOG-FORMAT "Annual plans and batches"); `audit verify`
/// checks the digest and the annual plan's canonical form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct AnnualPlan {
    annual: Object,
    digest: Hex64,
    by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct BeaconRecord {
    commitment: Hex64,
    beacon: Object,
    randomness: Hex64,
    seed: Hex64,
    /// The account that revealed (LOG-FORMAT "Accounts and roles").
    by: Option<Value>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Drawn,
    Infeasible,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DrawResult {
    commitment: Hex64,
    beacon: Hex64,
    outcome: Outcome,
    draw: Option<Object>,
    failure: Option<String>,
    /// Protected log, drawn: one `{"leaf","salt"}` per assignment.
    openings: Option<Vec<Opening>>,
    sealed: Option<Sealed>,
}

/// What a sealed DrawResult shows until its publication (LOG-FORMAT
/// "Embargo"): the document's digest, the date and each class's counts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Sealed {
    digest: Hex64,
    until: String,
    strata: Vec<SealedStratum>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Opening {
    leaf: Vec<String>,
    salt: Hex64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SealedStratum {
    class: String,
    population: u64,
    excluded: u64,
    eligible: u64,
    sample_size: u64,
}

/// The publication of a sealed draw, on or after its date.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DrawPublication {
    result: Hex64,
    commitment: Hex64,
    draw: Object,
    /// Protected logs only: the openings of the selected rows.
    openings: Option<Vec<Opening>>,
    /// The account that unsealed (LOG-FORMAT "Accounts and roles").
    by: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct InspectionResult {
    draw: Hex64,
    uscc: String,
    /// v1 or v2 (LOG-FORMAT "Results v2"); its content is the writer's.
    result: Object,
    /// The account that wrote the entry (LOG-FORMAT "Accounts and roles").
    #[serde(default)]
    by: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Amendment {
    amends: Hex64,
    reason: String,
    result: Object,
    #[serde(default)]
    by: Option<Value>,
}

/// `by`, when present, is a string (serde's `Option` would take `null`).
fn by_is_text(body: &Value) -> Result<(), BodyError> {
    match body.get("by") {
        None | Some(Value::String(_)) => Ok(()),
        Some(other) => Err(BodyError::Schema(format!("by is {other}, expected the name of an account (a string)"))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Note {
    text: String,
}

/// A wake-up of a dormant firm (LOG-FORMAT "Wake-ups").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WakeUp {
    uscc: String,
    reason: String,
    note: Option<String>,
    by: Option<String>,
}

fn check_wake_up(body: &Value) -> Result<(), BodyError> {
    let w = WakeUp::deserialize(body).map_err(BodyError::schema)?;
    let schema = |m: String| Err(BodyError::Schema(m));
    if ["note", "by"].iter().any(|k| body.get(k).is_some_and(Value::is_null)) {
        return schema("note and by are strings when present, never null".into());
    }
    if let Err(e) = crate::model::uscc::validate(&w.uscc) {
        return schema(format!("uscc {:?}: {e}", w.uscc));
    }
    if !super::wakes::REASONS.contains(&w.reason.as_str()) {
        return schema(format!("reason {:?} is not one of {}", w.reason, super::wakes::REASONS.join(", ")));
    }
    let _ = (w.note, w.by);
    Ok(())
}

/// A replaced inspector (LOG-FORMAT "Replacing an inspector"); `audit
/// verify` recomputes `replacements` (`log::replace`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Replacement {
    result: Hex64,
    inspector: String,
    reason: String,
    replacements: Vec<Replaced>,
    by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Replaced {
    uscc: String,
    slot: u64,
    inspector: String,
}

/// Checks made outside fairdraw (LOG-FORMAT "The burden ledger and caps");
/// each check's shape is checked by `ledger::external_checks_problem`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ExternalChecks {
    checks: Vec<Object>,
    source: String,
    by: Option<String>,
}

pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Why an entry's body does not match its kind's schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// serde's message, which names the missing, unknown or mistyped field
    /// (kept as text so that `EntryError` stays comparable and cloneable).
    #[error("{0}")]
    Schema(String),
    #[error("a drawn DrawResult carries `draw` or `sealed` (not both) and no `failure`")]
    DrawnWithoutDraw,
    #[error("an infeasible DrawResult carries `failure` and no `draw`")]
    InfeasibleWithoutFailure,
    #[error("a DrawResult carries `openings` only beside its `draw`")]
    OpeningsWithoutDraw,
    #[error("{0}")]
    Policy(super::policy::PolicyError),
}

impl BodyError {
    fn schema(e: serde_json::Error) -> BodyError {
        BodyError::Schema(e.to_string())
    }
}

/// Why a line is not a valid entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not in canonical JSON form (bytes were changed)")]
    NotCanonical,
    #[error("has fields {0:?}, expected body, index, kind, simulated, time, v")]
    Envelope(Vec<String>),
    #[error("unknown format version {0}")]
    Version(String),
    #[error("says it is entry {found} but stands at position {at} (deleted, duplicated or reordered entries)")]
    Position { found: String, at: u64 },
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    #[error("{kind} body: {problem}")]
    Body { kind: Kind, problem: BodyError },
    #[error("time {0:?} is not RFC 3339 UTC")]
    Time(String),
    #[error("simulated is not a boolean")]
    Simulated,
}

/// One log entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub index: u64,
    pub kind: Kind,
    /// RFC 3339 UTC time the entry was written (or the simulated `--now`).
    pub time: String,
    pub simulated: bool,
    pub body: Value,
}

impl Entry {
    /// The entry's bytes: canonical JSON, no trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        canonical::to_bytes(&json!({
            "v": 1,
            "index": self.index,
            "kind": self.kind.as_str(),
            "time": self.time,
            "simulated": self.simulated,
            "body": self.body,
        }))
    }

    /// Parses one line and checks its form; `index` is its position.
    pub fn parse(line: &[u8], index: u64) -> Result<Entry, EntryError> {
        let value: Value = serde_json::from_slice(line).map_err(|e| EntryError::NotJson(e.to_string()))?;
        if canonical::to_bytes(&value) != line {
            return Err(EntryError::NotCanonical);
        }
        let Value::Object(mut obj) = value else { return Err(EntryError::Envelope(Vec::new())) };
        let mut keys: Vec<String> = obj.keys().cloned().collect();
        keys.sort();
        if keys != ["body", "index", "kind", "simulated", "time", "v"] {
            return Err(EntryError::Envelope(keys));
        }
        if obj["v"] != json!(1) {
            return Err(EntryError::Version(obj["v"].to_string()));
        }
        if obj["index"].as_u64() != Some(index) {
            return Err(EntryError::Position { found: obj["index"].to_string(), at: index });
        }
        let kind_name = obj["kind"].as_str().unwrap_or_default();
        let kind = Kind::parse(kind_name).ok_or_else(|| EntryError::UnknownKind(obj["kind"].to_string()))?;
        let body = obj.remove("body").unwrap_or(Value::Null);
        kind.check(&body).map_err(|problem| EntryError::Body { kind, problem })?;
        let time = obj["time"].as_str().unwrap_or_default().to_string();
        if !time.ends_with('Z') || humantime::parse_rfc3339(&time).is_err() {
            return Err(EntryError::Time(time));
        }
        let simulated = obj["simulated"].as_bool().ok_or(EntryError::Simulated)?;
        Ok(Entry { index, kind, time, simulated, body })
    }

    /// The China (UTC+8) calendar date of the entry's time: publication
    /// dates, years and deadlines are China dates.
    pub fn china_date(&self) -> crate::model::date::Date {
        crate::model::date::china_date_of(&self.time).expect("entry times are checked when parsed")
    }
}

/// An entry's id: the hex of its Merkle leaf hash.
pub fn id_of(bytes: &[u8]) -> String {
    hex::encode(leaf_hash(bytes))
}

pub fn leaf_of(bytes: &[u8]) -> Hash {
    leaf_hash(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(index: u64) -> Entry {
        Entry {
            index,
            kind: Kind::Note,
            time: "2026-11-25T08:00:00Z".into(),
            simulated: true,
            body: json!({"text": "公示"}),
        }
    }

    #[test]
    fn round_trips_and_rejects_edits() {
        let bytes = note(3).to_bytes();
        assert_eq!(Entry::parse(&bytes, 3).unwrap(), note(3));
        assert!(matches!(Entry::parse(&bytes, 4), Err(EntryError::Position { at: 4, .. })));
        let spaced = String::from_utf8(bytes.clone()).unwrap().replace(":", ": ");
        assert_eq!(Entry::parse(spaced.as_bytes(), 3), Err(EntryError::NotCanonical));
        let other = String::from_utf8(bytes).unwrap().replace("Note", "Nope");
        assert!(matches!(Entry::parse(other.as_bytes(), 3), Err(EntryError::UnknownKind(_))));
    }

    #[test]
    fn bodies_are_strict() {
        let check = |kind: Kind, body: Value| {
            let e = Entry { body, kind, ..note(0) };
            Entry::parse(&e.to_bytes(), 0)
        };
        assert!(check(Kind::Note, json!({"txt": "x"})).is_err(), "missing field");
        assert!(check(Kind::Note, json!({"text": "x", "extra": 1})).is_err(), "unknown field");
        assert!(check(Kind::Note, json!({"text": 5})).is_err(), "wrong type");
        let id = "ab".repeat(32);
        let result = |extra: Value| {
            let mut b = json!({"draw": id, "uscc": "X", "result": {}});
            b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            check(Kind::InspectionResult, b)
        };
        assert!(result(json!({})).is_ok());
        assert!(result(json!({"draw": "AB".repeat(32)})).is_err(), "upper-case hex");
        assert!(result(json!({"by": "lu"})).is_ok(), "the account that wrote it");
        assert!(result(json!({"by": null})).is_err(), "by is a name");
        assert!(result(json!({"by": 7})).is_err(), "by is a name");
        let v2 = json!({"format": 2, "inspection_date": "2026-11-20", "method": "desk", "state": "已公示",
            "items": [{"item": "i", "department": "d", "codes": ["A", "B"], "findings": ""}], "attachments": [],
            "pending": "p-1", "recorded_by": "lu", "reviewed_by": "shen"});
        assert!(result(json!({"result": v2, "by": "shen"})).is_ok(), "a v2 result");
        let amendment = |extra: Value| {
            let mut b = json!({"amends": id, "reason": "r", "result": {}});
            b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            check(Kind::Amendment, b)
        };
        assert!(amendment(json!({"by": "shen"})).is_ok());
        assert!(amendment(json!({"by": ["shen"]})).is_err());
        let drawn = |b: Value| check(Kind::DrawResult, b);
        assert!(drawn(json!({"commitment": id, "beacon": id, "outcome": "drawn", "draw": {}})).is_ok());
        assert!(drawn(json!({"commitment": id, "beacon": id, "outcome": "drawn", "failure": "x"})).is_err());
        assert!(drawn(json!({"commitment": id, "beacon": id, "outcome": "lost", "draw": {}})).is_err());
        let opened = |openings: Value| {
            drawn(json!({"commitment": id, "beacon": id, "outcome": "drawn", "draw": {}, "openings": openings}))
        };
        assert!(opened(json!([{"leaf": ["a", "b"], "salt": id}])).is_ok());
        assert!(opened(json!([{"leaf": ["a", 1], "salt": id}])).is_err(), "a leaf of strings");
        assert!(opened(json!([{"leaf": ["a"], "salt": "x"}])).is_err(), "salt hex");
        assert!(opened(json!([{"leaf": ["a"], "salt": id, "why": 1}])).is_err(), "unknown field");
        let created = |b: Value| check(Kind::LogCreated, b);
        assert!(created(json!({"origin": "o", "vkey": "k"})).is_ok(), "absent publication is full");
        assert!(created(json!({"origin": "o", "vkey": "k", "publication": "protected"})).is_ok());
        assert!(created(json!({"origin": "o", "vkey": "k", "publication": "open"})).is_err());
        assert!(created(json!({"origin": "o", "vkey": "k", "publication": null})).is_err());
        let sealed = json!({"digest": id, "until": "2026-12-20", "strata": [
            {"class": "A", "population": 3, "excluded": 0, "eligible": 3, "sample_size": 1}]});
        assert!(drawn(json!({"commitment": id, "beacon": id, "outcome": "drawn", "sealed": sealed})).is_ok());
        assert!(
            drawn(json!({"commitment": id, "beacon": id, "outcome": "drawn", "sealed": sealed, "draw": {}})).is_err(),
            "sealed and draw"
        );
        let mut leaky = sealed.clone();
        leaky["strata"][0]["selected"] = json!(["X"]);
        assert!(
            drawn(json!({"commitment": id, "beacon": id, "outcome": "drawn", "sealed": leaky})).is_err(),
            "sealed strata carry counts only"
        );
        let publication = |extra: Value| {
            let mut b = json!({"result": id, "commitment": id, "draw": {}});
            b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            check(Kind::DrawPublication, b)
        };
        assert!(publication(json!({})).is_ok());
        assert!(publication(json!({"openings": []})).is_ok());
        assert!(publication(json!({"sealed": {}})).is_err(), "unknown field");
        assert!(check(Kind::DrawPublication, json!({"result": id, "draw": {}})).is_err(), "missing commitment");
        assert!(check(
            Kind::RegistrySnapshot,
            json!({"registry": "people", "root": id, "count": 1, "columns": [], "blob": "b"})
        )
        .is_err());
    }

    #[test]
    fn times_are_utc() {
        let mut e = note(0);
        e.time = "2026-11-25T08:00:00+08:00".into();
        assert!(matches!(Entry::parse(&e.to_bytes(), 0), Err(EntryError::Time(_))));
    }
}
