//! The three registries a draw reads (spec §1.1–§1.3), held compactly: a
//! provincial registry has tens of millions of rows, so an enterprise is a
//! fixed-size record and its text lives in shared arenas.

use std::collections::HashMap;

use rayon::slice::ParallelSliceMut;

use crate::input::error::{InputError, Problem, Problems};
use crate::input::range::RangeKind;
use crate::input::table::{self, Row, Source};
use crate::model::date::Date;
use crate::model::dormancy;
use crate::model::fields::{CONFLICT_FIELDS, ENTERPRISE_FIELDS, INSPECTOR_FIELDS};
use crate::model::registry::{Class, Enterprise, Enterprises, Inspector, Role, Status};
use crate::model::snapshot;
use crate::model::uscc;

const E_USCC: usize = 0;
const E_NAME: usize = 1;
const E_CLASS: usize = 2;
const E_REGION: usize = 3;
const E_INDUSTRY: usize = 4;
const E_STATUS: usize = 5;
const E_ESTABLISHED: usize = 6;
const E_DORMANT_FROM: usize = 7;
const E_DORMANT_UNTIL: usize = 8;

/// FxHash (as in rustc): interned values are short and not adversarial
/// enough to need SipHash's guarantees for a one-off table.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(c.try_into().unwrap())).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.write(&[b]);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// String interning for repeated values (industry codes, flags).
#[derive(Default)]
struct Interner {
    ids: HashMap<Box<str>, u32, std::hash::BuildHasherDefault<FxHasher>>,
}

impl Interner {
    fn id(&mut self, pool: &mut Vec<String>, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = pool.len() as u32;
        pool.push(s.to_string());
        self.ids.insert(s.into(), id);
        id
    }
}

/// The rows of one block of the file, with block-local arenas.
#[derive(Default)]
struct EnterpriseChunk {
    rows: Vec<Enterprise>,
    names: String,
    industries: Vec<String>,
    industry_ids: Interner,
    extra_values: Vec<u32>,
    extra_pool: Vec<String>,
    extra_ids: Interner,
}

impl EnterpriseChunk {
    /// Empty again, keeping the allocations for the next block.
    fn clear(&mut self) {
        self.rows.clear();
        self.names.clear();
        self.industries.clear();
        self.industry_ids.ids.clear();
        self.extra_values.clear();
        self.extra_pool.clear();
        self.extra_ids.ids.clear();
    }
}

/// The registry being assembled from chunks in file order.
struct EnterpriseFold {
    reg: Enterprises,
    industry_ids: Interner,
    extra_ids: Interner,
}

impl EnterpriseFold {
    /// Moves a chunk's rows into the registry and empties the chunk.
    fn merge(&mut self, chunk: &mut EnterpriseChunk) {
        let reg = &mut self.reg;
        let industries: Vec<u32> =
            chunk.industries.iter().map(|s| self.industry_ids.id(&mut reg.industries, s)).collect();
        let extras: Vec<u32> = chunk.extra_pool.iter().map(|s| self.extra_ids.id(&mut reg.extra_pool, s)).collect();
        let (row_base, name_base) = (reg.rows.len() as u32, reg.names.len() as u64);
        reg.names.push_str(&chunk.names);
        reg.extra_values.extend(chunk.extra_values.iter().map(|&v| extras[v as usize]));
        reg.rows.extend(chunk.rows.iter().map(|e| {
            let mut e = *e;
            let start = e.name_range().start as u64;
            e.set_name_start(name_base + start);
            e.extras_at += row_base;
            e.industry = industries[e.industry as usize];
            e
        }));
        chunk.clear();
    }
}

/// Reads an enterprise registry, keeping the extra columns named in `keep`
/// (the plan's `scope.where` columns that are not standard fields, and the
/// dormancy columns of spec §6.3 when `keep` names them: they come last, as
/// spec §5 orders the leaf). Blocks of the file are parsed on all cores.
pub fn read_enterprises(source: &dyn Source, keep: &[String]) -> Result<Enterprises, InputError> {
    read_enterprises_ranged(source, keep, &[])
}

/// Where a kept column's values come from, and how they are checked.
#[derive(Clone, Copy)]
struct Kept {
    /// The column of the file; for `established`, the field's column.
    col: usize,
    /// The §1.1 field `established`, kept as a `YYYY-MM-DD` date.
    established: bool,
    /// A ranged column's kind (spec §6.2): its values are checked and normalised.
    kind: Option<RangeKind>,
}

