//! A company signs itself up: its account, its company officer and the first step of its
//! membership history (pre-applicant), created together.

use serde::Deserialize;
use tt_domain::lifecycle::Step;
use tt_domain::{
    Account, AccountId, AccountNumber, Address, BusinessType, EmailAddress, LegalName, PersonName, Role, User, UserId,
};
use tt_store::NewUser;
use tt_store::membership::NewMembershipEvent;
use utoipa::ToSchema;

use crate::auth::{RequestOrigin, check_new_password};
use crate::error::FieldErrors;
use crate::{Actor, App, AppError, AppResult, Via};

/// What a company gives to sign up.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SignUpInput {
    pub legal_name: String,
    /// A CTPAT business type identifier, such as `importer`.
    pub business_type: String,
    pub address_line1: String,
    pub city: String,
    /// ISO 3166 two-letter code.
    pub country: String,
    pub officer_name: String,
    pub officer_email: String,
    pub password: String,
    pub password_confirmation: String,
}

impl App {
    /// Registers a company as a pre-applicant with its company officer, who may then sign in
    /// and apply. The account number is assigned (`APP-` and ten characters).
    ///
    /// # Errors
    /// `Invalid` naming every bad field; `Conflict` on `email` when the address is in use.
    pub async fn sign_up(&self, input: &SignUpInput, origin: &RequestOrigin) -> AppResult<Account> {
        let now = self.clock.now();
        let mut errors = FieldErrors::default();
        let legal_name = errors.take(LegalName::parse(&input.legal_name));
        let business_type = errors.take(BusinessType::parse(&input.business_type));
        let address = errors.take(Address::parse(&input.address_line1, None, &input.city, None, None, &input.country));
        let name = errors.take(PersonName::parse(&input.officer_name));
        let email = errors.take(EmailAddress::parse(&input.officer_email));
        errors.finish()?;
        let (Some(legal_name), Some(business_type), Some(address), Some(name), Some(email)) =
            (legal_name, business_type, address, name, email)
        else {
            return Err(AppError::Internal(anyhow::anyhow!("field errors were not collected")));
        };
        check_new_password(&email, &input.password, &input.password_confirmation)?;
        if self.store.find_user_by_email(&email).await?.is_some() {
            return Err(AppError::Conflict {
                field: "email",
                message: "a user with this e-mail address already exists".to_owned(),
            });
        }
        let random = uuid::Uuid::new_v4().simple().to_string().to_ascii_uppercase();
        let account = Account {
            id: AccountId::generate(),
            number: AccountNumber::parse(&format!("APP-{}", &random[..10]))?,
            legal_name,
            doing_business_as: None,
            business_type,
            address: Some(address),
            importer_numbers: Vec::new(),
            employer_identification_numbers: Vec::new(),
            manufacturer_ids: Vec::new(),
            scacs: Vec::new(),
            partner_agency_consent: false,
            created_at: now,
        };
        let officer = User {
            id: UserId::generate(),
            email,
            name,
            role: Role::CompanyOfficer,
            account_id: Some(account.id),
            active: true,
            two_factor_enabled: false,
            delegated_by: None,
            delegation_expires_at: None,
            created_at: now,
        };
        let password_hash = crate::password::hash_password(input.password.clone()).await?;
        let actor =
            Actor::for_user(officer.clone(), Via::Session, origin.source_address.clone(), origin.request_id.clone());
        let first_step = NewMembershipEvent {
            account_id: account.id,
            effective_date: now.date(),
            recorded_at: now,
            recorded_by: actor.label.clone(),
            recorded_by_user: Some(officer.id),
            reason: Some("signed up through the portal".to_owned()),
            document_version: None,
            step: Step::CompanyProfileCreated,
        };
        let audit = actor.audit(
            now,
            "account.sign_up",
            "account",
            Some(account.id.to_string()),
            crate::actor::NOTHING,
            Some(&crate::accounts::AccountView::from(&account)),
        );
        self.store
            .register_applicant(
                &account,
                &NewUser { user: officer, password_hash: Some(password_hash) },
                &first_step,
                &audit,
            )
            .await?;
        Ok(account)
    }
}
