//! Entry lines as CBP reports them, normalized and validated exactly as the entry-feed contract
//! says (spec/entry-feed.md §3), plus exact money and hour amounts.
//!
//! Parsing is one function over a row of raw text fields, checking fields in the contract's
//! order so the first broken field is the one reported.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{ImporterNumber, ValidationError};

/// An amount of US dollars in whole cents, never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Cents(pub i64);

impl Cents {
    /// Digits, optionally `.` and one or two digits (`.5`, `5.`, `+5`, `1e3`, `-0` are refused);
    /// empty is zero only where `empty_is_zero`.
    ///
    /// # Errors
    /// When the text breaks that form or the amount does not fit.
    pub fn parse(field: &'static str, text: &str, empty_is_zero: bool) -> Result<Self, ValidationError> {
        if text.is_empty() {
            return if empty_is_zero { Ok(Self(0)) } else { Err(ValidationError::new(field, "is required")) };
        }
        let invalid = || ValidationError::new(field, format!("'{text}' is not an amount such as 1234.56"));
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (text, ""),
        };
        let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if whole.is_empty()
            || !digits(whole)
            || !digits(fraction)
            || (text.contains('.') && !(1..=2).contains(&fraction.len()))
        {
            return Err(invalid());
        }
        let whole_value: i64 = whole
            .trim_start_matches('0')
            .parse::<i64>()
            .or_else(|_| if whole.bytes().all(|b| b == b'0') { Ok(0) } else { Err(()) })
            .map_err(|()| invalid())?;
        let fraction_value: i64 = match fraction.len() {
            0 => 0,
            1 => i64::from(fraction.as_bytes()[0] - b'0') * 10,
            _ => fraction.parse().map_err(|_| invalid())?,
        };
        whole_value.checked_mul(100).and_then(|cents| cents.checked_add(fraction_value)).map(Self).ok_or_else(invalid)
    }

    /// Exactly two decimals: `1234.50`.
    #[must_use]
    pub fn format(amount: i128) -> String {
        let sign = if amount < 0 { "-" } else { "" };
        let absolute = amount.unsigned_abs();
        format!("{sign}{}.{:02}", absolute / 100, absolute % 100)
    }
}

/// Hours in millionths of an hour, exact for up to six decimals (more are rounded half up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct MicroHours(pub i64);

impl MicroHours {
    pub const PER_HOUR: i64 = 1_000_000;

    /// Digits with an optional `.` and more digits; empty is zero.
    ///
    /// # Errors
    /// When the text breaks that form or the amount does not fit.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, ValidationError> {
        if text.is_empty() {
            return Ok(Self(0));
        }
        let invalid = || ValidationError::new(field, format!("'{text}' is not a number of hours such as 4.5"));
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || (text.contains('.') && fraction.is_empty()) {
            return Err(invalid());
        }
        let whole_value: i64 = if whole.bytes().all(|b| b == b'0') {
            0
        } else {
            whole.trim_start_matches('0').parse().map_err(|_| invalid())?
        };
        let mut micro: i64 = 0;
        for (index, byte) in fraction.bytes().take(6).enumerate() {
            micro += i64::from(byte - b'0') * 10_i64.pow(5 - u32::try_from(index).unwrap_or(5));
        }
        if fraction.len() > 6 && fraction.as_bytes()[6] >= b'5' {
            micro += 1;
        }
        whole_value.checked_mul(Self::PER_HOUR).and_then(|value| value.checked_add(micro)).map(Self).ok_or_else(invalid)
    }
}

/// The correctly rounded double nearest to `numerator / denominator` (both exact integers):
/// the quotient is written out to 40 significant digits and read back by the standard parser.
#[must_use]
pub fn exact_ratio(numerator: i128, denominator: i128) -> f64 {
    if denominator == 0 {
        return f64::NAN;
    }
    let negative = (numerator < 0) != (denominator < 0);
    let (mut remainder, divisor) = (numerator.unsigned_abs(), denominator.unsigned_abs());
    let whole = remainder / divisor;
    remainder %= divisor;
    let mut text = format!("{}{whole}.", if negative { "-" } else { "" });
    for _ in 0..40 {
        remainder *= 10;
        text.push(char::from(b'0' + u8::try_from(remainder / divisor).unwrap_or(0)));
        remainder %= divisor;
    }
    text.parse().unwrap_or(f64::NAN)
}

