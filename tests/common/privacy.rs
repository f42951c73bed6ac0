//! What a protected log must never publish (issue 10): a registry's
//! secrets, and a scanner that finds them in any public byte string (a
//! file of the log, or an HTTP answer).
#![allow(dead_code)]

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde_json::Value;

/// The private facts of a registry, and the firms a draw made public.
pub struct Secrets {
    /// USCCs that must not appear at all (unselected, not excluded).
    pub hidden: HashSet<String>,
    /// USCCs that may appear only inside an `exclude` list.
    pub excluded: HashSet<String>,
    /// Recusal pairs (inspector id, USCC) and their reasons.
    pub conflicts: Vec<(String, String)>,
    pub reasons: BTreeSet<String>,
    /// Inspector fields beyond id/name/department: (id, region), the
    /// qualifications (single and as written), the certificate dates.
    pub regions: Vec<(String, String)>,
    pub qualifications: BTreeSet<String>,
    pub cert_dates: BTreeSet<String>,
}

/// Rows of a registry CSV as written by `fairdraw gen` (UTF-8, BOM, no quoted commas).
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    text.lines().skip(1).filter(|l| !l.is_empty()).map(|l| l.split(',').map(String::from).collect()).collect()
}

impl Secrets {
    /// From the `fairdraw gen` directory, the selected and the excluded USCCs.
    pub fn new(gen: &Path, selected: &HashSet<String>, excluded: &HashSet<String>) -> Secrets {
        let hidden = rows(&gen.join("enterprises.csv"))
            .into_iter()
            .map(|r| r[0].clone())
            .filter(|u| !selected.contains(u) && !excluded.contains(u))
            .collect();
        let conflict_rows = rows(&gen.join("conflicts.csv"));
        let inspectors = rows(&gen.join("inspectors.csv"));
        let mut qualifications = BTreeSet::new();
        for r in &inspectors {
            if !r[5].is_empty() {
                qualifications.insert(r[5].clone());
                qualifications.extend(r[5].split(';').map(String::from));
            }
        }
        Secrets {
            hidden,
            excluded: excluded.clone(),
            conflicts: conflict_rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect(),
            reasons: conflict_rows.iter().filter_map(|r| r.get(2)).filter(|x| !x.is_empty()).cloned().collect(),
            regions: inspectors.iter().map(|r| (r[0].clone(), r[3].clone())).collect(),
            qualifications,
            cert_dates: inspectors.iter().map(|r| r[6].clone()).filter(|d| !d.is_empty()).collect(),
        }
    }

    /// Every leak found in `bytes` (named `what` in the findings). JSON
    /// (a document, or one per line) is walked value by value; other text
    /// is searched as text.
    pub fn leaks(&self, what: &str, bytes: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(bytes);
        let mut found = Vec::new();
        let values: Option<Vec<Value>> = serde_json::from_str::<Value>(&text)
            .map(|v| vec![v])
            .ok()
            .or_else(|| text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).ok()).collect());
        match values {
            Some(values) => values.iter().for_each(|v| self.walk(what, v, false, &mut found)),
            None => self.text(what, &text, false, &mut found),
        }
        for reason in &self.reasons {
            if text.contains(reason.as_str()) {
                found.push(format!("{what}: a recusal reason {reason:?}"));
            }
        }
        for date in &self.cert_dates {
            if text.contains(date.as_str()) {
                found.push(format!("{what}: an inspector's certificate date {date}"));
            }
        }
        found
    }

    fn text(&self, what: &str, text: &str, in_exclude: bool, found: &mut Vec<String>) {
        for token in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            if token.len() != 18 {
                continue;
            }
            if self.hidden.contains(token) {
                found.push(format!("{what}: the unselected firm {token}"));
            } else if self.excluded.contains(token) && !in_exclude {
                found.push(format!("{what}: the excluded firm {token} outside an exclude list"));
            }
        }
    }

    fn walk(&self, what: &str, v: &Value, in_exclude: bool, found: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                self.text(what, s, in_exclude, found);
                if self.qualifications.contains(s) {
                    found.push(format!("{what}: an inspector qualification {s:?}"));
                }
            }
            Value::Array(items) => {
                self.siblings(what, items.iter(), true, found);
                items.iter().for_each(|x| self.walk(what, x, in_exclude, found));
            }
            Value::Object(map) => {
                self.siblings(what, map.values(), false, found);
                for (k, x) in map {
                    self.walk(what, x, k == "exclude", found);
                }
            }
            _ => {}
        }
    }

    /// Strings side by side in one array or object: a recusal pair, or (in
    /// an array: a row) an inspector id next to its region. An object such
    /// as an assignment holds its leader's id beside the firm's region.
    fn siblings<'a>(&self, what: &str, items: impl Iterator<Item = &'a Value>, row: bool, found: &mut Vec<String>) {
        let strings: HashSet<&str> = items.filter_map(Value::as_str).collect();
        if strings.len() < 2 {
            return;
        }
        for (id, uscc) in &self.conflicts {
            if strings.contains(id.as_str()) && strings.contains(uscc.as_str()) {
                found.push(format!("{what}: the recusal pair {id} / {uscc}"));
            }
        }
        for (id, region) in self.regions.iter().filter(|_| row) {
            if strings.contains(id.as_str()) && strings.contains(region.as_str()) {
                found.push(format!("{what}: inspector {id} next to its region {region}"));
            }
        }
    }
}

/// Every leak in every public file of a log directory ([`super::public_files`]);
/// a receipt's entry (base64 in its `extra` line) is decoded and scanned too,
/// and an entry bundle (`tile/entries/…`) is scanned entry by entry.
pub fn leaks_in_files(log: &Path, secrets: &Secrets) -> Vec<String> {
    use base64::Engine;
    let mut found = Vec::new();
    for (rel, bytes) in super::public_files(log) {
        let what = rel.display().to_string();
        if what.starts_with("tile/entries/") {
            let mut rest = &bytes[..];
            while let [hi, lo, tail @ ..] = rest {
                let len = usize::from(u16::from_be_bytes([*hi, *lo]));
                let entry = tail.get(..len).unwrap_or_else(|| panic!("{what} is not a C2SP entry bundle"));
                found.extend(secrets.leaks(&format!("{what} (an entry)"), entry));
                rest = &tail[len..];
            }
            assert!(rest.is_empty(), "{what} ends in half a length");
            continue;
        }
        found.extend(secrets.leaks(&what, &bytes));
        if what.ends_with(".tlog-proof") {
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines().filter_map(|l| l.strip_prefix("extra ")) {
                let entry = base64::engine::general_purpose::STANDARD.decode(line.trim()).unwrap();
                found.extend(secrets.leaks(&format!("{what} (its entry)"), &entry));
            }
        }
    }
    found
}
