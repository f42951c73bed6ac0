//! Passes over a file: the sequential reader, the parallel one (a small
//! pool of scoped threads folding blocks back in file order) and the header.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use super::*;

/// What one pass over the file needs to know.
pub(super) struct Pass<'a> {
    pub(super) label: &'a str,
    pub(super) encoding: Encoding,
    pub(super) had_bom: bool,
    pub(super) fields: &'a [Field],
    /// Bytes per block.
    pub(super) block: usize,
}

/// How a block's parse ended.
pub(super) enum BlockEnd {
    Clean,
    /// The block ended inside the record at `start` (a quoted field that
    /// goes on in the next block).
    Unfinished {
        start: usize,
        line: u64,
    },
    /// A field is not UTF-8 and the file has no BOM: read it as GB18030.
    NotUtf8,
}

/// The outcome of one pass, when it did not need to start over as GB18030.
pub(super) type PassResult<T> = Option<T>;

impl Pass<'_> {
    /// Whether a record forces the GB18030 reading (spec §1 step 1).
    pub(super) fn not_utf8(&self, rec: &Record, input: &[u8], block_valid: bool) -> bool {
        self.encoding == Encoding::Utf8
            && !self.had_bom
            && !block_valid
            && rec.fields(input).any(|f| std::str::from_utf8(f).is_err())
    }

    /// Parses the records of `bytes[start..]` into `state`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn parse_block<S>(
        &self,
        header: &Header,
        bytes: &[u8],
        start: usize,
        line: u64,
        last: bool,
        state: &mut S,
        problems: &mut Problems,
        on_row: &mut dyn FnMut(&mut S, &Row<'_>, &mut Problems),
    ) -> BlockEnd {
        let valid_utf8 = self.encoding == Encoding::Utf8 && is_utf8(&bytes[start..]);
        let mut framer = Framer { buf: bytes, pos: start, line, eof: last };
        let mut rec = Record::default();
        loop {
            match framer.next(&mut rec) {
                Step::End => return BlockEnd::Clean,
                Step::Unfinished { start, line } => return BlockEnd::Unfinished { start, line },
                Step::Record => {}
            }
            if self.not_utf8(&rec, bytes, valid_utf8) {
                return BlockEnd::NotUtf8;
            }
            if rec.len() != header.names.len() {
                let msg = format!("has {} cells, the header has {}", rec.len(), header.names.len());
                problems.push(file_problem(self.label, rec.line, &msg));
                continue;
            }
            let row = Row {
                line: rec.line,
                record: &rec,
                input: bytes,
                encoding: self.encoding,
                valid_utf8,
                header,
                label: self.label,
            };
            on_row(state, &row, problems);
        }
    }

    /// Reads up to and including the header. On success, returns the header
    /// and the block it ended in, with the position and line after it.
    #[allow(clippy::type_complexity)]
    pub(super) fn header(
        &self,
        blocks: &mut Blocks<'_>,
        problems: &mut Problems,
    ) -> Result<PassResult<Option<(Header, Block, usize, u64)>>, io::Error> {
        let Some(mut block) = blocks.next(self.block)? else {
            problems.push(file_problem(self.label, 0, "file is empty: no header row"));
            return Ok(Some(None));
        };
        let mut start = 0;
        if self.had_bom && block.bytes.starts_with(b"\xEF\xBB\xBF") {
            // csv-core drops a second BOM too.
            start = 3;
        }
        let mut rec = Record::default();
        let mut line = block.line;
        loop {
            let mut framer = Framer { buf: &block.bytes, pos: start, line, eof: block.last };
            let step = framer.next(&mut rec);
            match step {
                Step::End if block.last => {
                    problems.push(file_problem(self.label, 0, "file is empty: no header row"));
                    return Ok(Some(None));
                }
                Step::End => {
                    let next = blocks.next(self.block)?.expect("a block that is not the last has a successor");
                    line = next.line;
                    start = 0;
                    blocks.free.push(std::mem::replace(&mut block, next).bytes);
                    continue;
                }
                Step::Unfinished { start: s, line: l } => {
                    // The header (or a blank record) goes on in the next block.
                    let next = blocks.next(self.block)?.expect("a block that is not the last has a successor");
                    let mut joined = block.bytes[s..].to_vec();
                    joined.extend_from_slice(&next.bytes);
                    block = Block { bytes: joined, line: l, last: next.last };
                    blocks.free.push(next.bytes);
                    start = 0;
                    line = l;
                    continue;
                }
                Step::Record => {}
            }
            let valid = is_utf8(&block.bytes[start..framer.pos]);
            if self.not_utf8(&rec, &block.bytes, valid) {
                return Ok(None);
            }
            let (pos, next_line) = (framer.pos, framer.line);
            if rec.fields(&block.bytes).all(|f| f.is_empty()) {
                start = pos;
                line = next_line;
                continue;
            }
            let header = parse_header(self.label, rec.line, &rec, &block.bytes, self.encoding, self.fields, problems);
            return Ok(Some(header.map(|h| (h, block, pos, next_line))));
        }
    }
}

