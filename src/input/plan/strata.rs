//! The plan's region strata and range filters (spec §6.1, §6.2): the
//! `[strata]` table, `[scope.range]`, and `established` in `scope.where`.

use super::parse::Ctx;
use super::*;
use crate::input::range;

/// The column name `established`/成立日期 is stored under (spec §3.3, §5).
pub const ESTABLISHED: &str = "established";

/// The region digits a `[strata]` table may give (spec §3.2).
const REGION_DIGITS: [u64; 3] = [2, 4, 6];

/// Region strata and floors (spec §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionStrata {
    /// 2, 4 or 6: a firm's region is this many leading digits of its code.
    pub region_digits: usize,
    /// Every region draws at least `ceil(eligible × floor)` targets.
    pub floor: Ratio,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStrata {
    region_digits: Option<i64>,
    floor: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRange {
    min: Option<toml::Value>,
    max: Option<toml::Value>,
}

/// Whether a column names the §1.1 field `established`.
fn is_established(column: &str) -> bool {
    table::field_index(ENTERPRISE_FIELDS, column).is_some_and(|f| ENTERPRISE_FIELDS[f].key == ESTABLISHED)
}

pub(super) fn build_strata(raw: &RawStrata, ctx: &mut Ctx<'_>) -> Option<RegionStrata> {
    let digits = match raw.region_digits {
        Some(n) if u64::try_from(n).is_ok_and(|n| REGION_DIGITS.contains(&n)) => n as usize,
        Some(n) => {
            ctx.bad("strata.region_digits", &n.to_string(), "must be 2, 4 or 6 (province, city, county)");
            return None;
        }
        None => {
            ctx.bad("strata.region_digits", "", "[strata] needs region_digits, which must be 2, 4 or 6");
            return None;
        }
    };
    let floor = match &raw.floor {
        None => Ratio::ZERO,
        Some(value) => super::parse::ratio_value(value).unwrap_or_else(|m| {
            ctx.bad("strata.floor", &super::parse::shown(value), m);
            Ratio::ZERO
        }),
    };
    Some(RegionStrata { region_digits: digits, floor })
}

/// A `scope.where` pair with `established`/成立日期 stored as
/// `["established", YYYY-MM-DD or ""]` (spec §3.2); other pairs unchanged.
pub(super) fn where_established(column: &str, value: &str, ctx: &mut Ctx<'_>) -> (String, String) {
    if !is_established(column) {
        return (column.to_string(), value.to_string());
    }
    let value = match value {
        "" => String::new(),
        v => Date::parse(v).map(|d| d.to_string()).unwrap_or_else(|e| {
            ctx.bad("scope.where", v, format!("成立日期 (established) is not a date (§1.5): {e}"));
            v.to_string()
        }),
    };
    (ESTABLISHED.to_string(), value)
}

pub(super) fn build_ranges(
    raw: BTreeMap<String, RawRange>,
    where_: &[(String, String)],
    ctx: &mut Ctx<'_>,
) -> Vec<Range> {
    let mut ranges: Vec<Range> = Vec::new();
    for (column, bounds) in raw {
        let column = table::trim(&column).to_string();
        let key = format!("scope.range.{column}");
        let stored = match table::field_index(ENTERPRISE_FIELDS, &column) {
            _ if column.is_empty() => {
                ctx.bad("scope.range", "", "a range needs a column name");
                continue;
            }
            None => column.clone(),
            Some(_) if is_established(&column) => ESTABLISHED.to_string(),
            Some(_) => {
                ctx.bad(&key, &column, "ranges apply to 成立日期 (established) and extra columns; filter codes with scope.regions or scope.industries");
                continue;
            }
        };
        if where_.iter().any(|(c, _)| *c == stored) || ranges.iter().any(|r| r.column == stored) {
            ctx.bad(&key, &column, "a column may be named once, in scope.where or in scope.range");
            continue;
        }
        let mut bound = |name: &str, v: &Option<toml::Value>| -> Option<Option<(RangeKind, String)>> {
            match v {
                None => Some(None),
                Some(toml::Value::String(s)) => match range::parse_bound(table::trim(s)) {
                    Ok(b) => Some(Some(b)),
                    Err(e) => {
                        ctx.bad(&format!("{key}.{name}"), s, e.to_string());
                        None
                    }
                },
                Some(other) => {
                    ctx.bad(
                        &format!("{key}.{name}"),
                        &other.to_string(),
                        "a bound is a string such as \"2024-01-01\" or \"100\"",
                    );
                    None
                }
            }
        };
        let (Some(min), Some(max)) = (bound("min", &bounds.min), bound("max", &bounds.max)) else { continue };
        let kind = match (&min, &max) {
            (None, None) => {
                ctx.bad(&key, &column, "a range needs min, max or both");
                continue;
            }
            (Some((a, _)), Some((b, _))) if a != b => {
                ctx.bad(&key, &column, "min and max must both be dates or both be numbers");
                continue;
            }
            (Some((k, _)), _) | (None, Some((k, _))) => *k,
        };
        if stored == ESTABLISHED && kind != RangeKind::Date {
            ctx.bad(&key, &column, "成立日期 (established) holds dates: its bounds are dates such as 2024-01-01");
            continue;
        }
        let range = Range { column: stored, kind, min: min.map(|b| b.1), max: max.map(|b| b.1) };
        if let (Some(lo), Some(hi)) = (&range.min, &range.max) {
            if !range.contains(lo) || !range.contains(hi) {
                ctx.bad(&format!("{key}.max"), hi, format!("is below min = {lo}"));
                continue;
            }
        }
        ranges.push(range);
    }
    ranges.sort_by(|a, b| a.column.cmp(&b.column));
    ranges
}

/// `scope.range` of a stored canonical plan; `None` when its shape is not
/// `[[column, min|null, max|null], …]` with bounds of one kind.
pub(super) fn stored_ranges(v: Option<&Value>) -> Option<Vec<Range>> {
    let Some(v) = v else { return Some(Vec::new()) };
    v.as_array()?
        .iter()
        .map(|r| {
            let column = r.get(0)?.as_str()?.to_string();
            let bound = |x: &Value| -> Option<Option<(RangeKind, String)>> {
                match x {
                    Value::Null => Some(None),
                    Value::String(s) => range::parse_bound(s).ok().map(Some),
                    _ => None,
                }
            };
            let (min, max) = (bound(r.get(1)?)?, bound(r.get(2)?)?);
            let kind = match (&min, &max) {
                (Some((a, _)), Some((b, _))) if a != b => return None,
                (Some((k, _)), _) | (None, Some((k, _))) => *k,
                (None, None) => return None,
            };
            if column == ESTABLISHED && kind != RangeKind::Date {
                return None;
            }
            Some(Range { column, kind, min: min.map(|b| b.1), max: max.map(|b| b.1) })
        })
        .collect()
}

/// `strata` of a stored canonical plan; `Err` when its shape is wrong.
pub(super) fn stored_strata(v: Option<&Value>) -> Result<Option<RegionStrata>, ()> {
    let Some(v) = v else { return Ok(None) };
    let digits = v["region_digits"].as_u64().filter(|n| REGION_DIGITS.contains(n)).ok_or(())?;
    let floor = Ratio::parse(v["floor"].as_str().ok_or(())?).map_err(|_| ())?;
    Ok(Some(RegionStrata { region_digits: digits as usize, floor }))
}
