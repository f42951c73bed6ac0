//! Witnesses (audit/LOG-FORMAT.md §"Witnesses and cosignatures"): C2SP
//! `cosignature/v1` keys and signatures ([`cosig`]), the tlog-witness
//! `add-checkpoint` wire format ([`protocol`]) and the log writer's side
//! that asks witnesses ([`client`]). Pure formats and a client: below the
//! log, which uses them; the witness service itself is
//! [`crate::witness_service`], in the server layer.

pub mod client;
pub mod cosig;
pub mod protocol;
