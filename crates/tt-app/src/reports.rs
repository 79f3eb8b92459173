//! The TFTEA §101 annual report (19 U.S.C. 4311): for a fiscal year, each partnership
//! program's requirements, benefits and participants per tier, the participants in both
//! programs, measures of effectiveness from the trade-data engine, partner-agency coordination,
//! the criteria for expedited release and private-sector engagement — with where its numbers
//! came from. Rendered as HTML by the web layer and as PDF here.

use serde::Serialize;
use time::{Date, Month};
use tt_domain::criteria::CatalogueKind;
use tt_domain::membership::{CtpatValue, Tier};
use utoipa::ToSchema;

use crate::benefit_kpis::DefenderKpis;
use crate::pdf::{ChartKind, PdfChart, PdfDocument};
use crate::trade::KpiGrouping;
use crate::{Actor, App, AppError, AppResult, Permission};

/// One program's section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgramSection {
    pub name: String,
    pub requirements: Vec<String>,
    pub benefits: Vec<String>,
    /// (level, participants at the fiscal year's end).
    pub participants: Vec<(String, i64)>,
}

/// The KPIs of one group of entries over the fiscal year, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EffectivenessRow {
    pub group: String,
    pub entries: u64,
    pub examined_entries: u64,
    /// Percent with two decimals, or `—` without entries.
    pub exam_rate: String,
    pub random_exams: u64,
    pub mean_hold_hours: String,
    pub median_release_days: String,
    pub p90_release_days: String,
}

/// The annual report for one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AnnualReport {
    pub fiscal_year: i32,
    pub from: String,
    pub to: String,
    pub generated_at: String,
    /// The day participants are counted on: the year's end, or today for a year not over.
    pub as_of: String,
    /// The year is not over: the figures will change.
    pub provisional: bool,
    pub programs: Vec<ProgramSection>,
    /// Members in both programs at the year's end (Tier II or III with Trade Compliance).
    pub multi_program_participants: i64,
    pub effectiveness: Vec<EffectivenessRow>,
    /// Rulings received in the year: (requester, decided so far, median days).
    pub rulings: Vec<(String, usize, Option<i64>)>,
    #[schema(value_type = Object)]
    pub defender: DefenderKpis,
    /// Certified members on `as_of` that consent (by today's record) to share their data with
    /// partner government agencies.
    pub partner_agency_consents: i64,
    /// Each partner agency: the benefits it recognizes (the registry's matrix) and the certified
    /// members on `as_of` consenting to it (or to every agency), by today's record.
    pub partner_agencies: Vec<AgencyCoordination>,
    pub expedited_release: Vec<String>,
    /// Every benefit proposal by its status today: the working group's engagement.
    pub proposals: Vec<(String, i64)>,
    /// Where the numbers come from: the ingest batches and the histories, as of generation.
    pub lineage: Vec<String>,
}

/// Fiscal year N runs from 1 October of N−1 to 30 September of N.
///
/// # Errors
/// `Invalid` (field `fiscal_year`) outside 2000–2100.
pub fn fiscal_year_bounds(fiscal_year: i32) -> AppResult<(Date, Date)> {
    let invalid = || AppError::invalid("fiscal_year", format!("{fiscal_year} is not a fiscal year from 2000 to 2100"));
    if !(2000..=2100).contains(&fiscal_year) {
        return Err(invalid());
    }
    let from = Date::from_calendar_date(fiscal_year - 1, Month::October, 1).map_err(|_| invalid())?;
    let to = Date::from_calendar_date(fiscal_year, Month::September, 30).map_err(|_| invalid())?;
    Ok((from, to))
}

fn decimal(value: Option<f64>, scale: f64, digits: usize) -> String {
    value.map_or_else(|| "—".to_owned(), |value| format!("{:.digits$}", value * scale))
}

fn group_label(tier: Tier, trade_compliance: bool) -> String {
    let tier = match tier {
        Tier::T1 => "Tier I",
        Tier::T2 => "Tier II",
        Tier::T3 => "Tier III",
        Tier::NonMember => return "Non-members".to_owned(),
    };
    if trade_compliance { format!("{tier} with Trade Compliance") } else { tier.to_owned() }
}

