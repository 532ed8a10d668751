//! The labels Aisle draws scan back as what they encode: each label is rendered the way a printer
//! or a screen would (SVG with resvg, PDF with PDFium) and read with zxing-cpp, an independent
//! decoder, in the test command's own Python environment (`AISLE_LABEL_PYTHON`, set by
//! scripts/test.sh). Covered: the carton label (SVG and PDF), the license-plate label, and item
//! labels as EAN-13, as GS1-128 with lot and expiry, and as GS1 DataMatrix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_e2e::read_labels as decode;
use aisle_labels::carton::CartonLabel;
use std::path::PathBuf;

/// GS1 element strings as zxing-cpp reports them (`(00)1234...`), without the brackets.
fn plain(text: &str) -> String {
    text.replace(['(', ')', '\u{1d}'], "")
}

#[test]
fn every_label_scans_back_as_what_it_encodes() {
    let dir = tempfile::tempdir().unwrap();
    let sscc = aisle_domain::sscc::mint(9, "0614141", 42).unwrap();
    let carton = CartonLabel {
        sscc: sscc.clone(),
        from: "Main DC".into(),
        to: Some("ACME".into()),
        order: "SO-8001".into(),
        weight_g: Some(12_500),
        contents: vec!["HAR-00001 x 6".into()],
        carrier: Some("DHL".into()),
    };
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // (file, expected format, expected symbology identifier, expected data)
    let cases = [
        (
            write("carton.svg", carton.svg().unwrap().as_bytes()),
            "Code 128",
            "]C1",
            format!("00{sscc}"),
        ),
        (
            write("carton.pdf", &carton.pdf().unwrap()),
            "Code 128",
            "]C1",
            format!("00{sscc}"),
        ),
        (
            write(
                "plate.svg",
                aisle_labels::plate_label("106141411234567897", &["HAR-00001 x 80".into()])
                    .unwrap()
                    .as_bytes(),
            ),
            "Code 128",
            "]C1",
            "00106141411234567897".to_string(),
        ),
        (
            write(
                "ean.svg",
                aisle_labels::item_label("HAR-00001", "Bolt", "05012345000015", None, None)
                    .unwrap()
                    .as_bytes(),
            ),
            "EAN-13",
            "]E0",
            "5012345000015".to_string(),
        ),
        (
            write(
                "dated.svg",
                aisle_labels::item_label(
                    "PAI-00005",
                    "Paint",
                    "09506000134352",
                    Some("AB-12"),
                    Some("270131"),
                )
                .unwrap()
                .as_bytes(),
            ),
            "Code 128",
            "]C1",
            "01095060001343521727013110AB-12".to_string(),
        ),
        (
            write(
                "matrix.svg",
                aisle_labels::matrix::item_label_datamatrix(
                    "PAI-00005",
                    "Paint",
                    "09506000134352",
                    Some("AB-12"),
                    Some("270131"),
                )
                .unwrap()
                .as_bytes(),
            ),
            "Data Matrix",
            "]d2",
            "01095060001343521727013110AB-12".to_string(),
        ),
    ];
    let files: Vec<PathBuf> = cases.iter().map(|c| c.0.clone()).collect();
    let read = decode(&files);
    for (file, format, symbology, data) in &cases {
        let found = read[file.to_str().unwrap()].as_array().unwrap();
        assert_eq!(found.len(), 1, "{}: {found:?}", file.display());
        let b = &found[0];
        assert_eq!(b["format"], *format, "{}: {b}", file.display());
        assert_eq!(
            b["symbology_identifier"],
            *symbology,
            "{}: {b}",
            file.display()
        );
        assert_eq!(
            plain(b["text"].as_str().unwrap()),
            *data,
            "{}: {b}",
            file.display()
        );
    }
}
