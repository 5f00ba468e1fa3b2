//! `canvass calc`: risk measurements and sample sizes from the command line,
//! a thin shell over `canvass_audit`.
//!
//! ```text
//! canvass calc risk --function alpha --values 1,1,0.5 --population 1000 --json
//! canvass calc risk --method bravo --ballots 1000 --votes a=600,b=400 --sample a=72,b=47 --json
//! canvass calc sample-size --method bravo --risk-limit 0.1 --ballots 1000 --votes a=600,b=400 --json
//! canvass calc risk --method minerva --ballots 1200 --votes a=600,b=400,c=100 --round 83:a=40,b=40,c=3 --round 200:a=70,b=30,c=10 --json
//! canvass calc sample-size --method minerva --risk-limit 0.1 --ballots 1200 --votes a=600,b=400,c=100 --json
//! canvass calc sample-size --method kaplan-markov --risk-limit 0.1 --ballots 100000 --votes w=60000,l=40000 --json
//! ```

use anyhow::{Context, Result, bail};
use canvass_audit::bravo::BravoContest;
use canvass_audit::minerva::{MinervaContest, MinervaRound};
use canvass_audit::nonneg_mean::{
    Bet, Estimator, NonnegMean, Population, RiskFunction, ShrinkTrunc,
};
use canvass_audit::supersimple::{ComparisonContest, Discrepancies, GAMMA};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Compute a risk measurement or a sample size.
#[derive(Args, Debug)]
pub struct CalcArgs {
    #[command(subcommand)]
    command: CalcCommand,
}

