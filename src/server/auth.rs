//! Who sends a write request (LOG-FORMAT "Accounts and roles"). With an
//! accounts file (`private/accounts.json`), every write needs a named
//! account's `Authorization: Bearer NAME.SECRET`, and the role and
//! department its route asks for; the single token of `--token-sha256` is
//! then refused. Without one (set-ups from before accounts), the single
//! token still does everything, unnamed, as before. Failed logins against
//! the accounts are limited per account and per client address
//! (login_limit.rs); a held account still takes its right token.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::ConnectInfo;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{ApiError, ApiResult};
use super::login_limit;
use super::state::AppState;
use crate::log::accounts::{self, Account, Login, Refusal, Role};

/// The caller of a write.
#[derive(Clone, Debug)]
pub enum Caller {
    /// The single token of a set-up without accounts: every role, no name.
    Legacy,
    Named(Account),
}

/// The roles that administer draws (commit, reveal, unseal, replace).
pub const ADMINS: &[Role] = &[Role::DepartmentAdmin, Role::LogAdmin];

impl Caller {
    /// The account name that write entries carry as `by`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Caller::Legacy => None,
            Caller::Named(a) => Some(&a.name),
        }
    }

    /// 403 unless the caller holds one of `roles` (the single token holds
    /// every role).
    pub fn require(&self, roles: &[Role], what: &str) -> ApiResult<()> {
        match self {
            Caller::Named(a) if !roles.contains(&a.role) => Err(forbidden(format!(
                "account {} has the role {}; {what} needs the role {}",
                a.name,
                a.role.as_str(),
                roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ")
            ))),
            _ => Ok(()),
        }
    }

    /// 403 unless the caller acts for one of `departments` (a log admin
    /// and the single token act for all). A draw whose plan names no
    /// department (`departments` empty) is every department's: a bureau
    /// that never names one still works with accounts.
    pub fn require_department(&self, departments: &[String], what: &str) -> ApiResult<()> {
        let Caller::Named(a) = self else { return Ok(()) };
        let Some(mine) = a.department.as_deref().filter(|_| a.role.needs_department()) else { return Ok(()) };
        if departments.is_empty() || departments.iter().any(|d| d == mine) {
            return Ok(());
        }
        Err(forbidden(format!(
            "account {} ({}) acts for {mine}; {what} belongs to {}",
            a.name,
            a.role.as_str(),
            departments.join("、")
        )))
    }

    /// Refuses what a body may never say: `recorded_by` and `reviewed_by`
    /// (the server writes them) and, from an account, `by` (its own name
    /// is written). `by_allowed`: the single token may still name someone
    /// where the route took `by` before accounts (a replacement).
    pub fn refuse_names(&self, body: &Value, by_allowed: bool) -> ApiResult<()> {
        let mut given: Vec<&str> =
            ["recorded_by", "reviewed_by"].into_iter().filter(|k| body.get(*k).is_some()).collect();
        if body.get("by").is_some() && !(by_allowed && matches!(self, Caller::Legacy)) {
            given.push("by");
        }
        if given.is_empty() {
            return Ok(());
        }
        Err(ApiError::unprocessable(format!(
            "{}: the server writes who made a write, from the token; a request never gives it",
            given.join(", ")
        )))
    }

    /// A write's JSON body: names refused ([`Caller::refuse_names`]), then
    /// read as `T` (a body of the wrong shape answers 400, as before).
    pub fn body<T: DeserializeOwned>(
        &self,
        body: Result<Json<Value>, JsonRejection>,
        by_allowed: bool,
    ) -> ApiResult<T> {
        let Json(value) = body?;
        self.refuse_names(&value, by_allowed)?;
        serde_json::from_value(value).map_err(|e| ApiError::bad_request(e.to_string()))
    }
}

/// The departments a draw is of: its plan's `department` and its team's
/// `departments` (LOG-FORMAT "Accounts and roles").
pub fn draw_departments(commitment_body: &Value) -> Vec<String> {
    let plan = &commitment_body["plan"];
    let mut out: Vec<String> =
        plan["department"].as_str().filter(|d| !d.is_empty()).map(String::from).into_iter().collect();
    out.extend(
        plan["team"]["departments"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from),
    );
    out
}