impl App {
    /// The annual report for `fiscal_year`, a dashboard projection: kept until the next
    /// recorded change (an ingest, an import, a step) or the next day, then computed again in
    /// the background.
    ///
    /// # Errors
    /// `Forbidden` without access to program data; `Invalid` for a fiscal year out of range.
    pub async fn annual_report(&self, actor: &Actor, fiscal_year: i32) -> AppResult<AnnualReport> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        fiscal_year_bounds(fiscal_year)?;
        Ok(self
            .dashboard_projection(format!("annual_report:{fiscal_year}"), move |app| async move {
                app.compute_annual_report(fiscal_year, &mut |_, _| {}).await
            })
            .await?
            .marked())
    }

    /// The annual report for `fiscal_year` computed now rather than kept (the command line's
    /// one-off run); `progress` hears each section as it is done (a share from 0 to 100 and its
    /// name), for a progress bar.
    ///
    /// # Errors
    /// `Forbidden` without access to program data; `Invalid` for a fiscal year out of range.
    pub async fn annual_report_computed_now(
        &self,
        actor: &Actor,
        fiscal_year: i32,
        progress: &mut (dyn FnMut(u8, &str) + Send),
    ) -> AppResult<AnnualReport> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        fiscal_year_bounds(fiscal_year)?;
        self.compute_annual_report(fiscal_year, progress).await
    }

    async fn compute_annual_report(
        &self,
        fiscal_year: i32,
        progress: &mut (dyn FnMut(u8, &str) + Send),
    ) -> AppResult<AnnualReport> {
        let (from, to) = fiscal_year_bounds(fiscal_year)?;
        // A year not over yet is reported as it stands today, and said to be provisional.
        let as_of = to.min(self.clock.now().date());
        progress(5, "participants");
        let accounts = self.standing_timelines().await?;
        let mut tiers = [0_i64; 3];
        let mut consenting_members = 0;
        let mut trade_compliance = 0;
        for (account, timeline) in accounts.iter() {
            let standing = timeline.standing_on(as_of);
            if standing.ctpat != CtpatValue::None && account.partner_agency_consent {
                consenting_members += 1;
            }
            match standing.ctpat {
                CtpatValue::T1 => tiers[0] += 1,
                CtpatValue::T2 => tiers[1] += 1,
                CtpatValue::T3 => tiers[2] += 1,
                CtpatValue::None => {}
            }
            if standing.trade_compliance && matches!(standing.ctpat, CtpatValue::T2 | CtpatValue::T3) {
                trade_compliance += 1;
            }
        }
        let partner_agency_consents = consenting_members;
        let mut partner_agencies = Vec::new();
        for view in self.partner_agencies().await? {
            let consenting: std::collections::HashSet<tt_domain::AccountId> =
                self.store.accounts_consenting_to(&view.agency.code).await?.into_iter().collect();
            let members = accounts
                .iter()
                .filter(|(account, timeline)| {
                    timeline.standing_on(as_of).ctpat != CtpatValue::None
                        && (account.partner_agency_consent || consenting.contains(&account.id))
                })
                .count();
            partner_agencies.push(AgencyCoordination {
                agency: format!("{} ({})", view.agency.name, view.agency.code),
                recognizes: if view.recognized_benefits.is_empty() {
                    "None yet".to_owned()
                } else {
                    view.recognized_benefits.join("; ")
                },
                consenting_members: i64::try_from(members).unwrap_or(i64::MAX),
                engagement: view.agency.engagement.clone(),
            });
        }

        progress(20, "requirements and benefits");
        let system = Actor::system("system:report");
        let importer = self.catalogue(&system, CatalogueKind::Importer, None, Some(to)).await?;
        let eligibility = self.catalogue(&system, CatalogueKind::TradeComplianceEligibility, None, Some(to)).await?;
        let catalogue = self.benefits_catalogue().await?;
        let delivered = |program: &str| -> Vec<String> {
            catalogue
                .iter()
                .filter(|benefit| {
                    benefit.program == program && benefit.status != tt_domain::benefits::BenefitStatus::Proposed
                })
                .filter(|benefit| {
                    benefit.from.is_none_or(|start| start <= to) && benefit.to.is_none_or(|end| from <= end)
                })
                .map(|benefit| format!("{} ({}; {})", benefit.name, benefit.status.label(), benefit.legal_basis))
                .collect()
        };
        let programs = vec![
            ProgramSection {
                name: "CTPAT (supply chain security)".to_owned(),
                requirements: vec![
                    format!(
                        "{} {}: {} criteria, {} of them musts on {to}",
                        importer.summary.label, importer.summary.version, importer.summary.criteria, importer.summary.musts
                    ),
                    "Tier I: certification within 90 days of a complete application (6 U.S.C. 964)".to_owned(),
                    "Tier II: validation within a year of certification (6 U.S.C. 965); revalidation at least every 4 years (6 U.S.C. 969)".to_owned(),
                    "Tier III: exceeding the criteria, with best practices (6 U.S.C. 966)".to_owned(),
                ],
                benefits: delivered("security"),
                participants: vec![
                    ("Tier I".to_owned(), tiers[0]),
                    ("Tier II".to_owned(), tiers[1]),
                    ("Tier III".to_owned(), tiers[2]),
                ],
            },
            ProgramSection {
                name: "Trade Compliance".to_owned(),
                requirements: vec![
                    "An active CTPAT Tier II or III membership".to_owned(),
                    format!("{} {}: {} questions", eligibility.summary.label, eligibility.summary.version, eligibility.summary.criteria),
                    "An Annual Notification Letter each year".to_owned(),
                ],
                benefits: delivered("trade_compliance"),
                participants: vec![("Trade Compliance".to_owned(), trade_compliance)],
            },
        ];

        progress(40, "measures of effectiveness");
        let rows = self.kpis(&system, from, to, KpiGrouping { month: false, group: true, account: false }).await?;
        let effectiveness = rows
            .iter()
            .filter_map(|row| {
                let group = row.group?;
                let figures = &row.figures;
                Some(EffectivenessRow {
                    group: group_label(group.tier, group.trade_compliance),
                    entries: figures.entries,
                    examined_entries: figures.examined_entries,
                    exam_rate: decimal(figures.exam_rate, 100.0, 2),
                    random_exams: figures.random_exams,
                    mean_hold_hours: decimal(figures.mean_hold_hours, 1.0, 2),
                    median_release_days: figures
                        .median_release_days
                        .map_or_else(|| "—".to_owned(), |days| days.to_string()),
                    p90_release_days: figures.p90_release_days.map_or_else(|| "—".to_owned(), |days| days.to_string()),
                })
            })
            .collect();

        progress(65, "benefit requests and Defender");
        let requests = self.request_kpis(&system, from, to).await?;
        let rulings = requests
            .rows
            .iter()
            .filter(|row| row.kind == "ruling")
            .map(|row| {
                let who = if row.membership == "trade_compliance" { "Trade Compliance members" } else { "Others" };
                (who.to_owned(), row.decided, row.median_turnaround_days)
            })
            .collect();
        let defender = self.defender_kpis(&system, from, to).await?;

        progress(80, "proposals and lineage");
        let mut proposals: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
        for view in self.list_proposals(&system).await? {
            *proposals.entry(view.status_label.to_owned()).or_default() += 1;
        }
        let lineage = self
            .lineage(&format!(
                "Participants from the standing histories of {} accounts as they stood on {as_of}; the KPIs read every entry dated in the year",
                accounts.len()
            ))
            .await?;
        let expedited_release = catalogue
            .iter()
            .filter(|benefit| {
                benefit.id == "expedited_release_all_threat_levels" || benefit.id == "front_of_line_exams"
            })
            .map(|benefit| {
                let tiers: Vec<&str> = benefit.tiers.iter().map(|tier| tier_words(*tier)).collect();
                format!("{}: {} ({}): {}", benefit.name, tiers.join(", "), benefit.legal_basis, benefit.description)
            })
            .collect();
        progress(100, "done");
        Ok(AnnualReport {
            fiscal_year,
            from: from.to_string(),
            to: to.to_string(),
            generated_at: self.clock.now().date().to_string(),
            as_of: as_of.to_string(),
            provisional: as_of < to,
            programs,
            multi_program_participants: trade_compliance,
            effectiveness,
            rulings,
            defender,
            partner_agency_consents,
            partner_agencies,
            expedited_release,
            proposals: proposals.into_iter().collect(),
            lineage,
        })
    }
}

