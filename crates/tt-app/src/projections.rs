//! Read models kept in memory between requests. Each is computed from the histories and reused
//! while nothing has been recorded since — the audit trail's head has not moved, and every
//! change is in the audit trail, whichever process made it — and the day has not changed.
//! A projection is never edited: a new head or a new day computes it again.
//!
//! Two kinds: a current projection (work queues, due dates) is computed again within the
//! request that finds it out of date. A dashboard projection (KPIs over millions of entries) is
//! computed again in the background; the request waits for it up to
//! `dashboard_wait_milliseconds` and otherwise answers with the previous figures, marked in their
//! lineage as computed before the latest changes — so a figure never changes silently, and a
//! dashboard never waits minutes because someone recorded a step.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::{Date, OffsetDateTime};
use tokio::sync::watch;

use crate::{App, AppError, AppResult};

/// What a projection was computed from: the audit head and the day (the name carries its own
/// parameters). Later stamps compare greater.
type Stamp = (i64, Date);

/// A kept value of any projection's type.
type Kept = Arc<dyn Any + Send + Sync>;

/// How a background computation ended, for the requests waiting on it (`None` while running).
type Outcome = Option<Result<(), String>>;

/// A projection's kept value and the computation under way, if any.
#[derive(Default)]
struct Slot {
    kept: Option<(Stamp, Kept, OffsetDateTime)>,
    computing: Option<(Stamp, watch::Receiver<Outcome>)>,
}

/// The kept projections, by name (a name includes its parameters, e.g. a fiscal year).
pub struct Projections {
    slots: Mutex<HashMap<String, Slot>>,
    /// Held by a computation a request started, and by a warming pass: one at a time, so that
    /// on a machine of few cores recomputing never takes every worker thread from the requests
    /// being answered.
    computation: Arc<tokio::sync::Semaphore>,
}

impl Default for Projections {
    fn default() -> Self {
        Self { slots: Mutex::default(), computation: Arc::new(tokio::sync::Semaphore::new(1)) }
    }
}

impl std::fmt::Debug for Projections {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.slots.lock().map_or(0, |slots| slots.len());
        formatter.debug_struct("Projections").field("kept", &count).finish()
    }
}

/// A projection's value, when it was computed, and whether changes have been recorded since
/// (a dashboard projection being computed again).
#[derive(Debug)]
pub struct Projected<T> {
    pub value: Arc<T>,
    pub computed_at: OffsetDateTime,
    pub behind: bool,
}

impl<T> Projected<T> {
    /// The lineage line of a value computed before the latest changes, if it is one.
    #[must_use]
    pub fn behind_note(&self) -> Option<String> {
        self.behind.then(|| {
            format!(
                "Being recomputed: these figures were computed at {}, before the latest recorded changes; reload shortly for figures that include them",
                moment(self.computed_at)
            )
        })
    }

    /// Adds the note of a value computed before the latest changes to its `lineage`, after the
    /// line saying when it was computed.
    pub fn mark_behind(&self, lineage: &mut Vec<String>) {
        if let Some(note) = self.behind_note() {
            lineage.insert(1.min(lineage.len()), note);
        }
    }
}

/// A read model whose lineage says when and from what it was computed.
pub trait WithLineage: Clone {
    fn lineage_mut(&mut self) -> &mut Vec<String>;
}

impl<T: WithLineage> Projected<T> {
    /// The value, its lineage noting when it was computed before the latest changes.
    #[must_use]
    pub fn marked(&self) -> T {
        let mut value = self.value.as_ref().clone();
        self.mark_behind(value.lineage_mut());
        value
    }
}

/// A moment to the second, in UTC, as lineage shows it.
#[must_use]
pub fn moment(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}:{:02} UTC", at.date(), at.hour(), at.minute(), at.second())
}

/// Audit actions that change no data (sign-ins, reads, exports): they leave projections kept.
const NOT_CHANGES: &[&str] = &["session.", "account.read", "audit.export"];

/// At most this many projections are kept: one per dashboard, fiscal year or period asked, and
/// per staff member's workload and member's own KPIs in use.
const MAX_KEPT: usize = 4096;

tokio::task_local! {
    /// Set while a projection is computed or warmed: the projections it reads must be current,
    /// since a figure computed from a stale one would carry no mark of it.
    static CURRENT_ONLY: ();
}

