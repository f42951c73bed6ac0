//! `fairdraw verify` on a large draw (spec §10): the published document is
//! checked and compared with the recomputed one as it is read, never built
//! as a JSON tree. A tree of a 1e7 draw's document takes more than twice
//! the memory of the draw itself, and building it longer than the draw.
//!
//! The draw must be recomputed from the document's seed before anything
//! can be compared. [`leading_seed`] reads it from the document's first
//! bytes, where the draw writes it; [`seed_of`] finds it anywhere,
//! applying every rule of
//! [`parse_document`](crate::engine::verify::parse_document) to the whole
//! document. [`differences`] then reads the document alongside the
//! recomputed one, refusing what `seed_of` refuses, so one reading of the
//! whole document suffices for a document as the draw writes it.
//!
//! Each recomputed assignment is made when the reading reaches it and
//! compared first with the published one byte for byte, as the draw writes
//! it; only one whose bytes differ is read value by value. Only a published
//! value that differs, or has nothing to compare with, is built, to be
//! reported. The differences and their order are those of
//! [`compare`](crate::engine::verify::compare) on the two trees.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::engine::draw::{Assignments, DrawDoc};
use crate::engine::verify::{document_text, explained, Difference, DocumentError, Strict};

/// The seed of a draw document that follows every rule of
/// `parse_document`, refused with the same errors otherwise.
pub fn seed_of(bytes: &[u8]) -> Result<String, DocumentError> {
    let mut de = serde_json::Deserializer::from_str(document_text(bytes)?);
    let seed = de::Deserializer::deserialize_any(&mut de, TopSeed).and_then(|s| de.end().map(|()| s));
    seed.map_err(explained)?.ok_or(DocumentError::NoSeed)
}

/// The seed of a draw document that begins with `start`, when its
/// top-level members up to `seed` (the fourth, as the draw writes them) lie
/// within those bytes and follow every rule of `parse_document`; None
/// otherwise, and then only [`seed_of`] on the whole document can tell.
///
/// The seed is provisional: the rest of the document is not read. It
/// spares `verify` a whole strict reading of the document before the draw
/// is recomputed, since [`differences`] refuses whatever `seed_of` refuses
/// (a later duplicate `seed` included); on such a refusal the caller gives
/// `seed_of`'s error, so the verdict and its words do not change.
pub fn leading_seed(start: &[u8]) -> Option<String> {
    let text = match document_text(start) {
        Ok(text) => text,
        // `start` may end inside a character; a bad byte ends it sooner.
        Err(DocumentError::NotUtf8(valid)) => std::str::from_utf8(&start[..valid]).ok()?,
        Err(_) => return None,
    };
    let mut seed = None;
    let mut de = serde_json::Deserializer::from_str(text);
    // Ends in an error either way: the reading stops at the seed.
    let _ = de::Deserializer::deserialize_map(&mut de, LeadingSeed(&mut seed));
    seed
}

/// The differences between `recomputed` and the published document's
/// bytes, in the order of [`compare`](crate::engine::verify::compare). The
/// bytes are read as a stream of JSON tokens, never built into a tree:
/// meant for a document that [`seed_of`] accepted, it refuses one
/// that breaks a rule of `parse_document` too, though a byte order mark or
/// bytes that are not UTF-8 only as JSON errors, and a missing seed as a
/// difference.
pub fn differences<A: Assignments>(recomputed: DrawDoc<A>, published: &[u8]) -> Result<Vec<Difference>, DocumentError> {
    let (rest, assignments) = recomputed.replace_assignments(());
    let rest = serde_json::to_value(&rest).expect("a draw document serializes");
    let assignment = |i: usize| serde_json::to_value(&*assignments.get(i)).expect("an assignment serializes");
    let written = |i: usize, out: &mut Vec<u8>| write_element(&*assignments.get(i), out);
    let members: Vec<(&str, Expected)> = rest
        .as_object()
        .expect("a draw document is an object")
        .iter()
        .map(|(k, v)| match k.as_str() {
            "assignments" => (k.as_str(), Expected::Items(assignments.len(), &assignment, &written)),
            _ => (k.as_str(), Expected::Whole(v)),
        })
        .collect();
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(published);
    let compare = Compare { expected: Expected::Members(&members), at: At::Root, depth: 0, out: &mut out };
    compare.deserialize(&mut de).and_then(|()| de.end()).map_err(explained)?;
    Ok(out)
}

