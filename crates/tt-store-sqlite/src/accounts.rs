//! Member accounts and their identifiers on SQLite.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use tt_domain::{
    Account, AccountId, AccountNumber, Address, BusinessType, EmployerIdentificationNumber, ImporterNumber, LegalName,
    ManufacturerId, NewAuditRecord, Scac,
};
use tt_store::{AccountStore, StoreError, StoreResult};

use crate::audit::append_in;
use crate::rows::corrupt;
use crate::{SqliteStore, translate};

const SELECT_ACCOUNT: &str = "SELECT a.*,
    (SELECT group_concat(number, ';') FROM (SELECT number FROM importer_numbers i WHERE i.account_id = a.id ORDER BY number)) AS importer_list,
    (SELECT group_concat(kind || ':' || value, ';') FROM (SELECT kind, value FROM account_identifiers x WHERE x.account_id = a.id ORDER BY kind, value)) AS identifier_list
    FROM accounts a";

fn account_from_row(row: &SqliteRow) -> StoreResult<Account> {
    let text = |column: &str| row.try_get::<Option<String>, _>(column).map_err(translate);
    let address = match (text("address_line1")?, text("city")?, text("country")?) {
        (Some(line1), Some(city), Some(country)) => Some(
            Address::parse(
                &line1,
                text("address_line2")?.as_deref(),
                &city,
                text("region")?.as_deref(),
                text("postal_code")?.as_deref(),
                &country,
            )
            .map_err(corrupt)?,
        ),
        _ => None,
    };
    let mut account = Account {
        id: AccountId(row.try_get("id").map_err(translate)?),
        number: AccountNumber::parse(&row.try_get::<String, _>("number").map_err(translate)?).map_err(corrupt)?,
        legal_name: LegalName::parse(&row.try_get::<String, _>("legal_name").map_err(translate)?).map_err(corrupt)?,
        doing_business_as: text("doing_business_as")?
            .map(|name| LegalName::parse_field("doing_business_as", &name))
            .transpose()
            .map_err(corrupt)?,
        business_type: BusinessType::parse(&row.try_get::<String, _>("business_type").map_err(translate)?)
            .map_err(corrupt)?,
        address,
        importer_numbers: Vec::new(),
        employer_identification_numbers: Vec::new(),
        manufacturer_ids: Vec::new(),
        scacs: Vec::new(),
        partner_agency_consent: row.try_get("partner_agency_consent").map_err(translate)?,
        created_at: row.try_get("created_at").map_err(translate)?,
    };
    for number in text("importer_list")?.unwrap_or_default().split(';').filter(|n| !n.is_empty()) {
        account.importer_numbers.push(ImporterNumber::parse(number).map_err(corrupt)?);
    }
    for entry in text("identifier_list")?.unwrap_or_default().split(';').filter(|n| !n.is_empty()) {
        match entry.split_once(':') {
            Some(("ein", value)) => account
                .employer_identification_numbers
                .push(EmployerIdentificationNumber::parse(value).map_err(corrupt)?),
            Some(("mid", value)) => account.manufacturer_ids.push(ManufacturerId::parse(value).map_err(corrupt)?),
            Some(("scac", value)) => account.scacs.push(Scac::parse(value).map_err(corrupt)?),
            _ => return Err(StoreError::Other(format!("unknown identifier '{entry}'").into())),
        }
    }
    Ok(account)
}

