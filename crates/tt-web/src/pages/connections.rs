//! The status-verification page of a member: its connections and their partners' status, the
//! requests to answer, the form to ask another member, and its preferences.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::connections::{ConnectionAnswer, ConnectionRequest, ConnectionView, PreferencesView};
use tt_app::{AppError, Permission};

use super::{FormErrors, Layout, can, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Template, WebTemplate)]
#[template(path = "connections.html")]
pub struct ConnectionsPage {
    layout: Layout,
    connections: Vec<ConnectionView>,
    preferences: PreferencesView,
    can_manage: bool,
    errors: FormErrors,
}

async fn page_with(state: &WebState, signed_in: &SignedIn, errors: FormErrors) -> Result<ConnectionsPage, PageError> {
    let actor = &signed_in.actor;
    let own = actor.own_account().ok_or(AppError::Forbidden("connections are between members"))?;
    Ok(ConnectionsPage {
        layout: Layout::for_signed_in(signed_in),
        connections: state.app.connections(actor, own).await?,
        preferences: state.app.connection_preferences(actor).await?,
        can_manage: can(actor, Permission::ManageConnections),
        errors,
    })
}

/// The member's connections and their partners' status.
pub async fn connections_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    Ok(page_with(&state, &signed_in, FormErrors::default()).await?.into_response())
}

/// Answers with the page again, its errors shown, when a step is refused.
async fn refused(state: &WebState, signed_in: &SignedIn, error: AppError) -> Result<Response, PageError> {
    let errors = FormErrors::from_app(error)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page_with(state, signed_in, errors).await?).into_response())
}

/// The officer asks another certified member to connect.
pub async fn request_connection(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageConnections, state.app.clock.now())?;
    let request = ConnectionRequest {
        account_number: form.value("account_number"),
        share_tier: form.checked("share_tier"),
        share_contact: form.checked("share_contact"),
    };
    match state.app.request_connection(&signed_in.actor, &request).await {
        Ok(_) => Ok(see_other("/connections")),
        Err(error) => refused(&state, &signed_in, error).await,
    }
}

/// The officer accepts, declines or ends a connection.
pub async fn answer_connection(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageConnections, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let answer = ConnectionAnswer {
        step: form.value("step"),
        share_tier: form.checked("share_tier"),
        share_contact: form.checked("share_contact"),
    };
    match state.app.answer_connection(&signed_in.actor, id, &answer).await {
        Ok(_) => Ok(see_other("/connections")),
        Err(error) => refused(&state, &signed_in, error).await,
    }
}

/// The officer sets whether requests are accepted at once, and what is shared by default.
pub async fn set_preferences(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageConnections, state.app.clock.now())?;
    let preferences = PreferencesView {
        auto_accept: form.checked("auto_accept"),
        share_tier: form.checked("default_share_tier"),
        share_contact: form.checked("default_share_contact"),
    };
    match state.app.set_connection_preferences(&signed_in.actor, &preferences).await {
        Ok(_) => Ok(see_other("/connections")),
        Err(error) => refused(&state, &signed_in, error).await,
    }
}
