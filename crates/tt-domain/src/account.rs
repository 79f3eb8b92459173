//! Member accounts: the company that joins the program, its business type and its identifiers.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AccountId, ValidationError};

/// The program's account id: 1–20 characters of `A-Z 0-9 -`, compared case-insensitively and
/// kept upper-case (the same rule the membership import uses).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber(String);

impl AccountNumber {
    /// # Errors
    /// When the text is empty, longer than 20 characters or has characters outside `A-Z 0-9 -`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let value = text.trim().to_ascii_uppercase();
        if value.is_empty() || value.len() > 20 {
            return Err(ValidationError::new("account_number", "must be 1 to 20 characters"));
        }
        if !value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-') {
            return Err(ValidationError::new("account_number", "may contain only letters, digits and '-'"));
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountNumber {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AccountNumber> for String {
    fn from(value: AccountNumber) -> Self {
        value.0
    }
}

impl std::fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A company's legal name: any text of 1 to 200 characters (counted as characters, not bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LegalName(String);

impl LegalName {
    /// # Errors
    /// When the trimmed text is empty or longer than 200 characters.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        Self::parse_field("legal_name", text)
    }

    /// The same rule under another field name (a "doing business as" name uses it too).
    ///
    /// # Errors
    /// When the trimmed text is empty or longer than 200 characters.
    pub fn parse_field(field: &'static str, text: &str) -> Result<Self, ValidationError> {
        let value = text.trim();
        let length = value.chars().count();
        if length == 0 || length > 200 {
            return Err(ValidationError::new(field, "must be 1 to 200 characters"));
        }
        Ok(Self(value.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LegalName {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LegalName> for String {
    fn from(value: LegalName) -> Self {
        value.0
    }
}

/// The CTPAT business types an account may enrol as (ctpat-facts §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessType {
    Importer,
    Exporter,
    Broker,
    Consolidator,
    AirCarrier,
    SeaCarrier,
    RailCarrier,
    HighwayCarrier,
    MxLongHaulCarrier,
    MarinePortTerminalOperator,
    ForeignManufacturer,
    ThirdPartyLogistics,
}

impl BusinessType {
    pub const ALL: [Self; 12] = [
        Self::Importer,
        Self::Exporter,
        Self::Broker,
        Self::Consolidator,
        Self::AirCarrier,
        Self::SeaCarrier,
        Self::RailCarrier,
        Self::HighwayCarrier,
        Self::MxLongHaulCarrier,
        Self::MarinePortTerminalOperator,
        Self::ForeignManufacturer,
        Self::ThirdPartyLogistics,
    ];

    /// The identifier used in files, the API and the database.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Importer => "importer",
            Self::Exporter => "exporter",
            Self::Broker => "broker",
            Self::Consolidator => "consolidator",
            Self::AirCarrier => "air_carrier",
            Self::SeaCarrier => "sea_carrier",
            Self::RailCarrier => "rail_carrier",
            Self::HighwayCarrier => "highway_carrier",
            Self::MxLongHaulCarrier => "mx_long_haul_carrier",
            Self::MarinePortTerminalOperator => "marine_port_terminal_operator",
            Self::ForeignManufacturer => "foreign_manufacturer",
            Self::ThirdPartyLogistics => "third_party_logistics",
        }
    }

    /// The label CBP's portal shows.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Importer => "Importer",
            Self::Exporter => "Exporter",
            Self::Broker => "Licensed U.S. Customs Broker",
            Self::Consolidator => "Consolidator (air freight, OTI, NVOCC)",
            Self::AirCarrier => "Air Carrier",
            Self::SeaCarrier => "Sea Carrier",
            Self::RailCarrier => "Rail Carrier",
            Self::HighwayCarrier => "Highway Carrier (U.S./Canada, U.S./Mexico)",
            Self::MxLongHaulCarrier => "Mexican Long Haul Highway Carrier",
            Self::MarinePortTerminalOperator => "Marine Port or Terminal Operator",
            Self::ForeignManufacturer => "Foreign Manufacturer (Canada/Mexico)",
            Self::ThirdPartyLogistics => "Third Party Logistics Provider",
        }
    }

    /// Parses an identifier, case-insensitively.
    ///
    /// # Errors
    /// When the text names no business type.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|kind| kind.id() == wanted).ok_or_else(|| {
            ValidationError::new("business_type", format!("'{}' is not a CTPAT business type", text.trim()))
        })
    }
}

