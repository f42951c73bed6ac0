//! Canonical JSON (spec §4): the byte form of everything that is hashed.
//!
//! Sorted keys, no whitespace, only `"` and `\` escaped. Inputs are checked
//! free of control characters before they get here, so this equals Python's
//! `json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`.

use serde_json::Value;

/// Appends the canonical encoding of `value` to `out`.
pub fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(key, out);
                out.push(b':');
                write(&map[key], out);
            }
            out.push(b'}');
        }
    }
}

/// Appends a JSON string; control characters are escaped as `\u00XX` for
/// safety, although validated inputs never contain them.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    if !needs_escape(s.as_bytes()) {
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Whether `bytes` hold a `"`, a `\\` or a byte below 0x20, eight at a time.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero (or, in `below`, less than `n` ≤ 0x80): exact as
    // a test on the whole word.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().unwrap());
        if zero(x ^ (ONES * b'"' as u64)) || zero(x ^ (ONES * b'\\' as u64)) || below(x, 0x20) {
            return true;
        }
    }
    words.remainder().iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20)
}

/// The canonical encoding as bytes.
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escape_test_is_exact() {
        for len in 0..24 {
            for pos in 0..len {
                for special in 0u8..=255 {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = special;
                    let want = special == b'"' || special == b'\\' || special < 0x20;
                    assert_eq!(needs_escape(&bytes), want, "{bytes:?}");
                    // Neighbours that sit near the thresholds must not mask it.
                    bytes.iter_mut().enumerate().filter(|(i, _)| *i != pos).for_each(|(_, b)| *b = 0x21);
                    assert_eq!(needs_escape(&bytes), want, "{bytes:?}");
                    bytes.iter_mut().enumerate().filter(|(i, _)| *i != pos).for_each(|(_, b)| *b = 0xFF);
                    assert_eq!(needs_escape(&bytes), want, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn sorts_keys_and_keeps_unicode() {
        let v = json!({"b": [1, "企业\"x\\"], "a": {"z": null, "y": true}});
        assert_eq!(String::from_utf8(to_bytes(&v)).unwrap(), r#"{"a":{"y":true,"z":null},"b":[1,"企业\"x\\"]}"#);
    }
}
