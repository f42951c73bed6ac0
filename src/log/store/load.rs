//! Opening a log: the three files checked against each other and the log's
//! key, read in the reverse of the write order; a writer cuts only a
//! provably unfinished tail, into `recovered/` (LOG-FORMAT.md "Writing,
//! crashes, repair", rules 1–4). Everything else is `LogError::Damaged`.

use super::*;

/// The unfinished tail found when opening: bytes past the committed state.
struct Tail {
    entries_from: usize,
    entries_len: usize,
    records_from: usize,
    records_len: usize,
    complete_entries: usize,
    unfinished_records: usize,
}

impl<S: Storage> Log<S> {
    pub(super) fn load(&mut self, repair: bool) -> Result<(), LogError> {
        // Read in the reverse of the write order, so that a concurrent writer
        // can only make a later file newer than an earlier one.
        let current = self.read(CHECKPOINT)?;
        let cps = self.read(CHECKPOINTS)?.unwrap_or_default();
        let data = self.read(ENTRIES)?.unwrap_or_default();

        let (cp_lines, cp_torn) = split_lines(&cps);
        let mut records = Vec::with_capacity(cp_lines.len());
        for (i, line) in cp_lines.iter().enumerate() {
            let v: Value = serde_json::from_slice(line)
                .map_err(|e| LogError::Damaged(format!("{CHECKPOINTS} line {} is not JSON ({e})", i + 1)))?;
            let (Some(size), Some(note), Some(batch_end)) =
                (v["size"].as_u64(), v["checkpoint"].as_str(), v["batch_end"].as_bool())
            else {
                return Err(LogError::Damaged(format!(
                    "{CHECKPOINTS} line {} lacks size, checkpoint or batch_end",
                    i + 1
                )));
            };
            if size != i as u64 + 1 {
                return Err(LogError::Damaged(format!(
                    "{CHECKPOINTS} line {} is for tree size {size}, expected {}: records were removed or reordered",
                    i + 1,
                    i + 1
                )));
            }
            records.push(CheckpointRecord { size, note: note.to_string(), batch_end });
        }
        let committed = records.iter().rposition(|r| r.batch_end).map_or(0, |p| p + 1);
        let (lines, torn) = split_lines(&data);
        if lines.len() < committed {
            return Err(LogError::Damaged(format!(
                "{ENTRIES} holds {} complete entries but the signed checkpoints cover {committed}: acknowledged entries were deleted or cut",
                lines.len()
            )));
        }
        if records.len() > lines.len() {
            return Err(LogError::Damaged(format!(
                "{CHECKPOINTS} has records for {} entries but {ENTRIES} holds {}: entries were deleted",
                records.len(),
                lines.len()
            )));
        }
        for line in &lines[..committed] {
            let leaf = entry::leaf_of(line);
            self.tree.push(leaf);
            self.leaves.push(leaf);
        }
        if let Some(newest) = records.get(committed.wrapping_sub(1)) {
            let cp = note::open(&newest.note, &self.vkey).map_err(|e| {
                LogError::Damaged(format!("the newest signed checkpoint (size {}) does not verify: {e}", newest.size))
            })?;
            if cp.size != newest.size || cp.root != self.tree.root() {
                return Err(LogError::Damaged(format!(
                    "the first {committed} entries do not match their signed checkpoint: entries were changed"
                )));
            }
        }
        let newest = committed.checked_sub(1).map(|k| records[k].note.clone());
        let current_size = match &current {
            None => None,
            Some(bytes) => {
                let text = String::from_utf8_lossy(bytes);
                let cp = note::open(&text, &self.vkey)
                    .map_err(|e| LogError::Damaged(format!("the `{CHECKPOINT}` file does not verify: {e}")))?;
                if cp.size > committed as u64 {
                    return Err(LogError::Damaged(format!(
                        "`{CHECKPOINT}` is signed for {} entries but {CHECKPOINTS} commits only {committed}: checkpoint records of acknowledged entries are missing (deleted, or an older copy put back)",
                        cp.size
                    )));
                }
                if cp.root != crate::model::merkle::root(&self.leaves[..cp.size as usize]) {
                    return Err(LogError::Damaged(format!(
                        "`{CHECKPOINT}` (size {}) disagrees with the entries: another history was signed",
                        cp.size
                    )));
                }
                Some(cp.size)
            }
        };

        let entries_keep: usize = lines[..committed].iter().map(|l| l.len() + 1).sum();
        let records_keep: usize = cp_lines[..committed].iter().map(|l| l.len() + 1).sum();
        let tail = Tail {
            entries_from: entries_keep,
            entries_len: data.len() - entries_keep,
            records_from: records_keep,
            records_len: cps.len() - records_keep,
            complete_entries: lines.len() - committed,
            unfinished_records: records.len() - committed,
        };
        if tail.entries_len > 0 || tail.records_len > 0 {
            // Only the `checkpoint` file proves that nothing past `committed`
            // was ever acknowledged; without it, cutting could destroy
            // acknowledged entries whose records were lost. A log that never
            // committed anything may have at most its first entry pending.
            let provable = current_size.is_some() || (committed == 0 && lines.len() <= 1);
            if !provable {
                return Err(LogError::Damaged(format!(
                    "{ENTRIES} has {} entries past the last signed checkpoint (size {committed}) and `{CHECKPOINT}` is missing: an unfinished write cannot be told apart from lost checkpoint records",
                    tail.complete_entries
                )));
            }
            let what = format!(
                "an interrupted write: {} entr{} ({} bytes, {torn} torn) and {} checkpoint record(s) ({} bytes, {cp_torn} torn) past the last committed batch",
                tail.complete_entries,
                if tail.complete_entries == 1 { "y" } else { "ies" },
                tail.entries_len,
                tail.unfinished_records,
                tail.records_len,
            );
            if repair {
                let saved = self.recover(&data, &cps, &tail)?;
                self.findings.push(format!("repaired: {what}; moved to {saved}"));
            } else {
                self.findings
                    .push(format!("found: {what} (not part of the log; the next write moves it to {RECOVERED}/)"));
            }
        }
        if let Some(newest) = &newest {
            if !current.as_deref().is_some_and(|c| is_newest(c, newest)) {
                let what = match current_size {
                    Some(s) => format!("`{CHECKPOINT}` was the older checkpoint of size {s}"),
                    None => format!("`{CHECKPOINT}` was missing"),
                };
                if repair {
                    self.storage.replace(CHECKPOINT, newest.as_bytes()).map_err(|e| LogError::io(CHECKPOINT, e))?;
                    self.findings.push(format!("repaired: {what}; rewritten from {CHECKPOINTS}"));
                } else {
                    self.findings.push(format!("found: {what} (the next write rewrites it)"));
                }
            }
        }

        for (i, line) in lines[..committed].iter().enumerate() {
            self.lines.push(Arc::from(*line));
            self.entries.push(Entry::parse(line, i as u64).map(Arc::new));
            self.ids.insert(self.leaves[i], i as u64);
        }
        self.records = committed as u64;
        self.batch_ends = records[..committed].iter().filter(|r| r.batch_end).map(|r| r.size).collect();
        self.tile_hashes.extend(&self.leaves);
        self.latest = newest;
        self.entries_bytes = entries_keep as u64;
        self.records_bytes = records_keep as u64;
        if repair {
            let first_is_log_created = match self.entries.first() {
                None => true,
                Some(Ok(e)) => e.kind == Kind::LogCreated,
                Some(Err(_)) => false,
            };
            if !first_is_log_created {
                return Err(LogError::Damaged("the first entry is not the log's LogCreated entry".to_string()));
            }
        }
        Ok(())
    }

    /// Saves the unfinished tail under `recovered/`, then cuts it: records
    /// first, so that a crash in between leaves entries past the committed
    /// records, which the next open recognises again.
    fn recover(&mut self, data: &[u8], cps: &[u8], tail: &Tail) -> Result<String, LogError> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.9fZ").to_string();
        let name = format!("{RECOVERED}/{stamp}.jsonl");
        let saved = &data[tail.entries_from..];
        self.storage.replace(&name, saved).map_err(|e| LogError::io(&name, e))?;
        if tail.records_len > 0 {
            let cp_name = format!("{RECOVERED}/{stamp}.checkpoints.jsonl");
            self.storage.replace(&cp_name, &cps[tail.records_from..]).map_err(|e| LogError::io(&cp_name, e))?;
            self.storage.truncate(CHECKPOINTS, tail.records_from as u64).map_err(|e| LogError::io(CHECKPOINTS, e))?;
        }
        if tail.entries_len > 0 {
            self.storage.truncate(ENTRIES, tail.entries_from as u64).map_err(|e| LogError::io(ENTRIES, e))?;
        }
        Ok(name)
    }
}
