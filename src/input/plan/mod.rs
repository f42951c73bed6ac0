//! Inspection plans (spec §3): TOML in, a validated plan and its canonical
//! JSON form out. Files a plan names are read through `Source`s supplied by
//! the caller, so this module never touches the filesystem itself.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::input::error::{InputError, Problem, Problems};
use crate::input::range::{Range, RangeKind};
use crate::input::ratio::{Ratio, RatioError};
use crate::input::registry::split_set;
use crate::input::table::{self, Source};
use crate::model::canonical;
use crate::model::date::Date;
use crate::model::dormancy;
use crate::model::fields::Field;
use crate::model::fields::ENTERPRISE_FIELDS;
use crate::model::registry::{Class, Status};
use crate::model::result::{method_word, NOT_A_METHOD, OFF_SITE, ON_SITE};
use crate::model::uscc;

pub const ALGORITHM: &str = "fairdraw-v1";

/// The largest integer a plan (or a draw document) may hold: 2^53 − 1, the
/// largest that every verifier's language represents exactly (spec §3.2).
pub const MAX_INTEGER: u64 = (1 << 53) - 1;

/// The largest `team.size` and `team.experts`: every target carries that many
/// slots, so a typo must not allocate millions of them (spec §3.2).
pub const MAX_TEAM: u64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionRule {
    Any,
    Same,
    Different,
}

impl RegionRule {
    pub fn label(self) -> &'static str {
        match self {
            RegionRule::Any => "any",
            RegionRule::Same => "same",
            RegionRule::Different => "different",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    General,
    Key,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub item: String,
    pub code: String,
    pub basis: String,
    pub department: String,
    pub category: Category,
    pub method: String,
    pub ceiling: Option<Ratio>,
}

#[derive(Clone, Debug)]
pub struct Scope {
    pub statuses: Vec<Status>,
    pub regions: Vec<String>,
    pub industries: Vec<String>,
    /// `(column, value)` pairs, sorted by column.
    pub where_: Vec<(String, String)>,
    /// `scope.range` (spec §6.2), sorted by column.
    pub ranges: Vec<Range>,
    /// `scope.wake` (spec §6.3); `None` when the plan does not wake firms.
    pub wake: Option<Wake>,
}

#[derive(Clone, Debug)]
pub struct Team {
    pub size: usize,
    /// In plan order; the draw puts the initiating department first.
    pub departments: Vec<String>,
    pub region: RegionRule,
    pub max_targets_per_inspector: Option<u64>,
    pub qualifications: Vec<String>,
    pub experts: usize,
    pub rotation: bool,
    /// Inspector slots of an off-site target (spec §8.6): 1 or 2.
    pub reviewers: usize,
}

/// A validated plan, every default applied.
#[derive(Clone, Debug)]
pub struct Plan {
    pub name: String,
    pub department: String,
    pub inspection_date: Option<Date>,
    pub ratios: [Ratio; 4],
    pub min: [u64; 4],
    pub max: [Option<u64>; 4],
    pub scope: Scope,
    pub items: Vec<Item>,
    pub exclude: Vec<String>,
    /// Annual cap across all plans, enforced from the audit log at commit.
    pub max_draws_per_year: Option<u64>,
    pub team: Team,
    /// The effective method (spec §8.6): one of `model::result::METHODS`.
    pub method: &'static str,
    /// `(uscc, inspector_id)` pairs barred by rotation, sorted.
    pub history: Vec<(String, String)>,
    /// How long the drawn list stays sealed (audit/LOG-FORMAT.md, "Embargo").
    pub embargo: Option<Embargo>,
    /// The batch of a logged annual plan this plan draws, added at commit
    /// (audit/LOG-FORMAT.md "Annual plans and batches"); `None` stand-alone.
    pub annual: Option<AnnualRef>,
    /// Region strata and floors (spec §6.1); `None`: one stratum per class.
    pub strata: Option<RegionStrata>,
    /// The feedback stratum (spec §6.4); `None`: no feedback.
    pub feedback: Option<Feedback>,
    /// Where the plan was read from; not part of the canonical plan.
    pub origin: Origin,
    /// Burden-ledger caps applied at commit (audit/LOG-FORMAT.md, "The
    /// burden ledger and caps").
    pub caps: Caps,
}

/// The plan's `[caps]`: each unset one does not apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    pub visits_per_firm_per_year: Option<u64>,
    pub on_site_per_department_per_year: Option<u64>,
    pub same_item_per_year: Option<u64>,
}

