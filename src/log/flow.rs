//! Commit → beacon → reveal. The plan and the registry snapshots are logged
//! before the randomness exists; the reveal verifies the beacon offline,
//! derives the seed from the commitment and the randomness, runs the engine
//! and logs the outcome, whatever it is. Nothing is written when a check
//! fails.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::beacon::{self, ChainInfo, DrandRound};
use super::entry::{Entry, Kind};
pub use super::flow_error::{BeaconSpecError, FlowError, OfferError, RebuildError, TimeError};
use super::policy::Policy;
use super::protected;
use super::publication::Publication;
use super::seal;
use super::snapshots;
use super::store::{Log, LogError};
use super::witnessing::{self, Cosigning};
use crate::engine::draw::{self, DrawDoc};
use crate::input::files::Inputs;
use crate::input::plan::Plan;

/// The time an entry records: the real clock, or `--now` for tests/demos.
#[derive(Clone, Debug)]
pub struct Clock {
    pub unix: u64,
    pub rfc3339: String,
    pub simulated: bool,
}

impl Clock {
    pub fn system() -> Clock {
        let now = std::time::SystemTime::now();
        let unix = now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Clock { unix, rfc3339: humantime::format_rfc3339_seconds(now).to_string(), simulated: false }
    }

    pub fn simulated(text: &str) -> Result<Clock, TimeError> {
        let t = humantime::parse_rfc3339_weak(text.trim())
            .map_err(|cause| TimeError::BadNow { text: text.to_string(), cause })?;
        let unix = t.duration_since(std::time::UNIX_EPOCH).map_err(|_| TimeError::NowBeforeEpoch)?.as_secs();
        Ok(Clock { unix, rfc3339: humantime::format_rfc3339_seconds(t).to_string(), simulated: true })
    }

    /// The year in China (UTC+8): "this year" is the regulator's year.
    pub fn year(&self) -> u16 {
        crate::model::date::china_date_of(&self.rfc3339).map_or(1970, |d| d.year)
    }
}

/// The witness deadline T of a commitment (LOG-FORMAT §"What 'witnessed'
/// means"): the drand round's time, or the ceremony's `at`.
pub fn deadline(commitment: &Entry, ceremony_at: Option<&str>) -> Result<u64, TimeError> {
    let b = &commitment.body["beacon"];
    let text = match b["type"].as_str() {
        Some("drand") => b["round_time"].as_str().ok_or(TimeError::NoRoundTime)?,
        _ => ceremony_at.ok_or(TimeError::NoCeremonyTime)?,
    };
    rfc3339_seconds(text)
}

/// RFC 3339 UTC with seconds and `Z`, as POSIX seconds.
pub fn rfc3339_seconds(text: &str) -> Result<u64, TimeError> {
    let bad = || TimeError::NotUtcSeconds(text.to_string());
    if !text.ends_with('Z') || text.len() != 20 {
        return Err(bad());
    }
    let t = humantime::parse_rfc3339(text).map_err(|_| bad())?;
    Ok(t.duration_since(std::time::UNIX_EPOCH).map_err(|_| bad())?.as_secs())
}

/// With a witness policy in force at `index`: asks its witnesses to cosign
/// the newest checkpoint (after a commit, or `fairdraw cosign`).
pub fn cosign_at(log: &mut Log, index: u64) -> Result<Option<Cosigning>, LogError> {
    match Policy::in_force(log, index) {
        None => Ok(None),
        Some((_, policy)) => witnessing::cosign(log, &policy, true).map(Some),
    }
}

fn refused(m: impl Into<String>) -> FlowError {
    FlowError::Refused(m.into())
}

/// Which public randomness a commitment will use.
pub enum BeaconChoice {
    Drand { chain: &'static ChainInfo, round: u64 },
    Ceremony,
}

/// Parses `drand:quicknet:ROUND` or `ceremony`.
pub fn parse_beacon(spec: &str) -> Result<BeaconChoice, BeaconSpecError> {
    let parts: Vec<&str> = spec.trim().split(':').collect();
    match parts.as_slice() {
        ["ceremony"] => Ok(BeaconChoice::Ceremony),
        ["drand", chain, round] => {
            let chain = beacon::chain(chain).ok_or_else(|| BeaconSpecError::UnknownChain(chain.to_string()))?;
            let round = round.parse().map_err(|_| BeaconSpecError::BadRound(round.to_string()))?;
            Ok(BeaconChoice::Drand { chain, round })
        }
        _ => Err(BeaconSpecError::Malformed(spec.to_string())),
    }
}

fn entries_of(log: &Log, kind: Kind) -> impl Iterator<Item = (u64, &Entry)> + '_ {
    log.valid_entries().filter(move |(_, e)| e.kind == kind).map(|(i, e)| (i, e.as_ref()))
}

