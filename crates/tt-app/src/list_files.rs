//! Reading the list files staff import as snapshots (partner programs' certificate lists, watch
//! lists): named columns in any order, every row parsed, every wrong row kept with its reason so
//! that the list is imported whole or not at all and the importer can fix each row.

use serde::Serialize;
use tt_domain::ValidationError;
use utoipa::ToSchema;

use crate::{AppError, AppResult};

/// A row of an imported file that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RejectedRow {
    /// The row in the file (the header is row 1).
    pub row: usize,
    pub field: String,
    pub reason: String,
}

/// A list file read: each parsed row with its row number, and the rejected ones.
#[derive(Debug)]
pub struct ListRows<T> {
    pub parsed: Vec<(usize, T)>,
    pub rejected: Vec<RejectedRow>,
    pub rows_read: usize,
}

/// Reads `bytes` as CSV with the header naming `columns` (in any order; other columns ignored)
/// and parses each row with `parse`, which gets the row's fields in the order of `columns`.
///
/// # Errors
/// `Invalid` on `file` when the file cannot be read or a column is missing.
pub fn read_rows<T, const N: usize>(
    bytes: &[u8],
    columns: [&str; N],
    mut parse: impl FnMut([&str; N]) -> Result<T, Vec<ValidationError>>,
) -> AppResult<ListRows<T>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader.headers().map_err(|error| AppError::invalid("file", error.to_string()))?.clone();
    let mut positions = [0; N];
    for (position, column) in positions.iter_mut().zip(columns) {
        *position = headers.iter().position(|header| header.trim() == column).ok_or_else(|| {
            AppError::invalid("file", format!("has no {column} column (it needs {})", columns.join(", ")))
        })?;
    }
    let mut rows = ListRows { parsed: Vec::new(), rejected: Vec::new(), rows_read: 0 };
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        rows.rows_read += 1;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                rows.rejected.push(RejectedRow { row, field: "row".to_owned(), reason: error.to_string() });
                continue;
            }
        };
        match parse(positions.map(|position| record.get(position).unwrap_or(""))) {
            Ok(value) => rows.parsed.push((row, value)),
            Err(errors) => rows.rejected.extend(errors.into_iter().map(|error| RejectedRow {
                row,
                field: error.field.to_owned(),
                reason: error.message,
            })),
        }
    }
    Ok(rows)
}
