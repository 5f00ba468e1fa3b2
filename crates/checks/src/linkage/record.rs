//! Person records read from CSV: the canonical fields, `--map
//! field=column`, normalization and interning.
//!
//! Every text value is normalized (lowercase; names and identifiers keep
//! letters and digits only; addresses and places keep single spaces between
//! words) and interned per field, so two records agree exactly on a field
//! when their ids agree, term frequencies are counts of ids, and a million
//! records take a few dozen megabytes.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::date::PartialDate;
use crate::CheckError;

/// The canonical fields a person record may have. Any may be absent
/// except `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The record's identifier, reported in every pair.
    Id,
    /// Given name.
    FirstName,
    /// Middle name or initial.
    MiddleName,
    /// Family name.
    LastName,
    /// Jr, Sr, III, ...
    Suffix,
    /// Date of birth.
    BirthDate,
    /// House number.
    StreetNumber,
    /// Street name and type.
    Address,
    /// Second address line (unit, locality).
    Address2,
    /// City, town or suburb.
    City,
    /// ZIP or postcode.
    Zip,
    /// State.
    State,
    /// A national identifier (e.g. last four digits of an SSN).
    NationalId,
    /// Date the voter voted (voter history).
    VotedOn,
    /// Date of death (death records).
    DiedOn,
}

/// The interned text fields, in the order of [`Record::text`].
pub const TEXT_FIELDS: [Field; 11] = [
    Field::FirstName,
    Field::MiddleName,
    Field::LastName,
    Field::Suffix,
    Field::StreetNumber,
    Field::Address,
    Field::Address2,
    Field::City,
    Field::Zip,
    Field::State,
    Field::NationalId,
];

/// Index of a text field in [`Record::text`].
pub fn text_index(field: Field) -> Option<usize> {
    TEXT_FIELDS.iter().position(|f| *f == field)
}

impl Field {
    /// Every field, in canonical order.
    pub const ALL: [Field; 15] = [
        Field::Id,
        Field::FirstName,
        Field::MiddleName,
        Field::LastName,
        Field::Suffix,
        Field::BirthDate,
        Field::StreetNumber,
        Field::Address,
        Field::Address2,
        Field::City,
        Field::Zip,
        Field::State,
        Field::NationalId,
        Field::VotedOn,
        Field::DiedOn,
    ];

    /// The canonical column name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::FirstName => "first_name",
            Field::MiddleName => "middle_name",
            Field::LastName => "last_name",
            Field::Suffix => "suffix",
            Field::BirthDate => "birth_date",
            Field::StreetNumber => "street_number",
            Field::Address => "address",
            Field::Address2 => "address_2",
            Field::City => "city",
            Field::Zip => "zip",
            Field::State => "state",
            Field::NationalId => "national_id",
            Field::VotedOn => "voted_on",
            Field::DiedOn => "died_on",
        }
    }

    /// The field with this canonical name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// `--map field=column,...`: which column of a file holds which field.
/// Fields not mapped are looked for under their canonical name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    columns: BTreeMap<Field, String>,
}

impl FieldMap {
    /// Parse `field=column,field=column`. Unknown field names are an error.
    pub fn parse(spec: &str) -> Result<FieldMap, String> {
        let mut map = FieldMap::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (f, c) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not field=column"))?;
            let field = Field::from_name(f.trim()).ok_or_else(|| {
                let names: Vec<_> = Field::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown field `{}` (fields: {})",
                    f.trim(),
                    names.join(", ")
                )
            })?;
            map.columns.insert(field, c.trim().to_string());
        }
        Ok(map)
    }

    /// Map one more field.
    pub fn set(&mut self, field: Field, column: &str) {
        self.columns.insert(field, column.to_string());
    }

    fn column(&self, field: Field) -> Option<&str> {
        self.columns.get(&field).map(String::as_str)
    }
}

/// Interned values of every text field, shared by the files being linked.
#[derive(Debug, Default)]
pub struct Vocabulary {
    values: Vec<Vec<String>>,
    index: Vec<HashMap<String, u32>>,
    /// Set when the files linked are hashed (their values are tokens).
    pub(crate) hashed: Option<Box<super::hashed::HashedVocab>>,
}

impl Vocabulary {
    /// An empty vocabulary.
    pub fn new() -> Vocabulary {
        Vocabulary {
            values: vec![vec![String::new()]; TEXT_FIELDS.len()],
            index: vec![HashMap::new(); TEXT_FIELDS.len()],
            hashed: None,
        }
    }

    /// The Bloom filters and derived tokens of hashed files (`None` for
    /// clear files).
    pub fn hashed(&self) -> Option<&super::hashed::HashedVocab> {
        self.hashed.as_deref()
    }