/// What a commitment adds to its plan from the entries logged before it
/// (audit/LOG-FORMAT.md, "The effective plan"): `log_exclusions` and, with
/// rotation, `log_history`. `audit verify` recomputes both.
pub struct LogAdditions {
    pub exclusions: Vec<Value>,
    pub history: Vec<Value>,
}

/// `earlier` are (id, entry) pairs of the entries before the commitment.
pub fn log_additions(earlier: &[(String, &Entry)], plan: &Plan, year: u64) -> LogAdditions {
    let mut drawn: BTreeMap<String, u64> = BTreeMap::new();
    let mut exclusions: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut latest_team: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let items: Vec<&str> = plan.items.iter().map(|i| i.item.as_str()).collect();
    // The teams of a draw are read with its replacements applied (LOG-FORMAT
    // "Replacing an inspector").
    let replaced = super::replace::by_draw(earlier);
    for (id, result) in earlier.iter().filter(|(_, e)| e.kind == "DrawResult") {
        // A sealed draw counts once its publication is logged (LOG-FORMAT
        // "The effective plan"): before that its list is not in the log.
        let publication = earlier.iter().find(|(_, p)| p.kind == "DrawPublication" && p.body["result"] == id.as_str());
        let document = publication.map_or(&result.body["draw"], |(_, p)| &p.body["draw"]);
        let Some((_, commitment)) = earlier.iter().find(|(cid, _)| result.body["commitment"] == cid.as_str()) else {
            continue;
        };
        let same_year = commitment.body["year"].as_u64() == Some(year);
        let shared: Vec<String> = commitment.body["plan"]["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|it| it["item"].as_str())
            .filter(|it| items.contains(it))
            .map(str::to_string)
            .collect();
        let teams =
            super::replace::apply(&document["assignments"], replaced.get(id.as_str()).map_or(&[], Vec::as_slice));
        for a in &teams {
            let Some(uscc) = a["uscc"].as_str() else { continue };
            let team: Vec<String> = a["inspectors"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(a["experts"].as_array().into_iter().flatten())
                .filter_map(|x| x.as_str().map(String::from))
                .collect();
            latest_team.insert(uscc.to_string(), team);
            if same_year {
                *drawn.entry(uscc.to_string()).or_default() += 1;
                // With `same_item_per_year` the ledger's item rule replaces
                // this one (LOG-FORMAT "The burden ledger and caps").
                if let Some(item) = shared.first().filter(|_| plan.caps.same_item_per_year.is_none()) {
                    exclusions
                        .insert(uscc.to_string(), (format!("already drawn for 「{item}」 in {year}"), id.clone()));
                }
            }
        }
    }
    let checks = super::ledger::checks_of_year(earlier, year);
    for (uscc, reason) in super::ledger::same_item_exclusions(&checks, plan, year) {
        exclusions.entry(uscc).or_insert((reason, String::new()));
    }
    if let Some(cap) = plan.max_draws_per_year {
        for (uscc, n) in drawn.into_iter().filter(|&(_, n)| n >= cap) {
            exclusions
                .entry(uscc)
                .or_insert_with(|| (format!("already drawn {n} times in {year} (cap {cap} a year)"), String::new()));
        }
    }
    for (uscc, reason) in super::ledger::count_exclusions(earlier, &checks, plan, year) {
        exclusions.entry(uscc).or_insert((reason, String::new()));
    }
    let history = if plan.team.rotation {
        latest_team.iter().flat_map(|(uscc, team)| team.iter().map(move |id| json!([uscc, id]))).collect()
    } else {
        Vec::new()
    };
    LogAdditions {
        exclusions: exclusions
            .into_iter()
            .map(|(uscc, (reason, entry))| json!({"uscc": uscc, "reason": reason, "entry": entry}))
            .collect(),
        history,
    }
}

/// Logs the snapshots and the commitment; returns the commitment's id.
/// `by` names the account that commits (LOG-FORMAT "Accounts and roles"),
/// when the request came from one.
pub fn commit(
    log: &mut Log,
    mut inputs: Inputs,
    choice: &BeaconChoice,
    clock: &Clock,
    by: Option<&str>,
) -> Result<String, FlowError> {
    let beacon = match choice {
        BeaconChoice::Drand { chain, round } => {
            let at = beacon::round_time(chain, *round)
                .ok_or_else(|| refused(format!("drand round {round} does not exist")))?;
            if at <= clock.unix {
                let next = beacon::first_round_after(chain, clock.unix + 60);
                return Err(refused(format!(
                    "drand {} round {round} was emitted at {} — not after now ({}); its randomness may already be known. Commit to a future round, e.g. {next}",
                    chain.name,
                    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(at)),
                    clock.rfc3339
                )));
            }
            json!({"type": "drand", "chain": chain.name, "chain_hash": hex::encode(chain.chain_hash), "round": round,
                   "round_time": humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(at)).to_string()})
        }
        BeaconChoice::Ceremony => json!({"type": "ceremony"}),
    };
    if let Some(crate::input::plan::Embargo::Until(until)) = inputs.plan.embargo {
        let today = crate::model::date::china_date_of(&clock.rfc3339).map_err(|e| refused(e.to_string()))?;
        if until <= today {
            return Err(refused(format!(
                "embargo_until {until} is not after today ({today}, China): the list would never be sealed; nothing was written"
            )));
        }
    }
    if inputs.plan.strata.is_some() && Publication::of_log(log) == Publication::Protected {
        // The blinded enterprise leaf carries the class, not the region, so
        // nobody could check a region stratum's counts (LOG-FORMAT "What a
        // public verifier checks"): refuse rather than log an unverifiable draw.
        return Err(refused(
            "region strata ([strata]) cannot yet be drawn in a protected log: its public files could not prove the per-region counts; use a log made with --publish full, or leave out [strata]; nothing was written",
        ));
    }
    if inputs.plan.feedback.is_some() && Publication::of_log(log) == Publication::Protected {
        // The blinded leaves cannot show how many firms of a class were
        // flagged (LOG-FORMAT "Feedback from results").
        return Err(refused(
            "feedback from results ([feedback]) cannot yet be drawn in a protected log: its public files could not prove how many firms of a class the log flagged; use a log made with --publish full, or leave out [feedback]; nothing was written",
        ));
    }
    let year = inputs.plan.inspection_date.map_or(clock.year(), |d| d.year) as u64;
    let earlier: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
    let added = log_additions(&earlier, &inputs.plan, year);
    if inputs.plan.annual.is_some() {
        // A batch of an annual plan must be that batch (LOG-FORMAT "Annual
        // plans and batches"); `audit verify` checks the same.
        let body = json!({"plan": inputs.plan.canonical(), "year": year});
        let problems = super::annual::reference_problems(&body, &earlier);
        if !problems.is_empty() {
            return Err(refused(format!("{}; nothing was written", problems.join("; "))));
        }
    }
    let plan = &mut inputs.plan;
    plan.exclude.extend(added.exclusions.iter().filter_map(|x| x["uscc"].as_str().map(String::from)));
    plan.exclude.sort();
    plan.exclude.dedup();
    plan.history
        .extend(added.history.iter().filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string()))));
    plan.history.sort();
    plan.history.dedup();
    let (log_exclusions, log_history) = (added.exclusions, added.history);
    let log_wakes = super::wakes::apply(&mut inputs.plan, &earlier, &clock.rfc3339);
    let log_feedback = super::feedback::apply(&mut inputs.plan, &earlier);
    let blobs = snapshots::pack_all(&inputs);
    // A protected log keeps the full snapshots private and publishes the
    // blinded ones, fixed (like everything committed) before the randomness.
    let blinded = match Publication::of_log(log) {
        Publication::Protected => Some(protected::store(log, &inputs.plan, &blobs).map_err(RebuildError::from)?),
        Publication::Full => None,
    };
    let mut items = Vec::new();
    let mut refs = serde_json::Map::new();
    for blob in &blobs {
        if blinded.is_none() {
            log.put_blob(&blob.name(), &blob.gz)?;
        }
        let root = hex::encode(blob.root);
        refs.insert(blob.registry.into(), json!({"root": root, "count": blob.count}));
        items.push((
            Kind::RegistrySnapshot,
            json!({"registry": blob.registry, "root": root, "count": blob.count, "columns": blob.columns, "blob": blob.name()}),
        ));
    }
    let mut commitment = json!({
            "algorithm": crate::input::plan::ALGORITHM,
            "plan": inputs.plan.canonical(),
            "plan_digest": inputs.plan.digest(),
            "snapshots": Value::Object(refs),
            "beacon": beacon,
            "year": year,
            "log_exclusions": log_exclusions,
            "log_history": log_history,
    });
    if let Some(b) = blinded {
        commitment["blinded"] = b;
    }
    if !log_wakes.is_empty() {
        commitment["log_wakes"] = Value::Array(log_wakes);
    }
    if let Some(list) = log_feedback {
        commitment["log_feedback"] = Value::Array(list);
    }
    if let Some(by) = by {
        commitment["by"] = json!(by);
    }
    items.push((Kind::DrawCommitment, commitment));
    let ids = log.append(items, &clock.rfc3339, clock.simulated)?;
    Ok(ids.last().expect("a commitment was appended").clone())
}

