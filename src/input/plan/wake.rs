//! `scope.wake` (spec §6.3): a plan that takes woken 歇业 firms back into
//! its pool, in its file form (a boolean) and its canonical form.

use super::*;
use crate::model::dormancy;

/// The canonical `scope.wake`: the date terms are judged on, and the log's
/// wake-ups (`[uscc, China date]`, sorted by USCC).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wake {
    /// `YYYY-MM-DD`, or `""` outside a log without an inspection date.
    pub as_of: String,
    pub woken: Vec<(String, String)>,
}

impl Wake {
    pub fn canonical(&self) -> Value {
        json!({"as_of": self.as_of, "woken": self.woken.iter().map(|(u, d)| json!([u, d])).collect::<Vec<_>>()})
    }

    /// The stored form back (None when it has another shape; extra keys are
    /// caught by the caller's canonical comparison).
    pub fn from_canonical(v: &Value) -> Option<Wake> {
        let date_or_empty = |s: &str| s.is_empty() || Date::parse(s).is_ok_and(|d| d.to_string() == s);
        let as_of = v.get("as_of")?.as_str().filter(|s| date_or_empty(s))?.to_string();
        let woken = v
            .get("woken")?
            .as_array()?
            .iter()
            .map(|p| {
                let pair = p.as_array().filter(|a| a.len() == 2)?;
                let (u, d) = (pair[0].as_str()?, pair[1].as_str()?);
                (uscc::validate(u).is_ok() && !d.is_empty() && date_or_empty(d)).then(|| (u.to_string(), d.to_string()))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Wake { as_of, woken })
    }

    /// A row outside `scope.statuses` that this plan takes back (spec §6.3):
    /// a 歇业 firm whose term ended on `as_of`, or that a later wake-up woke.
    pub fn admits(&self, uscc: &str, status: Status, from: &str, until: &str) -> bool {
        status == Status::Dormant && dormancy::woken(uscc, from, until, &self.as_of, &self.woken)
    }
}

impl Plan {
    /// The columns the registry reads must keep for the leaf (spec §5): the
    /// filter columns (`scope.where`, `scope.range`), then the dormancy
    /// dates when the plan wakes. [`Plan::leaf_extras`] is the leaf's
    /// resulting extra columns, in order.
    pub fn leaf_extra_columns(&self) -> Vec<String> {
        let mut columns = self.where_columns();
        if self.scope.wake.is_some() {
            columns.extend([dormancy::DORMANT_FROM.to_string(), dormancy::DORMANT_UNTIL.to_string()]);
        }
        columns
    }
}

/// Registry columns `scope.where` may not name: private (the service
/// address), or kept for `scope.wake` only (spec §3.2). `established` is
/// filterable (spec §6.2); `scope.range` refuses all of these as §1.1 fields.
pub(super) fn unfilterable(column: &str) -> Option<&'static str> {
    let f = table::field_index(ENTERPRISE_FIELDS, column)?;
    match ENTERPRISE_FIELDS[f].key {
        "service_address" => Some("送达地址 (service_address) is never read or published and cannot be filtered on"),
        "dormant_from" | "dormant_until" => {
            Some("the dormancy dates cannot be filtered on: use scope.wake (spec §6.3)")
        }
        _ => None,
    }
}
