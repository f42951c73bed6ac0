//! The official result model (spec §12 "Result codes", LOG-FORMAT
//! "Results v2"): per firm, one entry per (item, department), each with one
//! or more result codes of the national publicity system's table, bounded
//! findings, the inspection method and date, and attachments by hash.
//!
//! Pure: the table, the typed v2 result and its validation. The server
//! checks what needs the log (the draw's items, departments and dates).

use serde::{Deserialize, Serialize};

/// One row of the code table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    pub text: &'static str,
}

/// The code table in its order (spec §12); `codes` lists are in this order.
pub const CODES: [Code; 15] = [
    Code { id: "1", text: "未发现问题" },
    Code { id: "A", text: "发现问题待后续处理" },
    Code { id: "B", text: "未按规定公示应当公示的信息" },
    Code { id: "C", text: "公示信息隐瞒真实情况、弄虚作假" },
    Code { id: "D", text: "违反其他法律法规规定" },
    Code { id: "G", text: "发现问题移送其他部门处理" },
    Code { id: "E", text: "发现问题经责令已改正" },
    Code { id: "F", text: "未发现开展本次抽查涉及的经营活动" },
    Code { id: "6", text: "通过登记的住所（经营场所）无法联系" },
    Code { id: "7", text: "已关闭停业或正在组织清算" },
    Code { id: "8", text: "不配合检查情节严重" },
    Code { id: "9", text: "注销" },
    Code { id: "10", text: "吊销" },
    Code { id: "11", text: "撤销" },
    Code { id: "12", text: "迁出" },
];

/// The sub-codes of `A`: allowed only together with `A`.
pub const SUB_CODES: [&str; 4] = ["B", "C", "D", "G"];
/// Register states: never with `1` or `E`, at most one.
pub const REGISTER_STATES: [&str; 4] = ["9", "10", "11", "12"];
/// Codes that mean a problem was found (contract "found a problem").
pub const PROBLEM_CODES: [&str; 5] = ["A", "B", "C", "D", "8"];
/// Code `6` (无法联系) is refused for a firm that is 歇业 in the snapshot.
pub const UNREACHABLE: &str = "6";

/// Inspection methods (spec §8.6).
pub const METHODS: [&str; 4] = ["on_site", "desk", "online", "data"];
/// The method of a plan without one (spec §8.6).
pub const ON_SITE: &str = "on_site";
/// The off-site methods, in the order `prefer_offsite` tries them (spec §8.6).
pub const OFF_SITE: [&str; 3] = ["desk", "online", "data"];

/// What a plan or batch is told when its `method` is not a method word.
pub const NOT_A_METHOD: &str = "must be one of on_site, desk, online, data (实地核查, 书面核查, 网络监测, 信息共享)";

/// The method word of a method as a person writes it: the four words, or
/// their Chinese names (spec §8.6 "Method words").
pub fn method_word(text: &str) -> Option<&'static str> {
    match text {
        "on_site" | "实地核查" | "实地检查" | "现场检查" => Some("on_site"),
        "desk" | "书面核查" | "书面检查" => Some("desk"),
        "online" | "网络监测" => Some("online"),
        "data" | "信息共享" => Some("data"),
        _ => None,
    }
}

/// Limits of the v2 fields.
pub const FINDINGS_MAX_CHARS: usize = 2000;
pub const NAME_MAX_BYTES: usize = 128;
pub const ITEMS_MAX: usize = 64;
pub const ATTACHMENTS_MAX: usize = 64;
pub const ATTACHMENT_NAME_MAX_BYTES: usize = 255;

/// The value of `format` for v2 results.
pub const FORMAT: u64 = 2;
/// The state of a logged (published) result.
pub const PUBLISHED: &str = "已公示";

/// The position of a code in the table, or None for an unknown code.
pub fn position(code: &str) -> Option<usize> {
    CODES.iter().position(|c| c.id == code)
}

pub fn text_of(code: &str) -> Option<&'static str> {
    position(code).map(|i| CODES[i].text)
}

/// Whether a result item with these codes found a problem.
pub fn found_problem<S: AsRef<str>>(codes: &[S]) -> bool {
    codes.iter().any(|c| PROBLEM_CODES.contains(&c.as_ref()))
}

/// One result item: an inspection item as one department judged it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub item: String,
    pub department: String,
    pub codes: Vec<String>,
    pub findings: String,
}

