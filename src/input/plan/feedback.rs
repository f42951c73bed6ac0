//! `[feedback]` (spec §6.4): firms flagged by their last results form a
//! stratum of their own. The plan file gives the ratio; the flagged USCCs
//! are added at commit from the log (audit/LOG-FORMAT.md "Feedback from
//! results") and can never come from a plan file.

use super::parse::{ratio_value, shown, Ctx};
use super::*;

/// The plan's feedback stratum: its ratio and the USCCs the log flags
/// (sorted, de-duplicated; empty for a plan drawn outside a log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    pub ratio: Ratio,
    pub flagged: Vec<String>,
}

impl Feedback {
    /// The canonical `feedback` object (spec §3.3).
    pub fn canonical(&self) -> Value {
        json!({"ratio": self.ratio.to_string(), "flagged": self.flagged})
    }

    /// The stored form back; `None` for another shape, or USCCs that are
    /// not sorted and distinct.
    pub fn from_canonical(v: &Value) -> Option<Feedback> {
        let ratio = Ratio::parse(v.get("ratio")?.as_str()?).ok()?;
        let flagged = v
            .get("flagged")?
            .as_array()?
            .iter()
            .map(|u| u.as_str().filter(|u| uscc::validate(u).is_ok()).map(str::to_string))
            .collect::<Option<Vec<_>>>()?;
        // Sorted and de-duplicated (spec §3.3): the draw looks USCCs up by
        // binary search.
        flagged.windows(2).all(|w| w[0] < w[1]).then_some(Feedback { ratio, flagged })
    }

    /// Whether the log flags this USCC.
    pub fn flags(&self, code: &[u8]) -> bool {
        self.flagged.binary_search_by(|x| x.as_bytes().cmp(code)).is_ok()
    }
}

/// `[feedback]` of a plan file: exactly one key, `ratio` (spec §3.2). Every
/// problem is reported, each at its key and line.
pub(super) fn build_feedback(raw: &BTreeMap<String, toml::Value>, ctx: &mut Ctx<'_>) -> Option<Feedback> {
    let mut ratio = None;
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
                    "unknown key: [feedback] has one key, ratio",
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
    Some(Feedback { ratio: ratio?, flagged: Vec::new() }).filter(|_| fine)
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
