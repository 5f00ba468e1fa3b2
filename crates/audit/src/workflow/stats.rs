//! The one piece of risk arithmetic the workflow keeps for itself: BRAVO's
//! risk for one winner–loser pair from that pair's own counts.
//!
//! `crate::bravo::BravoContest::risk` takes votes per candidate, which cannot
//! say "this missing card counts for every loser" (the worst case for a card
//! that is not found) without also inflating its count of cards drawn; the
//! pairwise form here can. Sample sizes and comparison risks come from
//! `crate::bravo` and `crate::supersimple`.

/// BRAVO risk for one winner–loser pair (Lindeman, Stark, Yates 2012, §4):
/// `T = (s_w/½)^w ((1−s_w)/½)^l`, `p = min(1, 1/T)`, where `s_w` is the
/// winner's share of the pair's reported votes and `w`, `l` are the pair's
/// votes in the sample.
pub fn bravo_risk(reported_winner: u64, reported_loser: u64, winner: u64, loser: u64) -> f64 {
    let total = reported_winner + reported_loser;
    if total == 0 || reported_winner <= reported_loser {
        return 1.0;
    }
    let s_w = reported_winner as f64 / total as f64;
    let mut log_t = 0.0;
    if winner > 0 {
        log_t += winner as f64 * (2.0 * s_w).ln();
    }
    if loser > 0 {
        log_t += loser as f64 * (2.0 - 2.0 * s_w).ln();
    }
    (-log_t).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    // PUBLISHED.md §5b: Arlo test1 round-1 risk {72, 47} of {600, 400} ≈ 0.07.
    #[test]
    fn arlo_bravo_round_one_risk() {
        let p = bravo_risk(600, 400, 72, 47);
        assert!((p - 0.07).abs() < 0.005, "{p}");
        // Hand-worked: s_w = 0.6; one winner vote gives T = 1.2, p = 1/1.2.
        assert!((bravo_risk(600, 400, 1, 0) - 1.0 / 1.2).abs() < 1e-15);
        // A landslide loser vote (s_w = 1) makes T = 0: p = 1.
        assert_eq!(bravo_risk(10, 0, 5, 1), 1.0);
        assert_eq!(bravo_risk(400, 400, 100, 0), 1.0);
    }
}
