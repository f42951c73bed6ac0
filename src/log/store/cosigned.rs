//! `cosignatures.jsonl`: checkpoints of this log with the witnesses'
//! cosignature lines (LOG-FORMAT.md "Witnesses and cosignatures"). The file
//! signs the tree and is not part of it.

use super::*;

/// One record of `cosignatures.jsonl`: a checkpoint of this log with the
/// cosignature lines collected for it (not yet checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignedRecord {
    pub size: u64,
    pub checkpoint: String,
}

/// The records of `cosignatures.jsonl` with their line numbers, and the
/// problems of the lines that are not records.
pub type CosignedRecords = (Vec<(usize, CosignedRecord)>, Vec<String>);

impl<S: Storage> Log<S> {
    /// The records of `cosignatures.jsonl` with their line numbers, and the
    /// lines that are not records. The file signs the tree and is not part
    /// of it: a bad line is for `audit verify` to report, never a reason to
    /// stop writing.
    pub fn cosigned_records(&self) -> Result<CosignedRecords, LogError> {
        let bytes = self.read(COSIGNATURES)?.unwrap_or_default();
        let (lines, torn) = split_lines(&bytes);
        let mut records = Vec::new();
        let mut bad = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let v: Option<Value> = serde_json::from_slice(line).ok();
            let keys_ok = v.as_ref().and_then(Value::as_object).is_some_and(|o| o.len() == 2);
            match v.as_ref().map(|v| (v["size"].as_u64(), v["checkpoint"].as_str())) {
                Some((Some(size), Some(note)))
                    if keys_ok && canonical::to_bytes(v.as_ref().expect("matched")) == *line =>
                {
                    records.push((i + 1, CosignedRecord { size, checkpoint: note.to_string() }))
                }
                _ => bad.push(format!(
                    "{COSIGNATURES} line {} is not a canonical {{\"checkpoint\",\"size\"}} record",
                    i + 1
                )),
            }
        }
        if torn > 0 {
            bad.push(format!("{COSIGNATURES} ends in an unfinished line of {torn} bytes (an interrupted write)"));
        }
        Ok((records, bad))
    }

    /// Appends a cosigned checkpoint to `cosignatures.jsonl` (fsync) and,
    /// when it is for the newest tree, makes it the `checkpoint` file.
    pub fn append_cosigned(&mut self, size: u64, note: &str) -> Result<(), LogError> {
        if self.skey.is_none() || (self.lock.is_none() && self.storage.dir().is_some()) {
            return Err(LogError::ReadOnly);
        }
        let bytes = self.read(COSIGNATURES)?.unwrap_or_default();
        let (_, torn) = split_lines(&bytes);
        if torn > 0 {
            // An interrupted append: cut it, or the next record would be glued to it.
            let keep = (bytes.len() - torn) as u64;
            self.storage.truncate(COSIGNATURES, keep).map_err(|e| LogError::io(COSIGNATURES, e))?;
        }
        let mut line = canonical::to_bytes(&json!({"size": size, "checkpoint": note}));
        line.push(b'\n');
        self.storage.append(COSIGNATURES, &line).map_err(|e| LogError::io(COSIGNATURES, e))?;
        let newest = self.latest.as_deref().is_some_and(|l| size == self.len() && is_newest(note.as_bytes(), l));
        if newest {
            if let Err(e) = self.storage.replace(CHECKPOINT, note.as_bytes()) {
                self.findings.push(format!("`{CHECKPOINT}` could not be replaced by the cosigned note ({e})"));
            }
        }
        Ok(())
    }

    /// The checkpoint to publish: the `checkpoint` file when it is the
    /// newest note with cosignatures, else the newest note.
    pub fn served_checkpoint(&self) -> Option<String> {
        let latest = self.latest.as_deref()?;
        match self.read(CHECKPOINT) {
            Ok(Some(c)) if is_newest(&c, latest) => String::from_utf8(c).ok(),
            _ => Some(latest.to_string()),
        }
    }
}
