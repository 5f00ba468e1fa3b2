//! Hart Verity CVR XML: SHANGRLA's fixtures, RCTab's archive and case
//! `hart_cedar_park_school_board`, zips and damaged zips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{Format, FormatError, SourceOptions, detect};
use canvass_model::{CandidateKind, Card, Choice, Election};
use common::{count, data, rctab_sources, read_all};
use std::io::Write;
use std::path::Path;

/// Every contest of a card as `contest: rank:name ...`.
fn show(election: &Election, card: &Card) -> Vec<String> {
    card.contests
        .iter()
        .map(|v| {
            let contest = election.contest(v.contest);
            let marks: Vec<String> = v
                .marks
                .iter()
                .map(|m| match m.choice {
                    Choice::Candidate(c) => {
                        format!("{}:{}", m.rank, contest.candidate(c).unwrap().name)
                    }
                    Choice::Overvote => format!("{}:OVERVOTE", m.rank),
                })
                .collect();
            format!("{}: {}", contest.name, marks.join(" "))
        })
        .collect()
}

#[test]
fn shangrla_hart_fixtures() {
    let Some(data) = data() else { return };
    let dir = data.join("shangrla/Hart_CVRs");
    assert_eq!(detect(&dir).unwrap(), Format::Hart);
    let (election, cards) = read_all(&dir, Format::Hart, &SourceOptions::default()).unwrap();
    assert_eq!(cards.len(), 2);
    // Two sheets of one ballot: same guid, sheets 2 and 3.
    assert_eq!(cards[0].id.as_str(), "0a7EqyblZ6CMFQbkN0kkRykS5w40Wg8q-2");
    assert_eq!(cards[1].id.as_str(), "0a7EqyblZ6CMFQbkN0kkRykS5w40Wg8q-3");
    assert_eq!(
        cards[0].ballot_id.as_deref(),
        Some("0a7EqyblZ6CMFQbkN0kkRykS5w40Wg8q")
    );
    assert_eq!(cards[0].precinct.as_deref(), Some("68059"));
    assert_eq!(cards[0].location.batch.as_deref(), Some("2280"));
    assert_eq!(cards[0].location.position, Some(1));
    assert_eq!(
        show(&election, &cards[0]),
        [
            "PRESIDENT: 1:George Washington",
            "GOVERNOR: ",
            // An unresolved write-in has no name: it is named by its option id.
            "MAYOR: 1:07fe246b-171c-40fe-809a-eaa129226960",
        ]
    );
    let mayor = election.find_contest_by_name("MAYOR").unwrap();
    let w = &election.contest(mayor).candidates[0];
    assert_eq!(w.kind, CandidateKind::WriteIn);
    assert!(cards[0].contests[1].is_undervote());
}

#[test]
fn rctab_hart_archive_and_cedar_park_case() {
    let Some(data) = data() else { return };
    let archive = data.join("rctab/_shared/hart_cvr_archive");
    assert_eq!(
        count(&archive, Format::Hart, &SourceOptions::default()).unwrap(),
        18
    );
    let s = rctab_sources(&data.join("rctab/hart_cedar_park_school_board")).remove(0);
    let (election, cards) = read_all(&s.path, Format::Hart, &s.options).unwrap();
    // RCTab counts the 9 cards that hold the contest.
    assert_eq!(cards.len(), 9);
    assert!(cards.iter().all(|c| c.contests.len() == 1));
    let contest = &election.contests[0];
    assert_eq!(contest.external_id, "b651b997-417a-46d9-a676-a43d4df94ddc");
    assert_eq!(contest.max_ranks, Some(6));
    // Candidates are found by name or by the option id RCTab's aliases use.
    let tony = contest
        .find_candidate_by_name("6f2df7d3-5c83-4fc7-b4a5-c2eca9e5fdb4")
        .unwrap();
    assert_eq!(contest.candidate(tony).unwrap().name, "Tony Hernandez");
    let card = cards
        .iter()
        .find(|c| c.ballot_id.as_deref() == Some("3f078997-6eee-48a0-8c32-71288748d187"))
        .unwrap();
    assert_eq!(
        show(&election, card),
        [
            "CEDAR PARK SCHOOL BOARD: 1:Steve Carlson 2:Tony Hernandez 3:Betty McCollum 4:April King 5:Bev Scalze 6:Russ Bertsch"
        ]
    );
}

fn zip_folder(dir: &Path, out: &Path) {
    let file = std::fs::File::create(out).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(p.file_name().unwrap().to_string_lossy(), opts)
            .unwrap();
        zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn hart_zip_reads_like_the_folder_and_truncated_zip_is_named() {
    let Some(data) = data() else { return };
    let archive = data.join("rctab/_shared/hart_cvr_archive");
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("hart.zip");
    zip_folder(&archive, &zip_path);
    assert_eq!(detect(&zip_path).unwrap(), Format::Hart);
    let (_, from_zip) = read_all(&zip_path, Format::Hart, &SourceOptions::default()).unwrap();
    let (_, from_dir) = read_all(&archive, Format::Hart, &SourceOptions::default()).unwrap();
    let ids = |cs: &[Card]| cs.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&from_zip), ids(&from_dir));
    assert!(from_zip[0].source.file.contains("hart.zip/"));

    let bytes = std::fs::read(&zip_path).unwrap();
    let cut = tmp.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_all(&cut, Format::Hart, &SourceOptions::default()).unwrap_err();
    assert!(matches!(err, FormatError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("cut.zip"), "{err}");
    let err = detect(&cut).unwrap_err();
    assert!(matches!(err, FormatError::Truncated { .. }), "{err}");
}

#[test]
fn hart_document_errors_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let check = |name: &str, text: &str, expected: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        let err = read_all(&p, Format::Hart, &SourceOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(name) && msg.contains(expected), "{msg}");
    };
    check("cut.xml", "<Cvr><Contests><Contest><Id>a</Id>", "truncated");
    check("root.xml", "<Other/>", "not <Cvr>");
    check(
        "value.xml",
        "<Cvr><Contests><Contest><Id>a</Id><Options><Option><Id>x</Id><Value>2</Value></Option></Options></Contest></Contests></Cvr>",
        "Value",
    );
    check(
        "noid.xml",
        "<Cvr><Contests><Contest><Name>a</Name></Contest></Contests></Cvr>",
        "Contest/Id",
    );
}
