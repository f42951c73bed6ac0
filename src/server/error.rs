//! API errors as JSON: a reason for 4xx, a generic message for 5xx (the
//! details go to the server's own log, never to the client).
//!
//! Request bodies of the write API: 400 when the body is not JSON of the
//! documented shape, 413 when it is too large, 415 when it is not declared
//! `application/json`, 422 when it is well-formed but a value is refused.

use axum::extract::rejection::JsonRejection;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, message: m.into() }
    }
    pub fn conflict(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::CONFLICT, message: m.into() }
    }
    /// A well-formed request whose values are refused (too long, unknown, out of range).
    pub fn unprocessable(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, message: m.into() }
    }
    pub fn not_found(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, message: m.into() }
    }
    pub fn unauthorized() -> ApiError {
        ApiError { status: StatusCode::UNAUTHORIZED, message: "missing or wrong bearer token".into() }
    }
    /// The log is missing or damaged: the server's condition, not the client's.
    pub fn unavailable() -> ApiError {
        ApiError { status: StatusCode::SERVICE_UNAVAILABLE, message: String::new() }
    }
    /// Another process holds the log's write lock for a moment.
    pub fn busy(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::SERVICE_UNAVAILABLE, message: m.into() }
    }
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(%detail, "internal error");
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: String::new() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match self.status {
            StatusCode::SERVICE_UNAVAILABLE if self.message.is_empty() => {
                "the audit log is unavailable; the operator has been told (see the server log)".to_string()
            }
            StatusCode::SERVICE_UNAVAILABLE => self.message,
            s if s.is_server_error() => "internal error; see the server log".to_string(),
            _ => self.message,
        };
        let mut response = (self.status, Json(serde_json::json!({ "error": message }))).into_response();
        // The only credentials this server knows are bearer tokens (RFC 6750 §3).
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// axum's own statuses (413 too large, 415 not JSON, 400 syntax), except that
/// a body of the wrong shape is a 400 too, not axum's 422: 422 is kept for
/// values the handlers refuse.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let status = match rejection.status() {
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
            other => other,
        };
        ApiError { status, message: rejection.body_text() }
    }
}

/// Turns every error response that is not JSON yet (axum's 405, the timeout's
/// 408, the static files' errors) into `{"error": ...}`, keeping its headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    let message = match status {
        // axum adds `Allow` further out, after this layer.
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path} (see the Allow header)"),
        StatusCode::REQUEST_TIMEOUT => "the request took too long".to_string(),
        StatusCode::NOT_FOUND => format!("{path} not found"),
        s if s.is_server_error() => {
            tracing::error!(%status, %method, %path, "error response without details");
            String::new()
        }
        s => s.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let json = ApiError { status, message }.into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(json.headers().clone());
    Response::from_parts(parts, json.into_body())
}

impl From<crate::log::store::LogError> for ApiError {
    fn from(e: crate::log::store::LogError) -> ApiError {
        use crate::log::store::LogError;
        match e {
            LogError::NotFound(_) | LogError::Ambiguous(_) => ApiError::not_found(e.to_string()),
            LogError::BadId(_) => ApiError::bad_request(e.to_string()),
            LogError::Locked(_) => ApiError::busy("another fairdraw process is writing to the log; try again shortly"),
            LogError::NoLog(_) | LogError::Damaged(_) => {
                tracing::error!(error = %e, "the log is unavailable");
                ApiError::unavailable()
            }
            other => ApiError::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
