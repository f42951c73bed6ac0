//! Loading a draw's inputs from paths: the one place the engine meets the
//! filesystem. A path ending in .xlsx (or another workbook extension) is
//! read as a workbook's first sheet (spec §1.6), any other as CSV. The plan is read first because its `scope.where` columns
//! decide which extra registry columns are kept.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::input::error::{InputError, Problem, Problems};
use crate::input::plan::Plan;
use crate::input::registry;
use crate::input::table::{FileSource, Source};
use crate::input::xlsx::{self, SheetSource};
use crate::model::registry::{Enterprises, Inspector};

pub struct InputPaths {
    pub enterprises: PathBuf,
    pub inspectors: PathBuf,
    pub conflicts: Option<PathBuf>,
    pub plan: PathBuf,
}

/// Validated inputs of one draw.
pub struct Inputs {
    pub plan: Plan,
    pub enterprises: Enterprises,
    pub inspectors: Vec<Inspector>,
    pub conflicts: Vec<(u32, u32)>,
}

impl Inputs {
    pub fn registries(&self) -> crate::model::registry::Registries<'_> {
        crate::model::registry::Registries {
            enterprises: &self.enterprises,
            inspectors: &self.inspectors,
            conflicts: &self.conflicts,
        }
    }
}

/// A table named by path: a workbook's first sheet (spec §1.6) or a CSV file.
pub enum TableFile {
    Csv(FileSource),
    Sheet(SheetSource),
}

impl TableFile {
    pub fn open(path: &Path) -> TableFile {
        if xlsx::is_workbook(path) {
            TableFile::Sheet(SheetSource::open(path))
        } else {
            TableFile::Csv(FileSource::new(path))
        }
    }

    fn sheet(&self) -> Option<&SheetSource> {
        match self {
            TableFile::Sheet(s) => Some(s),
            TableFile::Csv(_) => None,
        }
    }
}

impl Source for TableFile {
    fn label(&self) -> &str {
        match self {
            TableFile::Csv(c) => c.label(),
            TableFile::Sheet(s) => s.label(),
        }
    }
    fn open(&self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        match self {
            TableFile::Csv(c) => c.open(),
            TableFile::Sheet(s) => s.open(),
        }
    }
}

/// A workbook a plan names, kept after the plan is read so that its
/// problems can be told by cell.
struct SharedSheet(Rc<SheetSource>);

impl Source for SharedSheet {
    fn label(&self) -> &str {
        self.0.label()
    }
    fn open(&self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        self.0.open()
    }
}

pub fn load_plan(path: &Path) -> Result<Plan, InputError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| InputError::Read { path: label.clone(), source: e })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        InputError::input(
            &label,
            0,
            "",
            "",
            format!("plan is not UTF-8 (byte {}); save it as UTF-8", e.utf8_error().valid_up_to()),
        )
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let sheets: RefCell<Vec<Rc<SheetSource>>> = RefCell::default();
    let open = |name: &str| -> Box<dyn Source> {
        let path = dir.join(name);
        if xlsx::is_workbook(&path) {
            let sheet = Rc::new(SheetSource::open(&path));
            sheets.borrow_mut().push(Rc::clone(&sheet));
            Box::new(SharedSheet(sheet))
        } else {
            Box::new(FileSource::new(path))
        }
    };
    let plan = Plan::parse(&text, &label, &open);
    let sheets = sheets.borrow();
    xlsx::settle(&sheets.iter().map(|s| &**s).collect::<Vec<_>>(), plan)
}

/// Reads and validates everything, reporting the problems of every file
/// together before giving up.
pub fn load(paths: &InputPaths) -> Result<Inputs, InputError> {
    let plan = load_plan(&paths.plan)?;
    let enterprises = TableFile::open(&paths.enterprises);
    let inspectors = TableFile::open(&paths.inspectors);
    let conflicts = paths.conflicts.as_deref().map(TableFile::open);
    let loaded =
        load_registries(plan, &enterprises, &inspectors, conflicts.as_ref().map(|c| c as &(dyn Source + Sync)));
    let sheets: Vec<&SheetSource> = [Some(&enterprises), Some(&inspectors), conflicts.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(TableFile::sheet)
        .collect();
    xlsx::settle(&sheets, loaded)
}

/// Reads the registries for an already parsed plan, from any sources (files,
/// or bytes posted to the server).
pub fn load_registries(
    plan: Plan,
    enterprises: &(dyn Source + Sync),
    inspectors_source: &(dyn Source + Sync),
    conflicts: Option<&(dyn Source + Sync)>,
) -> Result<Inputs, InputError> {
    let mut problems = Problems::default();
    let mut collect = |r: Result<(), InputError>| -> Result<(), InputError> {
        match r {
            Ok(()) => Ok(()),
            Err(InputError::Problems(p)) => {
                problems.extend(p);
                Ok(())
            }
            Err(other) => Err(other),
        }
    };
    let (ent, insp) = rayon::join(
        || registry::read_enterprises_ranged(enterprises, &plan.leaf_extra_columns(), &plan.range_kinds()),
        || registry::read_inspectors(inspectors_source),
    );
    let (enterprises, inspectors) = match (ent, insp) {
        (Ok(e), Ok(i)) => (e, i),
        (e, i) => {
            collect(e.map(drop))?;
            collect(i.map(drop))?;
            return Err(InputError::Problems(problems));
        }
    };
    let conflicts = match conflicts.map(|c| registry::read_conflicts(c, &inspectors, &enterprises)) {
        Some(Ok(pairs)) => pairs,
        Some(Err(e)) => {
            collect(Err(e))?;
            Vec::new()
        }
        None => Vec::new(),
    };
    problems.extend(unknown_to_the_roster(&plan, &inspectors, inspectors_source.label()));
    problems.into_result()?;
    Ok(Inputs { plan, enterprises, inspectors, conflicts })
}

/// How many known names a message lists before it only counts the rest.
const KNOWN_NAMES_SHOWN: usize = 30;

/// The plan's team departments and qualifications that nobody in the roster
/// (active or not, inspector or expert) has. Such a name is almost always a
/// typo, and drawing anyway would only report an infeasible assignment.
pub fn unknown_to_the_roster(plan: &Plan, inspectors: &[Inspector], roster: &str) -> Problems {
    let departments: BTreeSet<&str> = inspectors.iter().map(|i| i.department.as_str()).collect();
    let qualifications: BTreeSet<&str> =
        inspectors.iter().flat_map(|i| i.qualifications.iter().map(String::as_str)).collect();
    let origin = &plan.origin;
    let rules = [
        ("team.departments", origin.departments_line, &plan.team.departments, &departments, "department", "belongs to"),
        (
            "team.qualifications",
            origin.qualifications_line,
            &plan.team.qualifications,
            &qualifications,
            "qualification",
            "holds",
        ),
    ];
    let mut problems = Problems::default();
    for (key, line, wanted, known, what, verb) in rules {
        let mut listed: Vec<&str> = known.iter().copied().take(KNOWN_NAMES_SHOWN).collect();
        if known.len() > KNOWN_NAMES_SHOWN {
            listed.push("…");
        }
        let listed = if known.is_empty() { "none".to_string() } else { listed.join(", ") };
        for name in wanted.iter().filter(|n| !known.contains(n.as_str())) {
            problems.push(Problem {
                file: origin.label.clone(),
                line,
                column: key.to_string(),
                value: name.clone(),
                message: format!("unknown {what}: no one in {roster} {verb} it ({what}s there: {listed})"),
            });
        }
    }
    problems
}
