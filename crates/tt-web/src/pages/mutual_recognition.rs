//! The mutual recognition page: the arrangements and their partner programs' lists, the lookup
//! of a foreign operator, and a member recording what it found as evidence.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::mutual_recognition::{ArrangementView, OperatorEvidence, OperatorMatch};
use tt_app::{AppError, Permission};

use super::{FormErrors, Layout, can, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    pub operator_id: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mutual_recognition.html")]
pub struct MutualRecognitionPage {
    layout: Layout,
    arrangements: Vec<ArrangementView>,
    operator_id: String,
    matches: Option<Vec<OperatorMatch>>,
    can_record: bool,
    errors: FormErrors,
}

async fn page_with(
    state: &WebState,
    signed_in: &SignedIn,
    operator_id: String,
    mut errors: FormErrors,
) -> Result<(StatusCode, MutualRecognitionPage), PageError> {
    let mut matches = None;
    if !operator_id.trim().is_empty() {
        match state.app.find_foreign_operator(&operator_id).await {
            Ok(found) => matches = Some(found),
            Err(error) => errors.items.extend(FormErrors::from_app(error)?.items),
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        MutualRecognitionPage {
            layout: Layout::for_signed_in(signed_in),
            arrangements: state.app.mutual_recognition().await?,
            operator_id,
            matches,
            can_record: signed_in.actor.own_account().is_some() && can(&signed_in.actor, Permission::PrepareMembership),
            errors,
        },
    ))
}

/// The arrangements, and the lookup of a foreign operator (`?operator_id=`).
pub async fn mutual_recognition_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<LookupQuery>,
) -> Result<Response, PageError> {
    let operator_id = query.operator_id.unwrap_or_default();
    Ok(page_with(&state, &signed_in, operator_id, FormErrors::default()).await?.into_response())
}

/// A member records the lookup as evidence for a criterion of its security profile.
pub async fn record_evidence(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    let account = signed_in.actor.own_account().ok_or(AppError::Forbidden("evidence is a member's"))?;
    let evidence = OperatorEvidence { operator_id: form.value("operator_id"), criterion: form.value("criterion") };
    match state.app.record_operator_evidence(&signed_in.actor, account, &evidence).await {
        Ok(_) => {
            Ok(see_other(&format!("/accounts/{account}/security-profile#criterion-{}", evidence.criterion.trim())))
        }
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok(page_with(&state, &signed_in, evidence.operator_id, errors).await?.into_response())
        }
    }
}
