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
    let mut reader = RankRowReader::new(path, options, contest, layout);
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
                if Some(number) == header_row {
                    reader.layout_mut().apply_header(&row);
                } else {
                    reader.row(number, &row, election, sink)?;
                }
            }
            row.clear();
            current = row_index;
        }
        let Some(c) = next else { break };
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
