//! Shared test harness: a temp dir per test, the `fairdraw` binary and the
//! two independent verifiers run as real processes, and small fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(name: &str) -> PathBuf {
    root().join("data").join(name)
}

/// A finished process: exit code, stdout, stderr.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with both streams when the code differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }
}

pub fn fairdraw(args: &[&str], cwd: &Path) -> Run {
    Run::from(Command::new(env!("CARGO_BIN_EXE_fairdraw")).args(args).current_dir(cwd).output().expect("run fairdraw"))
}

/// Runs `python3 audit/verify.py ARGS`.
pub fn verify_py(args: &[&str], cwd: &Path) -> Run {
    let script = root().join("audit/verify.py");
    Run::from(
        Command::new("python3").arg(script).args(args).current_dir(cwd).output().expect("python3 must be installed"),
    )
}

/// Runs `node web/verify.js ARGS`.
pub fn verify_js(args: &[&str], cwd: &Path) -> Run {
    let script = root().join("web/verify.js");
    Run::from(Command::new("node").arg(script).args(args).current_dir(cwd).output().expect("node must be installed"))
}

/// A python3 with `consistent-sampler` 1.0.10 importable: the installed one
/// if present, otherwise a private copy installed once under `target/`.
pub fn python_with_sampler() -> Command {
    static PYTHONPATH: OnceLock<Option<PathBuf>> = OnceLock::new();
    let extra = PYTHONPATH.get_or_init(|| {
        let probe = "import consistent_sampler, importlib.metadata as m; assert m.version('consistent-sampler') == '1.0.10'";
        if Command::new("python3").args(["-c", probe]).status().is_ok_and(|s| s.success()) {
            return None;
        }
        let dir = root().join("target/pydeps-consistent-sampler-1.0.10");
        if !dir.exists() {
            let tmp = root().join(format!("target/pydeps-tmp-{}", std::process::id()));
            let ok = Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "--no-deps", "--target"])
                .arg(&tmp)
                .arg("consistent-sampler==1.0.10")
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "could not install consistent-sampler==1.0.10 with pip; install it with: python3 -m pip install consistent-sampler==1.0.10");
            // Another test binary may have won the race; either copy is fine.
            let _ = std::fs::rename(&tmp, &dir);
        }
        Some(dir)
    });
    let mut cmd = Command::new("python3");
    if let Some(dir) = extra {
        cmd.env("PYTHONPATH", dir);
    }
    cmd
}

/// A fresh directory that lives as long as the value.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A valid USCC whose first 17 characters are `prefix` padded with `n`.
pub fn uscc(n: u32) -> String {
    let first17 = format!("91330106MA{:07}", n);
    let c = fairdraw::uscc::check_char(first17.as_bytes()).expect("alphabet");
    format!("{first17}{}", c as char)
}

/// A small enterprise CSV with English headers: `n` rows, classes cycling
/// A B C D, all active, two regions.
pub fn enterprises_csv(n: u32) -> String {
    let mut out = String::from("uscc,name,credit_class,region,industry,status\n");
    for i in 0..n {
        let class = ["A", "B", "C", "D"][(i % 4) as usize];
        let region = if i % 3 == 0 { "330106" } else { "330108" };
        out += &format!("{},测试企业{i}有限公司,{class},{region},F5221,存续\n", uscc(i));
    }
    out
}

/// `n` inspectors in department 市场监督管理局, regions alternating.
pub fn inspectors_csv(n: u32) -> String {
    let mut out = String::from("id,name,department,region\n");
    for i in 0..n {
        let region = if i % 2 == 0 { "330106" } else { "330108" };
        out += &format!("P{i:03},检查员{i},市场监督管理局,{region}\n");
    }
    out
}

pub const MINIMAL_PLAN: &str = "name = \"测试计划\"\n[ratios]\nA = \"10%\"\nB = \"20%\"\nC = \"30%\"\nD = \"50%\"\n";

/// The ids of a log's entries, in order.
pub fn log_ids(dir: &Path) -> Vec<String> {
    let log = fairdraw::log::store::Log::open_dir(dir, false).unwrap();
    (0..log.len()).map(|i| log.id(i)).collect()
}

/// `audit verify` finds no tampering.
pub fn assert_log_verifies(dir: &Path) {
    let report = fairdraw::log::audit::verify(dir, None, None).unwrap();
    assert!(report.tampering.is_empty(), "{:?}", report.tampering);
}
