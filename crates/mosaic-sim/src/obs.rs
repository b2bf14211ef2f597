//! Observation: turning real things into what one agency writes about them — its
//! spelling of names, its date and phone habits, its grading and handling codes — with
//! noise applied and counted.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use mosaic_model::Schema;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::agencies::{agency, AgencyDef};
use crate::idents::{self, PhoneNumber, ALL_FORMATS, INTL_FORMATS};
use crate::names::{self, Written};
use crate::out::Out;
use crate::rep::{Ent, PlaceV, Rep, V};
use crate::util::{chance, weighted};
use crate::world::{AccountW, DocW, PersonW, PhoneW, VehicleW, VesselW};

/// What to write about a person.
#[derive(Clone, Copy, Debug, Default)]
pub struct PersonOpts {
    /// Write first and last name separately as well as the full name.
    pub split: bool,
    pub dob: bool,
    pub nationality: bool,
    pub gender: bool,
    /// The person's own document number as `idNumber`.
    pub id_number: bool,
    pub nickname: bool,
    /// Also record the name in its original script as an alias (interpreters do).
    pub native: bool,
    pub child: Option<bool>,
    pub asylum: Option<bool>,
}

/// An agency's pen, for one report.
pub struct Obs<'a> {
    pub a: &'static AgencyDef,
    pub rng: &'a mut ChaCha8Rng,
    pub nrng: &'a mut ChaCha8Rng,
    pub out: &'a mut Out,
}

