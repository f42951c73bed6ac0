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
    select_within(reg, plan, seed, key_bound)
}

/// A rank key at or below which, among `n` uniform keys, the `k` smallest
/// almost surely lie: the keys are the tickets' first 19 digits, uniform
/// in [0, 10^19), so about `k + 6·√k + 64` of them are at or below it, six
/// standard deviations more than `k`. Only how many keys are held depends
/// on it, never which rows are selected.
fn key_bound(k: u64, n: u64) -> u64 {
    const KEYS: u128 = 10_000_000_000_000_000_000;
    let wanted = k + 6 * k.isqrt() + 64;
    if wanted >= n {
        return u64::MAX;
    }
    (KEYS * wanted as u128 / n as u128) as u64
}

/// [`select`], holding for each stratum only the eligible rows whose rank
/// key is at most `bound(k, eligible)`. When fewer than `k` are, the
/// stratum's keys are gathered again with no bound, so the selection never
/// depends on `bound`: a registry of 1e7 firms holds the keys of a few
/// percent of them instead of all (16 bytes a firm, the draw's peak).
fn select_within(reg: &Enterprises, plan: &Plan, seed: &Seed, bound: impl Fn(u64, u64) -> u64) -> Vec<Stratum> {
    let filter = ScopeFilter::new(plan, reg);
    let feedback = plan.feedback.as_ref();
    // Per stratum: its ratio, min and max (the feedback stratum has neither
    // min nor max).
    let rule = |s: usize| match s {
        FEEDBACK => (feedback.map_or(Ratio::ZERO, |f| f.ratio), 0, None),
        c => (plan.ratios[c], plan.min[c], plan.max[c]),
    };
    // An in-scope row's stratum, and whether the plan excludes it.
    let place = |e: &Enterprise| -> Option<(usize, bool)> {
        if !filter.in_scope(e) {
            return None;
        }
        // A flagged firm leaves its class's stratum (spec §6.4).
        let s = if feedback.is_some_and(|f| f.flags(&e.uscc)) { FEEDBACK } else { e.class as usize };
        Some((s, plan.exclude.binary_search_by(|x| x.as_bytes().cmp(&e.uscc)).is_ok()))
    };
    // First pass, on all cores: the counts, whence the sample sizes.
    let counts = reg
        .rows
        .par_chunks(CHUNK)
        .map(|rows| {
            let mut c = Counts::default();
            for (s, excluded) in rows.iter().filter_map(place) {
                c.population[s] += 1;
                if excluded {
                    c.excluded[s] += 1;
                } else {
                    c.eligible[s] += 1;
                }
            }
            c
        })
        .reduce(Counts::default, Counts::add);
    let k: [u64; 5] = std::array::from_fn(|s| {
        let (ratio, min, max) = rule(s);
        sample_size(ratio, counts.eligible[s], min, max)
    });
    // Second pass: the rank keys of the eligible rows of the drawn strata
    // that are at most the stratum's bound; a stratum short of k keys is
    // gathered again without one.
    let gather = |bounds: [Option<u64>; 5]| -> [Vec<(u64, u32)>; 5] {
        let parts: Vec<[Vec<(u64, u32)>; 5]> = reg
            .rows
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(n, rows)| {
                let mut eligible: [Vec<u32>; 5] = Default::default();
                for (i, e) in rows.iter().enumerate() {
                    if let Some((s, false)) = place(e) {
                        if bounds[s].is_some() {
                            eligible[s].push((n * CHUNK + i) as u32);
                        }
                    }
                }
                std::array::from_fn(|s| match bounds[s] {
                    None => Vec::new(),
                    Some(b) => {
                        let mut keyed = rank_keys(reg, &eligible[s], seed);
                        keyed.retain(|&(key, _)| key <= b);
                        keyed.shrink_to_fit();
                        keyed
                    }
                })
            })
            .collect();
        std::array::from_fn(|s| parts.iter().flat_map(|p| p[s].iter().copied()).collect())
    };
    let mut keyed = gather(std::array::from_fn(|s| (k[s] > 0).then(|| bound(k[s], counts.eligible[s]))));
    let short: [Option<u64>; 5] = std::array::from_fn(|s| (keyed[s].len() < k[s] as usize).then_some(u64::MAX));
    if short.iter().any(Option::is_some) {
        for (s, again) in gather(short).into_iter().enumerate() {
            if short[s].is_some() {
                keyed[s] = again;
            }
        }
    }
    let strata = Class::ALL.iter().map(|&c| Some(c)).chain(feedback.map(|_| None));
    strata
        .zip(keyed)
        .map(|(class, keyed)| {
            let s = class.map_or(FEEDBACK, |c| c as usize);
            let selected = if k[s] == 0 { Vec::new() } else { smallest_tickets(reg, keyed, k[s] as usize, seed) };
            let cutoff = selected.last().map(|&r| ticket::ticket_string(&seed.ticket_hash(&reg.rows[r as usize].uscc)));
            Stratum {
                class,
                region: None,
                population: counts.population[s],
                excluded: counts.excluded[s],
                eligible: counts.eligible[s],
                ratio: rule(s).0,
                sample_size: k[s],
                cutoff,
                selected,
            }
        })
        .collect()
}

