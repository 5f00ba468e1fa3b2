//! Writing an election and its cards as CDF JSON or as a Dominion export and
//! reading them back gives the same model (up to what each format can hold).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_formats::dominion_json_writer::DominionJsonWriter;
use canvass_formats::{Format, SourceOptions, read_path};
use canvass_model::{
    Candidate, CandidateId, CandidateKind, Card, CardId, CardLocation, Choice, Contest, ContestId,
    ContestKind, ContestVotes, Election, Mark, SourceRef,
};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;

/// A contest: kind (0 plurality, 1 ranked, 2 approval), seats, candidates,
/// and whether it has an undeclared write-in bucket.
type ContestSpec = (u8, u32, usize, bool);

fn election_of(specs: &[ContestSpec], allow_approval: bool) -> Election {
    let mut election = Election {
        name: Some("Round \"trip\" election".into()),
        contests: Vec::new(),
    };
    for (i, &(kind, seats, n, uwi)) in specs.iter().enumerate() {
        let kind = match kind % 3 {
            1 => ContestKind::Ranked,
            2 if allow_approval => ContestKind::Approval,
            _ => ContestKind::Plurality,
        };
        let id = ContestId(i as u32);
        let mut c = Contest::new(id, &format!("c{i}"), &format!("Contest {i} ✓"), kind);
        c.seats = seats;
        for k in 0..n {
            c.candidates.push(Candidate {
                id: CandidateId(k as u32),
                external_id: format!("c{i}-k{k}"),
                name: format!("Candidate {k} of {i}"),
                aliases: Vec::new(),
                kind: CandidateKind::Regular,
            });
        }
        if uwi {
            c.candidates.push(Candidate {
                id: CandidateId(n as u32),
                external_id: format!("c{i}-uwi"),
                name: "Undeclared Write-ins".into(),
                aliases: Vec::new(),
                kind: CandidateKind::UndeclaredWriteIn,
            });
        }
        election.contests.push(c);
    }
    election
}

/// Per card: precinct, style, group, and per contest (on card?, marks as
/// (rank, candidate index)).
type CardSpec = (
    Option<u8>,
    Option<u8>,
    Option<u8>,
    Vec<(bool, Vec<(u32, usize)>)>,
);

fn cards_of(election: &Election, specs: &[CardSpec], overvotes: bool) -> Vec<Card> {
    specs
        .iter()
        .enumerate()
        .map(|(n, (precinct, style, group, contests))| {
            let (t, b, r) = (100 + n % 3, 1 + n % 2, n + 1);
            let mut card = Card::new(CardId::new(format!("{t}-{b}-{r}")));
            card.location = CardLocation {
                tabulator: Some(t.to_string()),
                batch: Some(b.to_string()),
                position: Some(r as u64),
                imprinted_id: Some(format!("{t}-{b}-{r}")),
            };
            card.precinct = precinct.map(|p| format!("Precinct {p}"));
            card.ballot_style = style.map(|s| format!("{s}"));
            card.counting_group = group.map(|g| ["Election Day", "Mail"][g as usize % 2].into());
            for (contest, (on, marks)) in election.contests.iter().zip(contests) {
                if !on {
                    continue;
                }
                let mut set = BTreeSet::new();
                for &(rank, k) in marks {
                    let rank = if contest.kind == ContestKind::Ranked {
                        rank
                    } else {
                        1
                    };
                    let choice = if k >= contest.candidates.len() {
                        if overvotes {
                            Choice::Overvote
                        } else {
                            continue;
                        }
                    } else {
                        Choice::Candidate(CandidateId(k as u32))
                    };
                    set.insert(Mark::ranked(rank, choice));
                }
                card.contests
                    .push(ContestVotes::new(contest.id, set.into_iter().collect()));
            }
            card
        })
        .collect()
}

