//! Single-round methods through the public API: cards in, results out.

#![allow(clippy::panic, clippy::indexing_slicing)]

use canvass_model::{
    CandidateId, Card, CardId, Choice, ContestKind, ContestVotes, Election, Fraction, Mark,
};
use canvass_tabulate::{Outcome, Tabulator, report};
use proptest::prelude::*;

/// Every contest's result of one contest with `names` as candidates;
/// `cards` lists each card's marks as candidate indexes (`overvote` means an
/// overvote mark as the source gives it).
fn results<M: AsRef<[u32]>>(
    kind: ContestKind,
    seats: u32,
    names: &[&str],
    cards: &[M],
    overvote: u32,
) -> Vec<canvass_tabulate::ContestResult> {
    let mut election = Election::default();
    let c = election.intern_contest("c1", "Contest", kind);
    election.contest_mut(c).seats = seats;
    for n in names {
        election.contest_mut(c).intern_candidate(n, n);
    }
    let mut t = Tabulator::new();
    for (i, marks) in cards.iter().enumerate() {
        let mut card = Card::new(CardId::new(i.to_string()));
        let marks = marks
            .as_ref()
            .iter()
            .map(|&m| {
                Mark::vote(if m == overvote {
                    Choice::Overvote
                } else {
                    Choice::Candidate(CandidateId(m))
                })
            })
            .collect();
        card.contests.push(ContestVotes::new(c, marks));
        t.add(&card);
    }
    t.results(&election)
}

/// The result of one contest with `names` as candidates; `cards` lists each
/// card's marks as candidate indexes (`9` means an overvote mark as the
/// source gives it).
fn run(
    kind: ContestKind,
    seats: u32,
    names: &[&str],
    cards: &[&[u32]],
) -> canvass_tabulate::ContestResult {
    let mut results = results(kind, seats, names, cards, 9);
    assert_eq!(results.len(), 1);
    results.remove(0)
}

fn ids(v: &[u32]) -> Vec<CandidateId> {
    v.iter().map(|&c| CandidateId(c)).collect()
}

#[test]
fn plurality_overvote_counts_for_nobody() {
    let r = run(
        ContestKind::Plurality,
        1,
        &["A", "B"],
        &[&[0], &[0], &[1], &[0, 1], &[], &[9]],
    );
    let t = r.tally.clone().unwrap_or_default();
    assert_eq!(t.votes, vec![2, 1]);
    assert_eq!(
        (t.overvotes, t.undervotes, t.blank, t.ballots),
        (2, 1, 1, 6)
    );
    assert_eq!(r.outcome, Outcome::Decided { winners: ids(&[0]) });
}

#[test]
fn vote_for_two_counts_partial_cards_and_overvotes() {
    let cards: &[&[u32]] = &[&[0, 1], &[0], &[0, 1, 2], &[2, 1], &[]];
    let r = run(ContestKind::Plurality, 2, &["A", "B", "C"], cards);
    let t = r.tally.clone().unwrap_or_default();
    assert_eq!(t.votes, vec![2, 2, 1]);
    // One vote unused on the [0] card, two on the blank card.
    assert_eq!((t.overvotes, t.undervotes, t.blank), (1, 3, 1));
    assert_eq!(
        r.outcome,
        Outcome::Decided {
            winners: ids(&[0, 1])
        }
    );
}

#[test]
fn tie_at_cut_line_is_reported_not_broken() {
    let r = run(
        ContestKind::Plurality,
        1,
        &["A", "B", "C"],
        &[&[0], &[1], &[2], &[1], &[0]],
    );
    assert_eq!(
        r.outcome,
        Outcome::Tie {
            winners: vec![],
            tied: ids(&[0, 1]),
            seats_left: 1
        }
    );
    let json = report::to_json(std::slice::from_ref(&r));
    assert!(json.contains("\"status\": \"tie\""), "{json}");
    assert!(json.contains("\"winners\": []"), "{json}");
}

#[test]
fn supermajority_needs_more_than_the_share() {
    let two_thirds = ContestKind::Supermajority(Fraction {
        numerator: 2,
        denominator: 3,
    });
    // 2 of 3 valid votes is exactly 2/3: not more, so no winner. The blank and
    // overvoted cards are not valid votes and do not move the threshold.
    let r = run(
        two_thirds.clone(),
        1,
        &["Yes", "No"],
        &[&[0], &[0], &[1], &[], &[0, 1]],
    );
    assert_eq!(r.outcome, Outcome::NoWinner);
    let r = run(
        two_thirds,
        1,
        &["Yes", "No"],
        &[&[0], &[0], &[0], &[1], &[], &[0, 1]],
    );
    assert_eq!(r.outcome, Outcome::Decided { winners: ids(&[0]) });
}

#[test]
fn approval_counts_every_approved_candidate() {
    let r = run(
        ContestKind::Approval,
        1,
        &["A", "B", "C"],
        &[&[0, 1, 2], &[1, 2], &[1], &[]],
    );
    let t = r.tally.clone().unwrap_or_default();
    assert_eq!(t.votes, vec![1, 3, 2]);
    assert_eq!(r.outcome, Outcome::Decided { winners: ids(&[1]) });
}

#[test]
fn ranked_contest_goes_to_the_ranked_engine() {
    // `run` puts all marks at rank 1, so [0] [0] [1] is a plain majority.
    let r = run(ContestKind::Ranked, 1, &["A", "B"], &[&[0], &[0], &[1]]);
    assert_eq!(r.outcome, Outcome::Decided { winners: ids(&[0]) });
    assert_eq!(r.rounds.len(), 1);
    assert_eq!(
        r.rounds[0].tally[0],
        (CandidateId(0), canvass_tabulate::RoundVotes::whole(2))
    );
}

