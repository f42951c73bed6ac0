//! The tamper-evident audit log (audit/LOG-FORMAT.md).
//!
//! Entries are canonical JSON lines forming an RFC 6962 Merkle tree
//! ([`proof`]); every tree size gets a C2SP signed checkpoint ([`note`]);
//! storage sits behind a trait with a durability contract ([`storage`],
//! [`store`]). Draws go commit → beacon → reveal ([`flow`], [`beacon`]) and
//! anyone replays and checks them ([`audit`]).

pub mod accounts;
pub mod aftercare;
pub mod annual;
pub mod audit;
pub mod audit_aftercare;
pub mod audit_entries;
pub mod audit_protected;
pub mod audit_receipts;
pub mod audit_replace;
pub mod audit_seal;
pub mod audit_tiles;
pub mod audit_witnesses;
pub mod beacon;
pub mod commitments;
pub mod disclosure;
pub mod entry;
pub mod export;
pub mod feedback;
pub mod fetch;
pub mod flow;
pub mod flow_error;
pub mod gsxt;
pub mod ledger;
pub mod mirror;
pub mod note;
pub mod open_data;
pub mod policy;
pub mod proof;
pub mod protected;
pub mod publication;
pub mod publish;
pub mod replace;
pub mod seal;
pub mod snapshots;
pub mod stats;
pub mod storage;
pub mod store;
pub mod tiles;
pub mod wakes;
pub mod witnessing;
pub mod yearbook;