pub(super) fn file_problem(label: &str, line: u64, message: &str) -> Problem {
    Problem { file: label.into(), line, column: String::new(), value: String::new(), message: message.into() }
}

/// Reads a whole table: `init` builds the state from the header, then
/// `on_row` folds each data record into it. Problems from the header,
/// framing and `on_row` are gathered in `problems`; `None` means the header
/// itself was unusable. When the file turns out not to be UTF-8 the state
/// starts over for the GB18030 pass.
pub fn read<S>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S,
    on_row: impl FnMut(&mut S, &Row<'_>, &mut Problems),
) -> Result<Option<(Header, S)>, InputError> {
    read_in_blocks(source, fields, problems, init, on_row, BLOCK)
}

pub(super) fn read_in_blocks<S>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S,
    mut on_row: impl FnMut(&mut S, &Row<'_>, &mut Problems),
    block: usize,
) -> Result<Option<(Header, S)>, InputError> {
    let label = source.label().to_string();
    let read_err = |e: io::Error| InputError::Read { path: label.clone(), source: e };
    let mut encoding = Encoding::Utf8;
    loop {
        let mut reader = source.open().map_err(read_err)?;
        let had_bom = skip_bom(&mut reader).map_err(read_err)?;
        let pass = Pass { label: &label, encoding, had_bom, fields, block };
        let mut attempt = Problems::default();
        match sequential(&pass, Blocks::new(reader), &mut attempt, &init, &mut on_row).map_err(read_err)? {
            None => encoding = Encoding::Gb18030,
            Some(done) => {
                problems.extend(attempt);
                return Ok(done);
            }
        }
    }
}

pub(super) fn sequential<S>(
    pass: &Pass<'_>,
    mut blocks: Blocks<'_>,
    problems: &mut Problems,
    init: &impl Fn(&Header) -> S,
    on_row: &mut impl FnMut(&mut S, &Row<'_>, &mut Problems),
) -> io::Result<PassResult<Option<(Header, S)>>> {
    let (header, first, pos, line) = match pass.header(&mut blocks, problems)? {
        None => return Ok(None),
        Some(None) => return Ok(Some(None)),
        Some(Some(found)) => found,
    };
    let mut state = init(&header);
    let mut block = Some((first.bytes, pos, line, first.last));
    while let Some((bytes, start, line, last)) = block.take() {
        match pass.parse_block(&header, &bytes, start, line, last, &mut state, problems, on_row) {
            BlockEnd::NotUtf8 => return Ok(None),
            BlockEnd::Clean => {}
            BlockEnd::Unfinished { start, line } => {
                let next = blocks.next(pass.block)?.expect("a block that is not the last has a successor");
                let mut joined = bytes[start..].to_vec();
                joined.extend_from_slice(&next.bytes);
                block = Some((joined, 0, line, next.last));
                continue;
            }
        }
        if last {
            break;
        }
        blocks.free.push(bytes);
        if let Some(next) = blocks.next(pass.block)? {
            block = Some((next.bytes, 0, next.line, next.last));
        }
    }
    Ok(Some(Some((header, state))))
}

/// The result of parsing one block on a worker.
pub(super) struct Parsed<S> {
    pub(super) index: usize,
    pub(super) state: S,
    pub(super) problems: Problems,
    pub(super) end: BlockEnd,
    pub(super) block: Block,
}

/// Like [`read`], on all cores: each block of the file gets its own state
/// from `init`, is folded by `on_row` and then `finish`ed on some thread;
/// `merge` then takes the block states in file order into the accumulator
/// `start` makes (again, if the file must be read a second time as
/// GB18030), and must leave each state as `init` made it: states are used
/// again for later blocks, so their allocations are too. Problems come out
/// in file order, as from [`read`].
#[allow(clippy::too_many_arguments)]
pub fn read_parallel<S: Send, A>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S + Sync,
    on_row: impl Fn(&mut S, &Row<'_>, &mut Problems) + Sync,
    finish: impl Fn(&mut S) + Sync,
    start: impl Fn(&Header) -> A,
    merge: impl FnMut(&mut A, &mut S),
) -> Result<Option<(Header, A)>, InputError> {
    read_parallel_in_blocks(source, fields, problems, init, on_row, finish, start, merge, BLOCK)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn read_parallel_in_blocks<S: Send, A>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S + Sync,
    on_row: impl Fn(&mut S, &Row<'_>, &mut Problems) + Sync,
    finish: impl Fn(&mut S) + Sync,
    start: impl Fn(&Header) -> A,
    mut merge: impl FnMut(&mut A, &mut S),
    block: usize,
) -> Result<Option<(Header, A)>, InputError> {
    let label = source.label().to_string();
    let read_err = |e: io::Error| InputError::Read { path: label.clone(), source: e };
    let mut encoding = Encoding::Utf8;
    loop {
        let mut reader = source.open().map_err(read_err)?;
        let had_bom = skip_bom(&mut reader).map_err(read_err)?;
        let pass = Pass { label: &label, encoding, had_bom, fields, block };
        let mut attempt = Problems::default();
        let folds = Folds { init: &init, on_row: &on_row, finish: &finish, spare: Mutex::new(Vec::new()) };
        let outcome = parallel(&pass, Blocks::new(reader), &mut attempt, &folds, &start, &mut merge);
        match outcome.map_err(read_err)? {
            None => encoding = Encoding::Gb18030,
            Some(done) => {
                problems.extend(attempt);
                return Ok(done);
            }
        }
    }
}

/// The per-block callbacks of [`read_parallel`].
pub(super) struct Folds<'a, I, R, F, S> {
    pub(super) init: &'a I,
    pub(super) on_row: &'a R,
    pub(super) finish: &'a F,
    /// States merged and ready for another block.
    pub(super) spare: Mutex<Vec<S>>,
}

impl<I, R, F, S> Folds<'_, I, R, F, S> {
    pub(super) fn fresh(&self, header: &Header) -> S
    where
        I: Fn(&Header) -> S,
    {
        let spare = self.spare.lock().ok().and_then(|mut v| v.pop());
        spare.unwrap_or_else(|| (self.init)(header))
    }

    /// Parses one block into a fresh, finished state.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn block(
        &self,
        pass: &Pass<'_>,
        header: &Header,
        bytes: &[u8],
        from: usize,
        line: u64,
        last: bool,
        problems: &mut Problems,
    ) -> (S, BlockEnd)
    where
        I: Fn(&Header) -> S,
        R: Fn(&mut S, &Row<'_>, &mut Problems),
        F: Fn(&mut S),
    {
        let mut state = self.fresh(header);
        let mut fold = |s: &mut S, r: &Row<'_>, p: &mut Problems| (self.on_row)(s, r, p);
        let end = pass.parse_block(header, bytes, from, line, last, &mut state, problems, &mut fold);
        (self.finish)(&mut state);
        (state, end)
    }
}

