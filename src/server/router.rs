//! The router: every route of the API and the static site, and the layers
//! around them (timeouts, compression, CORS, security headers, request ids,
//! the regulator's bearer token).

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::validate_request::{ValidateRequest, ValidateRequestHeaderLayer};
use tower_http::LatencyUnit;

use super::auth;
use super::error::ApiError;
use super::state::AppState;
use super::{aftercare, commitments, draws, lookup, plans, recording, regulator, replace, results, stats, witnesses};

/// How long a request may take once its header is read (answered 408).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Every API route as (method, path), as documented in web/openapi.json.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/draws"),
    ("GET", "/api/draws/{id}"),
    ("GET", "/api/draws/{id}/receipt"),
    ("GET", "/api/draws/{id}/witnesses"),
    ("POST", "/api/draws/{id}/unseal"),
    ("POST", "/api/draws/{id}/replace"),
    ("GET", "/api/checkpoint"),
    ("GET", "/api/log.pub"),
    ("GET", "/api/entries/{index}"),
    ("GET", "/api/snapshots/{root}"),
    ("GET", "/api/enterprises/{uscc}"),
    ("GET", "/api/results"),
    ("POST", "/api/results"),
    ("GET", "/api/results/{id}"),
    ("POST", "/api/results/{id}/amend"),
    ("GET", "/api/stats"),
    ("GET", "/api/commitments"),
    ("POST", "/api/commitments"),
    ("POST", "/api/commitments/{id}/reveal"),
    ("GET", "/api/plans"),
    ("GET", "/api/visits"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/followups"),
    ("POST", "/api/followups"),
    ("POST", "/api/followups/{id}/close"),
    ("GET", "/api/objections"),
    ("POST", "/api/objections"),
    ("POST", "/api/objections/{id}/answer"),
];

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The regulator's bearer token, checked by tower-http's request
/// validation; the caller it names goes to the handler as an extension.
#[derive(Clone)]
struct RegulatorToken(AppState);

impl<B> ValidateRequest<B> for RegulatorToken {
    type ResponseBody = axum::body::Body;
    fn validate(&mut self, request: &mut Request<B>) -> Result<(), Response> {
        let caller = auth::authenticate(&self.0, request.headers(), request.extensions())
            .map_err(IntoResponse::into_response)?;
        request.extensions_mut().insert(caller);
        Ok(())
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
        .route("/api/draws/{id}/witnesses", get(witnesses::witnesses))
        .route("/api/checkpoint", get(draws::checkpoint))
        .route("/api/log.pub", get(draws::vkey))
        .route("/api/entries/{index}", get(draws::entry))
        .route("/api/snapshots/{root}", get(draws::snapshot))
        .route("/api/enterprises/{uscc}", get(lookup::enterprise))
        .route("/api/results", get(results::list))
        .route("/api/results/{id}", get(results::one))
        .route("/api/stats", get(stats::year))
        .route("/api/commitments", get(commitments::list))
        .route("/api/plans", get(plans::plans))
        .route("/api/visits", get(plans::visits))
        .route("/api/openapi.json", get(openapi))
        .route("/api/followups", get(aftercare::follow_ups))
        .route("/api/objections", get(aftercare::objections))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::HEAD]));
    // The token is checked per method (`route_layer` on the method router),
    // so a wrong method answers 405 without it, and before any body is read.
    let token = ValidateRequestHeaderLayer::custom(RegulatorToken(state.clone()));
    let regulator = Router::new()
        .route("/api/results", post(recording::record).route_layer(token.clone()))
        .route("/api/results/{id}/amend", post(recording::amend).route_layer(token.clone()))
        .route("/api/commitments", post(regulator::commit).route_layer(token.clone()))
        .route("/api/commitments/{id}/reveal", post(regulator::reveal).route_layer(token.clone()))
        .route("/api/draws/{id}/unseal", post(regulator::unseal).route_layer(token.clone()))
        .route("/api/draws/{id}/replace", post(replace::replace).route_layer(token.clone()))
        .route("/api/followups", post(aftercare::open).route_layer(token.clone()))
        .route("/api/followups/{id}/close", post(aftercare::close).route_layer(token.clone()))
        .route("/api/objections", post(aftercare::file).route_layer(token.clone()))
        .route("/api/objections/{id}/answer", post(aftercare::answer).route_layer(token))
        .layer(DefaultBodyLimit::max(state.config().max_body_bytes));
    // The page is one document; its own script routes /draws/{id} and friends.
    let index = ServeFile::new(web.join("index.html"));
    let page = ServeDir::new(&web).append_index_html_on_directories(true).fallback(index);
    Router::new()
        .merge(public)
        .merge(regulator)
        // Every other /api path is a JSON 404, whatever the method (the catch-all needs a segment).
        .route("/api", any(no_route))
        .route("/api/", any(no_route))
        .route("/api/{*rest}", any(no_route))
        .fallback_service(page)
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        // Cross-origin isolation: the page's Web Workers may then share the
        // registry's columns (SharedArrayBuffer, web/verify/registry.js)
        // instead of each holding a copy, 60 MB less for 10^6 firms. The
        // page loads nothing from another origin (the CSP above), so these
        // break nothing; the API stays readable from anywhere (CORS).
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-embedder-policy"),
            HeaderValue::from_static("require-corp"),
        ))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal("a handler panicked").into_response()))
        .layer(middleware::from_fn(super::error::json_errors))
        .layer(compression())
        // An `x-request-id` for every request (the client's if it sent one),
        // echoed in the response, and one log line per request.
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span as fn(&Request) -> tracing::Span)
                        .on_request(())
                        .on_response(
                            DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Millis),
                        ),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
        .with_state(state)
}

/// gzip or brotli as the client asks, except for bodies that are compressed
/// already (registry snapshots are gzip files).
fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new().and(NotForContentType::const_new("application/gzip"));
    CompressionLayer::new().gzip(true).br(true).compress_when(predicate)
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The span of one request's log line: its id, method, route and path
/// (`TraceLayer` adds status and latency when the response is ready).
fn request_span(request: &Request) -> tracing::Span {
    let id = request.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok());
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    tracing::info_span!(
        "request",
        id = id.unwrap_or("-"),
        method = %request.method(),
        route = route.unwrap_or("-"),
        path = request.uri().path(),
    )
}
