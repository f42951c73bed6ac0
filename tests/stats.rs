//! A year of sample results (audit/LOG-FORMAT.md, "Exports" and
//! "Statistics"): four draws of 2026, three departments and a joint
//! inspection, several hundred published results with amendments, old
//! 待审核 entries and v1 results. The statistics must equal a recount made
//! here from the open-data export's CSV files alone; the open-data JSON must
//! validate against audit/schema/open-data.schema.json; the gsxt export must
//! read back as the log's results.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{fairdraw, s, sample_year_draws as draws, tempdir};
use fairdraw::log::entry::Kind;
use fairdraw::log::store::Log;
use serde_json::{json, Value};

/// The result codes the sample cycles through (the first five found no problem).
const CODES: [&[&str]; 8] = [&["1"], &["E"], &["F"], &["6"], &["1"], &["A", "B"], &["8"], &["A", "G"]];

/// A v2 result of a target: one item per plan item × team department.
fn v2(plan: &Value, n: usize, state: &str) -> Value {
    let mut items = Vec::new();
    let names: Vec<&str> = plan["items"].as_array().unwrap().iter().map(|i| i["item"].as_str().unwrap()).collect();
    let names = if names.is_empty() { vec!["双随机抽查"] } else { names };
    let departments: Vec<&str> =
        plan["team"]["departments"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    let departments = if departments.is_empty() { vec!["市场监督管理局"] } else { departments };
    for (k, item) in names.iter().enumerate() {
        for (j, dept) in departments.iter().enumerate() {
            let codes = CODES[(n + k + j) % CODES.len()];
            items.push(json!({"item": item, "department": dept, "codes": codes, "findings": format!("第{n}户")}));
        }
    }
    items.sort_by(|a, b| {
        (a["item"].as_str(), a["department"].as_str()).cmp(&(b["item"].as_str(), b["department"].as_str()))
    });
    let method = ["on_site", "desk", "online", "data"][n % 4];
    json!({"format": 2, "inspection_date": "2026-11-02", "method": method, "items": items, "attachments": [], "state": state})
}

/// Records the sample results straight into the log (as the review API
/// would publish them); returns how many are published, counted here as
/// they are written (not read back through the library).
fn record_results(log_dir: &Path) -> u64 {
    let mut log = Log::open_dir(log_dir, true).unwrap();
    let entries: Vec<Value> = common::log_entries(log_dir);
    let ids = common::log_ids(log_dir);
    let commitment = |id: &str| -> Value {
        entries.iter().zip(&ids).find(|(_, i)| *i == id).map(|(e, _)| e["body"]["plan"].clone()).unwrap()
    };
    let mut batch = Vec::new();
    let mut held = Vec::new();
    let mut published = 0;
    let mut n = 0;
    for (e, id) in entries.iter().zip(&ids).filter(|(e, _)| e["kind"] == "DrawResult") {
        let plan = commitment(e["body"]["commitment"].as_str().unwrap());
        for a in e["body"]["draw"]["assignments"].as_array().unwrap() {
            n += 1;
            let uscc = a["uscc"].as_str().unwrap();
            let result = match n % 10 {
                9 => continue, // not recorded yet
                7 => {
                    json!({"category": "未发现问题", "inspection_date": "2026-11-03", "findings": "", "state": "已公示"})
                } // v1
                3 => {
                    held.push(batch.len());
                    v2(&plan, n, "待审核") // an old log's entry waiting for review
                }
                _ => v2(&plan, n, "已公示"),
            };
            published += u64::from(result["state"] == "已公示");
            batch.push((Kind::InspectionResult, json!({"draw": id, "uscc": uscc, "result": result})));
        }
    }
    let result_ids = log.append(batch, "2026-11-10T03:00:00Z", true).unwrap();
    // Every second held result is published by an amendment (the others
    // stay out of every figure); every fifth result is amended to another code.
    let mut amendments = Vec::new();
    for &k in held.iter().step_by(2) {
        amendments.push((
            Kind::Amendment,
            json!({"amends": result_ids[k], "reason": "审核通过", "result": {"state": "已公示"}}),
        ));
        published += 1;
    }
    for (k, id) in result_ids.iter().enumerate() {
        if k % 5 == 0 {
            let items =
                json!([{"item": "改正", "department": "市场监督管理局", "codes": ["A", "C"], "findings": "复查"}]);
            amendments.push((Kind::Amendment, json!({"amends": id, "reason": "更正", "result": {"items": items}})));
        }
    }
    log.append(amendments, "2026-11-20T03:00:00Z", true).unwrap();
    published
}

type Table = Vec<BTreeMap<String, String>>;

fn read_csv(path: &Path) -> Table {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{} has no byte order mark", path.display());
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header = r.headers().unwrap().clone();
    r.records().map(|rec| header.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect()).collect()
}

/// The figures recounted from the open-data CSV files: per group key, the
/// counters the statistics report.
fn recount(dir: &Path) -> BTreeMap<(String, String), BTreeMap<&'static str, u64>> {
    let draws = read_csv(&dir.join("draws-2026.csv"));
    let visits = read_csv(&dir.join("visits-2026.csv"));
    let results = read_csv(&dir.join("results-2026.csv"));
    let mut out: BTreeMap<(String, String), BTreeMap<&'static str, u64>> = BTreeMap::new();
    let mut add = |groups: &[(&str, &str)], what: &'static str| {
        for (g, k) in groups {
            *out.entry((g.to_string(), k.to_string())).or_default().entry(what).or_default() += 1;
        }
    };
    // Per target: its result lines (a v1 result has one line without codes).
    let mut lines: BTreeMap<(String, String), Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for r in &results {
        lines.entry((r["draw"].clone(), r["uscc"].clone())).or_default().push(r);
    }
    for v in &visits {
        let groups =
            [("totals", ""), ("department", &v["department"]), ("region", &v["region"]), ("class", &v["class"])];
        add(&groups, "drawn");
        if v["joint"] == "true" {
            add(&groups, "joint");
        }
        if v["method"] != "on_site" {
            add(&groups, "off_site");
        }
        if let Some(ls) = lines.get(&(v["draw"].clone(), v["uscc"].clone())) {
            add(&groups, "published");
            if ls[0]["format"] == "2" {
                add(&groups, "published_v2");
            }
            if ls.iter().any(|l| l["codes"].split('|').any(|c| ["A", "B", "C", "D", "8"].contains(&c))) {
                add(&groups, "problems");
            }
        }
    }
    for d in &draws {
        let planned: u64 = d["planned"].parse().unwrap();
        for key in [("totals".to_string(), String::new()), ("department".to_string(), d["department"].clone())] {
            *out.entry(key).or_default().entry("planned").or_default() += planned;
        }
    }
    out
}

