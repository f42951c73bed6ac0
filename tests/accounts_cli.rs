//! `fairdraw user add/list/disable` (audit/LOG-FORMAT.md "Accounts and
//! roles"): the token is printed once and only its argon2id hash is kept
//! (mode 0600); bad input exits 2 naming every problem and writes nothing.

mod common;
use common::*;

use fairdraw::log::accounts::{Accounts, Login, Refusal};

fn log_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempdir();
    let log = dir.path().join("log");
    fairdraw(&["init", "--log", s(&log)], dir.path()).expect(0);
    (dir, log)
}

#[test]
fn an_added_account_gets_a_token_once_and_is_listed_and_disabled_without_its_credential() {
    let (dir, log) = log_dir();
    let add = fairdraw(
        &["user", "add", "lu", "--role", "recorder", "--department", "市场监督管理局", "--log", s(&log)],
        dir.path(),
    )
    .expect(0);
    let token = add.stdout.trim().to_string();
    assert_eq!(add.stdout.lines().count(), 1, "the token alone on stdout: {}", add.stdout);
    let secret = token.strip_prefix("lu.").unwrap_or_else(|| panic!("NAME.SECRET: {token}"));
    assert!(secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    fairdraw(&["user", "add", "root", "--role", "log_admin", "--log", s(&log)], dir.path()).expect(0);
    let file = log.join("private/accounts.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(secret) && text.contains("$argon2id$"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let gate = fairdraw::log::accounts::Gate::default();
    assert!(matches!(gate.login(&log, &token, true).unwrap(), Login::Accepted(a) if a.name == "lu"));

    let list = fairdraw(&["user", "list", "--log", s(&log)], dir.path()).expect(0);
    let rows: Vec<Vec<&str>> = list.stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0][..4], ["lu", "recorder", "市场监督管理局", "active"]);
    assert_eq!(rows[1][..4], ["root", "log_admin", "-", "active"]);
    assert!(!list.stdout.contains("argon2"), "{}", list.stdout);

    fairdraw(&["user", "disable", "lu", "--log", s(&log)], dir.path()).expect(0);
    let list = fairdraw(&["user", "list", "--log", s(&log)], dir.path()).expect(0);
    assert!(list.stdout.lines().next().unwrap().contains("\tdisabled\t"), "{}", list.stdout);
    assert_eq!(gate.login(&log, &token, true).unwrap(), Login::Refused(Refusal::Disabled("lu".into())));
    assert_eq!(Accounts::load(&log).unwrap().unwrap().accounts.len(), 2, "a disabled account stays");
}

#[test]
fn bad_input_exits_2_naming_every_problem_and_writes_nothing() {
    let (dir, log) = log_dir();
    let file = log.join("private/accounts.json");
    let run = |args: &[&str]| {
        let mut all = vec!["user"];
        all.extend_from_slice(args);
        all.extend(["--log", s(&log)]);
        fairdraw(&all, dir.path()).expect(2)
    };
    let both = run(&["add", "Lu Xun", "--role", "boss"]);
    for says in
        ["\"Lu Xun\"", "a-z", "\"boss\"", "recorder, reviewer, department_admin or log_admin", "nothing was written"]
    {
        assert!(both.stderr.contains(says), "{says:?}: {}", both.stderr);
    }
    assert!(run(&["add", "shen", "--role", "reviewer"]).stderr.contains("give --department"));
    assert!(run(&["add", "root", "--role", "log_admin", "--department", "x"]).stderr.contains("give no --department"));
    assert!(run(&["add", "shen", "--role", "reviewer", "--department", " 卫健委"]).stderr.contains("department"));
    assert!(run(&["disable", "nobody"]).stderr.contains("no account is named \"nobody\""));
    assert!(!file.exists(), "nothing was written");
    fairdraw(&["user", "add", "lu", "--role", "recorder", "--department", "d", "--log", s(&log)], dir.path()).expect(0);
    let before = std::fs::read(&file).unwrap();
    assert!(run(&["add", "lu", "--role", "reviewer", "--department", "d"]).stderr.contains("exists already"));
    assert_eq!(std::fs::read(&file).unwrap(), before);
    // A folder that is not a log gets no accounts file.
    let not_log = dir.path().join("elsewhere");
    let r =
        fairdraw(&["user", "add", "lu", "--role", "recorder", "--department", "d", "--log", s(&not_log)], dir.path())
            .expect(2);
    assert!(r.stderr.contains("not an audit log"), "{}", r.stderr);
    assert!(!not_log.exists());
}

