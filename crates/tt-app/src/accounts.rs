//! Member accounts: register, change and look up, within the actor's scope.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tt_domain::{
    Account, AccountId, AccountNumber, Address, BusinessType, EmployerIdentificationNumber, ImporterNumber, LegalName,
    ManufacturerId, Scac,
};
use utoipa::ToSchema;

use crate::actor::NOTHING;
use crate::error::FieldErrors;
use crate::{Actor, App, AppError, AppResult, Permission};

/// The fields of an account as typed by a person or sent by a client; parsed by the use case.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// 1–20 of `A-Z 0-9 -`.
    pub account_number: String,
    pub legal_name: String,
    #[serde(default)]
    pub doing_business_as: Option<String>,
    /// One of the CTPAT business type identifiers, such as `importer`.
    pub business_type: String,
    #[serde(default)]
    pub address_line1: Option<String>,
    #[serde(default)]
    pub address_line2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    /// Importer-of-record numbers; each belongs to at most one account.
    #[serde(default)]
    pub ior_numbers: Vec<String>,
    #[serde(default)]
    pub employer_identification_numbers: Vec<String>,
    #[serde(default)]
    pub manufacturer_ids: Vec<String>,
    #[serde(default)]
    pub scacs: Vec<String>,
    #[serde(default)]
    pub partner_agency_consent: bool,
}

/// An account as shown to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AccountId,
    #[schema(value_type = String)]
    pub account_number: AccountNumber,
    pub legal_name: String,
    pub doing_business_as: Option<String>,
    pub business_type: String,
    pub business_type_label: String,
    pub address: Option<AddressView>,
    pub ior_numbers: Vec<String>,
    pub employer_identification_numbers: Vec<String>,
    pub manufacturer_ids: Vec<String>,
    pub scacs: Vec<String>,
    pub partner_agency_consent: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AddressView {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
}

impl From<&Account> for AccountView {
    fn from(account: &Account) -> Self {
        Self {
            id: account.id,
            account_number: account.number.clone(),
            legal_name: account.legal_name.as_str().to_owned(),
            doing_business_as: account.doing_business_as.as_ref().map(|name| name.as_str().to_owned()),
            business_type: account.business_type.id().to_owned(),
            business_type_label: account.business_type.label().to_owned(),
            address: account.address.as_ref().map(|address| AddressView {
                line1: address.line1.clone(),
                line2: address.line2.clone(),
                city: address.city.clone(),
                region: address.region.clone(),
                postal_code: address.postal_code.clone(),
                country: address.country.as_str().to_owned(),
            }),
            ior_numbers: account.importer_numbers.iter().map(ToString::to_string).collect(),
            employer_identification_numbers: account
                .employer_identification_numbers
                .iter()
                .map(|value| value.as_str().to_owned())
                .collect(),
            manufacturer_ids: account.manufacturer_ids.iter().map(|value| value.as_str().to_owned()).collect(),
            scacs: account.scacs.iter().map(|value| value.as_str().to_owned()).collect(),
            partner_agency_consent: account.partner_agency_consent,
            created_at: account.created_at,
        }
    }
}

/// Parses every element, keeping each valid one once in input order; errors name the list's
/// own input field.
fn parse_list<T: PartialEq>(
    errors: &mut FieldErrors,
    field: &'static str,
    texts: &[String],
    parse: impl Fn(&str) -> Result<T, tt_domain::ValidationError>,
) -> Vec<T> {
    let mut values = Vec::new();
    for text in texts.iter().filter(|text| !text.trim().is_empty()) {
        if let Some(value) = errors.take(parse(text).map_err(|error| tt_domain::ValidationError { field, ..error }))
            && !values.contains(&value)
        {
            values.push(value);
        }
    }
    values
}

impl AccountInput {
    /// Parses every field, reporting all invalid ones together.
    ///
    /// # Errors
    /// `Invalid` listing each bad field.
    pub fn parse(&self, id: AccountId, created_at: OffsetDateTime) -> AppResult<Account> {
        let mut errors = FieldErrors::default();
        let number = errors.take(AccountNumber::parse(&self.account_number));
        let legal_name = errors.take(LegalName::parse(&self.legal_name));
        let doing_business_as = self
            .doing_business_as
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .and_then(|text| errors.take(LegalName::parse_field("doing_business_as", text)));
        let business_type = errors.take(BusinessType::parse(&self.business_type));
        let blank = |value: &Option<String>| value.as_deref().is_none_or(|text| text.trim().is_empty());
        let address =
            if [&self.address_line1, &self.address_line2, &self.city, &self.region, &self.postal_code, &self.country]
                .into_iter()
                .all(blank)
            {
                None
            } else {
                errors.take(Address::parse(
                    self.address_line1.as_deref().unwrap_or_default(),
                    self.address_line2.as_deref(),
                    self.city.as_deref().unwrap_or_default(),
                    self.region.as_deref(),
                    self.postal_code.as_deref(),
                    self.country.as_deref().unwrap_or_default(),
                ))
            };
        let importer_numbers = parse_list(&mut errors, "ior_numbers", &self.ior_numbers, ImporterNumber::parse);
        let employer_identification_numbers = parse_list(
            &mut errors,
            "employer_identification_numbers",
            &self.employer_identification_numbers,
            EmployerIdentificationNumber::parse,
        );
        let manufacturer_ids =
            parse_list(&mut errors, "manufacturer_ids", &self.manufacturer_ids, ManufacturerId::parse);
        let scacs = parse_list(&mut errors, "scacs", &self.scacs, Scac::parse);
        errors.finish()?;
        match (number, legal_name, business_type) {
            (Some(number), Some(legal_name), Some(business_type)) => Ok(Account {
                id,
                number,
                legal_name,
                doing_business_as,
                business_type,
                address,
                importer_numbers,
                employer_identification_numbers,
                manufacturer_ids,
                scacs,
                partner_agency_consent: self.partner_agency_consent,
                created_at,
            }),
            _ => Err(AppError::Internal(anyhow::anyhow!("field errors were not collected"))),
        }
    }

