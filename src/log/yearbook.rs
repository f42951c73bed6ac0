//! One year of a log as the exports and the statistics read it
//! (audit/LOG-FORMAT.md, "Exports" and "Statistics"): the year's revealed
//! draws, their published results (amendments applied) and the follow-ups
//! of those results. Everything here comes from the public entries, so an
//! auditor can recount every figure from the log or from the open-data
//! export.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::entry::{Entry, Kind};
use super::store::Log;
use crate::model::date::Date;

/// A revealed draw of the year.
#[derive(Clone, Debug)]
pub struct YearDraw {
    /// The DrawResult's id.
    pub id: String,
    pub commitment: String,
    /// The China date of the DrawResult.
    pub revealed_on: String,
    pub plan_name: String,
    pub department: String,
    pub method: String,
    pub items: Vec<String>,
    pub team_departments: Vec<String>,
    /// What the plan called for: the strata's sample sizes (a sealed draw's too).
    pub planned: BTreeMap<String, u64>,
    /// Per class: eligible and ratio (canonical string), from the strata; empty while sealed.
    pub strata: Vec<StratumFacts>,
    /// The public list; empty while sealed.
    pub visits: Vec<Visit>,
    /// The targets of the feedback stratum (spec §6.4): drawn at the
    /// feedback ratio, not their class's.
    pub feedback: BTreeSet<String>,
    /// Sealed and not yet published.
    pub sealed: bool,
    /// The plan draws by class × region (spec §6.1): its per-region counts
    /// are set by the plan, not by chance.
    pub region_strata: bool,
}

impl YearDraw {
    /// More than one department in the team: a joint visit (联合抽查).
    pub fn joint(&self) -> bool {
        self.team_departments.len() > 1
    }

    pub fn off_site(&self) -> bool {
        self.method != "on_site"
    }
}

#[derive(Clone, Debug)]
pub struct StratumFacts {
    pub class: String,
    pub eligible: u64,
    pub ratio: String,
    pub sample_size: u64,
}

/// One drawn target and its team.
#[derive(Clone, Debug)]
pub struct Visit {
    pub uscc: String,
    pub name: String,
    pub class: String,
    pub region: String,
    pub leader: String,
    pub inspectors: Vec<String>,
    pub experts: Vec<String>,
}

/// One item × department line of a v2 result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultItem {
    pub item: String,
    pub department: String,
    pub codes: Vec<String>,
    pub findings: String,
}

impl ResultItem {
    pub fn found_problem(&self) -> bool {
        crate::model::result::found_problem(&self.codes)
    }
}

/// A result whose current state (amendments applied) is 已公示.
#[derive(Clone, Debug)]
pub struct Published {
    pub id: String,
    pub draw: String,
    pub uscc: String,
    /// The China date of the entry that made it 已公示.
    pub published_on: String,
    /// 1 (the seven categories) or 2 (codes per item × department).
    pub format: u64,
    /// "" when the result's `inspection_date` is not a string (see `dated`).
    pub inspection_date: String,
    /// Whether `inspection_date` was a string: feedback rule 1 leaves the
    /// others out (LOG-FORMAT "Feedback from results").
    pub dated: bool,
    /// v2 only ("" for v1).
    pub method: String,
    /// v2 only (empty for v1).
    pub items: Vec<ResultItem>,
    /// v1 only ("" for v2).
    pub category: String,
    /// v1 only ("" for v2).
    pub findings: String,
}

impl Published {
    /// Found a problem: some v2 item did (v1 results never count).
    pub fn found_problem(&self) -> bool {
        self.items.iter().any(ResultItem::found_problem)
    }
}

/// A FollowUp entry of one of the year's published results.
#[derive(Clone, Debug)]
pub struct FollowUp {
    pub id: String,
    pub result: String,
    pub uscc: String,
    pub action: String,
    pub due: String,
    pub closed: bool,
}

impl FollowUp {
    /// Open and due before `today`.
    pub fn overdue(&self, today: Date) -> bool {
        !self.closed && Date::parse(&self.due).is_ok_and(|due| due < today)
    }
}

/// One year of a log.
#[derive(Clone, Debug, Default)]
pub struct Yearbook {
    pub year: u64,
    pub draws: Vec<YearDraw>,
    pub results: Vec<Published>,
    pub follow_ups: Vec<FollowUp>,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn texts(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(String::from)).collect()
}