/// An attachment: the bureau keeps the file; the result names its hash.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub name: String,
    pub sha256: String,
}

/// The result fields that a recorder gives (v2 without the review fields).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    pub inspection_date: String,
    pub method: String,
    pub items: Vec<Item>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// One problem of a v2 result, naming its field (`items[1].codes`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Problem {
    pub field: String,
    pub problem: String,
}

fn problem(field: impl Into<String>, problem: impl Into<String>) -> Problem {
    Problem { field: field.into(), problem: problem.into() }
}

/// Every problem of one item's codes (in table order already, or not).
pub fn check_codes<S: AsRef<str>>(codes: &[S], field: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    if codes.is_empty() {
        out.push(problem(field, "give at least one result code"));
        return out;
    }
    let mut last = None;
    for c in codes {
        let c = c.as_ref();
        match position(c) {
            None => out.push(problem(field, format!("unknown result code {c:?}; codes are {}", code_list()))),
            Some(p) if last.is_some_and(|l| p == l) => out.push(problem(field, format!("code {c} is listed twice"))),
            Some(p) if last.is_some_and(|l| p < l) => out
                .push(problem(field, format!("code {c} is out of the table order (1 A B C D G E F 6 7 8 9 10 11 12)"))),
            Some(p) => last = Some(p),
        }
    }
    if !out.is_empty() {
        return out;
    }
    let has = |c: &str| codes.iter().any(|x| x.as_ref() == c);
    if has("1") && codes.len() > 1 {
        out.push(problem(field, "1 (未发现问题) excludes every other code"));
    }
    for sub in SUB_CODES.iter().filter(|s| has(s)) {
        if !has("A") {
            out.push(problem(field, format!("sub-code {sub} is allowed only together with A (发现问题待后续处理)")));
        }
    }
    let states: Vec<&str> = REGISTER_STATES.iter().copied().filter(|s| has(s)).collect();
    if states.len() > 1 {
        out.push(problem(field, format!("at most one register state (9 10 11 12), not {}", states.join(" "))));
    }
    if !states.is_empty() && has("E") {
        out.push(problem(field, "a register state (9 10 11 12) cannot be combined with E (发现问题经责令已改正)"));
    }
    out
}

/// Sorts codes into the table order (unknown codes last, for the check to
/// name them). Requests may list codes in any order; stored lists are sorted.
pub fn sort_codes(codes: &mut [String]) {
    codes.sort_by_key(|c| position(c).unwrap_or(usize::MAX));
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn code_list() -> String {
    CODES.iter().map(|c| c.id).collect::<Vec<_>>().join(" ")
}

/// A text field: no control characters but LF.
fn check_text(text: &str, field: &str, out: &mut Vec<Problem>) {
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        out.push(problem(
            field,
            format!("contains the control character U+{:04X}; only line feeds are allowed", c as u32),
        ));
    }
}

fn check_name(text: &str, field: &str, max: usize, out: &mut Vec<Problem>) {
    if text.trim().is_empty() {
        out.push(problem(field, "is empty"));
    } else if text.len() > max {
        out.push(problem(field, format!("is {} bytes; at most {max}", text.len())));
    }
    if text.contains('\n') {
        out.push(problem(field, "is one line"));
    } else {
        check_text(text, field, out);
    }
}

/// Sorts each item's codes into table order and the items by (item,
/// department), their stored order.
pub fn normalize_items(items: &mut [Item]) {
    for item in items.iter_mut() {
        sort_codes(&mut item.codes);
    }
    items.sort_by(|a, b| (&a.item, &a.department).cmp(&(&b.item, &b.department)));
}

impl Fields {
    /// Sorts codes and items into their stored order (requests may give
    /// them in any order).
    pub fn normalize(&mut self) {
        normalize_items(&mut self.items);
    }