#[allow(clippy::type_complexity)]
pub(super) fn parallel<S: Send, A, I, R, F>(
    pass: &Pass<'_>,
    mut blocks: Blocks<'_>,
    problems: &mut Problems,
    folds: &Folds<'_, I, R, F, S>,
    start: &impl Fn(&Header) -> A,
    merge: &mut impl FnMut(&mut A, &mut S),
) -> io::Result<PassResult<Option<(Header, A)>>>
where
    I: Fn(&Header) -> S + Sync,
    R: Fn(&mut S, &Row<'_>, &mut Problems) + Sync,
    F: Fn(&mut S) + Sync,
{
    let (header, first, pos, line) = match pass.header(&mut blocks, problems)? {
        None => return Ok(None),
        Some(None) => return Ok(Some(None)),
        Some(Some(found)) => found,
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 16);
    let mut acc = start(&header);
    let stop = AtomicBool::new(false);
    let header_ref = &header;
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Block, usize, u64)>(workers * 2);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<Parsed<S>>();
    let outcome = std::thread::scope(|scope| -> io::Result<bool> {
        for _ in 0..workers {
            let (job_rx, done_tx, stop) = (&job_rx, done_tx.clone(), &stop);
            scope.spawn(move || loop {
                let job = job_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((index, block, from, line))) = job else { return };
                let mut found = Problems::default();
                let (state, end) = if stop.load(Ordering::Relaxed) {
                    (folds.fresh(header_ref), BlockEnd::Clean)
                } else {
                    folds.block(pass, header_ref, &block.bytes, from, line, block.last, &mut found)
                };
                let parsed = Parsed { index, state, problems: found, end, block };
                if done_tx.send(parsed).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);

        let mut merger = Merger { next: 0, waiting: BTreeMap::new(), redo: None };
        let mut take = |merger: &mut Merger<S>, parsed: Parsed<S>, blocks: &mut Blocks<'_>| -> bool {
            merger.waiting.insert(parsed.index, parsed);
            while let Some(parsed) = merger.waiting.remove(&merger.next) {
                merger.next += 1;
                let Some(parsed) = merger.settle(parsed, pass, header_ref, folds) else {
                    stop.store(true, Ordering::Relaxed);
                    return false;
                };
                problems.extend(parsed.problems);
                let mut state = parsed.state;
                merge(&mut acc, &mut state);
                if let Ok(mut spare) = folds.spare.lock() {
                    spare.push(state);
                }
                blocks.free.push(parsed.block.bytes);
            }
            true
        };

        let mut next_job = Some((first, pos, line));
        let mut index = 0;
        let mut ok = true;
        let mut read_error = None;
        while let Some((block, from, line)) = next_job.take() {
            let last = block.last;
            if job_tx.send((index, block, from, line)).is_err() {
                break;
            }
            index += 1;
            while let Ok(parsed) = done_rx.try_recv() {
                ok &= take(&mut merger, parsed, &mut blocks);
            }
            if !ok || last {
                break;
            }
            match blocks.next(pass.block) {
                Ok(Some(block)) => {
                    let line = block.line;
                    next_job = Some((block, 0, line));
                }
                Ok(None) => {}
                Err(e) => {
                    read_error = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        drop(job_tx);
        while merger.next < index {
            let Ok(parsed) = done_rx.recv() else { break };
            if ok {
                ok &= take(&mut merger, parsed, &mut blocks);
            }
        }
        match read_error {
            Some(e) => Err(e),
            None => Ok(ok),
        }
    })?;
    Ok(outcome.then_some(Some((header, acc))))
}

/// Puts worker results back in file order and repairs wrong cuts.
pub(super) struct Merger<S> {
    pub(super) next: usize,
    pub(super) waiting: BTreeMap<usize, Parsed<S>>,
    /// The unfinished record at the end of the previous block: its bytes and line.
    pub(super) redo: Option<(Vec<u8>, u64)>,
}

impl<S> Merger<S> {
    /// The block's final result, or `None` when the file must be read again
    /// as GB18030.
    pub(super) fn settle<I, R, F>(
        &mut self,
        mut parsed: Parsed<S>,
        pass: &Pass<'_>,
        header: &Header,
        folds: &Folds<'_, I, R, F, S>,
    ) -> Option<Parsed<S>>
    where
        I: Fn(&Header) -> S,
        R: Fn(&mut S, &Row<'_>, &mut Problems),
        F: Fn(&mut S),
    {
        if let Some((mut bytes, line)) = self.redo.take() {
            // The cut before this block fell inside a quoted field, so the
            // worker started mid-record: parse again from that record.
            bytes.extend_from_slice(&parsed.block.bytes);
            parsed.problems = Problems::default();
            (parsed.state, parsed.end) =
                folds.block(pass, header, &bytes, 0, line, parsed.block.last, &mut parsed.problems);
            if let BlockEnd::Unfinished { start, line } = parsed.end {
                self.redo = Some((bytes[start..].to_vec(), line));
            }
        } else {
            match parsed.end {
                BlockEnd::Unfinished { start, line } => {
                    self.redo = Some((parsed.block.bytes[start..].to_vec(), line));
                }
                BlockEnd::NotUtf8 | BlockEnd::Clean => {}
            }
        }
        match parsed.end {
            BlockEnd::NotUtf8 => None,
            _ => Some(parsed),
        }
    }
}

pub(super) fn parse_header(
    label: &str,
    line: u64,
    record: &Record,
    input: &[u8],
    encoding: Encoding,
    fields: &[Field],
    problems: &mut Problems,
) -> Option<Header> {
    let problem = |column: &str, message: String| Problem {
        file: label.into(),
        line,
        column: column.into(),
        value: String::new(),
        message,
    };
    let mut names = Vec::with_capacity(record.len());
    for raw in record.fields(input) {
        match decode(raw, encoding) {
            Some(s) => names.push(trim(&s).to_string()),
            None => {
                problems.push(problem("", "header is not valid GB18030".into()));
                return None;
            }
        }
    }
    let mut mapped = vec![None; fields.len()];
    let mut ok = true;
    for (col, name) in names.iter().enumerate() {
        if let Some(fi) = field_index(fields, name) {
            if let Some(prev) = mapped[fi] {
                problems.push(problem(
                    name,
                    format!("maps to field `{}`, already given by column {}", fields[fi].key, names[prev]),
                ));
                ok = false;
            }
            mapped[fi] = Some(col);
        } else if !name.is_empty() && names[..col].contains(name) {
            problems.push(problem(name, "column appears twice".into()));
            ok = false;
        }
    }
    for (fi, f) in fields.iter().enumerate() {
        if f.required && mapped[fi].is_none() {
            let mut accepted = vec![f.key];
            accepted.extend(f.aliases);
            problems.push(problem(
                "",
                format!("missing required column `{}` (accepted headers: {})", f.key, accepted.join(", ")),
            ));
            ok = false;
        }
    }
    ok.then_some(Header { names, fields: mapped })
}

/// Which requested field a header text names (English case-insensitively).
pub fn field_index(fields: &[Field], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.key.eq_ignore_ascii_case(name) || f.aliases.contains(&name))
}
