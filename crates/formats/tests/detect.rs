//! Format detection: every format from real files or our fixtures; files
//! that are no format; files whose extension lies; truncated zips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{Format, FormatError, detect};
use common::{data, testdata};
use std::path::Path;

fn check(path: &Path, expected: Format) {
    match detect(path) {
        Ok(f) => assert_eq!(f, expected, "{}", path.display()),
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

#[test]
fn detects_real_files() {
    let Some(data) = data() else { return };
    let r = data.join("rctab");
    check(
        &r.join("test_set_0_skipped_first_choice/test_set_0_skipped_first_choice_cvr.json"),
        Format::CdfJson,
    );
    check(&r.join("nist_xml_cdf_2/nist_xml_cdf_2.xml"), Format::CdfXml);
    check(
        &r.join("_shared/dominion_alaska/alaska_input_data"),
        Format::DominionJson,
    );
    check(
        &data.join("shangrla/Dominion_CVRs/CVR_Export"),
        Format::DominionJson,
    );
    check(
        &data.join("shangrla/Dominion_CVRs/test_5.10.50.85.Dominion.json"),
        Format::DominionJson,
    );
    check(
        &r.join("2013_minneapolis_mayor/2013_minneapolis_mayor_cvr.xlsx"),
        Format::EssXlsx,
    );
    check(&r.join("_shared/hart_cvr_archive"), Format::Hart);
    check(
        &data.join("shangrla/Hart_CVRs/test_Hart_CVR_1.xml"),
        Format::Hart,
    );
    check(
        &r.join("clear_ballot_with_inline_comma/clear_ballot_with_inline_comma_cvr.csv"),
        Format::ClearBallot,
    );
    check(
        &r.join("generic_csv_test/generic_csv_test_cvr.csv"),
        Format::GenericCsv,
    );
    check(
        &r.join("csv_missing_header_test/csv_missing_header_test_cvr.csv"),
        Format::GenericCsv,
    );
    check(
        &r.join("max_ranking_enforcement/max_ranking_enforcement_cvr.csv"),
        Format::GenericCsv,
    );
    check(
        &data.join("minneapolis2013/mn_2013_cast_vote_record.csv"),
        Format::EssCsv,
    );
    check(&data.join("shangrla/albury.raire"), Format::RaireCsv);
    check(
        &data.join("raire-nsw2021/Byron Mayoral.json"),
        Format::RaireJson,
    );
}

#[test]
fn detects_fixtures() {
    check(&testdata("detect/dominion.csv"), Format::DominionCsv);
    check(&testdata("detect/generic.csv"), Format::GenericCsv);
    check(&testdata("detect/ess.csv"), Format::EssCsv);
    check(&testdata("ess/labels.csv"), Format::EssCsv);
    check(&testdata("abif/tennessee.abif"), Format::Abif);
    check(&testdata("abif/ties_and_ratings.abif"), Format::Abif);
}

fn check_err(path: &Path, expected: &str) {
    let err = detect(path).unwrap_err();
    let msg = err.to_string();
    let kind = match err {
        FormatError::UnknownFormat { .. } => "unknown",
        FormatError::WrongFormat { .. } => "wrong",
        FormatError::Truncated { .. } => "truncated",
        FormatError::Io { .. } => "io",
        _ => "other",
    };
    assert_eq!(kind, expected, "{msg}");
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(msg.contains(name.as_ref()), "{msg}");
}

#[test]
fn refuses_what_is_no_format() {
    check_err(&testdata("detect/prose.txt"), "unknown");
    check_err(&testdata("detect/no_header.csv"), "wrong");
    check_err(&testdata("detect/fake.xlsx"), "wrong");
    check_err(&testdata("detect/other.json"), "wrong");
    check_err(&testdata("detect/other.xml"), "wrong");
    check_err(&testdata("detect/missing.csv"), "io");
    check_err(&testdata("ess"), "unknown");
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    check_err(&empty, "truncated");
}

#[test]
fn truncated_xlsx_is_truncated() {
    let Some(data) = data() else { return };
    let src = data.join("rctab/batch_example/batch_example_cvr.xlsx");
    let bytes = std::fs::read(src).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cut = tmp.path().join("cut.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    check_err(&cut, "truncated");
    let err = common::read_all(&cut, Format::EssXlsx, &Default::default()).unwrap_err();
    assert!(matches!(err, FormatError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("cut.xlsx"), "{err}");
}
