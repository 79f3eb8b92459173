//! The role-aware home page: "my work" for staff, "my company" for members.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::{Layout, accounts::AccountRow};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::SignedIn;

/// A queue on the staff home page.
pub struct WorkQueue {
    pub title: &'static str,
    pub description: &'static str,
    pub count: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    layout: Layout,
    name: String,
    is_agency: bool,
    queues: Vec<WorkQueue>,
    company: Option<AccountRow>,
    account_count: usize,
}

pub async fn home_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let actor = &signed_in.actor;
    let accounts = state.app.list_accounts(actor).await?;
    let company = if actor.is_agency() {
        None
    } else {
        accounts.iter().find(|account| Some(account.id) == actor.own_account()).map(AccountRow::from)
    };
    // Applications and validations are filled by the lifecycle and validation capabilities as
    // they land; until then those queues are honestly empty.
    let queues = if actor.is_agency() {
        let open_cases = if super::can(actor, tt_app::Permission::ViewProgramData) {
            state.app.list_cases(actor).await?.iter().filter(|details| details.case.outcome.is_none()).count()
        } else {
            0
        };
        vec![
            WorkQueue {
                title: "Applications to review",
                description: "Security profiles submitted and awaiting a specialist",
                count: 0,
            },
            WorkQueue { title: "Validations due", description: "Validations and revalidations coming due", count: 0 },
            WorkQueue {
                title: "Open cases",
                description: "Denied Defender alerts awaiting an outcome",
                count: open_cases,
            },
        ]
    } else {
        Vec::new()
    };
    Ok(HomePage {
        layout: Layout::for_signed_in(&signed_in),
        name: actor.user.as_ref().map(|user| user.name.as_str().to_owned()).unwrap_or_default(),
        is_agency: actor.is_agency(),
        queues,
        company,
        account_count: accounts.len(),
    }
    .into_response())
}
