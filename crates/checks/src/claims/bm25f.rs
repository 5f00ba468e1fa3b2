//! BM25F: BM25 over documents with several weighted fields.
//!
//! Robertson, Zaragoza & Taylor, "Simple BM25 extension to multiple weighted
//! fields" (CIKM 2004), in the per-field length normalisation form of
//! Zaragoza et al., "Microsoft Cambridge at TREC-13" (2004):
//!
//! ```text
//! tf~(t, d) = Σ_f w_f · tf(t, f, d) / (1 − b_f + b_f · len(f, d) / avglen_f)
//! score(q, d) = Σ_{t ∈ q} qtf(t) · idf(t) · tf~(t, d) / (k1 + tf~(t, d))
//! idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
//! ```
//!
//! Term frequencies are combined across fields *before* the saturation
//! `tf / (k1 + tf)`, which is what distinguishes BM25F from a weighted sum of
//! per-field BM25 scores. The idf is Lucene's non-negative form. With one
//! field of weight 1 this is plain Okapi BM25 (Robertson & Zaragoza, "The
//! Probabilistic Relevance Framework: BM25 and Beyond", 2009, eq. 3.15).

use std::collections::HashMap;

use super::analyze::Analyzer;

/// The most fields a document may have.
pub const MAX_FIELDS: usize = 4;

/// One field's weight and length normalisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldParams {
    /// How much an occurrence in this field counts (w_f).
    pub weight: f64,
    /// Length normalisation, 0 (none) to 1 (full) (b_f).
    pub b: f64,
}

/// The ranking function's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Bm25fParams {
    /// Term-frequency saturation (k1).
    pub k1: f64,
    /// One entry per field, in the order of the documents' fields.
    pub fields: Vec<FieldParams>,
}

#[derive(Debug, Clone)]
struct Posting {
    doc: u32,
    tf: [u32; MAX_FIELDS],
}

/// An inverted index over fielded documents.
#[derive(Debug)]
pub struct Index {
    analyzer: Analyzer,
    params: Bm25fParams,
    docs: usize,
    lengths: Vec<[u32; MAX_FIELDS]>,
    avg: [f64; MAX_FIELDS],
    terms: HashMap<String, usize>,
    postings: Vec<Vec<Posting>>,
}

impl Index {
    /// Index `docs`, each a list of field texts (fewer fields than
    /// `params.fields` are empty; more than [`MAX_FIELDS`] are ignored).
    pub fn build<D, F>(analyzer: Analyzer, params: Bm25fParams, docs: D) -> Index
    where
        D: IntoIterator<Item = F>,
        F: IntoIterator,
        F::Item: AsRef<str>,
    {
        let mut terms: HashMap<String, usize> = HashMap::new();
        let mut postings: Vec<Vec<Posting>> = Vec::new();
        let mut lengths = Vec::new();
        let mut totals = [0u64; MAX_FIELDS];
        for (doc, fields) in docs.into_iter().enumerate() {
            let doc = u32::try_from(doc).unwrap_or(u32::MAX);
            let mut len = [0u32; MAX_FIELDS];
            for (f, text) in fields.into_iter().enumerate().take(MAX_FIELDS) {
                for term in analyzer.terms(text.as_ref()) {
                    if let Some(l) = len.get_mut(f) {
                        *l += 1;
                    }
                    let next = postings.len();
                    let id = *terms.entry(term).or_insert(next);
                    if id == next {
                        postings.push(Vec::new());
                    }
                    let Some(list) = postings.get_mut(id) else {
                        continue;
                    };
                    if list.last().is_none_or(|p| p.doc != doc) {
                        list.push(Posting {
                            doc,
                            tf: [0; MAX_FIELDS],
                        });
                    }
                    if let Some(tf) = list.last_mut().and_then(|p| p.tf.get_mut(f)) {
                        *tf += 1;
                    }
                }
            }
            for (t, l) in totals.iter_mut().zip(len) {
                *t += u64::from(l);
            }
            lengths.push(len);
        }
        let n = lengths.len();
        let mut avg = [0.0; MAX_FIELDS];
        for (a, t) in avg.iter_mut().zip(totals) {
            *a = if n == 0 { 0.0 } else { t as f64 / n as f64 };
        }
        Index {
            analyzer,
            params,
            docs: n,
            lengths,
            avg,
            terms,
            postings,
        }
    }

    /// The analyzer the index was built with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The number of documents.
    pub fn len(&self) -> usize {
        self.docs
    }

