//! Strata, sample sizes and target selection (spec §6–§7).

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::input::plan::{Plan, ESTABLISHED};
use crate::input::range::Range;
use crate::input::ratio::Ratio;
use crate::input::table;
use crate::model::dormancy;
use crate::model::fields::ENTERPRISE_FIELDS;
use crate::model::registry::{Class, Enterprise, Enterprises};
use crate::model::ticket::{self, Seed};

/// One credit class (or the feedback stratum) after scope and exclusions.
#[derive(Clone, Debug)]
pub struct Stratum {
    /// `None` for the feedback stratum (spec §6.4).
    pub class: Option<Class>,
    /// The region prefix of a (class, region) stratum (spec §6.1).
    pub region: Option<String>,
    pub population: u64,
    pub excluded: u64,
    pub eligible: u64,
    pub ratio: Ratio,
    pub sample_size: u64,
    /// Ticket of the last selected enterprise.
    pub cutoff: Option<String>,
    /// Selected rows (indices into the registry), in ticket order.
    pub selected: Vec<u32>,
}

/// How a `scope.where` column is read from a row.
enum WhereColumn {
    Field(usize),
    Extra(usize),
}

/// Which of a plan's scope conditions an enterprise fails (spec §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfScope {
    /// Its registration status is not among `scope.statuses`.
    Status,
    /// Its region code starts with none of `scope.regions`.
    Region,
    /// Its industry code starts with none of `scope.industries`.
    Industry,
    /// It fails a `scope.where` condition.
    Filter,
}