/// What kind of exam an entry had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Exam {
    Nii,
    Physical,
    Document,
}

impl Exam {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Nii => "NII",
            Self::Physical => "PHYSICAL",
            Self::Document => "DOCUMENT",
        }
    }

    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        match code.to_ascii_uppercase().as_str() {
            "NII" => Some(Self::Nii),
            "PHYSICAL" => Some(Self::Physical),
            "DOCUMENT" => Some(Self::Document),
            _ => None,
        }
    }
}

/// Why an entry was examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExamReason {
    Random,
    Targeted,
}

impl ExamReason {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Random => "RANDOM",
            Self::Targeted => "TARGETED",
        }
    }

    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        match code.to_ascii_uppercase().as_str() {
            "RANDOM" => Some(Self::Random),
            "TARGETED" => Some(Self::Targeted),
            _ => None,
        }
    }
}

/// The entry-level fields, shared by every line of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntryFields {
    /// 11 characters: filer code (3), serial (7 digits), check digit.
    pub entry_number: String,
    pub entry_type: String,
    pub importer_number: ImporterNumber,
    pub port_code: String,
    pub entry_date: Date,
    pub release_date: Option<Date>,
    pub mode_of_transport: Option<String>,
    pub exam: Option<Exam>,
    pub exam_reason: Option<ExamReason>,
    pub hold: MicroHours,
}

impl EntryFields {
    /// The filer (broker) code: the first three characters of the entry number.
    #[must_use]
    pub fn filer_code(&self) -> &str {
        &self.entry_number[..3]
    }

    /// The entry-level fields in the contract's order (as named in rejects).
    pub const FIELD_NAMES: [&'static str; 9] = [
        "entry_type",
        "importer_number",
        "port_code",
        "entry_date",
        "release_date",
        "mode_of_transport",
        "exam",
        "exam_reason",
        "hold_hours",
    ];

    /// A fingerprint of each entry-level field (without the entry number), in the order of
    /// [`Self::FIELD_NAMES`]: to tell later lines from the first one without keeping every
    /// entry's fields.
    #[must_use]
    pub fn field_fingerprints(&self) -> [u64; 9] {
        use std::hash::{Hash, Hasher};
        fn fingerprint(value: impl Hash) -> u64 {
            let mut hasher = std::hash::DefaultHasher::new();
            value.hash(&mut hasher);
            hasher.finish()
        }
        [
            fingerprint(&self.entry_type),
            fingerprint(&self.importer_number),
            fingerprint(&self.port_code),
            fingerprint(self.entry_date),
            fingerprint(self.release_date),
            fingerprint(&self.mode_of_transport),
            fingerprint(self.exam),
            fingerprint(self.exam_reason),
            fingerprint(self.hold),
        ]
    }

    /// The first entry-level field in which `other` differs, in the contract's order.
    #[must_use]
    pub fn first_difference(&self, other: &Self) -> Option<&'static str> {
        [
            ("entry_type", self.entry_type != other.entry_type),
            ("importer_number", self.importer_number != other.importer_number),
            ("port_code", self.port_code != other.port_code),
            ("entry_date", self.entry_date != other.entry_date),
            ("release_date", self.release_date != other.release_date),
            ("mode_of_transport", self.mode_of_transport != other.mode_of_transport),
            ("exam", self.exam != other.exam),
            ("exam_reason", self.exam_reason != other.exam_reason),
            ("hold_hours", self.hold != other.hold),
        ]
        .into_iter()
        .find_map(|(field, differs)| differs.then_some(field))
    }
}

/// The line-level fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineFields {
    pub line_number: i32,
    pub country_of_origin: String,
    pub manufacturer_id: Option<String>,
    pub hts_number: String,
    pub entered_value: Cents,
    pub duty: Cents,
    pub recon_flag: Option<bool>,
}

/// One valid entry line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntryLine {
    pub entry: EntryFields,
    pub line: LineFields,
}

/// The columns of an entry file, in the contract's order, and whether each is required.
pub const ENTRY_COLUMNS: [(&str, bool); 17] = [
    ("entry_number", true),
    ("line_number", true),
    ("entry_type", true),
    ("importer_number", true),
    ("port_code", true),
    ("entry_date", true),
    ("release_date", false),
    ("mode_of_transport", false),
    ("exam", false),
    ("exam_reason", false),
    ("hold_hours", false),
    ("country_of_origin", true),
    ("manufacturer_id", false),
    ("hts_number", true),
    ("entered_value_usd", true),
    ("duty_usd", false),
    ("recon_flag", false),
];

