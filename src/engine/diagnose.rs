//! Explaining an infeasible assignment (spec §8.5): which target, which
//! rule leaves no candidate, and the smallest change to the plan that would
//! make the whole draw feasible.

use std::fmt;

use crate::engine::assign;
use crate::engine::board::{slot_allows, Board, Rules, Stuck, Target};
use crate::input::plan::RegionRule;
use crate::model::registry::{Enterprises, Inspector, Role};

#[derive(Debug, Clone)]
pub struct Infeasible {
    pub uscc: String,
    pub name: String,
    pub slot: String,
    /// Candidates left after each rule, in the spec's order.
    pub funnel: Vec<(String, usize)>,
    pub blocking: String,
    /// Single changes that make the draw feasible, smallest first.
    pub relaxations: Vec<String>,
}

impl fmt::Display for Infeasible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  target {} {} cannot get {}", self.uscc, self.name, self.slot)?;
        writeln!(f, "  blocking rule: {}", self.blocking)?;
        let funnel: Vec<String> = self.funnel.iter().map(|(rule, n)| format!("{rule}: {n}")).collect();
        writeln!(f, "  candidates after each rule: {}", funnel.join(" → "))?;
        if self.relaxations.is_empty() {
            writeln!(f, "  no single relaxation helps: add inspectors or lower the ratios")
        } else {
            writeln!(f, "  smallest relaxation: {}", self.relaxations[0])?;
            for r in &self.relaxations[1..] {
                writeln!(f, "  also works: {r}")?;
            }
            Ok(())
        }
    }
}

/// A slot as the messages name it: `inspector slot 2 (department 税务局)`,
/// `expert slot 1` (counted from 1).
pub fn slot_label(rules: &Rules, s: usize) -> String {
    if s >= rules.size {
        format!("expert slot {}", s - rules.size + 1)
    } else {
        match &rules.slot_departments[s] {
            Some(d) => format!("inspector slot {} (department {d})", s + 1),
            None => format!("inspector slot {}", s + 1),
        }
    }
}

/// Context of a failed assignment.
pub struct Failure<'a> {
    pub rules: &'a Rules,
    pub inspectors: &'a [Inspector],
    pub targets: &'a [Target],
    pub conflicts: &'a [(u32, u32)],
    pub history: &'a [(String, String)],
    pub reg: &'a Enterprises,
    pub seed: &'a str,
}

impl Failure<'_> {
    pub fn explain(&self, stuck: Stuck) -> Infeasible {
        let board = self.board(self.rules);
        let t = stuck.target;
        let s = stuck.slot;
        let row = &self.reg.rows[self.targets[t].row as usize];
        let slot = slot_label(self.rules, s);
        let funnel = self.funnel(&board, t, s);
        let (first, count) =
            if s < self.rules.size { (0, self.rules.size) } else { (self.rules.size, self.rules.experts) };
        let distinct = board
            .pool_union(first..first + count)
            .into_iter()
            .filter(|&i| (first..first + count).any(|k| board.compatible(i, t, k)))
            .count();
        let blocking = match funnel.iter().find(|(_, n)| *n == 0) {
            Some((rule, _)) => rule.clone(),
            None if distinct < count => {
                format!("team size: only {distinct} distinct people can fill these {count} slots of this target")
            }
            None => {
                "workload cap (max_targets_per_inspector): every compatible inspector is already fully booked".into()
            }
        };
        Infeasible {
            uscc: row.uscc().to_string(),
            name: self.reg.name(row).to_string(),
            slot,
            funnel,
            blocking,
            relaxations: self.relaxations(),
        }
    }

    fn board<'b>(&'b self, rules: &'b Rules) -> Board<'b> {
        Board::new(rules, self.inspectors, self.targets, self.conflicts, self.history, self.reg)
    }

    /// Candidates left for slot `s` of target `t` after each rule of spec
    /// §8.5's order up to rotation (the workload cap is the caller's).
    pub fn funnel(&self, board: &Board<'_>, t: usize, s: usize) -> Vec<(String, usize)> {
        let r = self.rules;
        let expert = s >= r.size;
        let mut left: Vec<&Inspector> = self.inspectors.iter().collect();
        let mut out = vec![("roster".to_string(), left.len())];
        let mut step = |label: &str, keep: &dyn Fn(u32, &Inspector) -> bool, left: &mut Vec<&Inspector>| {
            left.retain(|i| keep(self.index(i), i));
            out.push((label.to_string(), left.len()));
        };
        let want = if expert { Role::Expert } else { Role::Inspector };
        let relaxed =
            Rules { qualifications: vec![], slot_departments: vec![None; r.size], departments: vec![], ..r.clone() };
        step(
            &format!("role {} / active / certificate valid", want.label()),
            &|_, i| slot_allows(&relaxed, i, s),
            &mut left,
        );
        if !expert {
            let with_quals = Rules { qualifications: r.qualifications.clone(), ..relaxed.clone() };
            step("qualifications", &|_, i| slot_allows(&with_quals, i, s), &mut left);
            step("department", &|_, i| slot_allows(r, i, s), &mut left);
            let region_rule = match r.region {
                RegionRule::Any => "region rule any",
                RegionRule::Same => "region rule same",
                RegionRule::Different => "region rule different (所所交叉)",
            };
            let target_region = board.targets[t].region;
            step(
                region_rule,
                &|_, i| match r.region {
                    RegionRule::Any => true,
                    RegionRule::Same => i.region.as_bytes() == target_region,
                    RegionRule::Different => i.region.as_bytes() != target_region,
                },
                &mut left,
            );
        }
        let row = board.targets[t].row;
        step("recusal (回避)", &|idx, _| self.conflicts.binary_search(&(idx, row)).is_err(), &mut left);
        // Region and recusal already passed, so `allowed` now only tests rotation.
        step("rotation", &|idx, _| board.allowed(idx, t, s), &mut left);
        out
    }

    fn index(&self, i: &Inspector) -> u32 {
        self.inspectors.binary_search_by(|x| x.id.cmp(&i.id)).expect("inspector from the roster") as u32
    }

    fn feasible(&self, rules: &Rules) -> bool {
        assign::assign(&self.board(rules), self.seed).is_ok()
    }

    /// Single relaxations that make the draw feasible, in the spec's order.
    fn relaxations(&self) -> Vec<String> {
        let r = self.rules;
        let mut out = Vec::new();
        if let Some(cap) = r.cap {
            let mut hi = self.targets.len() as u64;
            if hi > cap && self.feasible(&Rules { cap: Some(hi), ..r.clone() }) {
                let mut lo = cap; // infeasible
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.feasible(&Rules { cap: Some(mid), ..r.clone() }) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                out.push(format!("raise team.max_targets_per_inspector from {cap} to {hi}"));
            }
        }
        if r.rotation && self.feasible(&Rules { rotation: false, ..r.clone() }) {
            out.push("set team.rotation = false".into());
        }
        if r.region != RegionRule::Any && self.feasible(&Rules { region: RegionRule::Any, ..r.clone() }) {
            out.push(format!("set team.region = \"any\" instead of \"{}\"", r.region.label()));
        }
        if !r.qualifications.is_empty() && self.feasible(&Rules { qualifications: vec![], ..r.clone() }) {
            out.push("drop team.qualifications".into());
        }
        if let Some(e) = (0..r.experts).rev().find(|&e| self.feasible(&Rules { experts: e, ..r.clone() })) {
            out.push(format!("lower team.experts from {} to {e}", r.experts));
        }
        out
    }
}
