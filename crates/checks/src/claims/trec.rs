//! Claim retrieval collections in the CLEF CheckThat! 2020 Task 2 layout,
//! TREC runs, and MAP@k.
//!
//! Files (tab-separated, first row a header, fields quoted CSV-style when
//! they hold tabs, quotes or newlines):
//! - claims: `id <TAB> field1 <TAB> field2 ...` (CheckThat!: `vclaim`, `title`);
//! - queries: `id <TAB> text` (CheckThat!: `tweet_content`);
//! - qrels (no header): `query_id <TAB> 0 <TAB> claim_id <TAB> relevance`;
//! - run (written): `query_id Q0 claim_id rank score tag`, TREC's format.
//!
//! MAP@k follows trec_eval's `map` cut at depth k, as the task's scorer
//! (`trectools`) computes it: for each query of the qrels,
//! `AP@k = Σ_{i ≤ k, doc i relevant} P@i / R`, where `R` is the number of
//! relevant claims of the query; a query the run leaves out scores 0; MAP@k
//! is the mean over the qrels' queries. Run lines are ordered by score,
//! highest first, ties by rank as written.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use super::analyze::{Analyzer, AnalyzerOptions};
use super::bm25f::{Bm25fParams, FieldParams, Index};
use crate::CheckError;

/// A table of documents: id and field texts, with the header's field names.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The header's names of the fields after the id column.
    pub fields: Vec<String>,
    /// Rows: id and field texts.
    pub rows: Vec<(String, Vec<String>)>,
}

/// Read a tab-separated table whose first column is an id.
pub fn read_table(path: &Path) -> Result<Table, CheckError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .flexible(false)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let header = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    if header.len() < 2 {
        return Err(CheckError::MissingColumn {
            path: path.to_path_buf(),
            column: "text".into(),
            header: header.iter().collect::<Vec<_>>().join(","),
        });
    }
    let fields = header.iter().skip(1).map(str::to_string).collect();
    let mut rows = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let row = i as u64 + 2;
        let id = record.get(0).unwrap_or_default().trim().to_string();
        if id.is_empty() {
            return Err(CheckError::BadValue {
                path: path.to_path_buf(),
                row,
                field: "id".into(),
                message: "empty id".into(),
            });
        }
        if !ids.insert(id.clone()) {
            return Err(CheckError::BadValue {
                path: path.to_path_buf(),
                row,
                field: "id".into(),
                message: format!("id `{id}` appears twice"),
            });
        }
        rows.push((id, record.iter().skip(1).map(str::to_string).collect()));
    }
    Ok(Table { fields, rows })
}

fn csv_error(path: &Path, e: csv::Error) -> CheckError {
    let row = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => CheckError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => CheckError::BadValue {
            path: path.to_path_buf(),
            row,
            field: "record".into(),
            message: format!("{other:?}"),
        },
    }
}

/// Relevance judgments: query id -> relevant claim ids.
pub type Qrels = BTreeMap<String, BTreeSet<String>>;

/// Read qrels (`query_id 0 claim_id relevance`, tab- or space-separated);
/// claims with relevance above 0 are relevant.
pub fn read_qrels(path: &Path) -> Result<Qrels, CheckError> {
    let text = std::fs::read_to_string(path).map_err(|source| CheckError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_qrels(&text, path)
}

/// Parse qrels text; `path` names it in errors.
pub fn parse_qrels(text: &str, path: &Path) -> Result<Qrels, CheckError> {
    let mut qrels = Qrels::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let bad = |field: &str, message: String| CheckError::BadValue {
            path: path.to_path_buf(),
            row: i as u64 + 1,
            field: field.into(),
            message,
        };
        let [q, _, doc, rel] = cols.as_slice() else {
            return Err(bad("line", format!("{} columns, expected 4", cols.len())));
        };
        let rel: i64 = rel
            .parse()
            .map_err(|_| bad("relevance", format!("`{rel}` is not an integer")))?;
        let set = qrels.entry((*q).to_string()).or_default();
        if rel > 0 {
            set.insert((*doc).to_string());
        }
    }
    Ok(qrels)
}

