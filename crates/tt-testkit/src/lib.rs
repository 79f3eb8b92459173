//! Test support shared by every crate's integration tests: a fresh database per test on either
//! backend, fakes for the clock and mail, the storage contract suite, and [`TestApp`], which runs
//! the real router on a fresh database.
//!
//! Tests run on SQLite unless `TT_TEST_DATABASE_URL` names a PostgreSQL server, in which case
//! each test gets its own new database on it.

pub mod contract;
pub mod database;
pub mod fakes;
pub mod pdf;
pub mod smtp;
pub mod test_app;

pub use database::TestDatabase;
pub use fakes::{MovableClock, RecordingMailer};
pub use test_app::{TestApp, TestClient, TestResponse};
