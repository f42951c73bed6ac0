//! fairdraw: verifiable double-random (双随机、一公开) inspection draws.
//!
//! The draw is a pure function of (registry snapshots, plan, seed), specified
//! byte by byte in `audit/SPEC.md`.
//!
//! # Layers
//!
//! The folders are layers; each may import only the layers before it:
//!
//! 1. [`model`]: the domain types and the spec's pure functions every layer
//!    shares (enterprises, inspectors, dates, USCC, canonical JSON, Merkle
//!    hashing, snapshot leaves, tickets); no I/O.
//! 2. [`input`]: reading tables, registries and plans into the model (§1–§3),
//!    with every problem at once.
//! 3. [`engine`]: strata, selection, assignment, diagnosis, the draw
//!    document and its verification (§6–§10).
//! 4. [`witness`]: the C2SP cosignature and tlog-witness formats and the
//!    client that asks witnesses.
//! 5. [`log`]: the tamper-evident log of commitments and results.
//! 6. [`server`]: the HTTP API over the log, and [`witness_service`]: the
//!    witness's own HTTP service (same layer).
//! 7. `cli` (in the binary): the command line.
//!
//! `tests/layers.rs` checks that no `use crate::…` goes against this order.
//! `model` and `engine` touch no files. Below the log, files are read only
//! through [`input::files`] (which hands the table reader an
//! [`input::table::FileSource`]) and written only by the generator
//! [`input::synth::write_all`]; above it, [`log`], [`server`] and the command
//! line read and write their own.

pub mod engine;
pub mod input;
pub mod log;
pub mod model;
pub mod server;
pub mod witness;
pub mod witness_service;