/// Rewrites the identifier tables of one account from the domain value.
async fn write_identifiers(connection: &mut SqliteConnection, account: &Account) -> StoreResult<()> {
    sqlx::query("DELETE FROM importer_numbers WHERE account_id = $1")
        .bind(account.id.0)
        .execute(&mut *connection)
        .await
        .map_err(translate)?;
    sqlx::query("DELETE FROM account_identifiers WHERE account_id = $1")
        .bind(account.id.0)
        .execute(&mut *connection)
        .await
        .map_err(translate)?;
    for number in &account.importer_numbers {
        sqlx::query("INSERT INTO importer_numbers (number, account_id) VALUES ($1, $2)")
            .bind(number.as_str())
            .bind(account.id.0)
            .execute(&mut *connection)
            .await
            .map_err(translate)?;
    }
    let identifiers = account
        .employer_identification_numbers
        .iter()
        .map(|value| ("ein", value.as_str()))
        .chain(account.manufacturer_ids.iter().map(|value| ("mid", value.as_str())))
        .chain(account.scacs.iter().map(|value| ("scac", value.as_str())));
    for (kind, value) in identifiers {
        sqlx::query("INSERT OR IGNORE INTO account_identifiers (account_id, kind, value) VALUES ($1, $2, $3)")
            .bind(account.id.0)
            .bind(kind)
            .bind(value)
            .execute(&mut *connection)
            .await
            .map_err(translate)?;
    }
    Ok(())
}

fn address_parts(account: &Account) -> [Option<&str>; 6] {
    match &account.address {
        None => [None; 6],
        Some(address) => [
            Some(address.line1.as_str()),
            address.line2.as_deref(),
            Some(address.city.as_str()),
            address.region.as_deref(),
            address.postal_code.as_deref(),
            Some(address.country.as_str()),
        ],
    }
}

/// Inserts a new account and its identifiers inside the caller's write transaction.
pub(crate) async fn insert_account_in(connection: &mut SqliteConnection, account: &Account) -> StoreResult<()> {
    let [line1, line2, city, region, postal_code, country] = address_parts(account);
    sqlx::query(
        "INSERT INTO accounts (id, number, legal_name, doing_business_as, business_type, address_line1,
                 address_line2, city, region, postal_code, country, partner_agency_consent, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(account.id.0)
    .bind(account.number.as_str())
    .bind(account.legal_name.as_str())
    .bind(account.doing_business_as.as_ref().map(LegalName::as_str))
    .bind(account.business_type.id())
    .bind(line1)
    .bind(line2)
    .bind(city)
    .bind(region)
    .bind(postal_code)
    .bind(country)
    .bind(account.partner_agency_consent)
    .bind(account.created_at)
    .execute(&mut *connection)
    .await
    .map_err(translate)?;
    write_identifiers(connection, account).await
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(&self, account: &Account, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        insert_account_in(&mut transaction, account).await?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn update_account(&self, account: &Account, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let [line1, line2, city, region, postal_code, country] = address_parts(account);
        let updated = sqlx::query(
            "UPDATE accounts SET number = $2, legal_name = $3, doing_business_as = $4, business_type = $5,
                 address_line1 = $6, address_line2 = $7, city = $8, region = $9, postal_code = $10,
                 country = $11, partner_agency_consent = $12
             WHERE id = $1",
        )
        .bind(account.id.0)
        .bind(account.number.as_str())
        .bind(account.legal_name.as_str())
        .bind(account.doing_business_as.as_ref().map(LegalName::as_str))
        .bind(account.business_type.id())
        .bind(line1)
        .bind(line2)
        .bind(city)
        .bind(region)
        .bind(postal_code)
        .bind(country)
        .bind(account.partner_agency_consent)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        write_identifiers(&mut transaction, account).await?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn get_account(&self, id: AccountId) -> StoreResult<Account> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_ACCOUNT} WHERE a.id = $1")))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(translate)?;
        account_from_row(&row)
    }

    async fn find_account_by_number(&self, number: &AccountNumber) -> StoreResult<Option<Account>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_ACCOUNT} WHERE a.number = $1")))
            .bind(number.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn find_account_by_importer_number(&self, number: &ImporterNumber) -> StoreResult<Option<Account>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_ACCOUNT} WHERE a.id = (SELECT account_id FROM importer_numbers WHERE number = $1)"
        )))
        .bind(number.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(translate)?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_ACCOUNT} ORDER BY a.number")))
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(account_from_row).collect()
    }
}