fn read_back(path: &Path, format: Format) -> (Election, Vec<Card>) {
    let mut election = Election::default();
    let mut cards = Vec::new();
    read_path(
        path,
        format,
        &SourceOptions::default(),
        &mut election,
        &mut |_, c| {
            cards.push(c);
            Ok(())
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (election, cards)
}

fn strip(mut card: Card, keep_group: bool) -> Card {
    card.source = SourceRef::default();
    if !keep_group {
        card.counting_group = None;
    }
    card
}

fn strategy(kinds: u8) -> impl Strategy<Value = (Vec<ContestSpec>, Vec<CardSpec>)> {
    prop::collection::vec((0..kinds, 1u32..3, 1usize..5, any::<bool>()), 1..4).prop_flat_map(
        |contests| {
            let n = contests.len();
            let card = (
                prop::option::of(0u8..4),
                prop::option::of(0u8..3),
                prop::option::of(0u8..2),
                prop::collection::vec(
                    (
                        any::<bool>(),
                        prop::collection::vec((1u32..4, 0usize..7), 0..4),
                    ),
                    n,
                ),
            );
            (Just(contests), prop::collection::vec(card, 0..12))
        },
    )
}

fn cdf_round_trip(contests: &[ContestSpec], cards: &[CardSpec], election_first: bool) {
    let election = election_of(contests, true);
    let cards = cards_of(&election, cards, true);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cvr.json");
    let file = std::fs::File::create(&path).unwrap();
    let mut w = CdfJsonWriter::new(
        std::io::BufWriter::new(file),
        election_first.then_some(&election),
    )
    .unwrap();
    for c in &cards {
        w.write_card(&election, c).unwrap();
    }
    w.finish(&election).unwrap();
    let (got_election, got_cards) = read_back(&path, Format::CdfJson);
    assert_eq!(got_election, election);
    let want: Vec<Card> = cards.into_iter().map(|c| strip(c, false)).collect();
    let got: Vec<Card> = got_cards.into_iter().map(|c| strip(c, false)).collect();
    assert_eq!(got, want);
}

/// A contest without its ids: name, kind, seats, ranks, candidates.
type ContestShape = (
    String,
    ContestKind,
    u32,
    Option<u32>,
    Vec<(String, CandidateKind)>,
);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn cdf_json_round_trip_election_first((contests, cards) in strategy(3)) {
        cdf_round_trip(&contests, &cards, true);
    }

    #[test]
    fn cdf_json_round_trip_election_last((contests, cards) in strategy(3)) {
        cdf_round_trip(&contests, &cards, false);
    }

    #[test]
    fn dominion_json_round_trip((contests, cards) in strategy(2)) {
        let mut election = election_of(&contests, false);
        for c in &mut election.contests {
            if c.kind == ContestKind::Ranked {
                c.max_ranks = Some(3);
            }
        }
        let cards = cards_of(&election, &cards, false);
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("export");
        let mut w = DominionJsonWriter::new(&folder, &election).unwrap();
        for c in &cards {
            w.write_card(&election, c).unwrap();
        }
        w.finish(&election).unwrap();
        let (got_election, got_cards) = read_back(&folder, Format::DominionJson);
        // Dominion numbers contests and candidates itself: compare all but external ids.
        let shape = |e: &Election| -> Vec<ContestShape> {
            e.contests
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.kind.clone(),
                        c.seats,
                        c.max_ranks,
                        c.candidates.iter().map(|k| (k.name.clone(), k.kind)).collect(),
                    )
                })
                .collect()
        };
        prop_assert_eq!(shape(&got_election), shape(&election));
        let want: Vec<Card> = cards.into_iter().map(|c| strip(c, true)).collect();
        let got: Vec<Card> = got_cards.into_iter().map(|c| strip(c, true)).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn dominion_writer_refuses_an_unnamed_overvote() {
    let election = election_of(&[(0, 1, 2, false)], false);
    let mut card = Card::new(CardId::new("1-1-1"));
    card.contests.push(ContestVotes::new(
        ContestId(0),
        vec![Mark::vote(Choice::Overvote)],
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut w = DominionJsonWriter::new(dir.path(), &election).unwrap();
    assert!(w.write_card(&election, &card).is_err());
}
