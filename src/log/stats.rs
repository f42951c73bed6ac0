//! The statistics of one year (audit/LOG-FORMAT.md, "Statistics"): per
//! department, region and class the targets planned, drawn and published,
//! problem rates, joint-visit and off-site shares, follow-ups and overdue
//! ones; each inspector's workload; and the fairness of the draws (drawn
//! against expected per class and per region, with Pearson's chi-square).
//! `GET /api/stats` and `fairdraw stats` answer the same JSON.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value};

use super::entry::Entry;
use super::flow;
use super::publication::Publication;
use super::store::Log;
use super::yearbook::{Published, YearDraw, Yearbook};
use crate::engine::draw::FEEDBACK_CLASS;
use crate::engine::select::ScopeFilter;
use crate::model::chi_square;
use crate::model::date::Date;

/// The answer's format name.
pub const FORMAT: &str = "fairdraw-stats/1";

/// Cells expected to hold fewer than this many draws are pooled into one
/// cell (`其他`) before the chi-square test, as the test's approximation needs.
pub const MIN_EXPECTED: f64 = 5.0;

/// The counters of one group of targets.
#[derive(Default, Clone, Debug, PartialEq)]
struct Counts {
    planned: Option<u64>,
    drawn: u64,
    published: u64,
    published_v2: u64,
    problems: u64,
    joint: u64,
    off_site: u64,
    follow_ups: u64,
    overdue: u64,
}

fn share(part: u64, whole: u64) -> Value {
    if whole == 0 {
        Value::Null
    } else {
        json!(part as f64 / whole as f64)
    }
}

impl Counts {
    fn to_json(&self, key: (&str, &str)) -> Value {
        let mut row = json!({
            "planned": self.planned,
            "drawn": self.drawn,
            "published": self.published,
            "published_rate": share(self.published, self.drawn),
            "published_v2": self.published_v2,
            "problems": self.problems,
            "problem_rate": share(self.problems, self.published_v2),
            "joint": self.joint,
            "joint_share": share(self.joint, self.drawn),
            "off_site": self.off_site,
            "off_site_share": share(self.off_site, self.drawn),
            "follow_ups": self.follow_ups,
            "overdue": self.overdue,
        });
        if !key.0.is_empty() {
            row[key.0] = json!(key.1);
        }
        row
    }
}

/// Where one drawn target is counted.
struct Target<'a> {
    draw: &'a YearDraw,
    class: &'a str,
    region: &'a str,
}