#[test]
fn ranked_tie_stops_the_count_and_names_it() {
    let r = run(
        ContestKind::Ranked,
        1,
        &["A", "B", "C"],
        &[&[0], &[0], &[1], &[1], &[2]],
    );
    assert!(r.rounds.is_empty());
    // C is eliminated first; then A and B tie with nobody's votes to move.
    let Outcome::Error(e) = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert!(e.contains("tie"), "{e}");
}

#[test]
fn a_contest_listed_twice_on_a_card_counts_once() {
    let mut election = Election::default();
    let c = election.intern_contest("c1", "Contest", ContestKind::Plurality);
    let a = election.contest_mut(c).intern_candidate("a", "A");
    let b = election.contest_mut(c).intern_candidate("b", "B");
    let vote = |x| vec![Mark::vote(Choice::Candidate(x))];
    let mut t = Tabulator::new();
    let mut card = Card::new(CardId::new("1"));
    card.contests.push(ContestVotes::new(c, vote(a)));
    card.contests.push(ContestVotes::new(c, vote(b)));
    t.add(&card);
    let mut card = Card::new(CardId::new("2"));
    card.contests.push(ContestVotes::new(c, vote(a)));
    card.contests.push(ContestVotes::new(c, vec![]));
    t.add(&card);
    let r = &t.results(&election)[0];
    let tally = r.tally.clone().unwrap_or_default();
    assert_eq!(tally.ballots, 2);
    assert_eq!((tally.votes.clone(), tally.overvotes), (vec![1, 0], 1));
}

#[test]
fn a_contest_without_candidates_has_no_winner() {
    let r = run(ContestKind::Plurality, 1, &[], &[&[], &[]]);
    assert_eq!(r.outcome, Outcome::NoWinner);
}

#[test]
fn contests_not_on_any_card_are_not_reported() {
    let mut election = Election::default();
    election.intern_contest("c1", "One", ContestKind::Plurality);
    assert!(Tabulator::new().results(&election).is_empty());
}

#[test]
fn csv_and_text_name_every_candidate() {
    let r = run(ContestKind::Plurality, 1, &["A", "B"], &[&[0], &[1], &[0]]);
    let csv = report::to_csv(std::slice::from_ref(&r)).unwrap_or_default();
    assert_eq!(
        csv,
        "contest_id,contest,method,seats,ballots,round,candidate,votes,winner,status\n\
         c1,Contest,plurality,1,3,1,A,2,true,decided\n\
         c1,Contest,plurality,1,3,1,B,1,false,decided\n"
    );
    let text = report::to_text(std::slice::from_ref(&r));
    assert!(text.contains("winner: A"), "{text}");
    assert!(text.contains("66.67%"), "{text}");
}

fn card_marks() -> impl Strategy<Value = Vec<Vec<u32>>> {
    // Up to 4 candidates (index 4 stands for an overvote mark), up to 60 cards.
    prop::collection::vec(prop::collection::vec(0u32..5, 0..5), 0..60)
}

/// [`results`] with candidates A–D (index 4 stands for an overvote mark).
fn tabulate(
    kind: ContestKind,
    seats: u32,
    cards: &[Vec<u32>],
) -> Vec<canvass_tabulate::ContestResult> {
    results(kind, seats, &["A", "B", "C", "D"], cards, 4)
}

proptest! {
    #[test]
    fn tallies_conserve_ballots(cards in card_marks(), seats in 1u32..4) {
        for r in tabulate(ContestKind::Plurality, seats, &cards) {
            let t = r.tally.unwrap_or_default();
            let s = u64::from(seats);
            prop_assert_eq!(t.ballots, cards.len() as u64);
            prop_assert_eq!(t.valid_votes() + t.undervotes + s * t.overvotes, s * t.ballots);
            prop_assert_eq!(t.voted + t.overvotes + t.blank, t.ballots);
        }
        for r in tabulate(ContestKind::Approval, seats, &cards) {
            let t = r.tally.unwrap_or_default();
            prop_assert_eq!(t.voted + t.overvotes + t.blank, t.ballots);
            prop_assert_eq!(t.undervotes, t.blank);
            prop_assert!(t.votes.iter().all(|&v| v <= t.voted));
        }
    }

    #[test]
    fn result_is_independent_of_card_order(cards in card_marks(), seats in 1u32..3, rotate in 0usize..60) {
        let mut shuffled = cards.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let k = rotate % shuffled.len();
            shuffled.rotate_left(k);
        }
        for kind in [
            ContestKind::Plurality,
            ContestKind::Approval,
            ContestKind::Supermajority(Fraction { numerator: 1, denominator: 2 }),
        ] {
            let a = tabulate(kind.clone(), seats, &cards);
            let b = tabulate(kind, seats, &shuffled);
            prop_assert_eq!(report::to_json(&a), report::to_json(&b));
        }
    }

    #[test]
    fn winners_never_have_fewer_votes_than_losers(cards in card_marks(), seats in 1u32..4) {
        for r in tabulate(ContestKind::Plurality, seats, &cards) {
            let t = r.tally.clone().unwrap_or_default();
            let winners = r.outcome.winners().to_vec();
            prop_assert!(winners.len() <= seats as usize);
            for w in &winners {
                for (c, &v) in t.votes.iter().enumerate() {
                    if !winners.contains(&CandidateId(c as u32)) {
                        prop_assert!(t.votes[w.index()] > v);
                    }
                }
            }
        }
    }
}
