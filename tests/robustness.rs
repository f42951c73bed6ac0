//! Parsers never panic: arbitrary bytes in any input file give a report or a
//! value, never a crash (stable Rust has no libFuzzer, so these properties
//! stand in for fuzz targets and run on every test).

use fairdraw::input::plan::Plan;
use fairdraw::input::registry;
use fairdraw::input::table::{BytesSource, Source};
use proptest::prelude::*;

fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        Just(b"uscc".to_vec()),
        Just("统一社会信用代码".as_bytes().to_vec()),
        Just(b"91110000600037341L".to_vec()),
        Just(b"\"a,\"\"b\"".to_vec()),
        Just(vec![0xB2, 0xE2]),
        Just(vec![0xEF, 0xBB, 0xBF]),
        Just(b"\r\n".to_vec()),
        Just(b",".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(cell, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn registry_readers_never_panic(bytes in csv_like()) {
        let src = BytesSource { label: "fuzz.csv".into(), bytes: &bytes };
        let ents = registry::read_enterprises(&src, &["列入经营异常名录".to_string()]);
        let insp = registry::read_inspectors(&src);
        if let (Ok(e), Ok(i)) = (ents, insp) {
            let _ = registry::read_conflicts(&src, &i, &e);
        }
    }

    #[test]
    fn plan_parser_never_panics(text in "(name|ratios|A|team|size|\\[|\\]|=|\"|5%|0\\.1|\n| |scope|where|true|-1|\\{|\\})*") {
        let none = |_: &str| -> Box<dyn Source> { Box::new(BytesSource { label: "x".into(), bytes: b"" }) };
        let _ = Plan::parse(&text, "fuzz.toml", &none);
    }

    #[test]
    fn scalar_parsers_never_panic(s in "\\PC{0,24}") {
        let _ = fairdraw::input::ratio::Ratio::parse(&s);
        let _ = fairdraw::model::date::Date::parse(&s);
        let _ = fairdraw::model::uscc::validate(&s);
    }
}