/// The statistics of `book` as of `today` (overdue follow-ups). `regions`
/// gives, per draw id, the eligible enterprises per (class, region) that
/// the region fairness test needs (see [`region_eligible`]); a draw missing
/// from it makes that test unavailable, with the reason.
pub fn compute(book: &Yearbook, today: Date, regions: &Result<HashMap<String, RegionEligible>, String>) -> Value {
    let mut targets: HashMap<(&str, &str), Target> = HashMap::new();
    for d in &book.draws {
        for v in &d.visits {
            targets.insert((d.id.as_str(), v.uscc.as_str()), Target { draw: d, class: &v.class, region: &v.region });
        }
    }
    let mut total = Counts::default();
    let mut by_department: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_region: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_class: BTreeMap<String, Counts> = BTreeMap::new();
    let mut each = |t: &Target, f: &dyn Fn(&mut Counts)| {
        f(&mut total);
        f(by_department.entry(t.draw.department.clone()).or_default());
        f(by_region.entry(t.region.to_string()).or_default());
        f(by_class.entry(t.class.to_string()).or_default());
    };
    for d in &book.draws {
        for v in &d.visits {
            let t = Target { draw: d, class: &v.class, region: &v.region };
            each(&t, &|c| {
                c.drawn += 1;
                c.joint += u64::from(d.joint());
                c.off_site += u64::from(d.off_site());
            });
        }
    }
    let published: HashMap<(&str, &str), &Published> =
        book.results.iter().map(|r| ((r.draw.as_str(), r.uscc.as_str()), r)).collect();
    for (key, r) in &published {
        let Some(t) = targets.get(key) else { continue };
        each(t, &|c| {
            c.published += 1;
            c.published_v2 += u64::from(r.format == 2);
            c.problems += u64::from(r.found_problem());
        });
    }
    let result_target: HashMap<&str, (&str, &str)> =
        book.results.iter().map(|r| (r.id.as_str(), (r.draw.as_str(), r.uscc.as_str()))).collect();
    for f in &book.follow_ups {
        let Some(t) = result_target.get(f.result.as_str()).and_then(|k| targets.get(k)) else { continue };
        let overdue = f.overdue(today);
        each(t, &|c| {
            c.follow_ups += 1;
            c.overdue += u64::from(overdue);
        });
    }
    // Planned: the strata's sample sizes, known per plan and class only;
    // the feedback stratum's (spec §6.4) belongs to no class and counts in
    // the totals and the department's only (LOG-FORMAT "Statistics").
    for d in &book.draws {
        for (class, k) in &d.planned {
            for c in [&mut total, by_department.entry(d.department.clone()).or_default()] {
                *c.planned.get_or_insert(0) += k;
            }
            if class != FEEDBACK_CLASS {
                *by_class.entry(class.clone()).or_default().planned.get_or_insert(0) += k;
            }
        }
    }
    let rows = |m: &BTreeMap<String, Counts>, key: &str| -> Vec<Value> {
        m.iter().map(|(k, c)| c.to_json((key, k))).collect()
    };
    json!({
        "format": FORMAT,
        "year": book.year,
        "today": today.to_string(),
        "draws": book.draws.len(),
        "sealed": book.draws.iter().filter(|d| d.sealed).count(),
        "totals": total.to_json(("", "")),
        "by_department": rows(&by_department, "department"),
        "by_region": rows(&by_region, "region"),
        "by_class": rows(&by_class, "class"),
        "inspectors": inspectors(book, &published),
        "fairness": {
            "class": class_fairness(book),
            "region": match regions {
                Ok(eligible) => region_fairness(book, eligible),
                Err(why) => json!({"unavailable": why}),
            },
        },
    })
}

/// Per inspector: targets on their teams, led, as expert, and of those the
/// published results and the ones that found a problem.
fn inspectors(book: &Yearbook, published: &HashMap<(&str, &str), &Published>) -> Vec<Value> {
    #[derive(Default)]
    struct Load {
        visits: u64,
        led: u64,
        as_expert: u64,
        published: u64,
        problems: u64,
    }
    let mut loads: BTreeMap<&str, Load> = BTreeMap::new();
    for d in &book.draws {
        for v in &d.visits {
            let r = published.get(&(d.id.as_str(), v.uscc.as_str()));
            for (id, expert) in v.inspectors.iter().map(|i| (i, false)).chain(v.experts.iter().map(|e| (e, true))) {
                let l = loads.entry(id.as_str()).or_default();
                l.visits += 1;
                l.led += u64::from(!expert && *id == v.leader);
                l.as_expert += u64::from(expert);
                l.published += u64::from(r.is_some());
                l.problems += u64::from(r.is_some_and(|r| r.found_problem()));
            }
        }
    }
    loads
        .into_iter()
        .map(|(id, l)| {
            json!({"inspector": id, "visits": l.visits, "led": l.led, "as_expert": l.as_expert,
                   "published": l.published, "problems": l.problems})
        })
        .collect()
}

/// One chi-square test over labelled (observed, expected) cells; cells
/// expected below [`MIN_EXPECTED`] are pooled into `其他`.
fn test(cells: BTreeMap<String, (f64, f64)>) -> Value {
    let (mut kept, mut pooled) = (Vec::new(), (0.0, 0.0));
    for (label, (o, e)) in cells {
        if e < MIN_EXPECTED {
            pooled = (pooled.0 + o, pooled.1 + e);
        } else {
            kept.push((label, o, e));
        }
    }
    if pooled.1 > 0.0 || pooled.0 > 0.0 {
        kept.push(("其他".to_string(), pooled.0, pooled.1));
    }
    let pairs: Vec<(f64, f64)> = kept.iter().map(|(_, o, e)| (*o, *e)).collect();
    let df = kept.iter().filter(|(_, _, e)| *e > 0.0).count().saturating_sub(1) as u64;
    let statistic = chi_square::statistic(&pairs);
    json!({
        "cells": kept.iter().map(|(l, o, e)| json!({"label": l, "drawn": o, "expected": e})).collect::<Vec<_>>(),
        "statistic": statistic,
        "df": df,
        "p_value": if df == 0 { Value::Null } else { json!(chi_square::p_value(statistic, df)) },
    })
}

