//! The board an assignment works on (spec §8.1–§8.3): the plan's team
//! rules, the targets, and which inspectors may fill each slot of each target
//! once recusals, rotation bars and region rules are applied. Shared by the
//! assignment, its candidate lists and the diagnosis of an infeasible plan.

use crate::input::plan::{Plan, RegionRule};
use crate::model::date::Date;
use crate::model::registry::{Enterprises, Inspector, Role};

/// The plan's team rules, in the form the assignment checks them.
#[derive(Clone, Debug)]
pub struct Rules {
    pub size: usize,
    pub experts: usize,
    /// Department of each inspector slot: `Some(d)` fixed, `None` any of
    /// `departments` (any at all when that is empty).
    pub slot_departments: Vec<Option<String>>,
    pub departments: Vec<String>,
    pub region: RegionRule,
    pub cap: Option<u64>,
    pub qualifications: Vec<String>,
    pub inspection_date: Option<Date>,
    pub rotation: bool,
}

impl Rules {
    pub fn from_plan(plan: &Plan) -> Rules {
        let departments = plan.slot_departments();
        // An off-site target has `reviewers` inspector slots and no expert (spec §8.6).
        let (size, experts) = plan.slot_counts();
        let slot_departments = (0..size).map(|s| departments.get(s).cloned()).collect();
        Rules {
            size,
            experts,
            slot_departments,
            departments,
            region: plan.team.region,
            cap: plan.team.max_targets_per_inspector,
            qualifications: plan.team.qualifications.clone(),
            inspection_date: plan.inspection_date,
            rotation: plan.team.rotation,
        }
    }

    pub fn slots(&self) -> usize {
        self.size + self.experts
    }
}

/// A target as the assignment sees it.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// Row in the enterprise registry.
    pub row: u32,
    pub region: [u8; 6],
}

/// The first slot that could not be filled, even by repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stuck {
    pub target: usize,
    pub slot: usize,
}

/// Everything `compatible` needs, precomputed once per draw.
pub struct Board<'a> {
    pub rules: &'a Rules,
    pub inspectors: &'a [Inspector],
    pub targets: &'a [Target],
    regions: Vec<[u8; 6]>,
    /// Inspectors that may fill each slot before target-specific rules, by id.
    pools: Vec<Vec<u32>>,
    /// Recusal pairs (inspector, enterprise row), sorted.
    conflicts: &'a [(u32, u32)],
    /// The same pairs as (enterprise row, inspector), sorted.
    recusals: Vec<(u32, u32)>,
    /// Rotation bars (enterprise row, inspector), sorted.
    barred: Vec<(u32, u32)>,
}

impl<'a> Board<'a> {
    pub fn new(
        rules: &'a Rules,
        inspectors: &'a [Inspector],
        targets: &'a [Target],
        conflicts: &'a [(u32, u32)],
        plan_history: &[(String, String)],
        reg: &Enterprises,
    ) -> Board<'a> {
        let regions = inspectors.iter().map(|i| i.region.as_bytes().try_into().expect("validated region")).collect();
        let pools = (0..rules.slots())
            .map(|s| (0..inspectors.len() as u32).filter(|&i| slot_allows(rules, &inspectors[i as usize], s)).collect())
            .collect();
        let mut barred = Vec::new();
        if rules.rotation {
            for (code, id) in plan_history {
                if let (Some(e), Ok(i)) = (reg.find(code), inspectors.binary_search_by(|x| x.id.as_str().cmp(id))) {
                    barred.push((e as u32, i as u32));
                }
            }
            barred.sort_unstable();
        }
        let mut recusals: Vec<(u32, u32)> = conflicts.iter().map(|&(i, e)| (e, i)).collect();
        recusals.sort_unstable();
        Board { rules, inspectors, targets, regions, pools, conflicts, recusals, barred }
    }

    pub fn pool(&self, slot: usize) -> &[u32] {
        &self.pools[slot]
    }

    /// Inspectors in any of the given slots' pools, ascending.
    pub fn pool_union(&self, slots: std::ops::Range<usize>) -> Vec<u32> {
        let mut all: Vec<u32> = slots.flat_map(|s| self.pools[s].iter().copied()).collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The region rule for an inspector slot of target `t`.
    pub fn region_ok(&self, i: u32, t: usize) -> bool {
        match self.rules.region {
            RegionRule::Any => true,
            RegionRule::Same => self.regions[i as usize] == self.targets[t].region,
            RegionRule::Different => self.regions[i as usize] != self.targets[t].region,
        }
    }

    /// Target-specific rules: region, recusal, rotation (spec §8.3).
    pub fn allowed(&self, i: u32, t: usize, slot: usize) -> bool {
        let row = self.targets[t].row;
        (slot >= self.rules.size || self.region_ok(i, t))
            && self.conflicts.binary_search(&(i, row)).is_err()
            && self.barred.binary_search(&(row, i)).is_err()
    }

    /// Inspectors barred from target `t` by recusal or rotation.
    pub fn excluded_for(&self, t: usize) -> impl Iterator<Item = u32> + '_ {
        let row = self.targets[t].row;
        let start = |pairs: &[(u32, u32)]| pairs.partition_point(|p| p.0 < row);
        let recusals = self.recusals[start(&self.recusals)..].iter();
        let barred = self.barred[start(&self.barred)..].iter();
        recusals.take_while(move |p| p.0 == row).chain(barred.take_while(move |p| p.0 == row)).map(|p| p.1)
    }

    pub fn compatible(&self, i: u32, t: usize, slot: usize) -> bool {
        self.pools[slot].binary_search(&i).is_ok() && self.allowed(i, t, slot)
    }
}

/// Whether an inspector may fill `slot` of any target: role, status,
/// certificate, qualifications, department.
pub fn slot_allows(rules: &Rules, i: &Inspector, slot: usize) -> bool {
    let cert_ok = match (i.cert_expires, rules.inspection_date) {
        (Some(exp), Some(day)) => exp >= day,
        _ => true,
    };
    if !i.active || !cert_ok {
        return false;
    }
    if slot >= rules.size {
        return i.role == Role::Expert;
    }
    i.role == Role::Inspector
        && rules.qualifications.iter().all(|q| i.qualifications.contains(q))
        && match &rules.slot_departments[slot] {
            Some(d) => i.department == *d,
            None => rules.departments.is_empty() || rules.departments.contains(&i.department),
        }
}
