//! The program dashboard: members by tier and Trade Compliance over the last twelve months and
//! by business type on the day asked, and — for today — the application pipeline by state, what
//! is due and overdue by kind, and the viewer's team workload; every figure derived from the
//! histories, never stored.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use std::sync::Arc;
use time::Date;
use tt_domain::calendar::add_months;
use tt_domain::lifecycle::SecurityState;
use tt_domain::membership::{CtpatValue, Standing, Timeline};

use tt_domain::{Account, AccountId};
use utoipa::ToSchema;

use crate::membership::LoadRow;
use crate::projections::Projected;
use crate::{Actor, App, AppResult, Permission};

/// Counts by month: one series per line of a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MonthlySeries {
    /// `YYYY-MM`, oldest first.
    pub months: Vec<String>,
    pub series: Vec<Series>,
}

/// One named series of counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// A table of counts: rows by label, one column each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CountTable {
    pub columns: Vec<String>,
    pub rows: Vec<Series>,
}

/// The program dashboard on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgramDashboard {
    pub on: String,
    /// Certified members by tier, and Trade Compliance members, at each month's end (the last
    /// month at `on`).
    pub members_over_time: MonthlySeries,
    /// Members by business type and standing on `on`.
    pub members_by_business_type: CountTable,
    /// Suspensions, removals, appeals filed and appeals decided (reversed, upheld) taking
    /// effect in each of the twelve months up to `on`, from the membership histories (withdrawn
    /// steps not counted).
    pub suspensions_removals_appeals: MonthlySeries,
    /// Accounts by CTPAT security state, with the oldest application's age in days for states
    /// before certification, and how many are past the 90-day certification clock.
    pub security_pipeline: CountTable,
    /// Accounts by Trade Compliance state.
    pub trade_compliance_pipeline: CountTable,
    /// Owed dates by kind: overdue, due within 90 days.
    pub due: CountTable,
    /// Each staff member's items: overdue, due within 30 days, later (the viewer's team; empty
    /// for those without a work queue).
    #[schema(value_type = Vec<Object>)]
    pub workload: Vec<LoadRow>,
    /// Whether `on` is today: the pipelines, due dates and workload are today's states, so they
    /// are shown only for today (empty for another day).
    pub current: bool,
    /// Where the figures come from.
    pub lineage: Vec<String>,
}

const fn tier_column(standing: Standing) -> usize {
    match standing.ctpat {
        CtpatValue::None => 0,
        CtpatValue::T1 => 1,
        CtpatValue::T2 => 2,
        CtpatValue::T3 => 3,
    }
}

/// The last day of the month `date` is in.
fn month_end(date: Date) -> Date {
    let first = date.replace_day(1).unwrap_or(date);
    add_months(first, 1) - time::Duration::days(1)
}

