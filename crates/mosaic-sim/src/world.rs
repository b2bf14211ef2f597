//! The real world behind the reports: people, their phones, vehicles, vessels, accounts,
//! documents and premises, and the networks they form. Every real thing gets a truth id
//! (`person:17`, `phone:3`…) and a row in the ground truth when it comes into being.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::config::Route;
use crate::idents::{self, Iban, PhoneNumber};
use crate::names::{self, Culture, Name};
use crate::places::Address;
use crate::truth::{ObjectTruth, PersonRef, TruthWriter};
use crate::util::{chance, pick};
use crate::SimError;

/// Kinds of truth ids.
#[derive(Clone, Copy, Debug)]
pub enum K {
    Person,
    Phone,
    Vehicle,
    Vessel,
    Account,
    Document,
    Address,
    Org,
    Payment,
    Event,
    Call,
}

impl K {
    fn prefix(self) -> &'static str {
        match self {
            K::Person => "person",
            K::Phone => "phone",
            K::Vehicle => "vehicle",
            K::Vessel => "vessel",
            K::Account => "account",
            K::Document => "document",
            K::Address => "address",
            K::Org => "org",
            K::Payment => "payment",
            K::Event => "event",
            K::Call => "call",
        }
    }
}

/// Truth id counters (one sequence per kind).
#[derive(Default)]
pub struct Ids {
    n: [u64; 11],
}

impl Ids {
    pub fn next(&mut self, k: K) -> String {
        let i = k as usize;
        self.n[i] += 1;
        format!("{}:{}", k.prefix(), self.n[i])
    }
}

/// What world-building needs: ids, the truth files and the calendar.
pub struct Env<'a> {
    pub ids: &'a mut Ids,
    pub truth: &'a mut TruthWriter,
    pub networks: &'a mut Vec<crate::NetworkSummary>,
    pub start: NaiveDate,
    pub days: u32,
}

impl Env<'_> {
    pub fn date(&self, day: i64) -> NaiveDate {
        self.start + Duration::days(day)
    }

    fn until(&self, day: u32) -> Option<String> {
        (day < self.days).then(|| self.date(day as i64).to_string())
    }
}

/// A real person.
#[derive(Clone, Debug)]
pub struct PersonW {
    pub id: String,
    pub name: Name,
    pub birth: NaiveDate,
    pub nationality: &'static str,
    pub nickname: Option<String>,
    /// The person's own (genuine) document, if any.
    pub doc: Option<DocW>,
    pub phone: Option<PhoneW>,
}

impl PersonW {
    pub fn female(&self) -> bool {
        self.name.female
    }
    pub fn gender(&self) -> &'static str {
        if self.name.female {
            "female"
        } else {
            "male"
        }
    }
}

#[derive(Clone, Debug)]
pub struct PhoneW {
    pub id: String,
    pub num: PhoneNumber,
    pub imei: String,
}

#[derive(Clone, Debug)]
pub struct AccountW {
    pub id: String,
    pub iban: Iban,
}

#[derive(Clone, Debug)]
pub struct VehicleW {
    pub id: String,
    pub plate: String,
    pub country: &'static str,
    pub kind: &'static str,
    pub make: &'static str,
    pub color: &'static str,
}

#[derive(Clone, Debug)]
pub struct VesselW {
    pub id: String,
    pub name: String,
    pub imo: Option<String>,
    pub mmsi: Option<String>,
    pub call_sign: Option<String>,
    pub flag: &'static str,
    pub kind: &'static str,
    pub length: f64,
}

