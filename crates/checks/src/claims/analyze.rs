//! Text analysis: from a post or a claim to the terms the index counts.
//!
//! Four steps, each of which can be switched off to measure what it buys
//! (`bench/label.sh` does): a tweet-aware tokenizer (URLs dropped, hashtags
//! and mentions split at their capitals, `10,000` kept as one number),
//! English stop words dropped, Snowball English stemming (the `rust-stemmers`
//! crate; Porter, "An algorithm for suffix stripping", 1980, as revised in
//! Snowball's "Porter2"), and election-domain synonyms conflated to one term
//! on both sides (index and query), so "deceased voters" and "dead people
//! voted" share their terms.

use std::collections::HashMap;
use std::fmt;

use rust_stemmers::{Algorithm, Stemmer};

/// Which analysis steps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyzerOptions {
    /// Drop URLs and split hashtags and mentions at their capitals
    /// (`#StopTheSteal` -> `stop`, `the`, `steal`). Off: every run of
    /// letters and digits is a token, as in a plain word tokenizer.
    pub tweet: bool,
    /// Drop English stop words.
    pub stopwords: bool,
    /// Stem with Snowball English.
    pub stem: bool,
    /// Conflate election-domain synonyms.
    pub synonyms: bool,
    /// What to keep of an embedded tweet's signature line
    /// (`— Name (@handle) Month D, YYYY`, as Twitter's embed code ends a
    /// tweet's text); only with `tweet`.
    pub signature: Signature,
}

/// What to keep of an embedded tweet's signature line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// All of it: author's name, handle and date.
    Keep,
    /// The author's name and handle; the date says nothing about the claim.
    NoDate,
    /// The author's name and the date, not the handle.
    NoHandle,
    /// The author's name only.
    NameOnly,
    /// None of it.
    Drop,
}

impl AnalyzerOptions {
    /// Every step on: what the matcher uses.
    pub const FULL: AnalyzerOptions = AnalyzerOptions {
        tweet: true,
        stopwords: true,
        stem: true,
        synonyms: true,
        signature: Signature::NoHandle,
    };
    /// Lowercased words only: the plain BM25 baseline.
    pub const PLAIN: AnalyzerOptions = AnalyzerOptions {
        tweet: false,
        stopwords: false,
        stem: false,
        synonyms: false,
        signature: Signature::Keep,
    };
}

/// Turns text into terms.
pub struct Analyzer {
    options: AnalyzerOptions,
    stemmer: Stemmer,
    /// Stemmed word -> stemmed canonical word of its synonym group.
    synonyms: HashMap<String, String>,
}

impl fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Analyzer")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Election-domain synonym groups; the first word of each group is the term
/// they all become. Written for the allegations of 2020 (see
/// `crates/checks/claims/registry.json`): the words people use in posts next
/// to the words officials and fact-checkers use.
const SYNONYMS: &[&[&str]] = &[
    &[
        "deceased", "dead", "died", "death", "deaths", "zombie", "zombies", "dying",
    ],
    &["observer", "observers", "watcher", "watchers", "monitors"],
    &[
        "machine",
        "machines",
        "tabulator",
        "tabulators",
        "scanner",
        "scanners",
    ],
    &[
        "flip", "flipped", "flipping", "switch", "switched", "swapped", "altered",
    ],
    &["delete", "deleted", "erased", "wiped"],
    &[
        "discard",
        "discarded",
        "trash",
        "dumpster",
        "garbage",
        "tossed",
        "ditch",
    ],
    &["mail", "mailed", "absentee", "postal"],
    &["twice", "double", "duplicate", "duplicates"],
    &[
        "sharpie",
        "sharpies",
        "sharpiegate",
        "marker",
        "markers",
        "felt",
    ],
    &[
        "fraud",
        "fraudulent",
        "rigged",
        "stolen",
        "cheating",
        "cheated",
    ],
    &["ballot", "ballots"],
    &["election", "elections", "electoral"],
    &["overnight", "night", "midnight"],
];

/// English stop words: function words that carry no topic. Our own short
/// list; negations are kept because "not counted" and "counted" differ.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "rt",
    "amp",
    "via",
    "s",
    "t",
];

impl Analyzer {
    /// An analyzer with the given steps.
    pub fn new(options: AnalyzerOptions) -> Analyzer {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut synonyms = HashMap::new();
        if options.synonyms {
            for group in SYNONYMS {
                let Some(first) = group.first() else { continue };
                let canonical = Self::stem_with(&stemmer, options.stem, first);
                for word in group.iter() {
                    synonyms.insert(
                        Self::stem_with(&stemmer, options.stem, word),
                        canonical.clone(),
                    );
                }
            }
        }
        Analyzer {
            options,
            stemmer,
            synonyms,
        }
    }

