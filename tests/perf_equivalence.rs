//! The fast paths give the same answers as the definitions, on inputs large
//! enough to take them: a registry of several read blocks (parsed on all
//! cores, with cuts inside quoted multi-line fields), its Merkle root
//! (perfect subtrees hashed four messages at a time on all cores) against
//! the leaf-by-leaf definition, and the parallel, chunked ticket selection.

use fairdraw::engine::select;
use fairdraw::input::plan::Plan;
use fairdraw::input::registry;
use fairdraw::input::synth;
use fairdraw::input::table::{BytesSource, Source};
use fairdraw::model::merkle;
use fairdraw::model::registry::Enterprises;
use fairdraw::model::snapshot;
use fairdraw::model::ticket::{self, Seed};

const ROWS: u64 = 40_000;

fn generated() -> String {
    let cfg = synth::SynthConfig { enterprises: ROWS, inspectors: 10, conflicts: 0, seed: 7 };
    let mut out = Vec::new();
    synth::write_enterprises(&cfg, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn read(bytes: &[u8], keep: &[String]) -> Enterprises {
    registry::read_enterprises(&BytesSource { label: "e.csv".into(), bytes }, keep).unwrap()
}

/// Every value the draw reads, row by row.
fn content(reg: &Enterprises) -> Vec<String> {
    reg.rows
        .iter()
        .map(|e| {
            let extras: Vec<&str> = (0..reg.extra_columns.len()).map(|j| reg.extra(e, j)).collect();
            format!(
                "{} {} {} {} {} {} {:?}",
                e.uscc(),
                reg.name(e),
                e.class.letter(),
                e.region(),
                reg.industry(e),
                e.status.label(),
                extras
            )
        })
        .collect()
}

#[test]
fn re_encoded_reframed_and_permuted_registries_read_the_same() {
    let text = generated();
    let mut lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    let header = lines.remove(0);
    let keep = vec!["列入经营异常名录".to_string()];
    let plain = read(text.as_bytes(), &keep);
    assert_eq!(plain.rows.len() as u64, ROWS);
    let root = snapshot::enterprises_root(&plain);
    let leaves: Vec<_> = plain
        .rows
        .iter()
        .map(|e| {
            let mut leaf = Vec::new();
            snapshot::enterprise_leaf(&plain, e, &mut leaf);
            merkle::leaf_hash(&leaf)
        })
        .collect();
    assert_eq!(root, merkle::root(&leaves));

    // Excel on Chinese Windows: GB18030, CRLF, an extra multi-line quoted
    // column, blank lines, rows in another order.
    let mut rows: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match i % 5 {
            0 => format!("{l},\"第一行\r\n第二行，含\"\"引号\"\", 和逗号\n第三行\""),
            1 => format!("{l},\"\""),
            _ => format!("{l},普通"),
        })
        .collect();
    rows.reverse();
    rows.rotate_left(ROWS as usize / 3);
    let mut excel = format!("{header},备注\r\n");
    for (i, r) in rows.iter().enumerate() {
        excel += r;
        excel += "\r\n";
        if i % 997 == 0 {
            excel += "\r\n";
        }
    }
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&excel);
    assert!(!unmappable);
    assert!(gb.len() > 3 << 20, "several read blocks");
    for bytes in [excel.as_bytes(), &gb] {
        let reg = read(bytes, &keep);
        assert_eq!(content(&reg), content(&plain));
        assert_eq!(snapshot::enterprises_root(&reg), root);
        assert_eq!(snapshot::enterprises_root_from_rows(&reg), root);
    }
}

#[test]
fn parallel_selection_equals_sorting_every_ticket() {
    let reg = read(generated().as_bytes(), &[]);
    let none = |_: &str| -> Box<dyn Source> { Box::new(BytesSource { label: "none".into(), bytes: b"" }) };
    let plan_text =
        "name = \"t\"\n[ratios]\nA = \"3%\"\nB = \"0\"\nC = \"12.5%\"\nD = \"100%\"\n[min]\nB = 7\n[max]\nD = 900\n";
    let plan = Plan::parse(plan_text, "plan.toml", &none).unwrap();
    for seed_text in ["", "2026 第四季度", "01382438112797316654"] {
        let seed = Seed::new(seed_text);
        let strata = select::select(&reg, &plan, &seed);
        let filter = select::ScopeFilter::new(&plan, &reg);
        for s in &strata {
            let mut tickets: Vec<(String, &str, u32)> = reg
                .rows
                .iter()
                .enumerate()
                .filter(|(_, e)| Some(e.class) == s.class && filter.in_scope(e))
                .map(|(i, e)| (ticket::ticket_string(&seed.ticket_hash(&e.uscc)), e.uscc(), i as u32))
                .collect();
            tickets.sort();
            assert_eq!(s.eligible, tickets.len() as u64);
            let want: Vec<u32> = tickets.iter().take(s.sample_size as usize).map(|t| t.2).collect();
            assert_eq!(
                s.selected,
                want,
                "class {}",
                s.class.expect("a plan without feedback has class strata only").letter()
            );
            assert_eq!(s.cutoff.as_deref(), tickets.get(want.len().wrapping_sub(1)).map(|t| t.0.as_str()));
        }
    }
}
