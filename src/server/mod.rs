//! `fairdraw serve`: the publication server (一公开). The library owns the
//! router ([`app`]); `main` only wires. Every response is derived from the
//! audit log; writes go through the log too.

mod draws;
pub mod error;
mod lookup;
mod regulator;
mod results;
pub mod state;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use error::ApiError;
pub use state::{AppState, Config};

/// Every API route as (method, path), as documented in web/openapi.json.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/draws"),
    ("GET", "/api/draws/{id}"),
    ("GET", "/api/draws/{id}/receipt"),
    ("GET", "/api/checkpoint"),
    ("GET", "/api/log.pub"),
    ("GET", "/api/entries/{index}"),
    ("GET", "/api/snapshots/{root}"),
    ("GET", "/api/enterprises/{uscc}"),
    ("GET", "/api/results"),
    ("POST", "/api/results"),
    ("GET", "/api/results/{id}"),
    ("POST", "/api/results/{id}/amend"),
    ("POST", "/api/commitments"),
    ("POST", "/api/commitments/{id}/reveal"),
    ("GET", "/api/openapi.json"),
];

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match regulator::authorize(&state, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn openapi(State(state): State<AppState>) -> Response {
    match std::fs::read(state.config().web_dir.join("openapi.json")) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => ApiError::internal(format!("openapi.json: {e}")).into_response(),
    }
}

async fn no_route() -> ApiError {
    ApiError::not_found("no such API route (see /api/openapi.json)")
}

/// The whole application: public API, regulator API, the web page.
pub fn app(state: AppState) -> Router {
    let web = state.config().web_dir.clone();
    let public = Router::new()
        .route("/api/draws", get(draws::list))
        .route("/api/draws/{id}", get(draws::detail))
        .route("/api/draws/{id}/receipt", get(draws::receipt))
        .route("/api/checkpoint", get(draws::checkpoint))
        .route("/api/log.pub", get(draws::vkey))
        .route("/api/entries/{index}", get(draws::entry))
        .route("/api/snapshots/{root}", get(draws::snapshot))
        .route("/api/enterprises/{uscc}", get(lookup::enterprise))
        .route("/api/results", get(results::list))
        .route("/api/results/{id}", get(results::one))
        .route("/api/openapi.json", get(openapi))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::HEAD]));
    let regulator = Router::new()
        .route("/api/results", post(regulator::record))
        .route("/api/results/{id}/amend", post(regulator::amend))
        .route("/api/commitments", post(regulator::commit))
        .route("/api/commitments/{id}/reveal", post(regulator::reveal))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        .layer(DefaultBodyLimit::max(state.config().max_body_bytes));
    // The page is one document; its own script routes /draws/{id} and friends.
    let index = ServeFile::new(web.join("index.html"));
    let page = ServeDir::new(&web).append_index_html_on_directories(true).fallback(index);
    Router::new()
        .merge(public)
        .merge(regulator)
        .route("/api/{*rest}", get(no_route).post(no_route))
        .fallback_service(page)
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal("a handler panicked").into_response()))
        .with_state(state)
}

/// Another server already serves this log.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("another `fairdraw serve` is already serving the log {0}: one server per log (its writes would fail)")]
    Taken(std::path::PathBuf),
    #[error("cannot lock {path}: {cause}")]
    Io { path: std::path::PathBuf, cause: std::io::Error },
}

/// Claims the log for one server process (`SERVE.lock`, held by the
/// returned file until it is dropped). Writers from the CLI still take the
/// log's own write lock per write and so can work beside the server.
pub fn claim(log_dir: &std::path::Path) -> Result<std::fs::File, ClaimError> {
    let path = log_dir.join("SERVE.lock");
    let io = |cause| ClaimError::Io { path: path.clone(), cause };
    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(ClaimError::Taken(log_dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
    }
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Static files go out in several writes; without NODELAY, Nagle and
    // delayed ACKs add ~40 ms to each.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
