//! Shared test harness: a temp dir per test, the `fairdraw` binary and the
//! two independent verifiers run as real processes, and small fixtures.
#![allow(dead_code)]

pub mod privacy;
pub mod static_host;

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

/// Runs the `fairdraw` binary. `init` and `demo` make full-mode logs here
/// unless the test says `--publish` itself: most tests read the public
/// snapshots of a full log, and this keeps full mode covered in one place
/// (the protected tests pass `--publish protected`).
pub fn fairdraw(args: &[&str], cwd: &Path) -> Run {
    let mut args = args.to_vec();
    if matches!(args.first(), Some(&"init" | &"demo")) && !args.iter().any(|a| a.starts_with("--publish")) {
        args.extend(["--publish", "full"]);
    }
    Run::from(Command::new(env!("CARGO_BIN_EXE_fairdraw")).args(args).current_dir(cwd).output().expect("run fairdraw"))
}

/// Runs `audit/verify.py ARGS` with [`python`].
pub fn verify_py(args: &[&str], cwd: &Path) -> Run {
    let script = root().join("audit/verify.py");
    Run::from(
        Command::new(python()).arg(script).args(args).current_dir(cwd).output().unwrap_or_else(|e| {
            panic!("cannot run {}: {e}; install python3 or set FAIRDRAW_PYTHON", python().display())
        }),
    )
}

/// Runs `node web/verify.js ARGS`.
pub fn verify_js(args: &[&str], cwd: &Path) -> Run {
    let script = root().join("web/verify.js");
    Run::from(Command::new("node").arg(script).args(args).current_dir(cwd).output().expect("node must be installed"))
}

/// The Python interpreter the tests run: `$FAIRDRAW_PYTHON`, else the
/// repository's `.venv` (which `.ci/run` creates with `consistent-sampler`),
/// else `python3` from the PATH.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("FAIRDRAW_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let venv = root().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// Says that a test did not run, past the test harness's output capture
/// (which hides `eprintln!` of passing tests), so that a skip is never silent.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED {test}: {why}\n");
}

/// Runs one node test file (`node --test`) from the repository root and
/// checks that exactly `count` tests ran and all passed.
#[allow(dead_code)]
pub fn node_tests(file: &str, count: usize) {
    let out = Command::new("node").args(["--test", file]).current_dir(root()).output().expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{file}: {text}");
    assert!(
        text.contains(&format!("# pass {count}")) && text.contains("# fail 0"),
        "every node test of {file} ran: {text}"
    );
}

/// Runs a headless-Chromium page check (`node SCRIPT`, which prints
/// `"ok": true`), skipped loudly when `FAIRDRAW_SKIP_CHROMIUM` is set or,
/// outside CI, when Chromium or playwright-core is missing (CI must run it).
#[allow(dead_code)]
pub fn page_check(test: &str, script: &str) {
    page_check_with(test, script, &[]);
}

/// [`page_check`] with environment variables for the script; whether it
/// ran (false: skipped, said loudly).
#[allow(dead_code)]
pub fn page_check_with(test: &str, script: &str, env: &[(&str, &str)]) -> bool {
    if let Some(why) = std::env::var("FAIRDRAW_SKIP_CHROMIUM").ok().filter(|w| !w.is_empty()) {
        skipped(test, &format!("FAIRDRAW_SKIP_CHROMIUM: {why}"));
        return false;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = if !Path::new(&chromium).exists() {
        Some(format!("{chromium} not found: apt-get install -y chromium"))
    } else if !root().join("tests/browser/node_modules/playwright-core").exists() {
        Some("playwright-core missing: npm ci --prefix tests/browser".to_string())
    } else {
        None
    };
    if let Some(why) = missing {
        assert!(std::env::var("CI").is_err(), "CI must run the browser test: {why}");
        skipped(test, &why);
        return false;
    }
    let out = Command::new("node")
        .arg(script)
        .envs(env.iter().copied())
        .current_dir(root())
        .output()
        .expect("node must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("\"ok\": true"), "{script}: {text}");
    true
}