/// Keeps only `A-Z 0-9` after upper-casing, dropping `-` and spaces, as the import contract does.
fn normalize_identifier(text: &str) -> String {
    text.chars().filter(|c| *c != '-' && !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect()
}

/// An importer-of-record number (IRS number with suffix, SSN or CBP-assigned number), normalized
/// by removing `-` and spaces and upper-casing: then 9 to 12 characters of `A-Z 0-9`.
/// One importer number belongs to at most one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImporterNumber(String);

impl ImporterNumber {
    /// # Errors
    /// When the normalized number is not 9 to 12 characters of `A-Z 0-9`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let value = normalize_identifier(text);
        if !(9..=12).contains(&value.len()) || !value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            return Err(ValidationError::new(
                "ior_numbers",
                format!("'{}' is not an importer number (9 to 12 letters or digits)", text.trim()),
            ));
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ImporterNumber {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<ImporterNumber> for String {
    fn from(value: ImporterNumber) -> Self {
        value.0
    }
}
impl std::fmt::Display for ImporterNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IRS Employer Identification Number: nine digits, shown as `NN-NNNNNNN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmployerIdentificationNumber(String);

impl EmployerIdentificationNumber {
    /// # Errors
    /// When the text is not nine digits (a `-` after the second is allowed) or starts with `00`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let digits = normalize_identifier(text);
        if digits.len() != 9 || !digits.chars().all(|c| c.is_ascii_digit()) || digits.starts_with("00") {
            return Err(ValidationError::new("ein", "must be nine digits, as NN-NNNNNNN"));
        }
        Ok(Self(format!("{}-{}", &digits[..2], &digits[2..])))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for EmployerIdentificationNumber {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<EmployerIdentificationNumber> for String {
    fn from(value: EmployerIdentificationNumber) -> Self {
        value.0
    }
}

/// A manufacturer identification code (MID): the ISO country code of the manufacturer followed by
/// letters and digits built from its name, address and city, 15 characters at most.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ManufacturerId(String);

impl ManufacturerId {
    /// # Errors
    /// When the text is not two letters followed by 1 to 13 letters or digits.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let value = text.trim().to_ascii_uppercase();
        let valid = (3..=15).contains(&value.len())
            && value.chars().take(2).all(|c| c.is_ascii_uppercase())
            && value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !valid {
            return Err(ValidationError::new(
                "mid",
                "must be a two-letter country code followed by up to 13 letters or digits",
            ));
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for ManufacturerId {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<ManufacturerId> for String {
    fn from(value: ManufacturerId) -> Self {
        value.0
    }
}

/// A Standard Carrier Alpha Code: two to four letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scac(String);

impl Scac {
    /// # Errors
    /// When the text is not two to four letters.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let value = text.trim().to_ascii_uppercase();
        if !(2..=4).contains(&value.len()) || !value.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ValidationError::new("scac", "must be two to four letters"));
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Scac {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Scac> for String {
    fn from(value: Scac) -> Self {
        value.0
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// # Errors
    /// When the text is not two letters.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, ValidationError> {
        let value = text.trim().to_ascii_uppercase();
        if value.len() != 2 || !value.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ValidationError::new(field, "must be a two-letter country code such as US"));
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for CountryCode {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse("country", &value)
    }
}
impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.0
    }
}

/// A postal address. Lines are free text; the country is a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: CountryCode,
}

impl Address {
    /// Builds an address, checking that the required parts are present and not absurdly long.
    ///
    /// # Errors
    /// When the first line or the city is empty, a part is longer than 200 characters, or the
    /// country code is not two letters.
    pub fn parse(
        line1: &str,
        line2: Option<&str>,
        city: &str,
        region: Option<&str>,
        postal_code: Option<&str>,
        country: &str,
    ) -> Result<Self, ValidationError> {
        fn required(field: &'static str, text: &str) -> Result<String, ValidationError> {
            let value = text.trim();
            if value.is_empty() {
                return Err(ValidationError::new(field, "is required"));
            }
            optional(field, Some(value)).map(Option::unwrap_or_default)
        }
        fn optional(field: &'static str, text: Option<&str>) -> Result<Option<String>, ValidationError> {
            match text.map(str::trim).filter(|value| !value.is_empty()) {
                None => Ok(None),
                Some(value) if value.chars().count() > 200 => {
                    Err(ValidationError::new(field, "must be at most 200 characters"))
                }
                Some(value) => Ok(Some(value.to_owned())),
            }
        }
        Ok(Self {
            line1: required("address_line1", line1)?,
            line2: optional("address_line2", line2)?,
            city: required("city", city)?,
            region: optional("region", region)?,
            postal_code: optional("postal_code", postal_code)?,
            country: CountryCode::parse("country", country)?,
        })
    }
}

/// A member account as the system knows it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub number: AccountNumber,
    pub legal_name: LegalName,
    pub doing_business_as: Option<LegalName>,
    pub business_type: BusinessType,
    pub address: Option<Address>,
    pub importer_numbers: Vec<ImporterNumber>,
    pub employer_identification_numbers: Vec<EmployerIdentificationNumber>,
    pub manufacturer_ids: Vec<ManufacturerId>,
    pub scacs: Vec<Scac>,
    /// Whether the member consented to share its data with partner government agencies.
    pub partner_agency_consent: bool,
    pub created_at: OffsetDateTime,
}