/// The department that administers a draw: its plan's `department`.
pub fn admin_department(commitment_body: &Value) -> Vec<String> {
    commitment_body["plan"]["department"].as_str().filter(|d| !d.is_empty()).map(String::from).into_iter().collect()
}

pub fn forbidden(m: impl Into<String>) -> ApiError {
    ApiError { status: StatusCode::FORBIDDEN, message: m.into() }
}

/// A request that is not let in: its error, and for a 429 the seconds
/// to wait (`Retry-After`).
#[derive(Debug)]
pub struct Denied {
    error: ApiError,
    retry_after: Option<u64>,
}

impl From<ApiError> for Denied {
    fn from(error: ApiError) -> Denied {
        Denied { error, retry_after: None }
    }
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        let mut r = self.error.into_response();
        if let Some(seconds) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        r
    }
}

fn too_many(seconds: u64) -> Denied {
    let message = format!("too many failed logins: try again in {seconds} s");
    Denied { error: ApiError { status: StatusCode::TOO_MANY_REQUESTS, message }, retry_after: Some(seconds) }
}

/// The token of `Bearer TOKEN`: the scheme in any case (RFC 9110 §11.1),
/// one space, then the token exactly as sent — a space more on either side
/// makes it another token.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let credentials = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = credentials.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// Authenticates a request from its headers and, when served, the client's
/// address (`ConnectInfo`, set by listen.rs). The error is the whole answer
/// (a 429 carries `Retry-After`).
pub fn authenticate(state: &AppState, headers: &HeaderMap, extensions: &Extensions) -> Result<Caller, Denied> {
    let token = bearer_token(headers);
    let log_dir = &state.config().log_dir;
    if !accounts::path(log_dir).exists() {
        return legacy(state, token).map_err(Denied::from);
    }
    let limiter = &state.0.logins;
    let address: Vec<String> =
        extensions.get::<ConnectInfo<SocketAddr>>().map(|peer| format!("addr:{}", peer.0.ip())).into_iter().collect();
    let mut keys = address.clone();
    if let Some(name) = token.and_then(accounts::claimed_name) {
        keys.push(format!("account:{name}"));
    }
    let Some(token) = token else { return Err(ApiError::unauthorized().into()) };
    // A held address gets no slow check (the limit's point: it bounds the
    // argon2 work one address can ask for), but a token verified before
    // still passes. A held account name only answers wrong tokens: its
    // right token is always accepted, so failing on purpose with a name
    // read from the public log does not lock its owner out.
    let address_wait = limiter.refused(&address);
    let login = state.0.accounts.login(log_dir, token, address_wait.is_none()).map_err(ApiError::internal)?;
    match login {
        Login::Accepted(account) => {
            limiter.succeeded(&keys);
            Ok(Caller::Named(account))
        }
        // A remembered token costs nothing to send: it clears its own
        // account's count but never its address's, or anyone holding one
        // token could lift their address's hold and go on asking for argon2
        // checks with wrong ones.
        Login::Remembered(account) => {
            limiter.succeeded(&keys[address.len()..]);
            Ok(Caller::Named(account))
        }
        Login::NotVerified => Err(too_many(address_wait.unwrap_or(login_limit::FIRST_DELAY_SECS))),
        // Removed between the two looks: the single token again.
        Login::NoAccounts => legacy(state, Some(token)).map_err(Denied::from),
        Login::Refused(Refusal::Disabled(name)) => Err(forbidden(format!("account {name} is disabled")).into()),
        Login::Refused(refusal) => {
            tracing::info!(?refusal, "a failed login");
            let held = limiter.refused(&keys).is_some();
            limiter.failed(&keys);
            match limiter.refused(&keys) {
                Some(wait) if held => Err(too_many(wait)),
                _ => Err(ApiError::unauthorized().into()),
            }
        }
    }
}

/// The single token of `--token-sha256` (set-ups without accounts),
/// compared in constant time.
fn legacy(state: &AppState, token: Option<&str>) -> ApiResult<Caller> {
    let want = state.config().token_sha256.ok_or_else(ApiError::unauthorized)?;
    let token = token.ok_or_else(ApiError::unauthorized)?;
    let got: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    if bool::from(got.ct_eq(&want)) {
        Ok(Caller::Legacy)
    } else {
        Err(ApiError::unauthorized())
    }
}
