//! `trusted-trader simulate`: realistic synthetic membership files and entry lines of any size,
//! deterministic for a seed, for demos, tests and benchmarks.
//!
//! Members are fewer and examined less than non-members, Trade Compliance members least;
//! entries have one to five lines; exams hold the goods for hours; most entries are released
//! within days. The files follow spec/entry-feed.md exactly.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use time::{Date, Duration};

/// A small, fast, deterministic generator (SplitMix64): the same seed gives the same files on
/// every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number below `bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    /// True with probability `per_thousand`/1000.
    fn chance(&mut self, per_thousand: u64) -> bool {
        self.below(1000) < per_thousand
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

const PORTS: [&str; 12] =
    ["2704", "2709", "1001", "0712", "2304", "5301", "3901", "1303", "4601", "2809", "3004", "5203"];
const COUNTRIES: [&str; 14] = ["CN", "CN", "CN", "MX", "MX", "CA", "VN", "DE", "JP", "KR", "IN", "TW", "IT", "BD"];
const HTS: [&str; 8] =
    ["8471300100", "8517620090", "6110202079", "9403600081", "8708295160", "3926909985", "6403999065", "8528720000"];
const BUSINESS_TYPES: [&str; 4] = ["importer", "importer", "importer", "broker"];

/// What to generate.
pub struct Plan {
    pub folder: PathBuf,
    pub lines: u64,
    pub seed: u64,
    pub accounts: u64,
    pub first_day: Date,
    pub days: i64,
}

/// The files written.
pub struct Written {
    pub files: Vec<PathBuf>,
    pub entries: u64,
}

fn importer_number(index: u64) -> String {
    format!("{:02}{:07}00", 10 + index % 89, index)
}

/// Writes `accounts.csv`, `status-events.csv`, `defender-filers.csv` and `entries.csv`.
///
/// # Errors
/// When a file cannot be written.
pub fn simulate(plan: &Plan) -> anyhow::Result<Written> {
    std::fs::create_dir_all(&plan.folder).with_context(|| format!("creating {}", plan.folder.display()))?;
    let mut random = Random(plan.seed);
    let create = |name: &str| -> anyhow::Result<(PathBuf, BufWriter<std::fs::File>)> {
        let path = plan.folder.join(name);
        let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok((path, BufWriter::with_capacity(1 << 20, file)))
    };
    let format_date = tt_app::trade::format_date;
    let (accounts_path, mut accounts) = create("accounts.csv")?;
    let (events_path, mut events) = create("status-events.csv")?;
    let (filers_path, mut filers) = create("defender-filers.csv")?;
    writeln!(accounts, "account_number,legal_name,business_type,ior_numbers,anl_anniversary")?;
    writeln!(events, "account_number,effective_date,kind,value,reason")?;
    writeln!(filers, "account_number,filer_code,authorized_from,authorized_to")?;
    // Member accounts own importer numbers 0..accounts*2; numbers above are non-members.
    let start = plan.first_day;
    for index in 0..plan.accounts {
        let number = format!("SIM-{index:06}");
        let anniversary = format!("{:02}-{:02}", 1 + index % 12, 1 + index % 28);
        writeln!(
            accounts,
            "{number},Simulated Trading Company {index},{},{};{},{anniversary}",
            random.pick(&BUSINESS_TYPES),
            importer_number(index * 2),
            importer_number(index * 2 + 1)
        )?;
        let tier = match random.below(10) {
            0..=2 => "T1",
            3..=6 => "T2",
            _ => "T3",
        };
        let certified = start - Duration::days(i64::try_from(30 + random.below(1500)).unwrap_or(30));
        writeln!(events, "{number},{},ctpat,{tier},certified", format_date(certified))?;
        if tier != "T1" && random.chance(500) {
            writeln!(
                events,
                "{number},{},tc,ON,accepted into Trade Compliance",
                format_date(certified + Duration::days(90))
            )?;
        }
        if random.chance(50) {
            let suspended =
                start + Duration::days(i64::try_from(random.below(u64::try_from(plan.days).unwrap_or(1))).unwrap_or(0));
            writeln!(events, "{number},{},ctpat,NONE,suspended: failed validation", format_date(suspended))?;
        }
        if random.chance(300) {
            writeln!(filers, "{number},B{:02},{},", index % 100, format_date(start - Duration::days(365)))?;
        }
    }
    let (entries_path, mut entries) = create("entries.csv")?;
    writeln!(
        entries,
        "entry_number,line_number,entry_type,importer_number,port_code,entry_date,release_date,mode_of_transport,exam,exam_reason,hold_hours,country_of_origin,manufacturer_id,hts_number,entered_value_usd,duty_usd,recon_flag"
    )?;
    let member_importers = plan.accounts * 2;
    let all_importers = (member_importers * 3).max(10);
    let mut written = 0;
    let mut entry_count = 0;
    while written < plan.lines {
        entry_count += 1;
        let importer_index = random.below(all_importers);
        let member = importer_index < member_importers;
        let importer = importer_number(importer_index);
        // Mostly the member's own broker; now and then another filer.
        let filer = if member && !random.chance(30) {
            format!("B{:02}", (importer_index / 2) % 100)
        } else {
            format!("F{:02}", random.below(100))
        };
        let entry_number = format!("{filer}{:07}{}", entry_count % 10_000_000, entry_count % 10);
        let day =
            start + Duration::days(i64::try_from(random.below(u64::try_from(plan.days).unwrap_or(1))).unwrap_or(0));
        let exam_per_thousand = if member { 20 } else { 60 };
        let examined = random.chance(exam_per_thousand);
        let (exam, reason, hold) = if examined {
            let exam = *random.pick(&["NII", "NII", "PHYSICAL", "DOCUMENT"]);
            let reason = if random.chance(300) { "RANDOM" } else { "TARGETED" };
            (exam, reason, format!("{}.{}", 2 + random.below(70), random.below(100)))
        } else {
            ("", "", String::new())
        };
        let release = if random.chance(970) {
            let days = if examined { 1 + random.below(9) } else { random.below(3) };
            format_date(day + Duration::days(i64::try_from(days).unwrap_or(0)))
        } else {
            String::new()
        };
        let port = random.pick(&PORTS);
        let entry_type = if random.chance(100) { "11" } else { "01" };
        let mode = *random.pick(&["10", "11", "30", "40"]);
        let lines = 1 + random.below(5);
        for line in 1..=lines {
            if written >= plan.lines {
                break;
            }
            written += 1;
            let value = 100 + random.below(250_000);
            let duty = value * random.below(12) / 100;
            let recon = if random.chance(80) { "Y" } else { "" };
            let manufacturer = if random.chance(700) {
                format!("{}MFR{}", random.pick(&COUNTRIES), random.below(9999))
            } else {
                String::new()
            };
            writeln!(
                entries,
                "{entry_number},{line},{entry_type},{importer},{port},{},{release},{mode},{exam},{reason},{hold},{},{manufacturer},{},{}.{:02},{}.{:02},{recon}",
                format_date(day),
                random.pick(&COUNTRIES),
                random.pick(&HTS),
                value / 100,
                value % 100,
                duty / 100,
                duty % 100,
            )?;
        }
    }
    for writer in [&mut accounts, &mut events, &mut filers, &mut entries] {
        writer.flush()?;
    }
    Ok(Written { files: vec![accounts_path, events_path, filers_path, entries_path], entries: entry_count })
}

/// Fills a demo database with trade data, once: a simulated program of 200 members over the
/// past year, standing and Defender enrolment for the demo companies, and a history for
/// DEMO-IMP-001 that ends in three suspicious shipments, so every dashboard and the Defender
/// workflow have something to show.
///
/// # Errors
/// When a file cannot be written or a use case fails.
pub async fn seed_demo_trade_data(app: &tt_app::App) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    use tt_app::trade::{FeedFile, MembershipFile};
    if !app.store.list_batches(1).await?.is_empty() {
        return Ok(());
    }
    let actor = tt_app::Actor::system("system:demo");
    let today = app.clock.now().date();
    let folder = std::env::temp_dir().join(format!("tt-demo-{}", uuid::Uuid::new_v4().simple()));
    let first_day = today - Duration::days(365);
    simulate(&Plan { folder: folder.clone(), lines: 20_000, seed: 2026, accounts: 200, first_day, days: 365 })?;
    let format_date = tt_app::trade::format_date;
    let long_ago = format_date(today - Duration::days(3 * 365));
    let mut events = std::fs::read_to_string(folder.join("status-events.csv"))?;
    for (account, tier, trade_compliance) in
        [("DEMO-IMP-001", "T2", true), ("DEMO-IMP-005", "T2", false), ("DEMO-BRK-002", "T3", false)]
    {
        writeln!(events, "{account},{long_ago},ctpat,{tier},certified")?;
        if trade_compliance {
            writeln!(events, "{account},{long_ago},tc,ON,accepted into Trade Compliance")?;
        }
    }
    std::fs::write(folder.join("status-events.csv"), events)?;
    let mut filers = std::fs::read_to_string(folder.join("defender-filers.csv"))?;
    writeln!(filers, "DEMO-IMP-001,B01,{long_ago},")?;
    std::fs::write(folder.join("defender-filers.csv"), filers)?;
    let mut entries = std::fs::read_to_string(folder.join("entries.csv"))?;
    for day in 0..30_i64 {
        let date = format_date(today - Duration::days(330 - day * 10));
        writeln!(
            entries,
            "B01{:07}0,1,01,36123456700,2704,{date},{date},10,,,,CN,,8471300100,2450.00,61.25,",
            9_000_000 + day
        )?;
    }
    let recent = format_date(today - Duration::days(5));
    writeln!(entries, "X99{:07}0,1,01,36123456700,2704,{recent},,10,,,,CN,,8471300100,990.00,24.75,", 9_100_001)?;
    writeln!(entries, "B01{:07}0,1,01,36123456700,3001,{recent},,10,,,,CN,,8471300100,1200.00,30.00,", 9_100_002)?;
    writeln!(entries, "B01{:07}0,1,01,36123456700,2704,{recent},,10,,,,VN,,6110202079,310.00,50.00,", 9_100_003)?;
    std::fs::write(folder.join("entries.csv"), entries)?;
    for (kind, name) in [
        (MembershipFile::Accounts, "accounts.csv"),
        (MembershipFile::StatusEvents, "status-events.csv"),
        (MembershipFile::DefenderFilers, "defender-filers.csv"),
    ] {
        let mut file = FeedFile::open(&folder.join(name), kind.required_columns())?;
        app.import_membership(&actor, kind, &mut file, name).await?;
    }
    let file = FeedFile::open(&folder.join("entries.csv"), &[])?;
    app.ingest_entries(&actor, file, "demo-entries.csv", None, &mut |_, _| {}).await?;
    let _ = std::fs::remove_dir_all(&folder);
    seed_demo_memberships(app, &actor, today).await
}