impl App {
    /// Computes the dashboards' projections ahead of the first request after a change: the
    /// program dashboard for today, the benefits dashboard's default period (the twelve months
    /// to today) and the current fiscal year's annual report. Those already kept cost one read
    /// of the audit head each, so a pass with nothing changed is cheap.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn warm_projections(&self) -> AppResult<()> {
        // Under the same permit as requested computations: one computation at a time in all.
        let _permit = self.projections.computation.acquire().await.ok();
        CURRENT_ONLY
            .scope((), async {
                let system = crate::Actor::system("system:warm");
                let today = self.clock.now().date();
                self.program_dashboard(&system, None).await?;
                let from = tt_domain::calendar::add_months(today, -12);
                self.request_kpis(&system, from, today).await?;
                self.defender_kpis(&system, from, today).await?;
                self.benefit_trends(&system, from, today).await?;
                let fiscal_year = if u8::from(today.month()) >= 10 { today.year() + 1 } else { today.year() };
                self.annual_report(&system, fiscal_year).await?;
                Ok(())
            })
            .await
    }

    /// The stamp of anything computed now.
    async fn stamp(&self) -> AppResult<Stamp> {
        Ok((self.store.audit_head(NOT_CHANGES).await?, self.clock.now().date()))
    }

    /// The current projection `name`: kept if computed since the last recorded change today,
    /// else computed by `compute`, within this request, and kept.
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
        let stamp = self.stamp().await?;
        if let Some(kept) = self.kept::<T>(name, stamp) {
            return Ok(kept);
        }
        let computed_at = self.clock.now();
        let value = Arc::new(compute().await?);
        self.keep(name, stamp, Arc::clone(&value) as Kept, computed_at);
        Ok(value)
    }

    /// The dashboard projection `name`: kept if current; else computed in the background by
    /// `compute`, waited for up to the configured time when earlier figures exist (which are
    /// answered, marked as behind, if it takes longer) and without limit when none do. While
    /// another projection is computed from it, or while warming, it is read current: kept, or
    /// computed within that task (which never waits for a queued computation, so none waits
    /// for itself).
    ///
    /// # Errors
    /// When reading the audit head or computing fails.
    pub(crate) async fn dashboard_projection<T, Compute, Computing>(
        &self,
        name: String,
        compute: Compute,
    ) -> AppResult<Projected<T>>
    where
        T: Send + Sync + 'static,
        Compute: FnOnce(Self) -> Computing + Clone + Send + 'static,
        Computing: std::future::Future<Output = AppResult<T>> + Send + 'static,
    {
        if CURRENT_ONLY.try_with(|()| ()).is_ok() {
            let value = self.projection(&name, || compute(self.clone())).await?;
            let computed_at = self.kept_at(&name).unwrap_or_else(|| self.clock.now());
            return Ok(Projected { value, computed_at, behind: false });
        }
        let deadline =
            tokio::time::Instant::now() + std::time::Duration::from_millis(self.settings.dashboard_wait_milliseconds);
        loop {
            let stamp = self.stamp().await?;
            let (mut finished, earlier) = {
                let mut slots = self.projections.slots.lock().map_err(|_| poisoned())?;
                let slot = slots.entry(name.clone()).or_default();
                if let Some((kept_stamp, value, computed_at)) = &slot.kept
                    && *kept_stamp >= stamp
                    && let Ok(value) = Arc::clone(value).downcast::<T>()
                {
                    return Ok(Projected { value, computed_at: *computed_at, behind: false });
                }
                // One computation per projection at a time: while one runs, even as of an
                // earlier change, requests wait for it (or answer the earlier figures) rather
                // than start another over the same millions of entries.
                let running = slot
                    .computing
                    .as_ref()
                    .filter(|(_, receiver)| receiver.has_changed().is_ok())
                    .map(|(_, receiver)| receiver.clone());
                let receiver = match running {
                    Some(receiver) => receiver,
                    None => {
                        let receiver = self.compute_in_background(&name, stamp, compute.clone());
                        slot.computing = Some((stamp, receiver.clone()));
                        receiver
                    }
                };
                let earlier = slot.kept.as_ref().and_then(|(_, value, computed_at)| {
                    let value = Arc::clone(value).downcast::<T>().ok()?;
                    Some(Projected { value, computed_at: *computed_at, behind: true })
                });
                (receiver, earlier)
            };
            let waiting = async {
                let outcome = finished.wait_for(Option::is_some).await.map_err(|_| stopped())?.clone();
                outcome.unwrap_or(Ok(())).map_err(|message| AppError::Internal(anyhow::anyhow!(message)))
            };
            match earlier {
                // Out of time (or told not to wait): the earlier figures, without a look at
                // whether the new ones happen to be ready.
                Some(earlier) if tokio::time::Instant::now() >= deadline => return Ok(earlier),
                Some(earlier) => match tokio::time::timeout_at(deadline, waiting).await {
                    Ok(outcome) => outcome?,
                    Err(_) => return Ok(earlier),
                },
                None => waiting.await?,
            }
            // The computation waited for may have been as of an earlier change: the next round
            // finds the value current, or computes it as of now.
        }
    }

    /// Starts computing `name` as of `stamp` in a task of its own, which keeps the value (unless
    /// a later one is kept already) and tells the receiver how it ended.
    fn compute_in_background<T, Compute, Computing>(
        &self,
        name: &str,
        stamp: Stamp,
        compute: Compute,
    ) -> watch::Receiver<Outcome>
    where
        T: Send + Sync + 'static,
        Compute: FnOnce(Self) -> Computing + Send + 'static,
        Computing: std::future::Future<Output = AppResult<T>> + Send + 'static,
    {
        let (sender, receiver) = watch::channel(None);
        let app = self.clone();
        let name = name.to_owned();
        let runtime = tokio::runtime::Handle::current();
        tokio::spawn(async move {
            // The permit first, waiting as a task: queued computations hold no thread.
            let permit = Arc::clone(&app.projections.computation).acquire_owned().await.ok();
            let outcome = if app.kept::<T>(&name, stamp).is_some() {
                // Kept while this waited (by warming, or a request computing inline): done.
                Ok(())
            } else {
                let (worker, label) = (app.clone(), name.clone());
                // On a blocking-pool thread of its own: the computation's long loops over
                // millions of rows never hold one of the async workers that answer requests.
                let computed = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    runtime.block_on(CURRENT_ONLY.scope((), async move {
                        let computed_at = worker.clock.now();
                        match compute(worker.clone()).await {
                            Ok(value) => {
                                worker.keep(&label, stamp, Arc::new(value) as Kept, computed_at);
                                Ok(())
                            }
                            Err(error) => {
                                tracing::warn!(projection = %label, error = %error, "could not compute a dashboard");
                                Err(error.to_string())
                            }
                        }
                    }))
                })
                .await;
                computed.unwrap_or_else(|error| Err(format!("the computation stopped: {error}")))
            };
            if let Ok(mut slots) = app.projections.slots.lock()
                && let Some(slot) = slots.get_mut(&name)
                && slot.computing.as_ref().is_some_and(|(running_stamp, _)| *running_stamp == stamp)
            {
                slot.computing = None;
            }
            sender.send_replace(Some(outcome));
        });
        receiver
    }

    /// When the value kept under `name` was computed.
    fn kept_at(&self, name: &str) -> Option<OffsetDateTime> {
        Some(self.projections.slots.lock().ok()?.get(name)?.kept.as_ref()?.2)
    }

    /// The value kept under `name` if it has type `T` and was computed as of `stamp` or later.
    fn kept<T: Send + Sync + 'static>(&self, name: &str, stamp: Stamp) -> Option<Arc<T>> {
        let slots = self.projections.slots.lock().ok()?;
        let (kept_stamp, value, _) = slots.get(name)?.kept.as_ref()?;
        Arc::clone(value).downcast::<T>().ok().filter(|_| *kept_stamp >= stamp)
    }

    /// Keeps `value` as `name` as of `stamp`, unless a value as of a later stamp is kept.
    fn keep(&self, name: &str, stamp: Stamp, value: Kept, computed_at: OffsetDateTime) {
        let Ok(mut slots) = self.projections.slots.lock() else { return };
        if slots.len() >= MAX_KEPT && !slots.contains_key(name) {
            // Out-of-date ones go first; if all are current, any one not being computed makes room.
            slots.retain(|_, slot| slot.computing.is_some() || slot.kept.as_ref().is_some_and(|kept| kept.0 >= stamp));
            if slots.len() >= MAX_KEPT
                && let Some(any) = slots.iter().find(|(_, slot)| slot.computing.is_none()).map(|(key, _)| key.clone())
            {
                slots.remove(&any);
            }
        }
        let slot = slots.entry(name.to_owned()).or_default();
        if slot.kept.as_ref().is_none_or(|(kept_stamp, _, _)| *kept_stamp <= stamp) {
            slot.kept = Some((stamp, value, computed_at));
        }
    }
}

fn poisoned() -> AppError {
    AppError::Internal(anyhow::anyhow!("the kept projections were left inconsistent by a panic"))
}

fn stopped() -> AppError {
    AppError::Internal(anyhow::anyhow!("a dashboard's computation stopped before it finished"))
}
