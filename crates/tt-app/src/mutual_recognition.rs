//! Mutual recognition: the arrangements (`tt-app/mutual_recognition/arrangements.csv`), each
//! partner program's certificate list imported from its file, the lookup of a foreign operator
//! by its id, and a member recording what it found as evidence for a business-partner criterion.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tt_domain::AccountId;
use tt_domain::mutual_recognition::{ForeignOperator, normalize_operator_id};
use tt_store::mutual_recognition::OperatorImport;
use utoipa::ToSchema;

use crate::actor::NOTHING;
use crate::list_files::RejectedRow;
use crate::{Actor, App, AppError, AppResult, Permission};

const ARRANGEMENTS: &str = include_str!("../mutual_recognition/arrangements.csv");

/// One Mutual Recognition Arrangement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Arrangement {
    pub code: String,
    pub country: String,
    /// The partner's program, where recorded.
    pub partner_program: String,
    /// When it was signed: `YYYY-MM`, or the day where known.
    pub signed: String,
    pub note: String,
}

/// The arrangements in force, in the order they were signed.
///
/// # Panics
/// If the shipped file does not parse (a test reads it).
#[must_use]
pub fn arrangements() -> &'static [Arrangement] {
    static PARSED: OnceLock<Vec<Arrangement>> = OnceLock::new();
    PARSED.get_or_init(|| {
        csv::Reader::from_reader(ARRANGEMENTS.as_bytes())
            .deserialize()
            .collect::<Result<Vec<Arrangement>, _>>()
            .expect("the shipped arrangements parse")
    })
}

fn arrangement(code: &str) -> AppResult<&'static Arrangement> {
    arrangements().iter().find(|arrangement| arrangement.code.eq_ignore_ascii_case(code.trim())).ok_or_else(|| {
        AppError::invalid("arrangement", format!("{:?} is not a Mutual Recognition Arrangement", code.trim()))
    })
}

/// An arrangement with its partner program's latest certificate list, if imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ArrangementView {
    #[serde(flatten)]
    pub arrangement: Arrangement,
    pub operators: Option<i64>,
    pub list_imported_at: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OperatorImportReport {
    pub arrangement: String,
    pub rows_read: usize,
    pub imported: usize,
    /// Every row not imported, each with its reason; the rest is imported only if none is.
    pub rejected: Vec<RejectedRow>,
}

/// A foreign operator found in a partner program's latest list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OperatorMatch {
    pub arrangement: String,
    pub partner_program: String,
    #[schema(value_type = Object)]
    pub operator: ForeignOperator,
    /// Certified and within its validity today.
    pub certified_today: bool,
    /// When the list it was found in was imported.
    pub list_imported_at: String,
}

/// A member's request to record a lookup as evidence.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OperatorEvidence {
    pub operator_id: String,
    /// The criterion it is evidence for (a business-partner criterion, such as `3.4`).
    pub criterion: String,
}