    /// The steps this analyzer runs.
    pub fn options(&self) -> AnalyzerOptions {
        self.options
    }

    fn stem_with(stemmer: &Stemmer, stem: bool, word: &str) -> String {
        if stem {
            stemmer.stem(word).into_owned()
        } else {
            word.to_string()
        }
    }

    /// The terms of `text`, in order, repeated as often as they occur.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let text = if self.options.tweet {
            &trim_signature(text, self.options.signature)
        } else {
            text
        };
        for token in tokens(text, self.options.tweet) {
            if token.is_empty() {
                continue;
            }
            if self.options.stopwords && (STOPWORDS.contains(&token.as_str()) || is_short(&token)) {
                continue;
            }
            let stemmed = Self::stem_with(&self.stemmer, self.options.stem, &token);
            match self.synonyms.get(&stemmed) {
                Some(canonical) => out.push(canonical.clone()),
                None => out.push(stemmed),
            }
        }
        out
    }
}

/// `text` with the parts of a trailing tweet signature
/// (`— Name (@handle) Month D, YYYY`) that `keep` does not keep.
pub fn trim_signature(text: &str, keep: Signature) -> String {
    if keep == Signature::Keep {
        return text.to_string();
    }
    let trimmed = text.trim_end();
    // The date: after the last `)`, words and digits only, ending in a year.
    let Some(close) = trimmed.rfind(')') else {
        return text.to_string();
    };
    let date = trimmed.get(close + 1..).unwrap_or_default();
    let is_date = date
        .split_whitespace()
        .last()
        .is_some_and(|y| y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()))
        && date.split_whitespace().count() == 3;
    let Some(open) = trimmed.get(..close).and_then(|s| s.rfind("(@")) else {
        return text.to_string();
    };
    if !is_date {
        return text.to_string();
    }
    let head = trimmed.get(..open).unwrap_or_default();
    let handle = trimmed.get(open..=close).unwrap_or_default();
    // The name runs from the last em dash before the handle.
    let dash = head.rfind('\u{2014}');
    match keep {
        Signature::Keep => text.to_string(),
        Signature::NoDate => format!("{head}{handle}"),
        Signature::NoHandle => format!("{head}{date}"),
        Signature::NameOnly => head.to_string(),
        Signature::Drop => match dash {
            Some(d) => head.get(..d).unwrap_or_default().to_string(),
            None => head.to_string(),
        },
    }
}

/// One-letter words other than digits say nothing about a topic.
fn is_short(token: &str) -> bool {
    let mut chars = token.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => !c.is_ascii_digit(),
        _ => false,
    }
}

/// Lowercased tokens of `text`. With `tweet`, URLs (`http://`, `https://`,
/// `www.`, `pic.twitter.com/`) are dropped, `#Hashtags` and `@mentions` are
/// split where a lowercase letter meets a capital or a letter meets a digit,
/// apostrophes inside words are dropped (`don't` -> `dont`) and thousands
/// separators inside numbers are kept (`10,000` -> `10000`).
pub fn tokens(text: &str, tweet: bool) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        if !tweet {
            plain_words(chunk, &mut out);
            continue;
        }
        let chunk = strip_urls(chunk);
        if chunk.is_empty() {
            continue;
        }
        tweet_words(chunk, &mut out);
    }
    out
}

/// Runs of alphanumeric characters, lowercased.
fn plain_words(chunk: &str, out: &mut Vec<String>) {
    for word in chunk.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            out.push(word.to_lowercase());
        }
    }
}

/// The part of `chunk` before the first URL in it (a URL runs to the end of
/// the whitespace-separated chunk; tweets often glue one to the last word:
/// `#DefundTheCBChttps://t.co/...`).
fn strip_urls(chunk: &str) -> &str {
    let lower = chunk.to_ascii_lowercase();
    let mut cut = chunk.len();
    for marker in ["http://", "https://", "www.", "pic.twitter.com/"] {
        if let Some(i) = lower.find(marker) {
            cut = cut.min(i);
        }
    }
    chunk.get(..cut).unwrap_or_default()
}