    pub(crate) fn hashed_mut(&mut self) -> Option<&mut super::hashed::HashedVocab> {
        self.hashed.as_deref_mut()
    }

    /// A phonetic key of a name: its Soundex code (the derived token in
    /// hashed files); `None` when there is none.
    pub fn phonetic(&self, field: usize, id: u32) -> Option<u32> {
        if id == 0 {
            return None;
        }
        match self.hashed() {
            Some(h) => Some(h.derived(field, id)).filter(|d| *d != 0),
            None => super::compare::soundex(self.value(field, id)).map(u32::from_le_bytes),
        }
    }

    /// The id of a normalized value (0 for the empty value).
    pub fn intern(&mut self, field: usize, value: &str) -> u32 {
        if value.is_empty() {
            return 0;
        }
        let (Some(values), Some(index)) = (self.values.get_mut(field), self.index.get_mut(field))
        else {
            return 0;
        };
        if let Some(id) = index.get(value) {
            return *id;
        }
        let id = u32::try_from(values.len()).unwrap_or(u32::MAX);
        values.push(value.to_string());
        index.insert(value.to_string(), id);
        id
    }

    /// The normalized value of an id ("" for 0 or an unknown id).
    pub fn value(&self, field: usize, id: u32) -> &str {
        self.values
            .get(field)
            .and_then(|v| v.get(id as usize))
            .map_or("", String::as_str)
    }

    /// How many distinct values a field has (including the empty one).
    pub fn len(&self, field: usize) -> usize {
        self.values.get(field).map_or(0, Vec::len)
    }

    /// Whether no value has been interned in any field.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(|v| v.len() <= 1)
    }
}

/// One person record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Interned normalized values of [`TEXT_FIELDS`], 0 when empty.
    pub text: [u32; TEXT_FIELDS.len()],
    /// Date of birth.
    pub birth: Option<PartialDate>,
    /// `voted_on` for voters, `died_on` for deaths.
    pub event: Option<PartialDate>,
}

/// The records of one file.
#[derive(Debug, Default)]
pub struct Records {
    /// Where they came from (for messages).
    pub source: String,
    /// The `id` column's values, one per record.
    pub ids: Vec<String>,
    /// The records.
    pub records: Vec<Record>,
    /// Which canonical fields the file has.
    pub present: Vec<Field>,
}

impl Records {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Add a record from raw (unnormalized) values by field.
    pub fn push_raw(
        &mut self,
        vocab: &mut Vocabulary,
        id: &str,
        values: &[(Field, &str)],
    ) -> Result<(), String> {
        let mut rec = Record::default();
        for (field, raw) in values {
            match field {
                Field::Id => {}
                Field::BirthDate => rec.birth = PartialDate::parse(raw)?,
                Field::VotedOn | Field::DiedOn => rec.event = PartialDate::parse(raw)?,
                f => {
                    if let Some(i) = text_index(*f) {
                        let norm = normalize(*f, raw);
                        if let Some(slot) = rec.text.get_mut(i) {
                            *slot = vocab.intern(i, &norm);
                        }
                    }
                }
            }
        }
        self.ids.push(id.to_string());
        self.records.push(rec);
        Ok(())
    }
}

/// Normalize a raw value of a text field.
pub fn normalize(field: Field, raw: &str) -> String {
    let lower = raw.trim().to_lowercase();
    match field {
        Field::FirstName
        | Field::MiddleName
        | Field::LastName
        | Field::Suffix
        | Field::StreetNumber
        | Field::Zip
        | Field::State
        | Field::NationalId => lower.chars().filter(|c| c.is_alphanumeric()).collect(),
        _ => {
            let mut out = String::with_capacity(lower.len());
            for word in lower
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
            out
        }
    }
}