/// Decides which rows are in the plan's scope.
pub struct ScopeFilter<'a> {
    plan: &'a Plan,
    reg: &'a Enterprises,
    wheres: Vec<(WhereColumn, &'a str)>,
    /// `scope.range` with the kept extra column each one reads (spec §6.2).
    ranges: Vec<(usize, &'a Range)>,
    /// With `scope.wake`: the extra columns of `dormant_from`, `dormant_until`.
    dormancy: Option<(usize, usize)>,
}

impl<'a> ScopeFilter<'a> {
    pub fn new(plan: &'a Plan, reg: &'a Enterprises) -> ScopeFilter<'a> {
        // `established` is a field the registry keeps as an extra (spec §5).
        let extra =
            |col: &str| reg.extra_columns.iter().position(|c| c == col).expect("registry kept every filter column");
        let wheres = plan
            .scope
            .where_
            .iter()
            .map(|(col, value)| {
                let how = match table::field_index(ENTERPRISE_FIELDS, col) {
                    Some(f) if ENTERPRISE_FIELDS[f].key != ESTABLISHED => WhereColumn::Field(f),
                    _ => WhereColumn::Extra(extra(col)),
                };
                (how, value.as_str())
            })
            .collect();
        let ranges = plan.scope.ranges.iter().map(|r| (extra(&r.column), r)).collect();
        // Read with `Plan::leaf_extra_columns`, the registry keeps them.
        let dormancy_columns =
            plan.scope.wake.as_ref().map(|_| (extra(dormancy::DORMANT_FROM), extra(dormancy::DORMANT_UNTIL)));
        ScopeFilter { plan, reg, wheres, ranges, dormancy: dormancy_columns }
    }

    pub fn in_scope(&self, e: &Enterprise) -> bool {
        self.why_out(e).is_none()
    }

    /// The first of the plan's scope conditions `e` fails, in the order
    /// status, region, industry, filter; `None` when `e` is in scope.
    pub fn why_out(&self, e: &Enterprise) -> Option<OutOfScope> {
        let s = &self.plan.scope;
        if !s.statuses.contains(&e.status) && !self.woken(e) {
            Some(OutOfScope::Status)
        } else if !(s.regions.is_empty() || s.regions.iter().any(|p| e.region().starts_with(p.as_str()))) {
            Some(OutOfScope::Region)
        } else if !(s.industries.is_empty()
            || s.industries.iter().any(|p| self.reg.industry(e).starts_with(p.as_str())))
        {
            Some(OutOfScope::Industry)
        } else if !self.wheres.iter().all(|(how, want)| self.value(e, how) == *want)
            || !self.ranges.iter().all(|&(j, r)| r.contains(self.reg.extra(e, j)))
        {
            Some(OutOfScope::Filter)
        } else {
            None
        }
    }

    /// A 歇业 row that `scope.wake` takes back (spec §6.3).
    fn woken(&self, e: &Enterprise) -> bool {
        let Some(w) = &self.plan.scope.wake else { return false };
        let date = |j: Option<usize>| j.map_or("", |j| self.reg.extra(e, j));
        w.admits(e.uscc(), e.status, date(self.dormancy.map(|d| d.0)), date(self.dormancy.map(|d| d.1)))
    }

    fn value(&self, e: &'a Enterprise, how: &WhereColumn) -> &'a str {
        match *how {
            WhereColumn::Extra(j) => self.reg.extra(e, j),
            WhereColumn::Field(0) => e.uscc(),
            WhereColumn::Field(1) => self.reg.name(e),
            WhereColumn::Field(2) => e.class.letter(),
            WhereColumn::Field(3) => e.region(),
            WhereColumn::Field(4) => self.reg.industry(e),
            WhereColumn::Field(5) => e.status.label(),
            WhereColumn::Field(_) => "",
        }
    }
}

/// `min(max(ceil(r·N), min), N)`, then capped by `max` (spec §6).
pub fn sample_size(ratio: Ratio, eligible: u64, min: u64, max: Option<u64>) -> u64 {
    let k = ratio.ceil_times(eligible).max(min).min(eligible);
    max.map_or(k, |m| k.min(m))
}

/// The feedback stratum's index in the per-stratum arrays below: after the
/// four classes (spec §6.4).
const FEEDBACK: usize = 4;

/// Builds the four class strata, and with `[feedback]` the feedback stratum
/// last (spec §6.4), and selects each one's targets.
pub fn select(reg: &Enterprises, plan: &Plan, seed: &Seed) -> Vec<Stratum> {
    let filter = ScopeFilter::new(plan, reg);
    let feedback = plan.feedback.as_ref();
    // Per stratum: its ratio, min and max (the feedback stratum has neither
    // min nor max).
    let rule = |s: usize| match s {
        FEEDBACK => (feedback.map_or(Ratio::ZERO, |f| f.ratio), 0, None),
        c => (plan.ratios[c], plan.min[c], plan.max[c]),
    };
    // A stratum whose sample is empty whatever its size needs no tickets.
    let drawn: [bool; 5] = std::array::from_fn(|s| {
        let (r, min, max) = rule(s);
        sample_size(r, 1 << 32, min, max) > 0
    });
    // One pass on all cores: scope, exclusions and the tickets' rank keys,
    // chunk by chunk, concatenated in row order.
    const CHUNK: usize = 1 << 14;
    let mut parts: Vec<Part> = reg
        .rows
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(n, rows)| {
            let mut part = Part::default();
            let mut eligible: [Vec<u32>; 5] = Default::default();
            for (i, e) in rows.iter().enumerate() {
                if !filter.in_scope(e) {
                    continue;
                }
                // A flagged firm leaves its class's stratum (spec §6.4).
                let s = if feedback.is_some_and(|f| f.flags(&e.uscc)) { FEEDBACK } else { e.class as usize };
                part.population[s] += 1;
                if plan.exclude.binary_search_by(|x| x.as_bytes().cmp(&e.uscc)).is_ok() {
                    part.excluded[s] += 1;
                } else {
                    eligible[s].push((n * CHUNK + i) as u32);
                }
            }
            for s in 0..5 {
                part.eligible[s] = eligible[s].len() as u64;
                if drawn[s] {
                    part.keyed[s] = rank_keys(reg, &eligible[s], seed);
                }
            }
            part
        })
        .collect();
    let strata = Class::ALL.iter().map(|&c| Some(c)).chain(feedback.map(|_| None));
    strata
        .map(|class| {
            let s = class.map_or(FEEDBACK, |c| c as usize);
            let (ratio, min, max) = rule(s);
            let n: u64 = parts.iter().map(|p| p.eligible[s]).sum();
            let k = sample_size(ratio, n, min, max);
            // Each chunk's keys are given back as they are gathered: a
            // stratum is never held twice.
            let mut keyed = Vec::with_capacity(if k == 0 { 0 } else { n as usize });
            for p in &mut parts {
                keyed.append(&mut p.keyed[s]);
                p.keyed[s].shrink_to_fit();
            }
            let selected = if k == 0 { Vec::new() } else { smallest_tickets(reg, keyed, k as usize, seed) };
            let cutoff = selected.last().map(|&r| ticket::ticket_string(&seed.ticket_hash(&reg.rows[r as usize].uscc)));
            Stratum {
                class,
                region: None,
                population: parts.iter().map(|p| p.population[s]).sum(),
                excluded: parts.iter().map(|p| p.excluded[s]).sum(),
                eligible: n,
                ratio,
                sample_size: k,
                cutoff,
                selected,
            }
        })
        .collect()
}