impl App {
    /// The program dashboard on `day` (today by default).
    ///
    /// # Errors
    /// `Forbidden` without access to program data.
    pub async fn program_dashboard(&self, actor: &Actor, day: Option<Date>) -> AppResult<ProgramDashboard> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        let on = day.unwrap_or_else(|| self.clock.now().date());
        // The pipelines, due dates and workload come from today's replay of the histories: they
        // are shown for today only rather than labelled with another day.
        let current = on == self.clock.now().date();
        let who = actor.user.as_ref().map_or_else(|| "nobody".to_owned(), |user| user.id.to_string());
        let workload_actor = actor.clone();
        // Together, so that after a change the waits for the four overlap rather than add up.
        let (members, enforcement, today, workload) = tokio::try_join!(
            self.dashboard_projection(format!("program_members:{on}"), move |app| async move {
                app.program_members(on).await
            }),
            self.dashboard_projection(format!("program_enforcement:{on}"), move |app| async move {
                app.suspensions_removals_appeals(on).await
            }),
            async {
                if current {
                    let today = self.dashboard_projection(format!("program_today:{on}"), move |app| async move {
                        app.program_today(on).await
                    });
                    Ok(Some(today.await?))
                } else {
                    Ok(None)
                }
            },
            async {
                if current {
                    let rows = self.dashboard_projection(format!("workload:{who}"), move |app| async move {
                        match app.team_load(&workload_actor).await {
                            // Someone without a team sees no workload table.
                            Err(crate::AppError::Forbidden(_)) => Ok(Vec::new()),
                            rows => rows,
                        }
                    });
                    Ok(Some(rows.await?))
                } else {
                    Ok(None)
                }
            },
        )?;
        let (members_over_time, members_by_business_type, account_count) = members.value.as_ref().clone();
        let (security_pipeline, trade_compliance_pipeline, due) =
            today.as_ref().map(|today| today.value.as_ref().clone()).unwrap_or_default();
        let computed_at = [Some(members.computed_at), Some(enforcement.computed_at)]
            .into_iter()
            .chain([today.as_ref().map(|today| today.computed_at), workload.as_ref().map(|rows| rows.computed_at)])
            .flatten()
            .min()
            .unwrap_or(members.computed_at);
        let behind = members
            .behind_note()
            .or_else(|| enforcement.behind_note())
            .or_else(|| today.as_ref().and_then(Projected::behind_note))
            .or_else(|| workload.as_ref().and_then(Projected::behind_note));
        let workload = workload.map(|rows| rows.value.as_ref().clone()).unwrap_or_default();
        Ok(ProgramDashboard {
            on: on.to_string(),
            members_over_time,
            members_by_business_type,
            suspensions_removals_appeals: enforcement.value.as_ref().clone(),
            security_pipeline,
            trade_compliance_pipeline,
            due,
            workload,
            current,
            lineage: [
                Some(format!(
                    "Computed at {} (kept until the next recorded change)",
                    crate::projections::moment(computed_at)
                )),
                behind,
                Some(format!(
                    "Members from the standing histories of {} accounts (imported and recorded status events, append-only) as they stood on each day; {}",
                    account_count,
                    if current {
                        format!(
                            "pipelines, due dates and workload from each account's membership history replayed on {on}"
                        )
                    } else {
                        "pipelines, due dates and workload are shown for today only".to_owned()
                    }
                )),
            ]
            .into_iter()
            .flatten()
            .collect(),
        })
    }

    /// Every account with its standing timeline (from the imported and recorded status
    /// events), kept until the next recorded change or day.
    pub(crate) async fn standing_timelines(&self) -> AppResult<Arc<Vec<(Account, Timeline)>>> {
        self.projection("standing_timelines", || async {
            let accounts = self.store.list_accounts().await?;
            let mut events: HashMap<AccountId, Vec<tt_domain::membership::StatusEvent>> = HashMap::new();
            for (account_id, sourced) in self.store.sourced_status_events(None).await? {
                events.entry(account_id).or_default().push(sourced.event);
            }
            Ok(accounts
                .into_iter()
                .map(|account| {
                    let timeline = Timeline::new(events.remove(&account.id).unwrap_or_default());
                    (account, timeline)
                })
                .collect())
        })
        .await
    }

    /// Today's pipelines and due dates: accounts by CTPAT security and Trade Compliance state,
    /// and owed dates by kind, from every account's membership replayed today.
    async fn program_today(&self, on: Date) -> AppResult<(CountTable, CountTable, CountTable)> {
        let replayed = self.replay_accounts().await?;
        let mut security: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let mut trade_compliance: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
        for (_, membership) in replayed.iter() {
            let row = security.entry(membership.security.label()).or_insert_with(|| vec![0, 0, 0]);
            row[0] += 1;
            if matches!(membership.security, SecurityState::Applicant | SecurityState::Approved)
                && let Some(applied) = membership.applied_on
            {
                let age = (on - applied).whole_days();
                row[1] = row[1].max(age);
                if age > tt_domain::lifecycle::statute::CERTIFICATION_TARGET_DAYS {
                    row[2] += 1;
                }
            }
            trade_compliance.entry(membership.trade_compliance.label()).or_insert_with(|| vec![0])[0] += 1;
        }
        let security_pipeline = CountTable {
            columns: ["Accounts", "Oldest application (days)", "Past the 90-day certification clock"]
                .map(str::to_owned)
                .to_vec(),
            rows: security.into_iter().map(|(name, values)| Series { name, values }).collect(),
        };
        let trade_compliance_pipeline = CountTable {
            columns: vec!["Accounts".to_owned()],
            rows: trade_compliance.into_iter().map(|(name, values)| Series { name: name.to_owned(), values }).collect(),
        };

        let mut due: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let due_items = self.all_due_items().await?;
        for item in due_items.iter() {
            let kind = item.due.key.split(':').next().unwrap_or_default().replace('_', " ");
            let row = due.entry(kind).or_insert_with(|| vec![0, 0]);
            let days_left = (item.due.date - on).whole_days();
            if days_left < 0 {
                row[0] += 1;
            } else if days_left <= 90 {
                row[1] += 1;
            }
        }
        let due = CountTable {
            columns: vec!["Overdue".to_owned(), "Due within 90 days".to_owned()],
            rows: due.into_iter().map(|(name, values)| Series { name, values }).collect(),
        };
        Ok((security_pipeline, trade_compliance_pipeline, due))
    }

    /// Suspensions, removals and appeals by the month they took effect, for the twelve months
    /// up to `on`.
    async fn suspensions_removals_appeals(&self, on: Date) -> AppResult<MonthlySeries> {
        use tt_domain::lifecycle::Step;
        let first = add_months(on.replace_day(1).unwrap_or(on), -11);
        let months: Vec<Date> = (0..12).map(|index| add_months(first, index)).collect();
        let names = ["Suspensions", "Removals", "Appeals filed", "Appeals reversed", "Appeals upheld"];
        let mut series: Vec<Series> =
            names.iter().map(|name| Series { name: (*name).to_owned(), values: vec![0; months.len()] }).collect();
        for (_, events) in self.store.all_membership_events().await? {
            let withdrawn = tt_domain::lifecycle::withdrawn_steps(&events);
            for event in events.iter().filter(|event| !withdrawn.contains(&event.sequence)) {
                let column = match event.step {
                    Step::Suspended { .. } => 0,
                    Step::Removed { .. } => 1,
                    Step::AppealFiled { .. } => 2,
                    Step::AppealDecided { reversed: true } => 3,
                    Step::AppealDecided { reversed: false } => 4,
                    _ => continue,
                };
                let day = event.effective_date;
                if day < first || day > on {
                    continue;
                }
                if let Some(index) = months.iter().rposition(|month| *month <= day) {
                    series[column].values[index] += 1;
                }
            }
        }
        Ok(MonthlySeries {
            months: months.iter().map(|day| format!("{:04}-{:02}", day.year(), u8::from(day.month()))).collect(),
            series,
        })
    }

    /// Members by tier at twelve month-ends up to `on`, and by business type on `on`, with the
    /// number of accounts counted.
    async fn program_members(&self, on: Date) -> AppResult<(MonthlySeries, CountTable, usize)> {
        let timelines = self.standing_timelines().await?;
        // Twelve month ends, the last one being `on` itself.
        let days: Vec<Date> =
            (0..12).rev().map(|back| if back == 0 { on } else { month_end(add_months(on, -back)) }).collect();
        let mut series: Vec<Series> = ["Tier I", "Tier II", "Tier III", "Trade Compliance"]
            .iter()
            .map(|name| Series { name: (*name).to_owned(), values: vec![0; days.len()] })
            .collect();
        for (_, timeline) in timelines.iter() {
            for (index, day) in days.iter().enumerate() {
                let standing = timeline.standing_on(*day);
                match tier_column(standing) {
                    0 => {}
                    column => series[column - 1].values[index] += 1,
                }
                if standing.trade_compliance && matches!(standing.ctpat, CtpatValue::T2 | CtpatValue::T3) {
                    series[3].values[index] += 1;
                }
            }
        }
        let members_over_time = MonthlySeries {
            months: days.iter().map(|day| format!("{:04}-{:02}", day.year(), u8::from(day.month()))).collect(),
            series,
        };

        let mut by_type: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
        for (account, timeline) in timelines.iter() {
            let standing = timeline.standing_on(on);
            let row = by_type.entry(account.business_type.label()).or_insert_with(|| vec![0; 5]);
            row[tier_column(standing)] += 1;
            if standing.trade_compliance && matches!(standing.ctpat, CtpatValue::T2 | CtpatValue::T3) {
                row[4] += 1;
            }
        }
        let members_by_business_type = CountTable {
            columns: ["Not certified", "Tier I", "Tier II", "Tier III", "Trade Compliance"].map(str::to_owned).to_vec(),
            rows: by_type.into_iter().map(|(name, values)| Series { name: name.to_owned(), values }).collect(),
        };

        Ok((members_over_time, members_by_business_type, timelines.len()))
    }
}

