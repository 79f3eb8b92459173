//! Mutual recognition: operators certified by a partner customs administration's program (an
//! AEO program under a Mutual Recognition Arrangement), as their certificate lists give them,
//! and whether a certificate holds on a day.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{CountryCode, ValidationError};

/// A foreign operator's certificate status in its program's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Certified,
    Suspended,
    Revoked,
}

impl CertificateStatus {
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Certified => "certified",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }

    /// # Errors
    /// On the field `status`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "certified" => Ok(Self::Certified),
            "suspended" => Ok(Self::Suspended),
            "revoked" => Ok(Self::Revoked),
            other => Err(ValidationError::new("status", format!("{other:?} is not certified, suspended or revoked"))),
        }
    }
}

/// One operator of a partner program's certificate list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignOperator {
    /// The partner program's identifier (for the EU, the AEO's EORI number).
    pub operator_id: String,
    pub name: String,
    pub country: CountryCode,
    pub status: CertificateStatus,
    pub valid_from: Date,
    /// `None`: no end date.
    pub valid_to: Option<Date>,
}

impl ForeignOperator {
    /// Reads one row of a certificate list: `operator_id`, `name`, `country`, `status`,
    /// `valid_from`, `valid_to` (dates `YYYY-MM-DD`; `valid_to` may be empty).
    ///
    /// # Errors
    /// Every field that is wrong, each named.
    pub fn parse(
        operator_id: &str,
        name: &str,
        country: &str,
        status: &str,
        valid_from: &str,
        valid_to: &str,
    ) -> Result<Self, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let operator_id = normalize_operator_id(operator_id).map_err(|error| errors.push(error)).ok();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(ValidationError::new("name", "give the operator's name (1 to 200 characters)"));
        }
        let country = CountryCode::parse("country", country).map_err(|error| errors.push(error)).ok();
        let status = CertificateStatus::parse(status).map_err(|error| errors.push(error)).ok();
        let date = |field: &'static str, text: &str| {
            crate::calendar::iso_date::parse(text)
                .ok_or_else(|| ValidationError::new(field, format!("{:?} is not a date (YYYY-MM-DD)", text.trim())))
        };
        let valid_from = date("valid_from", valid_from).map_err(|error| errors.push(error)).ok();
        let valid_to = if valid_to.trim().is_empty() {
            Some(None)
        } else {
            date("valid_to", valid_to).map(Some).map_err(|error| errors.push(error)).ok()
        };
        if let (Some(from), Some(Some(to))) = (valid_from, valid_to)
            && to < from
        {
            errors.push(ValidationError::new("valid_to", "is before valid_from"));
        }
        match (operator_id, country, status, valid_from, valid_to) {
            (Some(operator_id), Some(country), Some(status), Some(valid_from), Some(valid_to)) if errors.is_empty() => {
                Ok(Self { operator_id, name: name.to_owned(), country, status, valid_from, valid_to })
            }
            _ => Err(errors),
        }
    }

    /// Whether the certificate holds on `day`: certified, and the day within its validity.
    #[must_use]
    pub fn certified_on(&self, day: Date) -> bool {
        self.status == CertificateStatus::Certified
            && self.valid_from <= day
            && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// An operator id as looked up: trimmed, upper case, letters, digits and `-` only.
///
/// # Errors
/// On the field `operator_id`.
pub fn normalize_operator_id(text: &str) -> Result<String, ValidationError> {
    let id = text.trim().to_ascii_uppercase();
    if id.is_empty() || id.len() > 40 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ValidationError::new("operator_id", "is 1 to 40 letters, digits or hyphens"));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    #[test]
    fn a_certificate_holds_within_its_validity_while_certified() {
        let operator = ForeignOperator::parse(
            " de1234567890 ",
            "Rhein Logistik GmbH",
            "DE",
            "Certified",
            "2024-01-01",
            "2026-12-31",
        )
        .expect("valid row");
        assert_eq!(operator.operator_id, "DE1234567890");
        assert!(operator.certified_on(date!(2026 - 12 - 31)));
        assert!(!operator.certified_on(date!(2027 - 01 - 01)));
        let suspended = ForeignOperator { status: CertificateStatus::Suspended, ..operator };
        assert!(!suspended.certified_on(date!(2025 - 06 - 01)));
    }

    #[test]
    fn every_wrong_field_of_a_row_is_named() {
        let errors = ForeignOperator::parse("", "", "Germany", "pending", "2024-13-01", "x").expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|error| error.field).collect();
        assert_eq!(fields, ["operator_id", "name", "country", "status", "valid_from", "valid_to"]);
        let backwards =
            ForeignOperator::parse("A1", "Name", "DE", "certified", "2025-01-02", "2025-01-01").expect_err("backwards");
        assert_eq!(backwards[0].field, "valid_to");
    }

    proptest! {
        #[test]
        fn any_row_is_read_or_refused_without_panicking(
            id in ".{0,50}", name in ".{0,50}", country in ".{0,4}", status in ".{0,12}", from in ".{0,12}", to in ".{0,12}"
        ) {
            let _ = ForeignOperator::parse(&id, &name, &country, &status, &from, &to);
        }
    }
}
