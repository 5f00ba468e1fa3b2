//! ES&S cast vote record exports: one row per ballot, one column per rank,
//! the candidate's name in each cell (xlsx, or the same table as csv).
//!
//! The layout is given by RCTab's `cvrFileSources` options (see
//! [`crate::tabular`]); the defaults are RCTab's usual ES&S layout: ranks
//! from column 2, ballots from row 2. The rank columns end at the first
//! header that is not a rank header (ES&S appends a `Count` column).
//!
//! The xlsx is read cell by cell with calamine's streaming cell reader, one
//! row in memory at a time, so a million-row sheet needs no more memory than
//! a small one.

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::SourceOptions;
use crate::tabular::{RankLayout, RankRowReader, for_each_csv_row, single_contest};
use calamine::{DataRef, Reader, Xlsx, open_workbook};
use canvass_model::Election;
use quick_xml::events::Event;
use std::io::Read;
use std::path::Path;

/// The text of an xlsx cell as a person reading the sheet sees it.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            // Whole numbers (ids, ranks) are shown without a fraction.
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => String::new(),
    }
}

/// Read an ES&S xlsx export (the first sheet).
pub(crate) fn read_xlsx(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    if !crate::hart::is_zip(path)? {
        return Err(FormatError::WrongFormat {
            at: Location::file(path),
            expected: crate::Format::EssXlsx,
            found: "not a zip archive (an xlsx file is one)".into(),
        });
    }
    // RCTab counts every row element of the sheet from the first vote row
    // on, including rows that hold no text (styled but empty rows, often
    // at the very end of a sheet); calamine's cell reader does not show
    // them, so their numbers are read from the sheet XML first. This also
    // refuses a cut-short archive as truncated.
    let present = sheet_row_numbers(path)?;
    let mut workbook: Xlsx<_> = open_workbook(path).map_err(|e| match e {
        calamine::XlsxError::Io(io) => FormatError::io(path, io),
        other => FormatError::WrongFormat {
            at: Location::file(path),
            expected: crate::Format::EssXlsx,
            found: format!("not a readable xlsx workbook ({other})"),
        },
    })?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(FormatError::invalid(
            Location::file(path),
            "the workbook has no sheet",
        ));
    };
    let layout = RankLayout::from_options(path, options, 2, 2)?;
    let header_row = layout.first_row.checked_sub(1).filter(|r| *r >= 1);
    let contest = single_contest(path, options, election);
    let mut pending = BlankRows {
        rows: present,
        next: 0,
        first_row: layout.first_row,
        header_row,
    };
    let mut reader = RankRowReader::new(path, options, contest, layout);
    reader.keep_blank_rows();
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(|e| {
        FormatError::invalid(
            Location::file(path).field(sheet.clone()),
            format!("cannot read sheet: {e}"),
        )
    })?;
    // Cells arrive in row order; collect one row, then hand it on.
    let mut current: Option<u64> = None;
    let mut row: Vec<String> = Vec::new();
    loop {
        let next = cells.next_cell().map_err(|e| {
            let at = match current {
                Some(r) => Location::record(path, r + 1),
                None => Location::file(path),
            };
            FormatError::invalid(at, format!("cannot read sheet {sheet:?}: {e}"))
        })?;
        let position = next.as_ref().map(|c| c.get_position());
        let row_index = position.map(|(r, _)| u64::from(r));
        if row_index != current {
            if let Some(r) = current {
                let number = r + 1;
                pending.emit_until(Some(number), &mut reader, election, sink)?;
                if Some(number) == header_row {
                    reader.layout_mut().apply_header(&row);
                } else {
                    reader.row(number, &row, election, sink)?;
                }
            }
            row.clear();
            current = row_index;
        }
        let Some(c) = next else {
            pending.emit_until(None, &mut reader, election, sink)?;
            break;
        };
        let col = c.get_position().1 as usize;
        if col >= row.len() {
            // Columns beyond a sane width are refused rather than allocated.
            if col > 16_384 {
                return Err(FormatError::invalid(
                    Location::record(path, u64::from(c.get_position().0) + 1),
                    "cell column beyond the xlsx limit",
                ));
            }
            row.resize(col + 1, String::new());
        }
        if let Some(slot) = row.get_mut(col) {
            *slot = cell_text(c.get_value());
        }
    }
    Ok(())
}

/// Rows present in the sheet XML, handed on as blank ballots when
/// calamine's cell reader (which shows only cells) skips them.
struct BlankRows {
    rows: Vec<u64>,
    next: usize,
    first_row: u64,
    header_row: Option<u64>,
}