/// A `fairdraw serve` of `log` with the page (`--web web`) on a free
/// loopback port, stopped when dropped.
#[allow(dead_code)]
pub struct Served {
    child: std::process::Child,
    pub url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts [`Served`]: the server prints its address on its first stderr line.
#[allow(dead_code)]
pub fn serve(log: &Path) -> Served {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
        .args(["serve", "--log", s(log), "--addr", "127.0.0.1:0", "--web", s(&root().join("web"))])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Served { child, url }
}

/// [`python`] with the reference `consistent-sampler` 1.0.10 importable, or
/// `None` (said loudly) when `FAIRDRAW_SKIP_SAMPLER` is set and it is not.
/// Without it and without the skip, the test fails with how to install it.
pub fn python_with_sampler(test: &str) -> Option<Command> {
    static FOUND: OnceLock<Result<(), String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let python = python();
        let probe = "import consistent_sampler, importlib.metadata as m, sys; \
                     sys.exit(0 if m.version('consistent-sampler') == '1.0.10' else 1)";
        // Output captured: a missing package must not print a traceback.
        match Command::new(&python).args(["-c", probe]).output() {
            Ok(out) if out.status.success() => Ok(()),
            Ok(_) => Err(format!("{} has no consistent-sampler 1.0.10", python.display())),
            Err(e) => Err(format!("cannot run {}: {e}", python.display())),
        }
    });
    match found {
        Ok(()) => Some(Command::new(python())),
        Err(why) if std::env::var_os("FAIRDRAW_SKIP_SAMPLER").is_some() => {
            skipped(test, &format!("{why} and FAIRDRAW_SKIP_SAMPLER is set"));
            None
        }
        Err(why) => panic!(
            "{why}: run .ci/run once (it makes .venv with it), or `python3 -m venv .venv && \
             .venv/bin/pip install consistent-sampler==1.0.10`, or point FAIRDRAW_PYTHON at a python that has it \
             (FAIRDRAW_SKIP_SAMPLER=1 skips these tests)"
        ),
    }
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
    let c = fairdraw::model::uscc::check_char(first17.as_bytes()).expect("alphabet");
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

