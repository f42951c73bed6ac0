//! Commitments an operator could grind with: ones never revealed after
//! their randomness became public (abandoned), and groups that share a
//! beacon and an item, of which only the liked one needs to be revealed.
//! LOG-FORMAT.md "Abandoned and competing commitments" is the rule.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::entry::{Entry, Kind};

/// A commitment that can hide a choice among draws (exit 1 in `audit verify`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suspect {
    /// Its drand round time has passed and it has no BeaconRecord.
    Abandoned { id: String, index: u64, round: u64, round_time: String },
    /// Commitments to one beacon (one drand round, or ceremonies open at
    /// the same time) whose plans overlap; `items` are those shared.
    Competing { members: Vec<(String, u64)>, beacon: String, items: Vec<String> },
}

impl Suspect {
    /// The ids of the commitments concerned.
    pub fn ids(&self) -> Vec<&str> {
        match self {
            Suspect::Abandoned { id, .. } => vec![id.as_str()],
            Suspect::Competing { members, .. } => members.iter().map(|(id, _)| id.as_str()).collect(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            Suspect::Abandoned { id, index, round, round_time } => format!(
                "abandoned commitment {id} (entry {index}): drand round {round} was published at {round_time} \
                 but the commitment has no BeaconRecord (a draw not revealed can hide a draw disliked)"
            ),
            Suspect::Competing { members, beacon, items } => format!(
                "competing commitments {} to {beacon} {}: revealing only one of them chooses the draw",
                members.iter().map(|(id, i)| format!("{id} (entry {i})")).collect::<Vec<_>>().join(", "),
                match items.is_empty() {
                    true => "overlap (a plan without items covers every item)".to_string(),
                    false => format!("share item(s) {}", items.join(", ")),
                }
            ),
        }
    }
}

/// One commitment as the rules see it.
struct Committed<'a> {
    id: &'a str,
    index: u64,
    entry: &'a Entry,
    /// Index of its BeaconRecord, if any.
    revealed_at: Option<u64>,
    items: BTreeSet<String>,
}

impl Committed<'_> {
    fn drand_round(&self) -> Option<u64> {
        let b = &self.entry.body["beacon"];
        (b["type"] == "drand").then(|| b["round"].as_u64()).flatten()
    }

    /// The plans overlap: a shared item, or one without items (it is not
    /// limited to any item, so it covers them all) — and scopes that are not
    /// provably disjoint (one firm could be drawn by both).
    fn overlaps(&self, other: &Committed) -> bool {
        let items = self.items.is_empty() || other.items.is_empty() || !self.items.is_disjoint(&other.items);
        items && !scopes_disjoint(&self.entry.body["plan"]["scope"], &other.entry.body["plan"]["scope"])
    }

    fn is_ceremony(&self) -> bool {
        self.entry.body["beacon"]["type"] == "ceremony"
    }

    /// Both beacons are the same randomness, for the purpose of grinding.
    fn same_beacon(&self, later: &Committed) -> bool {
        match (self.drand_round(), later.drand_round()) {
            (Some(a), Some(b)) => a == b,
            // Ceremonies: the earlier one was still unrevealed when the
            // later one was committed, so both were open at once.
            _ => self.is_ceremony() && later.is_ceremony() && self.revealed_at.is_none_or(|r| r > later.index),
        }
    }
}

/// Two effective plans' scopes (spec §3.3) can select no common enterprise:
/// their status sets are disjoint, or both restrict regions (industries) and
/// no code of one starts with a code of the other, or both require a
/// different value in one `where` column. Anything else may overlap.
fn scopes_disjoint(a: &Value, b: &Value) -> bool {
    let strings = |v: &Value, key: &str| -> Vec<String> {
        v[key].as_array().into_iter().flatten().filter_map(|s| s.as_str().map(String::from)).collect()
    };
    // A waking scope (spec §6.3) may select 歇业 firms too.
    let statuses_of = |v: &Value| {
        let mut s = strings(v, "statuses");
        if v.get("wake").is_some() {
            s.push("歇业".to_string());
        }
        s
    };
    let statuses = (statuses_of(a), statuses_of(b));
    if !statuses.0.is_empty() && !statuses.1.is_empty() && !statuses.0.iter().any(|s| statuses.1.contains(s)) {
        return true;
    }
    for key in ["regions", "industries"] {
        let (x, y) = (strings(a, key), strings(b, key));
        if !x.is_empty()
            && !y.is_empty()
            && !x.iter().any(|p| y.iter().any(|q| p.starts_with(q.as_str()) || q.starts_with(p.as_str())))
        {
            return true;
        }
    }
    let pairs = |v: &Value| -> Vec<(String, String)> {
        v["where"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string())))
            .collect()
    };
    let (x, y) = (pairs(a), pairs(b));
    x.iter().any(|(column, value)| y.iter().any(|(c, v)| c == column && v != value))
}

