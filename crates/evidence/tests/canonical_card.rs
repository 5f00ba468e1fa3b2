//! The canonical card encoding (`canvass.card.v1`): it is RFC 8785 JSON (the
//! hand-written fast encoder agrees with the general JCS encoder on the same
//! object), it does not depend on the order a reader met contests,
//! candidates and marks, and every field that matters changes it.

mod common;

use canvass_evidence::EvidenceError;
use canvass_evidence::canonical::{encode_card, to_canonical_json};
use canvass_model::{
    Card, CardId, CardLocation, Choice, ContestId, ContestKind, ContestVotes, Election, Mark,
    SourceRef,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn encode(e: &Election, c: &Card) -> Result<String, EvidenceError> {
    let mut out = Vec::new();
    encode_card(e, c, &mut out)?;
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// The same card as a JSON value, built independently from the layout's
/// documentation, for the general RFC 8785 encoder.
fn as_value(e: &Election, c: &Card) -> Value {
    let mut contests: Vec<Value> = c
        .contests
        .iter()
        .map(|v| {
            let contest = e.contest(v.contest);
            let marks: Vec<Value> = v
                .marks
                .iter()
                .map(|m| match m.choice {
                    Choice::Candidate(id) => json!({
                        "candidate": contest.candidates[id.index()].external_id,
                        "rank": m.rank,
                    }),
                    Choice::Overvote => json!({"overvote": true, "rank": m.rank}),
                })
                .collect();
            json!({"contest": contest.external_id, "marks": marks})
        })
        .collect();
    let key = |v: &Value| {
        v["contest"]
            .as_str()
            .unwrap_or_default()
            .encode_utf16()
            .collect::<Vec<_>>()
    };
    contests.sort_by_key(key);
    for c in &mut contests {
        if let Some(Value::Array(marks)) = c.get_mut("marks") {
            marks.sort_by_key(|m| {
                (
                    m["rank"].as_u64(),
                    m.get("overvote").is_some(),
                    m["candidate"]
                        .as_str()
                        .unwrap_or_default()
                        .encode_utf16()
                        .collect::<Vec<_>>(),
                )
            });
        }
    }
    json!({
        "type": "canvass.card.v1",
        "id": c.id.as_str(),
        "ballot_id": c.ballot_id,
        "ballot_style": c.ballot_style,
        "counting_group": c.counting_group,
        "precinct": c.precinct,
        "tabulator": c.location.tabulator,
        "batch": c.location.batch,
        "position": c.location.position,
        "imprinted_id": c.location.imprinted_id,
        "contests": contests,
    })
}

fn election(order: &[usize]) -> Election {
    // Contests and candidates interned in the given order, so internal ids differ.
    let names = [
        "mayor",
        "council",
        "Prop 1",
        "école",
        "\u{1F600}-emoji",
        "\u{FB33}",
    ];
    let mut e = Election::default();
    for &i in order {
        let c = e.intern_contest(names[i], names[i], ContestKind::Plurality);
        for cand in ["zed", "amy", "Émile", "write-in"] {
            e.contest_mut(c)
                .intern_candidate(&format!("{cand}-{i}"), cand);
        }
    }
    e
}

/// A card voting in contests `picks` = (contest name index, candidate name index, rank).
fn card(e: &Election, picks: &[(usize, usize, u32)], overvote_in: Option<usize>) -> Card {
    let names = [
        "mayor",
        "council",
        "Prop 1",
        "école",
        "\u{1F600}-emoji",
        "\u{FB33}",
    ];
    let cands = ["zed", "amy", "Émile", "write-in"];
    let mut c = Card::new(CardId::new("T1-B2-\"3\"\n"));
    c.ballot_style = Some("Style 7".into());
    c.precinct = Some("Precinct\t12".into());
    c.location = CardLocation {
        tabulator: Some("T1".into()),
        batch: Some("B2".into()),
        position: Some(3),
        imprinted_id: None,
    };
    c.source = SourceRef {
        file: "some/file.json".into(),
        record: 9,
    };
    let mut by_contest: Vec<(ContestId, Vec<Mark>)> = Vec::new();
    for &(ci, ki, rank) in picks {
        let Some(cid) = e.find_contest(names[ci]) else {
            continue;
        };
        let Some(kid) = e
            .contest(cid)
            .find_candidate(&format!("{}-{ci}", cands[ki]))
        else {
            continue;
        };
        match by_contest.iter_mut().find(|(id, _)| *id == cid) {
            Some((_, marks)) => marks.push(Mark::ranked(rank, Choice::Candidate(kid))),
            None => by_contest.push((cid, vec![Mark::ranked(rank, Choice::Candidate(kid))])),
        }
    }
    if let Some(ci) = overvote_in
        && let Some(cid) = e.find_contest(names[ci])
    {
        match by_contest.iter_mut().find(|(id, _)| *id == cid) {
            Some((_, marks)) => marks.push(Mark::vote(Choice::Overvote)),
            None => by_contest.push((cid, vec![Mark::vote(Choice::Overvote)])),
        }
    }
    for (cid, marks) in by_contest {
        c.contests.push(ContestVotes::new(cid, marks));
    }
    c
}

#[test]
fn a_simple_card_encodes_as_documented() {
    let mut e = Election::default();
    let mayor = e.intern_contest("mayor", "Mayor", ContestKind::Plurality);
    let alice = e.contest_mut(mayor).intern_candidate("alice", "Alice");
    let prop = e.intern_contest("prop-1", "Prop 1", ContestKind::Plurality);
    let mut c = Card::new(CardId::new("1-1-1"));
    c.contests.push(ContestVotes::new(prop, vec![]));
    c.contests.push(ContestVotes::new(
        mayor,
        vec![
            Mark::vote(Choice::Overvote),
            Mark::vote(Choice::Candidate(alice)),
        ],
    ));
    assert_eq!(
        encode(&e, &c),
        Ok(concat!(
            r#"{"ballot_id":null,"ballot_style":null,"batch":null,"contests":["#,
            r#"{"contest":"mayor","marks":[{"candidate":"alice","rank":1},{"overvote":true,"rank":1}]},"#,
            r#"{"contest":"prop-1","marks":[]}],"#,
            r#""counting_group":null,"id":"1-1-1","imprinted_id":null,"position":null,"#,
            r#""precinct":null,"tabulator":null,"type":"canvass.card.v1"}"#
        )
        .to_owned())
    );
}

#[test]
fn unknown_contest_or_candidate_or_duplicate_contest_is_an_error() {
    let (e, cases) = common::refused_cards();
    for (c, err) in cases {
        assert_eq!(encode(&e, &c), Err(err), "{:?}", c.contests);
    }
}

proptest! {
    #[test]
    fn fast_encoder_equals_general_rfc8785_encoder(
        picks in proptest::collection::vec((0usize..6, 0usize..4, 1u32..4), 0..12),
        overvote in proptest::option::of(0usize..6),
    ) {
        let e = election(&[0, 1, 2, 3, 4, 5]);
        let c = card(&e, &picks, overvote);
        let fast = encode(&e, &c);
        let general = to_canonical_json(&as_value(&e, &c)).map(|b| String::from_utf8(b).unwrap_or_default());
        prop_assert_eq!(fast, general);
    }

    #[test]
    fn encoding_does_not_depend_on_reading_order(
        picks in proptest::collection::vec((0usize..6, 0usize..4, 1u32..4), 0..12),
        overvote in proptest::option::of(0usize..6),
        order in Just(vec![0usize, 1, 2, 3, 4, 5]).prop_shuffle(),
    ) {
        let e1 = election(&[0, 1, 2, 3, 4, 5]);
        let e2 = election(&order);
        let c1 = card(&e1, &picks, overvote);
        let mut c2 = card(&e2, &picks, overvote);
        c2.contests.reverse();
        for v in &mut c2.contests {
            v.marks.reverse();
        }
        prop_assert_eq!(encode(&e1, &c1), encode(&e2, &c2));
    }
}

#[test]
fn every_field_changes_the_encoding_except_the_source() {
    let e = election(&[0, 1, 2, 3, 4, 5]);
    let base = card(&e, &[(0, 1, 1), (3, 2, 1)], Some(2));
    let b = encode(&e, &base);
    type Change = Box<dyn Fn(&mut Card)>;
    let changes: Vec<(&str, Change)> = vec![
        ("id", Box::new(|c| c.id = CardId::new("other"))),
        ("ballot_id", Box::new(|c| c.ballot_id = Some("b".into()))),
        ("ballot_style", Box::new(|c| c.ballot_style = None)),
        ("precinct", Box::new(|c| c.precinct = Some("P".into()))),
        (
            "counting_group",
            Box::new(|c| c.counting_group = Some("mail".into())),
        ),
        (
            "tabulator",
            Box::new(|c| c.location.tabulator = Some("T2".into())),
        ),
        ("batch", Box::new(|c| c.location.batch = None)),
        ("position", Box::new(|c| c.location.position = Some(4))),
        (
            "imprinted_id",
            Box::new(|c| c.location.imprinted_id = Some("i".into())),
        ),
        ("rank", Box::new(|c| c.contests[0].marks[0].rank = 2)),
        ("mark removed", Box::new(|c| c.contests[0].marks.clear())),
        ("contest removed", Box::new(|c| drop(c.contests.pop()))),
    ];
    for (what, change) in changes {
        let mut c = base.clone();
        change(&mut c);
        assert_ne!(encode(&e, &c), b, "{what}");
    }
    let mut c = base.clone();
    c.source = SourceRef {
        file: "elsewhere.json".into(),
        record: 1,
    };
    assert_eq!(encode(&e, &c), b, "the source file is not part of the leaf");
}
