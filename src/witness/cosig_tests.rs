use super::*;

/// The golden vector (computed with OpenSSL, not with this code).
struct Vector {
    name: String,
    seed: [u8; 32],
    vkey: String,
    text: String,
    time: u64,
    message: String,
    line: String,
}

fn vector() -> Vector {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/witness/cosignature-v1.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    Vector {
        name: s("witness_name"),
        seed: hex::decode(s("seed_hex")).unwrap().try_into().unwrap(),
        vkey: s("vkey"),
        text: s("checkpoint_text"),
        time: v["time"].as_u64().unwrap(),
        message: s("signed_message"),
        line: s("cosignature_line"),
    }
}

#[test]
fn the_vector_seed_is_bytes_1_to_32() {
    let expected: Vec<u8> = (1..=32).collect();
    assert_eq!(vector().seed.to_vec(), expected);
}

#[test]
fn signs_the_vector_exactly() {
    let v = vector();
    let signer = WitnessSigner::from_seed(&v.name, &v.seed).unwrap();
    assert_eq!(signer.verifier().to_vkey(), v.vkey);
    assert_eq!(message(v.text.as_bytes(), v.time), v.message.as_bytes());
    assert_eq!(signer.at(v.time).cosign_line(v.text.as_bytes()), v.line);
}

#[test]
fn verifies_the_vector_and_nothing_else() {
    let v = vector();
    let w = WitnessVerifier::parse(&v.vkey).unwrap();
    assert_eq!(w.to_vkey(), v.vkey);
    let note = split_note(&format!("{}\n{}", v.text, v.line)).unwrap();
    assert_eq!(cosigned_by(&note, &w), Cosigned::At(v.time));
    let other_size = split_note(&format!("{}\n{}", v.text.replace("\n5\n", "\n6\n"), v.line)).unwrap();
    assert_eq!(cosigned_by(&other_size, &w), Cosigned::Invalid);
    // The same bytes signed by another key: the name and id do not match, so ignored.
    let stranger = WitnessSigner::from_seed(&v.name, &[9; 32]).unwrap().verifier();
    assert_eq!(cosigned_by(&note, &stranger), Cosigned::Absent);
}

#[test]
fn a_changed_timestamp_breaks_the_signature() {
    let v = vector();
    let w = WitnessVerifier::parse(&v.vkey).unwrap();
    let b64 = v.line.trim_end().rsplit_once(' ').unwrap().1;
    let mut raw = B64.decode(b64).unwrap();
    raw[11] ^= 1; // last byte of the timestamp
    let line = format!("— {} {}\n", v.name, B64.encode(&raw));
    let note = split_note(&format!("{}\n{line}", v.text)).unwrap();
    assert_eq!(cosigned_by(&note, &w), Cosigned::Invalid);
}

#[test]
fn implements_the_signed_note_traits() {
    let v = vector();
    let signer = WitnessSigner::from_seed(&v.name, &v.seed).unwrap().at(v.time);
    let mut note = signed_note::Note::new(v.text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer as &dyn signed_note::Signer]).unwrap();
    assert_eq!(String::from_utf8(note.to_bytes()).unwrap(), format!("{}\n{}", v.text, v.line));
    let list = signed_note::VerifierList::new(vec![Box::new(WitnessVerifier::parse(&v.vkey).unwrap())]);
    assert_eq!(note.verify(&list).unwrap().0.len(), 1);
}

#[test]
fn private_keys_round_trip() {
    let signer = WitnessSigner::generate("w.test/a").unwrap();
    let again = WitnessSigner::parse(&signer.to_skey()).unwrap();
    assert_eq!(again.verifier(), signer.verifier());
    assert_eq!(WitnessSigner::parse("PRIVATE+KEY+w+00000000+AAAA").err(), Some(KeyError::Private));
    let wrong_id = signer.to_skey().replacen(&format!("+{:08x}+", signer.id), "+00000000+", 1);
    assert_eq!(WitnessSigner::parse(&wrong_id).err(), Some(KeyError::Private));
}

#[test]
fn verifier_keys_from_bad_input_are_refused() {
    let v = vector();
    let (name, rest) = v.vkey.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    let bad = [
        String::new(),
        "no-plus".into(),
        format!("{name}+{id}"),
        format!("{name}+{id}+{key}+"),
        format!("+{id}+{key}"),
        format!("a b+{id}+{key}"),
        format!("{name}+{}+{key}", id.to_uppercase()),
        format!("{name}+{}+{key}", &id[..7]),
        format!("{name}+0x{}+{key}", &id[..6]),
        format!("{name}+{id}+not base64!"),
        // An Ed25519 signed-note key (0x01), not a cosignature key.
        format!("{name}+{id}+{}", B64.encode([&[1u8][..], &B64.decode(key).unwrap()[1..]].concat())),
        format!("{name}+{id}+{}", B64.encode(&B64.decode(key).unwrap()[..32])),
        format!("other.example/w+{id}+{key}"),
    ];
    for vkey in bad {
        assert!(WitnessVerifier::parse(&vkey).is_err(), "accepted {vkey:?}");
    }
}

#[test]
fn notes_that_are_not_notes_are_refused() {
    let v = vector();
    for note in [
        String::new(),
        v.text.clone(),
        format!("{}\n", v.text),
        format!("{}\n{}", v.text, v.line.trim_end()),
        format!("{}\n- {}", v.text, &v.line[4..]),
        format!("{}\n{}\n", v.text, v.line),
        format!("{}\n— {} !!!\n", v.text, v.name),
    ] {
        assert!(split_note(&note).is_err(), "accepted {note:?}");
    }
}
