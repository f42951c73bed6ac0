//! `audit verify`'s checks of sealed draws and their publications
//! (audit/LOG-FORMAT.md, "Embargo (sealed draws)"): a sealed result's date
//! lies after its reveal, a publication comes on or after that date, at most
//! once, and carries exactly the document the result sealed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::entry::{Entry, Kind};
use super::seal;
use crate::model::date::Date;
use crate::model::merkle::Hash;

/// A sealed DrawResult or a DrawPublication that does not hold.
#[derive(Debug, thiserror::Error)]
pub enum SealFinding {
    #[error("its sealed date {0:?} is not a date (YYYY-MM-DD) after the China date of its reveal")]
    BadUntil(String),
    #[error("it is sealed but its plan sets no embargo")]
    NoEmbargo,
    #[error("result {0} is not a sealed DrawResult: only a sealed draw is published later")]
    NotSealed(String),
    #[error("a second publication of the sealed draw {0}")]
    SecondPublication(String),
    #[error("its commitment is not the commitment of the result {0}")]
    OtherCommitment(String),
    #[error("published on {published}, before the sealed date {until} of the draw {result}")]
    Early { published: Date, until: String, result: String },
    #[error("publication {publication} does not match the sealed draw {result}")]
    Mismatch { publication: String, result: String },
    #[error("the published draw's seed or plan digest differs from its beacon and commitment")]
    SeedOrDigest,
}

/// A sealed DrawResult: a real date after its reveal, under a plan that
/// asked for an embargo.
pub(super) fn check_sealed_result(result: &Entry, commitment: &Entry) -> Result<(), SealFinding> {
    let until = result.body["sealed"]["until"].as_str().unwrap_or_default();
    let date = Date::parse(until).ok().filter(|d| d.to_string() == until);
    if date.is_none_or(|d| d <= result.china_date()) {
        return Err(SealFinding::BadUntil(until.to_string()));
    }
    if commitment.body["plan"].get("embargo").is_none() {
        return Err(SealFinding::NoEmbargo);
    }
    Ok(())
}

/// The entries a publication refers to, already checked to be earlier and
/// of the right kinds.
pub(super) struct Sealed<'a> {
    pub result_id: &'a str,
    pub result: &'a Entry,
    pub beacon: Option<&'a Entry>,
    pub commitment: Option<&'a Entry>,
}

/// A DrawPublication: of a sealed result, once, not early, and exactly the
/// sealed document (digest and counts), which then holds as any drawn one.
pub(super) fn check_publication(
    publication_id: &str,
    p: &Entry,
    sealed: &Sealed<'_>,
    published: &mut BTreeMap<String, String>,
) -> Result<(), SealFinding> {
    let result_id = sealed.result_id.to_string();
    let s = &sealed.result.body["sealed"];
    if s.is_null() {
        return Err(SealFinding::NotSealed(result_id));
    }
    if published.insert(result_id.clone(), publication_id.to_string()).is_some() {
        return Err(SealFinding::SecondPublication(result_id));
    }
    if p.body["commitment"] != sealed.result.body["commitment"] {
        return Err(SealFinding::OtherCommitment(result_id));
    }
    let until = s["until"].as_str().unwrap_or_default();
    if Date::parse(until).is_ok_and(|u| p.china_date() < u) {
        return Err(SealFinding::Early { published: p.china_date(), until: until.to_string(), result: result_id });
    }
    let draw = &p.body["draw"];
    if s["digest"] != seal::digest(draw) || s["strata"] != seal::strata_counts(draw) {
        return Err(SealFinding::Mismatch { publication: publication_id.to_string(), result: result_id });
    }
    let seed = sealed.beacon.map(|b| &b.body["seed"]);
    let digest = sealed.commitment.map(|c| &c.body["plan_digest"]);
    if seed != Some(&draw["seed"]) || digest != Some(&draw["plan_digest"]) {
        return Err(SealFinding::SeedOrDigest);
    }
    Ok(())
}

/// After all entries: `draw <id>: sealed until <until>` for every sealed
/// draw not published yet, and tampering for a result of a published
/// sealed draw whose USCC the document does not select.
pub(super) fn after_all(entries: &[Option<Entry>], leaves: &[Hash], published: &BTreeMap<String, String>) -> Findings {
    let mut f = Findings::default();
    let by_id: BTreeMap<String, &Entry> =
        entries.iter().zip(leaves).filter_map(|(e, h)| e.as_ref().map(|e| (hex::encode(h), e))).collect();
    for (id, e) in &by_id {
        if e.kind == Kind::DrawResult && !e.body["sealed"].is_null() && !published.contains_key(id) {
            f.notes.push(format!("draw {id}: sealed until {}", e.body["sealed"]["until"].as_str().unwrap_or("?")));
        }
    }
    for (i, e) in entries.iter().enumerate() {
        let Some(e) = e.as_ref().filter(|e| e.kind == Kind::InspectionResult) else { continue };
        let draw = e.body["draw"].as_str().unwrap_or_default();
        let Some(document) = published.get(draw).and_then(|p| by_id.get(p)).map(|p| &p.body["draw"]) else {
            continue;
        };
        let selected = document["assignments"].as_array().into_iter().flatten().any(|a| a["uscc"] == e.body["uscc"]);
        if !selected {
            f.tampering.push(format!(
                "entry {i}: the InspectionResult names {}, which the published sealed draw {draw} does not select",
                e.body["uscc"]
            ));
        }
    }
    f
}

#[derive(Default)]
pub(super) struct Findings {
    pub notes: Vec<String>,
    pub tampering: Vec<String>,
}

/// What a replay compares a DrawResult with: its document, the document of
/// its publication, or (sealed, unpublished) the sealed digest.
pub enum Logged<'a> {
    Document(&'a Value),
    Digest(&'a Value),
}

/// The logged side of a drawn result for a replay.
pub fn logged<'a>(result: &'a Entry, publication: Option<&'a Entry>) -> Logged<'a> {
    match (publication, result.body.get("sealed")) {
        (Some(p), _) => Logged::Document(&p.body["draw"]),
        (None, Some(s)) => Logged::Digest(&s["digest"]),
        (None, None) => Logged::Document(&result.body["draw"]),
    }
}
