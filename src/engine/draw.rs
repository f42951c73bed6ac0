//! The draw: a pure function of (registries, plan, seed) to the draw
//! document of spec §9. Nothing here reads files, clocks or global RNGs.
//!
//! A large draw's assignments outweigh everything else the document holds
//! (at 1e7 enterprises, ~440,000 of them, each eight strings), so
//! [`draw_parts`] keeps them as the draw made them — rows and inspector
//! slots — and [`Made`] writes each one only when it is serialized or
//! compared: `fairdraw draw` streams the document to its file and `fairdraw
//! verify` compares it as it reads, neither holding it whole. [`draw`] makes
//! the same document with its assignments held, for the log and the server.

use std::borrow::Cow;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::engine::assign;
use crate::engine::board::{Board, Rules, Target};
use crate::engine::diagnose::{Failure, Infeasible};
use crate::engine::regions::{self, Selection};
use crate::input::plan::{Plan, ALGORITHM};
use crate::model::registry::{Class, Enterprise, Enterprises, Registries};
use crate::model::snapshot;
use crate::model::ticket::{self, Seed};

pub const FORMAT: &str = "fairdraw-draw/1";

/// The `class` of the feedback stratum in a draw document (spec §6.4, §9).
pub const FEEDBACK_CLASS: &str = "feedback";

/// Why a draw has no document.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    /// No team assignment satisfies the plan's rules; says which target and rule.
    #[error("no valid inspector assignment exists\n{0}")]
    Infeasible(Box<Infeasible>),
}

/// The draw document. `A` holds its assignments: a `Vec` read back or
/// collected, or [`Made`] while a draw is written or verified; both
/// serialize the same bytes because they share this one definition.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DrawDoc<A = Vec<AssignmentDoc>> {
    pub format: String,
    pub algorithm: String,
    pub plan_name: String,
    pub seed: String,
    pub seed_hash: String,
    pub plan_digest: String,
    pub snapshots: Snapshots,
    pub strata: Vec<StratumDoc>,
    /// Only with region strata (spec §6.1, §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floors: Option<Vec<FloorDoc>>,
    pub assignments: A,
    pub plan: Value,
}

/// What a document's assignments are read through, held or made.
pub trait Assignments {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The assignment at `i` (below `len`) in document order.
    fn get(&self, i: usize) -> Cow<'_, AssignmentDoc>;
    /// The assignments in document order.
    fn each(&self) -> impl Iterator<Item = Cow<'_, AssignmentDoc>> {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl Assignments for Vec<AssignmentDoc> {
    fn len(&self) -> usize {
        <[AssignmentDoc]>::len(self)
    }
    fn get(&self, i: usize) -> Cow<'_, AssignmentDoc> {
        Cow::Borrowed(&self[i])
    }
}

/// The assignments as the draw made them: each target's row and team,
/// turned into an [`AssignmentDoc`] only when asked for.
pub struct Made<'a> {
    reg: &'a Registries<'a>,
    seed: &'a Seed,
    team_size: usize,
    /// Targets in document order, with their class.
    targets: Vec<(Class, u32)>,
    teams: assign::Teams,
}

impl Made<'_> {
    fn make(&self, i: usize) -> AssignmentDoc {
        let (class, row) = self.targets[i];
        let e = &self.reg.enterprises.rows[row as usize];
        let id = |slot: u32| self.reg.inspectors[slot as usize].id.clone();
        assignment_doc(self.seed, e, self.reg.enterprises.name(e), class, &self.teams[i], self.team_size, id)
    }

    /// The same assignments, copied out of the registries.
    fn detach(self) -> Detached {
        let mut names = String::new();
        let firms = self
            .targets
            .iter()
            .map(|&(class, row)| {
                let mut e = self.reg.enterprises.rows[row as usize];
                let name = self.reg.enterprises.name(&e);
                e.set_name_start(names.len() as u64);
                names.push_str(name);
                (class, e)
            })
            .collect();
        Detached {
            seed: self.seed.clone(),
            team_size: self.team_size,
            firms,
            names,
            ids: self.reg.inspectors.iter().map(|i| i.id.clone()).collect(),
            teams: self.teams,
        }
    }
}

/// One assignment's document: its firm (whose name is `name`), class and
/// team (`team_size` inspectors, then experts), the roster's ids by `id`.
fn assignment_doc(
    seed: &Seed,
    e: &Enterprise,
    name: &str,
    class: Class,
    team: &[u32],
    team_size: usize,
    id: impl Fn(u32) -> String,
) -> AssignmentDoc {
    let ids = |slots: &[u32]| slots.iter().map(|&s| id(s)).collect();
    AssignmentDoc {
        uscc: e.uscc().to_string(),
        name: name.to_string(),
        class: class.letter().to_string(),
        region: e.region().to_string(),
        ticket: ticket::ticket_string(&seed.ticket_hash(&e.uscc)),
        leader: id(team[0]),
        inspectors: ids(&team[..team_size]),
        experts: ids(&team[team_size..]),
    }
}

/// [`Made`]'s assignments with what they need of the registries copied out
/// (each target's row and name, the roster's ids), so that the registries
/// can be freed while assignments are still made one at a time: for a 1e7
/// draw about 40 MB, where held [`AssignmentDoc`]s take about 200 MB.
/// `fairdraw verify` frees the registries this way before it reads the
/// published document to compare.
pub struct Detached {
    seed: Seed,
    team_size: usize,
    /// Targets in document order, with their class; names point into `names`.
    firms: Vec<(Class, Enterprise)>,
    names: String,
    /// The roster's ids, by position.
    ids: Vec<String>,
    teams: assign::Teams,
}

