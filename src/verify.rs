//! Comparing a published draw document with a recomputed one (spec §10).

use serde_json::Value;

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

    #[test]
    fn reports_paths() {
        let e = json!({"a": [1, 2, {"b": "x"}], "c": 1});
        let a = json!({"a": [1, 3, {"b": "y"}, 4], "d": 2});
        let paths: Vec<String> = compare(&e, &a).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["a[1]", "a[2].b", "a[3]", "c", "d"]);
    }
}
