//! Replacing an inspector after a draw (audit/LOG-FORMAT.md "Replacing an
//! inspector"): the teams of a draw with its `Replacement` entries applied,
//! the rules a replacement must meet, and the rule that picks who fills each
//! slot the replaced inspector held. The writer (`fairdraw replace`, `POST
//! /api/draws/{id}/replace`) and `audit verify` share all of it, so the
//! writer refuses exactly what the verifier would call tampering.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};

use super::entry::{Entry, Kind};
use crate::engine::board::{Board, Rules, Target};
use crate::engine::diagnose::{slot_label, Failure};
use crate::engine::stream::Stream;
use crate::input::files::Inputs;

/// Why a replacement is refused (by the writer) or is not valid (in the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplaceError {
    #[error("{0} is not a DrawResult logged before the replacement")]
    NotADraw(String),
    #[error("draw {0} is infeasible: it has no teams to change")]
    Infeasible(String),
    #[error("draw {0} is sealed and not yet published: its teams are not public, so none can be replaced before its DrawPublication")]
    Sealed(String),
    #[error("inspector {old} holds no slot of the teams of draw {draw}")]
    NotOnTeam { old: String, draw: String },
    #[error("draw {draw} already has {done} replacement(s): the most a draw of {n} inspectors and experts allows (⌈{n}/10⌉ = {cap})")]
    Cap { draw: String, done: usize, n: usize, cap: usize },
    #[error("the reason is empty: every replacement says publicly why")]
    EmptyReason,
    /// Names the target, the slot and the rule that left none.
    #[error("{0}")]
    NoCandidate(String),
    #[error("{0} is not in the draw's committed snapshots")]
    Unknown(String),
    #[error("the team of target {uscc} has {found} slots, its plan {want}")]
    Shape { uscc: String, found: usize, want: usize },
    #[error("the draw's inputs do not rebuild from the log: {0}")]
    Inputs(String),
}

/// A drawn, public draw as the entries before a replacement show it.
pub struct Draw<'a> {
    /// The DrawResult's id (64 hex digits).
    pub id: String,
    pub commitment: &'a Entry,
    /// The public document: the result's `draw`, or its publication's.
    pub document: &'a Value,
    /// The draw's earlier Replacement bodies, in log order.
    pub earlier: Vec<&'a Value>,
}

/// Rule 1: the DrawResult `result` among `before` (id, entry) is drawn and
/// public, with its commitment and earlier replacements.
pub fn draw_of<'a>(before: &[(String, &'a Entry)], result: &str) -> Result<Draw<'a>, ReplaceError> {
    let not_a_draw = || ReplaceError::NotADraw(result.to_string());
    let (_, e) = before.iter().find(|(id, _)| id == result).ok_or_else(not_a_draw)?;
    if e.kind != Kind::DrawResult {
        return Err(not_a_draw());
    }
    if e.body["outcome"] != "drawn" {
        return Err(ReplaceError::Infeasible(result.to_string()));
    }
    let commitment = before
        .iter()
        .find(|(id, c)| e.body["commitment"] == id.as_str() && c.kind == Kind::DrawCommitment)
        .map(|(_, c)| *c)
        .ok_or_else(not_a_draw)?;
    let document = match e.body.get("draw") {
        Some(d) => d,
        None => before
            .iter()
            .find(|(_, p)| p.kind == Kind::DrawPublication && p.body["result"] == result)
            .map(|(_, p)| &p.body["draw"])
            .ok_or_else(|| ReplaceError::Sealed(result.to_string()))?,
    };
    let earlier = before
        .iter()
        .filter(|(_, r)| r.kind == Kind::Replacement && r.body["result"] == result)
        .map(|(_, r)| &r.body)
        .collect();
    Ok(Draw { id: result.to_string(), commitment, document, earlier })
}