impl App {
    /// Where figures come from: `basis`, then the ingest batches that hold the entries they
    /// read (all of them: the KPIs read every stored entry of their period), the latest five
    /// named with their corrections, as of now.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn lineage(&self, basis: &str) -> AppResult<Vec<String>> {
        // A correction arrives as a later batch whose corrections replace earlier lines: it is
        // listed here with its count, so a recomputed figure shows why it moved.
        let batches = self.store.list_batches(10_000).await?;
        let mut lineage = vec![
            self.computed_at(),
            format!(
                "{basis}, from the {} ingest batches recorded up to {} ({} lines ingested in all); the latest batches:",
                batches.len(),
                self.clock.now().date(),
                batches.iter().map(|batch| batch.counts.lines_ingested).sum::<i64>(),
            ),
        ];
        lineage.extend(batches.iter().take(5).map(|batch| {
            format!(
                "Batch {} ({}): {} lines, {} corrections, finished {}",
                batch.id,
                batch.file_name,
                batch.counts.lines_ingested,
                batch.counts.corrections,
                batch.finished_at.date()
            )
        }));
        Ok(lineage)
    }
}

/// One partner agency in the annual report's coordination section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgencyCoordination {
    pub agency: String,
    pub recognizes: String,
    pub consenting_members: i64,
    pub engagement: String,
}

