//! Fairness of inspector assignment: over many seeds, every eligible
//! inspector is drawn equally often (Pearson's chi-square test). The seeds
//! are fixed, so the test is deterministic, not flaky. A chi-square over
//! thousands of draws catches a wrong pool or a skewed shuffle, not biases of
//! order n/2^64 such as modulo bias: the rejection rule that prevents that is
//! checked on crafted words in `src/stream.rs`.

use fairdraw::engine::assign;
use fairdraw::engine::board::{Board, Rules, Target};
use fairdraw::input::plan::RegionRule;
use fairdraw::input::registry;
use fairdraw::input::table::BytesSource;
use fairdraw::model::registry::{Inspector, Role};

mod common;

/// Chi-square critical values at p = 0.001 by degrees of freedom.
fn critical(df: usize) -> f64 {
    match df {
        4 => 18.467,
        9 => 27.877,
        _ => panic!("no table entry for df {df}"),
    }
}

fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts.iter().map(|&c| (c as f64 - expected).powi(2) / expected).sum()
}

fn roster(depts: &[(&str, usize)]) -> Vec<Inspector> {
    let mut out = Vec::new();
    for (d, n) in depts {
        for _ in 0..*n {
            let i = out.len();
            out.push(Inspector {
                id: format!("P{i:03}"),
                name: format!("员{i}"),
                department: d.to_string(),
                region: "330106".into(),
                active: true,
                role: Role::Inspector,
                qualifications: vec![],
                cert_expires: None,
                line: 0,
            });
        }
    }
    out
}

fn rules(size: usize, departments: Vec<String>) -> Rules {
    Rules {
        size,
        experts: 0,
        slot_departments: (0..size).map(|s| departments.get(s).cloned()).collect(),
        departments,
        region: RegionRule::Any,
        cap: None,
        qualifications: vec![],
        inspection_date: None,
        rotation: false,
    }
}

/// Counts per inspector and per (slot, inspector) over `seeds` draws of one target.
fn tally(inspectors: &[Inspector], rules: &Rules, seeds: u32) -> (Vec<u64>, Vec<Vec<u64>>) {
    let csv = format!("uscc,name,credit_class,region,industry,status\n{},甲,A,330106,F52,存续\n", common::uscc(1));
    let reg = registry::read_enterprises(&BytesSource { label: "e".into(), bytes: csv.as_bytes() }, &[]).unwrap();
    let targets = [Target { row: 0, region: *b"330106" }];
    let board = Board::new(rules, inspectors, &targets, &[], &[], &reg);
    let mut total = vec![0u64; inspectors.len()];
    let mut by_slot = vec![vec![0u64; inspectors.len()]; rules.slots()];
    for s in 0..seeds {
        let teams = assign::assign(&board, &format!("fairness seed {s}")).unwrap().teams;
        for (slot, &i) in teams[0].iter().enumerate() {
            total[i as usize] += 1;
            by_slot[slot][i as usize] += 1;
        }
    }
    (total, by_slot)
}

#[test]
fn single_department_draws_are_uniform_over_inspectors_and_leaders() {
    let inspectors = roster(&[("市场监督管理局", 10)]);
    let (total, by_slot) = tally(&inspectors, &rules(2, vec![]), 5000);
    assert_eq!(total.iter().sum::<u64>(), 10_000);
    let chi = chi_square(&total);
    assert!(chi < critical(9), "team membership chi-square {chi:.2} ≥ {}: {total:?}", critical(9));
    let chi_lead = chi_square(&by_slot[0]);
    assert!(chi_lead < critical(9), "leader chi-square {chi_lead:.2}: {:?}", by_slot[0]);
}

#[test]
fn joint_inspection_is_uniform_within_each_department() {
    let inspectors = roster(&[("市场监督管理局", 5), ("卫生健康委员会", 5), ("应急管理局", 2)]);
    let depts = vec!["市场监督管理局".to_string(), "卫生健康委员会".to_string()];
    let (_, by_slot) = tally(&inspectors, &rules(3, depts), 5000);
    // Slot 0 is the market regulator's, slot 1 the health commission's.
    let chi0 = chi_square(&by_slot[0][..5]);
    let chi1 = chi_square(&by_slot[1][5..10]);
    assert!(by_slot[0][5..].iter().all(|&c| c == 0) && by_slot[1][..5].iter().all(|&c| c == 0));
    assert!(chi0 < critical(4) && chi1 < critical(4), "{chi0:.2} {chi1:.2}");
    // The third slot takes anyone of the two departments not yet on the team.
    assert!(by_slot[2][10..].iter().all(|&c| c == 0), "other departments never join");
    let chi2 = chi_square(&by_slot[2][..10]);
    assert!(chi2 < critical(9), "free slot chi-square {chi2:.2}: {:?}", by_slot[2]);
}
