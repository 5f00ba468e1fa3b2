//! Hand-worked examples of the whole workflow logic: placing CVRs on the
//! manifest, round sizes, risk and the decision.

use super::*;
use canvass_model::{
    BallotManifest, Card, CardId, Choice, ContestKind, ContestVotes, Election, ManifestBatch, Mark,
};
use std::collections::BTreeMap;

/// An election with one plurality contest "Mayor" (Alice, Bob) and `votes`
/// CVRs: card i is in batch `b{i / 100 + 1}` at position `i % 100 + 1`.
fn election(votes: &[Option<&str>]) -> (Election, Vec<Card>) {
    let mut e = Election::default();
    let mayor = e.intern_contest("mayor", "Mayor", ContestKind::Plurality);
    let alice = e.contest_mut(mayor).intern_candidate("a", "Alice");
    let bob = e.contest_mut(mayor).intern_candidate("b", "Bob");
    let cards = votes
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut c = Card::new(CardId::new(format!("c{i}")));
            c.location.batch = Some(format!("b{}", i / 100 + 1));
            c.location.position = Some(i as u64 % 100 + 1);
            c.source.record = i as u64 + 1;
            let marks = match v {
                Some("Alice") => vec![Mark::vote(Choice::Candidate(alice))],
                Some("Bob") => vec![Mark::vote(Choice::Candidate(bob))],
                Some("both") => vec![
                    Mark::vote(Choice::Candidate(alice)),
                    Mark::vote(Choice::Candidate(bob)),
                ],
                _ => vec![],
            };
            c.contests.push(ContestVotes::new(mayor, marks));
            c
        })
        .collect();
    (e, cards)
}

fn manifest(batches: &[(&str, u64)]) -> BallotManifest {
    BallotManifest {
        batches: batches
            .iter()
            .map(|(b, n)| ManifestBatch {
                tabulator: None,
                batch: (*b).into(),
                cards: *n,
            })
            .collect(),
    }
}

fn build(
    e: &Election,
    cards: &[Card],
    m: &BallotManifest,
) -> Result<(AuditSpec, Vec<AuditCard>), String> {
    build_audit(&AuditInputs {
        election: e,
        cvrs: cards,
        manifest: m,
        targets: &["Mayor".to_owned()],
        risk_limit: 0.05,
        method: Method::Comparison,
    })
    .map_err(|e| e.to_string())
}

#[test]
fn cvrs_are_placed_on_the_manifest_and_the_rest_are_phantoms() {
    let (e, mut cards) = election(&[
        Some("Alice"),
        Some("Bob"),
        Some("both"),
        None,
        Some("Alice"),
    ]);
    // The third CVR has no position: it takes the first free one.
    cards[2].location.position = None;
    cards[0].location.position = Some(3);
    let (spec, placed) =
        build(&e, &cards, &manifest(&[("b1", 7)])).unwrap_or_else(|e| unreachable!("{e}"));
    let ids: Vec<Option<&str>> = placed.iter().map(|c| c.card_id.as_deref()).collect();
    assert_eq!(
        ids,
        [
            Some("c2"),
            Some("c1"),
            Some("c0"),
            Some("c3"),
            Some("c4"),
            None,
            None
        ]
    );
    assert_eq!((spec.cards, spec.cvrs, spec.phantoms), (7, 5, 2));
    let mayor = &spec.contests[0];
    // Alice 2, Bob 1; the card with both marked is an overvote; one blank.
    assert_eq!(mayor.candidates, ["Alice", "Bob", "Write-in"]);
    assert_eq!(mayor.reported, [2, 1, 0]);
    assert_eq!(mayor.winners, [0]);
    assert_eq!(
        (mayor.cvr_cards, mayor.universe, mayor.min_margin()),
        (5, 7, 1)
    );
    assert_eq!(placed[0].votes, [Selection::Overvote]);
    assert_eq!(placed[3].votes, [Selection::Blank]);
}

#[test]
fn a_batch_may_be_named_tabulator_dash_batch() {
    let (e, mut cards) = election(&[Some("Alice"), Some("Bob")]);
    for c in &mut cards {
        c.location.tabulator = Some("t7".into());
    }
    let (spec, placed) =
        build(&e, &cards, &manifest(&[("t7-b1", 2)])).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(spec.phantoms, 0);
    assert_eq!(placed[1].card_id.as_deref(), Some("c1"));
    assert_eq!(placed[1].batch, "t7-b1");
}

