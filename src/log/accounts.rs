//! Named accounts (LOG-FORMAT "Accounts and roles"): who may write what
//! through the regulator API. Kept in `private/accounts.json` (mode 0600,
//! never published, never logged); each account's credential is the
//! argon2id PHC string of its token (default parameters of the `argon2`
//! crate), so the file gives no token away.
//!
//! A token is `NAME.SECRET`: the name says which hash to check, so a
//! request costs one argon2 verification however many accounts there are.
//! That one is still slow on purpose (and slower in a debug build), so
//! [`Gate`] remembers, in memory only, the SHA-256 of each token it has
//! verified — and only while the accounts file's bytes stay the same: any
//! change to the file (an account added or disabled) forgets them all, so
//! a disabled account is refused from the very next request on.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where the accounts live, inside the log directory.
pub const FILE: &str = "private/accounts.json";
pub const NAME_MAX_BYTES: usize = 32;
pub const DEPARTMENT_MAX_BYTES: usize = 128;
/// 32 bytes from the operating system: 64 hex digits.
const SECRET_BYTES: usize = 32;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 录入: records results and edits them while they wait for review.
    Recorder,
    /// 审核: publishes or returns (退回) results, amends published ones.
    Reviewer,
    /// Commits, reveals, unseals and replaces in the draws of its department.
    DepartmentAdmin,
    /// A department admin's writes, for every department.
    LogAdmin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Recorder, Role::Reviewer, Role::DepartmentAdmin, Role::LogAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recorder => "recorder",
            Role::Reviewer => "reviewer",
            Role::DepartmentAdmin => "department_admin",
            Role::LogAdmin => "log_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Every role but the log admin's acts for one department.
    pub fn needs_department(self) -> bool {
        self != Role::LogAdmin
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// Absent for a log admin only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The argon2id PHC string of the token.
    pub credential: String,
    pub disabled: bool,
    /// RFC 3339 UTC.
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    pub accounts: Vec<Account>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{path}: {cause}")]
    Io { path: PathBuf, cause: std::io::Error },
    #[error("{path} is not an accounts file: {cause}")]
    Unreadable { path: PathBuf, cause: serde_json::Error },
    #[error("account name {0:?}: give 1 to 32 characters a-z, 0-9, _ and -")]
    BadName(String),
    #[error("role {0:?}: give recorder, reviewer, department_admin or log_admin")]
    BadRole(String),
    #[error("an account named {0:?} exists already")]
    Exists(String),
    #[error("no account is named {0:?}")]
    NoSuch(String),
    #[error("role {0} acts for one department: give --department")]
    NeedsDepartment(&'static str),
    #[error("role log_admin acts for every department: give no --department")]
    AdminHasNoDepartment,
    #[error("department {0:?}: give a non-empty single line of at most 128 bytes")]
    BadDepartment(String),
    #[error("cannot hash the token: {0}")]
    Hash(String),
}

/// Why a credential was not accepted. `Unknown` and `WrongSecret` answer
/// the same 401; `Disabled` (the secret was right) answers 403.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not `NAME.SECRET`, or no such account.
    Unknown,
    /// The account exists; the secret is wrong.
    WrongSecret(String),
    Disabled(String),
}

pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX_BYTES
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The account name a token claims (`NAME.SECRET`), if it has that form.
pub fn claimed_name(token: &str) -> Option<&str> {
    token.split_once('.').map(|(n, _)| n).filter(|n| valid_name(n))
}

pub fn path(log_dir: &Path) -> PathBuf {
    log_dir.join(FILE)
}

/// The file's bytes, or None when the log has no accounts file.
fn read(log_dir: &Path) -> Result<Option<Vec<u8>>, AccountError> {
    let p = path(log_dir);
    match std::fs::read(&p) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(cause) => Err(AccountError::Io { path: p, cause }),
    }
}

fn parse(log_dir: &Path, bytes: &[u8]) -> Result<Accounts, AccountError> {
    serde_json::from_slice(bytes).map_err(|cause| AccountError::Unreadable { path: path(log_dir), cause })
}

/// A hash to verify against when the name is unknown, so that an unknown
/// name costs as long as a wrong secret.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash("decoy.0").unwrap_or_default())
}