impl Yearbook {
    /// Reads year `year` from the valid entries of `log`.
    pub fn read(log: &Log, year: u64) -> Yearbook {
        let entries: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
        Yearbook::from_entries(&entries, year)
    }

    /// Every year of `log` at once (`year` is 0): the results of a period
    /// may span years.
    pub fn read_all(log: &Log) -> Yearbook {
        let entries: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
        Yearbook::from_entries_of(&entries, None)
    }

    /// [`Yearbook::read`] over (id, entry) pairs in log order.
    pub fn from_entries(entries: &[(String, &Entry)], year: u64) -> Yearbook {
        Yearbook::from_entries_of(entries, Some(year))
    }

    fn from_entries_of(entries: &[(String, &Entry)], year: Option<u64>) -> Yearbook {
        let by_id: HashMap<&str, &Entry> = entries.iter().map(|(id, e)| (id.as_str(), *e)).collect();
        let publications: HashMap<String, &Entry> = entries
            .iter()
            .filter(|(_, e)| e.kind == Kind::DrawPublication)
            .map(|(_, e)| (text(&e.body["result"]), *e))
            .collect();
        let replacements = super::replace::by_draw(entries);
        let mut book = Yearbook { year: year.unwrap_or(0), ..Yearbook::default() };
        for (id, e) in entries.iter().filter(|(_, e)| e.kind == Kind::DrawResult && e.body["outcome"] == "drawn") {
            let commitment_id = text(&e.body["commitment"]);
            let Some(commitment) = by_id.get(commitment_id.as_str()) else { continue };
            let of_year = year.is_none_or(|y| commitment.body["year"].as_u64() == Some(y));
            if commitment.kind != Kind::DrawCommitment || !of_year {
                continue;
            }
            let publication = publications.get(id.as_str());
            let replaced = replacements.get(id.as_str()).map_or(&[][..], Vec::as_slice);
            book.draws.push(year_draw(id, &commitment_id, e, commitment, publication.copied(), replaced));
        }
        let drawn: HashMap<&str, usize> = book.draws.iter().enumerate().map(|(k, d)| (d.id.as_str(), k)).collect();
        book.results = published_results(entries, |draw| drawn.contains_key(draw));
        book.follow_ups = follow_ups(entries, &book.results);
        book
    }

    /// The draw of this id.
    pub fn draw(&self, id: &str) -> Option<&YearDraw> {
        self.draws.iter().find(|d| d.id == id)
    }
}

fn year_draw(
    id: &str,
    commitment_id: &str,
    result: &Entry,
    commitment: &Entry,
    publication: Option<&Entry>,
    replacements: &[&Value],
) -> YearDraw {
    let plan = &commitment.body["plan"];
    let sealed = result.body.get("sealed").is_some() && publication.is_none();
    let document = publication.map_or(&result.body["draw"], |p| &p.body["draw"]);
    let strata_source = if sealed { &result.body["sealed"]["strata"] } else { &document["strata"] };
    // Region strata (spec §6.1) list a class once per region: sum them.
    let mut planned = BTreeMap::new();
    for s in strata_source.as_array().into_iter().flatten() {
        *planned.entry(text(&s["class"])).or_default() += s["sample_size"].as_u64().unwrap_or(0);
    }
    let region_strata = plan.get("strata").is_some();
    let strata = document["strata"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| StratumFacts {
            class: text(&s["class"]),
            eligible: s["eligible"].as_u64().unwrap_or(0),
            ratio: text(&s["ratio"]),
            sample_size: s["sample_size"].as_u64().unwrap_or(0),
        })
        .collect();
    let feedback = document["strata"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["class"] == crate::engine::draw::FEEDBACK_CLASS)
        .flat_map(|s| texts(&s["selected"]))
        .collect();
    // The teams as they stand: LOG-FORMAT "Replacing an inspector".
    let visits = super::replace::apply(&document["assignments"], replacements)
        .iter()
        .map(|a| Visit {
            uscc: text(&a["uscc"]),
            name: text(&a["name"]),
            class: text(&a["class"]),
            region: text(&a["region"]),
            leader: text(&a["leader"]),
            inspectors: texts(&a["inspectors"]),
            experts: texts(&a["experts"]),
        })
        .collect();
    YearDraw {
        id: id.to_string(),
        commitment: commitment_id.to_string(),
        revealed_on: result.china_date().to_string(),
        plan_name: text(&plan["name"]),
        department: text(&plan["department"]),
        method: plan["method"].as_str().unwrap_or("on_site").to_string(),
        items: plan["items"].as_array().into_iter().flatten().map(|i| text(&i["item"])).collect(),
        team_departments: texts(&plan["team"]["departments"]),
        planned,
        strata,
        visits,
        feedback,
        sealed,
        region_strata,
    }
}

