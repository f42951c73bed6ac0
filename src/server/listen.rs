//! The accept loop: HTTP/1 and HTTP/2 over TCP with hyper, a deadline for
//! reading request headers (slow clients must not hold connections open),
//! TCP_NODELAY, and graceful shutdown. `axum::serve` offers neither the
//! header deadline nor a timer, hence this loop.

use std::future::Future;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::router::app;
use super::state::AppState;

/// How the server treats connections.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// A client that has not sent a whole request header within this time
    /// (counted from the connection or the previous response) is disconnected.
    pub header_read_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions { header_read_timeout: Duration::from_secs(10) }
    }
}

/// Serves until `shutdown` completes, then stops accepting and finishes the
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = app(state);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(options.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Static files go out in several writes; without NODELAY, Nagle and
        // delayed ACKs add ~40 ms to each.
        let _ = tcp.set_nodelay(true);
        // The client's address, for the failed-login limit (auth.rs).
        let service = TowerToHyperService::new(router.clone().map_request(with_peer(peer)));
        let connection = builder.serve_connection(TokioIo::new(tcp), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("stopping: finishing the requests in flight");
    graceful.shutdown().await;
    Ok(())
}

/// Marks each request of a connection with the client's address.
fn with_peer<B>(peer: std::net::SocketAddr) -> impl Fn(Request<B>) -> Request<B> + Clone {
    move |mut r| {
        r.extensions_mut().insert(ConnectInfo(peer));
        r
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
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
