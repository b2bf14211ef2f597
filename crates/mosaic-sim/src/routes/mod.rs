//! The four routes, each a day-by-day simulation of one or more networks, and helpers
//! they share (payments, protection referrals, times of day).

pub mod asia;
pub mod balkan;
pub mod channel;
pub mod med;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::agencies::streams;
use crate::obs::{Obs, PersonOpts};
use crate::out::Out;
use crate::rep::{Ent, PlaceV, V};
use crate::truth::PaymentRef;
use crate::world::{PersonW, K};
use crate::SimError;

/// A day's simulation of one network on one route.
pub trait RouteSim {
    fn step(&mut self, day: u32, out: &mut Out) -> Result<(), SimError>;
    /// Writes what is only known at the end (members and their fate).
    fn finish(&mut self, out: &mut Out) -> Result<(), SimError>;
}

/// Statistics of smuggling fees on one leg.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FeeStats {
    pub currency: String,
    pub count: u64,
    pub sum: f64,
    pub sum_sq: f64,
    pub min: f64,
    pub max: f64,
    pub by_method: BTreeMap<String, u64>,
}

impl FeeStats {
    pub fn add(&mut self, amount: f64, currency: &str, method: &str) {
        if self.count == 0 {
            self.min = amount;
            self.max = amount;
            self.currency = currency.to_owned();
        }
        self.count += 1;
        self.sum += amount;
        self.sum_sq += amount * amount;
        self.min = self.min.min(amount);
        self.max = self.max.max(amount);
        *self.by_method.entry(method.to_owned()).or_default() += 1;
    }
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }
    pub fn sd(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let m = self.mean();
        ((self.sum_sq / self.count as f64 - m * m).max(0.0)).sqrt()
    }
}

/// A UTC instant at a local time of a day.
pub fn at(date: NaiveDate, hour: u32, minute: u32, offset_secs: i32) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time"));
    Utc.from_utc_datetime(&local) - Duration::seconds(offset_secs as i64)
}

/// Some time in the night starting on `date` (20:00–05:00 local), to the minute.
pub fn night(rng: &mut ChaCha8Rng, date: NaiveDate, offset: i32) -> DateTime<Utc> {
    at(date, 20, 0, offset) + Duration::minutes(rng.gen_range(0..9 * 60))
}

/// Some time of day (07:00–19:00 local), to the minute.
pub fn daytime(rng: &mut ChaCha8Rng, date: NaiveDate, offset: i32) -> DateTime<Utc> {
    at(date, 7, 0, offset) + Duration::minutes(rng.gen_range(0..12 * 60))
}

/// A later moment, `min_h` to `max_h` hours after `t`, to the minute.
pub fn later(rng: &mut ChaCha8Rng, t: DateTime<Utc>, min_h: i64, max_h: i64) -> DateTime<Utc> {
    t + Duration::minutes(rng.gen_range(min_h * 60..=max_h * 60))
}

/// Rounds to `step`.
pub fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

/// A payment: written to the truth and returned with its id.
#[allow(clippy::too_many_arguments)]
pub fn payment(
    out: &mut Out,
    payer: Option<&str>,
    beneficiary: Option<&str>,
    payer_account: Option<&str>,
    beneficiary_account: Option<&str>,
    amount: f64,
    currency: &str,
    date: NaiveDate,
    method: &str,
    fee_leg: Option<&str>,
    network: Option<&str>,
) -> Result<String, SimError> {
    let id = out.ids.next(K::Payment);
    if let Some(leg) = fee_leg {
        out.fees
            .entry(leg.to_owned())
            .or_default()
            .add(amount, currency, method);
    }
    out.truth.payment(&PaymentRef {
        entity: &id,
        payer,
        beneficiary,
        payer_account,
        beneficiary_account,
        amount,
        currency,
        date,
        method,
        fee: fee_leg.is_some(),
        leg: fee_leg,
        network,
    })?;
    Ok(id)
}

/// A migrant as the scenario follows them.
#[derive(Clone, Debug)]
pub struct Migrant {
    pub p: PersonW,
    pub child: bool,
    pub vot: bool,
    /// Will apply (or has applied) for asylum.
    pub asylum: bool,
    pub referred: bool,
    pub forged: Option<crate::world::DocW>,
}

/// Where NGOs refer people from.
pub struct Shelter {
    pub name: &'static str,
    pub country: &'static str,
    pub lat: f64,
    pub lon: f64,
}

