//! ABIF, electorama's Aggregated Ballot Information Format (the format
//! described at electowiki.org/wiki/ABIF and in the electorama/abif
//! repository): UTF-8 text, one line per group of identical ballots.
//!
//! - an optional first line `ABIF` (with a version and JSON after it);
//! - `# ...` lines are comments (and ` #` starts a comment after data);
//! - `{...}` lines are JSON metadata (`"title"` names the contest);
//! - `=tok:[Full Name]` (the `=` is optional) declares a candidate token
//!   and its name;
//! - `N: A>B=C>D` (or `N*A>B`) is `N` ballots ranking `A` first, `B` and
//!   `C` equal second, `D` third; a token is a bare word, `[quoted text]`
//!   or `"quoted text"`, and may carry a rating `A/5`. A line whose choices are all rated and separated
//!   by `,` is ranked by rating (highest first, equal ratings equal rank);
//!   `,` without ratings marks equal rank (approval-like).
//!
//! Each ballot line becomes `N` cards with ids `<file stem>-<line>-<k>`.

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::SourceOptions;
use crate::raire::MAX_EXPANDED_CARDS;
use crate::tabular::file_stem;
use canvass_model::{
    Card, CardId, Choice, ContestId, ContestKind, ContestVotes, Election, Mark, SourceRef,
};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

/// One choice on a ballot line: the token, its optional rating, and the
/// separator that came before it (`None` for the first).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Item {
    pub token: String,
    pub rating: Option<f64>,
    pub before: Option<char>,
}

/// Split the choices of a ballot line. Errors are messages.
pub(crate) fn parse_choices(text: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut chars = text.chars().peekable();
    let mut before: Option<char> = None;
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let token = if c == '[' || c == '"' {
            let close = if c == '[' { ']' } else { '"' };
            chars.next();
            let mut t = String::new();
            loop {
                match chars.next() {
                    Some(ch) if ch == close => break,
                    Some('[') if close == ']' => return Err("'[' inside a quoted name".into()),
                    Some(ch) => t.push(ch),
                    None => return Err(format!("a quoted name is not closed with '{close}'")),
                }
            }
            t.trim().to_owned()
        } else {
            let mut t = String::new();
            while let Some(&ch) = chars.peek() {
                if matches!(ch, '>' | '=' | ',' | '/' | '[' | ']' | '"') || ch.is_whitespace() {
                    break;
                }
                t.push(ch);
                chars.next();
            }
            t
        };
        if token.is_empty() {
            return Err(format!("a choice is missing before {c:?}"));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut rating = None;
        if chars.peek() == Some(&'/') {
            chars.next();
            let mut r = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_ascii_digit() || ch == '.' || ch == '-' {
                    r.push(ch);
                    chars.next();
                } else {
                    break;
                }
            }
            rating = Some(
                r.parse::<f64>()
                    .map_err(|_| format!("rating {r:?} is not a number"))?,
            );
        }
        items.push(Item {
            token,
            rating,
            before,
        });
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some(sep @ ('>' | '=' | ',')) => before = Some(sep),
            Some(other) => return Err(format!("unexpected {other:?} after a choice")),
        }
        if chars.clone().all(char::is_whitespace) {
            return Err("the line ends with a separator".into());
        }
    }
    Ok(items)
}

/// The rank of every item (1-based).
pub(crate) fn ranks(items: &[Item]) -> Vec<u32> {
    let rated_commas = !items.is_empty()
        && items.iter().all(|i| i.rating.is_some())
        && items.iter().all(|i| i.before.is_none_or(|b| b == ','));
    if rated_commas {
        // Rank by rating, highest first; equal ratings share a rank.
        let mut distinct: Vec<f64> = items.iter().filter_map(|i| i.rating).collect();
        distinct.sort_by(|a, b| b.total_cmp(a));
        distinct.dedup();
        return items
            .iter()
            .map(|i| {
                let r = i.rating.unwrap_or(0.0);
                let pos = distinct.iter().position(|d| *d == r).unwrap_or(0);
                u32::try_from(pos + 1).unwrap_or(u32::MAX)
            })
            .collect();
    }
    let mut rank = 0u32;
    items
        .iter()
        .map(|i| {
            match i.before {
                None | Some('>') => rank = rank.saturating_add(1),
                _ => {}
            }
            rank
        })
        .collect()
}

/// Strip a trailing ` # comment` outside square brackets.
fn strip_comment(line: &str) -> &str {
    let mut depth = 0i32;
    for (i, c) in line.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '#' if depth <= 0 => return line.get(..i).unwrap_or(line),
            _ => {}
        }
    }
    line
}

