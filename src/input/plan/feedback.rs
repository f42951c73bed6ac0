//! `[feedback]` (spec §6.4): firms flagged by their last results (or, when
//! the plan asks, by a wake-up) form a stratum of their own. The plan file
//! gives the ratio and the reasons; the flagged USCCs are added at commit
//! from the log (audit/LOG-FORMAT.md "Feedback from results") and can never
//! come from a plan file.

use super::parse::{ratio_value, shown, Ctx};
use super::*;

/// The reasons a log may flag a firm for (LOG-FORMAT "Feedback from
/// results"), in the order its rules apply.
pub const PROBLEM: &str = "problem";
pub const FOLLOW_UP: &str = "follow_up";
pub const WOKEN: &str = "woken";
pub const REASONS: [&str; 3] = [PROBLEM, FOLLOW_UP, WOKEN];
/// The reasons of a plan that does not list them (spec §3.2).
pub const DEFAULT_REASONS: [&str; 2] = [PROBLEM, FOLLOW_UP];

/// The plan's feedback stratum: its ratio, the reasons it flags firms for
/// (in rule order) and the USCCs the log flags (sorted, de-duplicated;
/// empty for a plan drawn outside a log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    pub ratio: Ratio,
    pub reasons: Vec<&'static str>,
    pub flagged: Vec<String>,
}

impl Feedback {
    /// The canonical `feedback` object (spec §3.3): `reasons` only when not
    /// the default, so plans written before it keep their digest.
    pub fn canonical(&self) -> Value {
        let mut v = json!({"ratio": self.ratio.to_string(), "flagged": self.flagged});
        if self.reasons != DEFAULT_REASONS {
            v["reasons"] = json!(self.reasons);
        }
        v
    }

    /// Whether the plan flags firms for this reason.
    pub fn uses(&self, reason: &str) -> bool {
        self.reasons.contains(&reason)
    }

    /// The stored form back; `None` for another shape, USCCs that are not
    /// sorted and distinct, or reasons not in their stored form.
    pub fn from_canonical(v: &Value) -> Option<Feedback> {
        let keys_known = v.as_object()?.keys().all(|k| ["ratio", "flagged", "reasons"].contains(&k.as_str()));
        let reasons = match v.get("reasons") {
            None => DEFAULT_REASONS.to_vec(),
            Some(r) => stored_reasons(r)?,
        };
        let ratio = Ratio::parse(v.get("ratio")?.as_str()?).ok().filter(|_| keys_known)?;
        let flagged = v
            .get("flagged")?
            .as_array()?
            .iter()
            .map(|u| u.as_str().filter(|u| uscc::validate(u).is_ok()).map(str::to_string))
            .collect::<Option<Vec<_>>>()?;
        // Sorted and de-duplicated (spec §3.3): the draw looks USCCs up by
        // binary search.
        flagged.windows(2).all(|w| w[0] < w[1]).then_some(Feedback { ratio, reasons, flagged })
    }

    /// Whether the log flags this USCC.
    pub fn flags(&self, code: &[u8]) -> bool {
        self.flagged.binary_search_by(|x| x.as_bytes().cmp(code)).is_ok()
    }
}

/// A stored `reasons` list (spec §3.3): known words, each once, in rule
/// order, not empty and not the default written out.
fn stored_reasons(v: &Value) -> Option<Vec<&'static str>> {
    let words = v.as_array()?.iter().map(|w| REASONS.iter().find(|r| Some(**r) == w.as_str()).copied());
    let reasons = words.collect::<Option<Vec<_>>>()?;
    let in_rule_order = reasons.windows(2).all(|w| rank(w[0]) < rank(w[1]));
    (in_rule_order && !reasons.is_empty() && reasons != DEFAULT_REASONS).then_some(reasons)
}

fn rank(reason: &str) -> usize {
    REASONS.iter().position(|r| *r == reason).unwrap_or(usize::MAX)
}

/// `reasons` of a plan file: a non-empty list of distinct known words,
/// returned in rule order; the problem otherwise.
fn reasons_value(value: &toml::Value) -> Result<Vec<&'static str>, String> {
    let list = value.as_array().ok_or("reasons must be a list of words, e.g. [\"woken\"]")?;
    let mut reasons = Vec::new();
    for word in list {
        let known = REASONS.iter().find(|r| Some(**r) == word.as_str()).copied();
        let reason = known.ok_or_else(|| format!("{} is not a reason: use {}", shown(word), REASONS.join(", ")))?;
        if reasons.contains(&reason) {
            return Err(format!("{reason:?} is listed twice"));
        }
        reasons.push(reason);
    }
    if reasons.is_empty() {
        return Err(format!("reasons is empty: list at least one of {} (or leave it out)", REASONS.join(", ")));
    }
    reasons.sort_by_key(|r| rank(r));
    Ok(reasons)
}

/// `[feedback]` of a plan file: `ratio` and optionally `reasons` (spec
/// §3.2). Every problem is reported, each at its key and line.
pub(super) fn build_feedback(raw: &BTreeMap<String, toml::Value>, ctx: &mut Ctx<'_>) -> Option<Feedback> {
    let mut ratio = None;
    let mut reasons = DEFAULT_REASONS.to_vec();
    let mut fine = true;
    for (key, value) in raw {
        match key.as_str() {
            "ratio" => match ratio_value(value) {
                Ok(r) => ratio = Some(r),
                Err(m) => {
                    ctx.bad("feedback.ratio", &shown(value), m);
                    fine = false;
                }
            },
            "reasons" => match reasons_value(value) {
                Ok(r) => reasons = r,
                Err(m) => {
                    ctx.bad("feedback.reasons", &shown(value), m);
                    fine = false;
                }
            },
            "flagged" => {
                let why = "the flagged firms are added at commit from the log's results and follow-ups (spec §6.4); a plan file cannot give them";
                bad_at_table(ctx, &format!("feedback.{key}"), &shown(value), why);
                fine = false;
            }
            _ => {
                bad_at_table(
                    ctx,
                    &format!("feedback.{key}"),
                    &shown(value),
                    "unknown key: [feedback] has the keys ratio and reasons",
                );
                fine = false;
            }
        }
    }
    if ratio.is_none() && fine {
        bad_at_table(
            ctx,
            "feedback.ratio",
            "",
            "[feedback] needs ratio, e.g. ratio = \"50%\" (\"100%\": check every flagged firm)",
        );
    }
    Some(Feedback { ratio: ratio?, reasons, flagged: Vec::new() }).filter(|_| fine)
}

/// A problem of the `[feedback]` table: at its key's line when the key is
/// written there, else at the table's header.
pub(super) fn bad_at_table(ctx: &mut Ctx<'_>, key: &str, value: &str, message: impl Into<String>) {
    let line = match ctx.line_of(key) {
        0 => table_line(ctx.text, "feedback"),
        n => n,
    };
    ctx.problems.push(Problem {
        file: ctx.label.into(),
        line,
        column: key.into(),
        value: value.into(),
        message: message.into(),
    });
}

/// The 1-based line of a `[table]` header; 0 when absent.
fn table_line(text: &str, table: &str) -> u64 {
    let header = format!("[{table}]");
    text.lines().position(|l| l.trim_start().starts_with(&header)).map_or(0, |i| i as u64 + 1)
}
