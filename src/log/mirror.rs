//! Where a static mirror of the log lives (LOG-FORMAT.md "`fairdraw
//! publish`" and "Reading a log from a URL"): a small blocking trait,
//! [`Mirror`], so that publishing and fetching are written once and tests can
//! inject failures, and its one implementation over the `object_store` crate
//! (a local directory, S3, GCS, Azure, and plain HTTP for reading). This is
//! the only module that knows about `object_store` and its async runtime.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("{0} is not a directory or a URL this can publish to (give DIR, file:///DIR, s3://BUCKET/PREFIX, gs://…, az://…)")]
    BadDestination(String),
    #[error("{0} is not an http:// or https:// URL")]
    BadUrl(String),
    #[error("{0}: a mirror's URL is a prefix: it takes no ?query or #fragment")]
    NotAPrefix(String),
    #[error("{what}: {cause}")]
    Store { what: String, cause: object_store::Error },
    #[error("{what}: {cause}")]
    Io { what: String, cause: std::io::Error },
    /// A body whose `Content-Encoding` is not gzip or identity, or not what it says.
    #[error("{what}: {why}")]
    Encoding { what: String, why: String },
}

/// Files of a static mirror, by their names relative to its prefix.
pub trait Mirror {
    /// Where the mirror is, for messages.
    fn label(&self) -> String;
    /// Every file with its length.
    fn list(&self) -> Result<BTreeMap<String, u64>, MirrorError>;
    /// A file's bytes; `None` when it does not exist (HTTP 404, or 403 from a
    /// bucket that may not be listed).
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, MirrorError>;
    /// Writes a file whole (the store makes the write atomic).
    fn put(&self, name: &str, bytes: &[u8]) -> Result<(), MirrorError>;
}

/// A mirror in an `object_store` store under a prefix.
pub struct ObjectMirror {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    label: String,
    runtime: tokio::runtime::Runtime,
    /// Read from a web host: a `text/html` answer is its page, not a file.
    web: bool,
}

/// Failures a mirror read retries before giving up (object_store's default
/// keeps trying for minutes).
fn retry() -> RetryConfig {
    RetryConfig { max_retries: 2, retry_timeout: Duration::from_secs(20), ..RetryConfig::default() }
}

fn runtime() -> Result<tokio::runtime::Runtime, MirrorError> {
    // reqwest's TLS is rustls with the process's provider: ring, which the
    // rest of the program already uses. Installing twice is refused, harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|cause| MirrorError::Io { what: "starting the I/O runtime".into(), cause })
}

/// The variables `object_store`'s builders read from the environment
/// (credentials, endpoint, region, `AWS_ALLOW_HTTP`, …), as its options.
fn environment() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| ["AWS_", "GOOGLE_", "AZURE_"].iter().any(|p| k.starts_with(p)))
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

impl ObjectMirror {
    /// A destination to publish to: a directory (created if missing), or a
    /// `file://`, `s3://`, `gs://` or `az://` URL configured from the
    /// environment.
    pub fn destination(dest: &str) -> Result<ObjectMirror, MirrorError> {
        ObjectMirror::destination_with(dest, environment())
    }

    /// [`ObjectMirror::destination`] with the store's options given (as
    /// `object_store` names them: `aws_endpoint`, `aws_allow_http`, …)
    /// instead of read from the environment.
    pub fn destination_with(dest: &str, options: Vec<(String, String)>) -> Result<ObjectMirror, MirrorError> {
        let runtime = runtime()?;
        let store_error = |cause| MirrorError::Store { what: dest.to_string(), cause };
        let (store, prefix): (Arc<dyn ObjectStore>, ObjectPath) = match url::Url::parse(dest) {
            Ok(url) if url.scheme() != "file" && url.scheme().len() > 1 => {
                if matches!(url.scheme(), "http" | "https") {
                    return Err(MirrorError::BadDestination(dest.to_string()));
                }
                let (store, prefix) = object_store::parse_url_opts(&url, options).map_err(store_error)?;
                (Arc::from(store), prefix)
            }
            Ok(url) => {
                let dir = url.to_file_path().map_err(|()| MirrorError::BadDestination(dest.to_string()))?;
                (local(&dir)?, ObjectPath::default())
            }
            // A plain path (relative, or a Windows drive letter).
            Err(_) => (local(Path::new(dest))?, ObjectPath::default()),
        };
        Ok(ObjectMirror { store, prefix, label: dest.to_string(), runtime, web: false })
    }

