//! The log as static C2SP tlog-tiles, `fairdraw publish` and `audit verify
//! --url` (LOG-FORMAT.md "Static publication"): the tiles a CLI-made log
//! writes are accepted by an independent tiled-log client (the `tlog_tiles`
//! crate, Go's sumdb/tlog ported), tampered static files are named, and a
//! log published to a directory served by a plain static server and to a
//! real S3-compatible server (moto, on loopback) verifies from its URL;
//! publishing again uploads only the new files, `checkpoint` last.

mod common;
use common::static_host::{static_server, Background};
use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fairdraw::log::mirror::{Mirror, MirrorError, ObjectMirror};
use tlog_tiles::tile::{Tile, TileHashReader, TileReader};
use tlog_tiles::tlog;

/// A protected log with one ceremony draw, made by the CLI.
fn drawn_log(dir: &Path) -> PathBuf {
    ceremony_drawn_log(dir, "protected", &data("plan-single.toml"));
    dir.join("log")
}

/// Another batch: a public note, as a later write would add.
fn add_note(log: &Path, text: &str) {
    fairdraw(&["note", "--log", s(log), "--text", text, "--now", "2024-10-02T00:00:00Z"], log.parent().unwrap())
        .expect(0);
}

fn lines(log: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(log.join("entries.jsonl")).unwrap();
    bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

/// `(size, batch_end, root)` of every checkpoint record.
fn records(log: &Path) -> Vec<(u64, bool, tlog::Hash)> {
    std::fs::read_to_string(log.join("checkpoints.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let note = v["checkpoint"].as_str().unwrap();
            let root = tlog::Hash::parse_hash(note.lines().nth(2).unwrap()).unwrap();
            (v["size"].as_u64().unwrap(), v["batch_end"].as_bool().unwrap(), root)
        })
        .collect()
}

/// Every file under `dir/top`, relative to `dir`.
fn files(dir: &Path, top: &str) -> BTreeSet<String> {
    fn walk(dir: &Path, rel: &str, out: &mut BTreeSet<String>) {
        let Ok(list) = std::fs::read_dir(dir.join(rel)) else { return };
        for e in list.flatten() {
            let name = format!("{rel}/{}", e.file_name().to_string_lossy());
            if e.path().is_dir() {
                walk(dir, &name, out);
            } else {
                out.insert(name);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, top, &mut out);
    out
}

/// Hash tiles read from a directory in the C2SP layout, for `tlog_tiles`
/// (whose paths carry the tile height: `tile/8/<L>/…`).
struct DirTiles<'a>(&'a Path);

impl TileReader for DirTiles<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog::Error> {
        Ok(tiles.iter().map(|t| std::fs::read(self.0.join(c2sp_path(t))).unwrap_or_default()).collect())
    }

    fn save_tiles(&self, _: &[Tile], _: &[Vec<u8>]) {}
}

fn c2sp_path(t: &Tile) -> String {
    t.path().replacen("tile/8/", "tile/", 1)
}

/// The static files of `log`, recomputed without fairdraw's code: the hash
/// tiles by `tlog_tiles` from the entries, the bundles and `entry/` files
/// from the lines; the set of files must be exactly what every checkpoint
/// size and batch end calls for, and a tiled-log client must prove the
/// newest root from the tiles alone.
fn check_independently(log: &Path) {
    struct Store(Vec<tlog::Hash>);
    impl tlog::HashReader for Store {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
            Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
        }
    }
    let lines = lines(log);
    let records = records(log);
    let size = records.iter().rev().find(|r| r.1).unwrap().0;
    assert_eq!(size as usize, lines.len());
    let mut store = Store(Vec::new());
    for (i, line) in lines.iter().enumerate() {
        let new = tlog::stored_hashes_for_record_hash(i as u64, tlog::record_hash(line), &store).unwrap();
        store.0.extend(new);
    }
    let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (s, batch_end, _) in &records {
        for t in Tile::new_tiles(8, s - 1, *s) {
            expected.insert(c2sp_path(&t), t.read_data(&store).unwrap());
        }
        let w = (s % 256) as usize;
        if *batch_end && w > 0 {
            let first = (*s as usize / 256) * 256;
            let mut bundle = Vec::new();
            for line in &lines[first..first + w] {
                bundle.extend_from_slice(&(line.len() as u16).to_be_bytes());
                bundle.extend_from_slice(line);
            }
            let t = Tile::new(8, 0, s / 256, w as u32, false);
            expected.insert(c2sp_path(&t).replacen("tile/0/", "tile/entries/", 1), bundle);
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let n = Tile::new(8, 0, i as u64, 256, false);
        expected.insert(c2sp_path(&n).replacen("tile/0/", "entry/", 1), line.clone());
    }
    let present: BTreeSet<String> = files(log, "tile").into_iter().chain(files(log, "entry")).collect();
    assert_eq!(present, expected.keys().cloned().collect::<BTreeSet<_>>(), "the static files of {}", log.display());
    for (name, bytes) in &expected {
        assert!(std::fs::read(log.join(name)).unwrap() == *bytes, "{name} differs from its recomputation");
    }
    let root = records.last().unwrap().2;
    let reader = DirTiles(log);
    assert_eq!(tlog::tree_hash(size, &TileHashReader::new(size, root, &reader)).unwrap(), root);
}

fn verify(log: &Path) -> Run {
    fairdraw(&["audit", "verify", "--log", s(log), "--now", "2024-10-03T00:00:00Z"], log.parent().unwrap())
}

fn flip_last_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_cli_log_writes_tiles_a_tiled_log_client_accepts() {
    let dir = tempdir();
    let log = drawn_log(dir.path());
    check_independently(&log);
    add_note(&log, "a later batch");
    check_independently(&log);
    let report = verify(&log).expect(0);
    assert!(!report.stdout.contains("missing"), "{}", report.stdout);
}

/// A change made to a copy of the log.
type Damage<'a> = dyn Fn(&Path) + 'a;

#[test]
fn audit_verify_names_a_changed_a_stray_and_a_missing_static_file() {
    let dir = tempdir();
    let log = drawn_log(dir.path());
    let tiles = files(&log, "tile");
    let partial = tiles.iter().find(|n| n.starts_with("tile/0/000.p/")).unwrap().clone();
    let bundle = tiles.iter().find(|n| n.starts_with("tile/entries/")).unwrap().clone();
    let cases: [(&str, &Damage<'_>, &str); 5] = [
        ("a changed tile", &|l| flip_last_byte(&l.join(&partial)), partial.as_str()),
        (
            "a changed entry file",
            &|l| flip_last_byte(&l.join("entry/002")),
            "entry/002: differs from the bytes derived from the log's entries",
        ),
        ("a changed bundle", &|l| flip_last_byte(&l.join(&bundle)), bundle.as_str()),
        (
            "a tile beyond the log's size",
            &|l| std::fs::write(l.join("tile/0/000.p/200"), [0u8; 32 * 200]).unwrap(),
            "tile/0/000.p/200: not a file of this log",
        ),
        ("an unknown name", &|l| std::fs::write(l.join("entry/7"), b"{}").unwrap(), "entry/7: not a file of this log"),
    ];
    for (what, damage, named) in cases {
        let copy = tempdir();
        let tampered = copy.path().join("log");
        public_mirror(&log, &tampered);
        damage(&tampered);
        let run = verify(&tampered).expect(1);
        assert!(run.stdout.contains("TAMPERED") && run.stdout.contains(named), "{what}:\n{}", run.stdout);
    }
    // A missing file is a note: a log written before tiles, or a copy.
    std::fs::remove_file(log.join(&partial)).unwrap();
    let run = verify(&log).expect(0);
    assert!(run.stdout.contains(&format!("note: {partial}: missing")), "{}", run.stdout);
}

#[test]
fn a_writer_opening_a_log_without_static_files_writes_them() {
    let dir = tempdir();
    let log = drawn_log(dir.path());
    std::fs::remove_dir_all(log.join("tile")).unwrap();
    std::fs::remove_dir_all(log.join("entry")).unwrap();
    let run = verify(&log).expect(0);
    assert!(run.stdout.contains("more static files missing (tile/, entry/"), "{}", run.stdout);
    add_note(&log, "the next write");
    check_independently(&log);
}

fn verify_url(url: &str, cwd: &Path) -> Run {
    fairdraw(&["audit", "verify", "--url", url, "--now", "2024-10-03T00:00:00Z"], cwd)
}

fn summary(run: &Run) -> (usize, usize, usize) {
    let line = run.stdout.lines().find(|l| l.starts_with("published: ")).unwrap_or_else(|| panic!("{}", run.stdout));
    let n: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect();
    (n[0], n[1], n[2])
}

#[test]
fn a_log_published_to_a_directory_verifies_from_a_plain_static_server() {
    let dir = tempdir();
    let d = dir.path();
    let log = drawn_log(d);
    let site = d.join("site");
    let first =
        fairdraw(&["publish", "--log", s(&log), "--to", s(&site), "--page", s(&root().join("web"))], d).expect(0);
    let (new, changed, there) = summary(&first);
    assert!(new > 0 && changed == 0 && there == 0, "{}", first.stdout);
    assert!(site.join("index.html").exists() && site.join("verify/log.js").exists(), "the page is beside the log");
    for never in ["entries.jsonl", "private", "LOCK"] {
        assert!(!site.join(never).exists(), "{never} is never published");
    }
    let (_server, url) = static_server(&site);

    let run = verify_url(&url, d).expect(0);
    assert_eq!(run.stdout.lines().next(), Some(format!("log: {url} (static mirror)").as_str()));
    assert!(run.stdout.contains("VERIFIED"), "{}", run.stdout);
    // Without the trailing slash too.
    verify_url(url.trim_end_matches('/'), d).expect(0);

    // Nothing new: nothing uploaded.
    let again =
        fairdraw(&["publish", "--log", s(&log), "--to", s(&site), "--page", s(&root().join("web"))], d).expect(0);
    assert_eq!(summary(&again), (0, 0, new), "{}", again.stdout);

    // A changed tile and a changed entry at the host are named.
    let tiles_of_size = fairdraw::log::tiles::tiles_of_size(lines(&log).len() as u64);
    let served_tile = tiles_of_size.iter().map(|t| t.path()).find(|p| p.starts_with("tile/0/")).unwrap();
    let saved = std::fs::read(site.join(&served_tile)).unwrap();
    flip_last_byte(&site.join(&served_tile));
    let run = verify_url(&url, d).expect(1);
    assert!(run.stdout.contains(&served_tile), "{}", run.stdout);
    std::fs::write(site.join(&served_tile), saved).unwrap();
    let saved = std::fs::read(site.join("entry/002")).unwrap();
    flip_last_byte(&site.join("entry/002"));
    let run = verify_url(&url, d).expect(1);
    assert!(run.stdout.contains("entry 2"), "{}", run.stdout);
    std::fs::write(site.join("entry/002"), &saved).unwrap();
    std::fs::remove_file(site.join("entry/002")).unwrap();
    let run = verify_url(&url, d).expect(1);
    assert!(run.stdout.contains("entry/002: missing on the mirror (HTTP 404)"), "{}", run.stdout);
    std::fs::write(site.join("entry/002"), &saved).unwrap();

    // An immutable file of another length at the destination: exit 1, and
    // nothing is written (the new checkpoint included).
    add_note(&log, "a later batch");
    let old_checkpoint = std::fs::read(site.join("checkpoint")).unwrap();
    std::fs::write(site.join("entry/000"), b"not this log's").unwrap();
    let refused = fairdraw(&["publish", "--log", s(&log), "--to", s(&site)], d).expect(1);
    assert!(refused.stderr.contains("entry/000"), "{}", refused.stderr);
    assert_eq!(std::fs::read(site.join("checkpoint")).unwrap(), old_checkpoint);
    assert!(!site.join(fairdraw::log::tiles::StaticFile::Entry(lines(&log).len() as u64 - 1).path()).exists());
}

/// What is internal never reaches a mirror, whatever lies under
/// `snapshots/` and `receipts/`: publishing an auditor export (a protected
/// log with its full snapshots and salts beside the blinded ones) uploads
/// the blinded snapshots only, and a stray file or a link planted there (to
/// the signing key) is left out and named.
#[test]
fn publish_uploads_only_the_public_blobs_the_log_names() {
    let dir = tempdir();
    let d = dir.path();
    let log = drawn_log(d);
    let export = d.join("export");
    fairdraw(&["audit", "export", "--log", s(&log), "--for-auditor", s(&export)], d).expect(0);
    let internal: BTreeSet<String> =
        files(&export, "snapshots").into_iter().filter(|n| !files(&log, "snapshots").contains(n)).collect();
    assert!(internal.iter().any(|n| n.ends_with(".salts.gz")), "the export holds salts: {internal:?}");
    assert!(internal.iter().any(|n| n.ends_with(".jsonl.gz")), "and full snapshots: {internal:?}");
    let site = d.join("site");
    let run = fairdraw(&["publish", "--log", s(&export), "--to", s(&site)], d).expect(0);
    let published = files(&site, "snapshots");
    assert_eq!(published, files(&log, "snapshots"), "only the blinded snapshots: {}", run.stderr);
    assert!(internal.iter().all(|n| run.stderr.contains(n.as_str())), "each file left out is named: {}", run.stderr);
    let (_server, url) = static_server(&site);
    verify_url(&url, d).expect(0);

    #[cfg(unix)]
    {
        let fake = log.join("snapshots").join(format!("{}.jsonl.gz", "0".repeat(64)));
        std::os::unix::fs::symlink(log.join("private/log.key"), &fake).unwrap();
        std::fs::write(log.join("receipts/notes.txt"), "internal notes").unwrap();
        let site = d.join("site2");
        let run = fairdraw(&["publish", "--log", s(&log), "--to", s(&site)], d).expect(0);
        assert!(!site.join("receipts/notes.txt").exists(), "a stray file is not published");
        assert_eq!(files(&site, "snapshots"), files(&export, "snapshots").intersection(&published).cloned().collect());
        for name in ["receipts/notes.txt", "snapshots/0000"] {
            assert!(run.stderr.contains(name), "{name} is named as left out: {}", run.stderr);
        }
        let key = std::fs::read(log.join("private/log.key")).unwrap();
        for f in files(&site, "snapshots").into_iter().chain(files(&site, "receipts")) {
            assert_ne!(std::fs::read(site.join(&f)).unwrap(), key, "{f} is the signing key");
        }

        // A hard link to the blinding key under a public blob's name is a
        // plain file, but not a blob of its root: left out.
        let blob = files(&log, "snapshots").into_iter().next().unwrap();
        std::fs::remove_file(log.join(&blob)).unwrap();
        std::fs::hard_link(log.join("private/blind.key"), log.join(&blob)).unwrap();
        let site = d.join("site3");
        let run = fairdraw(&["publish", "--log", s(&log), "--to", s(&site)], d).expect(0);
        assert!(!site.join(&blob).exists() && run.stderr.contains(blob.as_str()), "{}", run.stderr);

        // A page with links into private/, or with the log's own names, or
        // the log directory itself as the page: nothing private is uploaded.
        let page = d.join("page");
        std::fs::create_dir_all(&page).unwrap();
        std::fs::write(page.join("index.html"), "<!doctype html>").unwrap();
        std::os::unix::fs::symlink(log.join("private"), page.join("priv")).unwrap();
        std::os::unix::fs::symlink(log.join("private/log.key"), page.join("key.txt")).unwrap();
        let site = d.join("site4");
        let run = fairdraw(&["publish", "--log", s(&log), "--to", s(&site), "--page", s(&page)], d).expect(0);
        assert!(!site.join("priv").exists() && !site.join("key.txt").exists(), "links are not followed");
        assert!(run.stderr.contains("priv") && run.stderr.contains("key.txt"), "{}", run.stderr);
        std::fs::write(page.join("log.pub"), "evil").unwrap();
        let run =
            fairdraw(&["publish", "--log", s(&log), "--to", s(&d.join("site5")), "--page", s(&page)], d).expect(2);
        assert!(run.stderr.contains("log.pub") && !d.join("site5/checkpoint").exists(), "{}", run.stderr);
        let run = fairdraw(&["publish", "--log", s(&log), "--to", s(&d.join("site6")), "--page", s(&log)], d).expect(2);
        assert!(!d.join("site6/private").exists(), "{}", run.stderr);
        let parent = fairdraw(&["publish", "--log", s(&log), "--to", s(&d.join("site7")), "--page", s(d)], d).expect(2);
        assert!(!d.join("site7/log/private").exists(), "{}", parent.stderr);
    }
}

#[test]
fn a_damaged_log_is_not_published() {
    let dir = tempdir();
    let log = drawn_log(dir.path());
    std::fs::remove_file(log.join("checkpoints.jsonl")).unwrap();
    let run = fairdraw(&["publish", "--log", s(&log), "--to", s(&dir.path().join("site"))], dir.path()).expect(2);
    assert!(run.stderr.contains("damaged"), "{}", run.stderr);
}

/// moto's S3 server: `.venv/bin/moto_server` (which `.ci/run` installs),
/// else `moto_server` on the PATH. Missing: the test fails in CI and is
/// skipped loudly elsewhere.
fn moto_server(test: &str) -> Option<PathBuf> {
    let venv = root().join(".venv/bin/moto_server");
    if venv.exists() {
        return Some(venv);
    }
    let found = Command::new("moto_server").arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if found.is_ok_and(|s| s.success()) {
        return Some(PathBuf::from("moto_server"));
    }
    let why = "moto_server not found (.ci/run installs moto[server] into .venv)";
    assert!(std::env::var_os("CI").is_none(), "{why}: in CI this test must run");
    skipped(test, why);
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A moto S3 server on loopback, recording requests into `recording`.
fn start_moto(program: &Path, recording: &Path) -> (Background, String) {
    for _attempt in 0..5 {
        let port = free_port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_RECORDER_FILEPATH", recording)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let mut server = Background(child);
        let url = format!("http://127.0.0.1:{port}");
        // Started when it answers; a port taken meanwhile makes it exit.
        for _ in 0..300 {
            if server.0.try_wait().unwrap().is_some() {
                break;
            }
            if ureq::get(&format!("{url}/moto-api/data.json")).call().is_ok() {
                return (server, url);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    panic!("moto_server did not start");
}

/// The environment `publish` reads for the moto server.
fn s3_env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn publish_s3(log: &Path, dest: &str, endpoint: &str) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
        .args(["publish", "--log", s(log), "--to", dest])
        .envs(s3_env(endpoint))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `(ETag, LastModified)` of every object under `prefix`, from S3's
/// ListObjectsV2 (moto answers unsigned requests).
fn object_versions(endpoint: &str, bucket: &str, prefix: &str) -> BTreeMap<String, (String, String)> {
    let xml = ureq::get(&format!("{endpoint}/{bucket}?list-type=2&prefix={prefix}&max-keys=100000"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(!xml.contains("<IsTruncated>true"), "one page holds the listing");
    let field = |item: &str, tag: &str| {
        item.split(&format!("<{tag}>")).nth(1).and_then(|r| r.split(&format!("</{tag}>")).next()).unwrap().to_string()
    };
    xml.split("<Contents>")
        .skip(1)
        .map(|item| (field(item, "Key"), (field(item, "ETag"), field(item, "LastModified"))))
        .collect()
}

/// PUT requests moto recorded, as object keys.
fn recorded_puts(recording: &Path, bucket: &str) -> Vec<String> {
    let text = std::fs::read_to_string(recording).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["method"] == "PUT")
        .map(|v| {
            let url = v["url"].as_str().unwrap().to_string();
            let path = url.split_once("://").map_or(url.as_str(), |(_, r)| r.split_once('/').map_or("", |(_, p)| p));
            path.strip_prefix(&format!("{bucket}/")).unwrap_or(path).split('?').next().unwrap().to_string()
        })
        .collect()
}

/// A mirror whose `nth` upload (0-based), or the upload of `name`, fails:
/// what an interrupted publish leaves behind.
struct FailingPut<M> {
    inner: M,
    nth: Option<usize>,
    name: Option<&'static str>,
    puts: std::cell::Cell<usize>,
}

impl<M: Mirror> Mirror for FailingPut<M> {
    fn label(&self) -> String {
        self.inner.label()
    }

    fn list(&self) -> Result<BTreeMap<String, u64>, MirrorError> {
        self.inner.list()
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, MirrorError> {
        self.inner.get(name)
    }

    fn put(&self, name: &str, bytes: &[u8]) -> Result<(), MirrorError> {
        let k = self.puts.get();
        self.puts.set(k + 1);
        if Some(k) == self.nth || Some(name) == self.name {
            return Err(MirrorError::Io {
                what: format!("uploading {name}"),
                cause: std::io::Error::other("injected"),
            });
        }
        self.inner.put(name, bytes)
    }
}

#[test]
fn a_log_published_to_s3_verifies_and_publishing_again_uploads_only_new_files() {
    let Some(program) = moto_server("a_log_published_to_s3_verifies_and_publishing_again_uploads_only_new_files")
    else {
        return;
    };
    let dir = tempdir();
    let d = dir.path();
    let recording = d.join("moto-recording.jsonl");
    let (_moto, endpoint) = start_moto(&program, &recording);
    let bucket = "fairdraw-mirror";
    // A public bucket, as a static host's: anyone may GET its objects.
    ureq::put(&format!("{endpoint}/{bucket}")).set("x-amz-acl", "public-read").call().expect("create the bucket");
    let log = drawn_log(d);
    let dest = format!("s3://{bucket}/city/log");

    let first = publish_s3(&log, &dest, &endpoint).expect(0);
    let (new, changed, _) = summary(&first);
    assert_eq!(changed, 0, "{}", first.stdout);
    let before = object_versions(&endpoint, bucket, "city/log/");
    assert_eq!(before.len(), new, "every published file is an object under the prefix");
    let url = format!("{endpoint}/{bucket}/city/log/");
    let run = verify_url(&url, d).expect(0);
    assert!(run.stdout.contains("VERIFIED"), "{}", run.stdout);

    // A new batch, then publish again, recording requests.
    let static_files = |log: &Path| files(log, "tile").into_iter().chain(files(log, "entry")).collect::<BTreeSet<_>>();
    let old_files = static_files(&log);
    add_note(&log, "a later batch");
    let added = static_files(&log).difference(&old_files).count();
    assert!(added >= 2, "at least entry/N and a partial tile");
    ureq::post(&format!("{endpoint}/moto-api/recorder/start-recording")).call().unwrap();
    let second = publish_s3(&log, &dest, &endpoint).expect(0);
    ureq::post(&format!("{endpoint}/moto-api/recorder/stop-recording")).call().unwrap();
    let (new2, changed2, there2) = summary(&second);
    // The new static files; the records and the checkpoint changed.
    assert_eq!((new2, changed2, there2), (added, 2, before.len() - 2), "{}", second.stdout);
    let puts = recorded_puts(&recording, bucket);
    assert_eq!(puts.len(), new2 + changed2, "{puts:?}");
    assert_eq!(puts.last().map(String::as_str), Some("city/log/checkpoint"), "checkpoint last: {puts:?}");
    let after = object_versions(&endpoint, bucket, "city/log/");
    for (key, version) in &before {
        let mutable = ["checkpoint", "checkpoints.jsonl"].iter().any(|m| key == &format!("city/log/{m}"));
        if !mutable {
            assert_eq!(after.get(key), Some(version), "{key} was not uploaded again");
            assert!(!puts.contains(key), "{key} was not uploaded again");
        }
    }
    verify_url(&url, d).expect(0);

    // A publish interrupted at its k-th upload leaves the old checkpoint; a
    // second one completes.
    add_note(&log, "another batch");
    let options: Vec<(String, String)> = s3_env(&endpoint).into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
    let checkpoint_there =
        || ObjectMirror::destination_with(&dest, options.clone()).unwrap().get("checkpoint").unwrap();
    let old = checkpoint_there();
    // The first upload, the second (of what is left), then `checkpoint` itself.
    for (nth, name) in [(Some(0), None), (Some(1), None), (None, Some("checkpoint"))] {
        let failing = FailingPut {
            inner: ObjectMirror::destination_with(&dest, options.clone()).unwrap(),
            nth,
            name,
            puts: Default::default(),
        };
        assert!(fairdraw::log::publish::publish(&log, None, &failing).is_err(), "{nth:?}/{name:?} fails");
        assert_eq!(checkpoint_there(), old, "after a failed upload {nth:?}/{name:?}, checkpoint is the old one");
        verify_url(&url, d).expect(0);
    }
    let done = publish_s3(&log, &dest, &endpoint).expect(0);
    assert_ne!(checkpoint_there(), old, "{}", done.stdout);
    assert_eq!(checkpoint_there().unwrap(), std::fs::read(log.join("checkpoint")).unwrap());
    verify_url(&url, d).expect(0);
}
