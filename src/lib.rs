//! fairdraw: verifiable double-random (双随机、一公开) inspection draws.
//!
//! The draw is a pure function of (registry snapshots, plan, seed), specified
//! byte by byte in `audit/SPEC.md`. Modules map to the spec's sections:
//! reading tables (§1, [`table`], [`registry`]), USCC ([`uscc`], §2), plans
//! ([`plan`], §3), canonical JSON ([`canonical`], §4), snapshots
//! ([`snapshot`], [`merkle`], §5), strata and tickets ([`select`],
//! [`ticket`], §6–7), assignment ([`stream`], [`assign`], [`diagnose`], §8),
//! the document ([`draw`], §9) and verification ([`verify`], §10).
//! Only [`inputs`] touches the filesystem.

pub mod assign;
pub mod calendar;
pub mod candidates;
pub mod canonical;
pub mod date;
pub mod diagnose;
pub mod draw;
pub mod error;
pub mod inputs;
pub mod log;
pub mod merkle;
pub mod plan;
pub mod ratio;
pub mod registry;
pub mod report;
pub mod select;
pub mod server;
pub mod snapshot;
pub mod stream;
pub mod synth;
pub mod table;
pub mod ticket;
pub mod uscc;
pub mod verify;
pub mod witness;

pub use error::Error;