/// The suspects among `entries` (each with its id, in log order). `now` is
/// the verifier's clock (Unix seconds); without one abandonment is not judged.
pub fn suspects(entries: &[(String, &Entry)], now: Option<u64>) -> Vec<Suspect> {
    let mut revealed: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, e) in entries {
        if e.kind == Kind::BeaconRecord {
            if let Some(c) = e.body["commitment"].as_str() {
                revealed.entry(c).or_insert(e.index);
            }
        }
    }
    let commitments: Vec<Committed> = entries
        .iter()
        .filter(|(_, e)| e.kind == Kind::DrawCommitment)
        .map(|(id, e)| Committed {
            id,
            index: e.index,
            entry: e,
            revealed_at: revealed.get(id.as_str()).copied(),
            items: e.body["plan"]["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["item"].as_str().map(String::from))
                .collect(),
        })
        .collect();

    let mut out: Vec<Suspect> = Vec::new();
    if let Some(now) = now {
        for c in commitments.iter().filter(|c| c.revealed_at.is_none()) {
            let (Some(round), Some(time)) = (c.drand_round(), c.entry.body["beacon"]["round_time"].as_str()) else {
                continue;
            };
            let published = humantime::parse_rfc3339(time)
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs());
            if published.is_some_and(|t| t <= now) {
                out.push(Suspect::Abandoned {
                    id: c.id.to_string(),
                    index: c.index,
                    round,
                    round_time: time.to_string(),
                });
            }
        }
    }

    // Groups: connected components of "same beacon and a shared item".
    let mut group: Vec<usize> = (0..commitments.len()).collect();
    fn root(group: &mut [usize], mut k: usize) -> usize {
        while group[k] != k {
            group[k] = group[group[k]];
            k = group[k];
        }
        k
    }
    // Only commitments to one drand round, or ceremonies, can compete:
    // compare within those buckets, not every pair of the log.
    let mut buckets: BTreeMap<Option<u64>, Vec<usize>> = BTreeMap::new();
    for (k, c) in commitments.iter().enumerate() {
        if c.drand_round().is_some() || c.is_ceremony() {
            buckets.entry(c.drand_round()).or_default().push(k);
        }
    }
    for bucket in buckets.values() {
        for (n, &a) in bucket.iter().enumerate() {
            for &b in &bucket[n + 1..] {
                let (x, y) = (&commitments[a], &commitments[b]);
                if x.same_beacon(y) && x.overlaps(y) {
                    let (ra, rb) = (root(&mut group, a), root(&mut group, b));
                    group[rb] = ra;
                }
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for k in 0..commitments.len() {
        let r = root(&mut group, k);
        members.entry(r).or_default().push(k);
    }
    for ks in members.values().filter(|ks| ks.len() >= 2) {
        let first = &commitments[ks[0]];
        let beacon = match first.drand_round() {
            Some(round) => format!("drand round {round}"),
            None => "ceremonies open at the same time".to_string(),
        };
        let mut shared: BTreeMap<&str, usize> = BTreeMap::new();
        for &k in ks {
            for item in &commitments[k].items {
                *shared.entry(item).or_default() += 1;
            }
        }
        out.push(Suspect::Competing {
            members: ks.iter().map(|&k| (commitments[k].id.to_string(), commitments[k].index)).collect(),
            beacon,
            items: shared.into_iter().filter(|(_, n)| *n >= 2).map(|(item, _)| item.to_string()).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn commitment(index: u64, beacon: serde_json::Value, items: &[&str]) -> (String, Entry) {
        let items: Vec<_> = items.iter().map(|i| json!({ "item": i })).collect();
        let body = json!({ "beacon": beacon, "plan": { "items": items } });
        (format!("c{index}"), Entry { index, kind: Kind::DrawCommitment, time: String::new(), simulated: false, body })
    }

    fn beacon_for(index: u64, commitment: &str) -> (String, Entry) {
        let body = json!({ "commitment": commitment });
        (format!("b{index}"), Entry { index, kind: Kind::BeaconRecord, time: String::new(), simulated: false, body })
    }

    fn drand(round: u64) -> serde_json::Value {
        json!({ "type": "drand", "round": round, "round_time": "2024-10-14T17:13:33Z" })
    }

    fn run(entries: &[(String, Entry)], now: Option<u64>) -> Vec<Suspect> {
        let refs: Vec<(String, &Entry)> = entries.iter().map(|(id, e)| (id.clone(), e)).collect();
        suspects(&refs, now)
    }

    const ROUND_TIME: u64 = 1728926013;

    #[test]
    fn a_drand_commitment_is_abandoned_from_its_round_time_on() {
        let log = [commitment(1, drand(12040883), &["食品"])];
        assert!(run(&log, Some(ROUND_TIME - 1)).is_empty());
        assert!(run(&log, None).is_empty(), "no clock, no judgement");
        let found = run(&log, Some(ROUND_TIME));
        assert!(matches!(&found[..], [Suspect::Abandoned { id, round: 12040883, .. }] if id == "c1"), "{found:?}");
        let revealed = [commitment(1, drand(12040883), &["食品"]), beacon_for(2, "c1")];
        assert!(run(&revealed, Some(ROUND_TIME + 100)).is_empty());
    }

    #[test]
    fn commitments_compete_on_one_drand_round_and_a_shared_item() {
        let log = [
            commitment(1, drand(7), &["食品", "药品"]),
            commitment(2, drand(7), &["药品"]),
            commitment(3, drand(8), &["药品"]),
            commitment(4, drand(7), &["特种设备"]),
            commitment(5, drand(7), &["特种设备", "食品"]),
            commitment(6, drand(9), &["药品"]),
            commitment(7, drand(9), &[]),
        ];
        let found = run(&log, None);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].ids(), ["c1", "c2", "c4", "c5"], "one group, linked through shared items");
        let Suspect::Competing { items, .. } = &found[0] else { panic!("{found:?}") };
        assert_eq!(items, &["特种设备", "药品", "食品"]);
        assert_eq!(found[1].ids(), ["c6", "c7"], "a plan without items overlaps every plan");
        assert!(found[1].message().contains("without items"), "{}", found[1].message());
    }

    #[test]
    fn plans_with_disjoint_scopes_do_not_compete() {
        let scoped = |index: u64, scope: serde_json::Value| {
            let (id, mut e) = commitment(index, drand(7), &["食品"]);
            e.body["plan"]["scope"] = scope;
            (id, e)
        };
        let scope = |regions: &[&str], statuses: &[&str], r#where: serde_json::Value| json!({ "statuses": statuses, "regions": regions, "industries": [], "where": r#where });
        let districts =
            [scoped(1, scope(&["330102"], &["存续"], json!([]))), scoped(2, scope(&["330105"], &["存续"], json!([])))];
        assert!(run(&districts, None).is_empty(), "two districts drawing one item at one round is ordinary");
        let nested =
            [scoped(1, scope(&["3301"], &["存续"], json!([]))), scoped(2, scope(&["330105"], &["存续"], json!([])))];
        assert_eq!(run(&nested, None).len(), 1, "a city and one of its districts share firms");
        let statuses = [scoped(1, scope(&[], &["存续"], json!([]))), scoped(2, scope(&[], &["歇业"], json!([])))];
        assert!(run(&statuses, None).is_empty());
        let columns = [
            scoped(1, scope(&[], &["存续"], json!([["列入经营异常名录", "是"]]))),
            scoped(2, scope(&[], &["存续"], json!([["列入经营异常名录", "否"]]))),
        ];
        assert!(run(&columns, None).is_empty());
        let unrestricted =
            [scoped(1, scope(&[], &["存续"], json!([]))), scoped(2, scope(&["3301"], &["存续"], json!([])))];
        assert_eq!(run(&unrestricted, None).len(), 1, "a plan without regions covers every region");
    }

    #[test]
    fn ceremonies_compete_only_while_both_are_open() {
        let ceremony = || json!({ "type": "ceremony" });
        let sequential =
            [commitment(1, ceremony(), &["食品"]), beacon_for(2, "c1"), commitment(3, ceremony(), &["食品"])];
        assert!(run(&sequential, Some(u64::MAX)).is_empty(), "a redraw after a reveal is not a second ticket");
        let open = [commitment(1, ceremony(), &["食品"]), commitment(2, ceremony(), &["食品"]), beacon_for(3, "c2")];
        let found = run(&open, Some(u64::MAX));
        assert_eq!(found.len(), 1, "never abandoned by the clock, but competing: {found:?}");
        assert_eq!(found[0].ids(), ["c1", "c2"]);
        let mixed = [commitment(1, ceremony(), &["食品"]), commitment(2, drand(7), &["食品"])];
        assert!(run(&mixed, None).is_empty(), "a ceremony and a drand round are different randomness");
    }
}