impl App {
    /// The arrangements with their partner programs' latest lists.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn mutual_recognition(&self) -> AppResult<Vec<ArrangementView>> {
        let imports = self.store.latest_operator_imports().await?;
        Ok(arrangements()
            .iter()
            .map(|arrangement| {
                let import = imports.iter().find(|import| import.arrangement_code == arrangement.code);
                ArrangementView {
                    arrangement: arrangement.clone(),
                    operators: import.map(|import| import.operators),
                    list_imported_at: import.map(|import| crate::projections::moment(import.imported_at)),
                }
            })
            .collect())
    }

    /// Imports a partner program's certificate list (CSV: `operator_id`, `name`, `country`,
    /// `status`, `valid_from`, `valid_to`) as its new snapshot — all of it, or nothing when a
    /// row is wrong (each wrong row is reported with its reason).
    ///
    /// # Errors
    /// `Forbidden` without the permission to import data; `Invalid` for an unknown arrangement
    /// or a file that is not such a list.
    pub async fn import_foreign_operators(
        &self,
        actor: &Actor,
        code: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<OperatorImportReport> {
        let now = self.clock.now();
        actor.require(Permission::ImportTradeData, now)?;
        let arrangement = arrangement(code)?;
        let columns = ["operator_id", "name", "country", "status", "valid_from", "valid_to"];
        let rows = crate::list_files::read_rows(bytes, columns, |[id, name, country, status, from, to]| {
            ForeignOperator::parse(id, name, country, status, from, to)
        })?;
        let (rows_read, mut rejected) = (rows.rows_read, rows.rejected);
        let mut seen = std::collections::HashSet::new();
        let mut operators = Vec::new();
        for (row, operator) in rows.parsed {
            if seen.insert(operator.operator_id.clone()) {
                operators.push(operator);
            } else {
                rejected.push(RejectedRow {
                    row,
                    field: "operator_id".to_owned(),
                    reason: format!("{} is listed twice", operator.operator_id),
                });
            }
        }
        let report = |imported| OperatorImportReport {
            arrangement: arrangement.code.clone(),
            rows_read,
            imported,
            rejected: rejected.clone(),
        };
        if !rejected.is_empty() {
            // A list is a snapshot: half of one would make the others look revoked.
            return Ok(report(0));
        }
        let import = OperatorImport {
            id: 0,
            arrangement_code: arrangement.code.clone(),
            file_name: file_name.to_owned(),
            imported_by: actor.user.as_ref().map(|user| user.id),
            imported_at: tt_domain::NewAuditRecord::truncate_time(now),
            operators: i64::try_from(operators.len()).unwrap_or(i64::MAX),
        };
        let audit = actor.audit(
            now,
            "mutual_recognition.import",
            "arrangement",
            Some(arrangement.code.clone()),
            NOTHING,
            Some(&(file_name, operators.len())),
        );
        self.store.record_operator_import(&import, &operators, &audit).await?;
        Ok(report(operators.len()))
    }

    /// The operator with this id in each partner program's latest list; any signed-in user may
    /// look one up.
    ///
    /// # Errors
    /// `Invalid` on `operator_id` for an id that cannot be one.
    pub async fn find_foreign_operator(&self, operator_id: &str) -> AppResult<Vec<OperatorMatch>> {
        let id = normalize_operator_id(operator_id).map_err(|error| AppError::Invalid(vec![error]))?;
        let today = self.clock.now().date();
        Ok(self
            .store
            .find_foreign_operator(&id)
            .await?
            .into_iter()
            .map(|(import, operator)| {
                let arrangement = arrangements().iter().find(|arrangement| arrangement.code == import.arrangement_code);
                OperatorMatch {
                    arrangement: arrangement
                        .map_or_else(|| import.arrangement_code.clone(), |found| found.country.clone()),
                    partner_program: arrangement.map(|found| found.partner_program.clone()).unwrap_or_default(),
                    certified_today: operator.certified_on(today),
                    operator,
                    list_imported_at: crate::projections::moment(import.imported_at),
                }
            })
            .collect())
    }

    /// Records a lookup as evidence on the member's security profile: a PDF of what each partner
    /// program's latest list says of the operator today, attached to `evidence.criterion`.
    ///
    /// # Errors
    /// As [`App::attach_evidence`]; `NotFound` when no partner program lists the operator.
    pub async fn record_operator_evidence(
        &self,
        actor: &Actor,
        account_id: AccountId,
        evidence: &OperatorEvidence,
    ) -> AppResult<crate::profile::ProfileView> {
        actor.require(Permission::PrepareMembership, self.clock.now())?;
        let matches = self.find_foreign_operator(&evidence.operator_id).await?;
        if matches.is_empty() {
            return Err(AppError::NotFound);
        }
        let mut document = crate::pdf::PdfDocument::new("Foreign operator status");
        document.title("Foreign operator status under Mutual Recognition").paragraph(&format!(
            "Looked up on {} by {} in the partner programs' certificate lists held by the Trusted Trader program.",
            crate::projections::moment(self.clock.now()),
            actor.label
        ));
        document.table(
            &["Operator", "Arrangement", "Partner program", "Status", "Valid", "Certified today", "List imported"]
                .map(str::to_owned),
            &matches
                .iter()
                .map(|found| {
                    vec![
                        format!("{} ({})", found.operator.name, found.operator.operator_id),
                        found.arrangement.clone(),
                        found.partner_program.clone(),
                        found.operator.status.id().to_owned(),
                        format!(
                            "{} to {}",
                            found.operator.valid_from,
                            found.operator.valid_to.map_or_else(|| "no end".to_owned(), |to| to.to_string())
                        ),
                        if found.certified_today { "yes" } else { "no" }.to_owned(),
                        found.list_imported_at.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        let file_name = format!("foreign-operator-{}.pdf", matches[0].operator.operator_id.to_ascii_lowercase());
        self.attach_evidence(actor, account_id, &evidence.criterion, &file_name, document.to_bytes()).await
    }
}

#[cfg(test)]
mod tests {
    use super::arrangements;

    #[test]
    fn eighteen_arrangements_are_in_force_each_listed_once() {
        let codes: Vec<&str> = arrangements().iter().map(|arrangement| arrangement.code.as_str()).collect();
        assert_eq!(codes.len(), 18);
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 18);
        let eu = arrangements().iter().find(|arrangement| arrangement.code == "EU").expect("EU");
        assert_eq!((eu.partner_program.as_str(), eu.signed.as_str()), ("Authorized Economic Operator", "2012-05"));
    }
}
