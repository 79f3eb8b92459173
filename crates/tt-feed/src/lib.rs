//! The trade feed's file formats: CSV (RFC 4180, optional BOM, LF or CRLF, quoted newlines,
//! columns in any order, case-insensitive headers) and NDJSON, each plain or gzip-compressed.
//!
//! Files are read as a stream, one record at a time, with the physical line number where each
//! record starts and its exact bytes, so a rejected record can be written back out unchanged
//! (see [`RejectsWriter`]). This crate knows nothing of what the fields mean.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: the file is empty (no header row)")]
    Empty { path: String },
    #[error("{path}: missing required column '{column}'")]
    MissingColumn { path: String, column: String },
    #[error("{path}: {message}")]
    Malformed { path: String, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// NDJSON for `.ndjson`, `.jsonl` and `.json` names (before any `.gz`), CSV otherwise.
    #[must_use]
    pub fn of_path(path: &Path) -> Self {
        let name = path.file_name().map(|name| name.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".ndjson") || name.ends_with(".jsonl") || name.ends_with(".json") {
            Self::Ndjson
        } else {
            Self::Csv
        }
    }
}

/// A column of a file, resolved once by [`FeedFile::column`].
#[derive(Debug, Clone)]
pub struct Column {
    name: String,
    position: Option<usize>,
}

/// How far a file has been read: bytes taken from it so far (compressed bytes for gzip) and
/// its size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadProgress {
    pub path: String,
    pub bytes_read: u64,
    pub size: u64,
}

/// One record of a file: where it starts, its exact bytes, and its values.
#[derive(Debug, Clone)]
pub struct Record {
    /// The 1-based physical line number where the record starts (the header is line 1).
    pub row: u64,
    /// The record's bytes as in the file, without its line terminator.
    pub raw: Vec<u8>,
    /// `None` when the record could not be read as values (not UTF-8, not a JSON object); the
    /// text says why.
    pub unreadable: Option<String>,
    values: Values,
}

#[derive(Debug, Clone)]
enum Values {
    /// Untrimmed; trimmed when read.
    Csv(csv::StringRecord),
    Json(Vec<(String, String)>),
    /// Freed by [`Record::drop_values`].
    Dropped,
}

impl Record {
    /// Frees the values once they have been parsed; the row and raw bytes stay for the
    /// rejects file. (The ingest parses on one thread and keeps records on another: freeing
    /// where they were made is cheaper.)
    pub fn drop_values(&mut self) {
        self.values = Values::Dropped;
    }
}

/// Counts bytes taken from the underlying file (compressed bytes for gzip), for progress.
struct Counted<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.counter.fetch_add(count as u64, Ordering::Relaxed);
        Ok(count)
    }
}

/// Keeps the bytes the CSV parser has read, so each record's exact bytes can be cut out.
#[derive(Default)]
struct Capture {
    /// Stream offset of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
}

struct Tee<R> {
    inner: R,
    capture: Arc<Mutex<Capture>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let count = self.inner.read(buffer)?;
        if let Ok(mut capture) = self.capture.lock() {
            capture.bytes.extend_from_slice(&buffer[..count]);
        }
        Ok(count)
    }
}

type Source = Box<dyn Read + Send>;

enum Reader {
    Csv {
        parser: csv::Reader<Tee<Source>>,
        capture: Arc<Mutex<Capture>>,
        columns: HashMap<String, usize>,
        /// A record read but not yet returned: its end is the next record's start.
        pending: Option<(u64, csv::ByteRecord)>,
        finished: bool,
        /// The physical line the next record to return starts on.
        next_line: u64,
    },
    Ndjson {
        lines: BufReader<Source>,
        line: u64,
    },
}

/// An open feed file.
pub struct FeedFile {
    path: String,
    format: Format,
    reader: Reader,
    /// The header row's exact bytes (with any BOM), without its terminator.
    header_raw: Vec<u8>,
    terminator: &'static [u8],
    bytes_read: Arc<AtomicU64>,
    size: u64,
}

fn io_error(path: &str) -> impl Fn(std::io::Error) -> FeedError + '_ {
    move |source| FeedError::Io { path: path.to_owned(), source }
}

fn strip_terminator(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    while end > 0 && (raw[end - 1] == b'\n' || raw[end - 1] == b'\r') {
        end -= 1;
    }
    &raw[..end]
}

