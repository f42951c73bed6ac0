//! Witnesses (audit/LOG-FORMAT.md §"Witnesses and cosignatures"): C2SP
//! `cosignature/v1` keys and signatures ([`cosig`]), the tlog-witness
//! `add-checkpoint` wire format ([`protocol`]), the witness itself
//! ([`service`]) and the log writer's side that asks witnesses
//! ([`client`]).

pub mod client;
pub mod cosig;
pub mod protocol;
pub mod service;