pub const SHELTERS: &[Shelter] = &[
    Shelter {
        name: "Calais, accueil de jour",
        country: "fr",
        lat: 50.9481,
        lon: 1.8760,
    },
    Shelter {
        name: "Bruxelles, hub humanitaire (Gare du Nord)",
        country: "be",
        lat: 50.8603,
        lon: 4.3615,
    },
    Shelter {
        name: "London, Croydon intake unit",
        country: "gb",
        lat: 51.3762,
        lon: -0.0982,
    },
    Shelter {
        name: "Lampedusa, hotspot di Contrada Imbriacola",
        country: "it",
        lat: 35.5050,
        lon: 12.5950,
    },
    Shelter {
        name: "Subotica, centar za prihvat",
        country: "rs",
        lat: 46.1000,
        lon: 19.6650,
    },
    Shelter {
        name: "Penang, community shelter",
        country: "my",
        lat: 5.4141,
        lon: 100.3288,
    },
    Shelter {
        name: "Lesvos, Mavrovouni reception centre",
        country: "gr",
        lat: 39.1200,
        lon: 26.5550,
    },
];

/// A protection referral by the partner NGO: who the person is, that they are a child or
/// a victim of trafficking, whether they applied for asylum, and the consent given.
#[allow(clippy::too_many_arguments)]
pub fn ngo_referral(
    out: &mut Out,
    orng: &mut ChaCha8Rng,
    nrng: &mut ChaCha8Rng,
    m: &Migrant,
    shelter: usize,
    when: DateTime<Utc>,
    event: Option<&str>,
    operation: Option<&str>,
) -> Result<(), SimError> {
    if !out.on(streams::NGO) {
        return Ok(());
    }
    let seq = out.seq(streams::NGO);
    let year = when.format("%Y");
    let reported = later(orng, when, 6, 72);
    let sh = &SHELTERS[shelter];
    let mut o = Obs::new("ngo-aid", orng, nrng, out);
    let mut rep = o.rep(
        streams::NGO,
        "protection_referral",
        format!("RAN-REF-{year}-{seq:05}"),
        reported,
        Some(when),
    );
    rep.purpose = Some("protection of a vulnerable person");
    rep.legal_basis = Some("consent of the person, or the best interests of the child");
    let mut e = o.person(
        "p",
        &m.p,
        PersonOpts {
            dob: true,
            nationality: true,
            gender: true,
            native: true,
            child: Some(m.child),
            asylum: Some(m.asylum),
            ..Default::default()
        },
    );
    if let Some(ph) = &m.p.phone {
        if o.keep() {
            let n = o.phone(&ph.num);
            e.s("phone", n);
        }
    }
    rep.add(e);
    rep.role(
        "p",
        if m.vot {
            "victim_of_trafficking"
        } else {
            "smuggled_migrant"
        },
    );
    let consent = if m.child {
        match o.rng.gen_range(0..3) {
            0 => "Consent: the young person agreed to the referral; guardian ad litem informed; interpreter present.",
            1 => "Consent: not sought from the child alone; referral made in the best interests of the child and the guardian informed.",
            _ => "Consent: given verbally by the young person with an interpreter; written consent to follow.",
        }
    } else {
        match o.rng.gen_range(0..2) {
            0 => "Consent: given in writing to the referral and to sharing with the protection services named here.",
            _ => "Consent: given verbally with an interpreter; the person asked that no data reach the authorities of their country.",
        }
    };
    let what = match (m.child, m.vot) {
        (true, true) => "Unaccompanied child showing indicators of trafficking (debt bondage, confiscated phone).",
        (true, false) => "Unaccompanied child travelling alone; needs safe accommodation and a guardian.",
        (false, true) => "Adult showing indicators of trafficking (debt to the smugglers, forced work, threats to family).",
        (false, false) => "Vulnerable adult in need of medical and legal assistance.",
    };
    let asylum = if m.asylum {
        " The person has applied for international protection."
    } else {
        ""
    };
    rep.narrative = Some(format!(
        "{what}{asylum} Referred from {}. {consent}",
        sh.name
    ));
    rep.place = Some(PlaceV {
        name: Some(sh.name.to_owned()),
        country: Some(sh.country),
        point: Some((sh.lat, sh.lon)),
    });
    rep.event = event.map(str::to_owned);
    rep.operation = operation.map(str::to_owned);
    o.out.emit(rep, o.nrng)
}

/// An event mention (BorderEvent) with its truth id.
#[allow(clippy::too_many_arguments)]
pub fn border_event(
    key: &str,
    truth: &str,
    event_type: &str,
    impact: &str,
    date: DateTime<Utc>,
    place: &str,
    lat: f64,
    lon: f64,
    persons: u32,
) -> Ent {
    let mut e = Ent::new(key, mosaic_model::Schema::BorderEvent, truth);
    e.s("eventType", event_type)
        .s("impact", impact)
        .s(
            "date",
            date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
        .s("place", place)
        .p("latitude", V::num(lat, 4))
        .p("longitude", V::num(lon, 4))
        .p("personsInvolved", V::int(persons as i64));
    e
}
