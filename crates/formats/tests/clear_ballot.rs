//! Clear Ballot CVR CSV: RCTab case `clear_ballot_with_inline_comma`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{Format, FormatError, SourceOptions};
use canvass_model::{Choice, ContestKind};
use common::{data, rctab_sources, read_all};

#[test]
fn clear_ballot_with_inline_comma() {
    let Some(data) = data() else { return };
    let s = rctab_sources(&data.join("rctab/clear_ballot_with_inline_comma")).remove(0);
    assert_eq!(
        s.options.contest.as_deref(),
        Some("City of Portland, Auditor")
    );
    let (election, cards) = read_all(&s.path, Format::ClearBallot, &s.options).unwrap();
    assert_eq!(cards.len(), 178);
    assert_eq!(election.contests.len(), 1);
    let contest = &election.contests[0];
    assert_eq!(contest.name, "City of Portland, Auditor");
    assert_eq!(contest.kind, ContestKind::Ranked);
    assert_eq!(contest.max_ranks, Some(2));
    let names: Vec<&str> = contest.candidates.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Simone test Rede", "Write-in-28", "Lisa Simpson"]);
    // RowNumber 90: "RCV-0256+10003", precinct 79, style 2, Simone 1st, Write-in 2nd.
    let card = cards.iter().find(|c| c.source.record == 91).unwrap();
    assert_eq!(card.id.as_str(), "RCV-0256+10003");
    assert_eq!(card.precinct.as_deref(), Some("79"));
    assert_eq!(card.ballot_style.as_deref(), Some("2"));
    assert_eq!(card.location.batch.as_deref(), Some("RCV-0256"));
    assert_eq!(card.location.position, Some(1));
    assert_eq!(card.location.tabulator.as_deref(), Some("ScanStation3"));
    let marks: Vec<(u32, &str)> = card.contests[0]
        .marks
        .iter()
        .map(|m| match m.choice {
            Choice::Candidate(c) => (m.rank, contest.candidate(c).unwrap().name.as_str()),
            Choice::Overvote => (m.rank, "OVERVOTE"),
        })
        .collect();
    assert_eq!(marks, [(1, "Simone test Rede"), (2, "Write-in-28")]);
    // The first rows mark nothing: undervotes, kept.
    assert!(cards[0].contests[0].is_undervote());
}

#[test]
fn clear_ballot_unknown_contest_and_bad_cells() {
    let Some(data) = data() else { return };
    let s = rctab_sources(&data.join("rctab/clear_ballot_with_inline_comma")).remove(0);
    let other = SourceOptions {
        contest: Some("Mayor".into()),
        ..s.options.clone()
    };
    let err = read_all(&s.path, Format::ClearBallot, &other).unwrap_err();
    assert!(matches!(err, FormatError::UnknownContest { .. }), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("cb.csv");
    std::fs::write(
        &p,
        "RowNumber,BallotID,PrecinctID,\"Choice_1_1:Mayor:1:Number of Winners 1:Ann:NON\"\n1,b1,3,7\n",
    )
    .unwrap();
    let err = read_all(&p, Format::ClearBallot, &SourceOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("record 2, field \"column 4\""),
        "{err}"
    );
    let p = tmp.path().join("generic.csv");
    std::fs::write(&p, "id,A,B\n1,1,2\n").unwrap();
    let err = read_all(&p, Format::ClearBallot, &SourceOptions::default()).unwrap_err();
    assert!(matches!(err, FormatError::WrongFormat { .. }), "{err}");
}
