//! Reading a check's CSV inputs by canonical field name.
//!
//! Every check names the fields it needs (`precinct`, `votes`, ...). A county's
//! own export can be used as it is: `--map field=column` says which column
//! holds a field ([`FieldMap`]). Column names compare case-insensitively and
//! ignoring surrounding spaces. Every error names the file, the row (1-based,
//! the header being row 1) and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::CheckError;
use crate::date::Moment;

/// Which column holds each canonical field, from `--map field=column,...`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap(BTreeMap<String, String>);

impl FieldMap {
    /// Parse `field=column` pairs; each item may itself hold several pairs
    /// separated by commas (`--map a=X,b=Y --map c=Z`).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<FieldMap, String> {
        let mut map = BTreeMap::new();
        for item in items {
            for pair in item.as_ref().split(',').filter(|p| !p.trim().is_empty()) {
                let Some((field, column)) = pair.split_once('=') else {
                    return Err(format!("--map {pair:?}: expected field=column"));
                };
                let (field, column) = (field.trim(), column.trim());
                if field.is_empty() || column.is_empty() {
                    return Err(format!("--map {pair:?}: expected field=column"));
                }
                if map.insert(field.to_string(), column.to_string()).is_some() {
                    return Err(format!("--map names field {field:?} twice"));
                }
            }
        }
        Ok(FieldMap(map))
    }

    /// The column for a field: the mapped one, or the field's own name.
    fn column<'a>(&'a self, field: &'a str) -> &'a str {
        self.0.get(field).map(String::as_str).unwrap_or(field)
    }
}

/// A field a check reads: its canonical name, whether it must be present,
/// and other column names accepted when it is not mapped (e.g. `ballots`
/// for `cards`).
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The canonical name.
    pub name: &'static str,
    /// Whether the column must be in the file.
    pub required: bool,
    /// Other column names tried, in order, when the canonical one is absent.
    pub aliases: &'static [&'static str],
}

/// A required field.
pub const fn req(name: &'static str) -> Field {
    Field {
        name,
        required: true,
        aliases: &[],
    }
}

/// An optional field.
pub const fn opt(name: &'static str) -> Field {
    Field {
        name,
        required: false,
        aliases: &[],
    }
}

/// One data row, with its fields found by canonical name.
pub struct Row<'a> {
    path: &'a Path,
    row: u64,
    record: &'a csv::StringRecord,
    index: &'a BTreeMap<&'static str, usize>,
}

impl Row<'_> {
    /// The row number, 1-based, counting the header as row 1.
    pub fn number(&self) -> u64 {
        self.row
    }

    /// The file.
    pub fn path(&self) -> &Path {
        self.path
    }

    /// True when the file has this field's column.
    pub fn has(&self, field: &str) -> bool {
        self.index.contains_key(field)
    }

    /// The trimmed value, or `None` when the column is absent or the cell empty.
    pub fn get(&self, field: &str) -> Option<&str> {
        let i = *self.index.get(field)?;
        let v = self.record.get(i)?.trim();
        (!v.is_empty()).then_some(v)
    }

    /// An error about this row's field.
    pub fn bad(&self, field: &str, message: impl Into<String>) -> CheckError {
        CheckError::BadValue {
            path: self.path.to_path_buf(),
            row: self.row,
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The value, which must not be empty.
    pub fn text(&self, field: &str) -> Result<&str, CheckError> {
        self.get(field).ok_or_else(|| self.bad(field, "empty"))
    }

    /// The value or the empty string.
    pub fn text_or_empty(&self, field: &str) -> &str {
        self.get(field).unwrap_or("")
    }

    /// A non-negative whole number (thousands separators `,` and `_` allowed).
    pub fn count(&self, field: &str) -> Result<u64, CheckError> {
        let v = self.text(field)?;
        parse_count(v).ok_or_else(|| self.bad(field, format!("{v:?} is not a whole number")))
    }

    /// A non-negative whole number, 0 when absent or empty.
    pub fn count_or_zero(&self, field: &str) -> Result<u64, CheckError> {
        match self.get(field) {
            None => Ok(0),
            Some(_) => self.count(field),
        }
    }

    /// A signed whole number.
    pub fn signed(&self, field: &str) -> Result<i64, CheckError> {
        let v = self.text(field)?;
        let (neg, digits) = match v.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, v.strip_prefix('+').unwrap_or(v)),
        };
        let n = parse_count(digits)
            .and_then(|n| i64::try_from(n).ok())
            .ok_or_else(|| self.bad(field, format!("{v:?} is not a whole number")))?;
        Ok(if neg { -n } else { n })
    }

    /// A date or date-time (see [`Moment::parse`]); `None` when empty.
    pub fn moment(&self, field: &str) -> Result<Option<Moment>, CheckError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => Moment::parse(v)
                .map(Some)
                .map_err(|m| self.bad(field, format!("{v:?}: {m}"))),
        }
    }
}