#[derive(Clone, Debug)]
pub struct DocW {
    pub id: String,
    pub kind: &'static str,
    pub number: String,
    pub country: &'static str,
    pub forged: bool,
    pub issue: NaiveDate,
    pub expiry: NaiveDate,
    pub mrz: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AddressW {
    pub id: String,
    pub addr: Address,
    /// residence, safe_house, garage, money_office, worksite, shelter
    pub kind: &'static str,
}

/// Creates a person (no truth row yet: the caller knows the person's kind and role).
pub fn new_person(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    nationality: &'static str,
    age: (i32, i32),
    female_p: f64,
    today: NaiveDate,
) -> PersonW {
    let culture = Culture::of(rng, nationality);
    let female = chance(rng, female_p);
    let name = names::new_name(rng, culture, female);
    let years = rng.gen_range(age.0..=age.1);
    let birth = NaiveDate::from_ymd_opt(today.year() - years, 1, 1).expect("valid")
        - Duration::days(rng.gen_range(0..365));
    PersonW {
        id: env.ids.next(K::Person),
        name,
        birth,
        nationality,
        nickname: None,
        doc: None,
        phone: None,
    }
}

/// The truth row of a person.
#[allow(clippy::too_many_arguments)]
pub fn person_truth<'a>(
    p: &'a PersonW,
    kind: &'a str,
    network: Option<&'a str>,
    role: &'a str,
    country: Option<&'a str>,
    child: bool,
    vot: bool,
    asylum: bool,
    fate: Option<&'a str>,
) -> PersonRef<'a> {
    PersonRef {
        entity: &p.id,
        kind,
        network,
        role,
        name: names::canonical(&p.name),
        native_name: names::native(&p.name),
        birth_date: p.birth,
        nationality: p.nationality,
        gender: p.gender(),
        country,
        child,
        victim_of_trafficking: vot,
        asylum_applicant: asylum,
        fled_from: asylum.then_some(p.nationality),
        fate,
    }
}

#[allow(clippy::too_many_arguments)]
fn object(
    env: &mut Env,
    id: &str,
    schema: &str,
    value: String,
    owner: Option<&str>,
    network: Option<&str>,
    from: u32,
    to: Option<u32>,
    detail: Option<String>,
) -> Result<(), SimError> {
    let o = ObjectTruth {
        entity: id.to_owned(),
        schema: schema.to_owned(),
        value,
        owner: owner.map(str::to_owned),
        network: network.map(str::to_owned),
        valid_from: env.date(from as i64).to_string(),
        valid_to: to.and_then(|d| env.until(d)),
        detail,
    };
    env.truth.object(&o)
}

/// A new SIM (and, unless `handset` is given, a new handset), recorded in the truth.
#[allow(clippy::too_many_arguments)]
pub fn new_phone(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    country: &'static str,
    owner: Option<&str>,
    network: Option<&str>,
    day: u32,
    until: Option<u32>,
    handset: Option<&str>,
) -> Result<PhoneW, SimError> {
    let num = if country.is_empty() {
        PhoneNumber::satellite(rng)
    } else {
        PhoneNumber::new(rng, country)
    };
    let imei = handset
        .map(str::to_owned)
        .unwrap_or_else(|| idents::imei(rng));
    let p = PhoneW {
        id: env.ids.next(K::Phone),
        num,
        imei,
    };
    object(
        env,
        &p.id,
        "Phone",
        p.num.e164(),
        owner,
        network,
        day,
        until,
        Some(format!("imei {}", p.imei)),
    )?;
    Ok(p)
}

#[allow(clippy::too_many_arguments)]
pub fn new_account(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    country: &'static str,
    holder: Option<&str>,
    network: Option<&str>,
    day: u32,
    until: Option<u32>,
) -> Result<AccountW, SimError> {
    let iban = Iban::new(rng, country);
    let a = AccountW {
        id: env.ids.next(K::Account),
        iban,
    };
    object(
        env,
        &a.id,
        "BankAccount",
        a.iban.iban.clone(),
        holder,
        network,
        day,
        until,
        Some(format!("{} {}", a.iban.bank, a.iban.bic)),
    )?;
    Ok(a)
}

