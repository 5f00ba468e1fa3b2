//! The behaviour every backend shares: `store_suite!(Type, open)` expands to
//! the tests, where `open(name)` gives a fresh, empty store or `None` to skip.
#![allow(dead_code)]

use canvass_model::{CandidateId, Card, CardId, Choice, ContestId, ContestVotes, Mark};
use proptest::prelude::*;
use std::convert::Infallible;

pub fn ok_cards(cards: Vec<Card>) -> impl Iterator<Item = Result<Card, Infallible>> {
    cards.into_iter().map(Ok)
}

pub fn arb_card(i: usize) -> impl Strategy<Value = Card> {
    let text = "[a-zA-Z0-9 é,\"'\\-]{0,12}";
    let marks = prop::collection::vec(
        (1u32..5, prop::option::of(0u32..4)).prop_map(|(rank, k)| Mark {
            rank,
            choice: k.map_or(Choice::Overvote, |k| Choice::Candidate(CandidateId(k))),
        }),
        0..5,
    );
    let contests = prop::collection::vec((0u32..3, marks), 0..4);
    (
        prop::option::of(text),
        prop::option::of(text),
        prop::option::of(0u64..1 << 40),
        prop::option::of(text),
        (prop::option::of(text), prop::option::of(text)),
        0u64..i64::MAX as u64,
        prop::sample::select(vec!["a.json", "b.csv", ""]),
        contests,
    )
        .prop_map(
            move |(ballot, tab, pos, precinct, (style, group), record, file, contests)| {
                let mut c = Card::new(CardId::new(format!("card-{i}")));
                c.ballot_id = ballot;
                c.location.tabulator = tab.clone();
                c.location.batch = tab.map(|t| format!("{t}/b"));
                c.location.position = pos;
                c.precinct = precinct;
                c.ballot_style = style;
                c.counting_group = group;
                c.source = canvass_model::SourceRef {
                    file: file.into(),
                    record,
                };
                // Cards may hold candidates beyond a contest's list only if the
                // definition has them: every contest of common::election() has >= 2,
                // so clamp to what each contest defines.
                let sizes = [4u32, 4, 2];
                c.contests = contests
                    .into_iter()
                    .map(|(k, marks)| {
                        let size = sizes.get(k as usize).copied().unwrap_or(2);
                        let marks = marks
                            .into_iter()
                            .map(|m| match m.choice {
                                Choice::Candidate(x) => Mark {
                                    rank: m.rank,
                                    choice: Choice::Candidate(CandidateId(x.0 % size)),
                                },
                                Choice::Overvote => m,
                            })
                            .collect();
                        ContestVotes::new(ContestId(k), marks)
                    })
                    .collect();
                c
            },
        )
}

pub fn arb_cards() -> impl Strategy<Value = Vec<Card>> {
    (0usize..40).prop_flat_map(|n| (0..n).map(arb_card).collect::<Vec<_>>())
}

