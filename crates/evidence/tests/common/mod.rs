//! What the tests of the two card encodings (`canonical_card.rs`, JSON
//! `canvass.card.v1`; `card_leaf.rs`, binary `canvass.card.v2`) share.
#![allow(dead_code)]

use canvass_evidence::EvidenceError;
use canvass_model::{
    CandidateId, Card, CardId, Choice, ContestId, ContestKind, ContestVotes, Election, Mark,
};

/// An election of one contest, `mayor`, and the cards of it that every card
/// encoding refuses, each with the error it must give: a contest the
/// election does not hold, a candidate the contest does not hold, and a
/// contest twice.
pub fn refused_cards() -> (Election, Vec<(Card, EvidenceError)>) {
    let mut e = Election::default();
    let mayor = e.intern_contest("mayor", "Mayor", ContestKind::Plurality);
    let card = |contests: Vec<ContestVotes>| {
        let mut c = Card::new(CardId::new("x"));
        c.contests = contests;
        c
    };
    let cases = vec![
        (
            card(vec![ContestVotes::new(ContestId(5), vec![])]),
            EvidenceError::UnknownContest {
                card: "x".into(),
                contest: 5,
            },
        ),
        (
            card(vec![ContestVotes::new(
                mayor,
                vec![Mark::vote(Choice::Candidate(CandidateId(3)))],
            )]),
            EvidenceError::UnknownCandidate {
                card: "x".into(),
                contest: "mayor".into(),
                candidate: 3,
            },
        ),
        (
            card(vec![
                ContestVotes::new(mayor, vec![]),
                ContestVotes::new(mayor, vec![]),
            ]),
            EvidenceError::DuplicateContest {
                card: "x".into(),
                contest: "mayor".into(),
            },
        ),
    ];
    (e, cases)
}