    /// A mirror to read over HTTP(S): `url` is its prefix, with or without
    /// a trailing slash.
    pub fn http(url: &str) -> Result<ObjectMirror, MirrorError> {
        let parsed = url::Url::parse(url).map_err(|_| MirrorError::BadUrl(url.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(MirrorError::BadUrl(url.to_string()));
        }
        // the files' names would land inside a query or a fragment
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(MirrorError::NotAPrefix(url.to_string()));
        }
        // object_store appends each name's segments to the URL's: a
        // trailing slash would leave an empty segment in between.
        let base = url.trim_end_matches('/');
        let runtime = runtime()?;
        let store = object_store::http::HttpBuilder::new()
            .with_url(base)
            .with_client_options(ClientOptions::new().with_allow_http(true).with_default_headers(accept_gzip()))
            .with_retry(retry())
            .build()
            .map_err(|cause| MirrorError::Store { what: url.to_string(), cause })?;
        Ok(ObjectMirror {
            store: Arc::new(store),
            prefix: ObjectPath::default(),
            label: url.to_string(),
            runtime,
            web: true,
        })
    }

    fn path(&self, name: &str) -> ObjectPath {
        name.split('/').fold(self.prefix.clone(), |p, part| p.join(part))
    }

    fn url_of(&self, name: &str) -> String {
        format!("{}/{name}", self.label.trim_end_matches('/'))
    }
}

/// `Accept-Encoding: gzip, identity`: what [`decoded`] reads.
fn accept_gzip() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ACCEPT_ENCODING, reqwest::header::HeaderValue::from_static("gzip, identity"));
    headers
}

/// A body as its `Content-Encoding` says (LOG-FORMAT "Reading a log from a
/// URL", step 1): gzip (or x-gzip) is decoded, identity or none taken as it
/// is; any other encoding is an error, as is a body that is not what it says.
fn decoded(encoding: Option<&str>, body: Vec<u8>) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let encoding = encoding.map(|e| e.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("" | "identity") => Ok(body),
        Some("gzip" | "x-gzip") => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(body.as_slice())
                .read_to_end(&mut out)
                .map_err(|e| format!("Content-Encoding gzip, but the body is not gzip: {e}"))?;
            Ok(out)
        }
        Some(other) => Err(format!("Content-Encoding {other} is not supported (gzip or identity)")),
    }
}

fn local(dir: &Path) -> Result<Arc<dyn ObjectStore>, MirrorError> {
    let what = || dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|cause| MirrorError::Io { what: what(), cause })?;
    // fsync, so that after a crash of the host `checkpoint` is never on
    // disk without the files uploaded before it.
    let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
        .map_err(|cause| MirrorError::Store { what: what(), cause })?
        .with_fsync(true);
    Ok(Arc::new(store))
}

impl Mirror for ObjectMirror {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn list(&self) -> Result<BTreeMap<String, u64>, MirrorError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let listed: Vec<object_store::ObjectMeta> = self
            .runtime
            .block_on(self.store.list(prefix).try_collect())
            .map_err(|cause| MirrorError::Store { what: format!("listing {}", self.label), cause })?;
        Ok(listed
            .into_iter()
            .filter_map(|meta| {
                let name =
                    meta.location.prefix_match(&self.prefix)?.map(|p| p.as_ref().to_string()).collect::<Vec<_>>();
                Some((name.join("/"), meta.size))
            })
            .collect())
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, MirrorError> {
        let path = self.path(name);
        let got = self.runtime.block_on(async {
            let result = self.store.get(&path).await?;
            let attribute = |a| result.attributes.get(&a).map(|v| v.to_string());
            let encoding = attribute(object_store::Attribute::ContentEncoding);
            let page = self.web
                && attribute(object_store::Attribute::ContentType)
                    .is_some_and(|t| t.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("text/html"));
            Ok((encoding, page, result.bytes().await?))
        });
        match got {
            // a host's web page answering every path (no log file is HTML): absent
            Ok((_, true, _)) => Ok(None),
            Ok((encoding, false, bytes)) => decoded(encoding.as_deref(), bytes.to_vec())
                .map(Some)
                .map_err(|why| MirrorError::Encoding { what: self.url_of(name), why }),
            // 403 too: a bucket the public may not list answers it for a missing key.
            Err(object_store::Error::NotFound { .. } | object_store::Error::PermissionDenied { .. }) => Ok(None),
            Err(cause) => Err(MirrorError::Store { what: self.url_of(name), cause }),
        }
    }

    fn put(&self, name: &str, bytes: &[u8]) -> Result<(), MirrorError> {
        let path = self.path(name);
        self.runtime
            .block_on(self.store.put(&path, PutPayload::from(bytes.to_vec())))
            .map(|_| ())
            .map_err(|cause| MirrorError::Store { what: format!("uploading {}", self.url_of(name)), cause })
    }
}
