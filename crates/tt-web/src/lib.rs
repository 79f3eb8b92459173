//! The HTTP surface of Trusted Trader: server-rendered pages, the `/api/v1` JSON API with its
//! OpenAPI document, and the operational endpoints.
//!
//! Handlers translate HTTP into calls on [`tt_app::App`] and back; they hold no business rules
//! and no SQL. Every route is listed in [`routes`].

pub mod api;
pub mod charts;
pub mod error;
pub mod export;
pub mod extractors;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod routes;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use routes::router;

/// Settings of the web layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSettings {
    /// Mark cookies `Secure` (sent over HTTPS only). Turn off only for plain-HTTP development.
    pub secure_cookies: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self { secure_cookies: true }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub app: tt_app::App,
    pub settings: WebSettings,
    pub metrics: Arc<middleware::Metrics>,
}

impl WebState {
    #[must_use]
    pub fn new(app: tt_app::App, settings: WebSettings) -> Self {
        Self { app, settings, metrics: Arc::new(middleware::Metrics::default()) }
    }
}