/// Read a CSV file of person records. `event` says which date column is
/// the file's event (`voted_on` or `died_on`). Only `id` is required; a
/// column named in `map` but absent from the header is an error.
pub fn read_csv(
    path: &Path,
    map: &FieldMap,
    event: Field,
    vocab: &mut Vocabulary,
) -> Result<Records, CheckError> {
    let file = std::fs::File::open(path).map_err(|source| CheckError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv_from(path, std::io::BufReader::new(file), map, event, vocab)
}

/// [`read_csv`] from any reader; `path` names it in errors.
pub fn read_csv_from(
    path: &Path,
    reader: impl std::io::Read,
    map: &FieldMap,
    event: Field,
    vocab: &mut Vocabulary,
) -> Result<Records, CheckError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let csv_err = |e: csv::Error| -> CheckError {
        let row = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(source) => CheckError::Io {
                path: path.to_path_buf(),
                source,
            },
            kind => CheckError::BadValue {
                path: path.to_path_buf(),
                row,
                field: "(row)".into(),
                message: format!("{kind:?}"),
            },
        }
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
    };
    let mut columns: Vec<(Field, usize)> = Vec::new();
    for field in Field::ALL {
        if matches!(field, Field::VotedOn | Field::DiedOn) && field != event {
            continue;
        }
        match map.column(field) {
            Some(col) => match find(col) {
                Some(i) => columns.push((field, i)),
                None => {
                    return Err(CheckError::MissingColumn {
                        path: path.to_path_buf(),
                        column: format!("{col} (mapped to {})", field.name()),
                        header: header.join(","),
                    });
                }
            },
            None => {
                if let Some(i) = find(field.name()) {
                    columns.push((field, i));
                }
            }
        }
    }
    let Some(&(_, id_col)) = columns.iter().find(|(f, _)| *f == Field::Id) else {
        return Err(CheckError::MissingColumn {
            path: path.to_path_buf(),
            column: "id".into(),
            header: header.join(","),
        });
    };
    let mut records = Records {
        source: path.display().to_string(),
        present: columns.iter().map(|(f, _)| *f).collect(),
        ..Records::default()
    };
    let mut row = csv::StringRecord::new();
    let mut line = 1u64;
    while rdr.read_record(&mut row).map_err(csv_err)? {
        line = row.position().map_or(line + 1, |p| p.line());
        let values: Vec<(Field, &str)> = columns
            .iter()
            .map(|(field, i)| (*field, row.get(*i).unwrap_or("")))
            .collect();
        let id = row.get(id_col).unwrap_or("");
        if id.is_empty() {
            return Err(CheckError::BadValue {
                path: path.to_path_buf(),
                row: line,
                field: "id".into(),
                message: "empty id".into(),
            });
        }
        records.push_raw(vocab, id, &values).map_err(|message| {
            // Only dates can fail: name the first one that does.
            let field = values
                .iter()
                .find(|(f, v)| {
                    matches!(f, Field::BirthDate | Field::VotedOn | Field::DiedOn)
                        && PartialDate::parse(v).is_err()
                })
                .map_or("date", |(f, _)| f.name());
            CheckError::BadValue {
                path: path.to_path_buf(),
                row: line,
                field: field.to_string(),
                message,
            }
        })?;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, map: &str) -> Result<(Records, Vocabulary), CheckError> {
        let mut vocab = Vocabulary::new();
        let map = FieldMap::parse(map).unwrap();
        let r = read_csv_from(
            Path::new("voters.csv"),
            text.as_bytes(),
            &map,
            Field::VotedOn,
            &mut vocab,
        )?;
        Ok((r, vocab))
    }

    #[test]
    fn reads_and_normalizes_with_a_map() {
        let (r, v) = read(
            "rec_id, given_name, surname, date_of_birth, address_1\n\
             a1, Mary-Ann , O'Brien, 19500704, 12  Main St.\n",
            "id=rec_id,first_name=given_name,last_name=surname,birth_date=date_of_birth,address=address_1",
        )
        .unwrap();
        assert_eq!(r.ids, vec!["a1"]);
        let rec = &r.records[0];
        let fi = text_index(Field::FirstName).unwrap();
        let li = text_index(Field::LastName).unwrap();
        let ai = text_index(Field::Address).unwrap();
        assert_eq!(v.value(fi, rec.text[fi]), "maryann");
        assert_eq!(v.value(li, rec.text[li]), "obrien");
        assert_eq!(v.value(ai, rec.text[ai]), "12 main st");
        assert_eq!(rec.birth.unwrap().packed(), 19500704);
    }

    #[test]
    fn errors_name_file_row_and_field() {
        let e = read("id,birth_date\nx,19500704\ny,1950/07/04\n", "").unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("voters.csv") && s.contains("row 3") && s.contains("birth_date"),
            "{s}"
        );

        let e = read("name,birth_date\nx,19500704\n", "").unwrap_err();
        assert!(e.to_string().contains("missing column `id`"), "{e}");

        let e = read("id,last\nx,y\n", "last_name=surname").unwrap_err();
        assert!(e.to_string().contains("surname"), "{e}");

        let e = read("id,last_name\nx,y,z\n", "").unwrap_err();
        assert!(e.to_string().contains("row 2"), "{e}");

        assert!(FieldMap::parse("nonsense=x").is_err());
        assert!(FieldMap::parse("first_name").is_err());
    }
}