/// [`read_enterprises`] for a plan with `scope.range`: the values of each
/// ranged column in `kinds` must be empty or of its kind, and are kept
/// normalised (spec §5, §6.2). `established` may be kept (spec §5).
pub fn read_enterprises_ranged(
    source: &dyn Source,
    keep: &[String],
    kinds: &[(String, RangeKind)],
) -> Result<Enterprises, InputError> {
    let mut problems = Problems::default();
    let keep_dormancy = keep.iter().any(|c| c == dormancy::DORMANT_FROM);
    let established = |c: &str| table::field_index(ENTERPRISE_FIELDS, c) == Some(E_ESTABLISHED);
    // Other §1.1 fields (the dormancy dates among them) are read as fields, not kept as extras.
    let mut keep: Vec<String> = keep
        .iter()
        .filter_map(|c| match table::field_index(ENTERPRISE_FIELDS, c) {
            None => Some(c.clone()),
            Some(E_ESTABLISHED) => Some(ENTERPRISE_FIELDS[E_ESTABLISHED].key.to_string()),
            Some(_) => None,
        })
        .collect();
    keep.sort();
    keep.dedup();
    let extra_cols = |h: &table::Header| -> Vec<Option<Kept>> {
        keep.iter()
            .map(|c| {
                let is_established = established(c);
                let col = if is_established { h.fields[E_ESTABLISHED] } else { h.column_named(c) };
                let kind = kinds.iter().find(|(k, _)| k == c).map(|&(_, kind)| kind);
                col.map(|col| Kept { col, established: is_established, kind })
            })
            .collect()
    };
    // Spec §5: the filter columns, then the dormancy dates of a waking plan.
    let mut columns = keep.clone();
    if keep_dormancy {
        columns.extend([dormancy::DORMANT_FROM.to_string(), dormancy::DORMANT_UNTIL.to_string()]);
    }
    let parsed = table::read_parallel(
        source,
        ENTERPRISE_FIELDS,
        &mut problems,
        |h| (EnterpriseChunk::default(), extra_cols(h)),
        |(chunk, cols), row, problems| {
            if let Err(p) = enterprise_row(chunk, cols, keep_dormancy, row) {
                problems.push(p);
            }
        },
        |_| {},
        |_| EnterpriseFold {
            reg: Enterprises { extra_columns: columns.clone(), ..Enterprises::default() },
            industry_ids: Interner::default(),
            extra_ids: Interner::default(),
        },
        |fold, (chunk, _)| fold.merge(chunk),
    )?;
    let Some((header, fold)) = parsed else {
        return Err(InputError::Problems(problems));
    };
    for (column, col) in keep.iter().zip(extra_cols(&header)) {
        if col.is_none() {
            problems.push(Problem {
                file: source.label().into(),
                line: 0,
                column: column.clone(),
                value: String::new(),
                message: "the plan's scope.where or scope.range names this column, which the registry lacks".into(),
            });
        }
    }
    let mut reg = fold.reg;
    // Big-endian integers order like the bytes, and compare without memcmp.
    reg.rows.par_sort_unstable_by_key(|e| {
        let (hi, lo) = e.uscc.split_at(16);
        (u128::from_be_bytes(hi.try_into().unwrap()), u16::from_be_bytes(lo.try_into().unwrap()), e.line)
    });
    for pair in reg.rows.windows(2) {
        let (first, second) = (&pair[0], &pair[1]);
        if first.uscc == second.uscc {
            problems.push(Problem {
                file: source.label().into(),
                line: second.line as u64,
                column: "uscc".into(),
                value: second.uscc().into(),
                message: format!("duplicate USCC, first at line {}", first.line),
            });
        }
    }
    problems.into_result()?;
    reg.rows.shrink_to_fit();
    reg.names.shrink_to_fit();
    // The leaves are hashed from the sorted rows: held from the parse until
    // the sort, their hashes would cost 32 bytes an enterprise at the
    // registry's peak, two thirds of a row again.
    let root = snapshot::enterprises_root_from_rows(&reg);
    reg.read_root = Some((reg.rows.len(), root));
    Ok(reg)
}

