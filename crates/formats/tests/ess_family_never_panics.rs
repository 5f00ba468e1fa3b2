//! Every reader of this family and `detect` survive hostile input: random
//! bytes, and real files cut at random points, give `Ok` or `Err`, never a
//! panic. Cut zips (xlsx, Hart zip) must give `Err`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{Format, SourceOptions, detect, read_path};
use canvass_model::Election;
use proptest::prelude::*;
use std::path::Path;

const FORMATS: [Format; 8] = [
    Format::EssXlsx,
    Format::EssCsv,
    Format::Hart,
    Format::ClearBallot,
    Format::GenericCsv,
    Format::Abif,
    Format::RaireCsv,
    Format::RaireJson,
];

/// Read with a sink that stops after a bounded number of cards, so that a
/// random count (ABIF, RAIRE JSON) cannot make the test slow.
fn read_bounded(path: &Path, format: Format, options: &SourceOptions) -> Result<u64, String> {
    let mut election = Election::default();
    let mut n = 0u64;
    let r = read_path(path, format, options, &mut election, &mut |_, _| {
        n += 1;
        if n > 10_000 {
            Err(canvass_formats::FormatError::Rejected {
                at: canvass_formats::Location::file(path),
                message: "enough".into(),
            })
        } else {
            Ok(())
        }
    });
    r.map(|_| n).map_err(|e| e.to_string())
}

fn labelled() -> SourceOptions {
    SourceOptions {
        first_vote_column: Some(2),
        first_vote_row: Some(2),
        id_column: Some(1),
        overvote_delimiter: Some("|".into()),
        overvote_label: Some("overvote".into()),
        skipped_rank_label: Some("undervote".into()),
        undeclared_write_in_label: Some("UWI".into()),
        treat_blank_as_undeclared_write_in: true,
        ..SourceOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let tmp = tempfile::tempdir().unwrap();
        for ext in ["xlsx", "csv", "xml", "abif", "raire", "json", "zip"] {
            let p = tmp.path().join(format!("f.{ext}"));
            std::fs::write(&p, &bytes).unwrap();
            let _ = detect(&p);
            for f in FORMATS {
                let _ = read_bounded(&p, f, &SourceOptions::default());
                let _ = read_bounded(&p, f, &labelled());
            }
        }
    }

    #[test]
    fn random_text_lines_never_panic(lines in proptest::collection::vec("[0-9A-Za-z,:>=/#\\[\\]{}\" |]{0,30}", 0..12)) {
        let tmp = tempfile::tempdir().unwrap();
        let text = lines.join("\n");
        for ext in ["csv", "abif", "raire"] {
            let p = tmp.path().join(format!("f.{ext}"));
            std::fs::write(&p, &text).unwrap();
            let _ = detect(&p);
            for f in [Format::EssCsv, Format::GenericCsv, Format::ClearBallot, Format::Abif, Format::RaireCsv] {
                let _ = read_bounded(&p, f, &SourceOptions::default());
                let _ = read_bounded(&p, f, &labelled());
            }
        }
    }
}

/// Cut each real file at `fractions` of its length and read it.
fn cut_and_read(src: &Path, format: Format, options: &SourceOptions, must_fail: bool) {
    let bytes = std::fs::read(src).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let name = src.file_name().unwrap();
    for k in 1..16 {
        let cut = bytes.len() * k / 16;
        let p = tmp.path().join(name);
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let _ = detect(&p);
        let r = read_bounded(&p, format, options);
        if must_fail {
            assert!(r.is_err(), "{} cut at {cut} read as {r:?}", src.display());
        }
    }
}

#[test]
fn truncated_real_files_never_panic() {
    let Some(data) = common::data() else {
        return;
    };
    let r = data.join("rctab");
    let ess = SourceOptions {
        precinct_column: Some(1),
        ..labelled()
    };
    cut_and_read(
        &r.join("batch_example/batch_example_cvr.xlsx"),
        Format::EssXlsx,
        &ess,
        true,
    );
    cut_and_read(
        &r.join("generic_csv_test/generic_csv_test_cvr.csv"),
        Format::GenericCsv,
        &SourceOptions::default(),
        false,
    );
    cut_and_read(
        &r.join("clear_ballot_with_inline_comma/clear_ballot_with_inline_comma_cvr.csv"),
        Format::ClearBallot,
        &SourceOptions::default(),
        false,
    );
    cut_and_read(
        &data.join("shangrla/Hart_CVRs/test_Hart_CVR_1.xml"),
        Format::Hart,
        &SourceOptions::default(),
        true,
    );
    cut_and_read(
        &data.join("shangrla/Berkeley_2010_D7CityCouncil.raire"),
        Format::RaireCsv,
        &SourceOptions::default(),
        false,
    );
    cut_and_read(
        &data.join("raire-nsw2021/Uralla Mayoral.json"),
        Format::RaireJson,
        &SourceOptions::default(),
        true,
    );
    cut_and_read(
        &common::testdata("abif/tennessee.abif"),
        Format::Abif,
        &SourceOptions::default(),
        false,
    );
}