#[test]
fn cvrs_that_do_not_fit_the_manifest_are_refused() {
    let (e, cards) = election(&[Some("Alice"), Some("Bob"), Some("Alice")]);
    let check = |m: BallotManifest, cards: &[Card], want: &str| {
        assert_eq!(build(&e, cards, &m).err().as_deref(), Some(want));
    };
    check(
        manifest(&[("b2", 3)]),
        &cards,
        ", record 1: card \"c0\": batch \"b1\" is not in the ballot manifest",
    );
    check(
        manifest(&[("b1", 2)]),
        &cards,
        ", record 3: card \"c2\": position 3 is outside batch \"b1\", which holds 2 cards",
    );
    let mut dup = cards.clone();
    dup[1].location.position = Some(1);
    check(
        manifest(&[("b1", 3)]),
        &dup,
        ", record 2: card \"c1\": position 1 of batch \"b1\" already holds card \"c0\"",
    );
    let mut loose = cards.clone();
    loose[2].location.position = None;
    check(
        manifest(&[("b1", 2)]),
        &loose,
        ", record 3: card \"c2\": batch \"b1\" has more CVRs than the 2 cards the manifest lists",
    );
}

/// 1,000 cards in ten batches: Alice 600, Bob 400; diluted margin 0.2.
fn thousand() -> (AuditSpec, Vec<AuditCard>, TicketOrder) {
    let votes: Vec<Option<&str>> = (0..1000)
        .map(|i| Some(if i % 5 < 3 { "Alice" } else { "Bob" }))
        .collect();
    let (e, cards) = election(&votes);
    let m = manifest(
        &(1..=10)
            .map(|b| {
                (
                    ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10"][b - 1],
                    100,
                )
            })
            .collect::<Vec<_>>(),
    );
    let (spec, cards) = build(&e, &cards, &m).unwrap_or_else(|e| unreachable!("{e}"));
    let order = order_cards(&spec, &cards, "12345678901234567890");
    (spec, cards, order)
}

/// Paper for every card of `sample` as its CVR says, except that the first
/// `flip` cards whose CVR shows Alice show Bob.
fn read_all(cards: &[AuditCard], sample: &[usize], flip: usize) -> BTreeMap<usize, Paper> {
    let mut flipped = 0;
    sample
        .iter()
        .map(|&i| {
            let mut votes = cards[i].votes.clone();
            if flipped < flip && votes == [Selection::Votes(vec![0])] {
                votes = vec![Selection::Votes(vec![1])];
                flipped += 1;
            }
            (i, Paper::Found(votes))
        })
        .collect()
}

#[test]
fn clean_sample_confirms_with_the_kaplan_markov_risk() {
    let (spec, cards, order) = thousand();
    let plan = first_round(&spec);
    // Super-simple initial size, α = 0.05, μ = 0.2, Arlo's rates: n0 = 30,
    // o1 = u1 = 1, n = ⌈2γ(ln 20 + ln(1−1/2γ) ... )/μ⌉ = 34 by hand.
    assert_eq!(plan.sizes(), [34]);
    let sample = &order.by_contest[0][..34];
    let paper = read_all(&cards, sample, 0);
    let st = evaluate(&spec, &cards, &order, Some(&plan), &paper);
    // p = (1 − μ/2γ)^34.
    let want = (1.0 - 0.2 / (2.0 * 1.03905f64)).powi(34);
    assert!(
        (st[0].risk - want).abs() < 1e-12,
        "{} vs {want}",
        st[0].risk
    );
    assert_eq!(st[0].state, ContestState::Confirmed);
    assert_eq!(st[0].recorded, 34);
    assert!(next_round(&plan, &st, 0).is_err());
}

