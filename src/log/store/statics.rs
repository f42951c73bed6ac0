//! Writing the log's static tlog-tiles files (LOG-FORMAT.md "Static
//! publication", "Writing"): after a batch is committed and before
//! `checkpoint` names it, each new file atomically and only if absent. They
//! are derived from the entries, so a failure is a finding, not an error of
//! the write, and a writer that opens the log writes whatever is missing.

use super::*;
use crate::log::tiles::{self, StaticFile};

impl<S: Storage> Log<S> {
    /// The static files the sizes after `from` added, written if absent.
    pub(super) fn write_static(&mut self, from: u64) {
        let files = tiles::new_files(from, self.len(), self.batch_ends.iter().copied().filter(|&e| e > from));
        if let Err(e) = self.write_absent(&files) {
            self.findings.push(format!(
                "static files: {e}; the batch is committed, and the next writer to open the log writes what is missing"
            ));
        }
    }

    /// Every static file of the log that is not there yet (a log written
    /// before tiles existed, or a write that failed half-way).
    pub(super) fn write_missing_static(&mut self) {
        let files = tiles::new_files(0, self.len(), self.batch_ends.iter().copied());
        match self.write_absent(&files) {
            Ok(0) => {}
            Ok(k) => self.findings.push(format!("repaired: wrote {k} missing static file(s) (tile/, entry/)")),
            Err(e) => self.findings.push(format!("static files: {e}; they are written by the next writer")),
        }
    }

    /// Writes each file that is absent; a file that exists is left as it is
    /// (`audit verify` judges its bytes). Stops at the first failure.
    fn write_absent(&mut self, files: &[StaticFile]) -> Result<usize, LogError> {
        let mut written = 0;
        for file in files {
            // Presence first: a writer opens the log (the server at start-up
            // too) and must not copy every entry's bytes to learn that their
            // files are all there.
            let name = file.path();
            if self.storage.len(&name).map_err(|e| LogError::io(&name, e))?.is_some() {
                continue;
            }
            let Some(bytes) = tiles::content(file, &self.lines, &self.leaves, &self.tile_hashes) else {
                continue; // an entry bundle with an entry too long for it
            };
            self.storage.replace(&name, &bytes).map_err(|e| LogError::io(&name, e))?;
            written += 1;
        }
        Ok(written)
    }
}

impl<S: Storage> Log<S> {
    /// Every static file of the committed log (bundles that cannot be
    /// encoded included: [`Log::static_content`] is `None` for them).
    pub fn static_files(&self) -> Vec<StaticFile> {
        tiles::new_files(0, self.len(), self.batch_ends.iter().copied())
    }

    /// The bytes of a static file, derived from the committed entries.
    pub fn static_content(&self, file: &StaticFile) -> Option<Vec<u8>> {
        tiles::content(file, &self.lines, &self.leaves, &self.tile_hashes)
    }

    /// `checkpoints.jsonl` as far as the committed log goes (a concurrent
    /// writer's newer records, or an unfinished tail, left out).
    pub fn committed_records(&self) -> Result<Vec<u8>, LogError> {
        let mut bytes = self.read(CHECKPOINTS)?.unwrap_or_default();
        bytes.truncate(self.records_bytes as usize);
        Ok(bytes)
    }
}
