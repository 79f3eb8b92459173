//! Every route of the portal, in one place: pages, the JSON API, and operations.
//!
//! Each page route declares who may use it ([`Access`]); the route-walk test signs in as every
//! role and checks that the handlers enforce exactly what is declared here.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tt_app::Permission;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, error_page};
use crate::pages::{
    accounts, admin, agencies, benefits, connections, credentials, criteria, dashboards, defender, forced_labor, home,
    kpis, membership, mutual_recognition, policies, profile, questionnaire, reports, security_profile, session, users,
    validation,
};
use crate::{WebState, api, middleware, openapi};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (some of these pages also serve users still giving a second factor).
    SignedIn,
    /// Users whose role holds any of these permissions.
    AnyOf(&'static [Permission]),
}

/// One route and its declared access. `rule_may_refuse` marks routes where a business rule may
/// still refuse some holders of the permission (for example agency staff turning two-factor off).
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub rule_may_refuse: bool,
}

const fn may(permission: &'static [Permission]) -> Access {
    Access::AnyOf(permission)
}

macro_rules! page_routes {
    ($( $method:ident $path:literal => $handler:path, $access:expr, $refuse:literal; )*) => {
        /// The page routes with their declared access, in the order they are registered.
        pub const PAGE_ROUTES: &[RouteSpec] = &[
            $( RouteSpec { method: stringify!($method), path: $path, access: $access, rule_may_refuse: $refuse } ),*
        ];

        fn page_router() -> Router<WebState> {
            Router::new() $( .route($path, axum::routing::$method($handler)) )*
            // Every table of every page downloads as CSV or XLSX (`?export=`).
            .layer(axum::middleware::from_fn(crate::export::page_tables_export))
        }
    };
}

