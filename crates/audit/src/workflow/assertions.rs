//! The assertions a contest's audit tests, with their assorters on the
//! workflow's [`Selection`]s (SHANGRLA, Stark 2020): the reported outcome is
//! right when every assertion's assorter has mean above 1/2.
//!
//! - plurality / vote-for-N / approval, one per winner `w` and loser `ℓ`
//!   (SHANGRLA §2.1): `A(b) = (b_w − b_ℓ + 1)/2`, `u = 1`;
//! - supermajority with share `s` (SHANGRLA §2.3): `A(b) = b_w/(2s)` when
//!   the card has exactly one valid vote, else 1/2; `u = 1/(2s)`;
//! - IRV: RAIRE's NEB and NEN assertions (Blom, Stuckey & Teague 2019, §4;
//!   SHANGRLA §2.4), `u = 1`, as [`crate::raire::IrvAssorter`] scores model
//!   cards.
//!
//! Margins and overstatements are expressed in **votes** so that every
//! assertion looks like a plurality pair to the super-simple risk: an
//! assertion with reported assorter margin `v` (mean `(1 + v)/2`) over `N`
//! cards has margin `V = v N / u` votes, and a card's overstatement
//! `ω = A(CVR) − A(paper)` is `e = 2ω/u` votes, between −2 and 2. For a
//! plurality pair these are exactly `V_w − V_ℓ` and
//! `(v_w − v_ℓ)(CVR) − (v_w − v_ℓ)(paper)`. The comparison assorter of
//! SHANGRLA §3.2 is then `B = (1 − ω/u)/(2 − v/u) = (1 − e/2)/(2 − V/N)`.
//!
//! Worst cases (Bañuelos & Stark 2012; SHANGRLA §3.4): a phantom CVR scores
//! 1/2; a card that is not found, or whose paper lacks a contest its CVR
//! holds, scores 0.

use super::spec::{ContestRule, ContestSpec, Selection};
use crate::raire::Assertion as Raire;

/// What one assertion claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssertionKind {
    /// Reported winner `winner` has more votes than reported loser `loser`.
    Pair {
        /// The winner (index into the contest's candidates).
        winner: usize,
        /// The loser.
        loser: usize,
    },
    /// `winner` has more than `numerator/denominator` of the valid votes.
    Supermajority {
        /// The winner.
        winner: usize,
        /// The share's numerator.
        numerator: u64,
        /// The share's denominator.
        denominator: u64,
    },
    /// An IRV assertion found by RAIRE.
    Irv(Raire),
}

/// One assertion with its reported margin.
#[derive(Clone, Debug, PartialEq)]
pub struct ContestAssertion {
    /// The claim.
    pub kind: AssertionKind,
    /// The reported margin in votes, `V = v N / u` (rounded down).
    pub margin: i64,
}

impl ContestSpec {
    /// The assertions that together imply the reported outcome.
    pub fn assertions(&self) -> Vec<ContestAssertion> {
        match &self.rule {
            ContestRule::Plurality => self
                .pairs()
                .into_iter()
                .map(|(winner, loser, margin)| ContestAssertion {
                    kind: AssertionKind::Pair { winner, loser },
                    margin,
                })
                .collect(),
            ContestRule::Supermajority {
                numerator,
                denominator,
            } => {
                let Some(&winner) = self.winners.first() else {
                    return Vec::new();
                };
                // SHANGRLA §2.3: mean = (V_w/(2s) + (N − V_valid)/2)/N, so
                // v = (V_w/s − V_valid)/N and V = vN/u = 2V_w − 2s V_valid.
                let valid: u64 = self.reported.iter().sum();
                let num = 2 * i128::from(self.votes(winner)) * i128::from(*denominator)
                    - 2 * i128::from(*numerator) * i128::from(valid);
                let margin = num.div_euclid(i128::from((*denominator).max(1)));
                vec![ContestAssertion {
                    kind: AssertionKind::Supermajority {
                        winner,
                        numerator: *numerator,
                        denominator: *denominator,
                    },
                    margin: margin.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
                }]
            }
            ContestRule::Irv { assertions } => assertions
                .iter()
                .map(|a| ContestAssertion {
                    kind: AssertionKind::Irv(a.assertion.clone()),
                    margin: a.margin,
                })
                .collect(),
        }
    }
}

impl ContestAssertion {
    /// The assorter's upper bound `u`.
    pub fn upper(&self) -> f64 {
        match &self.kind {
            AssertionKind::Supermajority {
                numerator,
                denominator,
                ..
            } => *denominator as f64 / (2.0 * *numerator as f64),
            _ => 1.0,
        }
    }

    /// The assorter's value on a selection (a contest not on the card, a
    /// blank and an overvote score 1/2).
    pub fn assort(&self, s: &Selection) -> f64 {
        let pairwise =
            |w: bool, l: bool| (f64::from(u8::from(w)) - f64::from(u8::from(l)) + 1.0) / 2.0;
        match &self.kind {
            // SHANGRLA §2.1: A(b) = (b_w − b_ℓ + 1)/2
            AssertionKind::Pair { winner, loser } => {
                pairwise(s.vote_for(*winner) == 1, s.vote_for(*loser) == 1)
            }
            // SHANGRLA §2.3: b_w/(2s) with exactly one valid vote, else 1/2
            AssertionKind::Supermajority { winner, .. } => match s {
                Selection::Votes(v) if v.len() == 1 => {
                    if v.first() == Some(winner) {
                        self.upper()
                    } else {
                        0.0
                    }
                }
                _ => 0.5,
            },
            AssertionKind::Irv(a) => {
                let Selection::Ranking(prefs) = s else {
                    return 0.5;
                };
                match a {
                    // NEB: first choice is the winner, against the loser
                    // ranked with the winner not above it
                    Raire::NotEliminatedBefore { winner, loser } => {
                        let (w, l) = (*winner as usize, *loser as usize);
                        let first = prefs.first() == Some(&w);
                        let for_loser = prefs.iter().find(|&&c| c == w || c == l) == Some(&l);
                        pairwise(first, for_loser)
                    }
                    // NEN: the first continuing choice
                    Raire::NotEliminatedNext {
                        winner,
                        loser,
                        continuing,
                    } => {
                        let top = prefs
                            .iter()
                            .find(|&&c| continuing.iter().any(|&k| k as usize == c));
                        pairwise(
                            top == Some(&(*winner as usize)),
                            top == Some(&(*loser as usize)),
                        )
                    }
                }
            }
        }
    }

