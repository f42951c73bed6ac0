//! Target selection must equal what the reference implementation of
//! consistent sampling, the PyPI package `consistent-sampler` 1.0.10,
//! selects: on random registries, plans and seeds, per class, in order.

mod common;
use common::*;

use fairdraw::input::plan::Plan;
use fairdraw::input::registry;
use fairdraw::input::table::{BytesSource, Source};

/// Deterministic pseudo-random numbers for building cases.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const REFERENCE: &str = r#"
import json, sys
import consistent_sampler
cases = json.load(open(sys.argv[1], encoding="utf-8"))
out = []
for case in cases:
    out.append([list(consistent_sampler.sampler(ids, case["seed"], take=k, output="id")) if k else []
                for ids, k in case["strata"]])
    out[-1].append([consistent_sampler.first_fraction(i, case["seed"]) for i in case["probe"]])
json.dump(out, sys.stdout)
"#;

fn random_case(rng: &mut Lcg, n_case: usize) -> (String, String, String) {
    let n = 1 + rng.next(600) as u32;
    let offset = rng.next(1_000_000) as u32;
    let mut csv = String::from("uscc,name,credit_class,region,industry,status\n");
    for i in 0..n {
        let class = ["A", "A", "B", "B", "B", "C", "D"][rng.next(7) as usize];
        let status = ["存续", "存续", "存续", "注销", "歇业"][rng.next(5) as usize];
        csv += &format!("{},企业{i},{class},33010{},F52,{status}\n", uscc(offset + i * 7), rng.next(9));
    }
    let pct = |rng: &mut Lcg| format!("{}.{}%", rng.next(101), rng.next(10)).replace("100.", "99.");
    let plan = format!(
        "name = \"case {n_case}\"\n[ratios]\nA = \"{}\"\nB = \"{}\"\nC = \"{}\"\nD = \"{}\"\n",
        pct(rng),
        pct(rng),
        pct(rng),
        pct(rng)
    );
    let seeds = ["", "0", "314159", "01382438112797316654", "双随机 一公开 2026", "a\"b\\c", "🎲🎲🎲"];
    let seed = if rng.next(3) == 0 {
        seeds[rng.next(seeds.len() as u64) as usize].to_string()
    } else {
        format!("{:016x}{:016x}", rng.next(u64::MAX), rng.next(u64::MAX))
    };
    (csv, plan, seed)
}

#[test]
fn selection_equals_consistent_sampler_on_random_registries() {
    let Some(mut reference_python) = python_with_sampler("selection_equals_consistent_sampler_on_random_registries")
    else {
        return;
    };
    let mut rng = Lcg(20261125);
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for n_case in 0..40 {
        let (csv, plan_text, seed) = random_case(&mut rng, n_case);
        let reg =
            registry::read_enterprises(&BytesSource { label: "e.csv".into(), bytes: csv.as_bytes() }, &[]).unwrap();
        let none = |_: &str| -> Box<dyn Source> { unreachable!("plan names no files") };
        let plan = Plan::parse(&plan_text, "plan.toml", &none).unwrap();
        let seed_obj = fairdraw::model::ticket::Seed::new(&seed);
        let strata = fairdraw::engine::select::select(&reg, &plan, &seed_obj);
        // The reference gets each class's eligible ids in file order, not ours.
        let filter = fairdraw::engine::select::ScopeFilter::new(&plan, &reg);
        let mut by_class: Vec<Vec<String>> = vec![Vec::new(); 4];
        let mut lines: Vec<&fairdraw::model::registry::Enterprise> =
            reg.rows.iter().filter(|e| filter.in_scope(e)).collect();
        lines.sort_by_key(|e| e.line);
        for e in lines {
            by_class[e.class as usize].push(e.uscc().to_string());
        }
        let probe: Vec<String> = by_class.iter().flatten().take(3).cloned().collect();
        let tickets: Vec<String> = probe
            .iter()
            .map(|id| fairdraw::model::ticket::ticket_string(&seed_obj.ticket_hash(id.as_bytes())))
            .collect();
        cases.push(serde_json::json!({
            "seed": seed,
            "strata": by_class.iter().zip(&strata).map(|(ids, s)| serde_json::json!([ids, s.sample_size])).collect::<Vec<_>>(),
            "probe": probe,
        }));
        let mut mine: Vec<Vec<String>> = strata
            .iter()
            .map(|s| s.selected.iter().map(|&r| reg.rows[r as usize].uscc().to_string()).collect())
            .collect();
        mine.push(tickets);
        ours.push(mine);
    }
    let dir = tempdir();
    let input = dir.path().join("cases.json");
    std::fs::write(&input, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = write(dir.path(), "reference.py", REFERENCE);
    let out = reference_python.arg(script).arg(&input).output().expect("run the reference");
    assert!(out.status.success(), "reference failed: {}", String::from_utf8_lossy(&out.stderr));
    let reference: Vec<Vec<Vec<String>>> = serde_json::from_slice(&out.stdout).unwrap();
    let selected_total: usize = ours.iter().map(|c| c[..4].iter().map(Vec::len).sum::<usize>()).sum();
    assert!(selected_total > 1000, "cases select enough to mean something: {selected_total}");
    for (i, (r, o)) in reference.iter().zip(&ours).enumerate() {
        assert_eq!(r, o, "case {i} (seed {:?}) differs from consistent-sampler", cases[i]["seed"]);
    }
}

#[test]
fn published_ticket_vectors_match_consistent_sampler() {
    let Some(mut reference_python) = python_with_sampler("published_ticket_vectors_match_consistent_sampler") else {
        return;
    };
    let vectors: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(root().join("tests/vectors/tickets.json")).unwrap()).unwrap();
    assert!(vectors.len() >= 10);
    let dir = tempdir();
    let script = write(
        dir.path(),
        "t.py",
        "import json,sys,consistent_sampler as cs\nv=json.load(open(sys.argv[1],encoding='utf-8'))\nprint(json.dumps([cs.first_fraction(x['id'],x['seed']) for x in v]))\n",
    );
    let out = reference_python.arg(script).arg(root().join("tests/vectors/tickets.json")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reference: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    for (v, r) in vectors.iter().zip(reference) {
        let seed = fairdraw::model::ticket::Seed::new(v["seed"].as_str().unwrap());
        let ours = fairdraw::model::ticket::ticket_string(&seed.ticket_hash(v["id"].as_str().unwrap().as_bytes()));
        assert_eq!(ours, v["ticket"].as_str().unwrap(), "vector file");
        assert_eq!(ours, r, "reference");
    }
}