/// The InspectionResult entries of the wanted draws, folded with their
/// Amendments (each amendment replaces the top-level fields it gives),
/// keeping those whose current state is 已公示.
pub(crate) fn published_results(entries: &[(String, &Entry)], wanted: impl Fn(&str) -> bool) -> Vec<Published> {
    struct Folded {
        id: String,
        draw: String,
        uscc: String,
        fields: Map<String, Value>,
        published_on: Option<String>,
    }
    let mut folded: Vec<Folded> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (id, e) in entries {
        let change = match e.kind {
            Kind::InspectionResult if wanted(e.body["draw"].as_str().unwrap_or_default()) => {
                at.insert(id.clone(), folded.len());
                folded.push(Folded {
                    id: id.clone(),
                    draw: text(&e.body["draw"]),
                    uscc: text(&e.body["uscc"]),
                    fields: Map::new(),
                    published_on: None,
                });
                folded.len() - 1
            }
            Kind::Amendment => match at.get(e.body["amends"].as_str().unwrap_or_default()) {
                Some(&k) => k,
                None => continue,
            },
            _ => continue,
        };
        let f = &mut folded[change];
        for (k, v) in e.body["result"].as_object().into_iter().flatten() {
            f.fields.insert(k.clone(), v.clone());
        }
        if f.published_on.is_none() && f.fields.get("state").and_then(Value::as_str) == Some("已公示") {
            f.published_on = Some(e.china_date().to_string());
        }
    }
    folded
        .into_iter()
        .filter(|f| f.fields.get("state").and_then(Value::as_str) == Some("已公示"))
        .map(|f| {
            let field = |name: &str| f.fields.get(name).map(text).unwrap_or_default();
            let format = f.fields.get("format").and_then(Value::as_u64).unwrap_or(1);
            let items = if format == 2 {
                f.fields
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|i| ResultItem {
                        item: text(&i["item"]),
                        department: text(&i["department"]),
                        codes: texts(&i["codes"]),
                        findings: text(&i["findings"]),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Published {
                inspection_date: field("inspection_date"),
                dated: f.fields.get("inspection_date").is_some_and(Value::is_string),
                method: if format == 2 { field("method") } else { String::new() },
                category: if format == 2 { String::new() } else { field("category") },
                findings: if format == 2 { String::new() } else { field("findings") },
                published_on: f.published_on.clone().unwrap_or_default(),
                format,
                items,
                id: f.id,
                draw: f.draw,
                uscc: f.uscc,
            }
        })
        .collect()
}

/// The FollowUp entries of the given results, each marked closed when a
/// FollowUpClosed names it (LOG-FORMAT "Follow-ups").
fn follow_ups(entries: &[(String, &Entry)], results: &[Published]) -> Vec<FollowUp> {
    let ours: std::collections::HashSet<&str> = results.iter().map(|r| r.id.as_str()).collect();
    let closed: std::collections::HashSet<String> = entries
        .iter()
        .filter(|(_, e)| e.kind.as_str() == "FollowUpClosed")
        .map(|(_, e)| text(&e.body["follow_up"]))
        .collect();
    entries
        .iter()
        .filter(|(_, e)| e.kind.as_str() == "FollowUp" && ours.contains(e.body["result"].as_str().unwrap_or_default()))
        .map(|(id, e)| FollowUp {
            id: id.clone(),
            result: text(&e.body["result"]),
            uscc: text(&e.body["uscc"]),
            action: text(&e.body["action"]),
            due: text(&e.body["due"]),
            closed: closed.contains(id),
        })
        .collect()
}
