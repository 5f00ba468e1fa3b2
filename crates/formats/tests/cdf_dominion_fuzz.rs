//! The CDF and Dominion readers never panic: random bytes and truncations of
//! valid files give an error (or, for CSV, whatever rows remain), never a panic.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use canvass_formats::{Format, FormatError, SourceOptions, read_path};
use canvass_model::Election;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn read(path: &Path, format: Format) -> Result<u64, FormatError> {
    let mut election = Election::default();
    let mut n = 0u64;
    read_path(
        path,
        format,
        &SourceOptions::default(),
        &mut election,
        &mut |_, _| {
            n += 1;
            Ok(())
        },
    )?;
    Ok(n)
}

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"))).join(rel)
}

/// Small valid files of each case of [`FORMATS`] (by index), from our
/// fixtures and the shared data.
fn valid(case: usize) -> Option<Vec<u8>> {
    let format = FORMATS[case];
    let shared = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    let path = match format {
        // The ranked layout: one column per candidate per rank.
        Format::DominionCsv if case == 4 => manifest("testdata/dominion_csv/ranked_export.csv"),
        Format::CdfJson => shared
            .join("rctab/test_set_0_skipped_first_choice/test_set_0_skipped_first_choice_cvr.json"),
        Format::CdfXml => shared.join("rctab/nist_xml_cdf_2/nist_xml_cdf_2.xml"),
        Format::DominionJson => shared.join("shangrla/Dominion_CVRs/test_5.10.50.85.Dominion.json"),
        Format::DominionCsv => manifest("testdata/dominion_csv/cvr_export.csv"),
        _ => return None,
    };
    std::fs::read(path).ok()
}

const FORMATS: [Format; 5] = [
    Format::CdfJson,
    Format::CdfXml,
    Format::DominionJson,
    Format::DominionCsv,
    Format::DominionCsv,
];

fn write_tmp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_are_an_error(bytes in prop::collection::vec(any::<u8>(), 0..512), f in 0usize..5) {
        let format = FORMATS[f];
        let dir = tempfile::tempdir().unwrap();
        let path = write_tmp(dir.path(), "CvrExport.json", &bytes);
        prop_assert!(read(&path, format).is_err());
    }

    #[test]
    fn truncated_files_are_an_error(cut in 0.0f64..1.0, f in 0usize..5) {
        let format = FORMATS[f];
        let Some(bytes) = valid(f) else { return Ok(()) };
        let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        let at = ((end as f64) * cut) as usize;
        let dir = tempfile::tempdir().unwrap();
        let path = write_tmp(dir.path(), "CvrExport.json", &bytes[..at]);
        let result = read(&path, format);
        if format != Format::DominionCsv {
            // A CSV cut at a row boundary is a valid, shorter CSV.
            prop_assert!(result.is_err(), "{format} cut at {at} of {end} read");
        }
    }

    #[test]
    fn flipped_bytes_never_panic(pos in 0.0f64..1.0, byte in any::<u8>(), f in 0usize..5) {
        let format = FORMATS[f];
        let Some(mut bytes) = valid(f) else { return Ok(()) };
        let i = ((bytes.len() as f64) * pos) as usize;
        if let Some(b) = bytes.get_mut(i) {
            *b = byte;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write_tmp(dir.path(), "CvrExport.json", &bytes);
        let _ = read(&path, format);
    }
}

#[test]
fn deeply_nested_xml_is_an_error_not_a_stack_overflow() {
    let mut text = String::from("<CastVoteRecordReport><CVR>");
    for _ in 0..100_000 {
        text.push_str("<a>");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_tmp(dir.path(), "deep.xml", text.as_bytes());
    assert!(read(&path, Format::CdfXml).is_err());
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let text = format!("{{\"CVR\":[{}", "[".repeat(100_000));
    let dir = tempfile::tempdir().unwrap();
    let path = write_tmp(dir.path(), "deep.json", text.as_bytes());
    assert!(read(&path, Format::CdfJson).is_err());
    assert!(read(&path, Format::DominionJson).is_err());
}

#[test]
fn errors_name_file_and_record() {
    let Some(bytes) = valid(0) else {
        return;
    };
    let text = String::from_utf8(bytes)
        .unwrap()
        .replacen("\"cs-b\"", "\"cs-zz\"", 2);
    let dir = tempfile::tempdir().unwrap();
    let path = write_tmp(dir.path(), "cvr.json", text.as_bytes());
    match read(&path, Format::CdfJson).unwrap_err() {
        FormatError::UnknownCandidate { at, candidate, .. } => {
            assert_eq!(candidate, "cs-zz");
            assert!(at.file.ends_with("cvr.json"));
            assert_eq!(at.record, Some(1));
            assert_eq!(at.field.as_deref(), Some("ContestSelectionId"));
        }
        other => panic!("{other}"),
    }
}
