//! The C2SP tlog-witness `add-checkpoint` request and its answers, as
//! bytes: built by the log's writer, parsed by the witness (which never
//! trusts them), and the answers parsed back by the writer.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::model::merkle::Hash;

/// At most this many consistency proof lines (tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;
/// A request larger than this is refused (a note is at most 1 MB in signed_note).
pub const MAX_REQUEST_BYTES: usize = 1 << 20;
/// The media type of a 409 answer's body.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// `POST <prefix>/add-checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the latest checkpoint the client believes the witness cosigned.
    pub old: u64,
    /// An RFC 6962 consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    #[error("request is larger than {MAX_REQUEST_BYTES} bytes")]
    TooLarge,
    #[error("request is not UTF-8")]
    NotUtf8,
    #[error("request must start with the line `old <size>`")]
    OldLine,
    #[error("old size {0:?} must be ASCII decimal without leading zeros")]
    OldSize(String),
    #[error("consistency proof line {line} is not a base64 SHA-256 hash")]
    ProofLine { line: usize },
    #[error("more than {MAX_PROOF_LINES} consistency proof lines")]
    ProofTooLong,
    #[error("the proof must be empty when the old size is 0")]
    ProofForZero,
    #[error("request lacks the empty line before the checkpoint")]
    NoBlankLine,
}

/// A tree size as tlog-witness writes it: decimal, no leading zeros.
pub fn parse_size(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

impl AddCheckpoint {
    pub fn to_body(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses a request body. The checkpoint note itself is checked by the
    /// witness (signature, origin, form), not here.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, RequestError> {
        if body.len() > MAX_REQUEST_BYTES {
            return Err(RequestError::TooLarge);
        }
        let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
        let (first, mut rest) = text.split_once('\n').ok_or(RequestError::OldLine)?;
        let old_text = first.strip_prefix("old ").ok_or(RequestError::OldLine)?;
        let old = parse_size(old_text).ok_or_else(|| RequestError::OldSize(old_text.chars().take(40).collect()))?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(RequestError::NoBlankLine)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(RequestError::ProofTooLong);
            }
            let hash = B64
                .decode(line)
                .ok()
                .and_then(|b| Hash::try_from(b).ok())
                .ok_or(RequestError::ProofLine { line: proof.len() + 2 })?;
            proof.push(hash);
        }
        if old == 0 && !proof.is_empty() {
            return Err(RequestError::ProofForZero);
        }
        Ok(AddCheckpoint { old, proof, checkpoint: rest.to_string() })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnswerError {
    #[error("the witness answered no cosignature line")]
    Empty,
    #[error("the witness answered a line that is not a note signature: {0:?}")]
    NotASignature(String),
    #[error("the witness's 409 answer is not a tree size: {0:?}")]
    NotASize(String),
}

/// The signature lines of a 200 answer, each with its LF.
pub fn parse_cosignatures(body: &str) -> Result<Vec<String>, AnswerError> {
    let mut lines = Vec::new();
    for line in body.split_inclusive('\n') {
        let ok =
            line.ends_with('\n') && signed_note::Signature::from_bytes(line.trim_end_matches('\n').as_bytes()).is_ok();
        if !ok {
            return Err(AnswerError::NotASignature(line.chars().take(200).collect()));
        }
        lines.push(line.to_string());
    }
    if lines.is_empty() {
        return Err(AnswerError::Empty);
    }
    Ok(lines)
}

/// The size of a 409 answer (`<size>` LF).
pub fn parse_conflict(body: &str) -> Result<u64, AnswerError> {
    body.strip_suffix('\n').and_then(parse_size).ok_or_else(|| AnswerError::NotASize(body.chars().take(40).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "o.example/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— o.example/log AAAAAQ==\n";

    #[test]
    fn requests_round_trip() {
        let req = AddCheckpoint { old: 1, proof: vec![[7; 32], [8; 32]], checkpoint: NOTE.into() };
        let body = req.to_body();
        assert!(body.starts_with("old 1\nBwcH"));
        assert_eq!(AddCheckpoint::parse(body.as_bytes()).unwrap(), req);
        let zero = AddCheckpoint { old: 0, proof: vec![], checkpoint: NOTE.into() };
        assert_eq!(zero.to_body(), format!("old 0\n\n{NOTE}"));
        assert_eq!(AddCheckpoint::parse(zero.to_body().as_bytes()).unwrap(), zero);
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        let hash = B64.encode([1u8; 32]);
        let cases: Vec<(String, RequestError)> = vec![
            (String::new(), RequestError::OldLine),
            ("old 1".into(), RequestError::OldLine),
            ("new 1\n\n".into(), RequestError::OldLine),
            ("old 01\n\n".into(), RequestError::OldSize("01".into())),
            ("old -1\n\n".into(), RequestError::OldSize("-1".into())),
            ("old +1\n\n".into(), RequestError::OldSize("+1".into())),
            ("old 1 \n\n".into(), RequestError::OldSize("1 ".into())),
            ("old 99999999999999999999\n\n".into(), RequestError::OldSize("99999999999999999999".into())),
            ("old 1\nAAAA\n\n".into(), RequestError::ProofLine { line: 2 }),
            (format!("old 1\n{hash}\n{hash} \n\n"), RequestError::ProofLine { line: 3 }),
            (format!("old 1\n{hash}\n"), RequestError::NoBlankLine),
            (format!("old 0\n{hash}\n\n{NOTE}"), RequestError::ProofForZero),
            (format!("old 1\n{}\n{NOTE}", format!("{hash}\n").repeat(64)), RequestError::ProofTooLong),
        ];
        for (body, want) in cases {
            assert_eq!(AddCheckpoint::parse(body.as_bytes()), Err(want), "{body:?}");
        }
        assert_eq!(AddCheckpoint::parse(b"old 1\n\xff\n\n"), Err(RequestError::NotUtf8));
        assert_eq!(AddCheckpoint::parse(&vec![b'x'; MAX_REQUEST_BYTES + 1]), Err(RequestError::TooLarge));
    }

    #[test]
    fn answers_parse_strictly() {
        let line = "— w.example/a AAAAAQID\n";
        assert_eq!(parse_cosignatures(&line.repeat(2)).unwrap(), vec![line.to_string(), line.to_string()]);
        assert_eq!(parse_cosignatures(""), Err(AnswerError::Empty));
        assert!(parse_cosignatures(line.trim_end()).is_err());
        assert!(parse_cosignatures("ok\n").is_err());
        assert_eq!(parse_conflict("12\n"), Ok(12));
        for bad in ["12", "012\n", "x\n", "\n", "1 2\n"] {
            assert!(parse_conflict(bad).is_err(), "{bad:?}");
        }
    }
}