const MAKES: &[&str] = &[
    "Renault",
    "Mercedes-Benz",
    "Volvo",
    "Scania",
    "DAF",
    "Iveco",
    "MAN",
];
const VAN_MAKES: &[&str] = &[
    "Ford Transit",
    "Mercedes-Benz Sprinter",
    "Renault Master",
    "Fiat Ducato",
    "Volkswagen Crafter",
];
const CAR_MAKES: &[&str] = &[
    "Volkswagen Passat",
    "Škoda Octavia",
    "Audi A4",
    "Opel Astra",
    "BMW 320d",
];
const COLORS: &[&str] = &["white", "grey", "blue", "red", "black", "silver"];

#[allow(clippy::too_many_arguments)]
pub fn new_vehicle(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    country: &'static str,
    kind: &'static str,
    owner: Option<&str>,
    network: Option<&str>,
    day: u32,
    until: Option<u32>,
) -> Result<VehicleW, SimError> {
    let make = match kind {
        "lorry" => *pick(rng, MAKES),
        "van" => *pick(rng, VAN_MAKES),
        _ => *pick(rng, CAR_MAKES),
    };
    let v = VehicleW {
        id: env.ids.next(K::Vehicle),
        plate: idents::plate(rng, country),
        country,
        kind,
        make,
        color: COLORS[rng.gen_range(0..COLORS.len())],
    };
    object(
        env,
        &v.id,
        "Vehicle",
        v.plate.clone(),
        owner,
        network,
        day,
        until,
        Some(format!("{} {} {}", v.color, v.make, v.kind)),
    )?;
    Ok(v)
}

const VESSEL_NAMES: &[&str] = &[
    "Al Salam 2",
    "Nour El Bahr",
    "Sea Star",
    "Mariam 3",
    "Ocean Pearl",
    "Hai Long 8",
    "Sri Mutiara",
    "Chokchai 9",
    "Andaman Queen",
    "Blue Horizon",
    "Baraka",
    "Jasmine 7",
    "Golden Wave",
    "Amira",
    "Lucky Fortune 18",
    "Sinar Laut",
    "Rahmat 5",
    "Poseidon K",
    "Al Amal",
    "Star of Hope",
];

/// A vessel with identifiers (`imo` false for small boats without any).
#[allow(clippy::too_many_arguments)]
pub fn new_vessel(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    kind: &'static str,
    flag: &'static str,
    length: f64,
    registered: bool,
    owner: Option<&str>,
    network: Option<&str>,
    day: u32,
) -> Result<VesselW, SimError> {
    let v = VesselW {
        id: env.ids.next(K::Vessel),
        name: if registered {
            (*pick(rng, VESSEL_NAMES)).to_owned()
        } else {
            String::new()
        },
        imo: (registered && length >= 20.0).then(|| idents::imo(rng)),
        mmsi: registered.then(|| idents::mmsi(rng, flag)),
        call_sign: registered.then(|| idents::call_sign(rng, flag)),
        flag,
        kind,
        length,
    };
    let value = v
        .imo
        .clone()
        .or_else(|| v.mmsi.clone())
        .unwrap_or_else(|| format!("{kind} {length:.0} m"));
    let detail = format!(
        "{} flag {} mmsi {} call sign {}",
        if v.name.is_empty() {
            "(no name)"
        } else {
            &v.name
        },
        flag,
        v.mmsi.as_deref().unwrap_or("-"),
        v.call_sign.as_deref().unwrap_or("-")
    );
    object(
        env,
        &v.id,
        "Vessel",
        value,
        owner,
        network,
        day,
        None,
        Some(detail),
    )?;
    Ok(v)
}

/// A vessel renamed and reflagged: same hull (same truth id and IMO), new name, MMSI
/// and call sign — how smuggling ships shed their history.
pub fn reflag(rng: &mut ChaCha8Rng, v: &mut VesselW, flag: &'static str) {
    v.name = (*pick(rng, VESSEL_NAMES)).to_owned();
    v.flag = flag;
    v.mmsi = Some(idents::mmsi(rng, flag));
    v.call_sign = Some(idents::call_sign(rng, flag));
}

