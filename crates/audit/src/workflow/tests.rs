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
        risk_function: RiskFunction::KaplanMarkov,
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

/// A ranked election "Mayor" (A, B, C) with the given rankings (candidate
/// indexes, most preferred first), `n` cards each; cards in batches of 100.
fn ranked_election(groups: &[(&[u32], usize)], seats: u32) -> (Election, Vec<Card>) {
    let mut e = Election::default();
    let mayor = e.intern_contest("mayor", "Mayor", ContestKind::Ranked);
    e.contest_mut(mayor).seats = seats;
    let ids: Vec<_> = ["A", "B", "C"]
        .iter()
        .map(|n| e.contest_mut(mayor).intern_candidate(n, n))
        .collect();
    let mut cards = Vec::new();
    for (prefs, n) in groups {
        for _ in 0..*n {
            let i = cards.len();
            let mut c = Card::new(CardId::new(format!("c{i}")));
            c.location.batch = Some(format!("b{}", i / 100 + 1));
            c.location.position = Some(i as u64 % 100 + 1);
            c.source.record = i as u64 + 1;
            let marks = prefs
                .iter()
                .enumerate()
                .map(|(r, &p)| Mark::ranked(r as u32 + 1, Choice::Candidate(ids[p as usize])))
                .collect();
            c.contests.push(ContestVotes::new(mayor, marks));
            cards.push(c);
        }
    }
    (e, cards)
}

fn batches(cards: usize) -> BallotManifest {
    let names: Vec<String> = (1..=cards.div_ceil(100)).map(|b| format!("b{b}")).collect();
    let list: Vec<(&str, u64)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), (cards - i * 100).min(100) as u64))
        .collect();
    manifest(&list)
}

fn build_with(
    e: &Election,
    cards: &[Card],
    method: Method,
    risk_function: RiskFunction,
) -> Result<(AuditSpec, Vec<AuditCard>), String> {
    build_audit(&AuditInputs {
        election: e,
        cvrs: cards,
        manifest: &batches(cards.len()),
        targets: &["Mayor".to_owned()],
        risk_limit: 0.05,
        method,
        risk_function,
    })
    .map_err(|e| e.to_string())
}

const EVERY_RISK_FUNCTION: [RiskFunction; 3] = [
    RiskFunction::KaplanMarkov,
    RiskFunction::Alpha,
    RiskFunction::Betting,
];

/// First preferences A 400, B 350, C 250; C's ballots go 150 to A and 100
/// to B, so A wins 550 to 450 after C is eliminated.
const IRV: [(&[u32], usize); 5] = [
    (&[0, 1], 400),
    (&[1, 0], 350),
    (&[2, 0], 150),
    (&[2, 1], 100),
    (&[2], 0),
];

/// Run rounds until the contest is confirmed or hand counted, the board
/// reading `truth(card index)` from the paper. Returns the last status and
/// the number of rounds.
fn run_audit(
    spec: &AuditSpec,
    cards: &[AuditCard],
    truth: &dyn Fn(usize) -> Selection,
) -> (ContestStatus, u32) {
    let order = order_cards(spec, cards, "12345678901234567890");
    let mut plan = first_round(spec);
    let mut paper = BTreeMap::new();
    loop {
        for &i in order.by_contest[0].iter().take(plan.sizes()[0] as usize) {
            paper.insert(i, Paper::Found(vec![truth(i)]));
        }
        let st = evaluate(spec, cards, &order, Some(&plan), &paper);
        match &st[0].state {
            ContestState::NextRound { .. } => {
                plan = next_round(&plan, &st, 0).unwrap_or_else(|e| unreachable!("{e}"));
            }
            _ => return (st[0].clone(), plan.round),
        }
    }
}

