//! Reading a published draw document strictly (spec §9.1) and comparing it
//! with a recomputed one (spec §10).

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::input::plan::MAX_INTEGER;

/// How deeply arrays and objects may nest in a draw document (it needs 5).
pub const MAX_DEPTH: usize = 64;

/// Why a draw document is not one (spec §9.1): exit code 2, never 1.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("starts with a byte order mark (U+FEFF); a draw document is UTF-8 without BOM")]
    ByteOrderMark,
    #[error("not valid UTF-8 at byte {0}")]
    NotUtf8(usize),
    // Not a #[source]: the message already holds serde_json's text once.
    #[error("not valid JSON: {0}")]
    Json(serde_json::Error),
    /// Refused by a rule serde_json checks itself, in the spec's words.
    #[error("{0}")]
    Refused(String),
    #[error("has no \"seed\" string (the document must be a JSON object with a seed)")]
    NoSeed,
}

/// Parses a draw document: UTF-8 without BOM, RFC 8259 JSON, no duplicate
/// keys, numbers only as integers 0 ..= 2^53 − 1 without sign, fraction or
/// exponent, nesting at most [`MAX_DEPTH`], and an object with a `seed`
/// string. Anything else is bad input, so all verifiers give one verdict.
pub fn parse_document(bytes: &[u8]) -> Result<Value, DocumentError> {
    let text = document_text(bytes)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Strict { depth: 0 }.deserialize(&mut de).and_then(|v| de.end().map(|()| v)).map_err(explained)?;
    if !value.get("seed").is_some_and(Value::is_string) {
        return Err(DocumentError::NoSeed);
    }
    Ok(value)
}

/// The document's text: UTF-8 without a byte order mark.
pub(crate) fn document_text(bytes: &[u8]) -> Result<&str, DocumentError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(DocumentError::ByteOrderMark);
    }
    std::str::from_utf8(bytes).map_err(|e| DocumentError::NotUtf8(e.valid_up_to()))
}

/// serde_json's error, in the spec's words where serde_json has its own.
pub(crate) fn explained(e: serde_json::Error) -> DocumentError {
    let text = e.to_string();
    // An integer beyond f64 (1e309 and more) is refused before the visitor
    // sees it: it is a number out of the spec's range.
    if text.starts_with("number out of range") {
        DocumentError::Refused(format!("{text}: {NUMBERS}"))
    // serde_json says "unexpected end of hex escape" only after a leading
    // surrogate escape that no trailing one follows.
    } else if text.starts_with("lone leading surrogate") || text.starts_with("unexpected end of hex escape") {
        DocumentError::Refused(format!("not valid JSON: a string holds a lone surrogate escape ({text})"))
    } else {
        DocumentError::Json(e)
    }
}

/// A JSON value read by the rules of [`parse_document`], at a nesting depth.
#[derive(Clone, Copy)]
pub(crate) struct Strict {
    pub(crate) depth: usize,
}

const NUMBERS: &str = "numbers must be integers from 0 to 9007199254740991, without sign, fraction or exponent";

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Strict {
    pub(crate) fn inner<E: de::Error>(self) -> Result<Strict, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format!("arrays and objects nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(Strict { depth: self.depth + 1 })
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        if n > MAX_INTEGER {
            return Err(E::custom(format!("{n} is too large: {NUMBERS}")));
        }
        Ok(Value::from(n))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Err(E::custom(format!("{n} is negative: {NUMBERS}")))
    }

    // serde_json hands over `-0`, fractions, exponents and integers beyond
    // u64 as floats.
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Err(E::custom(format!("{n:?} is not an integer: {NUMBERS}")))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key {}", Value::String(key))));
            }
            let value = map.next_value_seed(inner)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// One value that differs, at a JSON path such as `strata[3].selected[2]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: String,
    /// Recomputed from the inputs; `None` when absent there.
    pub expected: Option<Value>,
    /// As published; `None` when absent there.
    pub actual: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(missing)".to_string(), short);
        write!(f, "{}: expected {}, draw has {}", self.path, show(&self.expected), show(&self.actual))
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