page_routes! {
    get "/" => home::home_page, Access::SignedIn, false;
    get "/login" => session::login_page, Access::Public, false;
    post "/login" => session::login, Access::Public, false;
    get "/login/two-factor" => session::two_factor_page, Access::SignedIn, false;
    post "/login/two-factor" => session::verify_two_factor, Access::SignedIn, false;
    get "/signup" => session::signup_page, Access::Public, false;
    post "/signup" => session::sign_up, Access::Public, false;
    get "/invitations/{secret}" => session::invitation_page, Access::Public, false;
    post "/invitations/{secret}" => session::accept_invitation, Access::Public, false;
    get "/profile" => profile::profile_page, may(&[Permission::ManageOwnProfile]), false;
    post "/profile/password" => profile::change_password, may(&[Permission::ManageOwnProfile]), false;
    get "/profile/two-factor" => profile::two_factor_setup_page, may(&[Permission::ManageOwnProfile]), false;
    post "/profile/two-factor" => profile::confirm_two_factor, may(&[Permission::ManageOwnProfile]), false;
    post "/profile/two-factor/disable" => profile::disable_two_factor, may(&[Permission::ManageOwnProfile]), true;
    post "/profile/tokens" => profile::create_token, may(&[Permission::ManageOwnProfile]), false;
    post "/profile/tokens/{id}/revoke" => profile::revoke_token, may(&[Permission::ManageOwnProfile]), false;
    get "/accounts" => accounts::accounts_page, may(&[Permission::ViewAccounts]), false;
    get "/accounts/new" => accounts::new_account_page, may(&[Permission::CreateAccount]), false;
    post "/accounts" => accounts::create_account, may(&[Permission::CreateAccount]), false;
    get "/accounts/{id}" => accounts::account_page, may(&[Permission::ViewAccounts]), false;
    get "/accounts/{id}/edit" => accounts::edit_account_page, may(&[Permission::EditAccount]), false;
    post "/accounts/{id}" => accounts::update_account, may(&[Permission::EditAccount]), false;
    get "/accounts/{id}/membership" => membership::membership_page, may(&[Permission::ViewAccounts]), false;
    post "/accounts/{id}/membership/steps" => membership::record_step, may(MEMBERSHIP_STEP_PERMISSIONS), true;
    get "/work" => membership::work_page, may(WORK_QUEUE_PERMISSIONS), true;
    get "/migration" => membership::migration_page, may(&[Permission::ViewWorkQueues]), false;
    get "/inbox" => membership::inbox_page, Access::SignedIn, false;
    post "/inbox/{id}/read" => membership::mark_read, may(&[Permission::ManageOwnProfile]), false;
    get "/admin/outbox" => membership::outbox_page, may(&[Permission::ViewOutbox]), false;
    get "/accounts/{id}/security-profile" => security_profile::security_profile_page, may(&[Permission::ViewAccounts]), true;
    post "/accounts/{id}/security-profile" => security_profile::change_security_profile, may(MEMBERSHIP_STEP_PERMISSIONS), true;
    post "/accounts/{id}/security-profile/evidence" => security_profile::upload_evidence, may(&[Permission::PrepareMembership]), true;
    get "/accounts/{id}/security-profile/evidence/{file}" => security_profile::download_evidence, may(&[Permission::ViewAccounts]), true;
    get "/validations" => validation::validations_page, may(&[Permission::ViewAccounts]), true;
    post "/accounts/{id}/validations" => validation::plan_validation, may(&[Permission::ReviewSecurityMembership]), false;
    get "/validations/{id}" => validation::validation_page, may(&[Permission::ViewAccounts]), true;
    post "/validations/{id}" => validation::change_validation, may(MEMBERSHIP_STEP_PERMISSIONS), true;
    get "/validations/{id}/report" => validation::report_page, may(&[Permission::ViewAccounts]), true;
    post "/validations/{id}/responses" => validation::respond, may(&[Permission::PrepareMembership]), true;
    get "/validations/{id}/evidence/{file}" => validation::download_evidence, may(&[Permission::ViewAccounts]), true;
    get "/validations/{id}/report.pdf" => validation::report_pdf, may(&[Permission::ViewAccounts]), true;
    get "/questionnaires" => questionnaire::questionnaires_page, may(&[Permission::ViewAccounts]), true;
    post "/questionnaires" => questionnaire::send_questionnaire, may(&[Permission::PrepareMembership]), true;
    get "/questionnaires/{id}" => questionnaire::questionnaire_page, may(&[Permission::ViewAccounts]), true;
    post "/questionnaires/{id}" => questionnaire::change_questionnaire, may(&[Permission::PrepareMembership]), true;
    get "/accounts/{id}/credentials" => credentials::credentials_page, may(&[Permission::ViewAccounts]), true;
    post "/accounts/{id}/credentials" => credentials::issue_credential, may(&[Permission::IssueStatusCredentials]), false;
    get "/credentials/{id}" => credentials::credential_page, may(&[Permission::ViewAccounts]), true;
    post "/credentials/{id}/revoke" => credentials::revoke_credential, may(&[Permission::IssueStatusCredentials]), false;
    get "/verify" => credentials::verify_page, Access::Public, false;
    get "/agencies" => agencies::agencies_page, Access::SignedIn, false;
    post "/agencies/actions" => agencies::add_action, may(&[Permission::ManageAgencyEngagement]), false;
    post "/agencies/actions/{id}" => agencies::change_action, may(&[Permission::ManageAgencyEngagement]), false;
    get "/mutual-recognition" => mutual_recognition::mutual_recognition_page, Access::SignedIn, false;
    get "/policies" => policies::policies_page, may(&[Permission::ViewPolicies]), false;
    get "/accounts/{id}/supply-chain" => forced_labor::supply_chain_page, may(&[Permission::ViewAccounts]), true;
    post "/accounts/{id}/supply-chain" => forced_labor::change_supply_chain, may(&[Permission::PrepareMembership]), true;
    post "/accounts/{id}/forced-labor-evidence" => forced_labor::submit_requirement_evidence, may(&[Permission::PrepareMembership]), true;
    post "/accounts/{id}/forced-labor-evidence/review" => forced_labor::review_requirement, may(&[Permission::ReviewTradeCompliance]), true;
    get "/accounts/{id}/forced-labor-evidence/{file}" => forced_labor::download_requirement_evidence, may(&[Permission::ViewAccounts]), true;
    get "/forced-labor/hits" => forced_labor::hits_page, may(&[Permission::ReviewScreeningHits]), false;
    post "/forced-labor/hits" => forced_labor::review_hit, may(&[Permission::ReviewScreeningHits]), false;
    get "/forced-labor/allegations" => forced_labor::allegations_page, may(&[Permission::ReviewScreeningHits]), false;
    post "/forced-labor/allegations" => forced_labor::change_allegations, may(&[Permission::ReviewScreeningHits]), false;
    post "/policies" => policies::publish, may(&[Permission::ManagePolicies]), false;
    get "/policies/{key}" => policies::policy_page, may(&[Permission::ViewPolicies]), false;
    post "/policies/{key}/comments" => policies::comment, may(&[Permission::CommentOnPolicies]), false;
    post "/policies/{key}/comments/{id}" => policies::dispose, may(&[Permission::ManagePolicies]), false;
    post "/mutual-recognition/evidence" => mutual_recognition::record_evidence, may(&[Permission::PrepareMembership]), true;
    get "/accounts/{id}/agency-consents" => agencies::consents_page, may(&[Permission::ViewAccounts]), true;
    post "/accounts/{id}/agency-consents" => agencies::change_consent, may(&[Permission::ManageAgencyConsent]), false;
    get "/connections" => connections::connections_page, may(&[Permission::ViewAccounts]), true;
    post "/connections" => connections::request_connection, may(&[Permission::ManageConnections]), false;
    post "/connections/preferences" => connections::set_preferences, may(&[Permission::ManageConnections]), false;
    post "/connections/{id}" => connections::answer_connection, may(&[Permission::ManageConnections]), false;
    get "/q/{secret}" => questionnaire::partner_form_page, Access::Public, false;
    post "/q/{secret}" => questionnaire::answer_partner_form, Access::Public, false;
    get "/criteria" => criteria::criteria_page, may(&[Permission::ViewAccounts]), false;
    get "/criteria/publish" => criteria::publish_page, may(&[Permission::PublishCriteria]), false;
    post "/criteria/publish" => criteria::publish, may(&[Permission::PublishCriteria]), false;
    get "/criteria/{catalogue}" => criteria::catalogue_page, may(&[Permission::ViewAccounts]), false;
    get "/users" => users::users_page, may(&[Permission::ViewUsers]), false;
    get "/users/new" => users::new_user_page, may(&[Permission::ManageAccountUsers, Permission::ManageAllUsers]), false;
    post "/users" => users::create_user, may(&[Permission::ManageAccountUsers, Permission::ManageAllUsers]), false;
    get "/users/{id}" => users::user_page, may(&[Permission::ViewUsers]), false;
    post "/users/{id}/active" => users::set_user_active, may(&[Permission::ManageAccountUsers, Permission::ManageAllUsers]), false;
    post "/users/{id}/delegate" => users::delegate_consultant, may(&[Permission::DelegateConsultant]), false;
    get "/kpis" => kpis::kpis_page, may(&[Permission::ViewAccounts]), true;
    get "/definitions" => kpis::definitions_page, Access::SignedIn, false;
    get "/alerts" => defender::alerts_page, may(&[Permission::ReviewDefenderAlerts]), false;
    post "/alerts/review" => defender::review_alert, may(&[Permission::ReviewDefenderAlerts]), false;
    get "/cases" => defender::cases_page, may(&[Permission::ViewProgramData]), false;
    get "/cases/{id}" => defender::case_page, may(&[Permission::ViewProgramData]), false;
    post "/cases/{id}/outcome" => defender::record_case_outcome, may(&[Permission::RecordCaseOutcome]), false;
    get "/benefits" => benefits::benefits_page, may(&[Permission::ViewAccounts]), false;
    get "/benefits/proposals" => benefits::proposals_page, may(PROPOSAL_PERMISSIONS), false;
    post "/benefits/proposals" => benefits::propose_benefit, may(&[Permission::ProposeBenefits]), false;
    post "/benefits/proposals/{id}" => benefits::change_proposal, may(PROPOSAL_PERMISSIONS), true;
    get "/reconciliation" => benefits::reconciliation_page, may(&[Permission::ViewAccounts]), true;
    get "/random-exams" => benefits::random_exams_page, may(&[Permission::ViewAccounts]), true;
    get "/benefits/kpis" => benefits::benefit_kpis_page, may(&[Permission::ViewProgramData]), false;
    get "/defender/enrolment" => benefits::defender_enrolment_page, may(&[Permission::ViewAccounts]), true;
    post "/defender/enrolment" => benefits::authorize_filer, may(&[Permission::ManageDefenderEnrolment]), false;
    post "/defender/enrolment/end" => benefits::end_filer, may(&[Permission::ManageDefenderEnrolment]), false;
    get "/dashboards/member" => dashboards::member_page, may(&[Permission::ViewAccounts]), true;
    get "/dashboards/program" => dashboards::program_page, may(&[Permission::ViewProgramData]), false;
    get "/dashboards/program.pdf" => dashboards::program_pdf, may(&[Permission::ViewProgramData]), false;
    get "/reports/annual" => reports::annual_report_page, may(&[Permission::ViewProgramData]), false;
    get "/reports/annual.pdf" => reports::annual_report_pdf, may(&[Permission::ViewProgramData]), false;
    get "/requests" => benefits::requests_page, may(&[Permission::ViewAccounts]), true;
    get "/requests/new" => benefits::new_request_page, may(REQUEST_PERMISSIONS), false;
    post "/requests" => benefits::submit_request, may(REQUEST_PERMISSIONS), true;
    get "/requests/{id}" => benefits::request_page, may(&[Permission::ViewAccounts]), true;
    post "/requests/{id}" => benefits::change_request, may(REQUEST_PERMISSIONS), true;
    post "/requests/{id}/renew" => benefits::renew_request, may(&[Permission::RequestBenefits]), true;
    get "/requests/{id}/certificate.pdf" => benefits::certificate_pdf, may(&[Permission::ViewAccounts]), true;
    get "/accounts/{id}/branding-licence.pdf" => benefits::branding_licence_pdf, may(&[Permission::ViewAccounts]), true;
    get "/penalties/calculator" => benefits::penalty_calculator_page, may(&[Permission::ViewAccounts]), false;
    get "/admin/roles" => admin::roles_page, may(&[Permission::ViewPolicy]), false;
    get "/admin/audit" => admin::audit_page, may(&[Permission::ViewAuditTrail]), false;
    get "/admin/audit.csv" => admin::export_audit, may(&[Permission::ViewAuditTrail]), false;
    post "/logout" => session::logout, Access::SignedIn, false;
}