fn csv_of(header: &[String], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(|error| crate::AppError::Internal(error.into()))?;
    for row in rows {
        // A text cell a spreadsheet would run as a formula is written as text.
        let guarded = row.iter().map(|cell| {
            let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err();
            if formula { format!("'{cell}") } else { cell.clone() }
        });
        writer.write_record(guarded).map_err(|error| crate::AppError::Internal(error.into()))?;
    }
    writer.into_inner().map_err(|error| crate::AppError::Internal(anyhow::anyhow!("{error}")))
}

/// A cell that is a plain decimal number (`12`, `-3`, `2.50`), written to a spreadsheet as a
/// number; codes with leading zeros (`007`), dates and anything else stay text.
fn spreadsheet_number(cell: &str) -> Option<f64> {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = !whole.is_empty()
        && whole.bytes().all(|byte| byte.is_ascii_digit())
        && !fraction.is_empty()
        && fraction.bytes().all(|byte| byte.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'));
    if plain { cell.parse().ok() } else { None }
}

/// A spreadsheet with one sheet: the header in bold, plain numbers as numbers, the rest as text.
fn xlsx_of(sheet: &str, header: &[String], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let fail = |error: rust_xlsxwriter::XlsxError| crate::AppError::Internal(error.into());
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(fail)?;
    for (column, title) in header.iter().enumerate() {
        let column = u16::try_from(column).map_err(|error| crate::AppError::Internal(error.into()))?;
        worksheet.write_string_with_format(0, column, title, &bold).map_err(fail)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 1).map_err(|error| crate::AppError::Internal(error.into()))?;
        for (column, cell) in row.iter().enumerate() {
            let column = u16::try_from(column).map_err(|error| crate::AppError::Internal(error.into()))?;
            match spreadsheet_number(cell) {
                Some(number) => worksheet.write_number(line, column, number).map_err(fail)?,
                None => worksheet.write_string(line, column, cell).map_err(fail)?,
            };
        }
    }
    worksheet.autofit();
    workbook.save_to_buffer().map_err(fail)
}