/// Words of one URL-free chunk, tweet style.
fn tweet_words(chunk: &str, out: &mut Vec<String>) {
    // Apostrophes inside a word join it (`don't`, `Biden’s` -> `bidens`
    // would change the word, so a trailing `'s` is dropped instead).
    let mut cleaned = String::with_capacity(chunk.len());
    let chars: Vec<char> = chunk.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars.get(i).copied().unwrap_or(' ');
        let prev = if i > 0 {
            chars.get(i - 1).copied()
        } else {
            None
        };
        let next = chars.get(i + 1).copied();
        let after = chars.get(i + 2).copied();
        let alnum = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
        if (c == '\'' || c == '’') && alnum(prev) && alnum(next) {
            let possessive = matches!(next, Some('s' | 'S')) && !alnum(after);
            if possessive {
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if c == ','
            && prev.is_some_and(|p| p.is_ascii_digit())
            && next.is_some_and(|n| n.is_ascii_digit())
        {
            i += 1;
            continue;
        }
        if c == '%' {
            cleaned.push_str(" percent ");
        } else {
            cleaned.push(c);
        }
        i += 1;
    }
    for word in cleaned.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        split_case(word, out);
    }
}

/// Split `StopTheSteal` -> `stop the steal`, `COVID19` -> `covid 19`,
/// `BradTrostCPC` -> `brad trost cpc`; all-lowercase and all-capital words
/// stay whole.
fn split_case(word: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = word.chars().collect();
    let mut start = 0;
    for i in 1..chars.len() {
        let (Some(&a), Some(&b)) = (chars.get(i - 1), chars.get(i)) else {
            continue;
        };
        let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
        let boundary = (a.is_lowercase() && b.is_uppercase())
            || (a.is_alphabetic() && b.is_ascii_digit())
            || (a.is_ascii_digit() && b.is_alphabetic())
            // `CBCNews`: the last capital of a run starts the next word.
            || (a.is_uppercase() && b.is_uppercase() && next_lower);
        if boundary {
            push_lower(chars.get(start..i), out);
            start = i;
        }
    }
    push_lower(chars.get(start..), out);
}

fn push_lower(part: Option<&[char]>, out: &mut Vec<String>) {
    if let Some(part) = part
        && !part.is_empty()
    {
        out.push(part.iter().collect::<String>().to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        assert_eq!(tokens(text, true), expected, "tokens of {text:?}");
    }

    #[test]
    fn tweet_tokens() {
        check(
            "#StopTheSteal they FLIPPED 10,000 votes https://t.co/abc",
            &["stop", "the", "steal", "they", "flipped", "10000", "votes"],
        );
        check(
            "\"CBC deletes Trump\" #DefundTheCBChttps://t.co/CsHG8R9cHp",
            &["cbc", "deletes", "trump", "defund", "the", "cbc"],
        );
        check(
            "— Brad Trost (@BradTrostCPC)",
            &["brad", "trost", "brad", "trost", "cpc"],
        );
        check(
            "Biden’s win isn't real, 100%",
            &["biden", "win", "isnt", "real", "100", "percent"],
        );
        check(
            "COVID19 pic.twitter.com/xyz www.example.com",
            &["covid", "19"],
        );
    }

    #[test]
    fn tweet_signatures() {
        let t = "Big news https://t.co/x \u{2014} Brad Trost (@BradTrostCPC) December 26, 2019";
        assert_eq!(
            trim_signature(t, Signature::NoDate),
            "Big news https://t.co/x \u{2014} Brad Trost (@BradTrostCPC)"
        );
        assert_eq!(
            trim_signature(t, Signature::NoHandle),
            "Big news https://t.co/x \u{2014} Brad Trost  December 26, 2019"
        );
        assert_eq!(
            trim_signature(t, Signature::NameOnly),
            "Big news https://t.co/x \u{2014} Brad Trost "
        );
        assert_eq!(
            trim_signature(t, Signature::Drop),
            "Big news https://t.co/x "
        );
        assert_eq!(
            trim_signature("no signature (@x) here", Signature::Drop),
            "no signature (@x) here"
        );
    }

    #[test]
    fn plain_tokens_keep_everything() {
        assert_eq!(
            tokens("#StopTheSteal https://t.co/x", false),
            ["stopthesteal", "https", "t", "co", "x"]
        );
    }

    #[test]
    fn full_analysis_conflates_synonyms() {
        let a = Analyzer::new(AnalyzerOptions::FULL);
        assert_eq!(a.terms("Dead voters"), a.terms("deceased voter"));
        assert_eq!(a.terms("the poll watchers"), a.terms("poll observers"));
        assert_eq!(a.terms("#SharpieGate"), a.terms("sharpie gate"));
        assert_eq!(a.terms("markers"), a.terms("Sharpies"));
        assert!(a.terms("the and of").is_empty());
        assert_eq!(a.terms("counting ballots"), ["count", "ballot"]);
    }
}
