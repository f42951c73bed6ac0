//! `audit verify`'s reference checks of follow-ups and objections
//! (LOG-FORMAT "Follow-ups", "Objections"): each id names an earlier entry
//! of the right kind, a referring USCC is the result's, and nothing is
//! closed or answered twice. The bodies themselves are checked when the
//! entries are parsed (entry.rs).

use std::collections::{HashMap, HashSet};

use super::entry::{Entry, Kind};
use crate::model::merkle::Hash;

/// Every finding, as `entry N (Kind): …`, in log order.
pub fn check(entries: &[Option<Entry>], leaves: &[Hash]) -> Vec<String> {
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut closed: HashSet<String> = HashSet::new();
    let mut found = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let id = hex::encode(leaves[i]);
        if let Some(e) = e {
            let earlier = |field: &str, kind: Kind| -> Result<Option<&Entry>, String> {
                let Some(target) = e.body.get(field).and_then(|v| v.as_str()) else { return Ok(None) };
                let j = index_of.get(target).ok_or_else(|| format!("{field} {target} is not an earlier entry"))?;
                match &entries[*j] {
                    Some(t) if t.kind == kind => Ok(Some(t)),
                    _ => Err(format!("{field} {target} is not a {kind}")),
                }
            };
            let same_firm = |t: Option<&Entry>| match t {
                Some(t) if t.body["uscc"] != e.body["uscc"] => {
                    Err(format!("uscc {} is not the result's uscc {}", e.body["uscc"], t.body["uscc"]))
                }
                _ => Ok(()),
            };
            let once = |field: &str, closed: &mut HashSet<String>, what: &str| -> Result<(), String> {
                let target = e.body[field].as_str().unwrap_or_default();
                if closed.insert(target.to_string()) {
                    Ok(())
                } else {
                    Err(format!("{field} {target} is {what} already"))
                }
            };
            let problem = match e.kind {
                Kind::FollowUp => earlier("result", Kind::InspectionResult).and_then(same_firm),
                Kind::FollowUpClosed => {
                    earlier("follow_up", Kind::FollowUp).and_then(|_| once("follow_up", &mut closed, "closed"))
                }
                Kind::Objection => earlier("result", Kind::InspectionResult)
                    .and_then(same_firm)
                    .and_then(|_| earlier("draw", Kind::DrawResult).map(|_| ())),
                Kind::ObjectionAnswer => {
                    earlier("objection", Kind::Objection).and_then(|_| once("objection", &mut closed, "answered"))
                }
                _ => Ok(()),
            };
            if let Err(m) = problem {
                found.push(format!("entry {i} ({}): {m}", e.kind));
            }
        }
        index_of.entry(id).or_insert(i);
    }
    found
}
