//! RAIRE inputs: SHANGRLA's ballot-level `.raire` CSVs and raire-rs's NSW
//! 2021 JSON contests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{
    Format, FormatError, SourceOptions, detect, raire_json_total_auditable_ballots,
};
use canvass_model::Choice;
use common::{count, data, read_all};

#[test]
fn shangrla_raire_csv_ballot_counts() {
    let Some(data) = data() else { return };
    // Ballots = lines after the header; Albury's equals "Ballots involved
    // in audit (#)": 46357 in albury.json.
    let check = |name: &str, ballots: u64, candidates: usize| {
        let path = data.join("shangrla").join(name);
        assert_eq!(detect(&path).unwrap(), Format::RaireCsv);
        let (election, cards) =
            read_all(&path, Format::RaireCsv, &SourceOptions::default()).unwrap();
        assert_eq!(cards.len() as u64, ballots, "{name}");
        assert_eq!(election.contests[0].candidates.len(), candidates, "{name}");
    };
    check("Berkeley_2010_D1CityCouncil.raire", 5700, 5);
    check("Berkeley_2010_D7CityCouncil.raire", 4184, 4);
    check("albury.raire", 46357, 5);
}

#[test]
fn raire_csv_content() {
    let Some(data) = data() else { return };
    let path = data.join("shangrla/Berkeley_2010_D1CityCouncil.raire");
    let (election, cards) = read_all(&path, Format::RaireCsv, &SourceOptions::default()).unwrap();
    // `1,1,378`: ballot 1 ranks candidate 378 first, on line 3.
    assert_eq!(cards[0].id.as_str(), "1");
    assert_eq!(cards[0].source.record, 3);
    let contest = &election.contests[0];
    let m = cards[0].contests[0].marks[0];
    let Choice::Candidate(c) = m.choice else {
        panic!()
    };
    assert_eq!(
        (m.rank, contest.candidate(c).unwrap().name.as_str()),
        (1, "378")
    );
}

#[test]
fn raire_csv_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let check = |text: &str, expected: &str| {
        let p = tmp.path().join("bad.raire");
        std::fs::write(&p, text).unwrap();
        let err = read_all(&p, Format::RaireCsv, &SourceOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("bad.raire") && msg.contains(expected), "{msg}");
    };
    check("1\nContest,1,2,a,b\n1,7,a,c\n", "unknown candidate \"c\"");
    check("1\nContest,1,2,a,b\n2,7,a\n", "unknown contest \"2\"");
    check("2\nContest,1,2,a,b\n", "truncated");
    check("1\nContest,1,3,a,b\n", "declares 3 candidates");
    check("x\n", "not a raire-csv file");
}

#[test]
fn nsw_2021_json_totals_equal_sum_of_n() {
    let Some(data) = data() else { return };
    let dir = data.join("raire-nsw2021");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.ends_with(".json") && !n.ends_with("_out.json")
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 33);
    let mut with_total = 0;
    for path in &files {
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let sum_n: u64 = doc["votes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["n"].as_u64().unwrap())
            .sum();
        let cards = count(path, Format::RaireJson, &SourceOptions::default()).unwrap();
        assert_eq!(cards, sum_n, "{}", path.display());
        if let Some(total) = raire_json_total_auditable_ballots(path).unwrap() {
            assert_eq!(cards, total, "{}", path.display());
            with_total += 1;
        }
    }
    assert!(with_total >= 1);
}

#[test]
fn city_of_sydney_json() {
    let Some(data) = data() else { return };
    let path = data.join("raire-nsw2021/City of Sydney Mayoral.json");
    assert_eq!(detect(&path).unwrap(), Format::RaireJson);
    let (election, cards) = read_all(&path, Format::RaireJson, &SourceOptions::default()).unwrap();
    assert_eq!(cards.len(), 118_511);
    let contest = &election.contests[0];
    assert_eq!(contest.candidates.len(), 6);
    assert_eq!(contest.candidates[5].name, "MOORE Clover");
    assert_eq!(cards[0].id.as_str(), "City of Sydney Mayoral-1");
    // First vote line: n=1, prefs [5,4,3,0,1,2].
    let first: Vec<u32> = cards[0].contests[0]
        .marks
        .iter()
        .map(|m| match m.choice {
            Choice::Candidate(c) => c.0,
            Choice::Overvote => u32::MAX,
        })
        .collect();
    assert_eq!(first, [5, 4, 3, 0, 1, 2]);
}

#[test]
fn raire_json_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("x.json");
    std::fs::write(
        &p,
        r#"{"metadata":{"candidates":["a"]},"votes":[{"n":1,"prefs":[1]}]}"#,
    )
    .unwrap();
    let err = read_all(&p, Format::RaireJson, &SourceOptions::default()).unwrap_err();
    assert!(matches!(err, FormatError::UnknownCandidate { .. }), "{err}");
    std::fs::write(&p, r#"{"metadata":{"candidates":["a"]},"votes":[{"n":1,"#).unwrap();
    let err = read_all(&p, Format::RaireJson, &SourceOptions::default()).unwrap_err();
    assert!(matches!(err, FormatError::Truncated { .. }), "{err}");
}

#[test]
fn raire_csv_groups_a_ballots_contests_into_one_card() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("two.raire");
    std::fs::write(
        &p,
        "2\nContest,M,2,a,b\nContest,C,3,x,y,z\nM,b1,a,b\nC,b1,z\nM,b2,b\nC,b3,y,x\n",
    )
    .unwrap();
    let (election, cards) = read_all(&p, Format::RaireCsv, &SourceOptions::default()).unwrap();
    let shown: Vec<(String, Vec<(String, usize)>)> = cards
        .iter()
        .map(|c| {
            let contests = c
                .contests
                .iter()
                .map(|v| {
                    (
                        election.contest(v.contest).external_id.clone(),
                        v.marks.len(),
                    )
                })
                .collect();
            (c.id.to_string(), contests)
        })
        .collect();
    let want: Vec<(String, Vec<(String, usize)>)> = vec![
        ("b1".into(), vec![("M".into(), 2), ("C".into(), 1)]),
        ("b2".into(), vec![("M".into(), 1)]),
        ("b3".into(), vec![("C".into(), 2)]),
    ];
    assert_eq!(shown, want);
    assert_eq!(cards[1].source.record, 6);
}
