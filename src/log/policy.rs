//! The `WitnessPolicy` entry (audit/LOG-FORMAT.md §"The policy entry"):
//! which witnesses cosign this log and how many of them make a quorum.

use serde::Deserialize;
use serde_json::{json, Value};

use super::entry::Kind;
use super::store::Log;
use crate::witness::cosig::{KeyError, WitnessVerifier};

/// At most this many witnesses in a policy.
pub const MAX_WITNESSES: usize = 16;
/// At most this many bytes in a witness URL.
pub const MAX_URL_BYTES: usize = 2000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWitness {
    pub name: String,
    pub url: String,
    pub key: WitnessVerifier,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub witnesses: Vec<PolicyWitness>,
    pub quorum: usize,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{0}")]
    Schema(String),
    #[error("witness {name:?}: {cause}")]
    Key { name: String, cause: KeyError },
    #[error("witness {name:?}: its key is named {key_name:?}")]
    KeyName { name: String, key_name: String },
    #[error("witness {0:?} is listed twice")]
    Duplicate(String),
    #[error("more than {MAX_WITNESSES} witnesses")]
    TooMany,
    #[error("witness {name:?}: url {url:?} must start with http:// or https://, without whitespace, at most {MAX_URL_BYTES} bytes")]
    Url { name: String, url: String },
    #[error("quorum {quorum} must be between 1 and the number of witnesses ({count}), or 0 with no witnesses")]
    Quorum { quorum: u64, count: usize },
    #[error("--witness {0:?} must be NAME=VKEY@URL")]
    Flag(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    witnesses: Vec<WitnessBody>,
    quorum: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WitnessBody {
    name: String,
    url: String,
    vkey: String,
}

fn url_ok(url: &str) -> bool {
    let scheme = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    scheme.is_some_and(|rest| !rest.is_empty())
        && url.len() <= MAX_URL_BYTES
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Policy {
    /// Checks a `WitnessPolicy` body: its schema and every rule of the spec.
    pub fn from_body(body: &Value) -> Result<Policy, PolicyError> {
        let body = Body::deserialize(body).map_err(|e| PolicyError::Schema(e.to_string()))?;
        let witnesses = body
            .witnesses
            .into_iter()
            .map(|w| PolicyWitness::new(w.name, w.url, &w.vkey))
            .collect::<Result<Vec<_>, _>>()?;
        Policy::new(witnesses, body.quorum)
    }

    pub fn new(witnesses: Vec<PolicyWitness>, quorum: u64) -> Result<Policy, PolicyError> {
        if witnesses.len() > MAX_WITNESSES {
            return Err(PolicyError::TooMany);
        }
        for (i, w) in witnesses.iter().enumerate() {
            if witnesses[..i].iter().any(|earlier| earlier.name == w.name) {
                return Err(PolicyError::Duplicate(w.name.clone()));
            }
        }
        let count = witnesses.len();
        let ok = if count == 0 { quorum == 0 } else { (1..=count as u64).contains(&quorum) };
        if !ok {
            return Err(PolicyError::Quorum { quorum, count });
        }
        Ok(Policy { witnesses, quorum: quorum as usize })
    }

    pub fn to_body(&self) -> Value {
        let witnesses: Vec<Value> =
            self.witnesses.iter().map(|w| json!({"name": w.name, "url": w.url, "vkey": w.key.to_vkey()})).collect();
        json!({"witnesses": witnesses, "quorum": self.quorum})
    }

    /// The policy in force at index `i`: the latest WitnessPolicy entry
    /// before it, with its index; `None` without one or with quorum 0.
    pub fn in_force<S: super::storage::Storage>(log: &Log<S>, i: u64) -> Option<(u64, Policy)> {
        let latest = log
            .valid_entries()
            .take_while(|(j, _)| *j < i)
            .filter(|(_, e)| e.kind == Kind::WitnessPolicy)
            .last()
            .and_then(|(j, e)| Policy::from_body(&e.body).ok().map(|p| (j, p)))?;
        (latest.1.quorum > 0).then_some(latest)
    }
}

impl PolicyWitness {
    pub fn new(name: String, url: String, vkey: &str) -> Result<PolicyWitness, PolicyError> {
        let key = WitnessVerifier::parse(vkey).map_err(|cause| PolicyError::Key { name: name.clone(), cause })?;
        if key.name() != name {
            return Err(PolicyError::KeyName { name, key_name: key.name().to_string() });
        }
        if !url_ok(&url) {
            return Err(PolicyError::Url { name, url: url.chars().take(200).collect() });
        }
        Ok(PolicyWitness { name, url, key })
    }

    /// Parses a `--witness NAME=VKEY@URL` flag.
    pub fn parse_flag(flag: &str) -> Result<PolicyWitness, PolicyError> {
        let bad = || PolicyError::Flag(flag.chars().take(200).collect());
        let (name, rest) = flag.split_once('=').ok_or_else(bad)?;
        // A verifier key is base64 (no '@'); the URL follows the first '@'.
        let (vkey, url) = rest.split_once('@').ok_or_else(bad)?;
        PolicyWitness::new(name.to_string(), url.to_string(), vkey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::witness::cosig::WitnessSigner;

    fn vkey(name: &str) -> String {
        WitnessSigner::from_seed(name, &[3; 32]).unwrap().verifier().to_vkey()
    }

    #[test]
    fn flags_and_bodies_round_trip() {
        let a = PolicyWitness::parse_flag(&format!("w.test/a={}@http://127.0.0.1:1/w", vkey("w.test/a"))).unwrap();
        assert_eq!(a.url, "http://127.0.0.1:1/w");
        let p = Policy::new(vec![a], 1).unwrap();
        assert_eq!(Policy::from_body(&p.to_body()).unwrap(), p);
    }

    #[test]
    fn bad_policies_are_refused() {
        let w = |name: &str, url: &str| json!({"name": name, "url": url, "vkey": vkey(name)});
        let ok = w("w.test/a", "http://x");
        let cases = [
            json!({"witnesses": [ok.clone()], "quorum": 2}),
            json!({"witnesses": [ok.clone()], "quorum": 0}),
            json!({"witnesses": [], "quorum": 1}),
            json!({"witnesses": [ok.clone(), ok.clone()], "quorum": 1}),
            json!({"witnesses": [w("w.test/a", "ftp://x")], "quorum": 1}),
            json!({"witnesses": [w("w.test/a", "http://a b")], "quorum": 1}),
            json!({"witnesses": [w("w.test/a", "http://")], "quorum": 1}),
            json!({"witnesses": [{"name": "w.test/b", "url": "http://x", "vkey": vkey("w.test/a")}], "quorum": 1}),
            json!({"witnesses": [ok.clone()], "quorum": 1, "extra": 1}),
            json!({"witnesses": [ok.clone()], "quorum": -1}),
            json!({"witnesses": [ok.clone()], "quorum": "1"}),
            json!({"witnesses": [{"name": "w.test/a", "url": "http://x"}], "quorum": 1}),
            json!({"quorum": 0}),
        ];
        for body in cases {
            assert!(Policy::from_body(&body).is_err(), "accepted {body}");
        }
        let many: Vec<Value> = (0..17).map(|i| w(&format!("w.test/{i}"), "http://x")).collect();
        assert_eq!(Policy::from_body(&json!({"witnesses": many, "quorum": 1})), Err(PolicyError::TooMany));
        assert!(Policy::from_body(&json!({"witnesses": [], "quorum": 0})).is_ok());
        let no_url = format!("w.test/a={}", vkey("w.test/a"));
        let flags: [&str; 4] = ["", "w.test/a", "w.test/a=key", &no_url];
        for flag in flags {
            assert!(PolicyWitness::parse_flag(flag).is_err(), "{flag:?}");
        }
    }
}