impl FeedFile {
    /// Opens a file, decompressing `.gz`, and reads the CSV header. `required` columns must be
    /// in a CSV header (names compared case-insensitively after trimming).
    ///
    /// # Errors
    /// When the file cannot be read, is empty, or lacks a required column.
    pub fn open(path: &Path, required: &[&str]) -> Result<Self, FeedError> {
        let display = path.display().to_string();
        let file = File::open(path).map_err(io_error(&display))?;
        let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
        let bytes_read = Arc::new(AtomicU64::new(0));
        let counted = Counted { inner: file, counter: bytes_read.clone() };
        let gzip = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("gz"));
        let source: Source = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, counted)))
        } else {
            Box::new(counted)
        };
        Self::from_source(display, Format::of_path(path), source, required, bytes_read, size)
    }

    /// Reads a feed held in memory (a data file built into the program); `name` gives the
    /// format as a path would and names the file in errors.
    ///
    /// # Errors
    /// As [`FeedFile::open`].
    pub fn from_bytes(name: &str, bytes: Vec<u8>, required: &[&str]) -> Result<Self, FeedError> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let bytes_read = Arc::new(AtomicU64::new(0));
        let counted = Counted { inner: std::io::Cursor::new(bytes), counter: bytes_read.clone() };
        Self::from_source(
            name.to_owned(),
            Format::of_path(Path::new(name)),
            Box::new(counted),
            required,
            bytes_read,
            size,
        )
    }

    fn from_source(
        display: String,
        format: Format,
        mut source: Source,
        required: &[&str],
        bytes_read: Arc<AtomicU64>,
        size: u64,
    ) -> Result<Self, FeedError> {
        // A UTF-8 byte-order mark is kept for the rejects header but not parsed.
        let mut start = [0u8; 3];
        let mut filled = 0;
        while filled < 3 {
            let count = source.read(&mut start[filled..]).map_err(io_error(&display))?;
            if count == 0 {
                break;
            }
            filled += count;
        }
        let bom = filled == 3 && start == [0xEF, 0xBB, 0xBF];
        let prefix = if bom { Vec::new() } else { start[..filled].to_vec() };
        let source: Source = Box::new(std::io::Cursor::new(prefix).chain(source));
        match format {
            Format::Ndjson => Ok(Self {
                path: display,
                format,
                reader: Reader::Ndjson { lines: BufReader::with_capacity(1 << 16, source), line: 0 },
                header_raw: Vec::new(),
                terminator: b"\n",
                bytes_read,
                size,
            }),
            Format::Csv => Self::open_csv(display, source, bom, required, bytes_read, size),
        }
    }

    fn open_csv(
        path: String,
        source: Source,
        bom: bool,
        required: &[&str],
        bytes_read: Arc<AtomicU64>,
        size: u64,
    ) -> Result<Self, FeedError> {
        let capture = Arc::new(Mutex::new(Capture::default()));
        let tee = Tee { inner: source, capture: capture.clone() };
        let mut parser =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(1 << 16).from_reader(tee);
        let mut header = csv::ByteRecord::new();
        let has_header = parser
            .read_byte_record(&mut header)
            .map_err(|error| FeedError::Malformed { path: path.clone(), message: error.to_string() })?;
        if !has_header {
            return Err(FeedError::Empty { path });
        }
        let header_end = parser.position().byte();
        let mut columns = HashMap::new();
        for (index, name) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
            columns.entry(name).or_insert(index);
        }
        if let Some(missing) = required.iter().find(|column| !columns.contains_key(**column)) {
            return Err(FeedError::MissingColumn { path, column: (*missing).to_owned() });
        }
        let (header_raw, terminator, next_line) = {
            let capture =
                capture.lock().map_err(|_| FeedError::Malformed { path: path.clone(), message: "lock".to_owned() })?;
            let end = usize::try_from(header_end).unwrap_or(0).min(capture.bytes.len());
            let raw = &capture.bytes[..end];
            // The parser may stop between the `\r` and the `\n` of a CRLF.
            let crlf = raw.ends_with(b"\r\n") || (raw.ends_with(b"\r") && capture.bytes.get(end) == Some(&b'\n'));
            let terminator: &'static [u8] = if crlf { b"\r\n" } else { b"\n" };
            let mut header_raw = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
            header_raw.extend_from_slice(strip_terminator(raw));
            (header_raw, terminator, 1 + count_newlines(raw))
        };
        Ok(Self {
            path,
            format: Format::Csv,
            reader: Reader::Csv { parser, capture, columns, pending: None, finished: false, next_line },
            header_raw,
            terminator,
            bytes_read,
            size,
        })
    }

    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// How far the file has been read.
    #[must_use]
    pub fn progress(&self) -> ReadProgress {
        ReadProgress { path: self.path.clone(), bytes_read: self.bytes_read.load(Ordering::Relaxed), size: self.size }
    }

    /// A column resolved once for this file, to read many records by: its position in CSV
    /// rows (none when the header lacks it), or its name for NDJSON objects.
    #[must_use]
    pub fn column(&self, name: &str) -> Column {
        let position = match &self.reader {
            Reader::Csv { columns, .. } => columns.get(name).copied(),
            Reader::Ndjson { .. } => None,
        };
        Column { name: name.to_owned(), position }
    }

    /// A record's trimmed value for a resolved column; empty when absent.
    #[must_use]
    pub fn value_of<'a>(&self, record: &'a Record, column: &Column) -> &'a str {
        match &record.values {
            Values::Csv(values) => column.position.and_then(|index| values.get(index)).map_or("", str::trim),
            Values::Json(pairs) => {
                pairs.iter().find(|(key, _)| *key == column.name).map_or("", |(_, value)| value.as_str())
            }
            Values::Dropped => "",
        }
    }

    /// A record's trimmed value for a column (case-insensitive name); empty when absent.
    #[must_use]
    pub fn value<'a>(&self, record: &'a Record, column: &str) -> &'a str {
        match (&record.values, &self.reader) {
            (Values::Csv(values), Reader::Csv { columns, .. }) => {
                columns.get(column).and_then(|index| values.get(*index)).map_or("", str::trim)
            }
            (Values::Json(pairs), _) => {
                pairs.iter().find(|(key, _)| key == column).map_or("", |(_, value)| value.as_str())
            }
            _ => "",
        }
    }

    /// The next record, or `None` at the end of the file.
    ///
    /// # Errors
    /// When the file cannot be read any further.
    pub fn next_record(&mut self) -> Result<Option<Record>, FeedError> {
        let path = self.path.clone();
        match &mut self.reader {
            Reader::Ndjson { lines, line } => next_json(&path, lines, line),
            Reader::Csv { parser, capture, pending, finished, next_line, .. } => {
                next_csv(&path, parser, capture, pending, finished, next_line)
            }
        }
    }

    /// Writes rejected records of this file, unchanged, with their reasons.
    ///
    /// # Errors
    /// When the rejects file cannot be created.
    pub fn rejects_writer(&self, path: &Path) -> std::io::Result<RejectsWriter> {
        RejectsWriter::create(path, self.format, &self.header_raw, self.terminator)
    }
}