/// Expands to the shared tests for store type `$ty`, opened by `$open(name)`.
#[macro_export]
macro_rules! store_suite {
    ($ty:ty, $open:expr) => {
        use canvass_model::{
            BallotManifest, CandidateId, Card, CardId, Choice, ContestId, ContestVotes, Election,
            ManifestBatch, Mark,
        };
        use canvass_store::{
            ElectionId, Entered, ManualRecord, NewAudit, Paper, SampleDraw, StoreError,
            StoredCheckpoint,
        };
        use proptest::prelude::*;
        use $crate::suite::{arb_cards, ok_cards};

        fn read_all(store: &$ty, election: ElectionId) -> Vec<(u64, Card)> {
            store.cards(election).collect::<Result<Vec<_>, _>>().unwrap()
        }

        /// Import `cards` into a fresh election and check that reading back
        /// gives the same cards, numbered 0.., and the same definition.
        fn check_round_trip(store: &mut $ty, definition: &Election, cards: Vec<Card>) {
            let e = store.create_election("round trip").unwrap();
            let summary = store.import_cards(e, definition, ok_cards(cards.clone())).unwrap();
            assert_eq!(summary.cards, cards.len() as u64);
            assert_eq!(summary.first_seq, 0);
            let back = read_all(store, e);
            let expected: Vec<(u64, Card)> = (0u64..).zip(cards.clone()).collect();
            assert_eq!(back, expected);
            assert_eq!(&store.election(e).unwrap(), definition);
            if let Some(c) = cards.get(7) {
                assert_eq!(store.card(e, &c.id).unwrap(), Some((7, c.clone())));
            }
            assert_eq!(store.card(e, &CardId::new("no such card")).unwrap(), None);
        }

        #[test]
        fn round_trip_10000_cards() {
            let Some(mut store) = ($open)("round_trip_10000_cards") else { return };
            check_round_trip(&mut store, &common::election(), common::cards("rt", 0, 10_000));
        }

        #[test]
        fn second_import_continues_the_sequence_and_may_extend_the_definition() {
            let Some(mut store) = ($open)("second_import_continues_the_sequence_and_may_extend_the_definition") else { return };
            let e = store.create_election("two imports").unwrap();
            let mut def = common::election();
            let first = common::cards("a", 0, 100);
            store
                .import_cards(e, &def, ok_cards(first.clone()))
                .unwrap();
            // The second reader met a new candidate and a new contest.
            def.contest_mut(ContestId(2))
                .intern_candidate("maybe", "Maybe");
            let extra = def.intern_contest("dog", "Dog catcher", canvass_model::ContestKind::Approval);
            let mut second = common::cards("b", 0, 50);
            second[3].contests.push(ContestVotes::new(
                extra,
                vec![Mark::vote(Choice::Candidate(CandidateId(0)))],
            ));
            def.contest_mut(extra).intern_candidate("rex", "Rex");
            let s = store
                .import_cards(e, &def, ok_cards(second.clone()))
                .unwrap();
            assert_eq!((s.first_seq, s.cards), (100, 50));
            let back: Vec<Card> = read_all(&store, e).into_iter().map(|(_, c)| c).collect();
            assert_eq!(back, [first, second].concat());
            assert_eq!(store.election(e).unwrap(), def);
            assert_eq!(store.imports(e).unwrap().len(), 2);
            assert_eq!(store.card_count(e).unwrap(), 150);
        }

        #[test]
        fn conflicting_definition_is_refused_and_nothing_lands() {
            let Some(mut store) = ($open)("conflicting_definition_is_refused_and_nothing_lands") else { return };
            let e = store.create_election("conflict").unwrap();
            store
                .import_cards(e, &common::election(), ok_cards(common::cards("a", 0, 10)))
                .unwrap();
            let mut other = common::election();
            other.contests[1].candidates[2].name = "Renamed".into();
            let err = store
                .import_cards(e, &other, ok_cards(common::cards("b", 0, 10)))
                .unwrap_err();
            assert!(
                matches!(err, StoreError::DefinitionConflict { .. }),
                "{err}"
            );
            assert_eq!(
                err.to_string(),
                "election 1: contest 1 (\"council\") candidate 2 (\"f\") differs from the stored definition"
            );
            assert_eq!(store.card_count(e).unwrap(), 10);
        }

        #[test]
        fn failed_import_leaves_nothing_and_can_be_redone() {
            let Some(mut store) = ($open)("failed_import_leaves_nothing_and_can_be_redone") else { return };
            let e = store.create_election("redo").unwrap();
            let def = common::election();
            store
                .import_cards(e, &def, ok_cards(common::cards("before", 0, 5)))
                .unwrap();

            // The reader fails at the 300th card.
            let failing = common::cards("x", 0, 500)
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 299 {
                        Err(std::io::Error::other("bad row"))
                    } else {
                        Ok(c)
                    }
                });
            let err = store.import_cards(e, &def, failing).unwrap_err();
            assert_eq!(
                err.to_string(),
                "card source failed at card 300 of the import: bad row"
            );
            assert_eq!(store.card_count(e).unwrap(), 5);

            // A duplicate card id (with its file and record in the message).
            let mut dup = common::cards("x", 0, 500);
            dup[400] = common::cards("x", 10, 1).remove(0);
            let err = store.import_cards(e, &def, ok_cards(dup)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "x.json record 11: card \"x-10\" is already stored in election 1"
            );
            assert_eq!(store.card_count(e).unwrap(), 5);

            // A card naming a contest the definition lacks.
            let mut bad = common::cards("x", 0, 500);
            bad[7]
                .contests
                .push(ContestVotes::new(ContestId(9), vec![]));
            let err = store.import_cards(e, &def, ok_cards(bad)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "x.json record 8: card \"x-7\" field contest: no contest 9"
            );
            let mut bad = common::cards("x", 0, 500);
            bad[8].contests[0] = ContestVotes::new(
                ContestId(0),
                vec![Mark::vote(Choice::Candidate(CandidateId(4)))],
            );
            let err = store.import_cards(e, &def, ok_cards(bad)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "x.json record 9: card \"x-8\" field candidate: no candidate 4 in contest \"mayor\""
            );

            // A dropped import (never committed) leaves nothing either.
            {
                let mut import = store.card_import(e).unwrap();
                for c in common::cards("x", 0, 50) {
                    import.push(&def, &c).unwrap();
                }
                assert_eq!(import.count(), 50);
            }
            assert_eq!(store.card_count(e).unwrap(), 5);
            assert_eq!(store.imports(e).unwrap().len(), 1);

            let s = store
                .import_cards(e, &def, ok_cards(common::cards("x", 0, 500)))
                .unwrap();
            assert_eq!((s.first_seq, s.cards), (5, 500));
        }

        #[test]
        fn unknown_election_is_named() {
            let Some(mut store) = ($open)("unknown_election_is_named") else { return };
            let err = store
                .import_cards(ElectionId(42), &Election::default(), ok_cards(vec![]))
                .unwrap_err();
            assert_eq!(err.to_string(), "no election 42 in the store");
            assert!(matches!(
                store.election(ElectionId(42)),
                Err(StoreError::UnknownElection(_))
            ));
        }

        #[test]
        fn manifests_keep_history_and_return_the_latest() {
            let Some(mut store) = ($open)("manifests_keep_history_and_return_the_latest") else { return };
            let e = store.create_election("m").unwrap();
            assert_eq!(store.manifest(e).unwrap(), None);
            let b = |t: Option<&str>, n: &str, c| ManifestBatch {
                tabulator: t.map(Into::into),
                batch: n.into(),
                cards: c,
            };
            let m1 = BallotManifest::new(vec![b(Some("T1"), "1", 300), b(None, "2", 12)]).unwrap();
            let m2 = BallotManifest::new(vec![b(Some("T1"), "1", 301)]).unwrap();
            let id1 = store.import_manifest(e, &m1).unwrap();
            assert_eq!(store.manifest(e).unwrap(), Some((id1, m1)));
            let id2 = store.import_manifest(e, &m2).unwrap();
            assert_eq!(store.manifest(e).unwrap(), Some((id2, m2)));
            assert!(matches!(
                store.import_manifest(ElectionId(9), &BallotManifest::default()),
                Err(StoreError::UnknownElection(_))
            ));
        }

        #[test]
        fn audit_rounds_samples_and_manual_records() {
            let Some(mut store) = ($open)("audit_rounds_samples_and_manual_records") else { return };
            let e = store.create_election("audit").unwrap();
            let def = common::election();
            store
                .import_cards(e, &def, ok_cards(common::cards("c", 0, 100)))
                .unwrap();
            let board = store.add_user("board-1", "board", Some("hash")).unwrap();
            assert!(matches!(
                store.add_user("board-1", "board", None),
                Err(StoreError::DuplicateUser(_))
            ));
            assert_eq!(
                store.user("board-1").unwrap().map(|u| (u.id, u.role)),
                Some((board, "board".into()))
            );
            let spec = NewAudit {
                name: "RLA".into(),
                risk_limit: "0.05".into(),
                seed: "12345678901234567890".into(),
                settings: "{\"method\":\"alpha\"}".into(),
            };
            let audit = store.create_audit(e, &spec).unwrap();
            assert_eq!(store.audit(audit).unwrap().spec, spec);
            let draw = |id: &str, t: &str| SampleDraw {
                card: CardId::new(id),
                ticket: Some(t.into()),
            };
            let sample = vec![draw("c-5", "0.1"), draw("c-17", "0.2"), draw("c-5", "0.3")];
            let err = store.record_round(audit, 2, &sample).unwrap_err();
            assert_eq!(
                err.to_string(),
                "audit 1: round 2 recorded but the next round is 1"
            );
            let err = store
                .record_round(audit, 1, &[draw("c-999", "x")])
                .unwrap_err();
            assert_eq!(err.to_string(), "no card \"c-999\" in election 1");
            assert_eq!(store.round_count(audit).unwrap(), 0);
            store.record_round(audit, 1, &sample).unwrap();
            assert_eq!(store.sample(audit, 1).unwrap(), sample);

            let paper = Paper::Found(vec![ContestVotes::new(
                ContestId(0),
                vec![Mark::vote(Choice::Candidate(CandidateId(1)))],
            )]);
            let rec = ManualRecord {
                card: CardId::new("c-5"),
                paper,
                board: "board 1".into(),
                entered_by: Some(board),
            };
            assert_eq!(store.enter_record(audit, &rec).unwrap(), Entered::Stored);
            // The same paper again (even from another board) is accepted and changes nothing.
            let again = ManualRecord {
                board: "board 2".into(),
                entered_by: None,
                ..rec.clone()
            };
            assert_eq!(
                store.enter_record(audit, &again).unwrap(),
                Entered::AlreadyStored
            );
            let different = ManualRecord {
                paper: Paper::NotFound,
                ..rec.clone()
            };
            let err = store.enter_record(audit, &different).unwrap_err();
            assert_eq!(
                err.to_string(),
                "audit 1: card \"c-5\" already has a different manual vote record"
            );
            let unsampled = ManualRecord {
                card: CardId::new("c-6"),
                ..rec.clone()
            };
            assert!(matches!(
                store.enter_record(audit, &unsampled),
                Err(StoreError::NotSampled { .. })
            ));
            let missing = ManualRecord {
                card: CardId::new("c-17"),
                paper: Paper::NotFound,
                board: "b".into(),
                entered_by: None,
            };
            store.enter_record(audit, &missing).unwrap();
            assert_eq!(store.records(audit).unwrap(), vec![missing, rec]);
        }

        #[test]
        fn audit_steps_land_whole_or_not_at_all() {
            use canvass_store::{AuditFile, AuditStep, NewLogEntry};
            let Some(mut store) = ($open)("audit_steps_land_whole_or_not_at_all") else { return };
            let e = store.create_election("steps").unwrap();
            let def = common::election();
            store
                .import_cards(e, &def, ok_cards(common::cards("c", 0, 20)))
                .unwrap();
            let file = |path: &str, bytes: &[u8], keep: bool| AuditFile {
                path: path.into(),
                sha256: [bytes.len() as u8; 32],
                size: bytes.len() as u64,
                content: keep.then(|| bytes.to_vec()),
            };
            let entry = |kind: &str| NewLogEntry {
                kind: kind.into(),
                payload: format!("{{\"kind\":\"{kind}\"}}").into_bytes(),
                actor: "canvass audit".into(),
            };
            let create = AuditStep {
                files: vec![file("audit.json", b"{}", true), file("cvrs.cdf.json", b"big", false)],
                log: vec![entry("input"), entry("commitment")],
                checkpoints: vec![StoredCheckpoint { tree_size: 2, root: [1; 32], note: "n2".into() }],
                ..AuditStep::default()
            };
            let manifest = canvass_model::BallotManifest {
                batches: vec![canvass_model::ManifestBatch {
                    tabulator: None,
                    batch: "b".into(),
                    cards: 20,
                }],
            };
            let spec = NewAudit {
                name: "a".into(),
                risk_limit: "0.05".into(),
                seed: String::new(),
                settings: "{}".into(),
            };
            let audit = store.create_audit_with(e, &manifest, &spec, &create).unwrap();
            assert_eq!(store.audits().unwrap().len(), 1);
            assert!(store.manifest(e).unwrap().is_some());
            let files = store.audit_files(audit, true).unwrap();
            assert_eq!(files, create.files);
            assert!(store.audit_files(audit, false).unwrap().iter().all(|f| f.content.is_none()));
            assert_eq!(store.log_len(e).unwrap(), 2);

            store.begin_step(audit, "draw").unwrap();
            assert_eq!(store.pending_step(audit).unwrap().as_deref(), Some("draw"));
            let draw = SampleDraw { card: CardId::new("c-3"), ticket: Some("0.5".into()) };
            // A step whose checkpoint is refused stores nothing of it.
            let bad = AuditStep {
                seed: Some("42".into()),
                round: Some((1, vec![draw.clone()])),
                files: vec![file("round-1/sample.csv", b"s", true)],
                removed: vec!["audit.json".into()],
                log: vec![entry("sample")],
                checkpoints: vec![StoredCheckpoint { tree_size: 9, root: [2; 32], note: "n9".into() }],
                ..AuditStep::default()
            };
            assert!(matches!(
                store.audit_step(audit, &bad),
                Err(StoreError::BadCheckpoint { .. })
            ));
            assert_eq!(store.round_count(audit).unwrap(), 0);
            assert_eq!(store.audit(audit).unwrap().spec.seed, "");
            assert_eq!(store.audit_files(audit, true).unwrap(), create.files);
            assert_eq!(store.log_len(e).unwrap(), 2);
            assert_eq!(store.pending_step(audit).unwrap().as_deref(), Some("draw"));
            let good = AuditStep {
                checkpoints: vec![StoredCheckpoint { tree_size: 3, root: [2; 32], note: "n3".into() }],
                ..bad
            };
            store.audit_step(audit, &good).unwrap();
            assert_eq!(store.pending_step(audit).unwrap(), None);
            assert_eq!(store.sample(audit, 1).unwrap(), vec![draw]);
            assert_eq!(store.audit(audit).unwrap().spec.seed, "42");
            let paths: Vec<String> = store
                .audit_files(audit, false)
                .unwrap()
                .into_iter()
                .map(|f| f.path)
                .collect();
            assert_eq!(paths, ["cvrs.cdf.json", "round-1/sample.csv"]);
            assert_eq!(store.checkpoints(e).unwrap().len(), 2);
            // Changing a file replaces its row.
            let change = AuditStep {
                files: vec![file("round-1/sample.csv", b"s2", true)],
                ..AuditStep::default()
            };
            store.audit_step(audit, &change).unwrap();
            let f = store.audit_files(audit, true).unwrap();
            assert_eq!(f[1].content.as_deref(), Some(&b"s2"[..]));
            store.begin_step(audit, "record").unwrap();
            store.end_step(audit).unwrap();
            assert_eq!(store.pending_step(audit).unwrap(), None);
        }

        /// The evidence log's API on `store`, in a new election: appends
        /// three entries (seq 0–2) and checkpoints at sizes 2 and 3, checking
        /// what it reads back and what it refuses. Returns the election.
        pub fn check_evidence_log_api(store: &mut $ty) -> ElectionId {
            let e = store.create_election("log").unwrap();
            let a = store
                .append_log(e, "commitment", b"{\"root\":\"ab\"}", "admin")
                .unwrap();
            let b = store
                .append_log(e, "seed", b"{\"seed\":\"1\"}", "admin")
                .unwrap();
            assert_eq!((a.seq, b.seq), (0, 1));
            // SHA-256("abc") is the FIPS 180-2 example; check one known digest too.
            let c = store.append_log(e, "note", b"abc", "observer").unwrap();
            assert_eq!(
                c.sha256
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>(),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            );
            assert_eq!(store.log(e, 0, u64::MAX).unwrap(), vec![a.clone(), b, c]);
            assert_eq!(store.log(e, 1, 2).unwrap().len(), 1);

            let cp = |size, note: &str| StoredCheckpoint {
                tree_size: size,
                root: [7; 32],
                note: note.into(),
            };
            let err = store.add_checkpoint(e, &cp(4, "n")).unwrap_err();
            assert_eq!(
                err.to_string(),
                "election 1: checkpoint of tree size 4 refused: the log has only 3 entries"
            );
            store.add_checkpoint(e, &cp(2, "two")).unwrap();
            assert!(matches!(
                store.add_checkpoint(e, &cp(2, "again")),
                Err(StoreError::BadCheckpoint { .. })
            ));
            store.add_checkpoint(e, &cp(3, "three")).unwrap();
            assert_eq!(
                store.checkpoints(e).unwrap(),
                vec![cp(2, "two"), cp(3, "three")]
            );
            e
        }

        #[test]
        fn evidence_log_api() {
            let Some(mut store) = ($open)("evidence_log_api") else { return };
            check_evidence_log_api(&mut store);
        }

        #[test]
        fn duplicates_are_named_across_batches() {
            let Some(mut store) = ($open)("duplicates_are_named_across_batches") else { return };
            let e = store.create_election("dup").unwrap();
            let def = common::election();
            store.import_cards(e, &def, ok_cards(common::cards("a", 0, 10))).unwrap();
            // A card already stored by an earlier import.
            let mut cards = common::cards("b", 0, 2500);
            cards[1700] = common::cards("a", 3, 1).remove(0);
            let err = store.import_cards(e, &def, ok_cards(cards)).unwrap_err();
            assert_eq!(err.to_string(), "a.json record 4: card \"a-3\" is already stored in election 1");
            // A card repeated far apart within one import.
            let mut cards = common::cards("c", 0, 2500);
            cards[2100] = cards[5].clone();
            let err = store.import_cards(e, &def, ok_cards(cards)).unwrap_err();
            assert_eq!(err.to_string(), "c.json record 6: card \"c-5\" is already stored in election 1");
            assert_eq!(store.card_count(e).unwrap(), 10);
            assert_eq!(store.imports(e).unwrap().len(), 1);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn random_card_sets_round_trip(cards in arb_cards()) {
                let Some(mut store) = ($open)("random_card_sets_round_trip") else { return Ok(()) };
                check_round_trip(&mut store, &common::election(), cards);
            }
        }
    };
}
