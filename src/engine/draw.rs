//! The draw: a pure function of (registries, plan, seed) to the draw
//! document of spec §9. Nothing here reads files, clocks or global RNGs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::assign;
use crate::engine::board::{Board, Rules, Target};
use crate::engine::diagnose::{Failure, Infeasible};
use crate::engine::select::{self, Stratum};
use crate::input::plan::{Plan, ALGORITHM};
use crate::model::registry::{Enterprises, Registries};
use crate::model::snapshot;
use crate::model::ticket::{self, Seed};

pub const FORMAT: &str = "fairdraw-draw/1";

/// Why a draw has no document.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    /// No team assignment satisfies the plan's rules; says which target and rule.
    #[error("no valid inspector assignment exists\n{0}")]
    Infeasible(Box<Infeasible>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DrawDoc {
    pub format: String,
    pub algorithm: String,
    pub plan_name: String,
    pub seed: String,
    pub seed_hash: String,
    pub plan_digest: String,
    pub snapshots: Snapshots,
    pub strata: Vec<StratumDoc>,
    pub assignments: Vec<AssignmentDoc>,
    pub plan: Value,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Snapshots {
    pub enterprises: EnterpriseSnapshot,
    pub inspectors: SnapshotRef,
    pub conflicts: SnapshotRef,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct EnterpriseSnapshot {
    pub root: String,
    pub count: u64,
    pub columns: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SnapshotRef {
    pub root: String,
    pub count: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct StratumDoc {
    pub class: String,
    pub population: u64,
    pub excluded: u64,
    pub eligible: u64,
    pub ratio: String,
    pub sample_size: u64,
    pub cutoff: Option<String>,
    pub selected: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct AssignmentDoc {
    pub uscc: String,
    pub name: String,
    pub class: String,
    pub region: String,
    pub ticket: String,
    pub leader: String,
    pub inspectors: Vec<String>,
    pub experts: Vec<String>,
}

/// The snapshot roots, computed on all cores.
pub fn snapshots(reg: &Registries<'_>) -> Snapshots {
    let ((e, i), c) = rayon::join(
        || rayon::join(|| snapshot::enterprises_root(reg.enterprises), || snapshot::inspectors_root(reg.inspectors)),
        || snapshot::conflicts_root(reg.conflicts, reg.inspectors, reg.enterprises),
    );
    Snapshots {
        enterprises: EnterpriseSnapshot {
            root: hex::encode(e),
            count: reg.enterprises.rows.len() as u64,
            columns: snapshot::enterprise_columns(reg.enterprises),
        },
        inspectors: SnapshotRef { root: hex::encode(i), count: reg.inspectors.len() as u64 },
        conflicts: SnapshotRef { root: hex::encode(c), count: reg.conflicts.len() as u64 },
    }
}

/// Targets in assignment order: strata A→D, each in ticket order.
pub fn targets(reg: &Enterprises, strata: &[Stratum]) -> Vec<Target> {
    strata
        .iter()
        .flat_map(|s| s.selected.iter())
        .map(|&row| Target { row, region: reg.rows[row as usize].region })
        .collect()
}

/// Assigns teams, or explains why no valid assignment exists.
pub fn teams(reg: &Registries<'_>, plan: &Plan, targets: &[Target], seed: &str) -> Result<assign::Assigned, DrawError> {
    let rules = Rules::from_plan(plan);
    let board = Board::new(&rules, reg.inspectors, targets, reg.conflicts, &plan.history, reg.enterprises);
    assign::assign(&board, seed).map_err(|stuck| {
        let failure = Failure {
            rules: &rules,
            inspectors: reg.inspectors,
            targets,
            conflicts: reg.conflicts,
            history: &plan.history,
            reg: reg.enterprises,
            seed,
        };
        DrawError::Infeasible(Box::new(failure.explain(stuck)))
    })
}

/// Puts the parts together into the published document.
pub fn document(
    reg: &Registries<'_>,
    plan: &Plan,
    seed: &Seed,
    snapshots: Snapshots,
    strata: &[Stratum],
    teams: &assign::Teams,
) -> DrawDoc {
    let ent = reg.enterprises;
    let ids = |slots: &[u32]| slots.iter().map(|&i| reg.inspectors[i as usize].id.clone()).collect::<Vec<_>>();
    let size = plan.team.size;
    let assignments = strata
        .iter()
        .flat_map(|s| s.selected.iter().map(move |&row| (s, row)))
        .zip(teams)
        .map(|((s, row), team)| {
            let e = &ent.rows[row as usize];
            AssignmentDoc {
                uscc: e.uscc().to_string(),
                name: ent.name(e).to_string(),
                class: s.class.letter().to_string(),
                region: e.region().to_string(),
                ticket: ticket::ticket_string(&seed.ticket_hash(&e.uscc)),
                leader: reg.inspectors[team[0] as usize].id.clone(),
                inspectors: ids(&team[..size]),
                experts: ids(&team[size..]),
            }
        })
        .collect();
    DrawDoc {
        format: FORMAT.into(),
        algorithm: ALGORITHM.into(),
        plan_name: plan.name.clone(),
        seed: seed.text().to_string(),
        seed_hash: seed.hash_hex().to_string(),
        plan_digest: plan.digest(),
        snapshots,
        strata: strata
            .iter()
            .map(|s| StratumDoc {
                class: s.class.letter().into(),
                population: s.population,
                excluded: s.excluded,
                eligible: s.eligible,
                ratio: s.ratio.to_string(),
                sample_size: s.sample_size,
                cutoff: s.cutoff.clone(),
                selected: s.selected.iter().map(|&r| ent.rows[r as usize].uscc().to_string()).collect(),
            })
            .collect(),
        assignments,
        plan: plan.canonical(),
    }
}

/// The whole draw.
pub fn draw(reg: &Registries<'_>, plan: &Plan, seed_text: &str) -> Result<DrawDoc, DrawError> {
    let seed = Seed::new(seed_text);
    let (snaps, strata) = rayon::join(|| snapshots(reg), || select::select(reg.enterprises, plan, &seed));
    let targets = targets(reg.enterprises, &strata);
    let assigned = teams(reg, plan, &targets, seed_text)?;
    Ok(document(reg, plan, &seed, snaps, &strata, &assigned.teams))
}

/// The same draw with its phases one after another, calling `done(phase)`
/// as each ends ("snapshot roots", "tickets+selection", "assignment"), so
/// that `fairdraw draw --timings` can time them apart.
pub fn draw_in_phases(
    reg: &Registries<'_>,
    plan: &Plan,
    seed_text: &str,
    mut done: impl FnMut(&'static str),
) -> Result<DrawDoc, DrawError> {
    let seed = Seed::new(seed_text);
    let snaps = snapshots(reg);
    done("snapshot roots");
    let strata = select::select(reg.enterprises, plan, &seed);
    done("tickets+selection");
    let targets = targets(reg.enterprises, &strata);
    let assigned = teams(reg, plan, &targets, seed_text)?;
    done("assignment");
    Ok(document(reg, plan, &seed, snaps, &strata, &assigned.teams))
}