/// What one chunk of rows contributes to each stratum (the four classes,
/// then the feedback stratum).
#[derive(Default)]
struct Part {
    population: [u64; 5],
    excluded: [u64; 5],
    eligible: [u64; 5],
    /// `(rank key, row)` of the eligible rows, for strata that are drawn.
    keyed: [Vec<(u64, u32)>; 5],
}

/// The `k` rows with the smallest tickets, in ticket order, from every
/// eligible row with its rank key.
pub(crate) fn smallest_tickets(reg: &Enterprises, mut keyed: Vec<(u64, u32)>, k: usize, seed: &Seed) -> Vec<u32> {
    let cmp = |a: &(u64, u32), b: &(u64, u32)| -> Ordering {
        let (ua, ub) = (&reg.rows[a.1 as usize].uscc, &reg.rows[b.1 as usize].uscc);
        ticket::compare(a.0, || seed.ticket_hash(ua), b.0, || seed.ticket_hash(ub)).then_with(|| ua.cmp(ub))
    };
    if k < keyed.len() {
        keyed.select_nth_unstable_by(k - 1, cmp);
        keyed.truncate(k);
    }
    keyed.par_sort_unstable_by(cmp);
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// `(rank key of the ticket, row)` for every row, hashed four at a time.
pub(crate) fn rank_keys(reg: &Enterprises, rows: &[u32], seed: &Seed) -> Vec<(u64, u32)> {
    let uscc = |r: u32| &reg.rows[r as usize].uscc;
    let mut keyed = Vec::with_capacity(rows.len());
    let mut quads = rows.chunks_exact(4);
    for q in &mut quads {
        let keys = seed.rank_keys4([uscc(q[0]), uscc(q[1]), uscc(q[2]), uscc(q[3])]);
        keyed.extend(keys.into_iter().zip(q.iter().copied()));
    }
    keyed.extend(quads.remainder().iter().map(|&r| (ticket::rank_key(&seed.ticket_hash(uscc(r))), r)));
    keyed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_size_rules() {
        let r = Ratio::parse("5%").unwrap();
        assert_eq!(sample_size(r, 100, 0, None), 5);
        assert_eq!(sample_size(r, 101, 0, None), 6);
        assert_eq!(sample_size(r, 10, 3, None), 3);
        assert_eq!(sample_size(r, 2, 3, None), 2);
        assert_eq!(sample_size(r, 1000, 0, Some(10)), 10);
        assert_eq!(sample_size(r, 1000, 80, Some(60)), 60);
        assert_eq!(sample_size(Ratio::ZERO, 1000, 0, None), 0);
    }
}
