//! The OpenAPI 3.1 document of `/api/v1`, assembled from the handlers' annotations by
//! [`crate::routes::router`]; this module holds the document's frame.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trusted Trader API",
        description = "The JSON API of the Trusted Trader portal (CTPAT and Trade Compliance). \
                       Authenticate with a personal API token: `Authorization: Bearer tt_…`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerSecurity),
    tags(
        (name = "accounts", description = "Member accounts"),
        (name = "users", description = "Users and the caller"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "audit", description = "The audit trail"),
        (name = "admin", description = "Program administration"),
        (name = "trade data", description = "Entry data, KPIs, Defender alerts and cases, screening"),
        (name = "criteria", description = "Criteria catalogues: versions, criteria, publishing"),
        (name = "profiles", description = "Security profiles: answers, evidence, submission and review"),
        (name = "validations", description = "Validations: plan, findings, the report's workflow, the member's answers"),
        (name = "questionnaires", description = "Supplier questionnaires sent by members to their business partners"),
        (name = "forced labor", description = "Watch lists, members' supply-chain maps, screening hits and their review"),
        (name = "policies", description = "Policies and procedures published for comment: versions, comments, dispositions"),
        (name = "mutual recognition", description = "Mutual Recognition Arrangements, partner programs' certificate lists, operator lookup"),
        (name = "partner agencies", description = "Partner government agencies: the registry, recognized benefits, members' consents"),
        (name = "status verification", description = "Connections between members and their partners' status"),
        (name = "status credentials", description = "Signed status credentials for business partners, their public check and key"),
        (name = "membership", description = "The membership lifecycle: histories, derived dates, work queues, reminders"),
        (name = "benefits", description = "Benefits: levels of service, entitlement on a day, benefit requests and their clocks, penalties"),
    )
)]
pub struct ApiDoc;

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON with a trailing newline, exactly as committed in `openapi.json`.
#[must_use]
pub fn openapi_json() -> String {
    let (_, document) = crate::routes::api_router().split_for_parts();
    let mut text = document.to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