/// The randomness offered at reveal.
pub enum Offered {
    Drand(DrandRound),
    /// `at`: the ceremony's time (RFC 3339 UTC), required under a witness policy.
    Ceremony {
        digits: String,
        witnesses: Vec<String>,
        at: Option<String>,
    },
}

pub struct Revealed {
    pub result_id: String,
    pub beacon_id: String,
    pub draw: Option<DrawDoc>,
    /// An embargoed draw: logged sealed until this date (China); `draw`
    /// is then the bureau's copy, not yet public.
    pub sealed_until: Option<crate::model::date::Date>,
    pub failure: Option<String>,
    /// Validated inputs, for printing the inspection list.
    pub inputs: Inputs,
    /// Under a witness policy: the witnesses' answer on the reveal's checkpoint.
    pub cosigning: Option<Cosigning>,
}

/// Checks a commitment's randomness and returns (beacon record, randomness).
pub fn check_beacon(committed: &Value, offered: &Offered) -> Result<(Value, [u8; 32]), OfferError> {
    match (committed["type"].as_str(), offered) {
        (Some("drand"), Offered::Drand(round)) => {
            let chain = committed["chain"].as_str().and_then(beacon::chain).ok_or(OfferError::UnknownChain)?;
            let want = committed["round"].as_u64().unwrap_or(0);
            if round.round != want {
                return Err(OfferError::WrongRound { want, offered: round.round });
            }
            let randomness = beacon::verify_round(chain, round)?;
            Ok((
                json!({"type": "drand", "chain": chain.name, "round": want, "signature": hex::encode(&round.signature)}),
                randomness,
            ))
        }
        (Some("ceremony"), Offered::Ceremony { digits, witnesses, at }) => {
            let randomness = beacon::ceremony_randomness(digits, witnesses)?;
            let names: Vec<&str> = witnesses.iter().map(|w| w.trim()).collect();
            let mut body = json!({"type": "ceremony", "digits": digits, "witnesses": names});
            if let Some(at) = at {
                rfc3339_seconds(at).map_err(OfferError::CeremonyTime)?;
                body["at"] = json!(at);
            }
            Ok((body, randomness))
        }
        (Some(t), _) => Err(OfferError::OtherType(t.to_string())),
        (None, _) => Err(OfferError::NoType),
    }
}

