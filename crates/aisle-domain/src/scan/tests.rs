//! Parser tests across every input class, plus a property test that no input makes it panic.

use super::*;
use proptest::prelude::*;

fn config() -> ScanConfig {
    ScanConfig::new(
        &ScanPatterns::default(),
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
    )
    .unwrap()
}

fn p(raw: &str) -> Result<Scan, ScanError> {
    parse(raw, &config())
}

#[test]
fn gs1_symbologies_by_aim_identifier() {
    for aim in ["]C1", "]e0", "]d2", "]Q3", "]J1"] {
        let s = p(&format!("{aim}0109506000134352\u{1d}10LOT42\u{1d}17270131")).unwrap();
        assert!(s.symbology.as_ref().unwrap().gs1, "{aim}");
        assert_eq!(s.gtin().unwrap().as_str(), "09506000134352");
        assert_eq!(s.lot(), Some("LOT42"));
        assert_eq!(
            s.expiry(config().today),
            NaiveDate::from_ymd_opt(2027, 1, 31)
        );
    }
}

#[test]
fn gs1_errors_under_a_gs1_identifier_are_not_guessed_away() {
    let e = p("]C10109506000134353").unwrap_err();
    assert!(e.to_string().contains("AI (01)"), "{e}");
    assert!(matches!(p("]C1"), Err(ScanError::Empty)));
    assert!(matches!(p("]C"), Err(ScanError::BadAim(_))));
}