    /// Every problem of the fields, each naming its field. The date's form
    /// only: its range depends on the draw (the server checks it).
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if crate::model::date::Date::parse(&self.inspection_date).is_err() {
            out.push(problem("inspection_date", format!("{:?} is not a date YYYY-MM-DD", self.inspection_date)));
        }
        if !METHODS.contains(&self.method.as_str()) {
            out.push(problem("method", format!("{:?} is not one of {}", self.method, METHODS.join(", "))));
        }
        if self.items.is_empty() {
            out.push(problem("items", "give at least one item (one per inspection item and department)"));
        }
        if self.items.len() > ITEMS_MAX {
            out.push(problem("items", format!("at most {ITEMS_MAX} items")));
        }
        for (i, item) in self.items.iter().enumerate() {
            let at = |f: &str| format!("items[{i}].{f}");
            check_name(&item.item, &at("item"), NAME_MAX_BYTES, &mut out);
            check_name(&item.department, &at("department"), NAME_MAX_BYTES, &mut out);
            out.extend(check_codes(&item.codes, &at("codes")));
            let chars = item.findings.chars().count();
            if chars > FINDINGS_MAX_CHARS {
                out.push(problem(at("findings"), format!("is {chars} characters; at most {FINDINGS_MAX_CHARS}")));
            }
            check_text(&item.findings, &at("findings"), &mut out);
            if let Some(prev) = i.checked_sub(1).map(|p| &self.items[p]) {
                match (&prev.item, &prev.department).cmp(&(&item.item, &item.department)) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => out.push(problem(
                        format!("items[{i}]"),
                        format!(
                            "a second entry for item {:?} of {:?}: one per item and department",
                            item.item, item.department
                        ),
                    )),
                    std::cmp::Ordering::Greater => {
                        out.push(problem(format!("items[{i}]"), "items are sorted by (item, department)"))
                    }
                }
            }
        }
        if self.attachments.len() > ATTACHMENTS_MAX {
            out.push(problem("attachments", format!("at most {ATTACHMENTS_MAX} attachments")));
        }
        for (i, a) in self.attachments.iter().enumerate() {
            check_name(&a.name, &format!("attachments[{i}].name"), ATTACHMENT_NAME_MAX_BYTES, &mut out);
            if !is_hex64(&a.sha256) {
                out.push(problem(format!("attachments[{i}].sha256"), "is not a SHA-256: 64 lowercase hex digits"));
            }
        }
        out
    }

    /// Whether any item found a problem.
    pub fn found_problem(&self) -> bool {
        self.items.iter().any(|i| found_problem(&i.codes))
    }

    /// Whether any item gives this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.items.iter().any(|i| i.codes.iter().any(|c| c == code))
    }
}

/// A logged v2 result: the fields, `format` 2, the state, and the review
/// fields (LOG-FORMAT "Results v2"). Kept flat (no `serde(flatten)`, which
/// does not mix with `deny_unknown_fields`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResultV2 {
    pub format: u64,
    pub inspection_date: String,
    pub method: String,
    pub items: Vec<Item>,
    pub attachments: Vec<Attachment>,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
}

impl ResultV2 {
    pub fn new(fields: Fields, state: &str) -> ResultV2 {
        let Fields { inspection_date, method, items, attachments } = fields;
        ResultV2 {
            format: FORMAT,
            inspection_date,
            method,
            items,
            attachments,
            state: state.to_string(),
            pending: None,
            recorded_by: None,
            reviewed_by: None,
        }
    }

    pub fn fields(&self) -> Fields {
        Fields {
            inspection_date: self.inspection_date.clone(),
            method: self.method.clone(),
            items: self.items.clone(),
            attachments: self.attachments.clone(),
        }
    }

    /// Every problem: the fields' and `format`'s.
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.format != FORMAT {
            out.push(problem("format", format!("is {}; this writer knows format {FORMAT}", self.format)));
        }
        out.extend(self.fields().check());
        out
    }
}