/// Per class: drawn against Σ eligible × ratio over the year's draws. The
/// sample sizes round up and apply `min`/`max`, so this measures the plans'
/// rounding, not chance; the region test is the one about chance.
fn class_fairness(book: &Yearbook) -> Value {
    let mut cells: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for d in book.draws.iter().filter(|d| !d.sealed && !d.region_strata) {
        // The feedback stratum is drawn at its own ratio: left out (spec §6.4).
        for s in d.strata.iter().filter(|s| s.class != FEEDBACK_CLASS) {
            let c = cells.entry(s.class.clone()).or_default();
            c.1 += s.eligible as f64 * s.ratio.parse::<f64>().unwrap_or(0.0);
        }
        for v in d.visits.iter().filter(|v| !d.feedback.contains(&v.uscc)) {
            cells.entry(v.class.clone()).or_default().0 += 1.0;
        }
    }
    test(cells)
}

/// Per draw: eligible enterprises per class and region.
pub type RegionEligible = BTreeMap<(String, String), u64>;

/// Per region: drawn against expected, where a class's sample of size k
/// from N eligible, drawn uniformly, is expected to hold k · N_region / N
/// of each region.
fn region_fairness(book: &Yearbook, eligible: &HashMap<String, RegionEligible>) -> Value {
    let mut cells: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for d in book.draws.iter().filter(|d| !d.sealed && !d.region_strata) {
        let Some(by_region) = eligible.get(&d.id) else {
            return json!({"unavailable": format!("no registry for draw {}", d.id)});
        };
        for s in d.strata.iter().filter(|s| s.eligible > 0) {
            for ((_, region), n) in by_region.iter().filter(|((class, _), _)| *class == s.class) {
                cells.entry(region.clone()).or_default().1 += s.sample_size as f64 * *n as f64 / s.eligible as f64;
            }
        }
        for v in d.visits.iter().filter(|v| !d.feedback.contains(&v.uscc)) {
            cells.entry(v.region.clone()).or_default().0 += 1.0;
        }
    }
    test(cells)
}

/// The eligible enterprises per (class, region) of each of the year's
/// public draws, from its committed snapshots (a protected log's full
/// snapshots are under `private/`: without them the test is unavailable).
pub fn region_eligible(log: &Log, book: &Yearbook) -> Result<HashMap<String, RegionEligible>, String> {
    let mut out = HashMap::new();
    for d in book.draws.iter().filter(|d| !d.sealed && !d.region_strata) {
        let commitment: std::sync::Arc<Entry> =
            log.find(&d.commitment).and_then(|i| log.entry(i)).map_err(|e| e.to_string())?;
        let inputs = flow::committed_inputs(log, &commitment).map_err(|e| format!("draw {}: {e}", d.id))?;
        let filter = ScopeFilter::new(&inputs.plan, &inputs.enterprises);
        let excluded: HashSet<&str> = inputs.plan.exclude.iter().map(String::as_str).collect();
        // Flagged firms are in the feedback stratum, not their class's (spec §6.4).
        let flagged =
            |e: &crate::model::registry::Enterprise| inputs.plan.feedback.as_ref().is_some_and(|f| f.flags(&e.uscc));
        let mut counts = RegionEligible::new();
        for e in
            inputs.enterprises.rows.iter().filter(|e| filter.in_scope(e) && !excluded.contains(e.uscc()) && !flagged(e))
        {
            *counts.entry((e.class.letter().to_string(), e.region().to_string())).or_default() += 1;
        }
        out.insert(d.id.clone(), counts);
    }
    Ok(out)
}

/// The statistics of year `year` of `log` as of `today`. `public_only`:
/// for the public API, where a protected log's per-region counts of its
/// registry must not be shown (the blinded snapshots hide them), so its
/// region test is unavailable; the bureau's own report uses `false`.
pub fn of_log(log: &Log, year: u64, today: Date, public_only: bool) -> Value {
    let book = Yearbook::read(log, year);
    let regions = if public_only && Publication::of_log(log) == Publication::Protected {
        Err("a protected log does not publish its registry's counts per region".to_string())
    } else {
        region_eligible(log, &book)
    };
    compute(&book, today, &regions)
}
