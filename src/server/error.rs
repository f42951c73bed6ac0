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
    pub fn not_found(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, message: m.into() }
    }
    pub fn unauthorized() -> ApiError {
        ApiError { status: StatusCode::UNAUTHORIZED, message: "missing or wrong bearer token".into() }
    }
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        eprintln!("fairdraw serve: internal error: {detail}");
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: String::new() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message =
            if self.status.is_server_error() { "internal error; see the server log".to_string() } else { self.message };
        (self.status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

impl From<crate::log::store::LogError> for ApiError {
    fn from(e: crate::log::store::LogError) -> ApiError {
        use crate::log::store::LogError;
        match e {
            LogError::Usage(m) if m.starts_with("no entry") || m.contains("ambiguous") || m.contains("too short") => {
                ApiError::not_found(m)
            }
            LogError::Usage(m) => ApiError::bad_request(m),
            LogError::Locked(m) => ApiError { status: StatusCode::SERVICE_UNAVAILABLE, message: m },
            other => ApiError::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
