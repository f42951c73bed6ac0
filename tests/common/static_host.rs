//! Processes a test runs in the background: a plain static web server
//! (`python3 -m http.server`) on a free loopback port, for logs published
//! as static mirrors, and a host with odd habits (tests/static-host/odd_host.py).

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::{python, root, s};

/// A child process killed when the test ends.
pub struct Background(pub Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `python3 -m http.server` serving `dir` on a free loopback port.
pub fn static_server(dir: &Path) -> (Background, String) {
    let mut child = Command::new(python())
        .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0", "--directory", s(dir)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 must be installed");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    let port = first.split(" port ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or_else(|| {
        panic!("no port in http.server's first line {first:?}");
    });
    (Background(child), format!("http://127.0.0.1:{port}/"))
}

/// `tests/static-host/odd_host.py` serving `dir`: its base URL, under which
/// the first path segment picks how it answers (see the script).
#[allow(dead_code)]
pub fn odd_host(dir: &Path) -> (Background, String) {
    let mut child = Command::new(python())
        .args(["-u", "tests/static-host/odd_host.py", s(dir)])
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 must be installed");
    let mut base = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut base).unwrap();
    (Background(child), base.trim().to_string())
}
