//! Region strata and floors (spec §6.1): with `[strata]`, every class is
//! split by the leading digits of the region code, each (class, region)
//! stratum selects its own smallest tickets, and a region short of its
//! floor is topped up with its next smallest tickets of any class.

use std::collections::BTreeMap;

use crate::engine::select::{self, rank_keys, sample_size, smallest_tickets, ScopeFilter, Stratum};
use crate::input::plan::{Plan, RegionStrata};
use crate::model::registry::{Class, Enterprises};
use crate::model::ticket::{self, Seed};

/// One region's floor and its top-up (spec §6.1).
#[derive(Clone, Debug)]
pub struct Floor {
    pub region: String,
    /// Eligible enterprises of the region, all classes.
    pub eligible: u64,
    /// The sum of the sample sizes of the region's strata.
    pub drawn: u64,
    /// `ceil(eligible × floor)`.
    pub floor: u64,
    /// Rows added because `drawn < floor`, in ticket order.
    pub top_up: Vec<u32>,
}

/// The strata and, with `[strata]`, the floors of a draw.
#[derive(Clone, Debug)]
pub struct Selection {
    pub strata: Vec<Stratum>,
    /// `None` for a plan without `[strata]`: its document has no `floors`.
    pub floors: Option<Vec<Floor>>,
}

impl Selection {
    /// Target rows with their own class, in assignment order (spec §8.2):
    /// the strata in order (the feedback stratum last, §6.4), then the
    /// top-ups by region.
    pub fn targets(&self, reg: &Enterprises) -> Vec<(Class, u32)> {
        let strata = self.strata.iter().flat_map(|s| s.selected.iter());
        let top_ups = self.floors.iter().flatten().flat_map(|f| f.top_up.iter());
        strata.chain(top_ups).map(|&row| (reg.rows[row as usize].class, row)).collect()
    }
}

/// The draw's strata: per class (spec §6), or per class and region with
/// floors (spec §6.1).
pub fn selection(reg: &Enterprises, plan: &Plan, seed: &Seed) -> Selection {
    match plan.strata {
        None => Selection { strata: select::select(reg, plan, seed), floors: None },
        Some(strata) => by_region(reg, plan, seed, strata),
    }
}

/// The enterprises in scope of one (class, region).
#[derive(Default)]
struct Group {
    population: u64,
    excluded: u64,
    eligible: Vec<u32>,
}

/// What a region's strata left: their eligible rows not selected.
#[derive(Default)]
struct Region {
    eligible: u64,
    drawn: u64,
    rest: Vec<u32>,
}

fn by_region(reg: &Enterprises, plan: &Plan, seed: &Seed, strata: RegionStrata) -> Selection {
    let filter = ScopeFilter::new(plan, reg);
    // Keys order like the strata: class (A first), then region.
    let mut groups: BTreeMap<(usize, &str), Group> = BTreeMap::new();
    for (row, e) in reg.rows.iter().enumerate() {
        if !filter.in_scope(e) {
            continue;
        }
        let group = groups.entry((e.class as usize, &e.region()[..strata.region_digits])).or_default();
        group.population += 1;
        if plan.exclude.binary_search_by(|x| x.as_bytes().cmp(&e.uscc)).is_ok() {
            group.excluded += 1;
        } else {
            group.eligible.push(row as u32);
        }
    }
    let mut regions: BTreeMap<&str, Region> = BTreeMap::new();
    let mut out = Vec::with_capacity(groups.len());
    for ((c, region), group) in groups {
        let n = group.eligible.len() as u64;
        let k = sample_size(plan.ratios[c], n, plan.min[c], plan.max[c]) as usize;
        // Every eligible row in ticket order: the first k are selected, the
        // others wait for the region's top-up.
        let mut ordered = in_ticket_order(reg, &group.eligible, group.eligible.len(), seed);
        let rest = ordered.split_off(k);
        let tally = regions.entry(region).or_default();
        tally.eligible += n;
        tally.drawn += k as u64;
        tally.rest.extend(rest);
        out.push(Stratum {
            class: Some(Class::ALL[c]),
            region: Some(region.to_string()),
            population: group.population,
            excluded: group.excluded,
            eligible: n,
            ratio: plan.ratios[c],
            sample_size: k as u64,
            cutoff: ordered.last().map(|&r| ticket::ticket_string(&seed.ticket_hash(&reg.rows[r as usize].uscc))),
            selected: ordered,
        });
    }
    let floors = regions
        .into_iter()
        .map(|(region, tally)| {
            let floor = strata.floor.ceil_times(tally.eligible);
            let short = floor.saturating_sub(tally.drawn) as usize;
            Floor {
                region: region.to_string(),
                eligible: tally.eligible,
                drawn: tally.drawn,
                floor,
                top_up: in_ticket_order(reg, &tally.rest, short, seed),
            }
        })
        .collect();
    Selection { strata: out, floors: Some(floors) }
}

/// The `k` of `rows` with the smallest tickets, in ticket order.
fn in_ticket_order(reg: &Enterprises, rows: &[u32], k: usize, seed: &Seed) -> Vec<u32> {
    if k == 0 {
        return Vec::new();
    }
    smallest_tickets(reg, rank_keys(reg, rows, seed), k, seed)
}