/// The columns of the measures-of-effectiveness table, on the page and in the PDF.
pub const EFFECTIVENESS_COLUMNS: [&str; 8] = [
    "Group",
    "Entries",
    "Examined",
    "Exam rate (%)",
    "Random exams",
    "Mean hold (hours)",
    "Median release (days)",
    "90th percentile release (days)",
];

impl App {
    /// When figures were computed, for their lineage: the moment, to the second, in UTC.
    #[must_use]
    pub fn computed_at(&self) -> String {
        format!("Computed at {}", crate::projections::moment(self.clock.now()))
    }
}

/// A tier in words.
const fn tier_words(tier: CtpatValue) -> &'static str {
    match tier {
        CtpatValue::T1 => "Tier I",
        CtpatValue::T2 => "Tier II",
        CtpatValue::T3 => "Tier III",
        CtpatValue::None => "non-members",
    }
}

impl AnnualReport {
    /// The report as a PDF with the same sections and figures as the HTML page.
    #[must_use]
    pub fn to_pdf(&self) -> Vec<u8> {
        let mut document =
            PdfDocument::new(&format!("Partnership programs annual report, fiscal year {}", self.fiscal_year));
        document.title(&format!("Partnership programs annual report, fiscal year {}", self.fiscal_year)).paragraph(
            &format!(
                "Report under 19 U.S.C. 4311 (TFTEA section 101) for {} to {}, generated on {}.{}",
                self.from,
                self.to,
                self.generated_at,
                if self.provisional { " Provisional: the fiscal year is not over." } else { "" }
            ),
        );
        for program in &self.programs {
            document.heading(&program.name);
            document.paragraph("Requirements:");
            for requirement in &program.requirements {
                document.paragraph(&format!("- {requirement}"));
            }
            document.paragraph("Benefits:");
            for benefit in &program.benefits {
                document.paragraph(&format!("- {benefit}"));
            }
            document.paragraph(&format!("Participants on {}:", self.as_of)).table(
                &["Level".to_owned(), "Participants".to_owned()],
                &program
                    .participants
                    .iter()
                    .map(|(level, count)| vec![level.clone(), count.to_string()])
                    .collect::<Vec<_>>(),
            );
        }
        let participants: Vec<(String, i64)> =
            self.programs.iter().flat_map(|program| program.participants.iter().cloned()).collect();
        document.chart(PdfChart {
            title: format!("Participants on {}", self.as_of),
            kind: ChartKind::Bars,
            categories: participants.iter().map(|(level, _)| level.clone()).collect(),
            #[allow(clippy::cast_precision_loss)]
            series: vec![(
                "Participants".to_owned(),
                participants.iter().map(|(_, count)| Some(*count as f64)).collect(),
            )],
            unit: String::new(),
        });
        document.heading("Participants in more than one program").paragraph(&format!(
            "{} members take part in both CTPAT and Trade Compliance.",
            self.multi_program_participants
        ));
        document
            .heading("Measures of effectiveness")
            .paragraph("Entries dated in the fiscal year, by the importer's standing on each entry's day.")
            .table(
                &EFFECTIVENESS_COLUMNS.map(str::to_owned),
                &self
                    .effectiveness
                    .iter()
                    .map(|row| {
                        vec![
                            row.group.clone(),
                            row.entries.to_string(),
                            row.examined_entries.to_string(),
                            row.exam_rate.clone(),
                            row.random_exams.to_string(),
                            row.mean_hold_hours.clone(),
                            row.median_release_days.clone(),
                            row.p90_release_days.clone(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
        let groups: Vec<String> = self.effectiveness.iter().map(|row| row.group.clone()).collect();
        let figure = |text: &str| text.parse::<f64>().ok();
        document
            .chart(PdfChart {
                title: "Exam rate by group (%)".to_owned(),
                kind: ChartKind::Bars,
                categories: groups.clone(),
                series: vec![(
                    "Exam rate".to_owned(),
                    self.effectiveness.iter().map(|row| figure(&row.exam_rate)).collect(),
                )],
                unit: "%".to_owned(),
            })
            .chart(PdfChart {
                title: "Release by group (days)".to_owned(),
                kind: ChartKind::Bars,
                categories: groups,
                series: vec![
                    (
                        "Median".to_owned(),
                        self.effectiveness.iter().map(|row| figure(&row.median_release_days)).collect(),
                    ),
                    (
                        "90th percentile".to_owned(),
                        self.effectiveness.iter().map(|row| figure(&row.p90_release_days)).collect(),
                    ),
                ],
                unit: String::new(),
            });
        document.paragraph("Rulings received in the year:").table(
            &["Requester".to_owned(), "Decided".to_owned(), "Median days".to_owned()],
            &self
                .rulings
                .iter()
                .map(|(who, decided, median)| {
                    vec![
                        who.clone(),
                        decided.to_string(),
                        median.map_or_else(|| "—".to_owned(), |days| days.to_string()),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        document.paragraph("CTPAT Defender:").table(
            &["Alerts", "Answered", "Denied", "Cases open", "Cases closed"].map(str::to_owned),
            &[vec![
                self.defender.alerts.to_string(),
                self.defender.answered.to_string(),
                self.defender.denied.to_string(),
                self.defender.cases_open.to_string(),
                self.defender.cases_closed.to_string(),
            ]],
        );
        document.heading("Partner government agencies").paragraph(&format!(
            "{} certified members consent to share their data with every partner government agency. Each agency, the trusted-trader benefits it recognizes and the certified members consenting to it:",
            self.partner_agency_consents
        ));
        document.table(
            &["Agency", "Benefits it recognizes", "Consenting members"].map(str::to_owned),
            &self
                .partner_agencies
                .iter()
                .map(|row| vec![row.agency.clone(), row.recognizes.clone(), row.consenting_members.to_string()])
                .collect::<Vec<_>>(),
        );
        document.heading("Criteria for expedited release");
        for criterion in &self.expedited_release {
            document.paragraph(criterion);
        }
        document.heading("Private-sector engagement").paragraph(&if self.proposals.is_empty() {
            "No benefit proposals were recorded.".to_owned()
        } else {
            format!(
                "Benefit proposals from the working group, by their status today: {}.",
                self.proposals.iter().map(|(status, count)| format!("{status} {count}")).collect::<Vec<_>>().join(", ")
            )
        });
        document.heading("Where the numbers come from");
        for line in &self.lineage {
            document.paragraph(line);
        }
        document.to_bytes()
    }
}

impl crate::projections::WithLineage for AnnualReport {
    fn lineage_mut(&mut self) -> &mut Vec<String> {
        &mut self.lineage
    }
}
