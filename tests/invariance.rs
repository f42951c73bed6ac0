//! What must not change a draw: row order, file encoding, header language,
//! unrelated columns, line endings (issue: "Permuting registry rows,
//! re-encoding the CSV as GB18030 with Chinese headers, or adding unrelated
//! extra columns changes nothing in the draw JSON").

mod common;
use common::*;
use std::path::Path;

const SEED: &str = "invariance 2026";

fn draw(dir: &Path, enterprises: &Path, inspectors: &Path, plan: &str) -> Vec<u8> {
    let out = dir.join(format!("{}.json", enterprises.file_stem().unwrap().to_str().unwrap()));
    fairdraw(
        &[
            "draw",
            "--enterprises",
            s(enterprises),
            "--inspectors",
            s(inspectors),
            "--conflicts",
            s(&data("conflicts.csv")),
            "--plan",
            s(&data(plan)),
            "--seed",
            SEED,
            "--out",
            s(&out),
            "--quiet",
        ],
        dir,
    )
    .expect(0);
    std::fs::read(out).unwrap()
}

fn sample_lines(name: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// Chinese header names of the sample file mapped to English ones.
fn english_header(header: &str) -> String {
    header
        .split(',')
        .map(|h| match h {
            "统一社会信用代码" => "uscc",
            "企业名称" => "name",
            "信用风险分类" => "credit_class",
            "区域代码" => "region",
            "行业代码" => "industry",
            "登记状态" => "status",
            "成立日期" => "established",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn variants(dir: &Path) -> Vec<std::path::PathBuf> {
    let (header, rows) = sample_lines("enterprises.csv");
    let mut out = vec![data("enterprises.csv")];

    let mut shuffled = rows.clone();
    // A fixed permutation: reverse, then interleave halves.
    shuffled.reverse();
    let (a, b) = shuffled.split_at(shuffled.len() / 2);
    let permuted: Vec<String> =
        a.iter().zip(b).flat_map(|(x, y)| [y.clone(), x.clone()]).chain(b[a.len()..].iter().cloned()).collect();
    assert_eq!(permuted.len(), rows.len());
    out.push(write(dir, "permuted.csv", &format!("{header}\n{}\n", permuted.join("\n"))));

    let english = format!("{}\r\n{}\r\n", english_header(&header), rows.join("\r\n"));
    out.push(write(dir, "english_crlf.csv", &english));

    let gb_text = format!("{header}\n{}\n", rows.join("\n"));
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&gb_text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gb).is_err(), "really not UTF-8");
    let gb_path = dir.join("gb18030.csv");
    std::fs::write(&gb_path, &gb).unwrap();
    out.push(gb_path);

    let extra: Vec<String> = rows.iter().enumerate().map(|(i, r)| format!("备注{i},{r},\"地址, 第{i}号\"")).collect();
    out.push(write(dir, "extra_columns.csv", &format!("备注,{header},注册地址\n{}\n", extra.join("\n"))));
    out
}

#[test]
fn row_order_encoding_headers_and_extra_columns_change_nothing() {
    let dir = tempdir();
    for plan in ["plan-single.toml", "plan-cross.toml"] {
        let mut results = Vec::new();
        for v in variants(dir.path()) {
            results.push((v.clone(), draw(dir.path(), &v, &data("inspectors.csv"), plan)));
        }
        let (base_path, base) = &results[0];
        for (path, doc) in &results[1..] {
            assert!(doc == base, "{plan}: {} differs from {}", path.display(), base_path.display());
        }
    }
}

#[test]
fn inspector_roster_in_gb18030_with_permuted_rows_changes_nothing() {
    let dir = tempdir();
    let (header, mut rows) = sample_lines("inspectors.csv");
    let base = draw(dir.path(), &data("enterprises.csv"), &data("inspectors.csv"), "plan-joint.toml");
    rows.reverse();
    let text = format!("{header}\r\n{}\r\n", rows.join("\r\n"));
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let path = dir.path().join("inspectors_gb.csv");
    std::fs::write(&path, &gb).unwrap();
    let other = draw(dir.path(), &data("enterprises.csv"), &path, "plan-joint.toml");
    assert!(other == base);
}

#[test]
fn a_changed_relevant_value_changes_the_root() {
    let dir = tempdir();
    let (header, mut rows) = sample_lines("enterprises.csv");
    let mut cells: Vec<&str> = rows[0].split(',').collect();
    let renamed = format!("{}（分店）", cells[1]);
    cells[1] = &renamed;
    rows[0] = cells.join(",");
    let changed = write(dir.path(), "changed.csv", &format!("{header}\n{}\n", rows.join("\n")));
    let a: serde_json::Value = serde_json::from_slice(&draw(
        dir.path(),
        &data("enterprises.csv"),
        &data("inspectors.csv"),
        "plan-minimal.toml",
    ))
    .unwrap();
    let b: serde_json::Value =
        serde_json::from_slice(&draw(dir.path(), &changed, &data("inspectors.csv"), "plan-minimal.toml")).unwrap();
    assert_ne!(a["snapshots"]["enterprises"]["root"], b["snapshots"]["enterprises"]["root"]);
}