/// The sample year drawn and recorded in `dir/log`, exported as open data
/// to `dir/open`; returns both paths and how many results were published.
fn exported_year(dir: &Path) -> (PathBuf, PathBuf, u64) {
    let log = dir.join("log");
    draws(dir, &log);
    let published = record_results(&log);
    let out = dir.join("open");
    fairdraw(&["export", "open-data", "--log", s(&log), "--year", "2026", "--out", s(&out)], dir).expect(0);
    (log, out, published)
}

#[test]
fn the_statistics_equal_a_recount_from_the_open_data_export() {
    let dir = tempdir();
    let (log, out, published) = exported_year(dir.path());
    let run = fairdraw(&["stats", "--log", s(&log), "--year", "2026", "--now", "2026-12-01T00:00:00Z"], dir.path());
    let stats: Value = serde_json::from_str(&run.expect(0).stdout).unwrap();

    let recounted = recount(&out);
    let totals = &recounted[&("totals".to_string(), String::new())];
    assert!(totals["published"] >= 250, "a year of several hundred results: {totals:?}");
    assert_eq!(totals["published"], published, "only the results written as 已公示 or published by amendment");
    // What each class's plans called for, summed here from the logged documents.
    let mut planned_by_class: BTreeMap<String, u64> = BTreeMap::new();
    for e in common::log_entries(&log).iter().filter(|e| e["kind"] == "DrawResult") {
        for st in e["body"]["draw"]["strata"].as_array().unwrap() {
            *planned_by_class.entry(st["class"].as_str().unwrap().to_string()).or_default() +=
                st["sample_size"].as_u64().unwrap();
        }
    }
    assert!(totals["problems"] > 0 && totals["joint"] > 0 && !totals.contains_key("off_site"), "{totals:?}");
    let mut compared = 0;
    let mut check = |key: (String, String), row: &Value| {
        let want = recounted.get(&key).cloned().unwrap_or_default();
        for what in ["drawn", "published", "published_v2", "problems", "joint", "off_site", "planned"] {
            let got = row[what].as_u64();
            let want = want.get(what).copied();
            let want = if what == "planned" && key.0 == "region" { None } else { want.or(Some(0)) };
            let want = if what == "planned" && key.0 == "class" { planned_by_class.get(&key.1).copied() } else { want };
            assert_eq!(got, want, "{what} of {key:?}");
            compared += 1;
        }
        let rate =
            |a: &str, b: &str| row[b].as_u64().filter(|&n| n > 0).map(|n| row[a].as_u64().unwrap() as f64 / n as f64);
        assert_eq!(row["problem_rate"].as_f64(), rate("problems", "published_v2"), "problem rate of {key:?}");
        assert_eq!(row["joint_share"].as_f64(), rate("joint", "drawn"), "joint share of {key:?}");
    };
    check(("totals".into(), String::new()), &stats["totals"]);
    for (group, list) in [("department", "by_department"), ("region", "by_region"), ("class", "by_class")] {
        let rows = stats[list].as_array().unwrap();
        let keys: Vec<&str> = rows.iter().map(|r| r[group].as_str().unwrap()).collect();
        let want: Vec<&str> = recounted.keys().filter(|(g, _)| g == group).map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, want, "the {group} groups");
        for r in rows {
            check((group.into(), r[group].as_str().unwrap().into()), r);
        }
    }
    assert!(compared > 50, "compared {compared} figures");

    // Inspector workload, recounted from teams and results.
    let teams = read_csv(&out.join("teams-2026.csv"));
    let results = read_csv(&out.join("results-2026.csv"));
    let published: std::collections::BTreeSet<(String, String)> =
        results.iter().map(|r| (r["draw"].clone(), r["uscc"].clone())).collect();
    let mut load: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for t in &teams {
        let l = load.entry(t["inspector"].clone()).or_default();
        l[0] += 1;
        l[1] += u64::from(t["role"] == "leader");
        l[2] += u64::from(t["role"] == "expert");
        l[3] += u64::from(published.contains(&(t["draw"].clone(), t["uscc"].clone())));
    }
    let got: BTreeMap<String, [u64; 4]> = stats["inspectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let n = |k: &str| i[k].as_u64().unwrap();
            (i["inspector"].as_str().unwrap().to_string(), [n("visits"), n("led"), n("as_expert"), n("published")])
        })
        .collect();
    assert_eq!(got, load, "inspector workload");

    // The fairness tables count the drawn targets of each class and region.
    for (test, group) in [("class", "class"), ("region", "region")] {
        let t = &stats["fairness"][test];
        let drawn: f64 = t["cells"].as_array().unwrap().iter().map(|c| c["drawn"].as_f64().unwrap()).sum();
        assert_eq!(drawn as u64, totals["drawn"], "{test} test cells ({group})");
        let p = t["p_value"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{test}: p = {p}");
        assert!(t["df"].as_u64().unwrap() >= 1, "{test}: {t}");
    }
    // Draws are random: the region test must not reject at 0.1% on this sample.
    assert!(stats["fairness"]["region"]["p_value"].as_f64().unwrap() > 0.001, "{}", stats["fairness"]["region"]);
}