fn next_json(path: &str, lines: &mut BufReader<Source>, line: &mut u64) -> Result<Option<Record>, FeedError> {
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let count = lines.read_until(b'\n', &mut buffer).map_err(io_error(path))?;
        if count == 0 {
            return Ok(None);
        }
        *line += 1;
        if buffer.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let raw = strip_terminator(&buffer).to_vec();
        let parsed = serde_json::from_slice::<serde_json::Value>(&raw);
        let (values, unreadable) = match parsed {
            Ok(serde_json::Value::Object(map)) => {
                let pairs = map
                    .into_iter()
                    .map(|(key, value)| {
                        let text = match value {
                            serde_json::Value::Null => String::new(),
                            serde_json::Value::String(text) => text.trim().to_owned(),
                            other => other.to_string(),
                        };
                        (key.trim().to_ascii_lowercase(), text)
                    })
                    .collect();
                (Values::Json(pairs), None)
            }
            Ok(_) => (Values::Json(Vec::new()), Some("the line is not a JSON object".to_owned())),
            Err(error) => (Values::Json(Vec::new()), Some(format!("the line is not a JSON object: {error}"))),
        };
        return Ok(Some(Record { row: *line, raw, unreadable, values }));
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|byte| **byte == b'\n').count() as u64
}

/// Returns the record read before, cut from the captured bytes up to the next record's start;
/// its row is counted from the newlines actually in the file (the parser's own line count
/// skips newlines inside quoted values).
fn next_csv(
    path: &str,
    parser: &mut csv::Reader<Tee<Source>>,
    capture: &Arc<Mutex<Capture>>,
    pending: &mut Option<(u64, csv::ByteRecord)>,
    finished: &mut bool,
    next_line: &mut u64,
) -> Result<Option<Record>, FeedError> {
    loop {
        if *finished && pending.is_none() {
            return Ok(None);
        }
        // Sized like the record before it: grown from empty, each record cost a dozen
        // reallocations of its buffers.
        let mut next = match pending {
            Some((_, previous)) => csv::ByteRecord::with_capacity(previous.as_slice().len() + 64, previous.len()),
            None => csv::ByteRecord::new(),
        };
        let next_start = if *finished {
            None
        } else {
            let more = parser
                .read_byte_record(&mut next)
                .map_err(|error| FeedError::Malformed { path: path.to_owned(), message: error.to_string() })?;
            if more {
                Some(next.position().map_or(0, csv::Position::byte))
            } else {
                *finished = true;
                None
            }
        };
        let previous = match next_start {
            Some(byte) => pending.replace((byte, next)),
            None => pending.take(),
        };
        let Some((start, record)) = previous else { continue };
        let mut capture =
            capture.lock().map_err(|_| FeedError::Malformed { path: path.to_owned(), message: "lock".to_owned() })?;
        let end = next_start.unwrap_or(capture.base + capture.bytes.len() as u64);
        let from = usize::try_from(start.saturating_sub(capture.base)).unwrap_or(0).min(capture.bytes.len());
        let to = usize::try_from(end.saturating_sub(capture.base)).unwrap_or(0).min(capture.bytes.len());
        let slice = &capture.bytes[from..to];
        // A CRLF split by the parser leaves the `\n` at the front of the next record.
        let leading = slice.iter().take_while(|byte| **byte == b'\n' || **byte == b'\r').count();
        let row = *next_line + count_newlines(&slice[..leading]);
        *next_line += count_newlines(slice);
        let raw = strip_terminator(&slice[leading..]).to_vec();
        // Dropping consumed bytes only now and then keeps this linear: shifting the buffer after
        // every record would copy it once per record.
        if to > (1 << 20) {
            capture.bytes.drain(..to);
            capture.base += to as u64;
        }
        let (values, unreadable) = match csv::StringRecord::from_byte_record(record) {
            Ok(values) => (values, None),
            Err(_) => (csv::StringRecord::new(), Some("the row is not valid UTF-8".to_owned())),
        };
        return Ok(Some(Record { row, raw, unreadable, values: Values::Csv(values) }));
    }
}