/// A full log relabelled as protected, for tests that compare the public
/// answers of both modes about the same draw: `full`'s entries behind a
/// LogCreated saying `publication: protected`, signed by a new key, in
/// `out`; the snapshot blobs in private/snapshots/. It has no blinded
/// snapshots, so it does not verify: real protected logs come from `commit`.
pub fn protected_copy(full: &Path, out: &Path) {
    let lines = std::fs::read_to_string(full.join("entries.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let first = &entries[0];
    drop(
        fairdraw::log::store::Log::init(out, "protected.example/test", first["time"].as_str().unwrap(), true).unwrap(),
    );
    for made in ["entries.jsonl", "checkpoints.jsonl", "checkpoint"] {
        std::fs::remove_file(out.join(made)).unwrap();
    }
    let vkey = std::fs::read_to_string(out.join("log.pub")).unwrap().trim().to_string();
    let origin = vkey.split('+').next().unwrap().to_string();
    let mut log = fairdraw::log::store::Log::open_dir(out, true).unwrap();
    let created = serde_json::json!({"origin": origin, "vkey": vkey, "publication": "protected"});
    log.append(vec![(fairdraw::log::entry::Kind::LogCreated, created)], first["time"].as_str().unwrap(), true).unwrap();
    for e in &entries[1..] {
        let kind = fairdraw::log::entry::Kind::parse(e["kind"].as_str().unwrap()).unwrap();
        log.append(vec![(kind, e["body"].clone())], e["time"].as_str().unwrap(), e["simulated"] == true).unwrap();
    }
    let private = out.join("private/snapshots");
    std::fs::create_dir_all(&private).unwrap();
    for f in std::fs::read_dir(full.join("snapshots")).unwrap().flatten() {
        std::fs::copy(f.path(), private.join(f.file_name())).unwrap();
    }
}

/// Rewrites every checkpoint of the log in `log` from its current entries
/// with the log's own private key: what an operator who controls the key
/// could do.
pub fn resign_log(log: &Path) {
    let skey = std::fs::read_to_string(log.join("private/log.key")).unwrap();
    let vkey = std::fs::read_to_string(log.join("log.pub")).unwrap();
    let origin = vkey.split('+').next().unwrap();
    let mut tree = fairdraw::model::merkle::RootBuilder::default();
    let mut records = String::new();
    let mut note = String::new();
    let text = std::fs::read_to_string(log.join("entries.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        tree.push(fairdraw::model::merkle::leaf_hash(line.as_bytes()));
        note =
            fairdraw::log::note::sign(&fairdraw::log::note::checkpoint_text(origin, tree.size(), &tree.root()), &skey)
                .unwrap();
        let rec = serde_json::json!({"size": tree.size(), "checkpoint": note, "batch_end": i + 1 == lines.len()});
        records.push_str(&String::from_utf8(fairdraw::model::canonical::to_bytes(&rec)).unwrap());
        records.push('\n');
    }
    std::fs::write(log.join("checkpoints.jsonl"), records).unwrap();
    std::fs::write(log.join("checkpoint"), note).unwrap();
    // The static tlog-tiles files follow the entries too: a writer opening
    // the log writes the missing ones (a log that does not open for writing
    // is left without them, which verifiers only note).
    for derived in ["tile", "entry"] {
        let _ = std::fs::remove_dir_all(log.join(derived));
    }
    drop(fairdraw::log::store::Log::open_dir(log, true));
}

/// Every public file of a log directory (everything but `private/` and the
/// `LOCK` files), `.gz` files gunzipped: what a mirror of the log serves.
pub fn public_files(log: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, top: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(top).unwrap().to_path_buf();
            let name = rel.to_string_lossy();
            if name == "private" || name.ends_with("LOCK") || name.ends_with(".lock") {
                continue;
            }
            if path.is_dir() {
                walk(&path, top, out);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let bytes = if name.ends_with(".gz") {
                let mut text = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
                    .unwrap_or_else(|e| panic!("{name} is not gzip: {e}"));
                text
            } else {
                bytes
            };
            out.push((rel, bytes));
        }
    }
    let mut out = Vec::new();
    walk(log, log, &mut out);
    out
}

/// A copy of a log directory without `private/` and the LOCK files: a
/// public mirror.
pub fn public_mirror(log: &Path, to: &Path) {
    for (rel, _) in public_files(log) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(log.join(&rel), dest).unwrap();
    }
}

/// The entries of the log in `log`, parsed.
pub fn log_entries(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log.join("entries.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Replaces the entries of the log in `log` (canonical JSON, one per line):
/// an edit that [`resign_log`] can then sign with the log's own key.
pub fn write_log_entries(log: &Path, entries: &[serde_json::Value]) {
    let text: String =
        entries.iter().map(|e| String::from_utf8(fairdraw::model::canonical::to_bytes(e)).unwrap() + "\n").collect();
    std::fs::write(log.join("entries.jsonl"), text).unwrap();
}

/// A new log `dir/log` of the given publication mode with one draw of
/// `plan` on the sample registries, committed and revealed by a ceremony on
/// 2024-10-01 (simulated clock); returns the DrawResult's id.
pub fn ceremony_drawn_log(dir: &Path, publish: &str, plan: &Path) -> String {
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--publish", publish, "--now", "2024-10-01T00:00:00Z"], dir).expect(0);
    let sample = [data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv")];
    let commitment = commit_by_ceremony(dir, &log, &sample, plan, "2024-10-01T01:00:00Z");
    reveal_by_ceremony(dir, &log, &commitment, "31415926535897932384626", "2024-10-01T02:00:00Z")
}

/// Commits `plan` on the registries `[enterprises, inspectors, conflicts]`
/// to a ceremony beacon at `now` (simulated clock); returns the
/// commitment's id.
pub fn commit_by_ceremony(dir: &Path, log: &Path, registries: &[PathBuf; 3], plan: &Path, now: &str) -> String {
    let run = commit_run(dir, log, registries, plan, now, &[]).expect(0);
    run.stdout.lines().last().unwrap().trim().to_string()
}

/// `fairdraw commit` of `plan` on `[enterprises, inspectors, conflicts]` to a
/// ceremony beacon at `now`, with `extra` arguments; the run, whatever its
/// exit code.
#[allow(dead_code)]
pub fn commit_run(dir: &Path, log: &Path, registries: &[PathBuf; 3], plan: &Path, now: &str, extra: &[&str]) -> Run {
    let [enterprises, inspectors, conflicts] = registries;
    let mut args = vec![
        "commit",
        "--log",
        s(log),
        "--enterprises",
        s(enterprises),
        "--inspectors",
        s(inspectors),
        "--conflicts",
        s(conflicts),
        "--plan",
        s(plan),
        "--beacon",
        "ceremony",
        "--now",
        now,
    ];
    args.extend_from_slice(extra);
    fairdraw(&args, dir)
}

/// Reveals `commitment` by a ceremony of `digits` witnessed by 甲 and 乙 at
/// `now` (the digits and names are the randomness: keep them to keep the
/// draw); returns the DrawResult's id.
pub fn reveal_by_ceremony(dir: &Path, log: &Path, commitment: &str, digits: &str, now: &str) -> String {
    let run = fairdraw(
        &[
            "reveal",
            commitment,
            "--log",
            s(log),
            "--ceremony",
            digits,
            "--witness",
            "甲",
            "--witness",
            "乙",
            "--now",
            now,
        ],
        dir,
    )
    .expect(0);
    run.stdout.lines().last().unwrap().trim().to_string()
}

/// The four sample plans of a year (tests/stats.rs, tests/server_accounts.rs)
/// and the day each is committed and revealed: a plan without department,
/// a joint visit of two departments, a single department's, a cross-district one.
pub const SAMPLE_YEAR_PLANS: [(&str, &str); 4] = [
    ("plan-minimal.toml", "2026-10-01"),
    ("plan-joint.toml", "2026-10-02"),
    ("plan-single.toml", "2026-10-03"),
    ("plan-cross.toml", "2026-10-04"),
];

/// Creates `log` and commits and reveals each sample plan by ceremony;
/// returns the DrawResult ids.
pub fn sample_year_draws(dir: &Path, log: &Path) -> Vec<String> {
    fairdraw(&["init", "--log", s(log), "--now", "2026-09-30T00:00:00Z"], dir).expect(0);
    SAMPLE_YEAR_PLANS
        .iter()
        .map(|(plan, day)| {
            let sample = [data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv")];
            let commitment = commit_by_ceremony(dir, log, &sample, &data(plan), &format!("{day}T01:00:00Z"));
            reveal_by_ceremony(dir, log, &commitment, "27182818284590452353602", &format!("{day}T02:00:00Z"))
        })
        .collect()
}