/// A genuine passport or ID card for a person (with an MRZ for passports).
pub fn own_document(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    p: &PersonW,
    day: u32,
) -> Result<DocW, SimError> {
    let today = env.date(day as i64);
    let issue = today - Duration::days(rng.gen_range(100..3000));
    let expiry = issue + Duration::days(365 * 10);
    let (kind, number) = if matches!(p.nationality, "fr" | "be" | "it" | "nl") && chance(rng, 0.6) {
        ("id_card", idents::id_card_number(rng, p.nationality))
    } else {
        ("passport", idents::passport_number(rng, p.nationality))
    };
    let mrz = (kind == "passport").then(|| {
        let canon = names::canonical(&p.name);
        let (given, surname) = match canon.rsplit_once(' ') {
            Some((g, s)) => (g.to_owned(), s.to_owned()),
            None => (canon.clone(), String::new()),
        };
        idents::mrz_td3(
            p.nationality,
            &surname,
            &given,
            &number,
            p.nationality,
            p.birth,
            p.female(),
            expiry,
        )
    });
    let d = DocW {
        id: env.ids.next(K::Document),
        kind,
        number,
        country: p.nationality,
        forged: false,
        issue,
        expiry,
        mrz,
    };
    object(
        env,
        &d.id,
        "IdentityDocument",
        format!("{} {}", d.country, d.number),
        Some(&p.id),
        None,
        day,
        None,
        Some(format!("{} genuine", d.kind)),
    )?;
    Ok(d)
}

/// A forged document made by a network's forger for a migrant.
pub fn forged_document(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    holder: &str,
    forger: &str,
    network: &str,
    day: u32,
) -> Result<DocW, SimError> {
    let country = *pick(rng, &["be", "fr", "it", "gr", "bg", "ro"]);
    let (kind, number) = if chance(rng, 0.5) {
        ("id_card", idents::id_card_number(rng, country))
    } else {
        ("passport", idents::passport_number(rng, country))
    };
    let today = env.date(day as i64);
    let d = DocW {
        id: env.ids.next(K::Document),
        kind,
        number,
        country,
        forged: true,
        issue: today - Duration::days(rng.gen_range(200..2000)),
        expiry: today + Duration::days(rng.gen_range(300..3000)),
        mrz: None,
    };
    object(
        env,
        &d.id,
        "IdentityDocument",
        format!("{} {}", d.country, d.number),
        Some(holder),
        Some(network),
        day,
        None,
        Some(format!("{} forged by {forger}", d.kind)),
    )?;
    Ok(d)
}

pub fn new_address(
    rng: &mut ChaCha8Rng,
    env: &mut Env,
    country: &'static str,
    kind: &'static str,
    resident: Option<&str>,
    network: Option<&str>,
    day: u32,
) -> Result<AddressW, SimError> {
    let a = AddressW {
        id: env.ids.next(K::Address),
        addr: Address::new(rng, country),
        kind,
    };
    object(
        env,
        &a.id,
        "Address",
        a.addr.full(),
        resident,
        network,
        day,
        None,
        Some(kind.to_owned()),
    )?;
    Ok(a)
}

/// A smuggler: a person with a role in a network cell, with the assets the role needs.
#[derive(Clone, Debug)]
pub struct Member {
    pub p: PersonW,
    pub role: &'static str,
    /// Country of the cell the member works in.
    pub country: &'static str,
    pub phone: PhoneW,
    pub phone_until: u32,
    pub account: Option<AccountW>,
    pub account_until: u32,
    pub vehicle: Option<VehicleW>,
    pub vehicle_until: u32,
    pub home: AddressW,
    pub active: bool,
    pub fate: &'static str,
}

/// A smuggling network.
pub struct Network {
    pub id: String,
    pub name: String,
    pub route: Route,
    pub org: String,
    pub members: Vec<Member>,
}

/// One member to create: role, cell country, nationalities to draw from.
pub struct MemberSpec {
    pub role: &'static str,
    pub country: &'static str,
    pub nationalities: &'static [&'static str],
}

pub const fn ms(
    role: &'static str,
    country: &'static str,
    nationalities: &'static [&'static str],
) -> MemberSpec {
    MemberSpec {
        role,
        country,
        nationalities,
    }
}

