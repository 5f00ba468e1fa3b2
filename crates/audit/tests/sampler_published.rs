//! Every published sampler value in `shared/vectors/PUBLISHED.md` §1–§3 (and
//! the doctest values in the reference implementations), each a named test.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use canvass_audit::sampler::consistent::{SampleCard, consistent_sample, fresh_round};
use canvass_audit::sampler::cryptorandom::{CryptoRandom, sample_numbers};
use canvass_audit::sampler::rivest::{
    IdList, ManifestIds, RivestSampler, SampleOptions, TicketNumber, arlo_ballot_id,
    first_fraction, next_fraction, python_str_repr, sha256_hex, sha256_uniform, trim,
};
use canvass_audit::sampler::sha256_counter;
use canvass_model::ContestId;
use std::collections::{BTreeMap, BTreeSet};

/// Draw with Rivest's sampler and render each draw as `(ticket, id, gen)`
/// with the ticket trimmed to `digits`.
fn rivest<I: IdList + ?Sized>(
    ids: &I,
    seed: &str,
    options: SampleOptions,
    digits: usize,
) -> Vec<(String, String, u32)> {
    RivestSampler::new(seed)
        .sample(ids, options)
        .unwrap()
        .into_iter()
        .map(|d| {
            (
                d.ticket.trimmed(digits).to_owned(),
                ids.id_string(d.index),
                d.generation,
            )
        })
        .collect()
}

/// Only the ids drawn, in order.
fn rivest_ids<I: IdList + ?Sized>(ids: &I, seed: &str, options: SampleOptions) -> Vec<String> {
    rivest(ids, seed, options, 9)
        .into_iter()
        .map(|(_, id, _)| id)
        .collect()
}

fn check_ids(ids: &[&str], seed: &str, options: SampleOptions, expected: &[&str]) {
    assert_eq!(rivest_ids(ids, seed, options), expected, "seed {seed}");
}

fn check_tuples(
    ids: &[&str],
    seed: &str,
    options: SampleOptions,
    digits: usize,
    expected: &[(&str, &str, u32)],
) {
    let got = rivest(ids, seed, options, digits);
    let want: Vec<(String, String, u32)> = expected
        .iter()
        .map(|&(t, i, g)| (t.to_owned(), i.to_owned(), g))
        .collect();
    assert_eq!(got, want, "seed {seed}");
}

fn ticket(s: &str) -> TicketNumber {
    TicketNumber::parse(s).unwrap()
}

// ---- §1a: consistent_sampler README / USAGE_EXAMPLES.md / docstrings ----

#[test]
fn rivest_readme_six_ids_seed_314159_take_4() {
    check_ids(
        &["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"],
        "314159",
        SampleOptions::without_replacement(4),
        &["B-2", "B-3", "A-3", "A-2"],
    );
}

#[test]
fn rivest_readme_with_replacement_seed_19283746_take_10() {
    check_tuples(
        &["a1", "b2", "c3", "d4", "e5", "f6"],
        "19283746",
        SampleOptions::with_replacement(10),
        9,
        &[
            ("0.303241347", "e5", 1),
            ("0.432145156", "b2", 1),
            ("0.487135586", "c3", 1),
            ("0.581779914", "b2", 2),
            ("0.680782907", "b2", 3),
            ("0.700258702", "c3", 2),
            ("0.816686725", "b2", 4),
            ("0.841870265", "a1", 1),
            ("0.857737141", "a1", 2),
            ("0.866227993", "f6", 1),
        ],
    );
}

#[test]
fn rivest_readme_abcd_seed_31() {
    check_ids(
        &["a", "b", "c", "d"],
        "31",
        SampleOptions::without_replacement(usize::MAX),
        &["b", "a", "d", "c"],
    );
}

#[test]
fn rivest_readme_range_100_seed_41_take_10() {
    // Python ints hash as their decimal string.
    let ids: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    let got = rivest_ids(&ids[..], "41", SampleOptions::without_replacement(10));
    assert_eq!(
        got,
        ["73", "51", "17", "58", "38", "42", "39", "20", "11", "67"]
    );
}

