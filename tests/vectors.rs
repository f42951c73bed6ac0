//! Golden vectors (spec §11): the Rust engine must reproduce every
//! `tests/vectors/*/draw.json` byte for byte, and the RFC 6962 root vectors.

mod common;
use common::*;

use fairdraw::input::files::{self, InputPaths};

pub const VECTORS: [&str; 6] = ["basic", "repair", "joint-gbk", "strata-region", "range-filter", "offsite"];

fn paths(name: &str) -> InputPaths {
    let dir = root().join("tests/vectors").join(name);
    let conflicts = dir.join("conflicts.csv");
    InputPaths {
        enterprises: dir.join("enterprises.csv"),
        inspectors: dir.join("inspectors.csv"),
        conflicts: conflicts.exists().then_some(conflicts),
        plan: dir.join("plan.toml"),
    }
}

fn seed(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/vectors").join(name).join("seed.txt")).unwrap()
}

#[test]
fn engine_reproduces_every_vector_byte_for_byte() {
    for name in VECTORS {
        let inputs = files::load(&paths(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let doc = fairdraw::engine::draw::draw(&inputs.registries(), &inputs.plan, &seed(name)).unwrap();
        let ours = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        let golden = std::fs::read_to_string(root().join("tests/vectors").join(name).join("draw.json")).unwrap();
        assert!(ours == golden, "{name}: engine output differs from the golden draw.json");
    }
}

#[test]
fn the_repair_vector_really_needs_the_repair() {
    let inputs = files::load(&paths("repair")).unwrap();
    let reg = inputs.registries();
    let s = seed("repair");
    let selection = fairdraw::engine::regions::selection(
        &inputs.enterprises,
        &inputs.plan,
        &fairdraw::model::ticket::Seed::new(&s),
    );
    let targets = fairdraw::engine::draw::targets(&inputs.enterprises, &selection);
    let assigned = fairdraw::engine::draw::teams(&reg, &inputs.plan, &targets, &s).unwrap();
    assert!(assigned.repairs > 0, "greedy alone succeeded; pick another seed for the vector");
}

#[test]
fn rfc6962_roots() {
    let v: serde_json::Value = serde_json::from_slice(include_bytes!("vectors/rfc6962/roots.json")).unwrap();
    let leaves: Vec<Vec<u8>> =
        v["leaf_inputs_hex"].as_array().unwrap().iter().map(|h| hex::decode(h.as_str().unwrap()).unwrap()).collect();
    for (n, root) in v["root_for_size_hex"].as_array().unwrap().iter().enumerate() {
        let mut b = fairdraw::model::merkle::RootBuilder::default();
        leaves[..n].iter().for_each(|l| b.push(fairdraw::model::merkle::leaf_hash(l)));
        assert_eq!(hex::encode(b.root()), root.as_str().unwrap(), "size {n}");
        let hashes: Vec<_> = leaves[..n].iter().map(|l| fairdraw::model::merkle::leaf_hash(l)).collect();
        let par = fairdraw::model::merkle::root_parallel(n, |r| fairdraw::model::merkle::root(&hashes[r]));
        assert_eq!(hex::encode(par), root.as_str().unwrap(), "parallel, size {n}");
    }
}

#[test]
fn stream_vector() {
    let v: serde_json::Value = serde_json::from_slice(include_bytes!("vectors/stream.json")).unwrap();
    for case in v.as_array().unwrap() {
        let mut s = fairdraw::engine::stream::Stream::for_assignment(case["seed"].as_str().unwrap());
        let words: Vec<String> =
            (0..case["words"].as_array().unwrap().len()).map(|_| format!("{:016x}", s.next_u64())).collect();
        assert_eq!(serde_json::json!(words), case["words"]);
        let mut s = fairdraw::engine::stream::Stream::for_assignment(case["seed"].as_str().unwrap());
        for pair in case["uniform"].as_array().unwrap() {
            assert_eq!(s.uniform(pair[0].as_u64().unwrap()), pair[1].as_u64().unwrap());
        }
    }
}

/// audit/LOG-FORMAT.md "Salts and blinded leaves": every salt, blind,
/// blinded leaf and blinded root of `tests/vectors/protected/blinding.json`
/// (written by its make.py from the spec text alone), byte for byte.
#[test]
fn blinding_vector() {
    use fairdraw::model::blinding::{self, Blinded, Registry, State};
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("tests/vectors/protected/blinding.json")).unwrap()).unwrap();
    let secret: [u8; 32] = hex::decode(v["secret"].as_str().unwrap()).unwrap().try_into().unwrap();
    let statuses: Vec<&str> =
        v["plan_scope"]["statuses"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let exclude: Vec<&str> =
        v["plan_scope"]["exclude"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let mut blinded: std::collections::BTreeMap<&str, Vec<Vec<u8>>> = Default::default();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 7);
    for row in rows {
        let leaf_text = row["leaf"].as_str().unwrap();
        let leaf: Vec<serde_json::Value> = serde_json::from_str(leaf_text).unwrap();
        let text = |k: usize| leaf[k].as_str().unwrap();
        let (registry, key) = match row["registry"].as_str().unwrap() {
            "enterprises" => (Registry::Enterprises, text(0).as_bytes().to_vec()),
            "inspectors" => (Registry::Inspectors, text(0).as_bytes().to_vec()),
            "conflicts" => (Registry::Conflicts, blinding::conflict_key(text(0), text(1))),
            other => panic!("registry {other}"),
        };
        assert_eq!(hex::encode(&key), row["key_hex"].as_str().unwrap());
        let salt = blinding::salt(&secret, registry, &key);
        assert_eq!(hex::encode(salt), row["salt"].as_str().unwrap(), "salt of {leaf_text}");
        let blind = blinding::blind(&salt, leaf_text.as_bytes());
        assert_eq!(blind, row["blind"].as_str().unwrap(), "blind of {leaf_text}");
        let blinded_leaf = match registry {
            Registry::Enterprises => {
                let state = match (statuses.contains(&text(5)), exclude.contains(&text(0))) {
                    (false, _) => State::Out,
                    (true, true) => State::Excluded,
                    (true, false) => State::Eligible,
                };
                blinding::enterprise_leaf(text(2), state, &blind)
            }
            Registry::Inspectors => blinding::inspector_leaf(text(0), text(1), text(2), &blind),
            Registry::Conflicts => blinding::conflict_leaf(&blind),
        };
        assert_eq!(String::from_utf8(blinded_leaf.clone()).unwrap(), row["blinded_leaf"].as_str().unwrap());
        blinded.entry(registry.as_str()).or_default().push(blinded_leaf);
    }
    for registry in Registry::ALL {
        let want = &v["blinded"][registry.as_str()];
        let got = Blinded::new(blinded.remove(registry.as_str()).unwrap());
        let lines: Vec<String> = got.leaves.iter().map(|l| String::from_utf8(l.clone()).unwrap()).collect();
        assert_eq!(serde_json::json!(lines), want["leaves"], "{} leaves", registry.as_str());
        assert_eq!(got.root_hex(), want["root"].as_str().unwrap(), "{} root", registry.as_str());
        assert_eq!(got.count(), want["count"].as_u64().unwrap());
    }
}