/// How a table is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// # Errors
    /// For anything but `csv` or `xlsx`.
    pub fn parse(text: &str) -> Result<Self, tt_domain::ValidationError> {
        match text.trim() {
            "" | "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(tt_domain::ValidationError::new("format", format!("'{other}' is not csv or xlsx"))),
        }
    }

    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The table in this format.
    ///
    /// # Errors
    /// When the writer fails.
    pub fn write(self, sheet: &str, header: &[String], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
        match self {
            Self::Csv => csv_of(header, rows),
            Self::Xlsx => xlsx_of(sheet, header, rows),
        }
    }
}

/// A monthly series as a table: the month, then a column per series.
fn monthly_rows(monthly: &MonthlySeries) -> (Vec<String>, Vec<Vec<String>>) {
    let header =
        std::iter::once("Month".to_owned()).chain(monthly.series.iter().map(|series| series.name.clone())).collect();
    let rows = monthly
        .months
        .iter()
        .enumerate()
        .map(|(index, month)| {
            std::iter::once(month.clone())
                .chain(monthly.series.iter().map(|series| series.values[index].to_string()))
                .collect()
        })
        .collect();
    (header, rows)
}

/// A monthly series as a line chart for a PDF.
fn monthly_chart(title: &str, monthly: &MonthlySeries) -> crate::pdf::PdfChart {
    #[allow(clippy::cast_precision_loss)]
    let series = monthly
        .series
        .iter()
        .map(|series| (series.name.clone(), series.values.iter().map(|value| Some(*value as f64)).collect()))
        .collect();
    crate::pdf::PdfChart {
        title: title.to_owned(),
        kind: crate::pdf::ChartKind::Lines,
        categories: monthly.months.clone(),
        series,
        unit: String::new(),
    }
}

fn count_rows(table: &CountTable) -> (Vec<String>, Vec<Vec<String>>) {
    let header = std::iter::once(String::new()).chain(table.columns.iter().cloned()).collect();
    let rows = table
        .rows
        .iter()
        .map(|row| std::iter::once(row.name.clone()).chain(row.values.iter().map(ToString::to_string)).collect())
        .collect();
    (header, rows)
}

