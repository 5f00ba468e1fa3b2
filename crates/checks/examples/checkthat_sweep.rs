//! Measure the claim matcher's ranking on CLEF CheckThat! 2020 Task 2
//! (`../shared/data/checkthat2020`): MAP@5 on the train and dev splits for
//! plain BM25, each analysis step added in turn, and a sweep of BM25F's
//! parameters chosen on *train* only (dev is reported, never tuned on).
//!
//! `cargo run --release -p canvass-checks --example checkthat_sweep`

use std::path::{Path, PathBuf};

use canvass_checks::claims::analyze::{AnalyzerOptions, Signature};
use canvass_checks::claims::bm25f::{Bm25fParams, FieldParams};
use canvass_checks::claims::trec::{self, Qrels, RetrievalConfig, Table};

struct Split {
    queries: Table,
    qrels: Qrels,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/checkthat2020")
        });
    if !data.join("verified_claims.docs.tsv").is_file() {
        eprintln!("skipping: {} not found", data.display());
        return Ok(());
    }
    let claims = trec::read_table(&data.join("verified_claims.docs.tsv"))?;
    let mut splits = Vec::new();
    for name in ["train", "dev"] {
        splits.push(Split {
            queries: trec::read_table(&data.join(name).join("tweets.queries.tsv"))?,
            qrels: trec::read_qrels(&data.join(name).join("tweet-vclaim-pairs.qrels"))?,
        });
    }
    let score = |config: &RetrievalConfig| -> Vec<f64> {
        let index = trec::index_table(&claims, config);
        splits
            .iter()
            .map(|s| {
                trec::map_at_k(
                    &trec::run_queries(&index, &claims, &s.queries, 5),
                    &s.qrels,
                    5,
                )
            })
            .collect()
    };
    println!("{:<44} {:>9} {:>9}", "configuration", "train", "dev");
    let print = |name: &str, m: &[f64]| {
        println!(
            "{name:<44} {:>9.4} {:>9.4}",
            m.first().unwrap_or(&0.0),
            m.get(1).unwrap_or(&0.0)
        );
    };
    let plain = RetrievalConfig::plain(claims.fields.len());
    print("plain BM25 (claim + title)", &score(&plain));
    let mut opts = AnalyzerOptions::PLAIN;
    type Step = (&'static str, fn(&mut AnalyzerOptions));
    let steps: [Step; 4] = [
        ("+ tweet tokenizer", |o| o.tweet = true),
        ("+ stop words", |o| o.stopwords = true),
        ("+ stemming", |o| o.stem = true),
        ("+ election synonyms", |o| o.synonyms = true),
    ];
    for (name, step) in steps {
        step(&mut opts);
        let config = RetrievalConfig {
            analyzer: opts,
            params: plain.params.clone(),
        };
        print(name, &score(&config));
    }
    for (name, signature) in [
        ("  signature kept whole", Signature::Keep),
        ("  signature: name and handle", Signature::NoDate),
        ("  signature: name and date", Signature::NoHandle),
        ("  signature: name only", Signature::NameOnly),
        ("  signature dropped", Signature::Drop),
    ] {
        let analyzer = AnalyzerOptions {
            signature,
            ..AnalyzerOptions::FULL
        };
        print(
            name,
            &score(&RetrievalConfig {
                analyzer,
                params: plain.params.clone(),
            }),
        );
    }
    // Sweep on train: k1, b and the title's weight against the claim's.
    let full = RetrievalConfig {
        analyzer: AnalyzerOptions::FULL,
        params: plain.params.clone(),
    };
    let mut index = trec::index_table(&claims, &full);
    let mut best: Option<(f64, Bm25fParams)> = None;
    for k1 in [0.9, 1.2, 1.5] {
        for b_claim in [0.5, 0.75, 0.9] {
            for b_title in [0.3, 0.75] {
                for title in [0.5, 1.0, 1.5] {
                    let params = Bm25fParams {
                        k1,
                        fields: vec![
                            FieldParams {
                                weight: 1.0,
                                b: b_claim,
                            },
                            FieldParams {
                                weight: title,
                                b: b_title,
                            },
                        ],
                    };
                    index.set_params(params.clone());
                    let Some(train) = splits.first() else {
                        continue;
                    };
                    let m = trec::map_at_k(
                        &trec::run_queries(&index, &claims, &train.queries, 5),
                        &train.qrels,
                        5,
                    );
                    if best.as_ref().is_none_or(|(b, _)| m > *b) {
                        best = Some((m, params));
                    }
                }
            }
        }
    }
    if let Some((_, params)) = best {
        let f = |i: usize| {
            params.fields.get(i).copied().unwrap_or(FieldParams {
                weight: 0.0,
                b: 0.0,
            })
        };
        let name = format!(
            "best on train: k1 {} claim b {} title w {} b {}",
            params.k1,
            f(0).b,
            f(1).weight,
            f(1).b
        );
        print(
            &name,
            &score(&RetrievalConfig {
                analyzer: AnalyzerOptions::FULL,
                params,
            }),
        );
    }
    let tuned = RetrievalConfig::tuned(claims.fields.len());
    print("shipped (RetrievalConfig::tuned)", &score(&tuned));
    Ok(())
}
