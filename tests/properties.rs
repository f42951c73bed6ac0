//! Property tests over random small registries and plans: sample sizes,
//! no duplicates, every team rule holds, determinism, and completeness of the
//! repair (it fails only when an exhaustive search finds no assignment).

mod common;

use fairdraw::engine::assign;
use fairdraw::engine::board::{slot_allows, Board, Rules, Target};
use fairdraw::engine::select;
use fairdraw::input::plan::{Plan, RegionRule};
use fairdraw::input::registry;
use fairdraw::input::table::{BytesSource, Source};
use fairdraw::model::date::Date;
use fairdraw::model::registry::{Enterprises, Inspector, Role};
use fairdraw::model::ticket::{self, Seed};
use proptest::prelude::*;

fn registry(classes: &[u8], regions: &[u8]) -> Enterprises {
    let mut csv = String::from("uscc,name,credit_class,region,industry,status\n");
    for (i, (c, r)) in classes.iter().zip(regions).enumerate() {
        let status = if i % 11 == 5 { "注销" } else { "存续" };
        csv += &format!(
            "{},企业{i},{},33010{r},F52,{status}\n",
            common::uscc(i as u32 * 13 + 5),
            ["A", "B", "C", "D"][*c as usize % 4]
        );
    }
    registry::read_enterprises(&BytesSource { label: "e.csv".into(), bytes: csv.as_bytes() }, &[]).unwrap()
}

const DEPTS: [&str; 3] = ["市场监督管理局", "卫生健康委员会", "应急管理局"];

fn inspector(i: usize, spec: (u8, u8, bool, u8, u8)) -> Inspector {
    let (dept, region, active, role, cert) = spec;
    Inspector {
        id: format!("P{i:02}"),
        name: format!("员{i}"),
        department: DEPTS[dept as usize % 3].to_string(),
        region: format!("33010{}", region % 3),
        active,
        role: if role % 6 == 0 { Role::Expert } else { Role::Inspector },
        qualifications: if role % 2 == 0 { vec!["食品".into()] } else { vec![] },
        cert_expires: (cert % 4 == 0).then_some(Date { year: 2026, month: 1, day: 1 }),
        line: i as u64 + 2,
    }
}

fn plan(text: &str) -> Plan {
    let none = |_: &str| -> Box<dyn Source> { unreachable!() };
    Plan::parse(text, "p.toml", &none).unwrap()
}

fn rules_strategy() -> impl Strategy<Value = Rules> {
    (2usize..=3, 0usize..=2, 0u8..3, proptest::option::of(1u64..4), 0usize..=1, any::<bool>()).prop_map(
        |(size, ndept, region, cap, experts, quals)| {
            let departments: Vec<String> = DEPTS[..ndept.min(size)].iter().map(|d| d.to_string()).collect();
            Rules {
                size,
                experts,
                slot_departments: (0..size).map(|s| departments.get(s).cloned()).collect(),
                departments,
                region: [RegionRule::Any, RegionRule::Same, RegionRule::Different][region as usize],
                cap,
                qualifications: if quals { vec!["食品".into()] } else { vec![] },
                inspection_date: Some(Date { year: 2026, month: 12, day: 1 }),
                rotation: false,
            }
        },
    )
}

/// Exhaustive search: does any valid assignment exist?
fn exists(board: &Board<'_>, rules: &Rules, teams: &mut Vec<Vec<u32>>, load: &mut Vec<u64>, pos: usize) -> bool {
    let slots = rules.slots();
    if pos == board.targets.len() * slots {
        return true;
    }
    let (t, s) = (pos / slots, pos % slots);
    for &i in board.pool(s) {
        if teams[t].contains(&i) || load[i as usize] >= rules.cap.unwrap_or(u64::MAX) || !board.allowed(i, t, s) {
            continue;
        }
        teams[t].push(i);
        load[i as usize] += 1;
        if exists(board, rules, teams, load, pos + 1) {
            return true;
        }
        teams[t].pop();
        load[i as usize] -= 1;
    }
    false
}