#[test]
fn an_irv_contest_is_audited_through_raire_assertions() {
    let (e, cvrs) = ranked_election(&IRV, 1);
    for rf in EVERY_RISK_FUNCTION {
        let (spec, cards) =
            build_with(&e, &cvrs, Method::Comparison, rf).unwrap_or_else(|e| unreachable!("{e}"));
        let mayor = &spec.contests[0];
        assert_eq!(mayor.winners, [0]);
        assert_eq!(mayor.reported, [400, 350, 250, 0]);
        let assertions = mayor.assertions();
        assert!(!assertions.is_empty());
        // Every assertion holds on the CVRs; the hardest sets the margin.
        assert!(assertions.iter().all(|a| a.margin > 0));
        assert_eq!(
            mayor.min_margin(),
            assertions.iter().map(|a| a.margin).min().unwrap_or(0)
        );
        assert_eq!(cards[0].votes, [Selection::Ranking(vec![0, 1])], "{rf:?}");
        // Paper equal to the CVRs: confirmed in round 1 with risk <= 5%.
        let (st, rounds) = run_audit(&spec, &cards, &|i| cards[i].votes[0].clone());
        assert_eq!(st.state, ContestState::Confirmed, "{rf:?}");
        assert!(
            st.risk <= 0.05 && rounds == 1,
            "{rf:?}: {} in {rounds}",
            st.risk
        );
        assert_eq!(st.discrepancies, DiscrepancyCounts::default());
    }
}

#[test]
fn a_flipped_irv_outcome_goes_to_a_full_hand_count_with_the_true_winner() {
    let (e, cvrs) = ranked_election(&IRV, 1);
    for rf in [RiskFunction::KaplanMarkov, RiskFunction::Betting] {
        let (spec, cards) =
            build_with(&e, &cvrs, Method::Comparison, rf).unwrap_or_else(|e| unreachable!("{e}"));
        // On paper 120 of the A > B ballots are B > A: B wins 570 to 430.
        let truth = |i: usize| {
            if i < 120 {
                Selection::Ranking(vec![1, 0])
            } else {
                cards[i].votes[0].clone()
            }
        };
        let (st, rounds) = run_audit(&spec, &cards, &truth);
        let ContestState::HandCount(h) = &st.state else {
            unreachable!("{rf:?}: {:?}", st.state)
        };
        assert!(rounds >= 2, "{rf:?}");
        assert_eq!(h.winners, ["B"], "{rf:?}");
        assert_eq!(h.reported_winners, ["A"]);
        assert!(h.outcome_changed && !h.tie);
        // First preferences on paper.
        assert_eq!(h.tally.get("A"), Some(&280));
        assert_eq!(h.tally.get("B"), Some(&470));
    }
}

#[test]
fn rankings_are_read_and_written_as_a_greater_than_b() {
    let (e, cvrs) = ranked_election(&IRV, 1);
    let (spec, _) = build_with(&e, &cvrs, Method::Comparison, RiskFunction::KaplanMarkov)
        .unwrap_or_else(|e| unreachable!("{e}"));
    let mayor = &spec.contests[0];
    let r = Selection::parse(mayor, " C >b> a ");
    assert_eq!(r, Ok(Selection::Ranking(vec![2, 1, 0])));
    assert_eq!(
        Selection::Ranking(vec![2, 1, 0]).to_text(mayor),
        "C > B > A"
    );
    assert_eq!(
        Selection::parse(mayor, "B"),
        Ok(Selection::Ranking(vec![1]))
    );
    assert_eq!(Selection::parse(mayor, "blank"), Ok(Selection::Blank));
    assert_eq!(
        Selection::parse(mayor, "A > B > A").err().as_deref(),
        Some("\"A\" is ranked twice in \"A > B > A\"")
    );
    assert_eq!(
        Selection::parse(mayor, "A; B").err().as_deref(),
        Some("contest \"Mayor\" is ranked: write the ranking most preferred first as 'A > B > C'")
    );
    assert!(Selection::parse(mayor, "A > > B").is_err());
}

#[test]
fn contests_that_cannot_be_audited_are_refused_with_the_reason() {
    let (e, cvrs) = ranked_election(&IRV, 2);
    assert_eq!(
        build_with(&e, &cvrs, Method::Comparison, RiskFunction::KaplanMarkov)
            .err()
            .as_deref(),
        Some(
            "contest \"Mayor\" cannot be audited: it elects 2 by single transferable vote (STV); \
             RAIRE's assertions audit single-winner IRV only"
        )
    );
    let (e, cvrs) = ranked_election(&IRV, 1);
    let polling = build_with(&e, &cvrs, Method::Polling, RiskFunction::KaplanMarkov);
    assert!(
        polling
            .err()
            .is_some_and(|m| m.contains("cannot be audited") && m.contains("--method comparison"))
    );
    let (e, cvrs) = ranked_election(&[(&[0, 1], 50), (&[1, 0], 50)], 1);
    assert_eq!(
        build_with(&e, &cvrs, Method::Comparison, RiskFunction::KaplanMarkov)
            .err()
            .as_deref(),
        Some(
            "contest \"Mayor\" cannot be audited: the IRV count is tied between A, B; a tie is \
             settled by law, not by an audit"
        )
    );
    // ALPHA and betting are comparison risk functions.
    let (e, cvrs) = election(&[Some("Alice"), Some("Bob"), Some("Alice")]);
    let r = build_audit(&AuditInputs {
        election: &e,
        cvrs: &cvrs,
        manifest: &manifest(&[("b1", 3)]),
        targets: &["Mayor".to_owned()],
        risk_limit: 0.05,
        method: Method::Polling,
        risk_function: RiskFunction::Alpha,
    });
    assert!(r.is_err_and(|e| e.to_string().contains("polling audits use BRAVO")));
}