/// The Replacement bodies of every draw among `entries`, by DrawResult id,
/// in log order.
pub fn by_draw<'a>(entries: &[(String, &'a Entry)]) -> HashMap<&'a str, Vec<&'a Value>> {
    let mut out: HashMap<&str, Vec<&Value>> = HashMap::new();
    for (_, e) in entries.iter().filter(|(_, e)| e.kind == Kind::Replacement) {
        if let Some(result) = e.body["result"].as_str() {
            out.entry(result).or_default().push(&e.body);
        }
    }
    out
}

/// **The teams of a draw**: its document's `assignments` with `replacements`
/// (Replacement bodies, in log order) applied: each `{uscc, slot,
/// inspector}` puts `inspector` into that slot (inspector slots first, then
/// expert slots; slot 0 is also the `leader`).
pub fn apply(assignments: &Value, replacements: &[&Value]) -> Vec<Value> {
    let mut teams: Vec<Value> = assignments.as_array().cloned().unwrap_or_default();
    for r in replacements.iter().flat_map(|b| b["replacements"].as_array().into_iter().flatten()) {
        let (Some(slot), Some(id)) = (r["slot"].as_u64(), r["inspector"].as_str()) else { continue };
        let Some(a) = teams.iter_mut().find(|a| a["uscc"] == r["uscc"]) else { continue };
        let size = a["inspectors"].as_array().map_or(0, Vec::len);
        let at = if (slot as usize) < size {
            a["inspectors"].get_mut(slot as usize)
        } else {
            a["experts"].get_mut(slot as usize - size)
        };
        if let Some(held) = at {
            *held = json!(id);
            if slot == 0 {
                a["leader"] = json!(id);
            }
        }
    }
    teams
}

/// A team's ids in slot order: inspectors, then experts.
pub fn members(a: &Value) -> Vec<&str> {
    let ids = |f: &str| a[f].as_array().into_iter().flatten().filter_map(Value::as_str).collect::<Vec<_>>();
    let mut all = ids("inspectors");
    all.extend(ids("experts"));
    all
}