/// Phones rotate faster for those who talk most on them.
fn phone_life(rng: &mut ChaCha8Rng, role: &str) -> u32 {
    match role {
        "organizer" | "money_collector" => rng.gen_range(25..50),
        "recruiter" => rng.gen_range(40..80),
        _ => rng.gen_range(60..120),
    }
}

impl Network {
    pub fn new(
        rng: &mut ChaCha8Rng,
        env: &mut Env,
        route: Route,
        replica: u32,
        name: String,
        specs: &[MemberSpec],
    ) -> Result<Network, SimError> {
        let id = format!("network:{}-{}", route.slug(), replica + 1);
        let org = env.ids.next(K::Org);
        let mut net = Network {
            id,
            name,
            route,
            org,
            members: Vec::new(),
        };
        for s in specs {
            net.add_member(rng, env, s, 0)?;
        }
        let countries = {
            let mut c: Vec<&str> = specs.iter().map(|s| s.country).collect();
            c.sort_unstable();
            c.dedup();
            c.join(" ")
        };
        let mut roles = std::collections::BTreeMap::new();
        for s in specs {
            *roles.entry(s.role.to_owned()).or_insert(0) += 1;
        }
        env.networks.push(crate::NetworkSummary {
            network: net.id.clone(),
            route: route.slug().to_owned(),
            name: net.name.clone(),
            roles,
        });
        env.truth.network(&crate::truth::NetworkTruth {
            entity: net.id.clone(),
            route: route.slug().to_owned(),
            name: net.name.clone(),
            countries,
            members: specs.len() as u32,
        })?;
        env.truth.object(&ObjectTruth {
            entity: net.org.clone(),
            schema: "Organization".into(),
            value: net.name.clone(),
            owner: None,
            network: Some(net.id.clone()),
            valid_from: env.date(0).to_string(),
            valid_to: None,
            detail: Some("smuggling network".into()),
        })?;
        Ok(net)
    }

    pub fn add_member(
        &mut self,
        rng: &mut ChaCha8Rng,
        env: &mut Env,
        s: &MemberSpec,
        day: u32,
    ) -> Result<usize, SimError> {
        let today = env.date(day as i64);
        let nat = *pick(rng, s.nationalities);
        let female_p = if s.role == "money_collector" || s.role == "safe_house_keeper" {
            0.25
        } else {
            0.05
        };
        let mut p = new_person(rng, env, nat, (22, 58), female_p, today);
        if matches!(s.role, "organizer" | "recruiter" | "money_collector") || chance(rng, 0.3) {
            p.nickname = Some(names::nickname(rng, &p.name));
        }
        p.doc = Some(own_document(rng, env, &p, day)?);
        let phone_country: &'static str = [s.country, nat]
            .into_iter()
            .find(|c| idents::has_phone_plan(c))
            .unwrap_or("ly");
        let life = phone_life(rng, s.role);
        let phone = new_phone(
            rng,
            env,
            phone_country,
            Some(&p.id),
            Some(&self.id),
            day,
            Some(day + life),
            None,
        )?;
        let (account, account_until) = if s.role == "money_collector" || s.role == "organizer" {
            let c = if idents::IBAN_COUNTRIES.contains(&s.country) {
                s.country
            } else {
                "be"
            };
            let life = rng.gen_range(60..120);
            (
                Some(new_account(
                    rng,
                    env,
                    c,
                    Some(&p.id),
                    Some(&self.id),
                    day,
                    Some(day + life),
                )?),
                day + life,
            )
        } else {
            (None, u32::MAX)
        };
        let (vehicle, vehicle_until) = if s.role == "driver" {
            let kind = match self.route {
                Route::Channel => "lorry",
                Route::Balkan => {
                    if chance(rng, 0.6) {
                        "van"
                    } else {
                        "car"
                    }
                }
                _ => "van",
            };
            let plate_country = match self.route {
                Route::Channel => *pick(rng, &["fr", "be", "nl", "pl", "ro", "bg", "lt"]),
                Route::Balkan => *pick(rng, &["rs", "mk", "bg", "ro", "at", "gr"]),
                _ => s.country,
            };
            let life = rng.gen_range(60..150);
            (
                Some(new_vehicle(
                    rng,
                    env,
                    plate_country,
                    kind,
                    Some(&p.id),
                    Some(&self.id),
                    day,
                    Some(day + life),
                )?),
                day + life,
            )
        } else {
            (None, u32::MAX)
        };
        let home = new_address(
            rng,
            env,
            s.country,
            "residence",
            Some(&p.id),
            Some(&self.id),
            day,
        )?;
        p.phone = Some(phone.clone());
        self.members.push(Member {
            p,
            role: s.role,
            country: s.country,
            phone,
            phone_until: day + life,
            account,
            account_until,
            vehicle,
            vehicle_until,
            home,
            active: true,
            fate: "at_large",
        });
        Ok(self.members.len() - 1)
    }