    /// The input that reproduces an existing account (to pre-fill an edit form).
    #[must_use]
    pub fn from_account(account: &Account) -> Self {
        let view = AccountView::from(account);
        let address = view.address.clone();
        Self {
            account_number: view.account_number.to_string(),
            legal_name: view.legal_name,
            doing_business_as: view.doing_business_as,
            business_type: view.business_type,
            address_line1: address.as_ref().map(|a| a.line1.clone()),
            address_line2: address.as_ref().and_then(|a| a.line2.clone()),
            city: address.as_ref().map(|a| a.city.clone()),
            region: address.as_ref().and_then(|a| a.region.clone()),
            postal_code: address.as_ref().and_then(|a| a.postal_code.clone()),
            country: address.map(|a| a.country),
            ior_numbers: view.ior_numbers,
            employer_identification_numbers: view.employer_identification_numbers,
            manufacturer_ids: view.manufacturer_ids,
            scacs: view.scacs,
            partner_agency_consent: view.partner_agency_consent,
        }
    }
}

impl App {
    /// Accounts the actor may see, ordered by account number.
    ///
    /// # Errors
    /// `Forbidden` without the permission.
    pub async fn list_accounts(&self, actor: &Actor) -> AppResult<Vec<Account>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let accounts = self.store.list_accounts().await?;
        Ok(accounts.into_iter().filter(|account| actor.can_see_account(account)).collect())
    }

    /// One account. A partner agency's view of member data is a sensitive read and is audited.
    ///
    /// # Errors
    /// `NotFound`, or `Forbidden` outside the actor's scope.
    pub async fn get_account(&self, actor: &Actor, id: AccountId) -> AppResult<Account> {
        let now = self.clock.now();
        actor.require(Permission::ViewAccounts, now)?;
        let account = self.store.get_account(id).await?;
        actor.require_account_visible(&account)?;
        if actor.role() == Some(tt_domain::Role::PgaLiaison) {
            self.store
                .append_audit(&actor.audit(now, "account.read", "account", Some(id.to_string()), NOTHING, NOTHING))
                .await?;
        }
        Ok(account)
    }

    /// # Errors
    /// `NotFound` when no account has the number, or as [`App::get_account`].
    pub async fn get_account_by_number(&self, actor: &Actor, number: &AccountNumber) -> AppResult<Account> {
        let account = self.store.find_account_by_number(number).await?.ok_or(AppError::NotFound)?;
        self.get_account(actor, account.id).await
    }

    /// Registers a member account.
    ///
    /// # Errors
    /// `Invalid` per field, `Conflict` when the number or an importer number is taken.
    pub async fn create_account(&self, actor: &Actor, input: &AccountInput) -> AppResult<Account> {
        let now = self.clock.now();
        actor.require(Permission::CreateAccount, now)?;
        let account = input.parse(AccountId::generate(), now)?;
        let audit =
            actor.audit(now, "account.create", "account", Some(account.id.to_string()), NOTHING, Some(&account));
        self.store.create_account(&account, &audit).await?;
        Ok(account)
    }

    /// Changes an account. Members may change their own account but not its number.
    ///
    /// # Errors
    /// As [`App::create_account`], plus `Forbidden` outside the actor's scope.
    pub async fn update_account(&self, actor: &Actor, id: AccountId, input: &AccountInput) -> AppResult<Account> {
        let now = self.clock.now();
        actor.require(Permission::EditAccount, now)?;
        let before = self.store.get_account(id).await?;
        actor.require_account_visible(&before)?;
        let after = input.parse(id, before.created_at)?;
        if !actor.is_agency() && after.number != before.number {
            return Err(AppError::Forbidden("only the agency can change an account number"));
        }
        if after == before {
            return Ok(after);
        }
        let audit = actor.audit(now, "account.update", "account", Some(id.to_string()), Some(&before), Some(&after));
        self.store.update_account(&after, &audit).await?;
        Ok(after)
    }
}
