//! ABIF (electorama's Aggregated Ballot Information Format), our fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{Format, SourceOptions, detect};
use common::{ranking, read_all, testdata};

#[test]
fn tennessee_example() {
    let path = testdata("abif/tennessee.abif");
    assert_eq!(detect(&path).unwrap(), Format::Abif);
    let (election, cards) = read_all(&path, Format::Abif, &SourceOptions::default()).unwrap();
    assert_eq!(cards.len(), 100);
    assert_eq!(election.contests[0].name, "Tennessee capital");
    let first: Vec<usize> = [
        "Memphis, TN",
        "Nashville, TN",
        "Chattanooga, TN",
        "Knoxville, TN",
    ]
    .iter()
    .map(|n| {
        cards
            .iter()
            .filter(|c| ranking(&election, c).starts_with(&format!("1:{n} ")))
            .count()
    })
    .collect();
    assert_eq!(first, [42, 26, 15, 17]);
    assert_eq!(cards[0].id.as_str(), "tennessee-8-1");
    assert_eq!(cards[99].id.as_str(), "tennessee-11-17");
    assert_eq!(cards[99].source.record, 11);
    let knox = election.contests[0].find_candidate("Knox").unwrap();
    assert_eq!(
        election.contests[0].candidate(knox).unwrap().name,
        "Knoxville, TN"
    );
}

#[test]
fn ties_ratings_and_empty_ballots() {
    let options = SourceOptions {
        contest: Some("Test".into()),
        ..SourceOptions::default()
    };
    let (election, cards) = read_all(
        &testdata("abif/ties_and_ratings.abif"),
        Format::Abif,
        &options,
    )
    .unwrap();
    let shown: Vec<String> = cards.iter().map(|c| ranking(&election, c)).collect();
    assert_eq!(
        shown,
        [
            "1:A 1:B 2:Doña Ana",
            "1:A 1:B 2:Doña Ana",
            "1:A 1:B 2:Doña Ana",
            "1:A 1:C 2:B",
            "1:A 1:C 2:B",
            "",
        ]
    );
    assert_eq!(election.contests[0].name, "Test");
}

#[test]
fn abif_errors_name_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let check = |text: &str, expected: &str| {
        let p = tmp.path().join("bad.abif");
        std::fs::write(&p, text).unwrap();
        let err = read_all(&p, Format::Abif, &SourceOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("bad.abif") && msg.contains(expected), "{msg}");
    };
    check("3:A>B\n12x:A\n", "record 2, field \"count\"");
    check("3:A>\n", "ends with a separator");
    check("3:[A>B\n", "not closed");
    check("A>B\n", "expected a ballot line");
    check("{not json\n", "metadata is not JSON");
    check("1000000000000:A\n", "more ballots than");
}

#[test]
fn header_line_bare_declarations_and_star_counts() {
    let path = testdata("abif/header_and_declarations.abif");
    assert_eq!(detect(&path).unwrap(), Format::Abif);
    let (election, cards) = read_all(&path, Format::Abif, &SourceOptions::default()).unwrap();
    let shown: Vec<String> = cards.iter().map(|c| ranking(&election, c)).collect();
    let mut want = vec!["1:North Shore 2:South Bank 3:East End"; 5];
    want.extend(vec!["1:South Bank 1:East End 2:North Shore"; 3]);
    want.extend(vec!["1:East End"; 2]);
    // Marks sort by rank then candidate id (interning order).
    let normalise = |s: &str| {
        let mut parts: Vec<&str> = s.split(' ').collect();
        parts.sort();
        parts.join(" ")
    };
    let got: Vec<String> = shown.iter().map(|s| normalise(s)).collect();
    let want: Vec<String> = want.iter().map(|s| normalise(s)).collect();
    assert_eq!(got, want);
}