/// One line of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLine {
    /// The query.
    pub query: String,
    /// The claim.
    pub doc: String,
    /// 1-based rank.
    pub rank: usize,
    /// The score.
    pub score: f64,
}

/// Write a run in TREC format, one line per (query, claim).
pub fn format_run(lines: &[RunLine], tag: &str) -> String {
    let mut s = String::new();
    for l in lines {
        let _ = writeln!(
            s,
            "{}\tQ0\t{}\t{}\t{:.6}\t{tag}",
            l.query, l.doc, l.rank, l.score
        );
    }
    s
}

/// Parse a TREC run (`query Q0 doc rank score tag`, whitespace-separated).
pub fn parse_run(text: &str, path: &Path) -> Result<Vec<RunLine>, CheckError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let bad = |field: &str, message: String| CheckError::BadValue {
            path: path.to_path_buf(),
            row: i as u64 + 1,
            field: field.into(),
            message,
        };
        let [q, _, doc, rank, score, ..] = cols.as_slice() else {
            return Err(bad("line", format!("{} columns, expected 6", cols.len())));
        };
        out.push(RunLine {
            query: (*q).to_string(),
            doc: (*doc).to_string(),
            rank: rank
                .parse()
                .map_err(|_| bad("rank", format!("`{rank}` is not a rank")))?,
            score: score
                .parse()
                .map_err(|_| bad("score", format!("`{score}` is not a number")))?,
        });
    }
    Ok(out)
}

/// MAP@k of `run` against `qrels` (see the module docs for the definition).
pub fn map_at_k(run: &[RunLine], qrels: &Qrels, k: usize) -> f64 {
    let mut by_query: BTreeMap<&str, Vec<&RunLine>> = BTreeMap::new();
    for l in run {
        by_query.entry(l.query.as_str()).or_default().push(l);
    }
    let mut sum = 0.0;
    let mut n = 0usize;
    for (q, relevant) in qrels {
        if relevant.is_empty() {
            continue;
        }
        n += 1;
        let Some(lines) = by_query.get_mut(q.as_str()) else {
            continue;
        };
        lines.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.rank.cmp(&b.rank)));
        let mut hits = 0usize;
        let mut precisions = 0.0;
        let mut seen = BTreeSet::new();
        for (i, l) in lines
            .iter()
            .filter(|l| seen.insert(l.doc.as_str()))
            .take(k)
            .enumerate()
        {
            if relevant.contains(&l.doc) {
                hits += 1;
                precisions += hits as f64 / (i + 1) as f64;
            }
        }
        sum += precisions / relevant.len() as f64;
    }
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// How a collection of claims is ranked: the analyzer's steps and BM25F's
/// parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrievalConfig {
    /// Analysis steps.
    pub analyzer: AnalyzerOptions,
    /// Ranking parameters, one field entry per claim field.
    pub params: Bm25fParams,
}

impl RetrievalConfig {
    /// Plain BM25 (k1 1.2, b 0.75) on lowercased words, every field
    /// weighted 1: the task's baseline.
    pub fn plain(fields: usize) -> RetrievalConfig {
        RetrievalConfig {
            analyzer: AnalyzerOptions::PLAIN,
            params: Bm25fParams {
                k1: 1.2,
                fields: vec![
                    FieldParams {
                        weight: 1.0,
                        b: 0.75
                    };
                    fields
                ],
            },
        }
    }

    /// The matcher's configuration: every analysis step, and field weights
    /// chosen on the CheckThat! 2020 *train* split (the claim counts more
    /// than the title; see docs/LABEL.md for the sweep).
    pub fn tuned(fields: usize) -> RetrievalConfig {
        // k1 1.5; the claim (first field) b 0.5; every other field (the
        // title) weight 1.5, b 0.3: the best of the sweep on train
        // (`examples/checkthat_sweep.rs`).
        let mut f = vec![
            FieldParams {
                weight: 1.5,
                b: 0.3
            };
            fields
        ];
        if let Some(first) = f.first_mut() {
            *first = FieldParams {
                weight: 1.0,
                b: 0.5,
            };
        }
        RetrievalConfig {
            analyzer: AnalyzerOptions::FULL,
            params: Bm25fParams { k1: 1.5, fields: f },
        }
    }
}