fn check_valid(board: &Board<'_>, rules: &Rules, teams: &[Vec<u32>]) {
    let mut load = vec![0u64; board.inspectors.len()];
    for (t, team) in teams.iter().enumerate() {
        assert_eq!(team.len(), rules.slots());
        for (s, &i) in team.iter().enumerate() {
            assert!(board.compatible(i, t, s), "target {t} slot {s} inspector {i}");
            assert!(slot_allows(rules, &board.inspectors[i as usize], s));
            load[i as usize] += 1;
        }
        let mut sorted = team.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), team.len(), "an inspector twice in one team");
        for d in &rules.departments {
            assert!(
                team[..rules.size].iter().any(|&i| board.inspectors[i as usize].department == *d),
                "joint inspection lacks {d}"
            );
        }
        if let Some(lead) = rules.departments.first() {
            assert_eq!(&board.inspectors[team[0] as usize].department, lead, "leader from the initiating department");
        }
        assert!(team[..rules.size].iter().all(|&i| board.inspectors[i as usize].role == Role::Inspector));
        assert!(team[rules.size..].iter().all(|&i| board.inspectors[i as usize].role == Role::Expert));
    }
    if let Some(cap) = rules.cap {
        assert!(load.iter().all(|&l| l <= cap));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn assignment_is_valid_and_repair_is_complete(
        rules in rules_strategy(),
        specs in proptest::collection::vec((0u8..3, 0u8..3, prop::bool::weighted(0.9), 0u8..12, 0u8..8), 2..9),
        target_regions in proptest::collection::vec(0u8..3, 1..5),
        conflict_bits in any::<u64>(),
        seed in "[a-z0-9]{0,12}",
    ) {
        let inspectors: Vec<Inspector> = specs.iter().enumerate().map(|(i, s)| inspector(i, *s)).collect();
        let classes = vec![0u8; target_regions.len()];
        let reg = registry(&classes, &target_regions);
        let targets: Vec<Target> = reg.rows.iter().enumerate().map(|(k, e)| Target { row: k as u32, region: e.region }).collect();
        let mut conflicts: Vec<(u32, u32)> = Vec::new();
        for i in 0..inspectors.len() {
            for t in 0..targets.len() {
                if conflict_bits >> ((i * 5 + t) % 64) & 1 == 1 && (i + t) % 3 == 0 {
                    conflicts.push((i as u32, t as u32));
                }
            }
        }
        let board = Board::new(&rules, &inspectors, &targets, &conflicts, &[], &reg);
        let result = assign::assign(&board, &seed);
        let feasible = exists(&board, &rules, &mut vec![Vec::new(); targets.len()], &mut vec![0; inspectors.len()], 0);
        match result {
            Ok(assigned) => {
                prop_assert!(feasible);
                check_valid(&board, &rules, &assigned.teams);
                prop_assert_eq!(assign::assign(&board, &seed).unwrap(), assigned, "deterministic");
            }
            Err(_) => prop_assert!(!feasible, "repair gave up although an assignment exists"),
        }
    }

    #[test]
    fn strata_have_exact_sizes_and_respect_the_cutoff(
        classes in proptest::collection::vec(0u8..4, 0..300),
        ratios in proptest::collection::vec(0u32..=1000, 4),
        mins in proptest::collection::vec(0u64..5, 4),
        seed in "\\PC{0,20}",
    ) {
        let regions = vec![6u8; classes.len()];
        let reg = registry(&classes, &regions);
        let r: Vec<String> = ratios.iter().map(|x| format!("{}.{}%", x / 10, x % 10)).collect();
        let p = plan(&format!(
            "name = \"p\"\n[ratios]\nA = \"{}\"\nB = \"{}\"\nC = \"{}\"\nD = \"{}\"\n[min]\nA = {}\nB = {}\nC = {}\nD = {}\n",
            r[0], r[1], r[2], r[3], mins[0], mins[1], mins[2], mins[3]
        ));
        let seed = Seed::new(&seed);
        let strata = select::select(&reg, &p, &seed);
        let mut seen = std::collections::HashSet::new();
        for (c, s) in strata.iter().enumerate() {
            let eligible: Vec<&fairdraw::model::registry::Enterprise> = reg.rows.iter().filter(|e| e.class as usize == c && e.status == fairdraw::model::registry::Status::Active).collect();
            prop_assert_eq!(s.eligible, eligible.len() as u64);
            // ceil(x‰ · N / 1000) without floats, then min and N.
            let k = (ratios[c] as u64 * s.eligible).div_ceil(1000).max(mins[c]).min(s.eligible);
            prop_assert_eq!(s.sample_size, k);
            prop_assert_eq!(s.selected.len() as u64, k);
            for &row in &s.selected {
                prop_assert!(seen.insert(row), "selected twice");
            }
            let tickets: Vec<String> = s.selected.iter().map(|&row| ticket::ticket_string(&seed.ticket_hash(&reg.rows[row as usize].uscc))).collect();
            prop_assert!(tickets.windows(2).all(|w| w[0] < w[1]), "ticket order");
            if let Some(cutoff) = &s.cutoff {
                for e in eligible {
                    let t = ticket::ticket_string(&seed.ticket_hash(&e.uscc));
                    let idx = reg.find(e.uscc()).unwrap() as u32;
                    prop_assert_eq!(t <= *cutoff, s.selected.contains(&idx));
                }
            }
        }
    }
}
