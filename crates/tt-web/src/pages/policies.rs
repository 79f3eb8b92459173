//! Policy pages: the policies published for comment, one policy with its versions, comments and
//! dispositions, and the forms to publish, comment and dispose.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::policies::{DISPOSITIONS, NewDisposition, NewPolicyVersion, PolicyView};
use tt_app::{AppError, Permission};

use super::{FormErrors, Layout, can, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Template, WebTemplate)]
#[template(path = "policies.html")]
pub struct PoliciesPage {
    layout: Layout,
    policies: Vec<PolicyView>,
    can_publish: bool,
    default_days: i64,
    errors: FormErrors,
}

async fn list_with(state: &WebState, signed_in: &SignedIn, errors: FormErrors) -> Result<PoliciesPage, PageError> {
    Ok(PoliciesPage {
        layout: Layout::for_signed_in(signed_in),
        policies: state.app.policies(&signed_in.actor).await?,
        can_publish: can(&signed_in.actor, Permission::ManagePolicies),
        default_days: state.app.settings.policy_comment_days,
        errors,
    })
}

/// The policies published for comment.
pub async fn policies_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    Ok(list_with(&state, &signed_in, FormErrors::default()).await?.into_response())
}

/// Publishes a new policy or the next version of one.
pub async fn publish(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManagePolicies, state.app.clock.now())?;
    let comment_days = match form.optional("comment_days").map(|text| text.trim().parse::<i64>()) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(_)) => Some(0),
    };
    let new = NewPolicyVersion {
        policy_key: form.value("policy_key"),
        title: form.value("title"),
        body: form.value("body"),
        change_summary: form.value("change_summary"),
        comment_days,
    };
    match state.app.publish_policy(&signed_in.actor, &new).await {
        Ok(policy) => Ok(see_other(&format!("/policies/{}", policy.policy_key))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, list_with(&state, &signed_in, errors).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "policy.html")]
pub struct PolicyPage {
    layout: Layout,
    policy: PolicyView,
    can_comment: bool,
    can_dispose: bool,
    dispositions: [&'static str; 4],
    errors: FormErrors,
}

async fn policy_with(
    state: &WebState,
    signed_in: &SignedIn,
    key: &str,
    errors: FormErrors,
) -> Result<PolicyPage, PageError> {
    let actor = &signed_in.actor;
    Ok(PolicyPage {
        layout: Layout::for_signed_in(signed_in),
        policy: state.app.policy(actor, key).await?,
        can_comment: can(actor, Permission::CommentOnPolicies),
        can_dispose: can(actor, Permission::ManagePolicies),
        dispositions: DISPOSITIONS,
        errors,
    })
}

/// One policy: its versions, newest first, and the comments with their dispositions.
pub async fn policy_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    Ok(policy_with(&state, &signed_in, &key, FormErrors::default()).await?.into_response())
}

async fn refused(state: &WebState, signed_in: &SignedIn, key: &str, error: AppError) -> Result<Response, PageError> {
    let errors = FormErrors::from_app(error)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, policy_with(state, signed_in, key, errors).await?).into_response())
}

/// A working-group member comments on the latest version.
pub async fn comment(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(key): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::CommentOnPolicies, state.app.clock.now())?;
    match state.app.comment_on_policy(&signed_in.actor, &key, &form.value("text")).await {
        Ok(_) => Ok(see_other(&format!("/policies/{key}#comments"))),
        Err(error) => refused(&state, &signed_in, &key, error).await,
    }
}

/// Staff dispose of a comment.
pub async fn dispose(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path((key, id)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManagePolicies, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let new = NewDisposition { disposition: form.value("disposition"), response: form.value("response") };
    match state.app.dispose_of_comment(&signed_in.actor, &key, id, &new).await {
        Ok(_) => Ok(see_other(&format!("/policies/{key}#comments"))),
        Err(error) => refused(&state, &signed_in, &key, error).await,
    }
}
