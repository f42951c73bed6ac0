//! API errors as JSON: a reason for 4xx, a generic message for 5xx (the
//! details go to the server's own log, never to the client).

use axum::http::StatusCode;
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
        eprintln!("fairdraw serve: internal error: {detail}");
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
        (self.status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

impl From<crate::log::store::LogError> for ApiError {
    fn from(e: crate::log::store::LogError) -> ApiError {
        use crate::log::store::LogError;
        match e {
            LogError::NotFound(_) | LogError::Ambiguous(_) => ApiError::not_found(e.to_string()),
            LogError::BadId(_) => ApiError::bad_request(e.to_string()),
            LogError::Locked(_) => ApiError::busy("another fairdraw process is writing to the log; try again shortly"),
            LogError::NoLog(_) | LogError::Damaged(_) => {
                eprintln!("fairdraw serve: the log is unavailable: {e}");
                ApiError::unavailable()
            }
            other => ApiError::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