#[test]
fn scanner_noise_is_removed_without_touching_the_data() {
    let s = p("\u{feff}  ]C10109506000134352\u{1d}10AB\u{0}\r\n\t").unwrap();
    assert_eq!(s.data, "0109506000134352\u{1d}10AB");
    assert_eq!(s.lot(), Some("AB"));
    // A space is not in GS1 character set 82, so the lot with a space inside is refused, proving
    // the inner space was kept rather than silently dropped.
    let e = p("]C10109506000134352\u{1d}10A B").unwrap_err();
    assert!(
        matches!(
            e,
            ScanError::BadCharacter {
                at: 1,
                found: ' ',
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(clean("\u{feff}ABC 1\r\n"), "ABC 1");
    assert_eq!(clean("\0A\0B\0"), "AB");
}

#[test]
fn plain_retail_codes_with_check_digits() {
    let cases = [
        ("96385074", RetailFormat::Ean8, "00000096385074"),
        ("036000291452", RetailFormat::UpcA, "00036000291452"),
        ("9506000134352", RetailFormat::Ean13, "09506000134352"),
        ("19506000134359", RetailFormat::Gtin14, "19506000134359"),
        ("04252614", RetailFormat::UpcE, "00042100005264"),
    ];
    for (raw, format, gtin) in cases {
        let s = p(raw).unwrap();
        assert_eq!(
            s.content,
            ScanContent::Gtin {
                gtin: Gtin::parse(gtin).unwrap(),
                format
            },
            "{raw}"
        );
    }
    // Wrong check digit on a plain code: not a GTIN, so it stays text for lookup as an internal code.
    assert!(matches!(
        p("9506000134353").unwrap().content,
        ScanContent::Text { .. }
    ));
}

#[test]
fn ean_upc_identifiers_are_strict() {
    let s = p("]E09506000134352").unwrap();
    assert!(matches!(
        s.content,
        ScanContent::Gtin {
            format: RetailFormat::Ean13,
            ..
        }
    ));
    let s = p("]E00036000291452").unwrap();
    assert!(matches!(
        s.content,
        ScanContent::Gtin {
            format: RetailFormat::UpcA,
            ..
        }
    ));
    let s = p("]E404252614").unwrap_err();
    assert!(s.to_string().contains("EAN-8"), "{s}");
    let s = p("]E004252614").unwrap();
    assert_eq!(s.gtin().unwrap().as_str(), "00042100005264");
    let s = p("]E3950600013435212").unwrap();
    assert_eq!(s.gtin().unwrap().as_str(), "09506000134352");
    let e = p("]E09506000134353").unwrap_err();
    assert!(
        e.to_string().contains("check digit 3, but 2 is correct"),
        "{e}"
    );
    assert!(p("]E0ABC").unwrap_err().to_string().contains("digits only"));
}

#[test]
fn sscc_plain_and_as_ai_00() {
    let s = p("106141411234567897").unwrap();
    assert_eq!(s.sscc(), Some("106141411234567897"));
    let s = p("]C100106141411234567897").unwrap();
    assert_eq!(s.sscc(), Some("106141411234567897"));
    let e = p("]C100106141411234567898").unwrap_err();
    assert!(e.to_string().contains("SSCC"), "{e}");
}

#[test]
fn unlabelled_element_strings_and_bracketed_text() {
    let s = p("0109506000134352<GS>3712").unwrap();
    assert_eq!(s.count(), Some(12));
    let s = p("(01)09506000134352(17)260200(10)L1").unwrap();
    assert_eq!(
        s.expiry(config().today),
        NaiveDate::from_ymd_opt(2026, 2, 28)
    );
    assert!(p("(01)0950600013435").is_err());
    let s = p("\u{1d}0109506000134352").unwrap();
    assert!(s.gtin().is_some());
}

#[test]
fn digital_link_uris() {
    let s = p("https://id.gs1.example/01/09506000134352/10/ABC%20D?17=270101").unwrap_err();
    // A space is not allowed in AI (10) even when percent-encoded.
    assert!(s.to_string().contains("AI (10)"), "{s}");
    let s = p("]Q1https://id.gs1.example/01/09506000134352/10/ABC?17=270101&3103=000500").unwrap();
    assert!(matches!(
        s.content,
        ScanContent::Gs1 {
            digital_link: true,
            ..
        }
    ));
    assert_eq!(s.lot(), Some("ABC"));
    assert_eq!(
        s.expiry(config().today),
        NaiveDate::from_ymd_opt(2027, 1, 1)
    );
    assert!(matches!(
        p("https://example.com/help").unwrap().content,
        ScanContent::Text { .. }
    ));
}

#[test]
fn site_patterns_for_locations_and_plates() {
    let s = p("LOC:WH1:A-01-03-2").unwrap();
    assert_eq!(
        s.content,
        ScanContent::Location {
            code: "A-01-03-2".into(),
            warehouse: Some("WH1".into()),
        }
    );
    assert_eq!(
        p("LOC:A-01-03-2").unwrap().content,
        ScanContent::Location {
            code: "A-01-03-2".into(),
            warehouse: None,
        }
    );
    let s = p("LP00001234").unwrap();
    assert_eq!(
        s.content,
        ScanContent::LicensePlate {
            code: "LP00001234".into()
        }
    );
    let custom = ScanPatterns {
        location: vec![r"^[A-Z]\d{2}-\d{2}$".into()],
        plate: vec![],
    };
    let cfg = ScanConfig::new(&custom, config().today).unwrap();
    assert_eq!(
        parse("B12-07", &cfg).unwrap().content,
        ScanContent::Location {
            code: "B12-07".into(),
            warehouse: None,
        }
    );
    assert!(matches!(
        parse("LP00001234", &cfg).unwrap().content,
        ScanContent::Text { .. }
    ));
    let bad = ScanPatterns {
        location: vec!["(".into()],
        plate: vec![],
    };
    let e = ScanConfig::new(&bad, config().today).unwrap_err();
    assert_eq!((e.which, e.index), ("location", 1));
}

#[test]
fn control_characters_are_refused_with_position() {
    assert_eq!(
        p("AB\u{7}C").unwrap_err(),
        ScanError::ControlCharacter { at: 2, code: 7 }
    );
    assert!(matches!(p(" \r\n"), Err(ScanError::Empty)));
}

#[test]
fn every_ai_class_round_trips_through_the_parser() {
    // One sample per kind of AI the dictionary defines: fixed numeric with check digit, variable
    // alphanumeric, dates, decimals, ISO-coded, multi-component and optional parts.
    let samples = [
        "0109506000134352",
        "00106141411234567897",
        "10ABC-123",
        "11261129",
        "21SER/01",
        "3103001250",
        "3922995",
        "39329780995",
        "4140614141000418",
        "422528",
        "7003261129",
        "800300614141123452",
        "800301234567890128ABC",
        "8006095060001343520102",
        "8020ABC123",
        "91COMPANY-INTERNAL",
    ];
    for s in samples {
        match gs1::parse_element_string(s) {
            Ok(m) => assert_eq!(m.elements.len(), 1, "{s}"),
            Err(e) => {
                // 7003 needs a time after the date: the error must say so precisely.
                assert!(s.starts_with("7003"), "{s}: {e}");
                assert!(
                    matches!(e, ScanError::ValueLength { ref ai, min: 10, max: 10, .. } if ai == "7003"),
                    "{e:?}"
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn parser_never_panics_on_any_text(raw in "\\PC{0,60}") {
        let _ = p(&raw);
    }

    #[test]
    fn parser_never_panics_on_gs1_like_input(raw in "(\\]C1|\\]E0|\\]d2|\\(|https://x/01/)?[0-9A-Za-z()<>{}\\[\\]%/\\x1d-]{0,60}") {
        let _ = p(&raw);
    }

    #[test]
    fn every_valid_gtin13_parses_back_to_itself(body in "[1-9][0-9]{11}") {
        let code = format!("{body}{}", gtin::mod10(&body).unwrap());
        let s = p(&code).unwrap();
        let g = s.gtin().unwrap();
        prop_assert_eq!(g.short_form(), code.as_str());
    }

    #[test]
    fn noise_around_data_never_changes_it(data in "[A-Z0-9-]{1,20}", pre in "[ \u{feff}]{0,3}", post in "[ \r\n\t]{0,3}") {
        prop_assert_eq!(clean(&format!("{pre}{data}{post}")), data);
    }
}