impl Assignments for Detached {
    fn len(&self) -> usize {
        self.firms.len()
    }
    fn get(&self, i: usize) -> Cow<'_, AssignmentDoc> {
        let (class, e) = &self.firms[i];
        let id = |slot: u32| self.ids[slot as usize].clone();
        let name = &self.names[e.name_range()];
        Cow::Owned(assignment_doc(&self.seed, e, name, *class, &self.teams[i], self.team_size, id))
    }
}

impl Assignments for Made<'_> {
    fn len(&self) -> usize {
        self.targets.len()
    }
    fn get(&self, i: usize) -> Cow<'_, AssignmentDoc> {
        Cow::Owned(self.make(i))
    }
}

impl Serialize for Made<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.each())
    }
}

impl Serialize for Detached {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.each())
    }
}

impl DrawDoc<Made<'_>> {
    /// The document with its assignments detached from the registries.
    pub fn detached(self) -> DrawDoc<Detached> {
        let (rest, made) = self.replace_assignments(());
        rest.replace_assignments(made.detach()).0
    }

    /// The document with every assignment made and held.
    pub fn into_held(self) -> DrawDoc {
        use rayon::prelude::*;
        let (rest, made) = self.replace_assignments(());
        // Each assignment reads its firm's row and name at random places
        // in the registry: the misses overlap better on every core.
        let held = (0..made.len()).into_par_iter().map(|i| made.make(i)).collect();
        rest.replace_assignments(held).0
    }
}

impl<A> DrawDoc<A> {
    /// The same document with `assignments` instead of its own, and its own.
    pub fn replace_assignments<B>(self, assignments: B) -> (DrawDoc<B>, A) {
        let DrawDoc {
            format, algorithm, plan_name, seed, seed_hash, plan_digest, snapshots, strata, floors, plan, ..
        } = self;
        let doc = DrawDoc {
            format,
            algorithm,
            plan_name,
            seed,
            seed_hash,
            plan_digest,
            snapshots,
            strata,
            floors,
            assignments,
            plan,
        };
        (doc, self.assignments)
    }
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
    /// Only in a (class, region) stratum (spec §6.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub population: u64,
    pub excluded: u64,
    pub eligible: u64,
    pub ratio: String,
    pub sample_size: u64,
    pub cutoff: Option<String>,
    pub selected: Vec<String>,
}

/// One region's floor (spec §6.1, §9).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct FloorDoc {
    pub region: String,
    pub eligible: u64,
    pub drawn: u64,
    pub floor: u64,
    pub top_up: Vec<String>,
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

/// Targets in assignment order: strata A→D, each in ticket order, then
/// any floor top-ups (spec §8.2).
pub fn targets(reg: &Enterprises, selection: &Selection) -> Vec<Target> {
    selection.targets(reg).into_iter().map(|(_, row)| Target { row, region: reg.rows[row as usize].region }).collect()
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
pub fn document<'a>(
    reg: &'a Registries<'a>,
    plan: &Plan,
    seed: &'a Seed,
    snapshots: Snapshots,
    selection: &Selection,
    teams: assign::Teams,
) -> DrawDoc<Made<'a>> {
    let ent = reg.enterprises;
    let uscc = |r: &u32| ent.rows[*r as usize].uscc().to_string();
    let targets = selection.targets(ent);
    DrawDoc {
        format: FORMAT.into(),
        algorithm: ALGORITHM.into(),
        plan_name: plan.name.clone(),
        seed: seed.text().to_string(),
        seed_hash: seed.hash_hex().to_string(),
        plan_digest: plan.digest(),
        snapshots,
        strata: selection
            .strata
            .iter()
            .map(|s| StratumDoc {
                class: s.class.map_or(FEEDBACK_CLASS, |c| c.letter()).into(),
                region: s.region.clone(),
                population: s.population,
                excluded: s.excluded,
                eligible: s.eligible,
                ratio: s.ratio.to_string(),
                sample_size: s.sample_size,
                cutoff: s.cutoff.clone(),
                selected: s.selected.iter().map(uscc).collect(),
            })
            .collect(),
        floors: selection.floors.as_ref().map(|floors| {
            floors
                .iter()
                .map(|f| FloorDoc {
                    region: f.region.clone(),
                    eligible: f.eligible,
                    drawn: f.drawn,
                    floor: f.floor,
                    top_up: f.top_up.iter().map(uscc).collect(),
                })
                .collect()
        }),
        assignments: Made { reg, seed, team_size: plan.slot_counts().0, targets, teams },
        plan: plan.canonical(),
    }
}

/// The whole draw, its assignments held.
pub fn draw(reg: &Registries<'_>, plan: &Plan, seed_text: &str) -> Result<DrawDoc, DrawError> {
    let seed = Seed::new(seed_text);
    Ok(draw_parts(reg, plan, &seed, |_| {})?.into_held())
}

/// The whole draw with its phases one after another, calling `done(phase)`
/// as each ends ("snapshot roots", "tickets+selection", "assignment"), so
/// that `fairdraw draw --timings` can time them apart; its assignments are
/// made as they are read.
pub fn draw_parts<'a>(
    reg: &'a Registries<'a>,
    plan: &Plan,
    seed: &'a Seed,
    mut done: impl FnMut(&'static str),
) -> Result<DrawDoc<Made<'a>>, DrawError> {
    let snaps = snapshots(reg);
    done("snapshot roots");
    let selection = regions::selection(reg.enterprises, plan, seed);
    done("tickets+selection");
    let targets = targets(reg.enterprises, &selection);
    let assigned = teams(reg, plan, &targets, seed.text())?;
    done("assignment");
    Ok(document(reg, plan, seed, snaps, &selection, assigned.teams))
}