    /// New SIM cards, new plates, new accounts when their time is up.
    pub fn rotate(
        &mut self,
        rng: &mut ChaCha8Rng,
        env: &mut Env,
        day: u32,
    ) -> Result<(), SimError> {
        for m in self.members.iter_mut().filter(|m| m.active) {
            if day >= m.phone_until {
                let life = phone_life(rng, m.role);
                // half the time only the SIM changes, the handset stays (same IMEI)
                let handset = chance(rng, 0.5).then(|| m.phone.imei.clone());
                let country = m.phone.num.country;
                m.phone = new_phone(
                    rng,
                    env,
                    country,
                    Some(&m.p.id),
                    Some(&self.id),
                    day,
                    Some(day + life),
                    handset.as_deref(),
                )?;
                m.p.phone = Some(m.phone.clone());
                m.phone_until = day + life;
            }
            if day >= m.account_until {
                if let Some(a) = &m.account {
                    let life = rng.gen_range(60..120);
                    let country = a.iban.country;
                    m.account = Some(new_account(
                        rng,
                        env,
                        country,
                        Some(&m.p.id),
                        Some(&self.id),
                        day,
                        Some(day + life),
                    )?);
                    m.account_until = day + life;
                }
            }
            if day >= m.vehicle_until {
                if let Some(v) = &m.vehicle {
                    let life = rng.gen_range(60..150);
                    let (country, kind) = (v.country, v.kind);
                    m.vehicle = Some(new_vehicle(
                        rng,
                        env,
                        country,
                        kind,
                        Some(&m.p.id),
                        Some(&self.id),
                        day,
                        Some(day + life),
                    )?);
                    m.vehicle_until = day + life;
                }
            }
        }
        Ok(())
    }

    /// Active members with a role (indexes).
    pub fn with_role(&self, role: &str) -> Vec<usize> {
        self.members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.active && m.role == role)
            .map(|(i, _)| i)
            .collect()
    }

    pub fn pick_role(&self, rng: &mut ChaCha8Rng, role: &str) -> Option<usize> {
        let v = self.with_role(role);
        (!v.is_empty()).then(|| v[rng.gen_range(0..v.len())])
    }

    /// Active members with a role in given countries.
    pub fn pick_role_in(
        &self,
        rng: &mut ChaCha8Rng,
        role: &str,
        countries: &[&str],
    ) -> Option<usize> {
        let v: Vec<usize> = self
            .with_role(role)
            .into_iter()
            .filter(|i| countries.contains(&self.members[*i].country))
            .collect();
        (!v.is_empty()).then(|| v[rng.gen_range(0..v.len())])
    }

    /// Truth rows of all members (written at the end, once their fate is known).
    pub fn write_members(&self, truth: &mut TruthWriter) -> Result<(), SimError> {
        for m in &self.members {
            truth.person(&person_truth(
                &m.p,
                "smuggler",
                Some(&self.id),
                m.role,
                Some(m.country),
                false,
                false,
                false,
                Some(m.fate),
            ))?;
        }
        Ok(())
    }
}