/// Membership histories for the demo companies that have no legacy standing: a carrier under
/// review with a request for information, a manufacturer that has just signed up.
async fn seed_demo_memberships(app: &tt_app::App, actor: &tt_app::Actor, today: time::Date) -> anyhow::Result<()> {
    use tt_app::membership::StepInput;
    use tt_domain::lifecycle::{Program, Step};
    let account = |number: &'static str| async move {
        let number = tt_domain::AccountNumber::parse(number)?;
        app.store.find_account_by_number(&number).await?.map(|account| account.id).context("a demo account is missing")
    };
    let on = |days_ago: i64, step: Step| StepInput {
        effective_date: Some(tt_app::trade::format_date(today - Duration::days(days_ago))),
        reason: Some("demo data".to_owned()),
        document_version: None,
        step,
    };
    let carrier = account("DEMO-HWY-003").await?;
    for input in [
        on(20, Step::CompanyProfileCreated),
        on(18, Step::ApplicationSubmitted),
        on(
            17,
            Step::SpecialistAssigned {
                specialist: "scss@cbp.example".to_owned(),
                supervisor: "scss.supervisor@cbp.example".to_owned(),
                office: "Laredo".to_owned(),
            },
        ),
        on(
            5,
            Step::InformationRequested {
                program: Program::Security,
                request: 1,
                question: "Describe how conveyances are inspected before crossing (criterion 5.1).".to_owned(),
                due: today + Duration::days(10),
            },
        ),
    ] {
        app.record_step(actor, carrier, &input).await?;
    }
    let manufacturer = account("DEMO-MFG-004").await?;
    app.record_step(actor, manufacturer, &on(3, Step::CompanyProfileCreated)).await?;
    Ok(())
}