impl Caps {
    /// The canonical `caps` object (spec §3.3): only the caps set, `None`
    /// when none is (the key is then absent and the digest unchanged).
    pub fn canonical(self) -> Option<Value> {
        let mut m = serde_json::Map::new();
        for (key, cap) in self.named() {
            if let Some(n) = cap {
                m.insert(key.into(), json!(n));
            }
        }
        (!m.is_empty()).then_some(Value::Object(m))
    }

    /// Each cap with its plan key.
    pub fn named(self) -> [(&'static str, Option<u64>); 3] {
        [
            ("visits_per_firm_per_year", self.visits_per_firm_per_year),
            ("on_site_per_department_per_year", self.on_site_per_department_per_year),
            ("same_item_per_year", self.same_item_per_year),
        ]
    }
}

/// A batch plan's reference to its annual plan: the `AnnualPlan` entry's id
/// and the batch's name (spec §3.3 `annual`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnualRef {
    pub plan: String,
    pub batch: String,
}

/// The largest `embargo_working_days` (spec §3.2).
pub const MAX_EMBARGO_WORKING_DAYS: u64 = 365;

/// A plan's embargo (spec §3, §3.3): the list and teams stay sealed until a
/// date, or for so many working days after the reveal. It never changes the
/// draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Embargo {
    Until(Date),
    WorkingDays(u32),
}

impl Embargo {
    /// The canonical form (spec §3.3): `{"until": date}` or `{"working_days": n}`.
    pub fn canonical(self) -> Value {
        match self {
            Embargo::Until(d) => json!({"until": d.to_string()}),
            Embargo::WorkingDays(n) => json!({"working_days": n}),
        }
    }
}

/// Where a plan was read from, for problems that only a later input reveals
/// (a department no inspector of the roster belongs to).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The file (or request part) the plan came from.
    pub label: String,
    /// 1-based lines of `team.departments` and `team.qualifications`; 0 when
    /// unknown (a plan read back from the log).
    pub departments_line: u64,
    pub qualifications_line: u64,
}

/// Opens a file the plan names (relative to the plan).
pub type Opener<'a> = dyn Fn(&str) -> Box<dyn Source + 'a> + 'a;

impl Plan {
    /// The canonical plan object (spec §3.3).
    pub fn canonical(&self) -> Value {
        let mut plan = self.canonical_without_embargo();
        // Only a plan with an embargo has the key: plans without one keep
        // their digest (spec §3.3).
        if let Some(e) = self.embargo {
            plan["embargo"] = e.canonical();
        }
        // Likewise `scope.range`, `scope.wake`, `caps` and `strata` (spec §3.3, §6.1-§6.3).
        if !self.scope.ranges.is_empty() {
            plan["scope"]["range"] = self.scope.ranges.iter().map(|r| json!([r.column, r.min, r.max])).collect();
        }
        if let Some(w) = &self.scope.wake {
            plan["scope"]["wake"] = w.canonical();
        }
        if let Some(caps) = self.caps.canonical() {
            plan["caps"] = caps;
        }
        // Likewise only a batch of an annual plan has `annual`.
        if let Some(a) = &self.annual {
            plan["annual"] = json!({"plan": a.plan, "batch": a.batch});
        }
        if let Some(s) = self.strata {
            plan["strata"] = json!({"region_digits": s.region_digits, "floor": s.floor.to_string()});
        }
        if let Some(f) = &self.feedback {
            plan["feedback"] = f.canonical();
        }
        // Only an off-site plan names its method and reviewers (spec §8.6).
        if self.off_site() {
            plan["method"] = json!(self.method);
            plan["team"]["reviewers"] = json!(self.team.reviewers);
        }
        plan
    }

    /// Whether targets are checked off-site (spec §8.6).
    pub fn off_site(&self) -> bool {
        self.method != ON_SITE
    }

    /// Inspector slots and expert slots of every target (spec §8.2, §8.6).
    pub fn slot_counts(&self) -> (usize, usize) {
        if self.off_site() {
            (self.team.reviewers, 0)
        } else {
            (self.team.size, self.team.experts)
        }
    }