impl<'a> Obs<'a> {
    pub fn new(
        agency_id: &str,
        rng: &'a mut ChaCha8Rng,
        nrng: &'a mut ChaCha8Rng,
        out: &'a mut Out,
    ) -> Obs<'a> {
        Obs {
            a: agency(agency_id),
            rng,
            nrng,
            out,
        }
    }

    /// Whether an optional field is filled in (the "missing" noise).
    pub fn keep(&mut self) -> bool {
        let drop = chance(self.nrng, self.out.noise.missing);
        self.out.ncounts.add("missing", drop);
        !drop
    }

    pub fn name(&mut self, p: &PersonW) -> Written {
        let noise = self.out.noise.names;
        names::write(
            self.nrng,
            &p.name,
            &self.a.names,
            &noise,
            &mut self.out.names,
        )
    }

    /// A birth date as recorded: sometimes 1 January of the year (no documents),
    /// sometimes with day and month swapped.
    pub fn dob(&mut self, p: &PersonW) -> V {
        let b = p.birth;
        let jan = chance(self.nrng, self.out.noise.jan_first);
        self.out.ncounts.add("jan_first", jan);
        if jan {
            return V::Date(NaiveDate::from_ymd_opt(b.year(), 1, 1).expect("valid"));
        }
        V::Date(self.maybe_swap(b))
    }

    /// Swaps day and month with the dm_swap probability when the result is a valid,
    /// different date.
    pub fn maybe_swap(&mut self, d: NaiveDate) -> NaiveDate {
        let swap = chance(self.nrng, self.out.noise.dm_swap);
        if d.day() <= 12 && d.day() != d.month() {
            self.out.ncounts.add("dm_swap", swap);
            if swap {
                if let Some(s) = NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()) {
                    return s;
                }
            }
        }
        d
    }

    pub fn phone(&mut self, n: &PhoneNumber) -> String {
        let other = chance(self.nrng, self.out.noise.phone_format);
        self.out.ncounts.add("phone_format", other);
        let domestic = n.country == self.a.country;
        let fmt = if other {
            if domestic {
                ALL_FORMATS[self.nrng.gen_range(0..ALL_FORMATS.len())]
            } else {
                INTL_FORMATS[self.nrng.gen_range(0..INTL_FORMATS.len())]
            }
        } else if domestic {
            self.a.phone_home
        } else {
            self.a.phone_foreign
        };
        n.write(fmt, self.a.country)
    }

    pub fn plate(&mut self, plate: &str) -> String {
        let other = chance(self.nrng, self.out.noise.plate_format);
        self.out.ncounts.add("plate_format", other);
        if other {
            idents::plate_variant(self.nrng, plate)
        } else {
            plate.to_owned()
        }
    }

    pub fn grading(&mut self) -> Option<String> {
        if self.a.gradings.is_empty() {
            return None;
        }
        Some((*weighted(self.rng, self.a.gradings)).to_owned())
    }

    /// A report from this agency with its usual labels.
    pub fn rep(
        &mut self,
        stream: usize,
        report_type: &'static str,
        source_ref: String,
        reported_at: DateTime<Utc>,
        observed_at: Option<DateTime<Utc>>,
    ) -> Rep {
        let handling = *weighted(self.rng, self.a.handlings);
        let tlp = *weighted(self.rng, self.a.tlps);
        let grading = self.grading();
        Rep {
            stream,
            agency: self.a.id,
            report_type,
            author: None,
            source_ref,
            reported_at,
            observed_at,
            grading,
            handling,
            handling_conditions: (handling == "H3")
                .then(|| self.a.conditions.unwrap_or("see provider").to_owned()),
            tlp,
            classification: self.a.classification,
            purpose: None,
            legal_basis: None,
            language: Some(self.a.language),
            narrative: None,
            place: None,
            entities: Vec::new(),
            roles: Vec::new(),
            extras: Vec::new(),
            event: None,
            operation: None,
            offset: self.a.offset,
        }
    }

    pub fn place(name: impl Into<String>, country: &'static str, lat: f64, lon: f64) -> PlaceV {
        PlaceV {
            name: Some(name.into()),
            country: Some(country),
            point: Some((lat, lon)),
        }
    }

    /// A person mention.
    pub fn person(&mut self, key: &str, p: &PersonW, o: PersonOpts) -> Ent {
        let mut e = Ent::new(key, Schema::Person, p.id.clone());
        let w = self.name(p);
        e.s("name", w.full.clone());
        if o.split {
            e.s("firstName", w.first.clone());
            if !w.last.is_empty() {
                e.s("lastName", w.last.clone());
            }
        }
        if o.dob && self.keep() {
            let d = self.dob(p);
            e.p("birthDate", d);
        }
        if o.nationality && self.keep() {
            e.s("nationality", p.nationality);
        }
        if o.gender && self.keep() {
            e.s("gender", p.gender());
        }
        if o.id_number {
            if let Some(d) = &p.doc {
                if self.keep() {
                    e.s("idNumber", d.number.clone());
                }
            }
        }
        if o.nickname {
            if let Some(n) = &p.nickname {
                e.s("alias", n.clone());
            }
        }
        if o.native && chance(self.rng, 0.3) {
            if let Some(n) = names::native(&p.name) {
                e.s("alias", n);
            }
        }
        if let Some(c) = o.child {
            e.s("child", if c { "true" } else { "false" });
        }
        if let Some(a) = o.asylum {
            e.s("asylumApplicant", if a { "true" } else { "false" });
            if a && self.a.kind == "ngo" {
                e.s("fledFrom", p.nationality);
            }
        }
        e
    }

    /// A mention known only by a nickname (phone intercepts, debriefs).
    pub fn alias_only(&mut self, key: &str, p: &PersonW) -> Option<Ent> {
        let n = p.nickname.as_ref()?;
        let mut e = Ent::new(key, Schema::Person, p.id.clone());
        e.s("alias", n.clone());
        Some(e)
    }

    pub fn phone_ent(&mut self, key: &str, ph: &PhoneW, owner: Option<&str>, imei: bool) -> Ent {
        let mut e = Ent::new(key, Schema::Phone, ph.id.clone());
        let n = self.phone(&ph.num);
        e.s("number", n);
        if imei {
            e.s("imei", ph.imei.clone());
        }
        if let Some(o) = owner {
            e.s("owner", o);
        }
        e
    }

    pub fn vehicle_ent(&mut self, key: &str, v: &VehicleW, operator: Option<&str>) -> Ent {
        let mut e = Ent::new(key, Schema::Vehicle, v.id.clone());
        let plate = self.plate(&v.plate);
        e.s("registrationNumber", plate);
        if self.keep() {
            e.s("country", v.country);
        }
        e.s("type", v.kind);
        if self.keep() {
            e.s("make", v.make);
        }
        if self.keep() {
            e.s("color", v.color);
        }
        if let Some(o) = operator {
            e.s("operator", o);
        }
        e
    }

    pub fn vessel_ent(&mut self, key: &str, v: &VesselW, operator: Option<&str>) -> Ent {
        let mut e = Ent::new(key, Schema::Vessel, v.id.clone());
        if !v.name.is_empty() {
            e.s("name", v.name.clone());
        }
        if let Some(i) = &v.imo {
            if self.keep() {
                e.s(
                    "imoNumber",
                    if chance(self.rng, 0.5) {
                        format!("IMO {i}")
                    } else {
                        i.clone()
                    },
                );
            }
        }
        if let Some(m) = &v.mmsi {
            e.s("mmsi", m.clone());
        }
        if let Some(c) = &v.call_sign {
            if self.keep() {
                e.s("callSign", c.clone());
            }
        }
        if v.mmsi.is_some() {
            e.s("flag", v.flag);
        }
        e.s("type", v.kind);
        e.p("lengthMeters", V::num(v.length, 0));
        if let Some(o) = operator {
            e.s("operator", o);
        }
        e
    }

    pub fn account_ent(
        &mut self,
        key: &str,
        a: &AccountW,
        holder: Option<&str>,
        grouped: bool,
    ) -> Ent {
        let mut e = Ent::new(key, Schema::BankAccount, a.id.clone());
        e.s(
            "iban",
            if grouped {
                a.iban.grouped()
            } else {
                a.iban.iban.clone()
            },
        );
        if self.keep() {
            e.s("bic", a.iban.bic);
            e.s("bankName", a.iban.bank);
        }
        e.s("country", a.iban.country);
        if let Some(h) = holder {
            e.s("holder", h);
        }
        e
    }

    pub fn doc_ent(&mut self, key: &str, d: &DocW, holder: Option<&str>) -> Ent {
        let mut e = Ent::new(key, Schema::IdentityDocument, d.id.clone());
        e.s("number", d.number.clone());
        e.s("country", d.country);
        e.s("type", d.kind);
        if self.keep() {
            e.p("issueDate", V::Date(d.issue));
            e.p("expiryDate", V::Date(d.expiry));
        }
        if let Some(m) = &d.mrz {
            if self.keep() {
                e.s("mrz", m.clone());
            }
        }
        if d.forged {
            e.s("forged", "true");
        }
        if let Some(h) = holder {
            e.s("holder", h);
        }
        e
    }
}
