//! The draw itself (spec §6–§10): strata and selection by ticket, the
//! SHA-256 counter-mode stream, team assignment and its candidates, the
//! diagnosis of an infeasible plan, the draw document, its verification and
//! the CSV reports made from it.
//!
//! A pure function of (registries, plan, seed): reads no files, clocks or
//! global RNGs. May import `model` and `input`, never `log` or `server`.

pub mod assign;
pub mod board;
pub mod candidates;
pub mod compare;
pub mod cost;
pub mod diagnose;
pub mod draw;
pub mod regions;
pub mod report;
pub mod select;
pub mod stream;
pub mod verify;