/// GB 32100 character values, with lower-case letters mapped like upper
/// case ones (spec §1.1 upper-cases them); 255 outside the alphabet.
const USCC_VALUE: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < uscc::ALPHABET.len() {
        let c = uscc::ALPHABET[i];
        t[c as usize] = i as u8;
        t[c.to_ascii_lowercase() as usize] = i as u8;
        i += 1;
    }
    t
};

/// The normalised code when `text` is a valid USCC; `None` sends the caller
/// to [`uscc::validate`] for the exact complaint.
fn uscc_fast(text: &str) -> Option<[u8; 18]> {
    let bytes: &[u8; 18] = text.as_bytes().try_into().ok()?;
    let mut sum = 0u32;
    let mut bad = 0u8;
    for i in 0..17 {
        let v = USCC_VALUE[bytes[i] as usize];
        bad |= v;
        sum += uscc::WEIGHTS[i] * (v as u32 & 31);
    }
    let check = USCC_VALUE[bytes[17] as usize];
    if bad == 255 || check as u32 != (31 - sum % 31) % 31 {
        return None;
    }
    let mut code = *bytes;
    code.make_ascii_uppercase();
    Some(code)
}

/// Whether `Date::parse` accepts `text`, decided without allocating for the
/// common `YYYY-MM-DD`; `None` means "ask `Date::parse`".
fn plain_date_ok(text: &str) -> Option<()> {
    let b: &[u8; 10] = text.as_bytes().try_into().ok()?;
    let digit = |i: usize| b[i].is_ascii_digit().then(|| (b[i] - b'0') as u32);
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    let month = digit(5)? * 10 + digit(6)?;
    let day = digit(8)? * 10 + digit(9)?;
    let real = chrono::NaiveDate::from_ymd_opt(year as i32, month, day).is_some();
    ((1900..=2999).contains(&year) && real).then_some(())
}

fn enterprise_row(
    chunk: &mut EnterpriseChunk,
    extra_cols: &[Option<Kept>],
    dormancy: bool,
    row: &Row<'_>,
) -> Result<(), Problem> {
    let get = |i: usize| -> Result<std::borrow::Cow<'_, str>, Problem> {
        let v = row.field(i)?;
        if v.is_empty() && ENTERPRISE_FIELDS[i].required {
            return Err(row.field_problem(i, "", "required value is empty"));
        }
        Ok(v)
    };
    let text = get(E_USCC)?;
    let code = match uscc_fast(&text) {
        Some(code) => code,
        None => {
            let code = uscc::normalize(&text);
            uscc::validate(&code).map_err(|e| row.field_problem(E_USCC, &code, format!("invalid USCC: {e}")))?;
            code.as_bytes().try_into().expect("validated length")
        }
    };
    let name = get(E_NAME)?;
    let class_text = get(E_CLASS)?;
    let class = Class::parse(&class_text)
        .ok_or_else(|| row.field_problem(E_CLASS, &class_text, "credit class must be A, B, C or D"))?;
    let region = get(E_REGION)?;
    let region_bytes = six_digits(&region)
        .ok_or_else(|| row.field_problem(E_REGION, &region, "region code must be 6 digits (GB/T 2260)"))?;
    let industry = get(E_INDUSTRY)?;
    let status_text = get(E_STATUS)?;
    let status = Status::parse(&status_text)
        .ok_or_else(|| row.field_problem(E_STATUS, &status_text, "status must be 存续, 歇业, 吊销 or 注销"))?;
    let established = get(E_ESTABLISHED)?;
    if !established.is_empty() && plain_date_ok(&established).is_none() {
        Date::parse(&established).map_err(|m| row.field_problem(E_ESTABLISHED, &established, m.to_string()))?;
    }
    // Spec §6.3: checked on every row, kept (in the §1.5 stored form) only
    // for a plan that wakes dormant firms.
    let mut dormant = [String::new(), String::new()];
    for (slot, field) in dormant.iter_mut().zip([E_DORMANT_FROM, E_DORMANT_UNTIL]) {
        let text = get(field)?;
        if text.is_empty() || (!dormancy && plain_date_ok(&text).is_some()) {
            continue;
        }
        let date = Date::parse(&text).map_err(|m| row.field_problem(field, &text, m.to_string()))?;
        if dormancy {
            *slot = date.to_string();
        }
    }
    let mut extras = Vec::new();
    for kept in extra_cols.iter().flatten() {
        let value = if kept.established { established.clone() } else { row.column(kept.col)? };
        extras.push(match (kept.established, kept.kind) {
            (false, None) => value,
            (true, _) => Date::parse(&value).map(|d| d.to_string()).unwrap_or_default().into(),
            (false, Some(kind)) => kind
                .normalize(&value)
                .map_err(|m| row.problem(kept.col, &value, format!("the plan's scope.range: {m}")))?
                .into(),
        });
    }
    if dormancy {
        extras.extend(dormant.map(std::borrow::Cow::Owned));
    }
    let extras_at = chunk.rows.len() as u32;
    for v in &extras {
        let id = chunk.extra_ids.id(&mut chunk.extra_pool, v);
        chunk.extra_values.push(id);
    }
    let mut e = Enterprise {
        uscc: code,
        class,
        status,
        region: region_bytes,
        industry: chunk.industry_ids.id(&mut chunk.industries, &industry),
        name_start_hi: 0,
        name_start: 0,
        name_len: name.len() as u32,
        extras_at,
        line: row.line as u32,
    };
    e.set_name_start(chunk.names.len() as u64);
    chunk.names.push_str(&name);
    chunk.rows.push(e);
    Ok(())
}