/// Rebuilds a commitment's inputs from the log alone.
pub fn committed_inputs(log: &Log, commitment: &Entry) -> Result<Inputs, RebuildError> {
    let plan = Plan::from_canonical(&commitment.body["plan"])?;
    let load = |registry: &'static str| -> Result<(Vec<String>, Vec<Vec<u8>>), RebuildError> {
        let root = commitment.body["snapshots"][registry]["root"].as_str().ok_or(RebuildError::NoRoot(registry))?;
        let snap = entries_of(log, Kind::RegistrySnapshot)
            .map(|(_, e)| e)
            .find(|e| e.body["root"] == root && e.body["registry"] == registry)
            .ok_or_else(|| RebuildError::NoSnapshotEntry { registry, root: root.to_string() })?;
        let gz = log.snapshot_blob(root)?.ok_or_else(|| RebuildError::MissingBlob(root.to_string()))?;
        let columns = snap.body["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(String::from))
            .collect();
        Ok((columns, snapshots::unpack(&gz, root)?))
    };
    let (columns, ents) = load("enterprises")?;
    let (_, insp) = load("inspectors")?;
    let (_, conf) = load("conflicts")?;
    Ok(snapshots::rebuild(plan, (&columns, &ents), &insp, &conf)?)
}

/// Verifies the beacon, runs the committed draw and logs the outcome.
/// `by` names the account that reveals, written on the BeaconRecord.
pub fn reveal(
    log: &mut Log,
    id: &str,
    offered: &Offered,
    clock: &Clock,
    by: Option<&str>,
) -> Result<Revealed, FlowError> {
    let index = log.find(id)?;
    let commitment = log.entry(index)?;
    if commitment.kind != "DrawCommitment" {
        return Err(refused(format!("entry {id} is a {}, not a DrawCommitment", commitment.kind)));
    }
    let commitment_id = log.id(index);
    if let Some((i, _)) =
        entries_of(log, Kind::BeaconRecord).find(|(_, e)| e.body["commitment"] == commitment_id.as_str())
    {
        return Err(refused(format!(
            "commitment {commitment_id} was already revealed in entry {}; a redraw needs a new commitment",
            log.id(i)
        )));
    }
    let (beacon_body, randomness) = check_beacon(&commitment.body["beacon"], offered)?;
    // A reveal written before its round's time would say the randomness was
    // known early (or that the clock lies): every verifier reports it.
    let chain = commitment.body["beacon"]["chain"].as_str().and_then(beacon::chain);
    if let (Offered::Drand(round), Some(chain)) = (offered, chain) {
        if let Some(at) = beacon::round_time(chain, round.round).filter(|&at| at > clock.unix) {
            return Err(refused(format!(
                "drand {} round {} is emitted at {}, after now ({}): a reveal cannot come before its round",
                chain.name,
                round.round,
                humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(at)),
                clock.rfc3339
            )));
        }
    }
    let policy = Policy::in_force(log, index).map(|(_, p)| p);
    if let Some(policy) = &policy {
        require_witnessed(log, policy, &commitment, index, beacon_body["at"].as_str(), clock)?;
    }
    let seed = beacon::derive_seed(&log.leaves()[index as usize], &randomness);
    let inputs = committed_inputs(log, &commitment)?;
    let outcome = draw::draw(&inputs.registries(), &inputs.plan, &seed);
    let (doc, failure) = match outcome {
        Ok(doc) => (Some(doc), None),
        Err(crate::engine::draw::DrawError::Infeasible(why)) => {
            (None, Some(format!("no valid inspector assignment exists\n{why}")))
        }
    };
    let mut beacon_entry = json!({"commitment": commitment_id, "beacon": beacon_body, "randomness": hex::encode(randomness), "seed": seed});
    // Before the id is taken: the DrawResult names this very entry.
    if let Some(by) = by {
        beacon_entry["by"] = json!(by);
    }
    let beacon_id = crate::log::entry::id_of(
        &Entry {
            index: log.len(),
            kind: Kind::BeaconRecord,
            time: clock.rfc3339.clone(),
            simulated: clock.simulated,
            body: beacon_entry.clone(),
        }
        .to_bytes(),
    );
    // An embargo: the result carries only the digest, the document waits
    // in private/sealed/ (written before the entry that names it).
    let sealed_until = match (&doc, inputs.plan.embargo) {
        (Some(_), Some(embargo)) => {
            let today = crate::model::date::china_date_of(&clock.rfc3339).map_err(|e| refused(e.to_string()))?;
            seal::until(embargo, today).map_err(|e| {
                refused(format!(
                    "the plan's embargo_working_days cannot be counted from {today}: {e}; nothing was written"
                ))
            })?
        }
        _ => None,
    };
    let result = match (&doc, sealed_until) {
        (Some(d), Some(until)) => {
            let document = serde_json::to_value(d).expect("a draw document is JSON");
            let body = json!({"commitment": commitment_id, "beacon": beacon_id, "outcome": "drawn",
                              "sealed": seal::sealed_body(&document, until)});
            let result_id = crate::log::entry::id_of(
                &Entry {
                    index: log.len() + 1,
                    kind: Kind::DrawResult,
                    time: clock.rfc3339.clone(),
                    simulated: clock.simulated,
                    body: body.clone(),
                }
                .to_bytes(),
            );
            let openings = match Publication::of_log(log) {
                Publication::Protected => {
                    Some(protected::openings(log, &commitment, &document).map_err(RebuildError::from)?)
                }
                Publication::Full => None,
            };
            let waiting = seal::publication_body(&result_id, &commitment_id, &document, openings);
            log.put_blob(&seal::sealed_path(&result_id), &crate::model::canonical::to_bytes(&waiting))?;
            body
        }
        (Some(d), None) => {
            let mut r = json!({"commitment": commitment_id, "beacon": beacon_id, "outcome": "drawn", "draw": d});
            if Publication::of_log(log) == Publication::Protected {
                let draw = serde_json::to_value(d).expect("a draw document is JSON");
                r["openings"] = protected::openings(log, &commitment, &draw).map_err(RebuildError::from)?;
            }
            r
        }
        (None, _) => {
            json!({"commitment": commitment_id, "beacon": beacon_id, "outcome": "infeasible", "failure": failure})
        }
    };
    let ids = log.append(
        vec![(Kind::BeaconRecord, beacon_entry), (Kind::DrawResult, result)],
        &clock.rfc3339,
        clock.simulated,
    )?;
    // The draw is committed from here on: a receipt that cannot be stored
    // is a note, not a failure (`audit receipt ID` writes it again).
    let receipt = log.receipt(log.len() - 1)?;
    if let Err(e) = log.put_blob(&format!("receipts/{}.tlog-proof", ids[1]), receipt.to_text().as_bytes()) {
        log.findings.push(format!("the receipt of {} was not stored ({e}); `fairdraw audit receipt` makes it", ids[1]));
    }
    let cosigning = match &policy {
        Some(policy) => Some(witnessing::cosign(log, policy, true)?),
        None => None,
    };
    Ok(Revealed {
        result_id: ids[1].clone(),
        beacon_id: ids[0].clone(),
        draw: doc,
        sealed_until,
        failure,
        inputs,
        cosigning,
    })
}

