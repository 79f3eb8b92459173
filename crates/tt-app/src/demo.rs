//! Demo data: member companies of several business types with their users, and agency staff of
//! every role. Seeding is idempotent: a second run finds the data and adds nothing.

use tt_domain::{EmailAddress, Role};

use crate::accounts::AccountInput;
use crate::users::UserInput;
use crate::{Actor, App, AppResult};

/// The password every demo user signs in with.
pub const DEMO_PASSWORD: &str = "Trusted-Trader-Demo-2026";

/// The authenticator secret of every demo agency user (agency staff must use a second factor):
/// `oathtool --totp -b JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP` prints the current code.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// One demo login, for printing.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub email: String,
    pub role: Role,
    pub account_number: Option<String>,
}

struct DemoAccount {
    number: &'static str,
    legal_name: &'static str,
    business_type: &'static str,
    importer_numbers: &'static [&'static str],
    city: &'static str,
    country: &'static str,
    consent: bool,
    users: &'static [(&'static str, &'static str, Role)],
}

const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        number: "DEMO-IMP-001",
        legal_name: "Great Lakes Home Goods, Inc.",
        business_type: "importer",
        importer_numbers: &["36-123456700", "36-123456701"],
        city: "Detroit",
        country: "US",
        consent: true,
        users: &[
            ("officer@greatlakes.example", "Dana Officer", Role::CompanyOfficer),
            ("employee@greatlakes.example", "Eli Employee", Role::Employee),
            ("consultant@greatlakes.example", "Cora Consultant", Role::Consultant),
            ("viewer@greatlakes.example", "Rae Viewer", Role::ReadOnly),
        ],
    },
    DemoAccount {
        number: "DEMO-BRK-002",
        legal_name: "Harbor Customs Brokerage LLC",
        business_type: "broker",
        importer_numbers: &[],
        city: "Long Beach",
        country: "US",
        consent: false,
        users: &[("officer@harborbrokers.example", "Hal Officer", Role::CompanyOfficer)],
    },
    DemoAccount {
        number: "DEMO-HWY-003",
        legal_name: "Transportes del Norte S.A. de C.V.",
        business_type: "mx_long_haul_carrier",
        importer_numbers: &[],
        city: "Monterrey",
        country: "MX",
        consent: false,
        users: &[("officer@delnorte.example", "Nora Officer", Role::CompanyOfficer)],
    },
    DemoAccount {
        number: "DEMO-MFG-004",
        legal_name: "Maple Leaf Components Ltd.",
        business_type: "foreign_manufacturer",
        importer_numbers: &[],
        city: "Windsor",
        country: "CA",
        consent: true,
        users: &[("officer@mapleleaf.example", "Mel Officer", Role::CompanyOfficer)],
    },
    DemoAccount {
        number: "DEMO-IMP-005",
        legal_name: "Pacific Apparel Importers Corp.",
        business_type: "importer",
        importer_numbers: &["95-765432100"],
        city: "Seattle",
        country: "US",
        consent: false,
        users: &[("officer@pacificapparel.example", "Pat Officer", Role::CompanyOfficer)],
    },
];

const STAFF: &[(&str, &str, Role)] = &[
    ("scss@cbp.example", "Sam Specialist", Role::Scss),
    ("scss.supervisor@cbp.example", "Sue Supervisor", Role::ScssSupervisor),
    ("nam@cbp.example", "Nat Manager", Role::Nam),
    ("nam.supervisor@cbp.example", "Ned Supervisor", Role::NamSupervisor),
    ("tc.analyst@cbp.example", "Tia Analyst", Role::TcHqAnalyst),
    ("audit@cbp.example", "Reg Auditor", Role::RegulatoryAudit),
    ("director@cbp.example", "Dir Director", Role::ProgramDirector),
    ("pga@fda.example", "Paz Liaison", Role::PgaLiaison),
];

impl App {
    /// Seeds the demo data unless it is already there; returns the logins either way.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn seed_demo(&self) -> AppResult<Vec<DemoLogin>> {
        let actor = Actor::system("system:demo");
        let mut logins = Vec::new();
        let director = EmailAddress::parse("director@cbp.example")?;
        let already_seeded = self.store.find_user_by_email(&director).await?.is_some();
        for account in ACCOUNTS {
            if !already_seeded {
                self.create_account(
                    &actor,
                    &AccountInput {
                        account_number: account.number.to_owned(),
                        legal_name: account.legal_name.to_owned(),
                        business_type: account.business_type.to_owned(),
                        address_line1: Some("1 Commerce Way".to_owned()),
                        city: Some(account.city.to_owned()),
                        country: Some(account.country.to_owned()),
                        ior_numbers: account.importer_numbers.iter().map(|n| (*n).to_owned()).collect(),
                        partner_agency_consent: account.consent,
                        ..AccountInput::default()
                    },
                )
                .await?;
            }
            for (email, name, role) in account.users {
                if !already_seeded {
                    self.seed_user(&actor, email, name, *role, Some(account.number)).await?;
                }
                logins.push(DemoLogin {
                    email: (*email).to_owned(),
                    role: *role,
                    account_number: Some(account.number.to_owned()),
                });
            }
        }
        for (email, name, role) in STAFF {
            if !already_seeded {
                self.seed_user(&actor, email, name, *role, None).await?;
                if *role == Role::PgaLiaison
                    && let Some(liaison) = self.store.find_user_by_email(&EmailAddress::parse(email)?).await?
                {
                    // The demo liaison works for the FDA.
                    self.set_liaison_agency(&actor, liaison.id, "FDA").await?;
                }
            }
            logins.push(DemoLogin { email: (*email).to_owned(), role: *role, account_number: None });
        }
        Ok(logins)
    }

    async fn seed_user(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        role: Role,
        account: Option<&str>,
    ) -> AppResult<()> {
        let created = self
            .create_user(
                actor,
                &UserInput {
                    email: email.to_owned(),
                    name: name.to_owned(),
                    role: role.id().to_owned(),
                    account_number: account.map(str::to_owned),
                    password: Some(DEMO_PASSWORD.to_owned()),
                },
            )
            .await?;
        let user = created.user;
        if role.side() == tt_domain::Side::Agency {
            let audit = actor.audit(
                self.clock.now(),
                "user.two_factor_enabled",
                "user",
                Some(user.id.to_string()),
                crate::actor::NOTHING,
                crate::actor::NOTHING,
            );
            self.store.set_two_factor(user.id, Some(DEMO_TOTP_SECRET), &[], &audit).await?;
        }
        if role == Role::Consultant {
            // The demo officer delegates to the demo consultant for 90 days.
            let officer_email =
                EmailAddress::parse(&format!("officer@{}", email.split('@').nth(1).unwrap_or_default()))?;
            if let Some(officer) = self.store.find_user_by_email(&officer_email).await? {
                let officer_actor = Actor::system(officer.email.as_str());
                let officer_actor = Actor { user: Some(officer), ..officer_actor };
                self.delegate_consultant(&officer_actor, user.id, 90).await?;
            }
        }
        Ok(())
    }
}