/// Parses `YYYY-MM-DD` (a real calendar day).
///
/// # Errors
/// When the text is not such a date.
pub fn parse_date(field: &'static str, text: &str) -> Result<Date, ValidationError> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    let invalid = || ValidationError::new(field, format!("'{text}' is not a date as YYYY-MM-DD"));
    if !shaped {
        return Err(invalid());
    }
    let year: i32 = text[..4].parse().map_err(|_| invalid())?;
    let month: u8 = text[5..7].parse().map_err(|_| invalid())?;
    let day: u8 = text[8..10].parse().map_err(|_| invalid())?;
    let month = time::Month::try_from(month).map_err(|_| invalid())?;
    Date::from_calendar_date(year, month, day).map_err(|_| invalid())
}

fn fixed_digits(field: &'static str, text: &str, count: usize, what: &str) -> Result<String, ValidationError> {
    if text.len() == count && text.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(ValidationError::new(field, format!("'{text}' is not {what}")))
    }
}

fn required<'a>(field: &'static str, text: &'a str) -> Result<&'a str, ValidationError> {
    if text.is_empty() { Err(ValidationError::new(field, "is required")) } else { Ok(text) }
}

/// Normalizes an entry number: `-` and spaces removed, letters upper-cased; then 3 characters
/// `A-Z 0-9`, 7 digits and a check digit.
///
/// # Errors
/// When the result does not have that shape.
pub fn parse_entry_number(text: &str) -> Result<String, ValidationError> {
    let value: String =
        text.chars().filter(|c| *c != '-' && !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    let bytes = value.as_bytes();
    let valid = bytes.len() == 11
        && bytes[..3].iter().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
        && bytes[3..].iter().all(u8::is_ascii_digit);
    if valid {
        Ok(value)
    } else {
        Err(ValidationError::new(
            "entry_number",
            format!("'{text}' is not an entry number (filer code, 7 digits, check digit)"),
        ))
    }
}

/// A normalized entry number as a 64-bit integer: the filer code read in base 36 (digits, then
/// letters), times 10^8, plus the eight digits. The numbers are fixed-length, so the keys sort
/// exactly as the text does; the stores use it as the entries' integer primary key (one B-tree,
/// integer comparisons). `None` for text that is not a normalized entry number.
#[must_use]
pub fn entry_key(entry_number: &str) -> Option<i64> {
    let bytes = entry_number.as_bytes();
    if bytes.len() != 11 {
        return None;
    }
    let mut filer: i64 = 0;
    for byte in &bytes[..3] {
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'A'..=b'Z' => byte - b'A' + 10,
            _ => return None,
        };
        filer = filer * 36 + i64::from(digit);
    }
    let mut serial: i64 = 0;
    for byte in &bytes[3..] {
        if !byte.is_ascii_digit() {
            return None;
        }
        serial = serial * 10 + i64::from(byte - b'0');
    }
    Some(filer * 100_000_000 + serial)
}

/// The position of a column in [`ENTRY_COLUMNS`]; a name that is not there fails to compile
/// where it is used in a constant.
#[must_use]
pub const fn entry_column(name: &str) -> usize {
    let mut index = 0;
    while index < ENTRY_COLUMNS.len() {
        if same_text(ENTRY_COLUMNS[index].0, name) {
            return index;
        }
        index += 1;
    }
    panic!("not an entry column")
}