#[test]
fn rivest_sha256_hex_abc() {
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn rivest_sha256_uniform_abc() {
    assert_eq!(
        sha256_uniform("abc").as_str(),
        "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"
    );
}

#[test]
fn rivest_first_fraction_ab_130() {
    assert_eq!(
        first_fraction("AB-130", "01382438112797316654").as_str(),
        "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
    );
}

#[test]
fn rivest_next_fraction_0_25471() {
    assert_eq!(
        next_fraction(&ticket("0.25471")).as_str(),
        "0.642853261655004694691182528114375607701032283189922170593838029306715548381901"
    );
}

#[test]
fn rivest_docstring_next_ticket_ab_130() {
    // `next_ticket` docstring: generation 2 of AB-130 (a 76-digit ticket).
    let first = first_fraction("AB-130", "01382438112797316654");
    assert_eq!(
        next_fraction(&first).as_str(),
        "0.8232357229934205790595761924514048157652891124687533667363938813600770093316"
    );
}

#[test]
fn rivest_docstring_next_fraction_0_234() {
    // `draw_with_replacement` docstring.
    assert_eq!(
        next_fraction(&ticket("0.234")).as_str(),
        "0.547830802749402616364646686795722512609112766306951592422621788875312684400211"
    );
}

#[test]
fn rivest_docstring_ticket_heap_seed_xy134g2n() {
    let seed = "xy()134!g2n";
    for (id, want) in [
        (
            "cat",
            "0.24866413894129579898796850445568128508290132707747976039848637531569373309555",
        ),
        (
            "dog",
            "0.33886035615681875183111698317327684455682722683976874746986356932751818935066",
        ),
        (
            "fish",
            "0.74685932088827950509145941729789143204056041958068799542050396198792954500593",
        ),
        (
            "goat",
            "0.49599842072022713663423753308080171636735689997237236247068925068573448764387",
        ),
    ] {
        assert_eq!(first_fraction(id, seed).as_str(), want, "{id}");
    }
}

#[test]
fn rivest_docstring_with_replacement_seed_314159_take_8() {
    check_ids(
        &["A#2", "B#7", "C#1", "D#4"],
        "314159",
        SampleOptions::with_replacement(8),
        &["D#4", "C#1", "C#1", "B#7", "A#2", "C#1", "D#4", "B#7"],
    );
}

#[test]
fn rivest_docstring_trim_keeps_leading_nines() {
    check_tuples(
        &["ab-1", "ab-2", "cd-1", "ef-3"],
        "314159",
        SampleOptions::without_replacement(usize::MAX),
        9,
        &[
            ("0.317685817", "cd-1", 1),
            ("0.832984519", "ef-3", 1),
            ("0.9098039269", "ab-1", 1),
            ("0.9231549043", "ab-2", 1),
        ],
    );
}

#[test]
fn rivest_trim_0_9991234567890_4() {
    assert_eq!(trim("0.9991234567890", 4), "0.9991234");
    assert_eq!(trim("0.9999", 2), "0.9999");
    assert_eq!(trim("0.12", 9), "0.12");
}

#[test]
fn rivest_usage_example_7_digits_2_seed_52() {
    let got: Vec<String> = rivest(
        &["a", "b"][..],
        "52",
        SampleOptions::with_replacement(20),
        2,
    )
    .into_iter()
    .map(|(t, id, _)| format!("{t} {id}"))
    .collect();
    let want = "0.19 b,0.25 b,0.36 a,0.64 a,0.75 a,0.79 b,0.80 a,0.919 a,0.941 b,0.944 b,\
                0.964 b,0.968 a,0.976 a,0.9951 a,0.9957 a,0.9958 b,0.9960 b,0.9968 b,0.9984 b,0.9988 b";
    assert_eq!(got.join(","), want);
}

#[test]
fn rivest_duplicate_ids_are_refused() {
    let err = RivestSampler::new("1")
        .sample(&["x", "y", "x"][..], SampleOptions::without_replacement(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "id \"x\" appears twice (items 1 and 3, counting from 1)"
    );
}

// ---- §1b: Arlo's sampler snapshot (tuple ids, emoji seed, digits 18) ----

const ARLO_SEED: &str = "12345678901234567890abcdefghijklmnopqrstuvwxyz😊";

fn arlo_manifest() -> ManifestIds {
    ManifestIds::new([("pct 1", 25), ("pct 2", 25), ("pct 3", 25), ("pct 4", 25)])
}

#[test]
fn arlo_snapshot_emoji_seed_20_draws() {
    let got = rivest(
        &arlo_manifest(),
        ARLO_SEED,
        SampleOptions::with_replacement(20),
        18,
    );
    assert_eq!(got.len(), 20);
    let expect = [
        (0, "0.000617786129909912", "('pct 2', 3)", 1),
        (1, "0.002991631653037245", "('pct 3', 24)", 1),
        (2, "0.012057030610635061", "('pct 1', 25)", 1),
        (3, "0.017930028930651931", "('pct 4', 19)", 1),
        (4, "0.025599454926985137", "('pct 3', 15)", 1),
        (10, "0.096136506157297637", "('pct 1', 20)", 2),
        (19, "0.138772253094235762", "('pct 4', 20)", 1),
    ];
    for (i, t, id, generation) in expect {
        assert_eq!(
            got[i],
            (t.to_owned(), id.to_owned(), generation),
            "draw {}",
            i + 1
        );
    }
}

#[test]
fn arlo_snapshot_num_sampled_splits_the_same_list() {
    let all = rivest(
        &arlo_manifest(),
        ARLO_SEED,
        SampleOptions::with_replacement(20),
        18,
    );
    let first = rivest(
        &arlo_manifest(),
        ARLO_SEED,
        SampleOptions::with_replacement(10),
        18,
    );
    let second = rivest(
        &arlo_manifest(),
        ARLO_SEED,
        SampleOptions {
            with_replacement: true,
            drop: 10,
            take: 10,
        },
        18,
    );
    assert_eq!(first, all[..10]);
    assert_eq!(second, all[10..]);
}

#[test]
fn arlo_ids_are_python_tuple_strings() {
    let check = |batch: &str, pos: u64, want: &str| assert_eq!(arlo_ballot_id(batch, pos), want);
    check("pct 2", 3, "('pct 2', 3)");
    // A single quote and no double quote: Python switches to double quotes.
    check("O'Brien", 1, "(\"O'Brien\", 1)");
    check("a'b\"c", 2, "('a\\'b\"c', 2)");
    check("back\\slash", 3, "('back\\\\slash', 3)");
    check("tab\there\n", 4, "('tab\\there\\n', 4)");
    check("Zürich 😊", 5, "('Zürich 😊', 5)");
    check("nb\u{a0}sp\u{200b}", 6, "('nb\\xa0sp\\u200b', 6)");
    check("\u{7f}\u{80}", 7, "('\\x7f\\x80', 7)");
    assert_eq!(python_str_repr("it's"), "\"it's\"");
}

#[test]
fn arlo_manifest_ids_match_tuple_strings() {
    let m = ManifestIds::new([("O'Brien", 2), ("b", 3)]);
    let all: Vec<String> = (0..m.id_count()).map(|i| m.id_string(i)).collect();
    assert_eq!(
        all,
        [
            "(\"O'Brien\", 1)",
            "(\"O'Brien\", 2)",
            "('b', 1)",
            "('b', 2)",
            "('b', 3)"
        ]
    );
}

// ---- §2: Colorado RLA SHA-256 seed,counter ----

#[test]
fn colorado_seed_3546311556112163624615351222_first_47() {
    let got: Vec<i64> = sha256_counter::draws("3546311556112163624615351222", 1, 876, 47, false)
        .unwrap()
        .iter()
        .map(|d| d.value)
        .collect();
    let want = [
        740, 180, 264, 789, 238, 448, 272, 611, 761, 208, 596, 88, 160, 113, 766, 427, 184, 816,
        653, 411, 779, 331, 339, 487, 594, 235, 65, 527, 821, 490, 461, 251, 471, 414, 174, 567,
        300, 134, 144, 357, 786, 792, 218, 550, 787, 537, 197,
    ];
    assert_eq!(got, want);
}

#[test]
fn colorado_with_replacement_keeps_repeats_and_counter_advances_past_skips() {
    let seed = "3546311556112163624615351222";
    let with = sha256_counter::draws(seed, 1, 876, 200, true).unwrap();
    let without = sha256_counter::draws(seed, 1, 876, 47, false).unwrap();
    // Without replacement is with replacement minus repeats, counters kept.
    let mut seen = BTreeSet::new();
    let dedup: Vec<(u64, i64)> = with
        .iter()
        .filter(|d| seen.insert(d.value))
        .map(|d| (d.counter, d.value))
        .take(47)
        .collect();
    let got: Vec<(u64, i64)> = without.iter().map(|d| (d.counter, d.value)).collect();
    assert_eq!(got, dedup);
    assert!(
        without.last().unwrap().counter > 47,
        "some repeat was skipped"
    );
    assert!(
        with.iter()
            .enumerate()
            .all(|(i, d)| d.counter == i as u64 + 1)
    );
}

// ---- §3: cryptorandom / SHANGRLA sample numbers ----

#[test]
fn cryptorandom_doctest_random_2_seed_12345678901234567890() {
    let mut g = CryptoRandom::new("12345678901234567890");
    assert_eq!(
        [g.random(), g.random()],
        [0.9272915426537484, 0.1916135318809483]
    );
}

#[test]
fn cryptorandom_output_k_is_seed_comma_and_k_zero_bytes() {
    use sha2::{Digest, Sha256};
    let nums = sample_numbers("12345678901234567890", 3);
    for (k, n) in nums.iter().enumerate() {
        let mut input = b"12345678901234567890,".to_vec();
        input.extend(std::iter::repeat_n(0u8, k));
        assert_eq!(n[..], Sha256::digest(&input)[..], "output {k}");
    }
}

// ---- consistent sampling across contests (hand-worked) ----

fn hand_cards() -> Vec<SampleCard<&'static str>> {
    let (a, b) = (ContestId(0), ContestId(1));
    vec![
        SampleCard {
            key: "0.5",
            contests: vec![a],
        }, // card 0
        SampleCard {
            key: "0.1",
            contests: vec![b],
        }, // card 1
        SampleCard {
            key: "0.9",
            contests: vec![a, b],
        }, // card 2
        SampleCard {
            key: "0.3",
            contests: vec![a],
        }, // card 3
        SampleCard {
            key: "0.7",
            contests: vec![b],
        }, // card 4
        SampleCard {
            key: "0.2",
            contests: vec![a, b],
        }, // card 5
    ]
}

fn check_consistent(
    targets: &[(u32, u64)],
    already: &[usize],
    drawn: &[usize],
    counts: &[(u32, u64)],
    shortfall: &[(u32, u64)],
) {
    let t: BTreeMap<ContestId, u64> = targets.iter().map(|&(c, n)| (ContestId(c), n)).collect();
    let got = consistent_sample(&hand_cards(), &t, &already.iter().copied().collect());
    assert_eq!(got.drawn, drawn, "targets {targets:?}");
    let map = |v: &[(u32, u64)]| -> BTreeMap<ContestId, u64> {
        v.iter().map(|&(c, n)| (ContestId(c), n)).collect()
    };
    assert_eq!(got.counts, map(counts));
    assert_eq!(got.shortfall, map(shortfall));
}

#[test]
fn consistent_sampling_hand_worked_example() {
    // Key order: 1 {B}, 5 {A,B}, 3 {A}, 0 {A}, 4 {B}, 2 {A,B}.
    // A:2, B:1 -> 1 (B=1), 5 (A=1, B=2), 3 (A=2): done.
    check_consistent(&[(0, 2), (1, 1)], &[], &[1, 5, 3], &[(0, 2), (1, 2)], &[]);
    // A:3 -> one more A card: 0.
    check_consistent(
        &[(0, 3), (1, 1)],
        &[],
        &[1, 5, 3, 0],
        &[(0, 3), (1, 2)],
        &[],
    );
    // A:1, B:3 -> 1, 5; then 3 and 0 hold only A, already met: skipped; 4.
    check_consistent(&[(0, 1), (1, 3)], &[], &[1, 5, 4], &[(0, 1), (1, 3)], &[]);
    // A contest on no card: every card is tried, the shortfall is reported.
    check_consistent(&[(0, 1), (7, 1)], &[], &[5], &[(0, 1), (7, 0)], &[(7, 1)]);
    // A later round continuing the order: card 5 already drawn counts A=1, B=1.
    check_consistent(&[(0, 2), (1, 1)], &[5], &[3], &[(0, 2), (1, 1)], &[]);
}

#[test]
fn consistent_sampling_fresh_round_seed_uses_a_new_ticket_order() {
    let ids = ["a", "b", "c", "d"];
    let a = ContestId(0);
    let contests = vec![vec![a]; 4];
    let targets: BTreeMap<ContestId, u64> = [(a, 4)].into_iter().collect();
    // With one contest on every card, the round is Rivest's order.
    let r = fresh_round("31", &ids[..], &contests, &targets, &BTreeSet::new());
    let order: Vec<&str> = r.drawn.iter().map(|&i| ids[i]).collect();
    assert_eq!(order, ["b", "a", "d", "c"]);
    // A fresh seed gives that seed's order.
    let other = fresh_round("32", &ids[..], &contests, &targets, &BTreeSet::new());
    let direct: Vec<usize> = RivestSampler::new("32")
        .sample(&ids[..], SampleOptions::without_replacement(4))
        .unwrap()
        .iter()
        .map(|d| d.index)
        .collect();
    assert_eq!(other.drawn, direct);
}
