//! The HTTP surface through the real router: authorization on every route for every role,
//! bad input, the OpenAPI document, pages and operations.

mod agencies;
mod authorization;
mod bad_input;
mod benefits;
mod connections;
mod credentials;
mod criteria;
mod forced_labor;
mod membership;
mod mutual_recognition;
mod openapi;
mod pages;
mod policies;
mod questionnaire;
mod security_profile;
mod validation;