const fn same_text(left: &str, right: &str) -> bool {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    if left.len() != right.len() {
        return false;
    }
    let mut index = 0;
    while index < left.len() {
        if left[index] != right[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// Parses one row given a lookup of its trimmed raw values by position in [`ENTRY_COLUMNS`]
/// (absent = empty), checking the fields in the contract's order.
///
/// # Errors
/// The first broken field, with the reason.
pub fn parse_entry_line<'a>(value: impl Fn(usize) -> &'a str) -> Result<EntryLine, ValidationError> {
    // Columns are looked up by position, resolved from their names at compile time.
    macro_rules! value {
        ($name:literal) => {
            value(const { entry_column($name) })
        };
    }
    let entry_number = parse_entry_number(required("entry_number", value!("entry_number"))?)?;
    let line_text = required("line_number", value!("line_number"))?;
    let line_number = parse_line_number(line_text)?;
    let entry_type = fixed_digits("entry_type", required("entry_type", value!("entry_type"))?, 2, "two digits")?;
    let importer_number = ImporterNumber::parse(required("importer_number", value!("importer_number"))?)
        .map_err(|error| ValidationError { field: "importer_number", ..error })?;
    let port_code = fixed_digits("port_code", required("port_code", value!("port_code"))?, 4, "four digits")?;
    let entry_date = parse_date("entry_date", required("entry_date", value!("entry_date"))?)?;
    let release_date = match value!("release_date") {
        "" => None,
        text => {
            let date = parse_date("release_date", text)?;
            if date < entry_date {
                return Err(ValidationError::new("release_date", "is before the entry date"));
            }
            Some(date)
        }
    };
    let mode_of_transport = match value!("mode_of_transport") {
        "" => None,
        text => Some(fixed_digits("mode_of_transport", text, 2, "two digits")?),
    };
    let exam = match value!("exam") {
        "" => None,
        text => Some(
            Exam::from_code(text)
                .ok_or_else(|| ValidationError::new("exam", format!("'{text}' is not NII, PHYSICAL or DOCUMENT")))?,
        ),
    };
    let exam_reason = match value!("exam_reason") {
        "" => None,
        text => Some(
            ExamReason::from_code(text)
                .ok_or_else(|| ValidationError::new("exam_reason", format!("'{text}' is not RANDOM or TARGETED")))?,
        ),
    };
    match (exam, exam_reason) {
        (Some(_), None) => return Err(ValidationError::new("exam_reason", "is required when there was an exam")),
        (None, Some(_)) => return Err(ValidationError::new("exam_reason", "must be empty when there was no exam")),
        _ => {}
    }
    let hold = MicroHours::parse("hold_hours", value!("hold_hours"))?;
    let country = required("country_of_origin", value!("country_of_origin"))?;
    if country.len() != 2 || !country.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        return Err(ValidationError::new("country_of_origin", format!("'{country}' is not a two-letter country code")));
    }
    let manufacturer_id = match value!("manufacturer_id") {
        "" => None,
        text => {
            let upper = text.to_ascii_uppercase();
            if upper.len() > 15 || !upper.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit()) {
                return Err(ValidationError::new(
                    "manufacturer_id",
                    format!("'{text}' is not up to 15 letters or digits"),
                ));
            }
            Some(upper)
        }
    };
    let hts_text = required("hts_number", value!("hts_number"))?;
    let hts_digits =
        if hts_text.contains('.') { std::borrow::Cow::Owned(hts_text.replace('.', "")) } else { hts_text.into() };
    let hts_number = fixed_digits("hts_number", &hts_digits, 10, "a 10-digit HTS number")
        .map_err(|_| ValidationError::new("hts_number", format!("'{hts_text}' is not a 10-digit HTS number")))?;
    let entered_value = Cents::parse("entered_value_usd", value!("entered_value_usd"), false)?;
    let duty = Cents::parse("duty_usd", value!("duty_usd"), true)?;
    let recon_flag = match value!("recon_flag") {
        "" => None,
        "Y" | "y" => Some(true),
        "N" | "n" => Some(false),
        other => {
            return Err(ValidationError::new("recon_flag", format!("'{}' is not Y or N", other.to_ascii_uppercase())));
        }
    };
    Ok(EntryLine {
        entry: EntryFields {
            entry_number,
            entry_type,
            importer_number,
            port_code,
            entry_date,
            release_date,
            mode_of_transport,
            exam,
            exam_reason,
            hold,
        },
        line: LineFields {
            line_number,
            country_of_origin: country.to_ascii_uppercase(),
            manufacturer_id,
            hts_number,
            entered_value,
            duty,
            recon_flag,
        },
    })
}

/// An integer 1–9999; a zero fraction (`2.0`, from a JSON number) is the same integer.
fn parse_line_number(text: &str) -> Result<i32, ValidationError> {
    let invalid = || ValidationError::new("line_number", format!("'{text}' is not a whole number from 1 to 9999"));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b == b'0') {
        return Err(invalid());
    }
    let trimmed = whole.trim_start_matches('0');
    if trimmed.len() > 4 {
        return Err(invalid());
    }
    let number: i32 = if trimmed.is_empty() { 0 } else { trimmed.parse().map_err(|_| invalid())? };
    if (1..=9999).contains(&number) { Ok(number) } else { Err(invalid()) }
}
