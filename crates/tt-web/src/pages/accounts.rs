//! Member account pages: the list, one account, and the create and edit forms.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::Permission;
use tt_app::accounts::AccountInput;
use tt_domain::{Account, BusinessType};

use super::{FormErrors, Layout, can, display_time, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

/// An account as a row of the list.
pub struct AccountRow {
    pub id: String,
    pub number: String,
    pub legal_name: String,
    pub business_type: &'static str,
    pub importer_numbers: String,
}

impl From<&Account> for AccountRow {
    fn from(account: &Account) -> Self {
        Self {
            id: account.id.to_string(),
            number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            business_type: account.business_type.label(),
            importer_numbers: account.importer_numbers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts.html")]
pub struct AccountsPage {
    layout: Layout,
    accounts: Vec<AccountRow>,
    can_create: bool,
}

pub async fn accounts_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let accounts = state.app.list_accounts(&signed_in.actor).await?;
    if !signed_in.actor.is_agency()
        && let [only] = accounts.as_slice()
    {
        return Ok(see_other(&format!("/accounts/{}", only.id)));
    }
    Ok(AccountsPage {
        layout: Layout::for_signed_in(&signed_in),
        accounts: accounts.iter().map(AccountRow::from).collect(),
        can_create: can(&signed_in.actor, Permission::CreateAccount),
    }
    .into_response())
}

/// A user as a row of a table.
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub active: bool,
}

impl From<&tt_domain::User> for UserRow {
    fn from(user: &tt_domain::User) -> Self {
        Self {
            id: user.id.to_string(),
            name: user.name.as_str().to_owned(),
            email: user.email.to_string(),
            role: user.role.label(),
            active: user.active,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    layout: Layout,
    account: tt_app::accounts::AccountView,
    /// The identifier lists joined for display ("—" when empty).
    identifiers: [String; 4],
    address: String,
    created: String,
    users: Vec<UserRow>,
    can_edit: bool,
    /// The membership's states and the dates owed, soonest first (the full history is on the
    /// membership page).
    membership: tt_app::membership::MembershipView,
}

pub async fn account_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let account = state.app.get_account(&signed_in.actor, parse_account(&id)?).await?;
    let membership = state.app.account_membership(&signed_in.actor, account.id).await?;
    let users = if can(&signed_in.actor, Permission::ViewUsers) {
        state.app.list_users(&signed_in.actor, Some(account.id)).await?
    } else {
        Vec::new()
    };
    Ok(AccountPage {
        layout: Layout::for_signed_in(&signed_in),
        created: display_time(account.created_at),
        identifiers: {
            let view = tt_app::accounts::AccountView::from(&account);
            let joined = |items: &[String]| if items.is_empty() { "—".to_owned() } else { items.join(", ") };
            [
                joined(&view.ior_numbers),
                joined(&view.employer_identification_numbers),
                joined(&view.manufacturer_ids),
                joined(&view.scacs),
            ]
        },
        address: account.address.as_ref().map_or_else(
            || "—".to_owned(),
            |address| {
                [
                    Some(address.line1.as_str()),
                    address.line2.as_deref(),
                    Some(address.city.as_str()),
                    address.region.as_deref(),
                    address.postal_code.as_deref(),
                    Some(address.country.as_str()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
            },
        ),
        account: (&account).into(),
        users: users.iter().map(UserRow::from).collect(),
        can_edit: can(&signed_in.actor, Permission::EditAccount),
        membership,
    }
    .into_response())
}

pub struct BusinessTypeOption {
    pub id: &'static str,
    pub label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_form.html")]
pub struct AccountFormPage {
    layout: Layout,
    /// `None` when creating.
    account_id: Option<String>,
    values: AccountFormValues,
    address_fields: Vec<FormField>,
    list_fields: Vec<FormField>,
    business_types: Vec<BusinessTypeOption>,
    errors: FormErrors,
    number_locked: bool,
}

impl AccountFormPage {
    fn new(signed_in: &SignedIn, account_id: Option<String>, input: AccountInput, errors: FormErrors) -> Self {
        Self {
            layout: Layout::for_signed_in(signed_in),
            number_locked: account_id.is_some() && !signed_in.actor.is_agency(),
            account_id,
            address_fields: FormField::address(&input),
            list_fields: FormField::lists(&input),
            values: AccountFormValues::from(&input),
            business_types: BusinessType::ALL
                .iter()
                .map(|kind| BusinessTypeOption { id: kind.id(), label: kind.label() })
                .collect(),
            errors,
        }
    }
}

/// A text field of the form that the template renders in a loop.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
}

impl FormField {
    fn address(input: &AccountInput) -> Vec<Self> {
        let field = |name, label, value: &Option<String>| Self {
            name,
            label,
            hint: "",
            value: value.clone().unwrap_or_default(),
        };
        vec![
            field("address_line1", "Street address", &input.address_line1),
            field("address_line2", "Address line 2", &input.address_line2),
            field("city", "City", &input.city),
            field("region", "State or province", &input.region),
            field("postal_code", "Postal code", &input.postal_code),
            field("country", "Country code (two letters, such as US)", &input.country),
        ]
    }

    fn lists(input: &AccountInput) -> Vec<Self> {
        let field = |name, label, hint, values: &[String]| Self { name, label, hint, value: values.join("\n") };
        vec![
            field(
                "ior_numbers",
                "Importer-of-record numbers",
                "One a line. 9 to 12 letters or digits; hyphens are ignored.",
                &input.ior_numbers,
            ),
            field(
                "employer_identification_numbers",
                "IRS employer identification numbers (EIN)",
                "One a line, as NN-NNNNNNN.",
                &input.employer_identification_numbers,
            ),
            field(
                "manufacturer_ids",
                "Manufacturer ids (MID)",
                "One a line: country code then up to 13 letters or digits.",
                &input.manufacturer_ids,
            ),
            field("scacs", "Standard carrier alpha codes (SCAC)", "One a line: 2 to 4 letters.", &input.scacs),
        ]
    }
}

/// The form's fields as the text shown in the inputs (lists one item a line).
pub struct AccountFormValues {
    pub account_number: String,
    pub legal_name: String,
    pub doing_business_as: String,
    pub business_type: String,
    pub partner_agency_consent: bool,
}

impl From<&AccountInput> for AccountFormValues {
    fn from(input: &AccountInput) -> Self {
        Self {
            account_number: input.account_number.clone(),
            legal_name: input.legal_name.clone(),
            doing_business_as: input.doing_business_as.clone().unwrap_or_default(),
            business_type: input.business_type.clone(),
            partner_agency_consent: input.partner_agency_consent,
        }
    }
}

fn input_from_form(form: &FormData) -> AccountInput {
    AccountInput {
        account_number: form.value("account_number"),
        legal_name: form.value("legal_name"),
        doing_business_as: form.optional("doing_business_as"),
        business_type: form.value("business_type"),
        address_line1: form.optional("address_line1"),
        address_line2: form.optional("address_line2"),
        city: form.optional("city"),
        region: form.optional("region"),
        postal_code: form.optional("postal_code"),
        country: form.optional("country"),
        ior_numbers: form.list("ior_numbers"),
        employer_identification_numbers: form.list("employer_identification_numbers"),
        manufacturer_ids: form.list("manufacturer_ids"),
        scacs: form.list("scacs"),
        partner_agency_consent: form.checked("partner_agency_consent"),
    }
}

pub async fn new_account_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::CreateAccount, state.app.clock.now())?;
    Ok(AccountFormPage::new(
        &signed_in,
        None,
        AccountInput { business_type: "importer".to_owned(), ..AccountInput::default() },
        FormErrors::default(),
    )
    .into_response())
}

pub async fn create_account(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let input = input_from_form(&form);
    match state.app.create_account(&signed_in.actor, &input).await {
        Ok(account) => Ok(see_other(&format!("/accounts/{}", account.id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, AccountFormPage::new(&signed_in, None, input, errors))
                .into_response())
        }
    }
}

pub async fn edit_account_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::EditAccount, state.app.clock.now())?;
    let account = state.app.get_account(&signed_in.actor, parse_account(&id)?).await?;
    Ok(AccountFormPage::new(&signed_in, Some(id), AccountInput::from_account(&account), FormErrors::default())
        .into_response())
}

pub async fn update_account(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let account_id = parse_account(&id)?;
    let input = input_from_form(&form);
    match state.app.update_account(&signed_in.actor, account_id, &input).await {
        Ok(account) => Ok(see_other(&format!("/accounts/{}", account.id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, AccountFormPage::new(&signed_in, Some(id), input, errors))
                .into_response())
        }
    }
}
