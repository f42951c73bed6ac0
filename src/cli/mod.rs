//! The command-line edge: argument structs and the code that wires files,
//! clocks and terminals to the library. Exit codes everywhere: 0 ok,
//! 1 verification failed, 2 error.

pub mod annual;
pub mod demo;
pub mod demo_year;
pub mod disclose;
pub mod draw;
pub mod followup;
pub mod ledger;
pub mod log;
pub mod publish;
pub mod replace;
pub mod report;
pub mod seal;
pub mod serve;
pub mod user;
pub mod wake;
pub mod witness;

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes via a temporary file and a rename, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically_with(path, |out| out.write_all(bytes))
}

/// [`write_atomically`] with the bytes streamed out by `write` (buffered)
/// instead of held whole first: a large draw's document and list.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    // One way to write a file whole: the log's own storage (temporary file,
    // fsync, rename, fsync of the directory).
    use fairdraw::log::storage::DirStorage;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name =
        path.file_name().and_then(|n| n.to_str()).with_context(|| format!("{} is not a file name", path.display()))?;
    DirStorage { dir: dir.to_path_buf() }
        .replace_with(name, write)
        .with_context(|| format!("writing {}", path.display()))
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

/// How to run this program again, as the user would type it: `fairdraw` when
/// that name on the PATH is this very executable (after `cargo install --path
/// .`), else this executable's path (relative to the working directory when
/// it lies below it), so that the next steps a command prints work as shown.
pub fn self_command() -> String {
    let Ok(me) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return "fairdraw".into();
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path).map(|dir| dir.join("fairdraw")).find(|p| p.is_file());
    if on_path.and_then(|p| p.canonicalize().ok()).as_ref() == Some(&me) {
        return "fairdraw".into();
    }
    let below_cwd = std::env::current_dir()
        .and_then(|cwd| cwd.canonicalize())
        .ok()
        .and_then(|cwd| me.strip_prefix(cwd).ok().map(|rel| format!("./{}", rel.display())));
    below_cwd.unwrap_or_else(|| me.display().to_string())
}