fn six_digits(s: &str) -> Option<[u8; 6]> {
    (s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.as_bytes().try_into().unwrap())
}

/// Splits a multi-valued cell (spec §1.2) into a sorted, de-duplicated set.
pub fn split_set(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = text
        .split([';', '；', ',', '，', '、', '|'])
        .map(table::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    parts.sort();
    parts.dedup();
    parts
}

pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "" | "是" | "在岗" => return Some(true),
        "否" | "不在岗" | "离岗" => return Some(false),
        _ => {}
    }
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn parse_role(text: &str) -> Option<Role> {
    match text {
        "" | "执法人员" | "检查人员" => Some(Role::Inspector),
        "专家" => Some(Role::Expert),
        _ => match text.to_ascii_lowercase().as_str() {
            "inspector" => Some(Role::Inspector),
            "expert" => Some(Role::Expert),
            _ => None,
        },
    }
}

pub fn read_inspectors(source: &dyn Source) -> Result<Vec<Inspector>, InputError> {
    let mut problems = Problems::default();
    let parsed = table::read(
        source,
        INSPECTOR_FIELDS,
        &mut problems,
        |_| Vec::new(),
        |rows: &mut Vec<Inspector>, row, problems| match inspector_row(row) {
            Ok(i) => rows.push(i),
            Err(p) => problems.push(p),
        },
    )?;
    let Some((_, mut rows)) = parsed else {
        return Err(InputError::Problems(problems));
    };
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in rows.windows(2) {
        if pair[0].id == pair[1].id {
            problems.push(Problem {
                file: source.label().into(),
                line: pair[1].line,
                column: "id".into(),
                value: pair[1].id.clone(),
                message: format!("duplicate inspector id, first at line {}", pair[0].line),
            });
        }
    }
    problems.into_result()?;
    Ok(rows)
}

fn inspector_row(row: &Row<'_>) -> Result<Inspector, Problem> {
    let required = |i: usize| -> Result<String, Problem> {
        let v = row.field(i)?;
        if v.is_empty() {
            return Err(row.field_problem(i, "", "required value is empty"));
        }
        Ok(v.into_owned())
    };
    let id = required(0)?;
    let name = required(1)?;
    let department = required(2)?;
    let region = required(3)?;
    if six_digits(&region).is_none() {
        return Err(row.field_problem(3, &region, "region code must be 6 digits (GB/T 2260)"));
    }
    let active_text = row.field(4)?;
    let active =
        parse_bool(&active_text).ok_or_else(|| row.field_problem(4, &active_text, "must be 是/否 or true/false"))?;
    let qualifications = split_set(&row.field(5)?);
    let expires_text = row.field(6)?;
    let cert_expires = if expires_text.is_empty() {
        None
    } else {
        Some(Date::parse(&expires_text).map_err(|m| row.field_problem(6, &expires_text, m.to_string()))?)
    };
    let role_text = row.field(7)?;
    let role =
        parse_role(&role_text).ok_or_else(|| row.field_problem(7, &role_text, "role must be inspector or expert"))?;
    Ok(Inspector { id, name, department, region, active, role, qualifications, cert_expires, line: row.line })
}