impl BlankRows {
    /// Emit every present row before `until` (all remaining with `None`)
    /// as a blank ballot; the row `until` itself is consumed, not emitted.
    fn emit_until(
        &mut self,
        until: Option<u64>,
        reader: &mut RankRowReader<'_>,
        election: &mut Election,
        sink: &mut CardSink<'_>,
    ) -> Result<(), FormatError> {
        while let Some(&r) = self.rows.get(self.next) {
            if let Some(u) = until {
                if r > u {
                    break;
                }
                if r == u {
                    self.next += 1;
                    break;
                }
            }
            self.next += 1;
            if r >= self.first_row && Some(r) != self.header_row {
                reader.row(r, &[], election, sink)?;
            }
        }
        Ok(())
    }
}

/// The path inside the xlsx zip of the workbook's first sheet (from
/// `xl/workbook.xml` and its relationships, ECMA-376 Part 1 §18.2).
fn first_sheet_path<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut zip::ZipArchive<R>,
) -> Result<String, FormatError> {
    let bad = |m: &str| FormatError::invalid(Location::file(path), m.to_owned());
    let workbook = read_entry(path, zip, "xl/workbook.xml")?;
    let rid = first_attribute(&workbook, b"sheet", |k| k == b"r:id" || k.ends_with(b":id"))
        .ok_or_else(|| bad("xl/workbook.xml lists no sheet"))?;
    let rels = read_entry(path, zip, "xl/_rels/workbook.xml.rels")?;
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"Relationship" => {
                let attr = |name: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                if attr(b"Id").as_deref() == Some(rid.as_str()) {
                    let target =
                        attr(b"Target").ok_or_else(|| bad("a relationship has no Target"))?;
                    return Ok(match target.strip_prefix('/') {
                        Some(abs) => abs.to_owned(),
                        None => format!("xl/{target}"),
                    });
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(bad(&format!("xl/_rels/workbook.xml.rels: {e}"))),
            _ => {}
        }
        buf.clear();
    }
    Err(bad("the first sheet has no relationship target"))
}

fn read_entry<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Vec<u8>, FormatError> {
    let mut entry = zip.by_name(name).map_err(|e| FormatError::WrongFormat {
        at: Location::file(path).field(name),
        expected: crate::Format::EssXlsx,
        found: format!("no readable {name}: {e}"),
    })?;
    let mut bytes = Vec::new();
    (&mut entry)
        .take(64 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| FormatError::Truncated {
            at: Location::file(path).field(name),
            message: format!("{e}"),
        })?;
    Ok(bytes)
}

fn first_attribute(xml: &[u8], element: &[u8], key: impl Fn(&[u8]) -> bool) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == element => {
                return e
                    .attributes()
                    .flatten()
                    .find(|a| key(a.key.as_ref()))
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// The 1-based numbers of every `<row>` element of the first sheet, in
/// document order, streamed from the zip without keeping the sheet.
fn sheet_row_numbers(path: &Path) -> Result<Vec<u64>, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        FormatError::Truncated {
            at: Location::file(path),
            message: format!("the xlsx (zip) archive cannot be opened: {e}"),
        }
    })?;
    let sheet = first_sheet_path(path, &mut zip)?;
    let entry = zip.by_name(&sheet).map_err(|e| FormatError::WrongFormat {
        at: Location::file(path).field(sheet.clone()),
        expected: crate::Format::EssXlsx,
        found: format!("the first sheet is missing: {e}"),
    })?;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(entry));
    let mut rows = Vec::new();
    let mut last = 0u64;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            FormatError::invalid(Location::file(path).field(sheet.clone()), format!("{e}"))
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"row" => {
                let r = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"r")
                    .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse::<u64>().ok())
                    .unwrap_or(last + 1);
                if r > last {
                    rows.push(r);
                    last = r;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(rows)
}

/// Read an ES&S export saved as csv: the same table as the xlsx.
pub(crate) fn read_csv(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let layout = RankLayout::from_options(path, options, 2, 2)?;
    let header_row = layout.first_row.checked_sub(1).filter(|r| *r >= 1);
    let contest = single_contest(path, options, election);
    let mut reader = RankRowReader::new(path, options, contest, layout);
    for_each_csv_row(path, |number, row| {
        if Some(number) == header_row {
            reader.layout_mut().apply_header(row);
            Ok(())
        } else {
            reader.row(number, row, election, sink)
        }
    })
}