    /// The overstatement in votes `e = 2(A(CVR) − A(paper))/u` of one card:
    /// `cvr` is `None` for a phantom, `paper` is `None` for a card not found.
    pub fn overstatement(&self, cvr: Option<&Selection>, paper: Option<&Selection>) -> f64 {
        let reported = cvr.map_or(0.5, |s| self.assort(s));
        let audited = match paper {
            None => 0.0,
            Some(Selection::Absent) if cvr.is_some_and(|c| *c != Selection::Absent) => 0.0,
            Some(s) => self.assort(s),
        };
        2.0 * (reported - audited) / self.upper()
    }

    /// The assertion in words, with the contest's candidate names.
    pub fn describe(&self, contest: &ContestSpec) -> String {
        let name = |i: usize| {
            contest
                .candidates
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("#{i}"))
        };
        match &self.kind {
            AssertionKind::Pair { winner, loser } => {
                format!("{} beats {}", name(*winner), name(*loser))
            }
            AssertionKind::Supermajority {
                winner,
                numerator,
                denominator,
            } => format!(
                "{} has more than {numerator}/{denominator} of the valid votes",
                name(*winner)
            ),
            AssertionKind::Irv(Raire::NotEliminatedBefore { winner, loser }) => format!(
                "{} is not eliminated before {}",
                name(*winner as usize),
                name(*loser as usize)
            ),
            AssertionKind::Irv(Raire::NotEliminatedNext {
                winner,
                loser,
                continuing,
            }) => format!(
                "{} is not eliminated next when {} remain, {} is",
                name(*winner as usize),
                continuing
                    .iter()
                    .map(|&c| name(c as usize))
                    .collect::<Vec<_>>()
                    .join(", "),
                name(*loser as usize)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(rule: ContestRule) -> ContestSpec {
        ContestSpec {
            name: "Mayor".into(),
            seats: 1,
            vote_limit: Some(1),
            candidates: vec!["A".into(), "B".into(), "C".into()],
            write_in: 2,
            reported: vec![50, 30, 20],
            winners: vec![0],
            cvr_cards: 100,
            universe: 100,
            rule,
        }
    }

    #[test]
    fn irv_assorters_score_rankings_as_raire_does() {
        let neb = ContestAssertion {
            kind: AssertionKind::Irv(Raire::NotEliminatedBefore {
                winner: 0,
                loser: 1,
            }),
            margin: 10,
        };
        let r = |v: &[usize]| Selection::Ranking(v.to_vec());
        assert_eq!(neb.assort(&r(&[0, 1])), 1.0);
        assert_eq!(neb.assort(&r(&[2, 1, 0])), 0.0);
        assert_eq!(neb.assort(&r(&[2, 0, 1])), 0.5);
        assert_eq!(neb.assort(&Selection::Blank), 0.5);
        let nen = ContestAssertion {
            kind: AssertionKind::Irv(Raire::nen(0, 1, vec![0, 1])),
            margin: 10,
        };
        assert_eq!(nen.assort(&r(&[2, 1, 0])), 0.0);
        assert_eq!(nen.assort(&r(&[2, 0])), 1.0);
        assert_eq!(nen.assort(&r(&[2])), 0.5);
        // CVR A > B, paper B: two votes over; not found: 2 A(CVR) = 2.
        assert_eq!(nen.overstatement(Some(&r(&[0, 1])), Some(&r(&[1]))), 2.0);
        assert_eq!(nen.overstatement(Some(&r(&[0, 1])), None), 2.0);
        assert_eq!(nen.overstatement(None, None), 1.0);
        let spec = ranked(ContestRule::Plurality);
        assert_eq!(
            nen.describe(&spec),
            "A is not eliminated next when A, B remain, B is"
        );
    }

    #[test]
    fn supermajority_margin_in_votes() {
        // Two thirds: 70 of 100 valid votes; V = 2·70 − 2·(2/3)·100 = 6.67 → 6.
        let spec = ContestSpec {
            reported: vec![70, 30, 0],
            ..ranked(ContestRule::Supermajority {
                numerator: 2,
                denominator: 3,
            })
        };
        let a = spec.assertions();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].margin, 6);
        assert!((a[0].upper() - 0.75).abs() < 1e-15);
        let v = |i: usize| Selection::Votes(vec![i]);
        // CVR for the winner, paper for the other: ω = u, e = 2.
        assert_eq!(a[0].overstatement(Some(&v(0)), Some(&v(1))), 2.0);
        // CVR blank, paper for the winner: ω = 1/2 − u, e = 2(1/2 − 3/4)/(3/4).
        assert!(
            (a[0].overstatement(Some(&Selection::Blank), Some(&v(0))) + 2.0 / 3.0).abs() < 1e-12
        );
        assert_eq!(
            a[0].describe(&spec),
            "A has more than 2/3 of the valid votes"
        );
    }
}
