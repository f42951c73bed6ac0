//! The domain model: the types and pure functions of the spec that every
//! layer shares — enterprises and inspectors, dates and the working-day
//! calendar, USCC codes, canonical JSON, Merkle hashing, snapshot leaves and
//! tickets.
//!
//! Owns no I/O (the calendars are compiled in). May import only the standard
//! library and crates, never `input`, `engine`, `log` or `server`.

pub mod blinding;
pub mod calendar;
pub mod canonical;
pub mod chi_square;
pub mod date;
pub mod dormancy;
pub mod fields;
pub mod merkle;
pub mod registry;
pub mod result;
pub mod snapshot;
pub mod ticket;
pub mod uscc;