/// The recomputed document, or a part of it, as the comparison reads it.
#[derive(Clone, Copy)]
enum Expected<'a> {
    /// A value held whole.
    Whole(&'a Value),
    /// An object, member by member in document order.
    Members(&'a [(&'a str, Expected<'a>)]),
    /// An array of this many elements, each made when it is compared:
    /// as a value, or as the bytes `fairdraw draw` writes for it.
    Items(usize, &'a dyn Fn(usize) -> Value, &'a dyn Fn(usize, &mut Vec<u8>)),
}

impl<'a> Expected<'a> {
    /// The whole value, to report it.
    fn to_value(self) -> Value {
        match self {
            Expected::Whole(v) => v.clone(),
            Expected::Members(m) => Value::Object(m.iter().map(|(k, e)| (k.to_string(), e.to_value())).collect()),
            Expected::Items(n, item, _) => Value::Array((0..n).map(item).collect()),
        }
    }

    fn members(self) -> Option<Cow<'a, [(&'a str, Expected<'a>)]>> {
        match self {
            Expected::Whole(Value::Object(m)) => {
                Some(Cow::Owned(m.iter().map(|(k, v)| (k.as_str(), Expected::Whole(v))).collect()))
            }
            Expected::Members(m) => Some(Cow::Borrowed(m)),
            _ => None,
        }
    }

    fn len(self) -> Option<usize> {
        match self {
            Expected::Whole(Value::Array(a)) => Some(a.len()),
            Expected::Items(n, ..) => Some(n),
            _ => None,
        }
    }

    /// Element `i` of an array (`i` below its length).
    fn item(self, i: usize) -> Cow<'a, Value> {
        match self {
            Expected::Whole(Value::Array(a)) => Cow::Borrowed(&a[i]),
            Expected::Items(_, item, _) => Cow::Owned(item(i)),
            _ => unreachable!("item of an array only"),
        }
    }
}

/// The bytes `fairdraw draw` writes for an element of the document's
/// `assignments` (pretty, two levels deep).
fn write_element(value: &impl serde::Serialize, out: &mut Vec<u8>) {
    let alone = serde_json::to_string_pretty(value).expect("an assignment serializes");
    out.clear();
    out.extend_from_slice(alone.replace('\n', "\n    ").as_bytes());
}

/// An element of a recomputed array whose published bytes are first
/// compared with the bytes the draw writes for it: most documents are
/// compared as they were written, byte for byte, at the cost of a memcmp.
/// Only an element that differs (or is written otherwise: another indent,
/// escapes) is read value by value, as [`Compare`] reads every other value.
struct Element<'a, 'p, 'o, 'w> {
    items: Expected<'a>,
    i: usize,
    written: &'w [u8],
    at: At<'p>,
    depth: usize,
    out: &'o mut Vec<Difference>,
}

impl<'de> DeserializeSeed<'de> for Element<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let raw = <&serde_json::value::RawValue as de::Deserialize>::deserialize(deserializer)?;
        if raw.get().as_bytes() == self.written {
            return Ok(());
        }
        let expected = self.items.item(self.i);
        let compare = Compare { expected: Expected::Whole(&expected), at: self.at, depth: self.depth, out: self.out };
        let mut element = serde_json::Deserializer::from_str(raw.get());
        compare.deserialize(&mut element).and_then(|()| element.end()).map_err(de::Error::custom)
    }
}

