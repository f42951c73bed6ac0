//! The log writer's side of tlog-witness: one `add-checkpoint` request to
//! one witness, and what its answer means.
//!
//! Blocking (ureq): the CLI is synchronous and the server calls it from
//! `spawn_blocking`. `https://` witnesses are reached with rustls and the
//! Mozilla root certificates (webpki-roots): public witnesses serve TLS.

use std::time::Duration;

use super::protocol::{self, AddCheckpoint};

/// How long one witness may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What a witness answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// 200: its cosignature line(s), each with its LF (not yet verified).
    Cosigned(Vec<String>),
    /// 409: the size of the latest tree of this log it cosigned.
    Conflict(u64),
    /// Any other status, with the witness's own words.
    Refused { status: u16, reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("witness {url}: unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("witness {url}: {cause}")]
    Answer { url: String, cause: protocol::AnswerError },
}

/// Sends `request` to `<prefix>/add-checkpoint`.
pub fn add_checkpoint(prefix: &str, request: &AddCheckpoint) -> Result<Reply, ClientError> {
    let url = format!("{}/add-checkpoint", prefix.trim_end_matches('/'));
    let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).redirects(0).build();
    let response = agent.post(&url).set("Content-Type", "text/plain; charset=utf-8").send_string(&request.to_body());
    let (status, response) = match response {
        Ok(r) => (r.status(), r),
        Err(ureq::Error::Status(code, r)) => (code, r),
        Err(ureq::Error::Transport(t)) => return Err(ClientError::Unreachable { url, reason: t.to_string() }),
    };
    let content_type = response.content_type().to_string();
    let body = read_body(response).map_err(|e| ClientError::Unreachable { url: url.clone(), reason: e.to_string() })?;
    let answer = |cause| ClientError::Answer { url: url.clone(), cause };
    match status {
        200 => protocol::parse_cosignatures(&body).map(Reply::Cosigned).map_err(answer),
        409 if content_type == protocol::SIZE_CONTENT_TYPE => {
            protocol::parse_conflict(&body).map(Reply::Conflict).map_err(answer)
        }
        _ => Ok(Reply::Refused { status, reason: body.trim().chars().take(300).collect() }),
    }
}

/// The body, at most 64 KiB (a witness's answer is a few lines).
fn read_body(response: ureq::Response) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    response.into_reader().take(64 << 10).read_to_end(&mut bytes)?;
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "the answer is not UTF-8"))
}
