//! The command-line edge: argument structs and the code that wires files,
//! clocks and terminals to the library. Exit codes everywhere: 0 ok,
//! 1 verification failed, 2 error.

pub mod demo;
pub mod draw;
pub mod log;
pub mod serve;

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes via a temporary file and a rename, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("out")));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The bundled sample data, from the working directory or the source tree.
pub fn data_dir() -> PathBuf {
    let here = PathBuf::from("data");
    if here.join("enterprises.csv").exists() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
    }
}