fn hash(token: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(token.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

fn verifies(token: &str, credential: &str) -> bool {
    PasswordHash::new(credential).is_ok_and(|h| Argon2::default().verify_password(token.as_bytes(), &h).is_ok())
}

impl Accounts {
    /// The accounts file, or None when the log has none (the server then
    /// knows only the single token of `--token-sha256`, if any).
    pub fn load(log_dir: &Path) -> Result<Option<Accounts>, AccountError> {
        read(log_dir)?.map(|bytes| parse(log_dir, &bytes)).transpose()
    }

    /// Writes the file atomically with mode 0600.
    pub fn save(&self, log_dir: &Path) -> Result<(), AccountError> {
        let p = path(log_dir);
        let io = |cause| AccountError::Io { path: p.clone(), cause };
        let dir = p.parent().expect("FILE has a folder");
        std::fs::create_dir_all(dir).map_err(io)?;
        // tempfile creates its files readable by the owner only (0600).
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let bytes = serde_json::to_vec_pretty(self).expect("accounts serialize");
        tmp.write_all(&bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
        tmp.persist(&p).map_err(|e| io(e.error))?;
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// Adds an account and returns its fresh token (shown once, stored
    /// only as its hash). Every problem of the request is reported together.
    pub fn add(
        &mut self,
        name: &str,
        role: &str,
        department: Option<&str>,
        now: &str,
    ) -> Result<String, Vec<AccountError>> {
        let mut problems = Vec::new();
        if !valid_name(name) {
            problems.push(AccountError::BadName(name.to_string()));
        } else if self.get(name).is_some() {
            problems.push(AccountError::Exists(name.to_string()));
        }
        let role_parsed = Role::parse(role);
        if role_parsed.is_none() {
            problems.push(AccountError::BadRole(role.to_string()));
        }
        if let Some(d) = department {
            if d.trim() != d || d.is_empty() || d.len() > DEPARTMENT_MAX_BYTES || d.chars().any(char::is_control) {
                problems.push(AccountError::BadDepartment(d.to_string()));
            }
        }
        match (role_parsed, department) {
            (Some(r), None) if r.needs_department() => problems.push(AccountError::NeedsDepartment(r.as_str())),
            (Some(Role::LogAdmin), Some(_)) => problems.push(AccountError::AdminHasNoDepartment),
            _ => {}
        }
        let Some(role) = role_parsed.filter(|_| problems.is_empty()) else { return Err(problems) };
        let mut secret = [0u8; SECRET_BYTES];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut secret);
        let token = format!("{name}.{}", hex::encode(secret));
        let credential = hash(&token).map_err(|e| vec![e])?;
        self.accounts.push(Account {
            name: name.to_string(),
            role,
            department: department.map(String::from),
            credential,
            disabled: false,
            created: now.to_string(),
        });
        Ok(token)
    }

    pub fn disable(&mut self, name: &str) -> Result<(), AccountError> {
        let a = self.accounts.iter_mut().find(|a| a.name == name).ok_or_else(|| AccountError::NoSuch(name.into()))?;
        a.disabled = true;
        Ok(())
    }

    /// The account a token belongs to, if the token is right and the
    /// account is enabled (one argon2 verification).
    pub fn authenticate(&self, token: &str) -> Result<&Account, Refusal> {
        let Some(account) = claimed_name(token).and_then(|name| self.get(name)) else {
            verifies(token, decoy());
            return Err(Refusal::Unknown);
        };
        if !verifies(token, &account.credential) {
            return Err(Refusal::WrongSecret(account.name.clone()));
        }
        if account.disabled {
            return Err(Refusal::Disabled(account.name.clone()));
        }
        Ok(account)
    }
}

/// What a token is worth against a log's accounts file.
#[derive(Debug, PartialEq, Eq)]
pub enum Login {
    /// The log has no accounts file (a set-up from before accounts).
    NoAccounts,
    /// The token passed the argon2 check just now.
    Accepted(Account),
    /// A token verified before, while the file stayed the same (no slow check).
    Remembered(Account),
    Refused(Refusal),
    /// Not a token verified before, and the caller did not allow the slow
    /// check (its client address is held by the login limit).
    NotVerified,
}

/// The accounts file read on every request, with the in-memory memo of
/// verified tokens (module docs).
#[derive(Default)]
pub struct Gate {
    memo: Mutex<Memo>,
}

#[derive(Default)]
struct Memo {
    /// SHA-256 of the accounts file the memo is valid for.
    file: [u8; 32],
    /// SHA-256 of a verified token → its account's name.
    tokens: HashMap<[u8; 32], String>,
}

impl Gate {
    /// What `token` is worth now. A token verified before (while the file
    /// stayed the same) is accepted at once; any other one runs the argon2
    /// check only when `may_verify`, else answers [`Login::NotVerified`].
    pub fn login(&self, log_dir: &Path, token: &str, may_verify: bool) -> Result<Login, AccountError> {
        let Some(bytes) = read(log_dir)? else { return Ok(Login::NoAccounts) };
        let accounts = parse(log_dir, &bytes)?;
        let file: [u8; 32] = Sha256::digest(&bytes).into();
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        {
            let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
            if memo.file != file {
                *memo = Memo { file, tokens: HashMap::new() };
            }
            if let Some(account) = memo.tokens.get(&key).and_then(|name| accounts.get(name)) {
                if !account.disabled {
                    return Ok(Login::Remembered(account.clone()));
                }
            }
        }
        if !may_verify {
            return Ok(Login::NotVerified);
        }
        // The slow check runs without the lock, so other requests go on.
        let outcome = accounts.authenticate(token).cloned();
        Ok(match outcome {
            Ok(account) => {
                let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
                if memo.file == file {
                    memo.tokens.insert(key, account.name.clone());
                }
                Login::Accepted(account)
            }
            Err(refusal) => Login::Refused(refusal),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-30T00:00:00Z";

    #[test]
    fn tokens_authenticate_their_account_only_and_the_file_keeps_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Accounts::default();
        let t = a.add("lu", "recorder", Some("市场监督管理局"), NOW).unwrap();
        let u = a.add("admin", "log_admin", None, NOW).unwrap();
        assert_eq!(t.len(), 3 + 64);
        let problems = |r: Result<String, Vec<AccountError>>| {
            r.unwrap_err().iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        };
        assert!(problems(a.add("lu", "reviewer", Some("x"), NOW)).contains("exists already"));
        let all = problems(a.add("Lu", "boss", None, NOW));
        assert!(all.contains("\"Lu\"") && all.contains("\"boss\""), "{all}");
        assert!(problems(a.add("shen", "reviewer", None, NOW)).contains("give --department"));
        assert!(problems(a.add("root", "log_admin", Some("x"), NOW)).contains("give no --department"));
        a.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!text.contains(&t[3..]) && text.contains("$argon2id$"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut b = Accounts::load(dir.path()).unwrap().unwrap();
        assert_eq!(b.authenticate(&t).unwrap().name, "lu");
        assert_eq!(b.authenticate(&u).unwrap().role, Role::LogAdmin);
        let wrong = format!("lu.{}", "0".repeat(64));
        assert_eq!(b.authenticate(&wrong), Err(Refusal::WrongSecret("lu".into())));
        assert_eq!(b.authenticate(&u.replacen("admin", "lu", 1)), Err(Refusal::WrongSecret("lu".into())));
        assert_eq!(b.authenticate("nobody.x"), Err(Refusal::Unknown));
        assert_eq!(b.authenticate("no-dot"), Err(Refusal::Unknown));
        b.disable("lu").unwrap();
        assert_eq!(b.authenticate(&t), Err(Refusal::Disabled("lu".into())));
        assert!(Accounts::load(&dir.path().join("none")).unwrap().is_none());
    }

    #[test]
    fn the_gate_remembers_a_token_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let gate = Gate::default();
        assert_eq!(gate.login(dir.path(), "lu.x", true).unwrap(), Login::NoAccounts);
        let mut a = Accounts::default();
        let t = a.add("lu", "recorder", Some("d"), NOW).unwrap();
        let u = a.add("ma", "reviewer", Some("d"), NOW).unwrap();
        a.save(dir.path()).unwrap();
        assert_eq!(gate.login(dir.path(), &t, false).unwrap(), Login::NotVerified, "not verified yet");
        assert!(matches!(gate.login(dir.path(), &t, true).unwrap(), Login::Accepted(x) if x.name == "lu"));
        assert_eq!(gate.memo.lock().unwrap().tokens.len(), 1, "verified once, remembered");
        assert!(matches!(gate.login(dir.path(), &t, false).unwrap(), Login::Remembered(_)), "no slow check needed");
        assert_eq!(gate.login(dir.path(), &u, false).unwrap(), Login::NotVerified);
        assert!(matches!(gate.login(dir.path(), &t, true).unwrap(), Login::Remembered(_)));
        a.disable("lu").unwrap();
        a.save(dir.path()).unwrap();
        assert_eq!(gate.login(dir.path(), &t, true).unwrap(), Login::Refused(Refusal::Disabled("lu".into())));
        assert!(gate.memo.lock().unwrap().tokens.is_empty(), "a changed file forgets every token");
    }
}