/// Whether a logged `result` object is v2 (it has `format`); v1 results
/// have `category`.
pub fn is_v2(result: &serde_json::Value) -> bool {
    result.get("format").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(codes: &[&str]) -> Vec<String> {
        check_codes(codes, "codes").into_iter().map(|p| p.problem).collect()
    }

    #[test]
    fn the_table_is_in_order_and_complete() {
        let ids: Vec<&str> = CODES.iter().map(|c| c.id).collect();
        assert_eq!(ids, ["1", "A", "B", "C", "D", "G", "E", "F", "6", "7", "8", "9", "10", "11", "12"]);
        assert_eq!(text_of("6"), Some("通过登记的住所（经营场所）无法联系"));
        assert_eq!(text_of("Z"), None);
    }

    #[test]
    fn valid_combinations() {
        for ok in [
            &["1"][..],
            &["A"],
            &["A", "B"],
            &["A", "B", "C", "D", "G"],
            &["A", "E"],
            &["E"],
            &["F"],
            &["6"],
            &["A", "6"],
            &["7", "9"],
            &["A", "8"],
            &["6", "10"],
            &["F", "12"],
            &["11"],
        ] {
            assert_eq!(problems(ok), Vec::<String>::new(), "{ok:?}");
        }
    }

    #[test]
    fn refused_combinations_name_the_rule() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "at least one"),
            (&["1", "A"], "1 (未发现问题) excludes"),
            (&["1", "F"], "1 (未发现问题) excludes"),
            (&["1", "9"], "1 (未发现问题) excludes"),
            (&["B"], "sub-code B"),
            (&["C", "E"], "sub-code C"),
            (&["D"], "sub-code D"),
            (&["G"], "sub-code G"),
            (&["E", "10"], "cannot be combined with E"),
            (&["9", "10"], "at most one register state"),
            (&["A", "A"], "listed twice"),
            (&["B", "A"], "out of the table order"),
            (&["13"], "unknown result code"),
            (&["a"], "unknown result code"),
        ];
        for (codes, want) in cases {
            let got = problems(codes);
            assert!(got.iter().any(|p| p.contains(want)), "{codes:?}: {got:?} lacks {want:?}");
        }
    }

    #[test]
    fn problems_are_found_by_a_b_c_d_8() {
        assert!(found_problem(&["A"]) && found_problem(&["A", "B"]) && found_problem(&["8"]));
        assert!(!found_problem(&["1"]) && !found_problem(&["E"]) && !found_problem(&["F", "6", "7", "9"]));
    }

    fn fields() -> Fields {
        Fields {
            inspection_date: "2026-11-20".into(),
            method: "on_site".into(),
            items: vec![
                Item {
                    item: "a".into(),
                    department: "市场监管局".into(),
                    codes: vec!["1".into()],
                    findings: "".into(),
                },
                Item {
                    item: "b".into(),
                    department: "市场监管局".into(),
                    codes: vec!["A".into()],
                    findings: "x\ny".into(),
                },
            ],
            attachments: vec![Attachment { name: "笔录.pdf".into(), sha256: "ab".repeat(32) }],
        }
    }

    fn fields_problems(f: &Fields) -> Vec<String> {
        f.check().into_iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn fields_are_checked_and_problems_name_their_field() {
        assert_eq!(fields_problems(&fields()), Vec::<String>::new());
        let mut f = fields();
        f.method = "phone".into();
        f.inspection_date = "2026-13-01".into();
        f.items[1].findings = "好".repeat(FINDINGS_MAX_CHARS + 1);
        f.items[0].findings = "a\tb".into();
        f.items[0].codes = vec!["1".into(), "A".into()];
        f.attachments[0].sha256 = "AB".repeat(32);
        let got = fields_problems(&f);
        for want in [
            "method:",
            "inspection_date:",
            "items[1].findings: is 2001 characters",
            "items[0].findings: contains the control character U+0009",
            "items[0].codes: 1",
            "attachments[0].sha256:",
        ] {
            assert!(got.iter().any(|p| p.starts_with(want)), "{got:?} lacks {want}");
        }
        let mut f = fields();
        f.items[1].item = "a".into();
        assert!(fields_problems(&f).iter().any(|p| p.contains("one per item and department")));
        let mut f = fields();
        f.items.reverse();
        assert!(fields_problems(&f).iter().any(|p| p.contains("sorted")));
        f.normalize();
        assert_eq!(fields_problems(&f), Vec::<String>::new());
        let mut f = fields();
        f.items.clear();
        assert!(fields_problems(&f).iter().any(|p| p.starts_with("items:")));
    }

    #[test]
    fn findings_of_exactly_the_limit_are_accepted() {
        let mut f = fields();
        f.items[0].findings = "好".repeat(FINDINGS_MAX_CHARS);
        assert_eq!(fields_problems(&f), Vec::<String>::new());
    }

    #[test]
    fn a_logged_v2_result_round_trips_and_is_strict() {
        let mut r = ResultV2::new(fields(), PUBLISHED);
        r.pending = Some("p-1".into());
        r.recorded_by = Some("lu".into());
        r.reviewed_by = Some("shen".into());
        assert_eq!(r.check(), Vec::new());
        let v = serde_json::to_value(&r).unwrap();
        assert!(is_v2(&v));
        assert_eq!(serde_json::from_value::<ResultV2>(v.clone()).unwrap(), r);
        let mut extra = v.clone();
        extra["category"] = "未发现问题".into();
        assert!(serde_json::from_value::<ResultV2>(extra).is_err());
    }
}
