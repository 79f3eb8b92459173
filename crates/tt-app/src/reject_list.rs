//! The rejected rows of one file: kept in memory up to a limit and spilled to a temporary file
//! beyond it, so a file of any size, even one where every row is bad, is reported in full in
//! bounded memory.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use serde::ser::{Error as _, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};

use crate::{AppError, AppResult};

/// One rejected row: which file, which physical line, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub file: String,
    pub row: u64,
    pub field: String,
    pub reason: String,
}

/// Rejects kept in memory before the list spills to disk (about 15 MB of them).
const IN_MEMORY: usize = 100_000;

/// The rejects of one file, in file order.
#[derive(Debug, Default)]
pub struct RejectList {
    in_memory: Vec<Reject>,
    spill: Option<Spill>,
    len: u64,
}

/// Rejects beyond the first [`IN_MEMORY`], one JSON object per line in a temporary file that
/// is removed with the list.
#[derive(Debug)]
struct Spill {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn spill_error(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("keeping the rejected rows in a temporary file: {error}"))
}

impl RejectList {
    /// # Errors
    /// When the temporary file cannot be written.
    pub fn push(&mut self, reject: Reject) -> AppResult<()> {
        self.len += 1;
        if self.in_memory.len() < IN_MEMORY {
            self.in_memory.push(reject);
            return Ok(());
        }
        if self.spill.is_none() {
            let path = std::env::temp_dir().join(format!("tt-rejects-{}.ndjson", uuid::Uuid::new_v4().simple()));
            let writer = BufWriter::new(File::create(&path).map_err(spill_error)?);
            self.spill = Some(Spill { path, writer });
        }
        if let Some(spill) = &mut self.spill {
            serde_json::to_writer(&mut spill.writer, &reject).map_err(spill_error)?;
            spill.writer.write_all(b"\n").map_err(spill_error)?;
        }
        Ok(())
    }

    /// Makes everything pushed readable by [`RejectList::iter`].
    ///
    /// # Errors
    /// When the temporary file cannot be written.
    pub fn flush(&mut self) -> AppResult<()> {
        match &mut self.spill {
            Some(spill) => spill.writer.flush().map_err(spill_error),
            None => Ok(()),
        }
    }

    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every reject in file order (those spilled are read back from the temporary file, which
    /// must have been flushed).
    pub fn iter(&self) -> impl Iterator<Item = AppResult<Reject>> + '_ {
        let spilled: Box<dyn Iterator<Item = AppResult<Reject>>> = match &self.spill {
            None => Box::new(std::iter::empty()),
            Some(spill) => match File::open(&spill.path) {
                Ok(file) => Box::new(BufReader::new(file).lines().map(|line| {
                    let line = line.map_err(spill_error)?;
                    serde_json::from_str(&line).map_err(spill_error)
                })),
                Err(error) => Box::new(std::iter::once(Err(spill_error(error)))),
            },
        };
        self.in_memory.iter().cloned().map(Ok).chain(spilled)
    }
}

/// Two lists are equal when they hold the same rejects in the same order.
impl PartialEq for RejectList {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
            && self.iter().zip(other.iter()).all(|(left, right)| matches!((left, right), (Ok(l), Ok(r)) if l == r))
    }
}

/// Serialized as a JSON array, streamed: the spilled part is never all in memory.
impl Serialize for RejectList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sequence = serializer.serialize_seq(usize::try_from(self.len).ok())?;
        for reject in self.iter() {
            sequence.serialize_element(&reject.map_err(S::Error::custom)?)?;
        }
        sequence.end()
    }
}