    fn canonical_without_embargo(&self) -> Value {
        let per_class = |f: &dyn Fn(usize) -> Value| -> Value {
            let mut m = serde_json::Map::new();
            for c in Class::ALL {
                m.insert(c.letter().into(), f(c as usize));
            }
            Value::Object(m)
        };
        let mut statuses: Vec<&str> = self.scope.statuses.iter().map(|s| s.label()).collect();
        statuses.sort();
        json!({
            "algorithm": ALGORITHM,
            "name": self.name,
            "department": self.department,
            "inspection_date": self.inspection_date.map(|d| d.to_string()).unwrap_or_default(),
            "ratios": per_class(&|i| json!(self.ratios[i].to_string())),
            "min": per_class(&|i| json!(self.min[i])),
            "max": per_class(&|i| json!(self.max[i])),
            "scope": {
                "statuses": statuses,
                "regions": self.scope.regions,
                "industries": self.scope.industries,
                "where": self.scope.where_.iter().map(|(c, v)| json!([c, v])).collect::<Vec<_>>(),
            },
            "items": self.items.iter().map(|i| json!({
                "item": i.item, "code": i.code, "basis": i.basis, "department": i.department,
                "category": match i.category { Category::General => "general", Category::Key => "key" },
                "method": i.method, "ceiling": i.ceiling.map(|c| c.to_string()),
            })).collect::<Vec<_>>(),
            "exclude": self.exclude,
            "max_draws_per_year": self.max_draws_per_year,
            "team": {
                "size": self.team.size,
                "departments": self.team.departments,
                "region": self.team.region.label(),
                "max_targets_per_inspector": self.team.max_targets_per_inspector,
                "qualifications": self.team.qualifications,
                "experts": self.team.experts,
                "rotation": self.team.rotation,
            },
            "history": self.history.iter().map(|(u, i)| json!([u, i])).collect::<Vec<_>>(),
        })
    }

    /// `hex(SHA-256(canonical_json(plan)))`.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(canonical::to_bytes(&self.canonical())))
    }

    /// Columns the plan filters on, as named in `scope.where` and
    /// `scope.range` (spec §5): the registry keeps them for the snapshot.
    pub fn where_columns(&self) -> Vec<String> {
        self.scope
            .where_
            .iter()
            .map(|(c, _)| c.clone())
            .chain(self.scope.ranges.iter().map(|r| r.column.clone()))
            .collect()
    }

    /// The extra columns of an enterprise leaf under this plan (spec §5):
    /// the filter columns that are not §1.1 fields, and `established`,
    /// sorted; then `dormant_from`, `dormant_until` when the plan has
    /// `scope.wake` (spec §6.3).
    pub fn leaf_extras(&self) -> Vec<String> {
        let mut columns: Vec<String> = self
            .where_columns()
            .into_iter()
            .filter(|c| c == ESTABLISHED || table::field_index(ENTERPRISE_FIELDS, c).is_none())
            .collect();
        columns.sort();
        columns.dedup();
        if self.scope.wake.is_some() {
            columns.extend([dormancy::DORMANT_FROM.to_string(), dormancy::DORMANT_UNTIL.to_string()]);
        }
        columns
    }

    /// The kind of each ranged column, so that the registry checks and
    /// normalises its values (spec §6.2).
    pub fn range_kinds(&self) -> Vec<(String, RangeKind)> {
        self.scope.ranges.iter().map(|r| (r.column.clone(), r.kind)).collect()
    }

    /// Departments in slot order: the initiating one first (spec §8.2).
    pub fn slot_departments(&self) -> Vec<String> {
        let mut d = self.team.departments.clone();
        if let Some(pos) = d.iter().position(|x| *x == self.department) {
            let lead = d.remove(pos);
            d.insert(0, lead);
        }
        d
    }
}

pub mod annual;
pub mod feedback;
mod parse;
mod side_files;
pub mod stored;
mod strata;
mod wake;
pub use feedback::Feedback;
pub use wake::Wake;

use feedback::*;
use parse::*;
use side_files::*;
use strata::*;
pub use strata::{RegionStrata, ESTABLISHED};