/// Read an ABIF file.
pub(crate) fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let reader = std::io::BufReader::new(file);
    let label: Arc<str> = Arc::from(path.display().to_string());
    let stem = file_stem(path);
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut title: Option<String> = None;
    let mut contest: Option<ContestId> = None;
    let mut total = 0u64;
    for (i, line) in reader.split(b'\n').enumerate() {
        let number = i as u64 + 1;
        let at = || Location::record(path, number);
        let bytes = line.map_err(|e| FormatError::io(path, e))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| FormatError::invalid(at(), "the line is not valid UTF-8"))?;
        let text = strip_comment(text.trim_start_matches('\u{feff}')).trim();
        if text.is_empty() {
            continue;
        }
        if text.starts_with('{') {
            let meta: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| FormatError::invalid(at(), format!("metadata is not JSON: {e}")))?;
            if let Some(t) = meta.get("title").and_then(|t| t.as_str()) {
                title = Some(t.to_owned());
            }
            continue;
        }
        if text == "ABIF" || text.starts_with("ABIF ") {
            // The optional header line; only before any ballot.
            if contest.is_none() {
                continue;
            }
        }
        let starts_with_digit = text.starts_with(|c: char| c.is_ascii_digit());
        if !starts_with_digit && (text.starts_with('=') || text.contains(':')) {
            let decl = text.strip_prefix('=').unwrap_or(text);
            let (token, rest) = decl.split_once(':').unwrap_or((decl, ""));
            let rest = rest.trim();
            let name = rest
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or(rest)
                .trim();
            let token = token.trim();
            let token = token
                .strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .or_else(|| token.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
                .unwrap_or(token)
                .trim();
            if token.is_empty() {
                return Err(FormatError::invalid(
                    at(),
                    "a candidate declaration has no token",
                ));
            }
            names.insert(
                token.to_owned(),
                if name.is_empty() { token } else { name }.to_owned(),
            );
            continue;
        }
        let Some((count, choices)) = text.split_once([':', '*']) else {
            return Err(FormatError::invalid(
                at(),
                "expected a ballot line `N: A>B`, a `=tok:[Name]` declaration, `{...}` metadata or a `#` comment",
            ));
        };
        let count: u64 = count.trim().parse().map_err(|_| {
            FormatError::invalid(
                at().field("count"),
                format!("{:?} is not a ballot count", count.trim()),
            )
        })?;
        total = total.saturating_add(count);
        if total > MAX_EXPANDED_CARDS {
            return Err(FormatError::invalid(
                at().field("count"),
                format!("more ballots than this reader expands ({MAX_EXPANDED_CARDS})"),
            ));
        }
        let items = parse_choices(choices).map_err(|m| FormatError::invalid(at(), m))?;
        let cid = match contest {
            Some(c) => c,
            None => {
                let name = match options.contest.as_deref() {
                    Some(c) if !c.is_empty() => c.to_owned(),
                    _ => title.clone().unwrap_or_else(|| stem.clone()),
                };
                let c = election.intern_contest(&name, &name, ContestKind::Ranked);
                contest = Some(c);
                c
            }
        };
        let mut marks = Vec::with_capacity(items.len());
        for (item, rank) in items.iter().zip(ranks(&items)) {
            let name = names
                .get(&item.token)
                .map(String::as_str)
                .unwrap_or(&item.token);
            let cand = election
                .contest_mut(cid)
                .intern_candidate(&item.token, name);
            marks.push(Mark::ranked(rank, Choice::Candidate(cand)));
        }
        let votes = ContestVotes::new(cid, marks);
        for k in 1..=count {
            let mut card = Card::new(CardId::new(format!("{stem}-{number}-{k}")));
            card.source = SourceRef {
                file: label.clone(),
                record: number,
            };
            card.contests.push(votes.clone());
            sink(election, card)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: &[(&str, u32)]) {
        let items = parse_choices(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let got: Vec<(String, u32)> = items
            .iter()
            .map(|i| i.token.clone())
            .zip(ranks(&items))
            .collect();
        let want: Vec<(String, u32)> = expected
            .iter()
            .map(|(t, r)| ((*t).to_owned(), *r))
            .collect();
        assert_eq!(got, want, "{line}");
    }

    #[test]
    fn ballot_lines() {
        check("A>B>C", &[("A", 1), ("B", 2), ("C", 3)]);
        check("A = B > C", &[("A", 1), ("B", 1), ("C", 2)]);
        check("[Doña Ana]>B", &[("Doña Ana", 1), ("B", 2)]);
        check("A/5,B/3,C/5", &[("A", 1), ("B", 2), ("C", 1)]);
        check("A/1>B/2", &[("A", 1), ("B", 2)]);
        check("", &[]);
        assert!(parse_choices("A>").is_err());
        assert!(parse_choices("[A>B").is_err());
        assert!(parse_choices(">A").is_err());
    }
}