/// Where a value lies, written out only for a difference.
#[derive(Clone, Copy)]
enum At<'p> {
    Root,
    Key(&'p At<'p>, &'p str),
    Index(&'p At<'p>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Root => Ok(()),
            At::Key(At::Root, key) => f.write_str(key),
            At::Key(parent, key) => write!(f, "{parent}.{key}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Compares one published value with the expected one as it is read.
struct Compare<'a, 'p, 'o> {
    expected: Expected<'a>,
    at: At<'p>,
    depth: usize,
    out: &'o mut Vec<Difference>,
}

impl Compare<'_, '_, '_> {
    fn strict(&self) -> Strict {
        Strict { depth: self.depth }
    }

    /// Records the published value `actual` unless it equals the expected one.
    fn settle<E>(self, actual: Value) -> Result<(), E> {
        if !matches!(self.expected, Expected::Whole(e) if *e == actual) {
            let expected = Some(self.expected.to_value());
            self.out.push(Difference { path: self.at.to_string(), expected, actual: Some(actual) });
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Compare<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Compare<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        let v = self.strict().visit_bool(b)?;
        self.settle(v)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        let v = self.strict().visit_u64(n)?;
        self.settle(v)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.strict().visit_i64(n).map(drop)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        self.strict().visit_f64(n).map(drop)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        if matches!(self.expected, Expected::Whole(Value::String(e)) if e == s) {
            return Ok(());
        }
        let v = self.strict().visit_str(s)?;
        self.settle(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        let v = self.strict().visit_unit()?;
        self.settle(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some(len) = self.expected.len() else {
            let v = self.strict().visit_seq(seq)?;
            return self.settle(v);
        };
        let inner = self.strict().inner()?;
        let mut written = Vec::new();
        let mut i = 0;
        loop {
            let at = At::Index(&self.at, i);
            let read = match self.expected {
                _ if i >= len => {
                    let Some(actual) = seq.next_element_seed(inner)? else { break };
                    self.out.push(Difference { path: at.to_string(), expected: None, actual: Some(actual) });
                    Some(())
                }
                Expected::Items(_, _, write) => {
                    write(i, &mut written);
                    let (items, depth, out) = (self.expected, inner.depth, &mut *self.out);
                    seq.next_element_seed(Element { items, i, written: &written, at, depth, out })?
                }
                _ => {
                    let expected = self.expected.item(i);
                    let (depth, out) = (inner.depth, &mut *self.out);
                    seq.next_element_seed(Compare { expected: Expected::Whole(&expected), at, depth, out })?
                }
            };
            if read.is_none() {
                break;
            }
            i += 1;
        }
        for j in i..len {
            let expected = Some(self.expected.item(j).into_owned());
            self.out.push(Difference { path: At::Index(&self.at, j).to_string(), expected, actual: None });
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(members) = self.expected.members() else {
            let v = self.strict().visit_map(map)?;
            return self.settle(v);
        };
        let inner = self.strict().inner()?;
        // Each expected member's differences, kept apart so that they come
        // out in the expected order whatever the published one.
        let mut found: Vec<Option<Vec<Difference>>> = vec![None; members.len()];
        let mut extra = Vec::new();
        let mut extra_keys = HashSet::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let member = members.iter().position(|(k, _)| *k == key);
            match member {
                Some(j) if found[j].is_some() => {
                    return Err(de::Error::custom(format!("duplicate key {}", Value::String(key.into_owned()))));
                }
                Some(_) => {}
                None => unique(&mut extra_keys, key.clone())?,
            }
            let at = At::Key(&self.at, &key);
            match member {
                Some(j) => {
                    let mut out = Vec::new();
                    map.next_value_seed(Compare { expected: members[j].1, at, depth: inner.depth, out: &mut out })?;
                    found[j] = Some(out);
                }
                None => {
                    let actual = map.next_value_seed(inner)?;
                    extra.push(Difference { path: at.to_string(), expected: None, actual: Some(actual) });
                }
            }
        }
        for ((key, expected), found) in members.iter().zip(found) {
            match found {
                Some(differences) => self.out.extend(differences),
                None => self.out.push(Difference {
                    path: At::Key(&self.at, key).to_string(),
                    expected: Some(expected.to_value()),
                    actual: None,
                }),
            }
        }
        self.out.extend(extra);
        Ok(())
    }
}

/// The top-level value of [`seed_of`]: checked whole, the seed kept.
struct TopSeed;

impl<'de> Visitor<'de> for TopSeed {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Option<String>, E> {
        Checked { depth: 0 }.visit_u64(n).map(|()| None)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Option<String>, E> {
        Checked { depth: 0 }.visit_i64(n).map(|()| None)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Option<String>, E> {
        Checked { depth: 0 }.visit_f64(n).map(|()| None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<String>, A::Error> {
        Checked { depth: 0 }.visit_seq(seq).map(|()| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let inner = Checked { depth: 0 }.inner()?;
        let mut keys = HashSet::new();
        let mut seed = None;
        while let Some(key) = map.next_key_seed(Key)? {
            let is_seed = key == "seed";
            unique(&mut keys, key)?;
            if is_seed {
                seed = match map.next_value_seed(Strict { depth: inner.depth })? {
                    Value::String(s) => Some(s),
                    _ => None,
                };
            } else {
                map.next_value_seed(inner)?;
            }
        }
        Ok(seed)
    }
}

/// The top-level object of [`leading_seed`]: its members checked up to the
/// seed, where the reading stops.
struct LeadingSeed<'s>(&'s mut Option<String>);

impl<'de> Visitor<'de> for LeadingSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = Checked { depth: 0 }.inner()?;
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let is_seed = key == "seed";
            unique(&mut keys, key)?;
            if is_seed {
                if let Value::String(seed) = map.next_value_seed(Strict { depth: inner.depth })? {
                    *self.0 = Some(seed);
                }
                return Err(de::Error::custom("the seed is read; the rest is the comparison's"));
            }
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

/// A value checked by the rules of `parse_document` and dropped.
#[derive(Clone, Copy)]
struct Checked {
    depth: usize,
}

impl Checked {
    fn inner<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked { depth: Strict { depth: self.depth }.inner()?.depth })
    }
}

/// Refuses a key an object already has.
fn unique<'de, E: de::Error>(keys: &mut HashSet<Cow<'de, str>>, key: Cow<'de, str>) -> Result<(), E> {
    if keys.contains(&key) {
        return Err(E::custom(format!("duplicate key {}", Value::String(key.into_owned()))));
    }
    keys.insert(key);
    Ok(())
}

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        Strict { depth: self.depth }.visit_u64(n).map(drop)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        Strict { depth: self.depth }.visit_i64(n).map(drop)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        Strict { depth: self.depth }.visit_f64(n).map(drop)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key_seed(Key)? {
            unique(&mut keys, key)?;
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

/// An object's key, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::draw::{AssignmentDoc, EnterpriseSnapshot, SnapshotRef, Snapshots, StratumDoc};
    use crate::engine::verify::{compare, parse_document};

    fn assignment(n: usize) -> AssignmentDoc {
        AssignmentDoc {
            uscc: format!("9133010{n}MA00000000"),
            name: format!("企业\"{n}\""),
            class: "A".into(),
            region: "330106".into(),
            ticket: format!("0.{n}"),
            leader: "i1".into(),
            inspectors: vec!["i1".into(), "i2".into()],
            experts: vec![],
        }
    }

    fn document() -> DrawDoc {
        DrawDoc {
            format: "fairdraw-draw/1".into(),
            algorithm: "fairdraw-v1".into(),
            plan_name: "plan".into(),
            seed: "s".into(),
            seed_hash: "ab".into(),
            plan_digest: "cd".into(),
            snapshots: Snapshots {
                enterprises: EnterpriseSnapshot { root: "r".into(), count: 3, columns: vec!["x".into()] },
                inspectors: SnapshotRef { root: "q".into(), count: 2 },
                conflicts: SnapshotRef { root: "p".into(), count: 0 },
            },
            floors: None,
            strata: vec![StratumDoc {
                region: None,
                class: "A".into(),
                population: 3,
                excluded: 0,
                eligible: 3,
                ratio: "1".into(),
                sample_size: 3,
                cutoff: None,
                selected: (0..3).map(|n| assignment(n).uscc).collect(),
            }],
            assignments: (0..3).map(assignment).collect(),
            plan: serde_json::json!({"name": "plan", "items": [{"item": "x"}]}),
        }
    }

    /// What the tree comparison says about `text`: its differences, or the
    /// document error.
    fn by_trees(text: &str) -> Result<Vec<String>, String> {
        let published = parse_document(text.as_bytes()).map_err(|e| e.to_string())?;
        let expected = serde_json::to_value(document()).unwrap();
        Ok(compare(&expected, &published).iter().map(ToString::to_string).collect())
    }

    fn streamed(text: &str) -> Result<Vec<String>, String> {
        let seed = seed_of(text.as_bytes()).map_err(|e| e.to_string());
        let found = differences(document(), text.as_bytes()).map_err(|e| e.to_string());
        // A seed read from the start is the document's, or the document is
        // refused; cut anywhere, the start gives that seed or none.
        let leading = leading_seed(text.as_bytes());
        match (&leading, &seed) {
            (Some(early), Ok(seed)) => assert_eq!(early, seed, "{text}"),
            (Some(_), Err(_)) => assert!(found.is_err(), "{text}"),
            (None, _) => {}
        }
        for cut in 0..text.len() {
            let early = leading_seed(&text.as_bytes()[..cut]);
            assert!(early.is_none() || early == leading, "{text} cut at {cut}");
        }
        // The comparison alone refuses what the check refuses, but for a
        // missing seed (its reader may place the fault a column further).
        if let Err(e) = &seed {
            assert!(e.contains("no \"seed\" string") || found.is_err(), "{text}: {e}");
        }
        seed?;
        Ok(found?.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn says_what_the_tree_comparison_says() {
        let pretty = serde_json::to_string_pretty(&document()).unwrap() + "\n";
        let compact = serde_json::to_string(&document()).unwrap();
        let mut cases = vec![pretty.clone(), compact.clone()];
        // Every string and number in turn changed, every member and
        // element in turn removed, one member or element added.
        for (from, to) in [
            ("\"A\"", "\"B\""),
            ("\"i2\"", "\"i9\""),
            ("\"population\":3", "\"population\":4"),
            ("\"cutoff\":null", "\"cutoff\":\"0.1\""),
            ("\"experts\":[]", "\"experts\":[\"e\"]"),
            ("\"experts\":[]", "\"experts\":{}"),
            ("\"inspectors\":[\"i1\",\"i2\"]", "\"inspectors\":[\"i1\"]"),
            ("\"inspectors\":[\"i1\",\"i2\"]", "\"inspectors\":\"i1\""),
            ("\"leader\":\"i1\",", ""),
            ("\"format\":\"fairdraw-draw/1\",", "\"extra\":[1,{\"b\":true}],"),
            ("\"plan_name\":\"plan\",", "\"z\":1,\"plan_name\":\"plan\",\"y\":null,"),
            ("\"strata\":[", "\"strata\":[{},"),
            ("{\"uscc\":\"913301", "{\"uscc\":\"X13301"),
            ("\"assignments\":[", "\"assignments\":[1,"),
            ("\"assignments\":[", "\"assignments\":{\"a\":["),
            ("\"seed\":\"s\"", "\"seed\":\"t\""),
            // Not documents, refused by both alike.
            ("\"seed\":\"s\"", "\"seed\":\"s\",\"seed\":\"s\""),
            ("\"experts\":[]", "\"experts\":[],\"experts\":[]"),
            ("\"experts\":[]", "\"experts\":[],\"x\":1,\"x\":1"),
            ("\"population\":3", "\"population\":-3"),
            ("\"population\":3", "\"population\":3.0"),
            ("\"population\":3", "\"population\":9007199254740992"),
            ("\"seed\":\"s\"", "\"seed\":1"),
            ("\"name\":\"plan\"", "\"name\":\"\\ud800\""),
        ] {
            for (n, _) in compact.match_indices(from) {
                cases.push(format!("{}{to}{}", &compact[..n], &compact[n + from.len()..]));
            }
        }
        // Members in another order, and an assignment missing.
        let original: serde_json::Map<String, Value> = serde_json::from_str(&compact).unwrap();
        let mut reordered: serde_json::Map<String, Value> = original.into_iter().rev().collect();
        cases.push(serde_json::to_string(&reordered).unwrap());
        reordered["assignments"].as_array_mut().unwrap().pop();
        let one_missing = serde_json::to_string(&reordered).unwrap();
        cases.push(one_missing.clone());
        cases.push(format!("{}{}", "\u{feff}", compact));
        // Pretty, as the draw writes it, so that assignments are compared
        // byte for byte first: each member of each assignment changed, one
        // added, one twice, an assignment's text indented otherwise.
        let tree: Value = serde_json::from_str(&compact).unwrap();
        for i in 0..3 {
            for key in tree["assignments"][i].as_object().unwrap().keys() {
                let mut altered = tree.clone();
                altered["assignments"][i][key] = Value::from("changed");
                cases.push(serde_json::to_string_pretty(&altered).unwrap());
            }
            let mut added = tree.clone();
            added["assignments"][i]["z"] = Value::from(1);
            cases.push(serde_json::to_string_pretty(&added).unwrap());
        }
        let twice = pretty.replacen("\"leader\": \"i1\",", "\"leader\": \"i1\",\n      \"leader\": \"i1\",", 1);
        let reindented = pretty.replacen("\"leader\": \"i1\",", "\"leader\":\"i1\",", 1);
        let same_length = pretty.replacen("\"region\": \"330106\"", "\"region\": \"330107\"", 1);
        assert!(twice != pretty && reindented != pretty && same_length != pretty);
        cases.extend([twice, reindented, same_length]);
        assert!(cases.len() > 60);
        for text in &cases {
            assert_eq!(streamed(text), by_trees(text), "{text}");
        }
        assert_eq!(streamed(&pretty), Ok(vec![]));
        // The fast path holds only while write_element writes what the
        // draw's pretty writer writes; otherwise every document would take
        // the slow path, unnoticed.
        for a in &document().assignments {
            let mut written = Vec::new();
            write_element(a, &mut written);
            assert!(pretty.contains(std::str::from_utf8(&written).unwrap()), "{}", String::from_utf8_lossy(&written));
        }
        assert!(streamed(&one_missing).unwrap()[0].starts_with("assignments[2]: expected {"));
    }

    #[test]
    fn seed_is_read_from_anywhere_in_the_document() {
        assert_eq!(seed_of(br#"{"a": [1, {"seed": "no"}], "seed": "yes", "z": {}}"#).unwrap(), "yes");
        assert!(matches!(seed_of(br#"{"a": {"seed": "no"}}"#), Err(DocumentError::NoSeed)));
        assert!(matches!(seed_of(br#"["seed"]"#), Err(DocumentError::NoSeed)));
    }

    #[test]
    fn a_leading_seed_is_read_only_when_every_member_before_it_is_sound() {
        let lead = |b: &[u8]| leading_seed(b);
        assert_eq!(lead(br#"{"a": [1, {"seed": "no"}], "seed": "yes", "z": "#).as_deref(), Some("yes"));
        assert_eq!(lead("{\"f\": \"基\", \"seed\": \"种子\"".as_bytes()).as_deref(), Some("种子"));
        // Cut inside a character after the seed: still read.
        assert_eq!(lead(&"{\"seed\": \"s\", \"x\": \"基".as_bytes()[..21]).as_deref(), Some("s"));
        for refused in [
            &b"\xEF\xBB\xBF{\"seed\": \"s\"}"[..],
            br#"{"a": 1, "a": 2, "seed": "s"}"#,
            br#"{"a": -1, "seed": "s"}"#,
            br#"{"a": 1.0, "seed": "s"}"#,
            br#"{"a": "\ud800", "seed": "s"}"#,
            br#"{"seed": 1}"#,
            br#"{"seed": "s\ud800"}"#,
            br#"["seed", "s"]"#,
            br#"{"a": {"seed": "no"}}"#,
            br#"{"a": "#,
            b"{\"a\": \"\xFF\", \"seed\": \"s\"}",
        ] {
            assert_eq!(lead(refused), None, "{}", String::from_utf8_lossy(refused));
        }
    }
}