/// Before a reveal under a witness policy: a fresh quorum on the *current*
/// checkpoint (a rolled-back or forked log fails here), then a quorum on a
/// tree including the commitment before its deadline. Writes nothing to
/// the log's entries when it refuses.
fn require_witnessed(
    log: &mut Log,
    policy: &Policy,
    commitment: &Entry,
    index: u64,
    at: Option<&str>,
    clock: &Clock,
) -> Result<(), FlowError> {
    let deadline = deadline(commitment, at)?;
    if at.is_some() && deadline > clock.unix {
        return Err(refused(format!("the ceremony time --at {} is after now ({})", at.unwrap_or(""), clock.rfc3339)));
    }
    let fresh = witnessing::cosign(log, policy, false)?;
    if !fresh.has_quorum() {
        return Err(FlowError::witnesses(
            &format!(
                "refused: the witnesses did not cosign this log's current tree (size {}); nothing was written",
                log.len()
            ),
            &fresh,
        ));
    }
    let (records, _) = log.cosigned_records()?;
    let (checked, _) = witnessing::check_records(log, &records, policy);
    if witnessing::witnessing_record(&checked, policy, index, Some(deadline)).is_none() {
        let best = witnessing::best_count(&checked, index, Some(deadline));
        return Err(refused(format!(
            "refused: commitment {} was cosigned by at most {best} of {} witnesses before {} (quorum {}): it was not provably fixed before the randomness, so it cannot be revealed; nothing was written",
            log.id(index),
            policy.witnesses.len(),
            humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(deadline)),
            policy.quorum
        )));
    }
    Ok(())
}
