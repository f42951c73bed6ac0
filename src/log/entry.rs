//! Log entries: canonical JSON records, one per line (audit/LOG-FORMAT.md).
//!
//! An entry's bytes are its canonical JSON (spec §4) and its leaf in the
//! log's Merkle tree; its id is the hex leaf hash. A line that is not in
//! canonical form, or whose body lacks a field its kind needs, is tampering.

use serde_json::{json, Value};

use crate::canonical;
use crate::merkle::{leaf_hash, Hash};

/// The kinds of entry and the body fields each must carry.
pub const KINDS: &[(&str, &[(&str, Field)])] = &[
    ("LogCreated", &[("origin", Field::Str), ("vkey", Field::Str)]),
    (
        "RegistrySnapshot",
        &[
            ("registry", Field::Str),
            ("root", Field::Hex),
            ("count", Field::Int),
            ("columns", Field::Array),
            ("blob", Field::Str),
        ],
    ),
    (
        "DrawCommitment",
        &[
            ("algorithm", Field::Str),
            ("plan", Field::Object),
            ("plan_digest", Field::Hex),
            ("snapshots", Field::Object),
            ("beacon", Field::Object),
            ("year", Field::Int),
            ("log_exclusions", Field::Array),
            ("log_history", Field::Array),
        ],
    ),
    (
        "BeaconRecord",
        &[("commitment", Field::Hex), ("beacon", Field::Object), ("randomness", Field::Hex), ("seed", Field::Str)],
    ),
    ("DrawResult", &[("commitment", Field::Hex), ("beacon", Field::Hex), ("outcome", Field::Str)]),
    ("InspectionResult", &[("draw", Field::Hex), ("uscc", Field::Str), ("result", Field::Object)]),
    ("Amendment", &[("amends", Field::Hex), ("reason", Field::Str), ("result", Field::Object)]),
    ("Note", &[("text", Field::Str)]),
];

#[derive(Clone, Copy, Debug)]
pub enum Field {
    Str,
    /// 64 lowercase hex digits (a SHA-256 value or an entry id).
    Hex,
    Int,
    Array,
    Object,
}

impl Field {
    fn accepts(self, v: &Value) -> bool {
        match self {
            Field::Str => v.is_string(),
            Field::Hex => v.as_str().is_some_and(is_hex64),
            Field::Int => v.is_u64(),
            Field::Array => v.is_array(),
            Field::Object => v.is_object(),
        }
    }
}

pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One log entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub index: u64,
    pub kind: String,
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
            "kind": self.kind,
            "time": self.time,
            "simulated": self.simulated,
            "body": self.body,
        }))
    }

    /// Parses one line and checks its form; `index` is its position.
    pub fn parse(line: &[u8], index: u64) -> Result<Entry, String> {
        let value: Value = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
        if canonical::to_bytes(&value) != line {
            return Err("not in canonical JSON form (bytes were changed)".into());
        }
        let obj = value.as_object().ok_or("not a JSON object")?;
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort();
        if keys != ["body", "index", "kind", "simulated", "time", "v"] {
            return Err(format!("has fields {keys:?}, expected body, index, kind, simulated, time, v"));
        }
        if obj["v"] != json!(1) {
            return Err(format!("unknown format version {}", obj["v"]));
        }
        let found = obj["index"].as_u64().ok_or("index is not a number")?;
        if found != index {
            return Err(format!(
                "says it is entry {found} but stands at position {index} (deleted, duplicated or reordered entries)"
            ));
        }
        let kind = obj["kind"].as_str().ok_or("kind is not a string")?;
        let fields =
            KINDS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f).ok_or_else(|| format!("unknown kind {kind:?}"))?;
        let body = &obj["body"];
        for (name, field) in fields {
            match body.get(name) {
                Some(v) if field.accepts(v) => {}
                Some(v) => return Err(format!("{kind}.{name} has the wrong type: {v}")),
                None => return Err(format!("{kind} lacks body field {name:?}")),
            }
        }
        let time = obj["time"].as_str().ok_or("time is not a string")?;
        humantime::parse_rfc3339(time).map_err(|e| format!("time {time:?} is not RFC 3339: {e}"))?;
        let simulated = obj["simulated"].as_bool().ok_or("simulated is not a boolean")?;
        Ok(Entry { index, kind: kind.to_string(), time: time.to_string(), simulated, body: body.clone() })
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
            kind: "Note".into(),
            time: "2026-11-25T08:00:00Z".into(),
            simulated: true,
            body: json!({"text": "公示"}),
        }
    }

    #[test]
    fn round_trips_and_rejects_edits() {
        let bytes = note(3).to_bytes();
        assert_eq!(Entry::parse(&bytes, 3).unwrap(), note(3));
        assert!(Entry::parse(&bytes, 4).unwrap_err().contains("position 4"));
        let spaced = String::from_utf8(bytes.clone()).unwrap().replace(":", ": ");
        assert!(Entry::parse(spaced.as_bytes(), 3).unwrap_err().contains("canonical"));
        let other = String::from_utf8(bytes).unwrap().replace("Note", "Nope");
        assert!(Entry::parse(other.as_bytes(), 3).unwrap_err().contains("unknown kind"));
    }

    #[test]
    fn schema_is_checked() {
        let mut e = note(0);
        e.body = json!({"txt": "x"});
        assert!(Entry::parse(&e.to_bytes(), 0).unwrap_err().contains("lacks"));
    }
}
