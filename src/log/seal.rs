//! Embargoed draws (audit/LOG-FORMAT.md, "Embargo (sealed draws)"): a drawn
//! outcome whose plan sets an embargo is logged with only the document's
//! digest, its date and the class counts; the document waits in
//! `private/sealed/<result id>.json` until `fairdraw unseal` (or the
//! regulator API) logs it as a `DrawPublication`, on or after that date.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::entry::{Entry, Kind};
use super::flow::{cosign_at, Clock, FlowError};
use super::store::{Log, LogError};
use super::witnessing::Cosigning;
use crate::input::plan::Embargo;
use crate::model::calendar::{Calendar, CalendarError};
use crate::model::canonical;
use crate::model::date::{china_date_of, Date};

/// Where a sealed draw's document waits: never published.
pub fn sealed_path(result_id: &str) -> String {
    format!("private/sealed/{result_id}.json")
}

/// `hex(SHA-256(canonical_json(document)))`, the digest a sealed result carries.
pub fn digest(document: &Value) -> String {
    hex::encode(Sha256::digest(canonical::to_bytes(document)))
}

/// The counts of each class of a draw document, as a sealed result shows them.
pub fn strata_counts(document: &Value) -> Value {
    let counts = document["strata"].as_array().into_iter().flatten().map(|s| {
        json!({"class": s["class"], "population": s["population"], "excluded": s["excluded"],
               "eligible": s["eligible"], "sample_size": s["sample_size"]})
    });
    Value::Array(counts.collect())
}

/// The `sealed` field of a DrawResult.
pub fn sealed_body(document: &Value, until: Date) -> Value {
    json!({"digest": digest(document), "until": until.to_string(), "strata": strata_counts(document)})
}

/// Until when a draw revealed on `revealed_on` (China date) stays sealed:
/// `None` when the plan's date is not after it (the embargo has passed, and
/// the list is published at once).
pub fn until(embargo: Embargo, revealed_on: Date) -> Result<Option<Date>, CalendarError> {
    match embargo {
        Embargo::Until(d) => Ok((d > revealed_on).then_some(d)),
        Embargo::WorkingDays(n) => Calendar::official().add_working_days(revealed_on, n).map(Some),
    }
}

/// What waits in `private/sealed/<result id>.json`: the body of the
/// DrawPublication that will publish it, in canonical JSON.
pub fn publication_body(result_id: &str, commitment_id: &str, document: &Value, openings: Option<Value>) -> Value {
    let mut body = json!({"result": result_id, "commitment": commitment_id, "draw": document});
    if let Some(o) = openings {
        body["openings"] = o;
    }
    body
}

/// Why a sealed document cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum SealedError {
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("the sealed document {0} is missing (it is kept only on the operator's machine)")]
    Missing(String),
    #[error("the sealed document {path} is not JSON: {cause}")]
    NotJson { path: String, cause: serde_json::Error },
    #[error("the sealed document {0} does not match the digest its DrawResult carries")]
    Digest(String),
}

/// The sealed document of a DrawResult (with its openings), as it waits in
/// `private/sealed/`, checked against the result's digest.
pub fn sealed_publication(log: &Log, result_id: &str, result: &Entry) -> Result<Value, SealedError> {
    let path = sealed_path(result_id);
    let bytes = log.blob(&path)?.ok_or_else(|| SealedError::Missing(path.clone()))?;
    let body: Value =
        serde_json::from_slice(&bytes).map_err(|cause| SealedError::NotJson { path: path.clone(), cause })?;
    if body["result"] != result_id || result.body["sealed"]["digest"] != digest(&body["draw"]) {
        return Err(SealedError::Digest(path));
    }
    Ok(body)
}

/// The DrawPublication of a result, if the log has one.
pub fn publication_of(log: &Log, result_id: &str) -> Option<(u64, std::sync::Arc<Entry>)> {
    log.valid_entries()
        .find(|(_, e)| e.kind == Kind::DrawPublication && e.body["result"] == result_id)
        .map(|(i, e)| (i, e.clone()))
}

/// A logged publication.
pub struct Unsealed {
    pub publication_id: String,
    pub result_id: String,
    pub until: Date,
    pub document: Value,
    /// Under a witness policy: the witnesses' answer on the new checkpoint.
    pub cosigning: Option<Cosigning>,
}

fn refused(m: String) -> FlowError {
    FlowError::Refused(m)
}

/// Publishes a sealed draw: refused before its date (the China date of
/// `clock`), for a result that is not sealed, and a second time.
/// `by` names the account that unseals (LOG-FORMAT "Accounts and roles").
pub fn unseal(log: &mut Log, id: &str, clock: &Clock, by: Option<&str>) -> Result<Unsealed, FlowError> {
    let index = log.find(id)?;
    let result = log.entry(index)?;
    let result_id = log.id(index);
    if result.kind != Kind::DrawResult || result.body.get("sealed").is_none() {
        return Err(refused(format!("entry {result_id} is not a sealed DrawResult: there is nothing to unseal")));
    }
    if let Some((i, _)) = publication_of(log, &result_id) {
        return Err(refused(format!("draw {result_id} was already published in entry {}", log.id(i))));
    }
    let until_text = result.body["sealed"]["until"].as_str().unwrap_or_default();
    let until = Date::parse(until_text)
        .map_err(|e| refused(format!("draw {result_id}: its sealed date is not a date ({e})")))?;
    let today = china_date_of(&clock.rfc3339).map_err(|e| refused(e.to_string()))?;
    if today < until {
        return Err(refused(format!(
            "draw {result_id} is sealed until {until}; today is {today} (China): refused, nothing was written"
        )));
    }
    let mut body = sealed_publication(log, &result_id, &result).map_err(|e| refused(e.to_string()))?;
    if let Some(by) = by {
        body["by"] = serde_json::json!(by);
    }
    let document = body["draw"].clone();
    let ids = log.append(vec![(Kind::DrawPublication, body)], &clock.rfc3339, clock.simulated)?;
    let size = log.len();
    let cosigning = cosign_at(log, size)?;
    Ok(Unsealed { publication_id: ids[0].clone(), result_id, until, document, cosigning })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(t: &str) -> Date {
        Date::parse(t).unwrap()
    }

    #[test]
    fn an_embargo_date_seals_only_when_it_lies_after_the_reveal() {
        let revealed = date("2024-11-01");
        assert_eq!(until(Embargo::Until(date("2024-11-02")), revealed), Ok(Some(date("2024-11-02"))));
        assert_eq!(until(Embargo::Until(revealed), revealed), Ok(None), "the day itself has passed");
        // Friday + 1 working day is Monday; the National Day week is skipped.
        assert_eq!(until(Embargo::WorkingDays(1), revealed), Ok(Some(date("2024-11-04"))));
        assert_eq!(until(Embargo::WorkingDays(1), date("2024-09-30")), Ok(Some(date("2024-10-08"))));
    }

    #[test]
    fn the_sealed_body_carries_the_digest_and_counts_only() {
        let doc = json!({"strata": [{"class": "A", "population": 5, "excluded": 1, "eligible": 4, "ratio": "0.5",
                                     "sample_size": 2, "cutoff": "0.1", "selected": ["X", "Y"]}], "seed": "s"});
        let body = sealed_body(&doc, date("2024-11-20"));
        assert_eq!(body["digest"], digest(&doc));
        assert_eq!(body["until"], "2024-11-20");
        assert_eq!(
            body["strata"],
            json!([{"class": "A", "population": 5, "excluded": 1, "eligible": 4, "sample_size": 2}])
        );
    }
}