/// Rows a core takes at a time in [`select`]'s passes.
const CHUNK: usize = 1 << 14;

/// The rows of each stratum (the four classes, then the feedback stratum)
/// in scope, excluded, and eligible.
#[derive(Default)]
struct Counts {
    population: [u64; 5],
    excluded: [u64; 5],
    eligible: [u64; 5],
}

impl Counts {
    fn add(mut self, other: Counts) -> Counts {
        for s in 0..5 {
            self.population[s] += other.population[s];
            self.excluded[s] += other.excluded[s];
            self.eligible[s] += other.eligible[s];
        }
        self
    }
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

    /// The strata, every field, to compare two selections.
    fn summary(strata: &[Stratum]) -> String {
        format!("{strata:?}")
    }

    #[test]
    fn the_key_bound_changes_what_is_held_never_what_is_selected() {
        use crate::input::registry::read_enterprises;
        use crate::input::synth::{write_enterprises, SynthConfig};
        use crate::input::table::BytesSource;
        let cfg = SynthConfig { enterprises: 20_000, ..SynthConfig::default() };
        let mut csv = Vec::new();
        write_enterprises(&cfg, &mut csv).unwrap();
        let reg = read_enterprises(&BytesSource { label: "e.csv".into(), bytes: &csv }, &[]).unwrap();
        let plan_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/plan-minimal.toml");
        let plan = crate::input::files::load_plan(&plan_path).unwrap();
        let seed = Seed::new("bound-test");
        let every_key = select_within(&reg, &plan, &seed, |_, _| u64::MAX);
        assert!(every_key.iter().any(|s| s.sample_size > 0 && s.sample_size < s.eligible), "a part of a stratum drawn");
        let all = summary(&every_key);
        // The default bound, a tighter one, and one that keeps no key (every
        // drawn stratum falls short and is gathered again with none): the
        // same selection as holding every key.
        assert_eq!(summary(&select(&reg, &plan, &seed)), all);
        assert_eq!(summary(&select_within(&reg, &plan, &seed, |k, n| key_bound(k / 2, n))), all);
        assert_eq!(summary(&select_within(&reg, &plan, &seed, |_, _| 0)), all);
    }

    #[test]
    fn the_key_bound_keeps_a_few_percent_more_than_k() {
        const KEYS: u64 = 10_000_000_000_000_000_000;
        assert_eq!(key_bound(100, 150), u64::MAX, "k + margin above n: every key");
        // 2 % of a million: k = 20,000; 6·⌊√k⌋ + 64 = 910 more, 2.09 % of the keys.
        assert_eq!(key_bound(20_000, 1_000_000), KEYS / 1_000_000 * 20_910);
        assert_eq!(key_bound(0, 1_000_000), KEYS / 1_000_000 * 64);
    }

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