#[test]
fn the_open_data_json_validates_against_its_schema_and_matches_its_csv() {
    let dir = tempdir();
    let (_, out, _) = exported_year(dir.path());
    let doc: Value = serde_json::from_slice(&std::fs::read(out.join("open-data-2026.json")).unwrap()).unwrap();
    let schema: Value =
        serde_json::from_slice(&std::fs::read(common::root().join("audit/schema/open-data.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The schema is strict enough to refuse a wrong row.
    let mut bad = doc.clone();
    bad["results"][0]["codes"] = json!(["Z"]);
    assert!(!validator.is_valid(&bad), "a code outside the table passes the schema");
    // Each CSV holds the same rows as its JSON array.
    for table in ["draws", "visits", "teams", "results", "follow_ups"] {
        let rows = read_csv(&out.join(format!("{table}-2026.csv")));
        let json_rows = doc[table].as_array().unwrap();
        assert_eq!(rows.len(), json_rows.len(), "{table}");
        for (c, j) in rows.iter().zip(json_rows) {
            for (k, v) in c {
                let as_csv = match &j[k] {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect::<Vec<_>>().join("|"),
                    other => other.to_string(),
                };
                assert_eq!(&as_csv, v, "{table}.{k}");
            }
        }
    }
    assert!(doc["results"].as_array().unwrap().len() > 250);
}

#[test]
fn the_gsxt_export_reads_back_as_the_logs_results() {
    let dir = tempdir();
    let log = dir.path().join("log");
    draws(dir.path(), &log);
    record_results(&log);
    let csv_file = dir.path().join("gsxt.csv");
    let args =
        ["export", "results", "--log", s(&log), "--format", "gsxt", "--from", "2026-11-01", "--to", "2026-11-30"];
    fairdraw(&[&args[..], &["--out", s(&csv_file)]].concat(), dir.path()).expect(0);
    fairdraw(&["import", "results", "--format", "gsxt", s(&csv_file), "--log", s(&log)], dir.path()).expect(0);
    let read = fairdraw(&["import", "results", "--format", "gsxt", s(&csv_file)], dir.path()).expect(0);
    let read: Value = serde_json::from_str(&read.stdout).unwrap();
    assert!(read.as_array().unwrap().len() > 200, "{} results", read.as_array().unwrap().len());
    // Amended codes, published-by-amendment results and joint items made it through.
    let items: Vec<&Value> = read.as_array().unwrap().iter().flat_map(|r| r["items"].as_array().unwrap()).collect();
    assert!(items.iter().any(|i| i["item"] == "改正" && i["codes"] == json!(["A", "C"])));
    assert!(items.iter().any(|i| i["department"] == "卫生健康委员会"));

    // A changed code is a difference (exit 1), an unknown one bad input (exit 2).
    let text = std::fs::read_to_string(&csv_file).unwrap();
    let changed = text.replacen(",\"A,C\",", ",\"1\",", 1);
    assert_ne!(changed, text, "the export holds an amended A,C line");
    common::write(dir.path(), "changed.csv", &changed);
    fairdraw(&["import", "results", "--format", "gsxt", "changed.csv", "--log", s(&log)], dir.path()).expect(1);
    common::write(dir.path(), "bad.csv", &text.replacen(",\"A,C\",", ",\"A,Q\",", 1));
    let bad = fairdraw(&["import", "results", "--format", "gsxt", "bad.csv"], dir.path()).expect(2);
    assert!(bad.stderr.contains("\"Q\" is not a result code"), "{}", bad.stderr);

    // The workbook: a zip, its USCCs written as shared strings (text), never numbers.
    let xlsx = dir.path().join("gsxt.xlsx");
    fairdraw(&[&args[..], &["--out", s(&xlsx)]].concat(), dir.path()).expect(0);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK\x03\x04"));
    fairdraw(&[&args[..], &["--out", "x.txt"]].concat(), dir.path()).expect(2);
}

#[test]
fn the_report_is_one_file_with_its_data_script_and_style_inline() {
    let dir = tempdir();
    let log = dir.path().join("log");
    draws(dir.path(), &log);
    let report = dir.path().join("report.html");
    fairdraw(&["stats", "--log", s(&log), "--year", "2026", "--out", s(&report)], dir.path()).expect(0);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("FairdrawStats") && html.contains("\"format\":\"fairdraw-stats/1\"") && html.contains("<style>")
    );
    for external in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(external), "the report loads something ({external})");
    }
}