/// The API routes with their declared access; the route-walk test checks this list against
/// the OpenAPI document, so an undeclared API route fails the build's tests.
pub const API_ROUTES: &[RouteSpec] = &[
    RouteSpec { method: "get", path: "/api/v1/me", access: Access::SignedIn, rule_may_refuse: false },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts",
        access: may(&[Permission::CreateAccount]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "put",
        path: "/api/v1/accounts/{id}",
        access: may(&[Permission::EditAccount]),
        rule_may_refuse: false,
    },
    RouteSpec { method: "get", path: "/api/v1/users", access: may(&[Permission::ViewUsers]), rule_may_refuse: false },
    RouteSpec {
        method: "post",
        path: "/api/v1/users",
        access: may(&[Permission::ManageAccountUsers, Permission::ManageAllUsers]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/users/{id}",
        access: may(&[Permission::ViewUsers]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/tokens",
        access: may(&[Permission::ManageOwnProfile]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "delete",
        path: "/api/v1/tokens/{id}",
        access: may(&[Permission::ManageOwnProfile]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/audit",
        access: may(&[Permission::ViewAuditTrail]),
        rule_may_refuse: false,
    },
    RouteSpec { method: "get", path: "/api/v1/policy", access: may(&[Permission::ViewPolicy]), rule_may_refuse: false },
    RouteSpec {
        method: "get",
        path: "/api/v1/kpis",
        access: may(&[Permission::ViewProgramData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/alerts",
        access: may(&[Permission::ReviewDefenderAlerts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/alerts/review",
        access: may(&[Permission::ReviewDefenderAlerts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/cases",
        access: may(&[Permission::ViewProgramData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/cases/{id}/outcome",
        access: may(&[Permission::RecordCaseOutcome]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/ingest",
        access: may(&[Permission::ImportTradeData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/screen",
        access: may(&[Permission::ScreenArrivals]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/membership",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/membership/steps",
        access: may(MEMBERSHIP_STEP_PERMISSIONS),
        rule_may_refuse: true,
    },
    RouteSpec { method: "get", path: "/api/v1/work", access: may(WORK_QUEUE_PERMISSIONS), rule_may_refuse: true },
    RouteSpec { method: "get", path: "/api/v1/work/load", access: may(WORK_QUEUE_PERMISSIONS), rule_may_refuse: true },
    RouteSpec { method: "get", path: "/api/v1/notifications", access: Access::SignedIn, rule_may_refuse: false },
    RouteSpec {
        method: "post",
        path: "/api/v1/notifications/{id}/read",
        access: may(&[Permission::ManageOwnProfile]),
        rule_may_refuse: false,
    },
    RouteSpec { method: "get", path: "/api/v1/outbox", access: may(&[Permission::ViewOutbox]), rule_may_refuse: false },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/profile",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/profile",
        access: may(MEMBERSHIP_STEP_PERMISSIONS),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/profile/evidence",
        access: may(&[Permission::PrepareMembership]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/profile/evidence/{file}",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/validations",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/validations",
        access: may(MEMBERSHIP_STEP_PERMISSIONS),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/validations/{id}",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/validations/{id}",
        access: may(MEMBERSHIP_STEP_PERMISSIONS),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/validations/{id}/report.pdf",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/questionnaires",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/questionnaires",
        access: may(&[Permission::PrepareMembership]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/questionnaires/{id}",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/questionnaires/{id}",
        access: may(&[Permission::PrepareMembership]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/criteria",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/criteria/{catalogue}",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/criteria/{catalogue}",
        access: may(&[Permission::PublishCriteria]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/migration",
        access: may(&[Permission::ViewWorkQueues]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/benefits",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/benefits",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/branding",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec { method: "get", path: "/api/v1/proposals", access: may(PROPOSAL_PERMISSIONS), rule_may_refuse: false },
    RouteSpec {
        method: "post",
        path: "/api/v1/proposals",
        access: may(&[Permission::ProposeBenefits]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/proposals/{id}",
        access: may(PROPOSAL_PERMISSIONS),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/reconciliation",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/random-exams",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/defender-kpis",
        access: may(&[Permission::ViewProgramData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/defender-filers",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/defender-filers",
        access: may(&[Permission::ManageDefenderEnrolment]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/dashboards/program",
        access: may(&[Permission::ViewProgramData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/reports/annual",
        access: may(&[Permission::ViewProgramData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/dashboards/member",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/defender-filers/ends",
        access: may(&[Permission::ManageDefenderEnrolment]),
        rule_may_refuse: true,
    },
    RouteSpec { method: "get", path: "/api/v1/request-kinds", access: Access::SignedIn, rule_may_refuse: false },
    RouteSpec {
        method: "get",
        path: "/api/v1/requests",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/requests",
        access: may(REQUEST_PERMISSIONS),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/requests/{id}",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/requests/{id}",
        access: may(REQUEST_PERMISSIONS),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/requests/{id}/renewal",
        access: may(&[Permission::RequestBenefits]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/requests/{id}/certificate.pdf",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/penalties/calculate",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/request-kpis",
        access: may(&[Permission::ViewProgramData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/status-credentials",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/status-credentials",
        access: may(&[Permission::IssueStatusCredentials]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/status-credentials/{id}/revoke",
        access: may(&[Permission::IssueStatusCredentials]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/status-credentials/verify",
        access: Access::Public,
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/connections",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec { method: "get", path: "/api/v1/agencies", access: Access::SignedIn, rule_may_refuse: false },
    RouteSpec {
        method: "get",
        path: "/api/v1/agency-actions",
        access: may(&[Permission::ViewAgencyEngagement]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/agency-actions",
        access: may(&[Permission::ManageAgencyEngagement]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/agency-actions/{id}",
        access: may(&[Permission::ManageAgencyEngagement]),
        rule_may_refuse: false,
    },
    RouteSpec { method: "get", path: "/api/v1/mutual-recognition", access: Access::SignedIn, rule_may_refuse: false },
    RouteSpec {
        method: "get",
        path: "/api/v1/policies",
        access: may(&[Permission::ViewPolicies]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/watch-lists/{list}",
        access: may(&[Permission::ImportTradeData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/supply-chain",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/supply-chain",
        access: may(&[Permission::PrepareMembership]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/screening-hits",
        access: may(&[Permission::ReviewScreeningHits]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/screening-hits/review",
        access: may(&[Permission::ReviewScreeningHits]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/allegations",
        access: may(&[Permission::ReviewScreeningHits]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/allegations",
        access: may(&[Permission::ReviewScreeningHits]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/allegations/{id}",
        access: may(&[Permission::ReviewScreeningHits]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/policies",
        access: may(&[Permission::ManagePolicies]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/policies/{key}",
        access: may(&[Permission::ViewPolicies]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/policies/{key}/comments",
        access: may(&[Permission::CommentOnPolicies]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/policies/{key}/comments/{id}/disposition",
        access: may(&[Permission::ManagePolicies]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/mutual-recognition/{code}/operators",
        access: may(&[Permission::ImportTradeData]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/foreign-operators/{id}",
        access: Access::SignedIn,
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/accounts/{id}/foreign-operator-evidence",
        access: may(&[Permission::PrepareMembership]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/accounts/{id}/agency-consents",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "put",
        path: "/api/v1/accounts/{id}/agency-consents",
        access: may(&[Permission::ManageAgencyConsent]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "put",
        path: "/api/v1/users/{id}/agency",
        access: may(&[Permission::ManageAllUsers]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/connections",
        access: may(&[Permission::ManageConnections]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "post",
        path: "/api/v1/connections/{id}",
        access: may(&[Permission::ManageConnections]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/connections/preferences",
        access: may(&[Permission::ViewAccounts]),
        rule_may_refuse: true,
    },
    RouteSpec {
        method: "put",
        path: "/api/v1/connections/preferences",
        access: may(&[Permission::ManageConnections]),
        rule_may_refuse: false,
    },
    RouteSpec {
        method: "get",
        path: "/api/v1/status-credentials/public-key",
        access: Access::Public,
        rule_may_refuse: false,
    },
];

/// Staff with a queue, and members (who see what their company owes); other staff who can see
/// accounts are refused by the use case.
pub const WORK_QUEUE_PERMISSIONS: &[Permission] = &[Permission::ViewWorkQueues, Permission::ViewAccounts];

/// Anyone who may take some membership step; which step a role may take is the use case's rule.
pub const MEMBERSHIP_STEP_PERMISSIONS: &[Permission] = tt_app::membership::STEP_PERMISSIONS;

/// Those who propose benefits or decide on proposals.
pub const PROPOSAL_PERMISSIONS: &[Permission] = &[Permission::ProposeBenefits, Permission::DecideBenefitProposals];

/// Those who file or decide benefit requests.
pub const REQUEST_PERMISSIONS: &[Permission] = tt_app::requests::REQUEST_PERMISSIONS;

/// The JSON API, with the OpenAPI document built from the same handler list.
#[must_use]
pub fn api_router() -> OpenApiRouter<WebState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(api::get_me))
        .routes(routes!(api::list_accounts, api::create_account))
        .routes(routes!(api::get_account, api::update_account))
        .routes(routes!(api::list_users, api::create_user))
        .routes(routes!(api::get_user))
        .routes(routes!(api::list_tokens))
        .routes(routes!(api::revoke_token))
        .routes(routes!(api::list_audit))
        .routes(routes!(api::get_policy))
        .routes(routes!(api::trade::get_kpis))
        .routes(routes!(api::trade::list_alerts))
        .routes(routes!(api::trade::review_alert))
        .routes(routes!(api::trade::list_cases))
        .routes(routes!(api::trade::record_case_outcome))
        .routes(routes!(api::trade::ingest))
        .routes(routes!(api::trade::screen))
        .routes(routes!(api::membership::get_membership))
        .routes(routes!(api::membership::record_step))
        .routes(routes!(api::membership::list_work))
        .routes(routes!(api::membership::list_notifications))
        .routes(routes!(api::membership::list_outbox))
        .routes(routes!(api::membership::migration_schedule))
        .routes(routes!(api::membership::team_load))
        .routes(routes!(api::membership::mark_notification_read))
        .routes(routes!(api::profile::get_profile, api::profile::change_profile))
        .routes(routes!(api::profile::upload_evidence))
        .routes(routes!(api::profile::download_evidence))
        .routes(routes!(api::validation::list_validations))
        .routes(routes!(api::validation::plan_validation))
        .routes(routes!(api::validation::get_validation, api::validation::change_validation))
        .routes(routes!(api::validation::report_pdf))
        .routes(routes!(api::questionnaire::list_questionnaires, api::questionnaire::send_questionnaire))
        .routes(routes!(api::questionnaire::get_questionnaire, api::questionnaire::change_questionnaire))
        .routes(routes!(api::benefits::levels_of_service))
        .routes(routes!(api::benefits::account_benefits))
        .routes(routes!(api::benefits::branding))
        .routes(routes!(api::benefits::reconciliation))
        .routes(routes!(api::benefits::random_exams))
        .routes(routes!(api::benefits::defender_kpis))
        .routes(routes!(api::benefits::defender_filers, api::benefits::authorize_filer))
        .routes(routes!(api::benefits::end_filer))
        .routes(routes!(api::benefits::list_request_kinds))
        .routes(routes!(api::benefits::list_requests))
        .routes(routes!(api::benefits::submit_request))
        .routes(routes!(api::benefits::get_request, api::benefits::change_request))
        .routes(routes!(api::benefits::renew_request))
        .routes(routes!(api::benefits::certificate_pdf))
        .routes(routes!(api::benefits::calculate_penalty))
        .routes(routes!(api::benefits::request_kpis))
        .routes(routes!(api::benefits::program_dashboard))
        .routes(routes!(api::benefits::member_dashboard))
        .routes(routes!(api::benefits::annual_report))
        .routes(routes!(api::benefits::list_proposals, api::benefits::propose_benefit))
        .routes(routes!(api::benefits::change_proposal))
        .routes(routes!(api::criteria::list_catalogues))
        .routes(routes!(api::criteria::get_catalogue, api::criteria::publish_catalogue))
        .routes(routes!(api::credentials::list_credentials, api::credentials::issue_credential))
        .routes(routes!(api::credentials::revoke_credential))
        .routes(routes!(api::credentials::verify_credential))
        .routes(routes!(api::credentials::public_key))
        .routes(routes!(api::connections::list_connections, api::connections::request_connection))
        .routes(routes!(api::connections::answer_connection))
        .routes(routes!(api::connections::get_preferences, api::connections::set_preferences))
        .routes(routes!(api::agencies::list_agencies))
        .routes(routes!(api::agencies::get_consents, api::agencies::change_consent))
        .routes(routes!(api::agencies::set_liaison_agency))
        .routes(routes!(api::agencies::list_actions, api::agencies::add_action))
        .routes(routes!(api::agencies::change_action))
        .routes(routes!(api::mutual_recognition::list_arrangements))
        .routes(routes!(api::mutual_recognition::import_operators))
        .routes(routes!(api::mutual_recognition::find_operator))
        .routes(routes!(api::mutual_recognition::record_evidence))
        .routes(routes!(api::policies::list_policies, api::policies::publish_policy))
        .routes(routes!(api::policies::get_policy))
        .routes(routes!(api::policies::comment))
        .routes(routes!(api::policies::dispose))
        .routes(routes!(api::forced_labor::import_watch_list))
        .routes(routes!(api::forced_labor::get_supply_chain, api::forced_labor::add_supplier))
        .routes(routes!(api::forced_labor::list_hits))
        .routes(routes!(api::forced_labor::review_hit))
        .routes(routes!(api::forced_labor::list_allegations, api::forced_labor::take_in_allegation))
        .routes(routes!(api::forced_labor::change_allegation))
}

/// Operational routes: liveness, readiness, metrics, the stylesheet.
fn operations_router() -> Router<WebState> {
    Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .route("/metrics", axum::routing::get(metrics))
        .route("/assets/site.css", axum::routing::get(stylesheet))
}

/// The whole application as one router.
pub fn router(state: WebState) -> Router {
    let (api, document) = api_router().split_for_parts();
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", document);
    Router::new()
        .merge(page_router())
        .merge(operations_router())
        .merge(api)
        .merge(swagger)
        .fallback(not_found)
        // Uploads (evidence, entry files, criteria) up to 64 MiB; each use case enforces its own
        // smaller limit (evidence: `app.evidence_max_bytes`), and forms read at most 256 KiB.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_context))
        .with_state(state)
}

async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(tt_app::AppError::NotFound).into_response()
    } else {
        error_page(StatusCode::NOT_FOUND, "There is no page at this address.".to_owned())
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<WebState>) -> Response {
    match state.app.check_ready().await {
        Ok(()) => "ready\n".into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<WebState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../assets/site.css"),
    )
        .into_response()
}