/// The entries of `log` of `kind`, in log order.
fn bodies_of(log: &std::path::Path, kind: &str) -> Vec<serde_json::Value> {
    log_entries(log).into_iter().filter(|e| e["kind"] == kind).map(|e| e["body"].clone()).collect()
}

/// LOG-FORMAT "Accounts and roles", `by`: commands run on the server itself
/// name their account with `--by`; once the log has accounts the name must
/// be an enabled one of them, checked before anything is written.
#[test]
fn cli_writes_name_their_account_with_by_and_refuse_a_name_that_is_not_an_enabled_account() {
    let (dir, log) = log_dir();
    let d = dir.path();
    fairdraw(&["user", "add", "root", "--role", "log_admin", "--log", s(&log)], d).expect(0);
    fairdraw(&["user", "add", "old", "--role", "log_admin", "--log", s(&log)], d).expect(0);
    fairdraw(&["user", "disable", "old", "--log", s(&log)], d).expect(0);
    let plan = write(
        d,
        "plan.toml",
        &format!("embargo_until = 2024-11-20\n{}", std::fs::read_to_string(data("plan-minimal.toml")).unwrap()),
    );
    let sample = [data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv")];
    let commit = |by: &str| commit_run(d, &log, &sample, &plan, "2024-11-01T02:00:00Z", &["--by", by]);
    // Refused before anything is written: an unknown name, a disabled account.
    let entries = std::fs::read(log.join("entries.jsonl")).unwrap();
    for (by, says) in [("nobody", "no such account"), ("old", "disabled")] {
        let run = commit(by).expect(2);
        assert!(run.stderr.contains(says) && run.stderr.contains("nothing was written"), "{by}: {}", run.stderr);
        assert_eq!(std::fs::read(log.join("entries.jsonl")).unwrap(), entries, "{by}: nothing was written");
    }
    let commitment = commit("root").expect(0).stdout.lines().last().unwrap().trim().to_string();
    let reveal = [
        "reveal",
        &commitment,
        "--log",
        s(&log),
        "--ceremony",
        "31415926535897932384626",
        "--witness",
        "甲",
        "--witness",
        "乙",
        "--now",
        "2024-11-01T03:00:00Z",
        "--by",
        "root",
    ];
    let draw = fairdraw(&reveal, d).expect(0).stdout.lines().last().unwrap().trim().to_string();
    fairdraw(&["unseal", "--log", s(&log), "--draw", &draw, "--now", "2024-11-20T01:00:00Z", "--by", "root"], d)
        .expect(0);
    let uscc = "913301271357246856";
    fairdraw(&["wake", uscc, "--reason", "complaint", "--log", s(&log), "--as", "root"], d).expect(0);
    for kind in ["DrawCommitment", "BeaconRecord", "DrawPublication", "WakeUp"] {
        let bodies = bodies_of(&log, kind);
        assert_eq!(bodies.len(), 1, "{kind}");
        assert_eq!(bodies[0]["by"], "root", "{kind}: {}", bodies[0]);
    }
    // Without --by an entry names nobody, as before.
    fairdraw(&["wake", uscc, "--reason", "resumed", "--log", s(&log)], d).expect(0);
    assert!(bodies_of(&log, "WakeUp")[1].get("by").is_none());
    fairdraw(&["audit", "verify", "--log", s(&log), "--now", "2024-11-21T00:00:00Z"], d).expect(0);
}