/// All differences, in document order of `expected`.
pub fn compare(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(expected, actual, String::new(), &mut out);
    out
}

fn walk(e: &Value, a: &Value, path: String, out: &mut Vec<Difference>) {
    let child = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match (e, a) {
        (Value::Object(em), Value::Object(am)) => {
            for (k, ev) in em {
                match am.get(k) {
                    Some(av) => walk(ev, av, child(k), out),
                    None => out.push(Difference { path: child(k), expected: Some(ev.clone()), actual: None }),
                }
            }
            for (k, av) in am.iter().filter(|(k, _)| !em.contains_key(*k)) {
                out.push(Difference { path: child(k), expected: None, actual: Some(av.clone()) });
            }
        }
        (Value::Array(ev), Value::Array(av)) => {
            for i in 0..ev.len().max(av.len()) {
                let p = format!("{path}[{i}]");
                match (ev.get(i), av.get(i)) {
                    (Some(x), Some(y)) => walk(x, y, p, out),
                    (x, y) => out.push(Difference { path: p, expected: x.cloned(), actual: y.cloned() }),
                }
            }
        }
        _ if e == a => {}
        _ => out.push(Difference { path, expected: Some(e.clone()), actual: Some(a.clone()) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(text: &str) -> String {
        parse_document(text.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn reads_a_plain_document() {
        let v = parse_document(b" {\"seed\": \"s\", \"n\": [0, 9007199254740991, null, true, \"\\u00e9\"]}\n").unwrap();
        assert_eq!(v, json!({"seed": "s", "n": [0, 9007199254740991u64, null, true, "é"]}));
    }

    #[test]
    fn refuses_what_the_spec_refuses() {
        for (text, why) in [
            ("\u{feff}{\"seed\":\"s\"}", "byte order mark"),
            ("{\"seed\":\"s\",\"seed\":\"t\"}", "duplicate key \"seed\""),
            ("{\"seed\":\"s\",\"a\":{\"b\":1,\"b\":1}}", "duplicate key \"b\""),
            ("{\"seed\":\"s\",\"n\":2.0}", "numbers must be integers"),
            ("{\"seed\":\"s\",\"n\":-0}", "numbers must be integers"),
            ("{\"seed\":\"s\",\"n\":-1}", "numbers must be integers"),
            ("{\"seed\":\"s\",\"n\":1e2}", "numbers must be integers"),
            ("{\"seed\":\"s\",\"n\":9007199254740992}", "numbers must be integers"),
            ("{\"seed\":\"s\",\"n\":99999999999999999999}", "numbers must be integers"),
            ("{\"seed\":\"s\",\"n\":NaN}", "not valid JSON"),
            ("{\"seed\":\"s\",\"n\":\"\\ud800\"}", "lone surrogate"),
            ("{\"seed\":\"s\",\"n\":\"\\udc00\"}", "lone surrogate"),
            ("{\"seed\":\"s\",\"n\":\"\\ud800\\u0041\"}", "lone surrogate"),
            ("{\"seed\":\"s\"} x", "not valid JSON"),
            ("[\"seed\"]", "no \"seed\" string"),
            ("{\"seed\":1}", "no \"seed\" string"),
        ] {
            assert!(refusal(text).contains(why), "{text}: {}", refusal(text));
        }
        assert!(parse_document(b"{\"seed\":\"\xff\"}").unwrap_err().to_string().contains("not valid UTF-8"));
        let deep = format!("{{\"seed\":\"s\",\"a\":{}{}}}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(refusal(&deep).contains("nested more than 64"), "{}", refusal(&deep));
        let fits = format!("{{\"seed\":\"s\",\"a\":{}{}}}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse_document(fits.as_bytes()).is_ok());
    }

    #[test]
    fn reports_paths() {
        let e = json!({"a": [1, 2, {"b": "x"}], "c": 1});
        let a = json!({"a": [1, 3, {"b": "y"}, 4], "d": 2});
        let paths: Vec<String> = compare(&e, &a).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["a[1]", "a[2].b", "a[3]", "c", "d"]);
    }
}
