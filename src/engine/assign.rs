//! Inspector assignment (spec §8): a random greedy pass over the slots of
//! every target, with a breadth-first augmenting-path repair whenever a slot
//! has no free candidate. Repair makes the pass complete: it fails only when
//! no valid assignment of the slots seen so far exists.

use std::collections::{HashMap, VecDeque};

use crate::engine::candidates::Candidates;
use crate::model::date::Date;
use crate::input::plan::{Plan, RegionRule};
use crate::input::registry::{Enterprises, Inspector, Role};
use crate::engine::stream::Stream;

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
        let slot_departments = (0..plan.team.size).map(|s| departments.get(s).cloned()).collect();
        Rules {
            size: plan.team.size,
            experts: plan.team.experts,
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

/// Teams as slot → inspector, for every target in order.
pub type Teams = Vec<Vec<u32>>;

/// A complete assignment and how many slots needed the repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub teams: Teams,
    pub repairs: usize,
}

/// Runs the greedy pass with repair (spec §8.4).
pub fn assign(board: &Board<'_>, seed: &str) -> Result<Assigned, Stuck> {
    let slots = board.rules.slots();
    let cap = board.rules.cap.unwrap_or(u64::MAX);
    let mut state =
        State { teams: vec![vec![NONE; slots]; board.targets.len()], load: vec![0; board.inspectors.len()] };
    let mut stream = Stream::for_assignment(seed);
    let mut candidates = Candidates::new(board, cap);
    let mut repairs = 0;
    for t in 0..board.targets.len() {
        for s in 0..slots {
            let team = &state.teams[t];
            match candidates.pick(board, &state.load, team, t, s, &mut |n| stream.uniform(n)) {
                Some(i) => {
                    state.teams[t][s] = i;
                    state.load[i as usize] += 1;
                    candidates.loaded(i, state.load[i as usize]);
                }
                None => {
                    if !repair(board, &mut state, cap, t, s) {
                        return Err(Stuck { target: t, slot: s });
                    }
                    candidates.reload(&state.load);
                    repairs += 1;
                }
            }
        }
    }
    Ok(Assigned { teams: state.teams, repairs })
}

const NONE: u32 = u32::MAX;

struct State {
    teams: Vec<Vec<u32>>,
    load: Vec<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Node {
    Slot(usize, usize),
    Pair(usize, u32),
    Inspector(u32),
}

/// One breadth-first search for an augmenting path from the empty slot
/// `(t0, s0)`; applies it and returns true when found.
fn repair(board: &Board<'_>, state: &mut State, cap: u64, t0: usize, s0: usize) -> bool {
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); board.inspectors.len()];
    for (t, team) in state.teams.iter().enumerate() {
        for &i in team.iter().filter(|&&i| i != NONE) {
            holders[i as usize].push(t);
        }
    }
    let start = Node::Slot(t0, s0);
    let mut parent: HashMap<Node, Node> = HashMap::from([(start, start)]);
    let mut queue = VecDeque::from([start]);
    let mut end = None;
    'search: while let Some(node) = queue.pop_front() {
        let mut next = Vec::new();
        match node {
            Node::Slot(t, s) => {
                next.extend(
                    board
                        .pool(s)
                        .iter()
                        .filter(|&&i| state.teams[t][s] != i && board.allowed(i, t, s))
                        .map(|&i| Node::Pair(t, i)),
                );
            }
            Node::Pair(t, i) => {
                if !state.teams[t].contains(&i) {
                    next.push(Node::Inspector(i));
                }
                if let Some(s) = state.teams[t].iter().position(|&x| x == i) {
                    next.push(Node::Slot(t, s));
                }
            }
            Node::Inspector(i) => next.extend(holders[i as usize].iter().map(|&t| Node::Pair(t, i))),
        }
        for n in next {
            if parent.contains_key(&n) {
                continue;
            }
            parent.insert(n, node);
            if let Node::Inspector(i) = n {
                if state.load[i as usize] < cap {
                    end = Some(n);
                    break 'search;
                }
            }
            queue.push_back(n);
        }
    }
    let Some(mut node) = end else { return false };
    let mut path = vec![node];
    while node != start {
        node = parent[&node];
        path.push(node);
    }
    path.reverse();
    for pair in path.windows(2) {
        if let (Node::Slot(t, x), Node::Pair(_, i)) = (pair[0], pair[1]) {
            state.teams[t][x] = i;
        }
    }
    state.load.iter_mut().for_each(|l| *l = 0);
    for &i in state.teams.iter().flatten().filter(|&&i| i != NONE) {
        state.load[i as usize] += 1;
    }
    true
}