impl Draw<'_> {
    /// The teams as they stand before this replacement.
    pub fn teams(&self) -> Vec<Value> {
        apply(&self.document["assignments"], &self.earlier)
    }

    /// OLD and everyone replaced earlier in this draw.
    pub fn barred(&self, old: &str) -> BTreeSet<String> {
        let earlier = self.earlier.iter().filter_map(|b| b["inspector"].as_str());
        earlier.chain([old]).map(String::from).collect()
    }

    /// `n`, the distinct ids of the document, and the cap `⌈n / 10⌉`.
    pub fn cap(&self) -> (usize, usize) {
        let assignments = self.document["assignments"].as_array().into_iter().flatten();
        let n = assignments.flat_map(members).collect::<BTreeSet<_>>().len();
        (n, n.div_ceil(10))
    }

    /// Rules 2 and 3, and a non-empty reason (the writer trims it first).
    pub fn check(&self, old: &str, reason: &str) -> Result<(), ReplaceError> {
        if !self.teams().iter().any(|a| members(a).contains(&old)) {
            return Err(ReplaceError::NotOnTeam { old: old.to_string(), draw: self.id.clone() });
        }
        let (n, cap) = self.cap();
        if self.earlier.len() >= cap {
            return Err(ReplaceError::Cap { draw: self.id.clone(), done: self.earlier.len(), n, cap });
        }
        if reason.is_empty() {
            return Err(ReplaceError::EmptyReason);
        }
        Ok(())
    }

    /// The rule: every slot OLD holds gets `candidates[uniform(len)]` from
    /// the replacement's stream; returns the `replacements` list. `inputs`
    /// are the commitment's (snapshots and effective plan).
    pub fn pick(&self, inputs: &Inputs, old: &str) -> Result<Vec<Value>, ReplaceError> {
        let reg = inputs.registries();
        let index = |id: &str| {
            reg.inspectors
                .binary_search_by(|x| x.id.as_str().cmp(id))
                .map(|k| k as u32)
                .map_err(|_| ReplaceError::Unknown(format!("inspector {id}")))
        };
        let plan = &inputs.plan;
        let rules = Rules::from_plan(plan);
        let teams = self.teams();
        let mut targets = Vec::with_capacity(teams.len());
        let mut slots: Vec<Vec<u32>> = Vec::with_capacity(teams.len());
        for a in &teams {
            let uscc = a["uscc"].as_str().unwrap_or_default();
            let row = reg.enterprises.find(uscc).ok_or_else(|| ReplaceError::Unknown(format!("target {uscc}")))?;
            targets.push(Target { row: row as u32, region: reg.enterprises.rows[row].region });
            let team: Vec<u32> = members(a).into_iter().map(index).collect::<Result<_, _>>()?;
            if team.len() != rules.slots() {
                return Err(ReplaceError::Shape { uscc: uscc.to_string(), found: team.len(), want: rules.slots() });
            }
            slots.push(team);
        }
        let barred: Vec<u32> = self.barred(old).iter().filter_map(|id| index(id).ok()).collect();
        let old = index(old)?;
        let board = Board::new(&rules, reg.inspectors, &targets, reg.conflicts, &plan.history, reg.enterprises);
        let cap = rules.cap.unwrap_or(u64::MAX);
        let mut load = vec![0u64; reg.inspectors.len()];
        for &i in slots.iter().flatten() {
            load[i as usize] += 1;
        }
        let seed = self.document["seed"].as_str().unwrap_or_default();
        let mut stream = Stream::for_replacement(seed, &self.id, reg.inspectors[old as usize].id.as_str());
        let mut out = Vec::new();
        for t in 0..slots.len() {
            let Some(s) = slots[t].iter().position(|&i| i == old) else { continue };
            let compatible: Vec<u32> = board.pool(s).iter().copied().filter(|&i| board.allowed(i, t, s)).collect();
            let candidates: Vec<u32> = compatible
                .iter()
                .copied()
                .filter(|i| !slots[t].contains(i) && !barred.contains(i) && load[*i as usize] < cap)
                .collect();
            if candidates.is_empty() {
                return Err(self.none_left(inputs, &board, &targets, t, s, &compatible, &slots[t], &barred, &load));
            }
            let pick = candidates[stream.uniform(candidates.len() as u64) as usize];
            slots[t][s] = pick;
            load[old as usize] -= 1;
            load[pick as usize] += 1;
            out.push(json!({"uscc": teams[t]["uscc"], "slot": s, "inspector": reg.inspectors[pick as usize].id}));
        }
        Ok(out)
    }

    /// The refusal for a slot without candidates: spec §8.5's rules in
    /// order, then the replacement's own (already in the team, replaced in
    /// this draw), then the workload cap.
    #[allow(clippy::too_many_arguments)]
    fn none_left(
        &self,
        inputs: &Inputs,
        board: &Board<'_>,
        targets: &[Target],
        t: usize,
        s: usize,
        compatible: &[u32],
        team: &[u32],
        barred: &[u32],
        load: &[u64],
    ) -> ReplaceError {
        let failure = Failure {
            rules: board.rules,
            inspectors: &inputs.inspectors,
            targets,
            conflicts: &inputs.conflicts,
            history: &inputs.plan.history,
            reg: &inputs.enterprises,
            seed: "",
        };
        let mut funnel = failure.funnel(board, t, s);
        let mut left: Vec<u32> = compatible.to_vec();
        left.retain(|i| !team.contains(i));
        funnel.push(("already in the team".into(), left.len()));
        left.retain(|i| !barred.contains(i));
        funnel.push(("replaced in this draw".into(), left.len()));
        let cap = board.rules.cap.unwrap_or(u64::MAX);
        left.retain(|&i| load[i as usize] < cap);
        funnel.push(("workload cap (max_targets_per_inspector)".into(), left.len()));
        let rule = funnel.iter().find(|(_, n)| *n == 0).map(|(r, _)| r.clone()).unwrap_or_default();
        let row = &inputs.enterprises.rows[targets[t].row as usize];
        let funnel = funnel.iter().map(|(r, n)| format!("{r}: {n}")).collect::<Vec<_>>().join(" → ");
        ReplaceError::NoCandidate(format!(
            "no candidate for slot {s} ({}) of target {} {}: blocking rule: {rule} (candidates after each rule: {funnel})",
            slot_label(board.rules, s),
            row.uscc(),
            inputs.enterprises.name(row),
        ))
    }
}