/// Recusal pairs as (inspector index, enterprise index), sorted; the order
/// equals the spec's (inspector id, USCC) order because both registries are
/// sorted by those keys.
pub fn read_conflicts(
    source: &dyn Source,
    inspectors: &[Inspector],
    enterprises: &Enterprises,
) -> Result<Vec<(u32, u32)>, InputError> {
    let mut problems = Problems::default();
    let parsed = table::read(
        source,
        CONFLICT_FIELDS,
        &mut problems,
        |_| Vec::new(),
        |pairs: &mut Vec<(u32, u32, u64)>, row, problems| match conflict_row(row, inspectors, enterprises) {
            Ok((i, e)) => pairs.push((i, e, row.line)),
            Err(p) => problems.extend(p),
        },
    )?;
    let Some((_, mut pairs)) = parsed else {
        return Err(InputError::Problems(problems));
    };
    pairs.sort();
    for w in pairs.windows(2) {
        if (w[0].0, w[0].1) == (w[1].0, w[1].1) {
            problems.push(Problem {
                file: source.label().into(),
                line: w[1].2,
                column: String::new(),
                value: format!("{} / {}", inspectors[w[1].0 as usize].id, enterprises.rows[w[1].1 as usize].uscc()),
                message: format!("recusal pair listed twice, first at line {}", w[0].2),
            });
        }
    }
    problems.into_result()?;
    Ok(pairs.into_iter().map(|(i, e, _)| (i, e)).collect())
}

fn conflict_row(row: &Row<'_>, inspectors: &[Inspector], enterprises: &Enterprises) -> Result<(u32, u32), Problems> {
    let one = |p: Problem| Problems { list: vec![p] };
    let id = row.field(0).map_err(one)?;
    let code = uscc::normalize(&row.field(1).map_err(one)?);
    let mut problems = Problems::default();
    let inspector = inspectors.binary_search_by(|i| i.id.as_str().cmp(&id)).ok();
    if id.is_empty() {
        problems.push(row.field_problem(0, "", "required value is empty"));
    } else if inspector.is_none() {
        problems.push(row.field_problem(0, &id, "no inspector with this id in the roster"));
    }
    let enterprise = match uscc::validate(&code) {
        Err(e) => {
            problems.push(row.field_problem(1, &code, format!("invalid USCC: {e}")));
            None
        }
        Ok(()) => {
            let found = enterprises.find(&code);
            if found.is_none() {
                problems.push(row.field_problem(1, &code, "no enterprise with this USCC in the registry"));
            }
            found
        }
    };
    match (inspector, enterprise) {
        (Some(i), Some(e)) if problems.is_empty() => Ok((i as u32, e as u32)),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::table::BytesSource;
    use crate::model::merkle::{leaf_hash, Hash, RootBuilder};

    /// The root by the definition: every leaf built from the finished registry.
    fn root_by_definition(reg: &Enterprises) -> Hash {
        let mut b = RootBuilder::default();
        for e in &reg.rows {
            let mut leaf = Vec::new();
            snapshot::enterprise_leaf(reg, e, &mut leaf);
            b.push(leaf_hash(&leaf));
        }
        b.root()
    }

    #[test]
    fn root_computed_while_reading_is_the_snapshot_root() {
        let mut csv = String::from("uscc,name,credit_class,region,industry,status,flag,other\n");
        for i in 0..3000u32 {
            let first17 = format!("91330106MA{:07}", (i * 7919) % 10_000_000);
            let code = format!("{first17}{}", uscc::check_char(first17.as_bytes()).unwrap() as char);
            let name = match i % 4 {
                0 => format!("\"企业\"\"{i}\"\"\""),
                1 => format!("back\\slash {i}"),
                2 => format!("\u{3000}企业{i}有限公司 "),
                _ => "很长的名字".repeat(1 + i as usize % 9),
            };
            let class = ["a", "B", "C", "D"][i as usize % 4];
            csv += &format!(
                "{code},{name},{class},33010{},F52{},存续,{},x\n",
                i % 10,
                i % 13,
                ["是", "否"][i as usize % 2]
            );
        }
        for keep in [vec![], vec!["flag".to_string()]] {
            let src = BytesSource { label: "e.csv".into(), bytes: csv.as_bytes() };
            let reg = read_enterprises(&src, &keep).unwrap();
            assert_eq!(reg.rows.len(), 3000);
            assert_eq!(reg.read_root(), Some(root_by_definition(&reg)));
            assert_eq!(snapshot::enterprises_root(&reg), root_by_definition(&reg));
        }
    }
}