/// A measure needing two thirds: Yes `yes`, No `no`, then blanks.
fn measure(yes: usize, no: usize, blank: usize) -> (Election, Vec<Card>) {
    let mut e = Election::default();
    let share = canvass_model::Fraction {
        numerator: 2,
        denominator: 3,
    };
    let m = e.intern_contest("m", "Mayor", ContestKind::Supermajority(share));
    let y = e.contest_mut(m).intern_candidate("y", "Yes");
    let n = e.contest_mut(m).intern_candidate("n", "No");
    let cards = (0..yes + no + blank)
        .map(|i| {
            let mut c = Card::new(CardId::new(format!("c{i}")));
            c.location.batch = Some(format!("b{}", i / 100 + 1));
            c.location.position = Some(i as u64 % 100 + 1);
            let marks = if i < yes {
                vec![Mark::vote(Choice::Candidate(y))]
            } else if i < yes + no {
                vec![Mark::vote(Choice::Candidate(n))]
            } else {
                vec![]
            };
            c.contests.push(ContestVotes::new(m, marks));
            c
        })
        .collect();
    (e, cards)
}

#[test]
fn a_supermajority_contest_is_audited_with_its_assorter() {
    let (e, cvrs) = measure(800, 150, 50);
    for rf in EVERY_RISK_FUNCTION {
        let (spec, cards) =
            build_with(&e, &cvrs, Method::Comparison, rf).unwrap_or_else(|e| unreachable!("{e}"));
        // V = 2·800 − 2·(2/3)·950 = 333.3 → 333 votes.
        assert_eq!(spec.contests[0].min_margin(), 333);
        assert_eq!(spec.contests[0].winners, [0]);
        let (st, rounds) = run_audit(&spec, &cards, &|i| cards[i].votes[0].clone());
        assert_eq!(
            (st.state.clone(), rounds),
            (ContestState::Confirmed, 1),
            "{rf:?}"
        );
        // Paper with far fewer Yes votes: No 400 of 950 is only 58% Yes.
        let truth = |i: usize| {
            if (150..400).contains(&i) {
                Selection::Votes(vec![1])
            } else {
                cards[i].votes[0].clone()
            }
        };
        let (st, _) = run_audit(&spec, &cards, &truth);
        let ContestState::HandCount(h) = &st.state else {
            unreachable!("{rf:?}: {:?}", st.state)
        };
        assert!(h.winners.is_empty() && h.outcome_changed, "{rf:?}: {h:?}");
    }
    let (e, cvrs) = measure(600, 400, 0);
    assert_eq!(
        build_with(&e, &cvrs, Method::Comparison, RiskFunction::KaplanMarkov)
            .err()
            .as_deref(),
        Some(
            "contest \"Mayor\" cannot be audited: no candidate has more than 2/3 of the valid \
             votes; auditing a failed supermajority is not supported"
        )
    );
}

#[test]
fn alpha_and_betting_confirm_a_clean_plurality_audit() {
    let votes: Vec<Option<&str>> = (0..1000)
        .map(|i| Some(if i % 5 < 3 { "Alice" } else { "Bob" }))
        .collect();
    let (e, cvrs) = election(&votes);
    for rf in [RiskFunction::Alpha, RiskFunction::Betting] {
        let (spec, cards) =
            build_with(&e, &cvrs, Method::Comparison, rf).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(spec.risk_function, rf);
        let (st, rounds) = run_audit(&spec, &cards, &|i| cards[i].votes[0].clone());
        assert_eq!(
            (st.state.clone(), rounds),
            (ContestState::Confirmed, 1),
            "{rf:?}"
        );
        assert!(st.risk <= 0.05 && st.sample_size < 100, "{rf:?}: {st:?}");
    }
}