/// A Replacement body; `by` only when given.
pub fn body(result: &str, old: &str, reason: &str, replacements: Vec<Value>, by: Option<&str>) -> Value {
    let mut body = json!({"result": result, "inspector": old, "reason": reason, "replacements": replacements});
    if let Some(by) = by {
        body["by"] = json!(by);
    }
    body
}

/// The writer's whole rule: the Replacement body for replacing `old` in the
/// draw `result` (its full id) after the entries `before`, or why not.
/// `inputs` rebuilds a commitment's inputs (only called once rules 1–3 hold).
pub fn replacement(
    before: &[(String, &Entry)],
    result: &str,
    old: &str,
    reason: &str,
    by: Option<&str>,
    inputs: impl FnOnce(&Entry) -> Result<std::sync::Arc<Inputs>, String>,
) -> Result<Value, ReplaceError> {
    let reason = reason.trim();
    let draw = draw_of(before, result)?;
    draw.check(old, reason)?;
    let inputs = inputs(draw.commitment).map_err(ReplaceError::Inputs)?;
    Ok(body(result, old, reason, draw.pick(&inputs, old)?, by))
}

/// Plain words for each slot of a Replacement body: `target USCC slot S:
/// OLD → NEW`.
pub fn describe(body: &Value) -> Vec<String> {
    let old = body["inspector"].as_str().unwrap_or_default();
    body["replacements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let uscc = r["uscc"].as_str().unwrap_or_default();
            let new = r["inspector"].as_str().unwrap_or_default();
            let lead = if r["slot"] == 0 { " (the new leader)" } else { "" };
            format!("target {uscc} slot {}: {old} → {new}{lead}", r["slot"])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_puts_each_replacement_in_its_slot_and_moves_the_leader() {
        let doc = json!([
            {"uscc": "X", "leader": "P1", "inspectors": ["P1", "P2"], "experts": ["E1"]},
            {"uscc": "Y", "leader": "P3", "inspectors": ["P3", "P1"], "experts": []}
        ]);
        let first = json!({"replacements": [{"uscc": "X", "slot": 0, "inspector": "P4"},
                                           {"uscc": "Y", "slot": 1, "inspector": "P5"}]});
        let second = json!({"replacements": [{"uscc": "X", "slot": 2, "inspector": "E2"}]});
        let teams = apply(&doc, &[&first, &second]);
        assert_eq!(teams[0]["leader"], "P4");
        assert_eq!(teams[0]["inspectors"], json!(["P4", "P2"]));
        assert_eq!(teams[0]["experts"], json!(["E2"]));
        assert_eq!(teams[1]["leader"], "P3", "a slot other than 0 leaves the leader");
        assert_eq!(teams[1]["inspectors"], json!(["P3", "P5"]));
    }

    #[test]
    fn the_cap_is_a_tenth_of_the_distinct_ids_rounded_up() {
        let doc = json!({"assignments": [
            {"uscc": "X", "inspectors": ["P1", "P2"], "experts": ["E1"]},
            {"uscc": "Y", "inspectors": ["P2", "P3"], "experts": []}]});
        let commitment = Entry { index: 0, kind: Kind::Note, time: String::new(), simulated: false, body: json!({}) };
        let draw = Draw { id: "r".into(), commitment: &commitment, document: &doc, earlier: Vec::new() };
        assert_eq!(draw.cap(), (4, 1));
    }
}
