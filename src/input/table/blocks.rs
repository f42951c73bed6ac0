//! Blocks: the file in pieces that end at a line end, for parsing apart.

use std::io::{self, Read};

use super::*;

/// Bytes per block handed to a parser.
pub(super) const BLOCK: usize = 1 << 20;

pub(super) struct Blocks<'a> {
    pub(super) reader: Box<dyn Read + 'a>,
    /// Bytes read after the last cut.
    pub(super) carry: Vec<u8>,
    pub(super) eof: bool,
    /// Physical line at the start of the next block.
    pub(super) line: u64,
    pub(super) free: Vec<Vec<u8>>,
}

/// One piece of the file: it starts at a line start and ends after a line
/// end, or at the end of the file (`last`).
pub(super) struct Block {
    pub(super) bytes: Vec<u8>,
    pub(super) line: u64,
    pub(super) last: bool,
}

impl<'a> Blocks<'a> {
    pub(super) fn new(reader: Box<dyn Read + 'a>) -> Blocks<'a> {
        Blocks { reader, carry: Vec::new(), eof: false, line: 1, free: Vec::new() }
    }

    /// Fills `buf` up to `want` bytes or the end of the file.
    pub(super) fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
        if buf.len() < want && !self.eof {
            let more = want - buf.len();
            buf.reserve(more);
            // `read_to_end` reads into the spare capacity without zeroing it first.
            let got = (&mut self.reader).take(more as u64).read_to_end(buf)?;
            if got < more {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The next block of about `size` bytes; `None` after the last one.
    pub(super) fn next(&mut self, size: usize) -> io::Result<Option<Block>> {
        if self.eof && self.carry.is_empty() {
            return Ok(None);
        }
        let mut buf = self.free.pop().unwrap_or_default();
        buf.clear();
        buf.append(&mut self.carry);
        let mut want = size.max(buf.len() + size / 2);
        loop {
            self.fill(&mut buf, want)?;
            if self.eof {
                let line = self.line;
                self.line += line_ends(&buf, 0, buf.len());
                return Ok(Some(Block { bytes: buf, line, last: true }));
            }
            // The last line end whose kind is known: a CR as the final byte
            // may be the first half of a CRLF.
            let cut = buf[..buf.len() - 1].iter().rposition(|&b| b == b'\n' || b == b'\r').map(|i| {
                if buf[i] == b'\r' && buf[i + 1] == b'\n' {
                    i + 2
                } else {
                    i + 1
                }
            });
            if let Some(cut) = cut {
                self.carry.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let line = self.line;
                self.line += line_ends(&buf, 0, buf.len());
                return Ok(Some(Block { bytes: buf, line, last: false }));
            }
            want = buf.len() * 2;
        }
    }
}

/// Reads the first three bytes; drops them if they are the UTF-8 BOM.
pub(super) fn skip_bom(reader: &mut Box<dyn Read + '_>) -> io::Result<bool> {
    let mut first = [0u8; 3];
    let mut got = 0;
    while got < 3 {
        let n = reader.read(&mut first[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got == 3 && first == [0xEF, 0xBB, 0xBF] {
        return Ok(true);
    }
    let head = first[..got].to_vec();
    let rest = std::mem::replace(reader, Box::new(io::empty()));
    *reader = Box::new(io::Cursor::new(head).chain(rest));
    Ok(false)
}