/// Writes rejected records unchanged: CSV with the original header plus an `error` column, or
/// NDJSON objects with an added `"error"` key.
pub struct RejectsWriter {
    output: std::io::BufWriter<File>,
    format: Format,
    terminator: &'static [u8],
    count: u64,
}

impl RejectsWriter {
    fn create(path: &Path, format: Format, header_raw: &[u8], terminator: &'static [u8]) -> std::io::Result<Self> {
        let mut output = std::io::BufWriter::new(File::create(path)?);
        if format == Format::Csv {
            output.write_all(header_raw)?;
            output.write_all(b",error")?;
            output.write_all(terminator)?;
        }
        Ok(Self { output, format, terminator, count: 0 })
    }

    /// # Errors
    /// When writing fails.
    pub fn write(&mut self, record: &Record, error: &str) -> std::io::Result<()> {
        self.count += 1;
        match self.format {
            Format::Csv => {
                self.output.write_all(&record.raw)?;
                self.output.write_all(b",\"")?;
                self.output.write_all(error.replace('"', "\"\"").as_bytes())?;
                self.output.write_all(b"\"")?;
                self.output.write_all(self.terminator)?;
            }
            Format::Ndjson => {
                let error_json = serde_json::to_string(error).unwrap_or_else(|_| "\"\"".to_owned());
                let trimmed = strip_trailing_space(&record.raw);
                if record.unreadable.is_none() && trimmed.last() == Some(&b'}') {
                    let body = &trimmed[..trimmed.len() - 1];
                    let empty_object = strip_trailing_space(body).last() == Some(&b'{');
                    self.output.write_all(body)?;
                    self.output.write_all(if empty_object { b"\"error\":" } else { b",\"error\":" })?;
                    self.output.write_all(error_json.as_bytes())?;
                    self.output.write_all(b"}")?;
                } else {
                    let original = serde_json::to_string(&String::from_utf8_lossy(&record.raw)).unwrap_or_default();
                    write!(self.output, "{{\"_record\":{original},\"error\":{error_json}}}")?;
                }
                self.output.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// # Errors
    /// When flushing fails.
    pub fn finish(mut self) -> std::io::Result<u64> {
        self.output.flush()?;
        Ok(self.count)
    }
}

fn strip_trailing_space(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &bytes[..end]
}

/// Where the rejects of one input file go: the path itself for a single input, or
/// `PATH/<file name>.rejects.csv|.ndjson` when several files share one directory.
#[must_use]
pub fn rejects_path(rejects: &Path, input: &Path, several_inputs: bool) -> PathBuf {
    if !several_inputs {
        return rejects.to_path_buf();
    }
    let name = input.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let extension = match Format::of_path(input) {
        Format::Csv => "csv",
        Format::Ndjson => "ndjson",
    };
    rejects.join(format!("{name}.rejects.{extension}"))
}