/// Index the claims of `table` with `config`.
pub fn index_table(table: &Table, config: &RetrievalConfig) -> Index {
    Index::build(
        Analyzer::new(config.analyzer),
        config.params.clone(),
        table.rows.iter().map(|(_, fields)| fields.iter()),
    )
}

/// The top `k` claims for every query, as run lines.
pub fn run_queries(index: &Index, claims: &Table, queries: &Table, k: usize) -> Vec<RunLine> {
    let mut out = Vec::new();
    for (qid, fields) in &queries.rows {
        let text = fields.join(" ");
        for (rank, (doc, score)) in index.search(&text, k).into_iter().enumerate() {
            let Some((doc_id, _)) = claims.rows.get(doc) else {
                continue;
            };
            out.push(RunLine {
                query: qid.clone(),
                doc: doc_id.clone(),
                rank: rank + 1,
                score,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(q: &str, doc: &str, rank: usize, score: f64) -> RunLine {
        RunLine {
            query: q.into(),
            doc: doc.into(),
            rank,
            score,
        }
    }

    #[test]
    fn map_at_5_by_hand() {
        // q1: relevant {a}; run a at rank 2 -> AP = 1/2.
        // q2: relevant {b, c}; run b at 1, c at 3 -> (1/1 + 2/3) / 2 = 5/6.
        // q3: relevant {d}; d at rank 6, beyond the cut -> 0.
        // q4: relevant {e}; not in the run -> 0.
        // MAP@5 = (1/2 + 5/6 + 0 + 0) / 4 = 1/3.
        let qrels = parse_qrels(
            "q1 0 a 1\nq2 0 b 1\nq2 0 c 1\nq2 0 z 0\nq3 0 d 1\nq4 0 e 1\n",
            Path::new("q"),
        )
        .unwrap();
        let mut run = vec![
            line("q1", "x", 1, 9.0),
            line("q1", "a", 2, 8.0),
            line("q2", "b", 1, 5.0),
            line("q2", "z", 2, 4.0),
            line("q2", "c", 3, 3.0),
        ];
        for (i, d) in ["u", "v", "w", "x", "y", "d"].iter().enumerate() {
            run.push(line("q3", d, i + 1, 10.0 - i as f64));
        }
        let m = map_at_k(&run, &qrels, 5);
        assert!((m - 1.0 / 3.0).abs() < 1e-12, "{m}");
        // At depth 1 only q2's b counts: (0 + 1/2 + 0 + 0) / 4.
        assert!((map_at_k(&run, &qrels, 1) - 0.125).abs() < 1e-12);
        // Order is by score, not by the rank column.
        let swapped = vec![line("q1", "a", 2, 9.5), line("q1", "x", 1, 9.0)];
        let q1: Qrels = [("q1".to_string(), ["a".to_string()].into())].into();
        assert!((map_at_k(&swapped, &q1, 5) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn run_round_trips_through_trec_format() {
        let run = vec![line("7", "12", 1, 3.25), line("7", "4", 2, 1.5)];
        let text = format_run(&run, "canvass");
        assert_eq!(
            text,
            "7\tQ0\t12\t1\t3.250000\tcanvass\n7\tQ0\t4\t2\t1.500000\tcanvass\n"
        );
        assert_eq!(parse_run(&text, Path::new("r")).unwrap(), run);
    }

    #[test]
    fn tables_read_quoted_fields_and_name_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.tsv");
        std::fs::write(
            &p,
            "\tvclaim\ttitle\n0\t\"A \"\"quoted\"\" claim\"\tT0\n1\tplain\tT1\n",
        )
        .unwrap();
        let t = read_table(&p).unwrap();
        assert_eq!(t.fields, ["vclaim", "title"]);
        assert_eq!(
            t.rows[0],
            ("0".into(), vec!["A \"quoted\" claim".into(), "T0".into()])
        );
        std::fs::write(&p, "\tvclaim\n0\ta\n0\tb\n").unwrap();
        let e = read_table(&p).unwrap_err().to_string();
        assert!(e.contains("row 3, field `id`: id `0` appears twice"), "{e}");
        let e = parse_qrels("q 0 d x\n", Path::new("qr"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "qr: row 1, field `relevance`: `x` is not an integer");
    }
}
