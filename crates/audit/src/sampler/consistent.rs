//! Consistent sampling across contests: one sample serves every contest under
//! audit.
//!
//! Every card carries a pseudo-random key (a Rivest ticket number or a
//! SHANGRLA sample number) and the set of contests it can hold (from the CVR
//! or the card-style data). Cards are considered in increasing key order; a
//! card is drawn when it can hold at least one contest that has not yet
//! reached its target sample size, and then counts for **every** contest it
//! can hold. Drawing stops once every contest has its target.
//!
//! References: Stark, "SHANGRLA" (2020) §3.5 and SHANGRLA's
//! `Audit.consistent_sampling`; Arlo samples all targeted contests from one
//! ticket order in the same way. Because the order comes from the seed alone,
//! the sample for a contest is the same whatever other contests are audited,
//! up to the extra cards they bring in.
//!
//! Later rounds either continue the same order (pass the cards already drawn
//! as `already_drawn`: they count toward the targets and are not drawn again)
//! or start a fresh order from a new seed ([`fresh_round`]).

use super::rivest::{IdList, RivestSampler, TicketNumber};
use canvass_model::ContestId;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// A card that may be drawn: its key in the draw order and the contests it
/// can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleCard<K> {
    /// The card's ticket or sample number; smaller keys are drawn first.
    pub key: K,
    /// The contests the card can hold.
    pub contests: Vec<ContestId>,
}

/// The result of a consistent draw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsistentSample {
    /// Indexes (into the cards given) of the cards drawn, in draw order.
    /// Cards drawn in earlier rounds are not repeated here.
    pub drawn: Vec<usize>,
    /// For each targeted contest, how many sampled cards (earlier rounds
    /// included) can hold it.
    pub counts: BTreeMap<ContestId, u64>,
    /// Contests whose target could not be reached (too few cards hold them),
    /// with the number of cards missing.
    pub shortfall: BTreeMap<ContestId, u64>,
}

/// Draw cards in key order (ties by index) until every contest in `targets`
/// has its target. Cards in `already_drawn` count first and are not drawn
/// again. Contests not in `targets` are ignored.
pub fn consistent_sample<K: Ord + Sync>(
    cards: &[SampleCard<K>],
    targets: &BTreeMap<ContestId, u64>,
    already_drawn: &BTreeSet<usize>,
) -> ConsistentSample {
    let mut counts: BTreeMap<ContestId, u64> = targets.keys().map(|&c| (c, 0)).collect();
    let count_card = |card: &SampleCard<K>, counts: &mut BTreeMap<ContestId, u64>| {
        for c in &card.contests {
            if let Some(n) = counts.get_mut(c) {
                *n += 1;
            }
        }
    };
    for card in already_drawn.iter().filter_map(|&i| cards.get(i)) {
        count_card(card, &mut counts);
    }
    let needs = |counts: &BTreeMap<ContestId, u64>, c: &ContestId| matches!((counts.get(c), targets.get(c)), (Some(n), Some(t)) if n < t);
    let mut unmet = targets.keys().filter(|c| needs(&counts, c)).count();

    let mut order: Vec<usize> = (0..cards.len()).collect();
    order.par_sort_unstable_by(|&a, &b| match (cards.get(a), cards.get(b)) {
        (Some(x), Some(y)) => x.key.cmp(&y.key).then(a.cmp(&b)),
        _ => a.cmp(&b),
    });

    let mut drawn = Vec::new();
    for i in order {
        if unmet == 0 {
            break;
        }
        let Some(card) = cards.get(i) else { continue };
        if already_drawn.contains(&i) || !card.contests.iter().any(|c| needs(&counts, c)) {
            continue;
        }
        let before: Vec<bool> = card.contests.iter().map(|c| needs(&counts, c)).collect();
        count_card(card, &mut counts);
        for (c, was_needed) in card.contests.iter().zip(before) {
            if was_needed && !needs(&counts, c) {
                unmet -= 1;
            }
        }
        drawn.push(i);
    }
    let shortfall = targets
        .iter()
        .filter_map(|(c, &t)| {
            let n = counts.get(c).copied().unwrap_or(0);
            (n < t).then(|| (*c, t - n))
        })
        .collect();
    ConsistentSample {
        drawn,
        counts,
        shortfall,
    }
}

/// A round with its own seed: every card's first Rivest ticket under `seed`
/// is its key (a new sampler for the new seed), then [`consistent_sample`].
/// `contests[i]` lists the contests card `i` of `ids` can hold.
pub fn fresh_round<I: IdList + ?Sized>(
    seed: &str,
    ids: &I,
    contests: &[Vec<ContestId>],
    targets: &BTreeMap<ContestId, u64>,
    already_drawn: &BTreeSet<usize>,
) -> ConsistentSample {
    let sampler = RivestSampler::new(seed);
    let cards: Vec<SampleCard<TicketNumber>> = (0..ids.id_count())
        .into_par_iter()
        .map(|i| SampleCard {
            key: sampler.first_ticket(&ids.id_string(i)),
            contests: contests.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    consistent_sample(&cards, targets, already_drawn)
}
