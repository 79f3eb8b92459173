//! Read models kept in memory between requests. Each is computed from the histories and reused
//! while nothing has been recorded since — the audit trail's head has not moved, and every
//! change is in the audit trail, whichever process made it — and the day has not changed.
//! A projection is never edited: a new head or a new day computes it again.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::Date;

use crate::{App, AppResult};

/// What a projection was computed from: the audit head and the day (the name carries its own
/// parameters).
type Stamp = (i64, Date);

/// A kept value of any projection's type.
type Kept = Arc<dyn Any + Send + Sync>;

/// The kept projections, by name (a name includes its parameters, e.g. a fiscal year).
#[derive(Default)]
pub struct Projections {
    kept: Mutex<HashMap<String, (Stamp, Kept)>>,
}

impl std::fmt::Debug for Projections {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.kept.lock().map_or(0, |kept| kept.len());
        formatter.debug_struct("Projections").field("kept", &count).finish()
    }
}

/// Audit actions that change no data (sign-ins, reads, exports): they leave projections kept.
const NOT_CHANGES: &[&str] = &["session.", "account.read", "audit.export"];

/// At most this many projections are kept: one per dashboard, fiscal year or period asked, and
/// per staff member's workload and member's own KPIs in use.
const MAX_KEPT: usize = 4096;

impl App {
    /// Computes the dashboards' projections ahead of the first request after a change: the
    /// program dashboard for today, the benefits dashboard's default period (the twelve months
    /// to today) and the current fiscal year's annual report. Those already kept cost one read
    /// of the audit head each, so a pass with nothing changed is cheap.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn warm_projections(&self) -> AppResult<()> {
        let system = crate::Actor::system("system:warm");
        let today = self.clock.now().date();
        self.program_dashboard(&system, None).await?;
        let from = tt_domain::calendar::add_months(today, -12);
        self.request_kpis(&system, from, today).await?;
        self.defender_kpis(&system, from, today).await?;
        self.benefit_trends(&system, from, today).await?;
        let fiscal_year = if u8::from(today.month()) >= 10 { today.year() + 1 } else { today.year() };
        self.annual_report(&system, fiscal_year, &mut |_, _| {}).await?;
        Ok(())
    }

    /// The projection `name` as of now: kept if computed since the last recorded change today,
    /// else computed by `compute` and kept.
    ///
    /// # Errors
    /// When reading the audit head or computing fails.
    pub(crate) async fn projection<T, Compute, Computing>(&self, name: &str, compute: Compute) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        Compute: FnOnce() -> Computing,
        Computing: std::future::Future<Output = AppResult<T>>,
    {
        // Read before computing: a change recorded while computing moves the head, so the next
        // request computes again rather than keeping a value stamped too late.
        let stamp = (self.store.audit_head(NOT_CHANGES).await?, self.clock.now().date());
        if let Ok(kept) = self.projections.kept.lock()
            && let Some((kept_stamp, value)) = kept.get(name)
            && *kept_stamp == stamp
            && let Ok(value) = Arc::clone(value).downcast::<T>()
        {
            return Ok(value);
        }
        let value = Arc::new(compute().await?);
        if let Ok(mut kept) = self.projections.kept.lock() {
            if kept.len() >= MAX_KEPT {
                // Stale ones go first; if all are current, any one makes room.
                kept.retain(|_, (kept_stamp, _)| *kept_stamp == stamp);
                if let Some(any) = kept.keys().next().cloned().filter(|_| kept.len() >= MAX_KEPT) {
                    kept.remove(&any);
                }
            }
            kept.insert(name.to_owned(), (stamp, Arc::clone(&value) as Kept));
        }
        Ok(value)
    }
}
