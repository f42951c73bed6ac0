//! Reading a draw's inputs into the model (spec §1–§3): CSV and Excel-export
//! tables, the three registries, plans and their side files, with every
//! problem reported at once with its file, line, column and value.
//!
//! Files are opened only by [`files`] (through [`table::FileSource`], or
//! [`xlsx::SheetSource`] for an Excel workbook) and
//! written only by the test-data generator [`synth::write_all`]; everything
//! else reads from a [`table::Source`]. May import `model`, never `engine`,
//! `log` or `server`.

pub mod checks;
pub mod error;
pub mod files;
pub mod plan;
pub mod range;
pub mod ratio;
pub mod registry;
pub mod synth;
pub mod table;
pub mod workbook;
pub mod xlsx;