fn parse_count(v: &str) -> Option<u64> {
    let digits: String = v.chars().filter(|c| *c != ',' && *c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Read a CSV file row by row, handing each row to `each`.
///
/// Checks that every required field has a column (after `map`) before any row
/// is read; a field mapped to a column that is not there is an error even when
/// the field is optional.
pub fn read_csv(
    path: &Path,
    map: &FieldMap,
    fields: &[Field],
    each: impl FnMut(&Row<'_>) -> Result<(), CheckError>,
) -> Result<(), CheckError> {
    let file = std::fs::File::open(path).map_err(|source| CheckError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv_from(
        path,
        std::io::BufReader::with_capacity(1 << 16, file),
        map,
        fields,
        each,
    )
}

/// [`read_csv`] over any reader; `path` names it in errors.
pub fn read_csv_from<R: std::io::Read>(
    path: &Path,
    input: R,
    map: &FieldMap,
    fields: &[Field],
    mut each: impl FnMut(&Row<'_>) -> Result<(), CheckError>,
) -> Result<(), CheckError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let csv_err = |path: &Path, e: csv::Error| {
        let row = e.position().map(|p| p.line()).unwrap_or(0);
        CheckError::BadValue {
            path: path.to_path_buf(),
            row,
            field: String::new(),
            message: format!("not readable as CSV: {e}"),
        }
    };
    let header = reader.headers().map_err(|e| csv_err(path, e))?.clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let find = |name: &str| names.iter().position(|h| h == &name.trim().to_lowercase());
    let mut index: BTreeMap<&'static str, usize> = BTreeMap::new();
    for f in fields {
        let mapped = map.0.contains_key(f.name);
        let mut at = find(map.column(f.name));
        if at.is_none() && !mapped {
            at = f.aliases.iter().find_map(|a| find(a));
        }
        match at {
            Some(i) => {
                index.insert(f.name, i);
            }
            None if f.required || mapped => {
                return Err(CheckError::MissingColumn {
                    path: path.to_path_buf(),
                    column: map.column(f.name).to_string(),
                    header: header.iter().collect::<Vec<_>>().join(","),
                });
            }
            None => {}
        }
    }
    let mut record = csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_err(path, e)),
        }
        row += 1;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        each(&Row {
            path,
            row,
            record: &record,
            index: &index,
        })?;
    }
    Ok(())
}

/// [`read_csv`] over text already in memory (a table shipped in the binary);
/// `name` is used in errors.
pub fn read_csv_text(
    name: &Path,
    text: &str,
    map: &FieldMap,
    fields: &[Field],
    each: impl FnMut(&Row<'_>) -> Result<(), CheckError>,
) -> Result<(), CheckError> {
    read_csv_from(name, text.as_bytes(), map, fields, each)
}

/// A CSV input as a check names it: the role it plays, the file and its map.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file.
    pub path: PathBuf,
    /// Its `--map`.
    pub map: FieldMap,
}

impl Source {
    /// A file read with its own column names.
    pub fn plain(path: impl Into<PathBuf>) -> Source {
        Source {
            path: path.into(),
            map: FieldMap::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn map_renames_and_case_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.csv", "Precinct Name, Total \nP1,\"1,234\"\n");
        let map = FieldMap::parse(&["precinct=precinct name,votes=TOTAL"]).unwrap();
        let mut got = vec![];
        read_csv(&p, &map, &[req("precinct"), req("votes")], |r| {
            got.push((r.text("precinct")?.to_string(), r.count("votes")?));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, vec![("P1".to_string(), 1234)]);
    }

    #[test]
    fn missing_column_and_bad_value_name_file_row_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.csv", "precinct,votes\nP1,12\nP2,x\n");
        let e = read_csv(&p, &FieldMap::default(), &[req("ballots")], |_| Ok(())).unwrap_err();
        assert!(
            e.to_string().contains("a.csv: missing column `ballots`"),
            "{e}"
        );
        let e = read_csv(&p, &FieldMap::default(), &[req("votes")], |r| {
            r.count("votes").map(|_| ())
        })
        .unwrap_err();
        assert!(e.to_string().contains("a.csv: row 3, field `votes`"), "{e}");
    }

    #[test]
    fn aliases_and_bad_map() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "m.csv", "batch,ballots\nB,3\n");
        let cards = Field {
            name: "cards",
            required: true,
            aliases: &["ballots"],
        };
        let mut n = 0;
        read_csv(&p, &FieldMap::default(), &[cards], |r| {
            n += r.count("cards")?;
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 3);
        assert!(FieldMap::parse(&["oops"]).is_err());
        assert!(FieldMap::parse(&["a=x,a=y"]).is_err());
    }

    #[test]
    fn signed_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "d.csv", "d\n-2\n+1\n0\n");
        let mut got = vec![];
        read_csv(&p, &FieldMap::default(), &[req("d")], |r| {
            got.push(r.signed("d")?);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, vec![-2, 1, 0]);
    }
}