#[derive(Subcommand, Debug)]
enum CalcCommand {
    /// The p-value of a sample.
    Risk(RiskArgs),
    /// The sample size for an audit.
    SampleSize(SampleSizeArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Function {
    Alpha,
    Betting,
    KaplanMarkov,
    KaplanWald,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum EstimatorKind {
    Fixed,
    ShrinkTrunc,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum BetKind {
    Fixed,
    Agrapa,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum RiskMethod {
    Bravo,
    Minerva,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum SizeMethod {
    Bravo,
    KaplanMarkov,
    Minerva,
}

#[derive(Args, Debug)]
struct RiskArgs {
    /// Test supermartingale for `--values` (SHANGRLA NonnegMean).
    #[arg(long, conflicts_with = "method")]
    function: Option<Function>,
    /// Ballot-polling method for `--votes`/`--sample`.
    #[arg(long)]
    method: Option<RiskMethod>,
    /// Sample values in draw order, comma-separated.
    #[arg(long, allow_hyphen_values = true)]
    values: Option<String>,
    /// Upper bound u of the values.
    #[arg(long, default_value_t = 1.0)]
    upper: f64,
    /// Population size N (sampling without replacement); default infinite.
    #[arg(long)]
    population: Option<u64>,
    /// Null mean t.
    #[arg(long, default_value_t = 0.5)]
    null_mean: f64,
    /// Alternative mean η (ALPHA).
    #[arg(long)]
    eta: Option<f64>,
    /// ALPHA estimator of η_j.
    #[arg(long, value_enum, default_value_t = EstimatorKind::Fixed)]
    estimator: EstimatorKind,
    /// Shrink-trunc: weight d of η.
    #[arg(long)]
    d: Option<f64>,
    /// Shrink-trunc: truncation scale c.
    #[arg(long)]
    c: Option<f64>,
    /// Shrink-trunc: weight f of the upper bound.
    #[arg(long)]
    f: Option<f64>,
    /// Shrink-trunc: minimum standard deviation.
    #[arg(long)]
    minsd: Option<f64>,
    /// Betting: the (first) bet λ.
    #[arg(long)]
    lambda: Option<f64>,
    /// Betting strategy.
    #[arg(long, value_enum, default_value_t = BetKind::Fixed)]
    bet: BetKind,
    /// Kaplan–Markov / Kaplan–Wald padding g.
    #[arg(long, default_value_t = 0.0)]
    g: f64,
    /// Use only the final value of the martingale (sample not in drawn order).
    #[arg(long)]
    not_random_order: bool,
    /// BRAVO: ballots cast.
    #[arg(long)]
    ballots: Option<u64>,
    /// BRAVO: reported votes, `name=count,...`.
    #[arg(long)]
    votes: Option<String>,
    /// BRAVO: number of winners.
    #[arg(long, default_value_t = 1)]
    winners: usize,
    /// BRAVO: sampled votes (all rounds), `name=count,...`.
    #[arg(long)]
    sample: Option<String>,
    /// Minerva: one round as `size:name=count,...` (ballots drawn in the
    /// round, votes seen in it); repeat in round order.
    #[arg(long = "round")]
    rounds: Vec<String>,
    /// Risk limit α (a fraction, e.g. 0.1, or a percentage, e.g. 10%).
    #[arg(long, default_value = "0.1")]
    risk_limit: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SampleSizeArgs {
    /// Method.
    #[arg(long)]
    method: SizeMethod,
    /// Risk limit α (a fraction, e.g. 0.1, or a percentage, e.g. 10%).
    #[arg(long)]
    risk_limit: String,
    /// Ballots cast.
    #[arg(long)]
    ballots: u64,
    /// Reported votes, `name=count,...`.
    #[arg(long)]
    votes: String,
    /// Number of winners.
    #[arg(long, default_value_t = 1)]
    winners: usize,
    /// BRAVO: votes sampled in earlier rounds, `name=count,...`.
    #[arg(long)]
    sample: Option<String>,
    /// Kaplan–Markov: error inflation γ.
    #[arg(long, default_value_t = GAMMA)]
    gamma: f64,
    /// Kaplan–Markov: discrepancies found so far, `o1=..,o2=..,u1=..,u2=..`.
    #[arg(long, requires = "sampled")]
    observed: Option<String>,
    /// Kaplan–Markov: ballots drawn so far.
    #[arg(long)]
    sampled: Option<u64>,
    /// Minerva: size of the first round, to get a later round's size.
    #[arg(long)]
    first_round: Option<u64>,
    /// Minerva: rounds done so far (with --first-round).
    #[arg(long, default_value_t = 1, requires = "first_round")]
    rounds_done: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `canvass calc`.
pub fn run(args: CalcArgs) -> Result<()> {
    let out = match args.command {
        CalcCommand::Risk(a) => risk(&a)?,
        CalcCommand::SampleSize(a) => sample_size(&a)?,
    };
    println!("{}", out);
    Ok(())
}

fn parse_risk_limit(text: &str) -> Result<f64> {
    let (number, scale) = match text.trim().strip_suffix('%') {
        Some(p) => (p, 100.0),
        None => (text.trim(), 1.0),
    };
    let alpha = number
        .parse::<f64>()
        .map(|v| v / scale)
        .with_context(|| format!("--risk-limit {text:?} is not a number"))?;
    if !(alpha > 0.0 && alpha < 1.0) {
        bail!("--risk-limit {text:?} must be strictly between 0 and 1 (or 0% and 100%)");
    }
    Ok(alpha)
}

fn parse_values(text: &str) -> Result<Vec<f64>> {
    text.split(',')
        .enumerate()
        .map(|(i, v)| {
            let v = v.trim();
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .with_context(|| {
                    format!("--values: value {} ({v:?}) is not a finite number", i + 1)
                })
        })
        .collect()
}

/// `name=count,...` in the order given.
fn parse_counts(flag: &str, text: &str) -> Result<Vec<(String, u64)>> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for item in text.split(',').filter(|s| !s.trim().is_empty()) {
        let (name, count) = item
            .split_once('=')
            .with_context(|| format!("{flag}: {item:?} is not name=count"))?;
        let name = name.trim();
        if name.is_empty() {
            bail!("{flag}: {item:?} has an empty name");
        }
        let count = count.trim().parse::<u64>().with_context(|| {
            format!(
                "{flag}: count of {name:?} ({:?}) is not a whole number",
                count.trim()
            )
        })?;
        if out.iter().any(|(n, _)| n == name) {
            bail!("{flag}: {name:?} is given twice");
        }
        out.push((name.to_owned(), count));
    }
    if out.is_empty() {
        bail!("{flag} is empty");
    }
    Ok(out)
}

fn risk(a: &RiskArgs) -> Result<String> {
    if a.method == Some(RiskMethod::Bravo) {
        return bravo_risk(a);
    }
    if a.method == Some(RiskMethod::Minerva) {
        return minerva_risk(a);
    }
    let Some(function) = a.function else {
        bail!(
            "give --function alpha|betting|kaplan-markov|kaplan-wald with --values, or --method bravo"
        );
    };
    let values = parse_values(
        a.values
            .as_deref()
            .context("--values is required with --function")?,
    )?;
    let population = Population {
        upper: a.upper,
        size: a.population,
        null_mean: a.null_mean,
    };
    let function = match function {
        Function::Alpha => RiskFunction::Alpha(match a.estimator {
            // SHANGRLA's default fixed alternative: t + (u − t)/2
            EstimatorKind::Fixed => Estimator::Fixed {
                eta: a.eta.unwrap_or(a.null_mean + (a.upper - a.null_mean) / 2.0),
            },
            EstimatorKind::ShrinkTrunc => {
                let defaults = ShrinkTrunc::defaults(a.upper);
                Estimator::ShrinkTrunc(ShrinkTrunc {
                    eta: a.eta.unwrap_or(defaults.eta),
                    d: a.d.unwrap_or(defaults.d),
                    c: a.c,
                    f: a.f.unwrap_or(defaults.f),
                    minsd: a.minsd.unwrap_or(defaults.minsd),
                })
            }
        }),
        Function::Betting => {
            let lambda = a.lambda.unwrap_or(0.5);
            RiskFunction::Betting(match a.bet {
                BetKind::Fixed => Bet::Fixed { lambda },
                BetKind::Agrapa => Bet::agrapa(lambda),
            })
        }
        Function::KaplanMarkov => RiskFunction::KaplanMarkov { g: a.g },
        Function::KaplanWald => RiskFunction::KaplanWald { g: a.g },
    };
    let test = NonnegMean {
        population,
        function,
        random_order: !a.not_random_order,
    };
    let m = test.test(&values)?;
    Ok(if a.json {
        json!({ "p_value": m.p_value, "p_history": m.p_history }).to_string()
    } else {
        format!("p-value {} after {} draws", m.p_value, m.p_history.len())
    })
}

fn bravo_contest(
    ballots: Option<u64>,
    votes: Option<&str>,
    winners: usize,
) -> Result<BravoContest> {
    let ballots = ballots.context("--ballots is required")?;
    let votes = parse_counts("--votes", votes.context("--votes is required")?)?;
    Ok(BravoContest::new(ballots, votes, winners)?)
}

fn sample_map(text: Option<&str>) -> Result<BTreeMap<String, u64>> {
    match text {
        None => Ok(BTreeMap::new()),
        Some(t) => Ok(parse_counts("--sample", t)?.into_iter().collect()),
    }
}

fn bravo_risk(a: &RiskArgs) -> Result<String> {
    let contest = bravo_contest(a.ballots, a.votes.as_deref(), a.winners)?;
    let sample = sample_map(Some(a.sample.as_deref().context("--sample is required")?))?;
    let alpha = parse_risk_limit(&a.risk_limit)?;
    let r = contest.risk(&sample, alpha)?;
    Ok(if a.json {
        serde_json::to_string(&r)?
    } else {
        let mut s = String::new();
        for p in &r.pairs {
            s.push_str(&format!(
                "{} vs {}: p-value {}\n",
                p.winner, p.loser, p.p_value
            ));
        }
        s.push_str(if r.confirmed {
            "confirmed"
        } else {
            "not confirmed"
        });
        s
    })
}

fn sample_size(a: &SampleSizeArgs) -> Result<String> {
    let alpha = parse_risk_limit(&a.risk_limit)?;
    match a.method {
        SizeMethod::Bravo => {
            if a.observed.is_some() || a.sampled.is_some() {
                bail!(
                    "--observed/--sampled are for --method kaplan-markov; give BRAVO's earlier rounds as --sample"
                );
            }
            let contest = bravo_contest(Some(a.ballots), Some(&a.votes), a.winners)?;
            let prior = sample_map(a.sample.as_deref())?;
            let o = contest.sample_size_options(alpha, &prior)?;
            let mut quantiles = Map::new();
            if o.all_ballots {
                for q in canvass_audit::bravo::QUANTILES {
                    quantiles.insert(q.to_string(), json!(a.ballots));
                }
            }
            for q in &o.quantiles {
                quantiles.insert(q.prob.to_string(), json!(q.size));
            }
            let asn = if o.all_ballots {
                Some(a.ballots)
            } else {
                o.asn
            };
            Ok(if a.json {
                json!({
                    "asn": asn,
                    "asn_prob": o.asn_prob,
                    "quantiles": Value::Object(quantiles),
                    "all_ballots": o.all_ballots,
                })
                .to_string()
            } else {
                let mut s = format!("ASN {}", asn.map_or("-".to_owned(), |n| n.to_string()));
                for (k, v) in &quantiles {
                    s.push_str(&format!(", {k}: {v}"));
                }
                if o.all_ballots {
                    s.push_str(" (full hand count)");
                }
                s
            })
        }
        SizeMethod::Minerva => minerva_sample_size(a, alpha),
        SizeMethod::KaplanMarkov => {
            if a.sample.is_some() {
                bail!(
                    "--sample is for --method bravo; give discrepancies with --observed and --sampled"
                );
            }
            let votes = parse_counts("--votes", &a.votes)?;
            let tallies: Vec<u64> = votes.iter().map(|(_, v)| *v).collect();
            let contest = ComparisonContest::from_tallies(a.ballots, &tallies, a.winners, a.gamma)?;
            let observed = match (&a.observed, a.sampled) {
                (Some(text), Some(n)) => Some((parse_discrepancies(text)?, n)),
                (None, Some(n)) => Some((Discrepancies::default(), n)),
                _ => None,
            };
            let n = contest.sample_size(alpha, observed)?;
            Ok(if a.json {
                json!({ "sample_size": n }).to_string()
            } else {
                format!("sample size {n}")
            })
        }
    }
}

fn parse_discrepancies(text: &str) -> Result<Discrepancies> {
    let mut d = Discrepancies::default();
    for (name, count) in parse_counts("--observed", text)? {
        match name.as_str() {
            "o1" => d.o1 = count,
            "o2" => d.o2 = count,
            "u1" => d.u1 = count,
            "u2" => d.u2 = count,
            other => bail!("--observed: unknown discrepancy {other:?} (use o1, o2, u1, u2)"),
        }
    }
    Ok(d)
}

fn minerva_contest(
    ballots: Option<u64>,
    votes: Option<&str>,
    winners: usize,
) -> Result<MinervaContest> {
    let ballots = ballots.context("--ballots is required")?;
    let votes = parse_counts("--votes", votes.context("--votes is required")?)?;
    Ok(MinervaContest::new(ballots, votes, winners)?)
}

/// `size:name=count,...`.
fn parse_round(text: &str) -> Result<MinervaRound> {
    let (size, votes) = text
        .split_once(':')
        .with_context(|| format!("--round {text:?} is not size:name=count,..."))?;
    let size = size
        .trim()
        .parse::<u64>()
        .with_context(|| format!("--round {text:?}: size {size:?} is not a whole number"))?;
    Ok(MinervaRound {
        size,
        votes: parse_counts("--round", votes)?.into_iter().collect(),
    })
}

fn minerva_risk(a: &RiskArgs) -> Result<String> {
    if a.sample.is_some() {
        bail!(
            "--sample is for --method bravo; give Minerva's rounds as --round size:name=count,..."
        );
    }
    let contest = minerva_contest(a.ballots, a.votes.as_deref(), a.winners)?;
    if a.rounds.is_empty() {
        bail!("--round is required with --method minerva");
    }
    let rounds = a
        .rounds
        .iter()
        .map(|r| parse_round(r))
        .collect::<Result<Vec<_>>>()?;
    let alpha = parse_risk_limit(&a.risk_limit)?;
    let r = contest.risk(alpha, &rounds)?;
    Ok(if a.json {
        serde_json::to_string(&r)?
    } else {
        format!(
            "p-value {} after {} round(s): {}",
            r.p_value,
            r.rounds_evaluated,
            if r.confirmed {
                "confirmed"
            } else {
                "not confirmed"
            }
        )
    })
}

fn minerva_sample_size(a: &SampleSizeArgs, alpha: f64) -> Result<String> {
    if a.observed.is_some() || a.sampled.is_some() || a.sample.is_some() {
        bail!("--method minerva takes --first-round (and --rounds-done) for later rounds");
    }
    let contest = minerva_contest(Some(a.ballots), Some(&a.votes), a.winners)?;
    let mut quantiles = Map::new();
    let mut all_ballots = false;
    if let Some(first) = a.first_round {
        // Arlo's fixed schedule for rounds after the first (0.9 only)
        let n = canvass_audit::minerva::next_round_size(first, a.rounds_done);
        quantiles.insert("0.9".to_owned(), json!(n));
    } else {
        let o = contest.first_round_sizes(alpha, &canvass_audit::minerva::QUANTILES)?;
        all_ballots = o.all_ballots;
        for q in &o.quantiles {
            quantiles.insert(q.prob.to_string(), json!(q.size));
        }
    }
    Ok(if a.json {
        json!({ "quantiles": Value::Object(quantiles), "all_ballots": all_ballots }).to_string()
    } else {
        let parts: Vec<String> = quantiles.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let mut s = parts.join(", ");
        if all_ballots {
            s.push_str(" (full hand count)");
        }
        s
    })
}

#[cfg(test)]
mod minerva_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code may panic
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Size {
        #[command(flatten)]
        a: SampleSizeArgs,
    }

    #[derive(Parser)]
    struct Risk {
        #[command(flatten)]
        a: RiskArgs,
    }

    fn size_json(args: &[&str]) -> Value {
        let p = Size::try_parse_from(std::iter::once("x").chain(args.iter().copied())).unwrap();
        serde_json::from_str(&sample_size(&p.a).unwrap()).unwrap()
    }

    fn risk_json(args: &[&str]) -> Result<Value> {
        let p = Risk::try_parse_from(std::iter::once("x").chain(args.iter().copied())).unwrap();
        Ok(serde_json::from_str(&risk(&p.a)?)?)
    }

    #[test]
    fn minerva_first_round_sizes_arlo_c3() {
        let v = size_json(&[
            "--method",
            "minerva",
            "--risk-limit",
            "10%",
            "--ballots",
            "1200",
            "--votes",
            "a=600,b=400,c=100",
            "--json",
        ]);
        assert_eq!(v["quantiles"]["0.7"], 134);
        assert_eq!(v["quantiles"]["0.8"], 166);
        assert_eq!(v["quantiles"]["0.9"], 215);
        assert_eq!(v["all_ballots"], false);
    }

    #[test]
    fn minerva_second_round_size_arlo() {
        let v = size_json(&[
            "--method",
            "minerva",
            "--risk-limit",
            "20%",
            "--ballots",
            "1000000",
            "--votes",
            "a=502000,b=498000",
            "--first-round",
            "20",
            "--json",
        ]);
        assert_eq!(v["quantiles"]["0.9"], 45);
    }

    #[test]
    fn minerva_two_round_risk_arlo() {
        let v = risk_json(&[
            "--method",
            "minerva",
            "--ballots",
            "1200",
            "--votes",
            "a=600,b=400,c=100",
            "--round",
            "83:a=40,b=40,c=3",
            "--round",
            "200:a=70,b=30,c=10",
            "--json",
        ])
        .unwrap();
        let p = v["p_value"].as_f64().unwrap();
        assert!((p / 0.006382031505998192 - 1.0).abs() < 1e-9, "{p}");
        assert_eq!(v["confirmed"], true);
    }

    #[test]
    fn minerva_bad_round_is_an_error() {
        for bad in ["83", "x:a=1", "82:a=40,b=40,c=3"] {
            let r = risk_json(&[
                "--method",
                "minerva",
                "--ballots",
                "1200",
                "--votes",
                "a=600,b=400,c=100",
                "--round",
                bad,
            ]);
            assert!(r.is_err(), "{bad}");
        }
    }
}