impl ProgramDashboard {
    /// The program summary as a PDF: the same charts, tables and lineage as the page.
    #[must_use]
    pub fn to_pdf(&self) -> Vec<u8> {
        use crate::pdf::PdfDocument;
        let title = format!("Program summary on {}", self.on);
        let mut document = PdfDocument::new(&title);
        document.title(&title).paragraph(
            "Every figure is derived from the append-only membership and standing histories; nothing here is stored or edited.",
        );
        let (header, rows) = monthly_rows(&self.members_over_time);
        document.heading("Members").chart(monthly_chart("Members at each month's end", &self.members_over_time));
        document.table(&header, &rows);
        let (header, rows) = monthly_rows(&self.suspensions_removals_appeals);
        document
            .heading("Suspensions, removals and appeals")
            .chart(monthly_chart("Suspensions, removals and appeals by month", &self.suspensions_removals_appeals))
            .table(&header, &rows);
        let mut tables = vec![("Members by business type", &self.members_by_business_type)];
        if self.current {
            tables.extend([
                ("CTPAT security pipeline", &self.security_pipeline),
                ("Trade Compliance pipeline", &self.trade_compliance_pipeline),
                ("Due and overdue, by kind", &self.due),
            ]);
        } else {
            document.paragraph("The pipelines, due dates and staff workload are today's: they are in today's summary.");
        }
        for (name, table) in tables {
            let (header, rows) = count_rows(table);
            document.heading(name);
            if rows.is_empty() {
                document.paragraph("None.");
            } else {
                document.table(&header, &rows);
            }
        }
        if self.current && !self.workload.is_empty() {
            document.heading("Staff workload").table(
                &["Staff", "Overdue", "Due within 30 days", "Later"].map(str::to_owned),
                &self
                    .workload
                    .iter()
                    .map(|row| {
                        vec![
                            row.staff.clone(),
                            row.overdue.to_string(),
                            row.due_soon.to_string(),
                            row.upcoming.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
        }
        document.heading("Where the numbers come from");
        for line in &self.lineage {
            document.paragraph(line);
        }
        document.to_bytes()
    }
}

/// Member against non-member, month by month: the trade-data KPIs by group of entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BenefitTrends {
    pub from: String,
    pub to: String,
    /// Exam rate in hundredths of a percent (2.50% is 250), one series per group.
    pub exam_rate: MonthlySeries,
    pub random_exams: MonthlySeries,
    /// Mean hold in hundredths of an hour.
    pub mean_hold_hours: MonthlySeries,
    pub median_release_days: MonthlySeries,
    /// Where the figures come from.
    pub lineage: Vec<String>,
}

impl App {
    /// The KPIs of entries dated `from..=to` by month and group (tier, Trade Compliance,
    /// non-members), as the engine computes them, arranged as chart series.
    ///
    /// # Errors
    /// `Forbidden` without access to program data; `Invalid` when `to` is before `from`.
    pub async fn benefit_trends(&self, actor: &Actor, from: Date, to: Date) -> AppResult<BenefitTrends> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        if to < from {
            return Err(crate::AppError::invalid("to", "is before from"));
        }
        Ok(self
            .dashboard_projection(format!("benefit_trends:{from}:{to}"), move |app| async move {
                app.compute_benefit_trends(from, to).await
            })
            .await?
            .marked())
    }

    async fn compute_benefit_trends(&self, from: Date, to: Date) -> AppResult<BenefitTrends> {
        let system = Actor::system("system:dashboard");
        let rows = self
            .kpis(&system, from, to, crate::trade::KpiGrouping { month: true, group: true, account: false })
            .await?;
        let mut months: Vec<String> = rows.iter().filter_map(|row| row.month.clone()).collect();
        months.sort();
        months.dedup();
        let mut groups: Vec<tt_domain::membership::Group> = rows.iter().filter_map(|row| row.group).collect();
        groups.sort_by_key(|group| (group.tier, group.trade_compliance));
        groups.dedup();
        let label = |group: tt_domain::membership::Group| {
            let tier = match group.tier {
                tt_domain::membership::Tier::T1 => "Tier I",
                tt_domain::membership::Tier::T2 => "Tier II",
                tt_domain::membership::Tier::T3 => "Tier III",
                tt_domain::membership::Tier::NonMember => return "Non-members".to_owned(),
            };
            if group.trade_compliance { format!("{tier} with Trade Compliance") } else { tier.to_owned() }
        };
        // Rounded to the unit the chart shows; the exact figures are in the KPI tables and API.
        #[allow(clippy::cast_possible_truncation)]
        let hundredths = |value: Option<f64>, scale: f64| value.map_or(0, |value| (value * scale).round() as i64);
        let series = |pick: &dyn Fn(&crate::trade::KpiRow) -> i64| MonthlySeries {
            months: months.clone(),
            series: groups
                .iter()
                .map(|group| Series {
                    name: label(*group),
                    values: months
                        .iter()
                        .map(|month| {
                            rows.iter()
                                .find(|row| row.group == Some(*group) && row.month.as_ref() == Some(month))
                                .map_or(0, pick)
                        })
                        .collect(),
                })
                .collect(),
        };
        Ok(BenefitTrends {
            from: from.to_string(),
            to: to.to_string(),
            exam_rate: series(&|row| hundredths(row.figures.exam_rate, 10_000.0)),
            random_exams: series(&|row| i64::try_from(row.figures.random_exams).unwrap_or(i64::MAX)),
            mean_hold_hours: series(&|row| hundredths(row.figures.mean_hold_hours, 100.0)),
            median_release_days: series(&|row| row.figures.median_release_days.unwrap_or(0)),
            lineage: self
                .lineage(&format!(
                    "The KPI engine's figures for entries dated {from} to {to}, each counted under its importer's standing on the entry's day"
                ))
                .await?,
        })
    }
}

/// A member's own dashboard: its KPIs against the non-member baseline, what it owes and when,
/// its benefits today and its open requests.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MemberDashboard {
    pub account_number: String,
    pub legal_name: String,
    pub from: String,
    pub to: String,
    /// Exam rate in hundredths of a percent: the member's, and non-members'.
    pub exam_rate: MonthlySeries,
    /// Median days to release: the member's, and non-members'.
    pub median_release_days: MonthlySeries,
    #[schema(value_type = Vec<Object>)]
    pub deadlines: Vec<crate::membership::WorkItem>,
    #[schema(value_type = Object)]
    pub benefits: crate::benefits::AccountBenefits,
    pub open_requests: usize,
    /// When and from what the KPIs were computed.
    pub lineage: Vec<String>,
}

impl App {
    /// The signed-in member's dashboard over `from..=to`.
    ///
    /// # Errors
    /// `Forbidden` for anyone but a member; `Invalid` when `to` is before `from`.
    pub async fn member_dashboard(&self, actor: &Actor, from: Date, to: Date) -> AppResult<MemberDashboard> {
        let account_id = actor.own_account().ok_or(crate::AppError::Forbidden("the member dashboard is a member's"))?;
        // The deadlines as the work queue lists them, kept like the KPIs (the queue itself is
        // always current); both at once, so their waits after a change overlap.
        let who = actor.user.as_ref().map_or_else(|| account_id.to_string(), |user| user.id.to_string());
        let deadline_actor = actor.clone();
        let (kpis, deadlines) = tokio::try_join!(
            self.member_kpis(actor, from, to),
            self.dashboard_projection(format!("member_deadlines:{who}"), move |app| async move {
                app.work_items(&deadline_actor, &crate::membership::WorkFilter::default()).await
            }),
        )?;
        let crate::trade::MemberKpis { own, baseline, mut lineage } = kpis;
        let account = self.store.get_account(account_id).await?;
        let mut months: Vec<String> = own.iter().chain(&baseline).filter_map(|row| row.month.clone()).collect();
        months.sort();
        months.dedup();
        #[allow(clippy::cast_possible_truncation)]
        let rate =
            |row: &crate::trade::KpiRow| row.figures.exam_rate.map_or(0, |rate| (rate * 10_000.0).round() as i64);
        let release = |row: &crate::trade::KpiRow| row.figures.median_release_days.unwrap_or(0);
        let pair = |pick: &dyn Fn(&crate::trade::KpiRow) -> i64| MonthlySeries {
            months: months.clone(),
            series: [("Your company", &own), ("Non-members", &baseline)]
                .into_iter()
                .map(|(name, rows)| Series {
                    name: name.to_owned(),
                    values: months
                        .iter()
                        .map(|month| {
                            // One row a month on each side: the member's own, and non-members'.
                            rows.iter().find(|row| row.month.as_ref() == Some(month)).map_or(0, pick)
                        })
                        .collect(),
                })
                .collect(),
        };
        if !lineage.iter().any(|line| line.starts_with("Being recomputed")) {
            deadlines.mark_behind(&mut lineage);
        }
        let deadlines = deadlines.value.as_ref().clone();
        let benefits = self.account_benefits(actor, account_id, None).await?;
        let open_requests = self
            .list_requests(actor, Some(account_id))
            .await?
            .iter()
            .filter(|request| matches!(request.state, "submitted" | "in_review"))
            .count();
        Ok(MemberDashboard {
            account_number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            from: from.to_string(),
            to: to.to_string(),
            exam_rate: pair(&rate),
            median_release_days: pair(&release),
            deadlines,
            benefits,
            open_requests,
            lineage,
        })
    }
}

impl crate::projections::WithLineage for BenefitTrends {
    fn lineage_mut(&mut self) -> &mut Vec<String> {
        &mut self.lineage
    }
}
