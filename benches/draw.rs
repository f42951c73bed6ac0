//! Criterion benchmarks of the draw's hot paths on synthetic registries
//! (`fairdraw gen`'s generator, in memory): reading and validating the
//! enterprise CSV (which includes hashing the snapshot leaves and folding the
//! Merkle root), the snapshot root computed from the rows, and ticket
//! computation plus selection for a four-class plan.
//!
//! `cargo bench --bench draw` runs them all; `cargo bench --bench draw -- select`
//! one group. The whole-process figures (wall time, peak memory, the
//! comparison with `consistent-sampler`) come from `benches/run.py`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fairdraw::engine::select;
use fairdraw::input::plan::Plan;
use fairdraw::input::registry;
use fairdraw::input::synth;
use fairdraw::input::table::{BytesSource, Source};
use fairdraw::model::registry::Enterprises;
use fairdraw::model::snapshot;
use fairdraw::model::ticket::{self, Seed};

const PLAN: &str = "name = \"bench\"\n[ratios]\nA = \"2%\"\nB = \"5%\"\nC = \"10%\"\nD = \"30%\"\n";

fn csv(rows: u64) -> Vec<u8> {
    let cfg = synth::SynthConfig { enterprises: rows, inspectors: 5000, conflicts: 0, seed: 2026 };
    let mut out = Vec::new();
    synth::write_enterprises(&cfg, &mut out).expect("in memory");
    out
}

fn read(bytes: &[u8]) -> Enterprises {
    registry::read_enterprises(&BytesSource { label: "enterprises.csv".into(), bytes }, &[]).expect("valid registry")
}

fn plan() -> Plan {
    let none = |_: &str| -> Box<dyn Source> { Box::new(BytesSource { label: "none".into(), bytes: b"" }) };
    Plan::parse(PLAN, "plan.toml", &none).expect("valid plan")
}

fn sizes() -> Vec<u64> {
    // BENCH_SIZES="100000 1000000" to change; the default keeps a run short.
    std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split_whitespace().map(|n| n.parse::<f64>().expect("a number") as u64).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000])
}

fn load(c: &mut Criterion) {
    let mut g = c.benchmark_group("csv_load");
    g.sample_size(10);
    for n in sizes() {
        let bytes = csv(n);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &bytes, |b, bytes| b.iter(|| read(black_box(bytes))));
    }
    g.finish();
}

fn root(c: &mut Criterion) {
    let mut g = c.benchmark_group("snapshot_root");
    g.sample_size(10);
    for n in sizes() {
        let reg = read(&csv(n));
        assert_eq!(snapshot::enterprises_root_from_rows(&reg), snapshot::enterprises_root(&reg));
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::from_parameter(n), &reg, |b, reg| {
            b.iter(|| snapshot::enterprises_root_from_rows(black_box(reg)))
        });
    }
    g.finish();
}

fn select(c: &mut Criterion) {
    let plan = plan();
    let seed = Seed::new("bench");
    let mut g = c.benchmark_group("tickets_selection");
    g.sample_size(10);
    for n in sizes() {
        let reg = read(&csv(n));
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::from_parameter(n), &reg, |b, reg| {
            b.iter(|| select::select(black_box(reg), &plan, &seed))
        });
    }
    g.finish();
}

fn tickets(c: &mut Criterion) {
    let seed = Seed::new("bench");
    let ids: Vec<[u8; 18]> = read(&csv(100_000)).rows.iter().map(|e| e.uscc).collect();
    let mut g = c.benchmark_group("tickets");
    g.throughput(Throughput::Elements(ids.len() as u64));
    g.bench_function("rank_keys_4_lanes", |b| {
        b.iter(|| {
            ids.chunks_exact(4)
                .map(|q| seed.rank_keys4([&q[0], &q[1], &q[2], &q[3]]).iter().sum::<u64>())
                .fold(0u64, u64::wrapping_add)
        })
    });
    g.bench_function("ticket_strings", |b| {
        b.iter(|| ids.iter().map(|id| ticket::ticket_string(&seed.ticket_hash(id)).len()).sum::<usize>())
    });
    g.finish();
}

/// One-block compressions as the draw runs them: `sha2`'s `compress256` one
/// message at a time against the four interleaved lanes of `sha256::compress4`.
fn sha256_one_block(c: &mut Criterion) {
    use fairdraw::model::ticket::sha256;
    let blocks: Vec<sha256::Block> = (0..4096u32).map(|i| [i as u8; 64]).collect();
    let mut g = c.benchmark_group("sha256_one_block");
    g.throughput(Throughput::Elements(blocks.len() as u64));
    g.bench_function("sha2_compress256", |b| {
        b.iter(|| {
            blocks.iter().fold(0u32, |acc, block| {
                let mut state = sha256::IV;
                sha256::compress(&mut state, std::slice::from_ref(black_box(block)));
                acc ^ state[0]
            })
        })
    });
    g.bench_function("four_lanes", |b| {
        b.iter(|| {
            blocks.chunks_exact(4).fold(0u32, |acc, q| {
                let mut states = [sha256::IV; 4];
                let q = black_box(q);
                sha256::compress4(&mut states, [&q[0..1], &q[1..2], &q[2..3], &q[3..4]]);
                acc ^ states[0][0] ^ states[1][0] ^ states[2][0] ^ states[3][0]
            })
        })
    });
    g.finish();
}

criterion_group!(benches, load, root, select, tickets, sha256_one_block);
criterion_main!(benches);