#[test]
fn a_gap_in_the_paper_keeps_the_round_open() {
    let (spec, cards, order) = thousand();
    let plan = first_round(&spec);
    let sample = &order.by_contest[0][..34];
    let mut paper = read_all(&cards, sample, 0);
    paper.remove(&sample[3]);
    let st = evaluate(&spec, &cards, &order, Some(&plan), &paper);
    // Only the first three cards in ticket order count: (1 − μ/2γ)^3.
    assert_eq!(st[0].recorded, 3);
    assert_eq!(st[0].state, ContestState::InProgress);
    assert_eq!(
        next_round(&plan, &st, 1)
            .map_err(|e| e.to_string())
            .err()
            .as_deref(),
        Some("cannot draw round 2: 1 cards of round 1 have no paper record yet")
    );
}

#[test]
fn a_two_vote_overstatement_asks_for_a_bigger_round_then_a_hand_count() {
    let (spec, cards, order) = thousand();
    let plan = first_round(&spec);
    let sample: Vec<usize> = order.by_contest[0][..34].to_vec();
    // One card whose CVR shows Alice shows Bob on paper.
    let paper = read_all(&cards, &sample, 1);
    let st = evaluate(&spec, &cards, &order, Some(&plan), &paper);
    let d = &st[0].discrepancies;
    assert_eq!((d.two_vote_over, d.one_vote_over, d.zero_weight), (1, 0, 0));
    // p = (1 − μ/2γ)^34 / (1 − 1/γ) = 0.8527.
    let g = 1.03905f64;
    let want = (1.0 - 0.2 / (2.0 * g)).powi(34) / (1.0 - 1.0 / g);
    assert!(
        (st[0].risk - want).abs() < 1e-12,
        "{} vs {want}",
        st[0].risk
    );
    let ContestState::NextRound {
        size,
        full_hand_count,
    } = st[0].state.clone()
    else {
        unreachable!("{:?}", st[0].state)
    };
    // Arlo's rule carries the rate 1/34 forward: about 680 cards.
    assert!((600..=700).contains(&size) && !full_hand_count, "{size}");
    let plan2 = next_round(&plan, &st, 0).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(plan2.round, 2);
    // Round 2's new cards are the next ones in ticket order.
    let round2 = round_sample(&order, &plan.sizes(), &plan2.sizes());
    assert_eq!(round2.len() as u64, size - 34);
    assert!(round2.iter().all(|e| e.new && e.sequence > 34));
    // Paper for all of round 2 with a flipped card every tenth: a full hand count.
    let sample2: Vec<usize> = order.by_contest[0][..size as usize].to_vec();
    let mut paper2 = read_all(&cards, &sample2, 1);
    for &i in sample2.iter().step_by(10) {
        paper2.insert(i, Paper::Found(vec![Selection::Votes(vec![1])]));
    }
    let st2 = evaluate(&spec, &cards, &order, Some(&plan2), &paper2);
    assert_eq!(
        st2[0].state,
        ContestState::NextRound {
            size: 1000,
            full_hand_count: true
        }
    );
}

#[test]
fn the_full_hand_count_is_the_outcome() {
    let (spec, cards, order) = thousand();
    let plan = RoundPlan {
        round: 3,
        contests: vec![RoundContest {
            contest: "Mayor".into(),
            sample_size: 1000,
            full_hand_count: true,
        }],
    };
    // On paper Bob has 520 and Alice 480: 120 Alice CVRs were Bob votes.
    let mut paper = BTreeMap::new();
    let mut flipped = 0;
    for (i, c) in cards.iter().enumerate() {
        let mut v = c.votes.clone();
        if v[0] == Selection::Votes(vec![0]) && flipped < 120 {
            v = vec![Selection::Votes(vec![1])];
            flipped += 1;
        }
        paper.insert(i, Paper::Found(v));
    }
    let st = evaluate(&spec, &cards, &order, Some(&plan), &paper);
    let ContestState::HandCount(h) = &st[0].state else {
        unreachable!("{:?}", st[0].state)
    };
    assert_eq!(h.tally.get("Alice"), Some(&480));
    assert_eq!(h.tally.get("Bob"), Some(&520));
    assert_eq!(h.winners, ["Bob"]);
    assert_eq!(h.reported_winners, ["Alice"]);
    assert!(h.outcome_changed && !h.tie);
    assert_eq!(st[0].risk, 0.0);
    assert_eq!(st[0].discrepancies.two_vote_over, 120);
}