    /// Whether the index holds no documents.
    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }

    /// The ranking parameters.
    pub fn params(&self) -> &Bm25fParams {
        &self.params
    }

    /// Replace the ranking parameters (the index itself does not change).
    pub fn set_params(&mut self, params: Bm25fParams) {
        self.params = params;
    }

    /// idf of an analysed term; 0 for a term no document holds.
    pub fn idf(&self, term: &str) -> f64 {
        let Some(list) = self.terms.get(term).and_then(|&id| self.postings.get(id)) else {
            return 0.0;
        };
        let n = self.docs as f64;
        let df = list.len() as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The `k` best documents for `query` (document number, score), best
    /// first; ties go to the lower document number. Documents sharing no
    /// term with the query are not returned.
    pub fn search(&self, query: &str, k: usize) -> Vec<(usize, f64)> {
        let terms = self.analyzer.terms(query);
        self.search_terms(&terms, k)
    }

    /// [`Index::search`] for already analysed terms.
    pub fn search_terms(&self, terms: &[String], k: usize) -> Vec<(usize, f64)> {
        let scores = self.score_all(terms);
        top_k(scores, k)
    }

    /// The score of every document that shares a term with the query.
    pub fn score_all(&self, terms: &[String]) -> Vec<(usize, f64)> {
        // Query term frequency: a term said twice counts twice.
        let mut qtf: Vec<(usize, f64)> = Vec::new();
        for t in terms {
            let Some(&id) = self.terms.get(t) else {
                continue;
            };
            match qtf.iter_mut().find(|(i, _)| *i == id) {
                Some((_, c)) => *c += 1.0,
                None => qtf.push((id, 1.0)),
            }
        }
        let mut acc: HashMap<u32, f64> = HashMap::new();
        let n = self.docs as f64;
        let k1 = self.params.k1;
        for (id, q) in qtf {
            let Some(list) = self.postings.get(id) else {
                continue;
            };
            let df = list.len() as f64;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for p in list {
                let tf = self.combined_tf(p);
                if tf <= 0.0 {
                    continue;
                }
                *acc.entry(p.doc).or_insert(0.0) += q * idf * tf / (k1 + tf);
            }
        }
        let mut out: Vec<(usize, f64)> = acc.into_iter().map(|(d, s)| (d as usize, s)).collect();
        out.sort_by_key(|&(d, _)| d);
        out
    }

    /// tf~: field frequencies weighted and length-normalised, summed.
    fn combined_tf(&self, p: &Posting) -> f64 {
        let len = self
            .lengths
            .get(p.doc as usize)
            .copied()
            .unwrap_or_default();
        let mut sum = 0.0;
        for (f, fp) in self.params.fields.iter().enumerate().take(MAX_FIELDS) {
            let tf = f64::from(p.tf.get(f).copied().unwrap_or(0));
            if tf == 0.0 {
                continue;
            }
            let l = f64::from(len.get(f).copied().unwrap_or(0));
            let avg = self.avg.get(f).copied().unwrap_or(0.0);
            let norm = if avg > 0.0 {
                1.0 - fp.b + fp.b * l / avg
            } else {
                1.0
            };
            sum += fp.weight * tf / norm;
        }
        sum
    }
}

/// The `k` highest scores, best first, ties to the lower document number.
pub fn top_k(mut scores: Vec<(usize, f64)>, k: usize) -> Vec<(usize, f64)> {
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scores.truncate(k);
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::analyze::AnalyzerOptions;

    fn plain(k1: f64, b: f64) -> Bm25fParams {
        Bm25fParams {
            k1,
            fields: vec![FieldParams { weight: 1.0, b }],
        }
    }

    #[test]
    fn one_field_is_okapi_bm25_by_hand() {
        // Three documents; query "cat". df = 2, N = 3:
        // idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6).
        // avgdl = (2 + 1 + 3) / 3 = 2. Doc 0 "cat dog": tf 1, dl 2:
        // 1 / (1 - .75 + .75 * 2/2) = 1 -> idf * 1 / (1.2 + 1).
        // Doc 1 "cat": norm = .25 + .75 * .5 = .625, tf~ = 1.6 ->
        // idf * 1.6 / 2.8.
        let docs = [["cat dog"], ["cat"], ["dog dog bird"]];
        let idx = Index::build(
            Analyzer::new(AnalyzerOptions::PLAIN),
            plain(1.2, 0.75),
            docs,
        );
        let r = idx.search("cat", 10);
        let idf = 1.6f64.ln();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].0, 1);
        assert!((r[0].1 - idf * 1.6 / 2.8).abs() < 1e-12);
        assert_eq!(r[1].0, 0);
        assert!((r[1].1 - idf / 2.2).abs() < 1e-12);
    }

    #[test]
    fn field_weight_moves_a_match_up() {
        let docs = [["vote count", "weather"], ["weather", "vote count"]];
        let params = |w0, w1| Bm25fParams {
            k1: 1.2,
            fields: vec![
                FieldParams {
                    weight: w0,
                    b: 0.75,
                },
                FieldParams {
                    weight: w1,
                    b: 0.75,
                },
            ],
        };
        let mut idx = Index::build(
            Analyzer::new(AnalyzerOptions::PLAIN),
            params(1.0, 3.0),
            docs,
        );
        assert_eq!(idx.search("vote", 1)[0].0, 1);
        idx.set_params(params(3.0, 1.0));
        assert_eq!(idx.search("vote", 1)[0].0, 0);
    }

    #[test]
    fn ties_go_to_the_lower_document() {
        let docs = [["same text"], ["same text"]];
        let idx = Index::build(
            Analyzer::new(AnalyzerOptions::PLAIN),
            plain(1.2, 0.75),
            docs,
        );
        let r = idx.search("same", 2);
        assert_eq!((r[0].0, r[1].0), (0, 1));
        assert!(idx.search("absent", 2).is_empty());
    }
}
