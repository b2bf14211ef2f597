//! The Channel network (the documented case, CTOC/COP/WG.7/2013/3 §23): Middle Eastern
//! and other migrants recruited in Turkey, across the Aegean to Greece, on to France and
//! Belgium, where they pay about 2,000 euros and are loaded each night onto lorries at
//! parking areas for the ferries and the tunnel to the United Kingdom. 20–30 attempts a
//! day, about 10 succeed; the base shifts from France to Belgium over the year; a joint
//! operation ends it with 36 arrests, 2 European arrest warrants and 45 premises
//! searched.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{
    at, border_event, daytime, later, ngo_referral, night, payment, round_to, Migrant, RouteSim,
};
use crate::agencies::streams;
use crate::config::Route;
use crate::obs::{Obs, PersonOpts};
use crate::out::Out;
use crate::places::{self, Place, CHANNEL_CHECKPOINTS, CHANNEL_PARKINGS};
use crate::rep::{Ent, PlaceV, V};
use crate::truth::{EventTruth, OperationTruth};
use crate::util::{chance, normal, pick, poisson, stream, weighted};
use crate::world::{self, ms, AddressW, MemberSpec, Network, PersonW, VehicleW, VesselW, K};
use crate::SimError;

/// Documented and calibrated parameters.
pub const ATTEMPTS_MIN: u32 = 20;
pub const ATTEMPTS_MAX: u32 = 30;
/// Chance that a lorry gets through: 10.5 of 25 attempts a day on average.
pub const SUCCESS_P: f64 = 0.42;
pub const FEE_MEAN: f64 = 2000.0;
pub const FEE_SD: f64 = 150.0;
pub const ARRESTS: u32 = 36;
pub const EAWS: u32 = 2;
pub const SEARCHES: u32 = 45;

/// The network: 44 members. Those in France, Belgium and the United Kingdom (36) are
/// arrested in the operation; the two in the Netherlands are the subjects of European
/// arrest warrants; those in Greece and Turkey remain at large.
pub const MEMBERS: &[MemberSpec] = &[
    ms("organizer", "be", &["iq"]),
    ms("organizer", "fr", &["iq", "ir"]),
    ms("organizer", "gb", &["iq"]),
    ms("recruiter", "tr", &["tr", "iq"]),
    ms("recruiter", "tr", &["tr", "sy"]),
    ms("recruiter", "gr", &["iq", "af"]),
    ms("recruiter", "fr", &["iq", "er"]),
    ms("driver", "fr", &["ro", "bg", "pl", "fr"]),
    ms("driver", "fr", &["ro", "bg", "pl", "fr"]),
    ms("driver", "fr", &["lt", "pl", "fr"]),
    ms("driver", "fr", &["iq", "fr"]),
    ms("driver", "fr", &["ro", "bg"]),
    ms("driver", "fr", &["fr", "be"]),
    ms("driver", "fr", &["pl", "lt"]),
    ms("driver", "fr", &["ro", "pl"]),
    ms("driver", "be", &["be", "nl"]),
    ms("driver", "be", &["ro", "bg", "pl"]),
    ms("driver", "be", &["lt", "pl"]),
    ms("driver", "be", &["iq", "be"]),
    ms("driver", "be", &["bg", "ro"]),
    ms("driver", "be", &["be", "fr"]),
    ms("driver", "be", &["ro", "pl"]),
    ms("driver", "be", &["lt", "bg"]),
    ms("boat_pilot", "tr", &["tr", "sy"]),
    ms("boat_pilot", "tr", &["tr", "ua"]),
    ms("money_collector", "be", &["iq", "be"]),
    ms("money_collector", "be", &["iq", "sy"]),
    ms("money_collector", "fr", &["iq", "fr"]),
    ms("money_collector", "gb", &["iq", "gb"]),
    ms("money_collector", "gb", &["iq", "ir"]),
    ms("money_collector", "nl", &["iq", "nl"]),
    ms("document_forger", "gr", &["gr", "iq"]),
    ms("document_forger", "nl", &["nl", "iq"]),
    ms("document_forger", "be", &["be", "iq"]),
    ms("safe_house_keeper", "fr", &["iq", "er"]),
    ms("safe_house_keeper", "fr", &["iq", "af"]),
    ms("safe_house_keeper", "fr", &["fr", "iq"]),
    ms("safe_house_keeper", "fr", &["er", "iq"]),
    ms("safe_house_keeper", "be", &["iq", "be"]),
    ms("safe_house_keeper", "be", &["iq", "sy"]),
    ms("safe_house_keeper", "be", &["af", "iq"]),
    ms("safe_house_keeper", "be", &["er", "iq"]),
    ms("safe_house_keeper", "be", &["be", "iq"]),
    ms("safe_house_keeper", "gb", &["iq", "gb"]),
];

/// Where the migrants come from.
const ORIGINS: &[(&str, u32)] = &[
    ("iq", 28),
    ("af", 18),
    ("sy", 14),
    ("ir", 10),
    ("er", 10),
    ("vn", 8),
    ("sd", 7),
    ("eg", 3),
    ("al", 2),
];

const TRUCKER_NATIONS: &[&str] = &["pl", "ro", "bg", "lt", "gb", "nl", "fr", "be", "tr"];

/// What the statistics test checks (per network).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChannelStats {
    pub network: String,
    pub days: u32,
    /// Persons who tried to cross, per day.
    pub attempts_per_day: Vec<u32>,
    pub successes_per_day: Vec<u32>,
    pub lorries: u64,
    pub lorries_intercepted: u64,
    /// Distinct persons who reached the United Kingdom.
    pub people_smuggled: u64,
    pub migrants_created: u64,
    pub children: u64,
    pub victims_of_trafficking: u64,
    pub arrests: u32,
    pub eaws: u32,
    pub searches: u32,
}

struct Pending {
    payment: String,
    payer: PersonW,
    payer_acc: crate::world::AccountW,
    payee: usize,
    payee_acc: crate::world::AccountW,
    amount: f64,
    date: NaiveDate,
    method: &'static str,
    purpose: &'static str,
}

pub struct Channel {
    net: Network,
    w: ChaCha8Rng,
    o: ChaCha8Rng,
    n: ChaCha8Rng,
    days: u32,
    op_day: u32,
    invest_start: u32,
    op_id: String,
    /// Recruited, on the way through Turkey and Greece (with the day they set out).
    pipeline: VecDeque<(u32, Migrant)>,
    /// In France or Belgium, waiting for a lorry.
    waiting: VecDeque<Migrant>,
    /// In the United Kingdom (with the day they arrived; negative: before the start).
    arrived: VecDeque<(i64, Migrant)>,
    pending: Vec<Pending>,
    ferries: Vec<VesselW>,
    safe_houses: Vec<AddressW>,
    other_premises: Vec<AddressW>,
    pub stats: ChannelStats,
}

fn blank_migrant(p: PersonW) -> Migrant {
    Migrant {
        p,
        child: false,
        vot: false,
        asylum: false,
        referred: false,
        forged: None,
    }
}

impl Channel {
    pub fn new(seed: u64, replica: u32, out: &mut Out, days: u32) -> Result<Channel, SimError> {
        let mut w = stream(seed, &[1, replica as u64, 1]);
        let o = stream(seed, &[1, replica as u64, 2]);
        let n = stream(seed, &[1, replica as u64, 3]);
        let name = if replica == 0 {
            "Réseau Calais–Zeebrugge (OCC case)".to_owned()
        } else {
            format!("Channel network {}", replica + 1)
        };
        let mut env = out.env();
        let net = Network::new(&mut w, &mut env, Route::Channel, replica, name, MEMBERS)?;
        let mut ferries = Vec::new();
        for _ in 0..3 {
            let mut f = world::new_vessel(
                &mut w,
                &mut env,
                "ro-ro ferry",
                "gb",
                180.0,
                true,
                None,
                None,
                0,
            )?;
            f.name = format!(
                "{} {}",
                pick(&mut w, &["Flanders", "Opal", "Kentish", "Northern"]),
                pick(&mut w, &["Spirit", "Pioneer", "Meridian", "Courage"])
            );
            ferries.push(f);
        }
        // 6 safe houses, 2 garages and a money office: with the 36 homes, 45 premises.
        let mut safe_houses = Vec::new();
        for c in ["fr", "fr", "fr", "be", "be", "be"] {
            safe_houses.push(world::new_address(
                &mut w,
                &mut env,
                c,
                "safe_house",
                None,
                Some(&net.id),
                0,
            )?);
        }
        let other_premises = vec![
            world::new_address(&mut w, &mut env, "be", "garage", None, Some(&net.id), 0)?,
            world::new_address(&mut w, &mut env, "fr", "garage", None, Some(&net.id), 0)?,
            world::new_address(
                &mut w,
                &mut env,
                "be",
                "money_office",
                None,
                Some(&net.id),
                0,
            )?,
        ];
        let op_day = days.saturating_sub(1);
        let op_id = format!("operation:{}", net.id.trim_start_matches("network:"));
        let mut ch = Channel {
            stats: ChannelStats {
                network: net.id.clone(),
                ..Default::default()
            },
            net,
            w,
            o,
            n,
            days,
            op_day,
            invest_start: op_day.saturating_sub(150),
            op_id,
            pipeline: VecDeque::new(),
            waiting: VecDeque::new(),
            arrived: VecDeque::new(),
            pending: Vec::new(),
            ferries,
            safe_houses,
            other_premises,
        };
        // Already under way at the start: a pool waiting in France and Belgium and a month
        // of people on the road behind them.
        // The network was at work before: some of its earlier clients live in the UK.
        for i in 0..150 {
            let back = 170 - i as i64;
            let m = ch.new_migrant(out, 0, -back - 30)?;
            ch.arrive(out, m, 0, -back - 2)?;
            if let Some(m) = ch.waiting.pop_back() {
                ch.arrived.push_back((-back, m));
            }
        }
        for _ in 0..50 {
            let back = ch.w.gen_range(1..20);
            let m = ch.new_migrant(out, 0, -(back as i64))?;
            ch.arrive(out, m, 0, -(back as i64))?;
        }
        for i in 0..330 {
            let back = 30 - (i / 11) as i64;
            let m = ch.new_migrant(out, 0, -back)?;
            ch.pipeline.push_back((0, m));
        }
        Ok(ch)
    }

    fn date(&self, out: &Out, day: i64) -> NaiveDate {
        out.start + Duration::days(day)
    }

    /// Recruits one migrant (truth row written now) and takes the Aegean-leg fee.
    fn new_migrant(&mut self, out: &mut Out, day: u32, offset: i64) -> Result<Migrant, SimError> {
        let today = self.date(out, day as i64 + offset);
        let nat = *weighted(&mut self.w, ORIGINS);
        let child = chance(&mut self.w, 0.09);
        let age = if child { (13, 17) } else { (18, 45) };
        let female_p = if nat == "er" || nat == "vn" {
            0.3
        } else {
            0.12
        };
        let mut env = out.env();
        let mut p = world::new_person(&mut self.w, &mut env, nat, age, female_p, today);
        let vot = chance(&mut self.w, if nat == "vn" { 0.35 } else { 0.05 });
        let asylum = chance(&mut self.w, 0.35);
        if chance(&mut self.w, 0.4) {
            let country = if chance(&mut self.w, 0.5) && crate::idents::has_phone_plan(nat) {
                nat
            } else {
                *pick(&mut self.w, &["fr", "be", "gb", "tr", "gr"])
            };
            p.phone = Some(world::new_phone(
                &mut self.w,
                &mut env,
                country,
                Some(&p.id),
                None,
                day,
                None,
                None,
            )?);
        }
        if chance(&mut self.w, 0.1) {
            p.doc = Some(world::own_document(&mut self.w, &mut env, &p, day)?);
        }
        let mut m = blank_migrant(p);
        m.child = child;
        m.vot = vot;
        m.asylum = asylum;
        if chance(&mut self.w, 0.3) {
            if let Some(f) = self.net.pick_role(&mut self.w, "document_forger") {
                let forger = self.net.members[f].p.id.clone();
                m.forged = Some(world::forged_document(
                    &mut self.w,
                    &mut env,
                    &m.p.id,
                    &forger,
                    &self.net.id,
                    day,
                )?);
            }
        }
        env.truth.person(&world::person_truth(
            &m.p,
            "migrant",
            Some(&self.net.id),
            if vot {
                "victim_of_trafficking"
            } else {
                "smuggled_migrant"
            },
            None,
            child,
            vot,
            asylum,
            None,
        ))?;
        self.stats.migrants_created += 1;
        self.stats.children += child as u64;
        self.stats.victims_of_trafficking += vot as u64;
        // the first leg is paid to a recruiter in Turkey, in cash or through a hawaladar
        if let Some(r) = self.net.pick_role_in(&mut self.w, "recruiter", &["tr"]) {
            let amount = round_to(self.w.gen_range(900.0..1500.0), 50.0);
            let method = if chance(&mut self.w, 0.6) {
                "cash"
            } else {
                "hawala"
            };
            let rid = self.net.members[r].p.id.clone();
            payment(
                out,
                Some(&m.p.id),
                Some(&rid),
                None,
                None,
                amount,
                "EUR",
                today,
                method,
                Some("aegean"),
                Some(&self.net.id),
            )?;
        }
        Ok(m)
    }

    /// Arrival in France or Belgium: the Channel fee is paid.
    fn arrive(&mut self, out: &mut Out, m: Migrant, day: u32, offset: i64) -> Result<(), SimError> {
        let today = self.date(out, day as i64 + offset);
        let amount = round_to(normal(&mut self.w, FEE_MEAN, FEE_SD), 50.0).clamp(1500.0, 2600.0);
        let method = *weighted(
            &mut self.w,
            &[("cash", 55), ("bank_transfer", 30), ("hawala", 15)],
        );
        match method {
            "bank_transfer" => {
                let collector = self
                    .net
                    .pick_role_in(&mut self.w, "money_collector", &["be", "gb", "nl"])
                    .filter(|c| self.net.members[*c].account.is_some());
                let Some(c) = collector else {
                    self.waiting.push_back(m);
                    return Ok(());
                };
                // a relative in Europe pays from their own account
                let mut env = out.env();
                let rc = *pick(&mut self.w, &["gb", "nl", "be", "fr", "de", "it"]);
                let rel_nat = m.p.nationality;
                let mut rel =
                    world::new_person(&mut self.w, &mut env, rel_nat, (25, 60), 0.3, today);
                // a sibling or cousin: same culture, same family name
                let female = rel.name.female;
                rel.name = crate::names::new_name(&mut self.w, m.p.name.culture, female);
                rel.name.family = m.p.name.family;
                let acc =
                    world::new_account(&mut self.w, &mut env, rc, Some(&rel.id), None, day, None)?;
                env.truth.person(&world::person_truth(
                    &rel,
                    "other",
                    None,
                    "relative",
                    Some(rc),
                    false,
                    false,
                    false,
                    None,
                ))?;
                let payee_acc = self.net.members[c].account.clone().expect("filtered");
                let pid = payment(
                    out,
                    Some(&rel.id),
                    Some(&self.net.members[c].p.id),
                    Some(&acc.id),
                    Some(&payee_acc.id),
                    amount,
                    "EUR",
                    today,
                    method,
                    Some("channel"),
                    Some(&self.net.id),
                )?;
                // Belgian banks report to the Belgian FIU
                if (payee_acc.iban.country == "be" || rc == "be")
                    && chance(&mut self.w, 0.7)
                    && offset == 0
                {
                    self.pending.push(Pending {
                        payment: pid,
                        payer: rel,
                        payer_acc: acc,
                        payee: c,
                        payee_acc,
                        amount,
                        date: today,
                        method: "bank_transfer",
                        purpose: crate::util::pick::<&'static str>(
                            &mut self.w,
                            &[
                                "aide famille",
                                "voyage",
                                "remboursement",
                                "",
                                "cadeau",
                                "frais",
                            ],
                        ),
                    });
                }
            }
            _ => {
                let countries: &[&str] = if method == "cash" {
                    &["be", "fr"]
                } else {
                    &["gb", "nl"]
                };
                if let Some(c) = self
                    .net
                    .pick_role_in(&mut self.w, "money_collector", countries)
                {
                    let cid = self.net.members[c].p.id.clone();
                    payment(
                        out,
                        Some(&m.p.id),
                        Some(&cid),
                        None,
                        None,
                        amount,
                        "EUR",
                        today,
                        method,
                        Some("channel"),
                        Some(&self.net.id),
                    )?;
                }
            }
        }
        self.waiting.push_back(m);
        Ok(())
    }

    fn checkpoint(&mut self, country: &str) -> &'static Place {
        let c: Vec<&'static Place> = CHANNEL_CHECKPOINTS
            .iter()
            .filter(|p| p.country == country)
            .collect();
        c[self.o.gen_range(0..c.len())]
    }

    /// One night of lorries.
    fn night(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        let date = self.date(out, day as i64);
        let want = self.w.gen_range(ATTEMPTS_MIN..=ATTEMPTS_MAX) as usize;
        let n = want.min(self.waiting.len());
        let mut group: Vec<Migrant> = self.waiting.drain(..n).collect();
        let mut successes = 0u32;
        // the base shifts from France to Belgium over the year
        let be_share = 0.3 + 0.4 * (day as f64 / self.days.max(1) as f64);
        while !group.is_empty() {
            let size = self.w.gen_range(2..=7).min(group.len());
            let aboard: Vec<Migrant> = group.drain(..size).collect();
            let be = chance(&mut self.w, be_share);
            let parkings: Vec<&'static Place> = CHANNEL_PARKINGS
                .iter()
                .filter(|p| p.country == if be { "be" } else { "fr" })
                .collect();
            let parking = parkings[self.w.gen_range(0..parkings.len())];
            // Most lorries belong to hauliers who know nothing: the network loads people
            // at parking areas onto whatever lorry is going; one in five is driven by a
            // driver the network pays.
            let network_driver = chance(&mut self.w, 0.2);
            let driver = if network_driver {
                self.net
                    .pick_role_in(&mut self.w, "driver", &[if be { "be" } else { "fr" }])
            } else {
                None
            };
            let success = chance(&mut self.w, SUCCESS_P);
            let event = out.ids.next(K::Event);
            let when = night(&mut self.w, date, 3600);
            self.stats.lorries += 1;
            let country = if be { "be" } else { "fr" };
            out.truth.event(&EventTruth {
                entity: event.clone(),
                kind: "attempt".into(),
                outcome: if success { "succeeded" } else { "intercepted" }.into(),
                route: "channel".into(),
                network: Some(self.net.id.clone()),
                date: date.to_string(),
                place: parking.name.into(),
                country: country.into(),
                persons: aboard.len() as u32,
                dead: 0,
                missing: 0,
                operation: Some(self.op_id.clone()),
            })?;
            if success {
                successes += aboard.len() as u32;
                for m in aboard {
                    self.stats.people_smuggled += 1;
                    self.arrived.push_back((day as i64, m));
                }
            } else {
                self.stats.lorries_intercepted += 1;
                self.intercept(out, day, aboard, driver, parking, be, when, &event)?;
            }
        }
        self.stats.attempts_per_day.push(n as u32);
        self.stats.successes_per_day.push(successes);
        // the UK pool is bounded (memory stays flat at any scale): people move on after
        // half a year, and inspectors only ever meet a few hundred of them
        while self
            .arrived
            .front()
            .is_some_and(|(d, _)| day as i64 - *d > 180)
            || self.arrived.len() > 600
        {
            self.arrived.pop_front();
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn intercept(
        &mut self,
        out: &mut Out,
        day: u32,
        aboard: Vec<Migrant>,
        driver: Option<usize>,
        parking: &'static Place,
        be: bool,
        when: DateTime<Utc>,
        event: &str,
    ) -> Result<(), SimError> {
        let date = self.date(out, day as i64);
        let stream_id = if be { streams::BE_INT } else { streams::PAF };
        // who drove: a network driver, or an unaware trucker (a "blind" load)
        let (driver_p, vehicle, witness): (PersonW, VehicleW, bool) = match driver {
            Some(i) if self.net.members[i].vehicle.is_some() => {
                let m = &self.net.members[i];
                (m.p.clone(), m.vehicle.clone().expect("checked"), false)
            }
            _ => {
                let mut env = out.env();
                let nat = *pick(&mut self.w, TRUCKER_NATIONS);
                let mut p = world::new_person(&mut self.w, &mut env, nat, (25, 62), 0.03, date);
                if crate::idents::has_phone_plan(nat) {
                    p.phone = Some(world::new_phone(
                        &mut self.w,
                        &mut env,
                        nat,
                        Some(&p.id),
                        None,
                        day,
                        None,
                        None,
                    )?);
                }
                p.doc = Some(world::own_document(&mut self.w, &mut env, &p, day)?);
                let v = world::new_vehicle(
                    &mut self.w,
                    &mut env,
                    nat_plate(nat),
                    "lorry",
                    Some(&p.id),
                    None,
                    day,
                    None,
                )?;
                env.truth.person(&world::person_truth(
                    &p,
                    "other",
                    None,
                    "truck_driver",
                    Some(nat),
                    false,
                    false,
                    false,
                    None,
                ))?;
                (p, v, true)
            }
        };
        let checkpoint = self.checkpoint(if be { "be" } else { "fr" });
        let asylum_now: Vec<bool> = aboard
            .iter()
            .map(|m| m.asylum && chance(&mut self.w, 0.4))
            .collect();
        let children: Vec<usize> = (0..aboard.len())
            .filter(|i| aboard[*i].child && !aboard[*i].referred)
            .collect();
        if out.on(stream_id) {
            let seq = out.seq(stream_id);
            let year = date.format("%Y").to_string();
            let yy = date.format("%y").to_string();
            let reported = later(&mut self.o, when, 2, 14);
            let total = aboard.len() + 1;
            let (lat, lon) = places::near(&mut self.o, checkpoint, 0.5);
            let note = if be {
                format!(
                    "Transmigranten aangetroffen in oplegger op {} (geladen op {}).",
                    checkpoint.name, parking.name
                )
            } else {
                format!(
                    "Personnes découvertes dans la remorque au {} (montées sur l'{}).",
                    checkpoint.name, parking.name
                )
            };
            // the driver first, then each person found
            for (i, who) in std::iter::once(None)
                .chain(aboard.iter().map(Some))
                .enumerate()
            {
                let source_ref = if be {
                    format!("BR.12.L3.{seq:06}/{yy}-{:02}", i + 1)
                } else {
                    format!("PAF62-{year}-{seq:06}-{:02}", i + 1)
                };
                let mut o = Obs::new(
                    if be { "be-police" } else { "fr-paf" },
                    &mut self.o,
                    &mut self.n,
                    out,
                );
                let mut rep = o.rep(stream_id, "interception", source_ref, reported, Some(when));
                rep.extras.push((
                    "procedure",
                    if be {
                        format!("BR.12.L3.{seq:06}/{yy}")
                    } else {
                        format!("{year}/{seq:06}")
                    },
                ));
                rep.extras.push((
                    "service",
                    if be {
                        "SPN Zeebrugge".into()
                    } else {
                        "DZPAF Calais".into()
                    },
                ));
                rep.place = Some(PlaceV {
                    name: Some(checkpoint.name.to_owned()),
                    country: Some(checkpoint.country),
                    point: Some((lat, lon)),
                });
                rep.narrative = Some(note.clone());
                rep.event = Some(event.to_owned());
                rep.operation = Some(self.op_id.clone());
                let mut truck =
                    Ent::new("truck", mosaic_model::Schema::Vehicle, vehicle.id.clone());
                let plate = o.plate(&vehicle.plate);
                truck.s("registrationNumber", plate);
                truck.s("country", vehicle.country.to_ascii_uppercase());
                if o.keep() {
                    truck.s("make", vehicle.make);
                }
                truck.s("type", "lorry");
                rep.add(truck);
                let mut ev = Ent::new("event", mosaic_model::Schema::BorderEvent, event);
                ev.s("eventType", "unauthorised_crossing")
                    .p("date", V::Date(date))
                    .s("place", checkpoint.name)
                    .p("personsInvolved", V::int(total as i64 - 1))
                    .s("vehicle", "truck");
                rep.add(ev);
                let person_opts = |child: Option<bool>, asylum: Option<bool>| PersonOpts {
                    split: !be,
                    dob: true,
                    nationality: true,
                    gender: true,
                    child,
                    asylum,
                    ..Default::default()
                };
                match who {
                    None => {
                        let mut e = o.person("person", &driver_p, person_opts(Some(false), None));
                        if be {
                            e.props.retain(|(p, _)| *p != "asylumApplicant");
                        }
                        rep.add(e);
                        rep.role("person", if witness { "witness" } else { "driver" });
                        if let Some(ph) = &driver_p.phone {
                            if o.keep() {
                                let e = o.phone_ent("phone", ph, Some("person"), false);
                                rep.add(e);
                            }
                        }
                        if !be {
                            if let Some(d) = &driver_p.doc {
                                let e = paf_doc(&mut o, d);
                                rep.add(e);
                            }
                        }
                    }
                    Some(m) => {
                        let k = aboard
                            .iter()
                            .position(|x| std::ptr::eq(x, m))
                            .expect("aboard");
                        let asylum = if be { None } else { Some(asylum_now[k]) };
                        let e = o.person("person", &m.p, person_opts(Some(m.child), asylum));
                        rep.add(e);
                        rep.role("person", "smuggled_migrant");
                        if let Some(ph) = &m.p.phone {
                            if o.keep() {
                                let e = o.phone_ent("phone", ph, Some("person"), false);
                                rep.add(e);
                            }
                        }
                        if !be {
                            let doc = m
                                .forged
                                .as_ref()
                                .filter(|_| chance(o.rng, 0.7))
                                .or(m.p.doc.as_ref());
                            if let Some(d) = doc {
                                let e = paf_doc(&mut o, d);
                                rep.add(e);
                            }
                        }
                    }
                }
                let nrng = &mut *o.nrng;
                o.out.emit(rep, nrng)?;
            }
        }
        // children are referred to the NGO once
        let mut back = Vec::new();
        for (i, mut m) in aboard.into_iter().enumerate() {
            if children.contains(&i) && chance(&mut self.w, 0.6) {
                m.referred = true;
                let shelter = if be { 1 } else { 0 };
                let t = later(&mut self.o, when, 4, 30);
                ngo_referral(
                    out,
                    &mut self.o,
                    &mut self.n,
                    &m,
                    shelter,
                    t,
                    Some(event),
                    Some(&self.op_id),
                )?;
            }
            if !asylum_now[i] {
                back.push(m);
            }
        }
        // those who did not claim asylum try again
        for m in back.into_iter().rev() {
            self.waiting.push_front(m);
        }
        let _ = witness;
        Ok(())
    }

    /// Zeebrugge port intelligence notices the network's lorries on the ferry parking.
    fn port_intel(
        &mut self,
        out: &mut Out,
        driver: usize,
        when: DateTime<Utc>,
    ) -> Result<(), SimError> {
        if !out.on(streams::BE_PIU) {
            return Ok(());
        }
        let m = self.net.members[driver].clone();
        let Some(v) = &m.vehicle else { return Ok(()) };
        let seq = out.seq(streams::BE_PIU);
        let yy = when.format("%y");
        let ferry = self.ferries[self.o.gen_range(0..self.ferries.len())].clone();
        let place = pick(&mut self.o, places::FERRY_PORTS);
        let reported = later(&mut self.o, when, 4, 48);
        let mut o = Obs::new("be-piu", &mut self.o, &mut self.n, out);
        let mut rep = o.rep(
            streams::BE_PIU,
            "port_intelligence",
            format!("PIU-ZEE-{yy}-{seq:04}"),
            reported,
            Some(when),
        );
        let plate = o.plate(&v.plate);
        let mut truck = Ent::new("lorry", mosaic_model::Schema::Vehicle, v.id.clone());
        truck
            .s("registrationNumber", plate.clone())
            .s("type", "lorry");
        if o.keep() {
            truck.s("country", v.country);
        }
        let named = chance(o.rng, 0.5);
        let driver_name = if named {
            o.name(&m.p).full
        } else {
            String::new()
        };
        let phone_txt = o.phone(&m.phone.num);
        let with_phone = chance(o.rng, 0.5);
        let mut text = format!(
            "{} {} lorry {plate} observed at {} at {}; boarded {} (IMO {}) for Dover.",
            v.color,
            v.make,
            place.name,
            o.out_local(&when),
            ferry.name,
            ferry.imo.clone().unwrap_or_default()
        );
        if named {
            text.push_str(&format!(" Driver identified as {driver_name}."));
            let mut d = Ent::new("driver", mosaic_model::Schema::Person, m.p.id.clone());
            d.s("name", driver_name.clone());
            rep.add(d);
            truck.s("operator", "driver");
        }
        if with_phone {
            text.push_str(&format!(" Driver made calls from {phone_txt} while queuing; same number seen in previous reports."));
            let mut ph = Ent::new("phone", mosaic_model::Schema::Phone, m.phone.id.clone());
            ph.s("number", phone_txt);
            if named {
                ph.s("owner", "driver");
            }
            rep.add(ph);
        }
        text.push_str(" Scanner alert on the trailer; assessed: probable concealment of persons.");
        rep.add(truck);
        let vessel = o.vessel_ent("ferry", &ferry, None);
        rep.add(vessel);
        rep.narrative = Some(text);
        rep.place = Some(Obs::place(place.name, place.country, place.lat, place.lon));

        rep.operation = Some(self.op_id.clone());
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }

    /// Aegean leg: today's recruits cross from Turkey; the Hellenic Coast Guard meets some
    /// boats.
    fn aegean(&mut self, day: u32, out: &mut Out, crossing: &[usize]) -> Result<(), SimError> {
        if crossing.is_empty() {
            return Ok(());
        }
        let date = self.date(out, day as i64);
        let pilot = self.net.pick_role(&mut self.w, "boat_pilot");
        let observed = chance(&mut self.w, 0.4);
        let others = self.w.gen_range(5..30u32);
        let total = crossing.len() as u32 + others;
        let area = *pick(&mut self.w, places::AEGEAN);
        let event = out.ids.next(K::Event);
        out.truth.event(&EventTruth {
            entity: event.clone(),
            kind: "attempt".into(),
            outcome: if observed { "rescued" } else { "landed" }.into(),
            route: "channel".into(),
            network: Some(self.net.id.clone()),
            date: date.to_string(),
            place: area.name.into(),
            country: "gr".into(),
            persons: total,
            dead: 0,
            missing: 0,
            operation: Some(self.op_id.clone()),
        })?;
        if !observed || !out.on(streams::GR_HCG) {
            return Ok(());
        }
        let when = night(&mut self.o, date, 7200);
        let reported = later(&mut self.o, when, 3, 20);
        let seq = out.seq(streams::GR_HCG);
        let year = date.format("%Y");
        let (lat, lon) = places::near(&mut self.o, &area, 3.0);
        let mut env = out.env();
        let length = self.w.gen_range(7.0..10.0);
        let boat = world::new_vessel(
            &mut self.w,
            &mut env,
            "rubber boat",
            "tr",
            length,
            false,
            None,
            Some(&self.net.id),
            day,
        )?;
        let named: Vec<Migrant> = crossing
            .iter()
            .take(5)
            .filter_map(|i| self.pipeline.get(*i).map(|(_, m)| m.clone()))
            .collect();
        let mut o = Obs::new("gr-hcg", &mut self.o, &mut self.n, out);
        let mut rep = o.rep(
            streams::GR_HCG,
            "incident_at_sea",
            format!("HCG-LES-{year}-{seq:04}"),
            reported,
            Some(when),
        );
        let risk = chance(o.rng, 0.3);
        let mut ev = border_event(
            "event",
            &event,
            if risk {
                "risk_to_life"
            } else {
                "unauthorised_crossing"
            },
            if risk { "high" } else { "medium" },
            when,
            area.name,
            lat,
            lon,
            total,
        );
        ev.p("rescued", V::int(total as i64)).s("vessel", "boat");
        rep.add(ev);
        let b = o.vessel_ent("boat", &boat, pilot.map(|_| "pilot"));
        rep.add(b);
        let mut text = format!(
            "Rubber boat with {total} persons intercepted {} ({lat:.3}N {lon:.3}E); all transferred to the patrol vessel and landed.",
            area.name
        );
        if let Some(pi) = pilot {
            if chance(o.rng, 0.5) {
                let pm = self.net.members[pi].clone();
                let e = o.person(
                    "pilot",
                    &pm.p,
                    PersonOpts {
                        nationality: true,
                        dob: true,
                        ..Default::default()
                    },
                );
                rep.add(e);
                rep.role("pilot", "boat_pilot");
                text.push_str(
                    " The person steering the boat was identified by passengers and arrested.",
                );
                if chance(o.rng, 0.4) {
                    let ph = o.phone_ent("pilot_phone", &pm.phone, Some("pilot"), true);
                    rep.add(ph);
                }
            } else {
                // no pilot identified: drop the operator reference
                if let Some(e) = rep.entities.iter_mut().find(|e| e.key == "boat") {
                    e.props.retain(|(p, _)| *p != "operator");
                }
            }
        }
        for (i, m) in named.iter().enumerate() {
            let key = format!("p{}", i + 1);
            let e = o.person(
                &key,
                &m.p,
                PersonOpts {
                    dob: true,
                    nationality: true,
                    gender: true,
                    child: m.child.then_some(true),
                    ..Default::default()
                },
            );
            rep.add(e);
            rep.role(&key, "smuggled_migrant");
        }
        rep.narrative = Some(text);
        rep.place = Some(Obs::place(area.name, "gr", lat, lon));
        rep.event = Some(event);
        rep.operation = Some(self.op_id.clone());
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }

    /// Weekly suspicious transaction reports from Belgian banks about the collectors.
    fn fiu(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        let date = self.date(out, day as i64);
        let mut rows: Vec<Pending> = std::mem::take(&mut self.pending);
        // other transactions on the same accounts, and unrelated reports
        for c in self.net.with_role("money_collector") {
            let m = &self.net.members[c];
            let Some(acc) = m.account.clone() else {
                continue;
            };
            if acc.iban.country != "be" || !chance(&mut self.w, 0.5) {
                continue;
            }
            // the collector passes money up to an organizer
            if let Some(org) = self.net.pick_role(&mut self.w, "organizer") {
                if let Some(oacc) = self.net.members[org].account.clone() {
                    let amount = round_to(self.w.gen_range(4000.0..15000.0), 100.0);
                    let d = date - Duration::days(self.w.gen_range(0..7));
                    let pid = payment(
                        out,
                        Some(&m.p.id),
                        Some(&self.net.members[org].p.id),
                        Some(&acc.id),
                        Some(&oacc.id),
                        amount,
                        "EUR",
                        d,
                        "bank_transfer",
                        None,
                        Some(&self.net.id),
                    )?;
                    rows.push(Pending {
                        payment: pid,
                        payer: m.p.clone(),
                        payer_acc: acc.clone(),
                        payee: org,
                        payee_acc: oacc,
                        amount,
                        date: d,
                        method: "bank_transfer",
                        purpose: "remboursement prêt",
                    });
                }
            }
        }
        if rows.is_empty() || !out.on(streams::CTIF) {
            return Ok(());
        }
        let seq = out.seq(streams::CTIF);
        let year = date.format("%Y");
        let str_ref = format!("CTIF-{year}-{seq:05}");
        let reported = at(date, 0, 0, 3600);
        let bank = rows[0].payee_acc.iban.bank;
        for (i, r) in rows.iter().enumerate() {
            let payee = self.net.members[r.payee].p.clone();
            let mut o = Obs::new("be-ctif", &mut self.o, &mut self.n, out);
            let mut rep = o.rep(
                streams::CTIF,
                "suspicious_transaction",
                format!("{str_ref}/{:02}", i + 1),
                reported,
                None,
            );
            rep.extras.push(("str", str_ref.clone()));
            rep.extras.push(("reporting_entity", bank.to_owned()));
            let mut pay = Ent::new("payment", mosaic_model::Schema::Payment, r.payment.clone());
            let d = o.maybe_swap(r.date);
            pay.p("date", V::Date(d))
                .p("amount", V::amount(r.amount))
                .s("currency", "EUR")
                .s("method", r.method)
                .s("purpose", r.purpose)
                .s("payer", "payer")
                .s("beneficiary", "payee")
                .s("payerAccount", "payer_acc")
                .s("beneficiaryAccount", "payee_acc");
            rep.add(pay);
            let mut payer = Ent::new("payer", mosaic_model::Schema::Person, r.payer.id.clone());
            payer.s("name", o.name(&r.payer).full);
            rep.add(payer);
            let mut pa = Ent::new(
                "payer_acc",
                mosaic_model::Schema::BankAccount,
                r.payer_acc.id.clone(),
            );
            pa.s("iban", r.payer_acc.iban.iban.clone())
                .s("country", r.payer_acc.iban.country.to_ascii_uppercase())
                .s("holder", "payer");
            rep.add(pa);
            let mut pe = Ent::new("payee", mosaic_model::Schema::Person, payee.id.clone());
            pe.s("name", o.name(&payee).full);
            rep.add(pe);
            let mut ba = Ent::new(
                "payee_acc",
                mosaic_model::Schema::BankAccount,
                r.payee_acc.id.clone(),
            );
            ba.s("iban", r.payee_acc.iban.iban.clone())
                .s("bic", r.payee_acc.iban.bic)
                .s("bankName", r.payee_acc.iban.bank)
                .s("holder", "payee");
            rep.add(ba);
            rep.narrative = Some(
                (*pick(o.rng, &[
                    "Versements répétés de particuliers sans lien apparent avec le bénéficiaire; montants proches de 2.000 EUR; retraits en espèces immédiats.",
                    "Compte alimenté par de nombreux virements de l'étranger, suivis de retraits en espèces et de transferts vers des tiers.",
                    "Activité incompatible avec le profil déclaré du client (sans emploi); fractionnement des opérations.",
                ]))
                .to_owned(),
            );
            rep.operation = Some(self.op_id.clone());
            let nrng = &mut *o.nrng;
            o.out.emit(rep, nrng)?;
        }
        Ok(())
    }

    /// Unrelated suspicious transactions (the FIU sees far more than smuggling).
    fn fiu_noise(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        let k = poisson(&mut self.w, 1.5);
        if k == 0 {
            return Ok(());
        }
        let date = self.date(out, day as i64);
        let mut rows = Vec::new();
        for _ in 0..k {
            let mut env = out.env();
            let nat = *pick(&mut self.w, &["be", "fr", "nl", "ma", "tr", "ro", "it"]);
            let payer = world::new_person(&mut self.w, &mut env, nat, (25, 70), 0.4, date);
            let payee_nat = *pick(&mut self.w, &["be", "nl", "de", "gb"]);
            let payee = world::new_person(
                &mut self.w,
                &mut env,
                if payee_nat == "de" { "nl" } else { payee_nat },
                (25, 70),
                0.3,
                date,
            );
            let pa = world::new_account(
                &mut self.w,
                &mut env,
                "be",
                Some(&payer.id),
                None,
                day,
                None,
            )?;
            let bc = *pick(&mut self.w, &["be", "nl", "de"]);
            let ba =
                world::new_account(&mut self.w, &mut env, bc, Some(&payee.id), None, day, None)?;
            env.truth.person(&world::person_truth(
                &payer,
                "other",
                None,
                "bank_customer",
                Some("be"),
                false,
                false,
                false,
                None,
            ))?;
            env.truth.person(&world::person_truth(
                &payee,
                "other",
                None,
                "bank_customer",
                None,
                false,
                false,
                false,
                None,
            ))?;
            let amount = round_to(self.w.gen_range(500.0..25000.0), 10.0);
            let d = date - Duration::days(self.w.gen_range(0..20));
            let pid = payment(
                out,
                Some(&payer.id),
                Some(&payee.id),
                Some(&pa.id),
                Some(&ba.id),
                amount,
                "EUR",
                d,
                "bank_transfer",
                None,
                None,
            )?;
            rows.push((pid, payer, pa, payee, ba, amount, d));
        }
        if !out.on(streams::CTIF) {
            return Ok(());
        }
        let seq = out.seq(streams::CTIF);
        let year = date.format("%Y");
        let str_ref = format!("CTIF-{year}-{seq:05}");
        let reported = at(date, 0, 0, 3600);
        for (i, (pid, payer, pa, payee, ba, amount, d)) in rows.into_iter().enumerate() {
            let mut o = Obs::new("be-ctif", &mut self.o, &mut self.n, out);
            let mut rep = o.rep(
                streams::CTIF,
                "suspicious_transaction",
                format!("{str_ref}/{:02}", i + 1),
                reported,
                None,
            );
            rep.extras.push(("str", str_ref.clone()));
            rep.extras
                .push(("reporting_entity", pa.iban.bank.to_owned()));
            let mut pay = Ent::new("payment", mosaic_model::Schema::Payment, pid);
            pay.p("date", V::Date(d))
                .p("amount", V::amount(amount))
                .s("currency", "EUR")
                .s("method", "bank_transfer")
                .s(
                    "purpose",
                    *pick(
                        o.rng,
                        &[
                            "achat véhicule",
                            "prêt",
                            "facture",
                            "investissement",
                            "loyer",
                        ],
                    ),
                )
                .s("payer", "payer")
                .s("beneficiary", "payee")
                .s("payerAccount", "payer_acc")
                .s("beneficiaryAccount", "payee_acc");
            rep.add(pay);
            let mut p1 = Ent::new("payer", mosaic_model::Schema::Person, payer.id.clone());
            p1.s("name", o.name(&payer).full);
            rep.add(p1);
            let mut a1 = Ent::new(
                "payer_acc",
                mosaic_model::Schema::BankAccount,
                pa.id.clone(),
            );
            a1.s("iban", pa.iban.iban.clone())
                .s("country", "BE")
                .s("holder", "payer");
            rep.add(a1);
            let mut p2 = Ent::new("payee", mosaic_model::Schema::Person, payee.id.clone());
            p2.s("name", o.name(&payee).full);
            rep.add(p2);
            let mut a2 = Ent::new(
                "payee_acc",
                mosaic_model::Schema::BankAccount,
                ba.id.clone(),
            );
            a2.s("iban", ba.iban.iban.clone())
                .s("bic", ba.iban.bic)
                .s("bankName", ba.iban.bank)
                .s("holder", "payee");
            rep.add(a2);
            rep.narrative = Some(
                (*pick(
                    o.rng,
                    &[
                        "Opération atypique au regard du profil du client.",
                        "Montant inhabituel; justificatifs non fournis.",
                        "Transferts fréquents vers un compte à l'étranger.",
                    ],
                ))
                .to_owned(),
            );
            let nrng = &mut *o.nrng;
            o.out.emit(rep, nrng)?;
        }
        Ok(())
    }

    /// Weekly telephone intercepts once the investigation has started.
    fn intercepts(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        if !out.on(streams::OCRIEST) {
            return Ok(());
        }
        let date = self.date(out, day as i64);
        let active: Vec<usize> = (0..self.net.members.len())
            .filter(|i| self.net.members[*i].active && self.net.members[*i].role != "boat_pilot")
            .collect();
        let organizers = self.net.with_role("organizer");
        if active.len() < 2 || organizers.is_empty() {
            return Ok(());
        }
        let seq = out.seq(streams::OCRIEST);
        let year = date.format("%Y");
        let n_calls = self.o.gen_range(8..20);
        let mut calls = Vec::new();
        for _ in 0..n_calls {
            let a = organizers[self.o.gen_range(0..organizers.len())];
            let mut b = active[self.o.gen_range(0..active.len())];
            if b == a {
                b = active[(active.iter().position(|x| *x == b).unwrap_or(0) + 1) % active.len()];
            }
            let (caller, receiver) = if chance(&mut self.o, 0.5) {
                (a, b)
            } else {
                (b, a)
            };
            let t = date.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
                - Duration::days(self.o.gen_range(0..7))
                + Duration::minutes(self.o.gen_range(0..24 * 60));
            calls.push((caller, receiver, t, self.o.gen_range(15..900)));
        }
        calls.sort_by_key(|c| c.2);
        let first = calls[0].2;
        let last = calls[calls.len() - 1].2;
        let reported = later(&mut self.o, last, 12, 40);
        let members: Vec<crate::world::Member> = self.net.members.clone();
        let mut o = Obs::new("fr-ocriest", &mut self.o, &mut self.n, out);
        let mut rep = o.rep(
            streams::OCRIEST,
            "intelligence",
            format!("OCRIEST-INT-{year}-{seq:04}"),
            reported,
            Some(first),
        );
        rep.handling = "H2";
        rep.tlp = "RED";
        rep.legal_basis = Some("interceptions judiciaires (art. 100 CPP), commission rogatoire");
        let mut keys: Vec<(usize, String)> = Vec::new();
        let mut attributed: Vec<usize> = Vec::new();
        for (ci, (a, b, t, dur)) in calls.iter().enumerate() {
            for who in [a, b] {
                if keys.iter().any(|(i, _)| i == who) {
                    continue;
                }
                let key = format!("tel{}", keys.len() + 1);
                let m = &members[*who];
                let with_owner = m.p.nickname.is_some() && chance(o.rng, 0.4);
                let owner_key = format!("user{}", keys.len() + 1);
                let imei = chance(o.rng, 0.3);
                let ph = o.phone_ent(
                    &key,
                    &m.phone,
                    with_owner.then_some(owner_key.as_str()),
                    imei,
                );
                rep.add(ph);
                if with_owner {
                    if let Some(p) = o.alias_only(&owner_key, &m.p) {
                        rep.add(p);
                        attributed.push(*who);
                    }
                }
                keys.push((*who, key));
            }
            let ka = keys
                .iter()
                .find(|(i, _)| i == a)
                .map(|(_, k)| k.clone())
                .expect("added");
            let kb = keys
                .iter()
                .find(|(i, _)| i == b)
                .map(|(_, k)| k.clone())
                .expect("added");
            let call_id = o.out.ids.next(K::Call);
            let mut c = Ent::new(
                format!("call{}", ci + 1),
                mosaic_model::Schema::Call,
                call_id,
            );
            c.s("caller", ka)
                .s("receiver", kb)
                .s("date", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .p("durationSeconds", V::int(*dur));
            rep.add(c);
        }
        rep.narrative = Some(format!(
            "Synthèse hebdomadaire des interceptions: {} communications entre {} lignes du réseau. Conversations en kurde sorani et en arabe sur les passages de la nuit, les paiements et le changement de lignes.",
            calls.len(),
            keys.len()
        ));
        rep.operation = Some(self.op_id.clone());
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }

    /// Labour inspections in the UK find some of those who came through.
    fn inspection(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        let date = self.date(out, day as i64);
        let site = *pick(&mut self.w, places::UK_WORKSITES);
        let pool: Vec<usize> = (0..self.arrived.len())
            .filter(|i| day as i64 - self.arrived[*i].0 > 10)
            .collect();
        let n_ours = self.w.gen_range(1..=4).min(pool.len());
        let mut workers: Vec<(Migrant, bool)> = Vec::new();
        for _ in 0..n_ours {
            let i = pool[self.w.gen_range(0..pool.len())];
            let m = self.arrived[i].1.clone();
            if !workers.iter().any(|(w, _)| w.p.id == m.p.id) {
                workers.push((m, true));
            }
        }
        let mut env = out.env();
        for _ in 0..self.w.gen_range(0..3) {
            let nat = *pick(&mut self.w, &["ro", "bg", "al", "vn", "iq", "pk"]);
            let p = world::new_person(&mut self.w, &mut env, nat, (19, 50), 0.3, date);
            env.truth.person(&world::person_truth(
                &p,
                "other",
                None,
                "worker",
                Some("gb"),
                false,
                false,
                false,
                None,
            ))?;
            workers.push((blank_migrant(p), false));
        }
        let gang = if chance(&mut self.w, 0.35) {
            self.net
                .pick_role_in(&mut self.w, "money_collector", &["gb"])
                .or_else(|| self.net.pick_role_in(&mut self.w, "organizer", &["gb"]))
                .map(|i| self.net.members[i].p.clone())
        } else {
            None
        };
        let gang = match gang {
            Some(g) => g,
            None => {
                let nat = *pick(&mut self.w, &["gb", "iq", "al", "pk"]);
                let mut p = world::new_person(&mut self.w, &mut env, nat, (28, 60), 0.1, date);
                p.phone = Some(world::new_phone(
                    &mut self.w,
                    &mut env,
                    "gb",
                    Some(&p.id),
                    None,
                    day,
                    None,
                    None,
                )?);
                env.truth.person(&world::person_truth(
                    &p,
                    "other",
                    None,
                    "gangmaster",
                    Some("gb"),
                    false,
                    false,
                    false,
                    None,
                ))?;
                p
            }
        };
        let org_id = env.ids.next(K::Org);
        let company = format!(
            "{} {} Ltd",
            site.1.split(',').next().unwrap_or(site.1),
            titlecase(site.0)
        );
        let reg = places::company_number(&mut self.w, "gb");
        env.truth.object(&crate::truth::ObjectTruth {
            entity: org_id.clone(),
            schema: "Organization".into(),
            value: reg.clone(),
            owner: Some(gang.id.clone()),
            network: None,
            valid_from: date.to_string(),
            valid_to: None,
            detail: Some(company.clone()),
        })?;
        let event = env.ids.next(K::Event);
        env.truth.event(&EventTruth {
            entity: event.clone(),
            kind: "inspection".into(),
            outcome: "findings".into(),
            route: "channel".into(),
            network: None,
            date: date.to_string(),
            place: site.1.into(),
            country: "gb".into(),
            persons: workers.len() as u32,
            dead: 0,
            missing: 0,
            operation: None,
        })?;
        if !out.on(streams::GLAA) {
            return Ok(());
        }
        let seq = out.seq(streams::GLAA);
        let yy = date.format("%y");
        let when = daytime(&mut self.o, date, 0);
        let reported = later(&mut self.o, when, 24, 96);
        let mut o = Obs::new("uk-glaa", &mut self.o, &mut self.n, out);
        let mut rep = o.rep(
            streams::GLAA,
            "labour_inspection",
            format!("GLAA-INS-{yy}-{seq:04}"),
            reported,
            Some(when),
        );
        let mut org = Ent::new("company", mosaic_model::Schema::Organization, org_id);
        org.s("name", company.clone())
            .s("kind", "company")
            .s("country", "gb")
            .s("registrationNumber", reg);
        rep.add(org);
        let mut g = o.person(
            "gangmaster",
            &gang,
            PersonOpts {
                dob: true,
                nationality: true,
                nickname: true,
                ..Default::default()
            },
        );
        if let Some(ph) = &gang.phone {
            let n = o.phone(&ph.num);
            g.s("phone", n);
        }
        rep.add(g);
        rep.role("gangmaster", "facilitator");
        let mut vot = 0;
        for (i, (w, ours)) in workers.iter().enumerate() {
            let key = format!("w{}", i + 1);
            let e = o.person(
                &key,
                &w.p,
                PersonOpts {
                    dob: true,
                    nationality: true,
                    gender: true,
                    ..Default::default()
                },
            );
            rep.add(e);
            if *ours && w.vot {
                vot += 1;
                rep.role(&key, "victim_of_trafficking");
            } else {
                rep.role(&key, "witness");
            }
        }
        rep.narrative = Some(format!(
            "Unannounced inspection of {company} ({}, {}). {} workers found; {} showing indicators of forced labour (no contracts, wages withheld to repay travel debts, accommodation on site). Person in control: see gangmaster.",
            site.0,
            site.1,
            workers.len(),
            vot
        ));
        rep.place = Some(Obs::place(
            format!("{company}, {}", site.1),
            "gb",
            site.2,
            site.3,
        ));
        rep.event = Some(event);
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }

    /// The joint operation: arrests, European arrest warrants, searches.
    fn operation(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        let date = self.date(out, day as i64);
        let org_name = self.net.name.clone();
        let org_id = self.net.org.clone();
        let mut arrests = 0;
        let mut eaws = 0;
        let mut searches = 0;
        let dawn = at(date, 6, 0, 3600);
        for i in 0..self.net.members.len() {
            let m = self.net.members[i].clone();
            if !m.active {
                continue;
            }
            let (kind, stream_id, agency) = match m.country {
                "fr" => ("arrest", streams::OCRIEST, "fr-ocriest"),
                "be" => ("arrest", streams::BE_OPS, "be-police"),
                "gb" => ("arrest", streams::NCA, "uk-nca"),
                "nl" => ("eaw", streams::BE_OPS, "be-police"),
                _ => continue,
            };
            let event = out.ids.next(K::Event);
            out.truth.event(&EventTruth {
                entity: event.clone(),
                kind: kind.into(),
                outcome: if kind == "arrest" {
                    "arrested"
                } else {
                    "warrant issued"
                }
                .into(),
                route: "channel".into(),
                network: Some(self.net.id.clone()),
                date: date.to_string(),
                place: m.home.addr.city.into(),
                country: m.country.into(),
                persons: 1,
                dead: 0,
                missing: 0,
                operation: Some(self.op_id.clone()),
            })?;
            if kind == "arrest" {
                arrests += 1;
                self.net.members[i].fate = "arrested";
            } else {
                eaws += 1;
                self.net.members[i].fate = "eaw";
            }
            if out.on(stream_id) {
                let seq = out.seq(stream_id);
                let when = dawn + Duration::minutes(self.o.gen_range(0..180));
                let reported = later(&mut self.o, when, 3, 30);
                let mut o = Obs::new(agency, &mut self.o, &mut self.n, out);
                let sref = match agency {
                    "fr-ocriest" => format!("OCRIEST-OP-{}-A{seq:03}", date.format("%Y")),
                    "uk-nca" => format!("NCA-OIC-{}-{seq:04}", date.format("%y")),
                    _ => format!("FGP-WVL-{}-{seq:04}", date.format("%y")),
                };
                let rtype = if kind == "arrest" { "arrest" } else { "other" };
                let mut rep = o.rep(stream_id, rtype, sref, reported, Some(when));
                let mut p = o.person(
                    "suspect",
                    &m.p,
                    PersonOpts {
                        split: true,
                        dob: true,
                        nationality: true,
                        gender: true,
                        id_number: true,
                        nickname: true,
                        ..Default::default()
                    },
                );
                p.s("address", m.home.addr.full());
                p.s("memberOf", "network");
                rep.add(p);
                let assessed = if chance(o.rng, 0.85) {
                    m.role
                } else {
                    "facilitator"
                };
                rep.role("suspect", assessed);
                let mut net = Ent::new(
                    "network",
                    mosaic_model::Schema::Organization,
                    org_id.clone(),
                );
                net.s("name", org_name.clone()).s("kind", "network");
                rep.add(net);
                let ph = o.phone_ent("phone", &m.phone, Some("suspect"), true);
                rep.add(ph);
                if let Some(d) = &m.p.doc {
                    let e = o.doc_ent("id", d, Some("suspect"));
                    rep.add(e);
                }
                rep.narrative = Some(match (agency, kind) {
                    ("fr-ocriest", _) => format!("Interpellation à son domicile ({}) dans le cadre de l'opération conjointe (ECE France–Belgique–Royaume-Uni). Placé en garde à vue.", m.home.addr.city),
                    ("uk-nca", _) => format!("Arrested at home address in {} as part of the joint operation (JIT FR/BE/UK). Interviewed under caution.", m.home.addr.city),
                    (_, "arrest") => format!("Aanhouding op woonadres te {} in het kader van de gezamenlijke actie (JIT BE/FR/UK).", m.home.addr.city),
                    _ => format!("Europees aanhoudingsbevel uitgevaardigd door de onderzoeksrechter te Brugge; betrokkene verblijft te {} (Nederland).", m.home.addr.city),
                });
                rep.place = Some(Obs::place(
                    m.home.addr.full(),
                    m.home.addr.country,
                    m.home.addr.lat,
                    m.home.addr.lon,
                ));
                rep.event = Some(event.clone());
                rep.operation = Some(self.op_id.clone());
                let nrng = &mut *o.nrng;
                o.out.emit(rep, nrng)?;
            }
            if kind == "arrest" {
                searches += 1;
                let home = m.home.clone();
                self.search(out, day, &home, Some(i), &event)?;
            }
        }
        let premises: Vec<AddressW> = self
            .safe_houses
            .iter()
            .chain(self.other_premises.iter())
            .cloned()
            .collect();
        for a in premises {
            let event = out.ids.next(K::Event);
            searches += 1;
            self.search(out, day, &a, None, &event)?;
        }
        debug_assert_eq!((arrests, eaws, searches), (ARRESTS, EAWS, SEARCHES));
        self.stats.arrests = arrests;
        self.stats.eaws = eaws;
        self.stats.searches = searches;
        out.truth.operation(&OperationTruth {
            entity: self.op_id.clone(),
            network: self.net.id.clone(),
            name: format!("Joint operation against {}", self.net.name),
            date: date.to_string(),
            arrests,
            eaws,
            searches,
        })
    }

    fn search(
        &mut self,
        out: &mut Out,
        day: u32,
        a: &AddressW,
        resident: Option<usize>,
        arrest_event: &str,
    ) -> Result<(), SimError> {
        let date = self.date(out, day as i64);
        let event = if resident.is_some() {
            out.ids.next(K::Event)
        } else {
            arrest_event.to_owned()
        };
        out.truth.event(&EventTruth {
            entity: event.clone(),
            kind: "search".into(),
            outcome: a.kind.into(),
            route: "channel".into(),
            network: Some(self.net.id.clone()),
            date: date.to_string(),
            place: a.addr.full(),
            country: a.addr.country.into(),
            persons: resident.is_some() as u32,
            dead: 0,
            missing: 0,
            operation: Some(self.op_id.clone()),
        })?;
        let (stream_id, agency) = match a.addr.country {
            "fr" => (streams::OCRIEST, "fr-ocriest"),
            "gb" => (streams::NCA, "uk-nca"),
            _ => (streams::BE_OPS, "be-police"),
        };
        // what is found: phones, forged papers, cash, vehicles
        let mut forged = Vec::new();
        let resident_m = resident.map(|i| self.net.members[i].clone());
        if resident_m
            .as_ref()
            .is_some_and(|m| m.role == "document_forger")
        {
            let mut env = out.env();
            let forger = resident_m
                .as_ref()
                .map(|m| m.p.id.clone())
                .unwrap_or_default();
            for _ in 0..self.w.gen_range(3..8) {
                forged.push(world::forged_document(
                    &mut self.w,
                    &mut env,
                    "",
                    &forger,
                    &self.net.id,
                    day,
                )?);
            }
        }
        if !out.on(stream_id) {
            return Ok(());
        }
        let seq = out.seq(stream_id);
        let when = at(date, 6, 0, 3600) + Duration::minutes(self.o.gen_range(0..240));
        let reported = later(&mut self.o, when, 4, 30);
        let garage_vehicles: Vec<VehicleW> = if a.kind == "garage" {
            self.net
                .members
                .iter()
                .filter(|m| m.role == "driver" && m.country == a.addr.country)
                .filter_map(|m| m.vehicle.clone())
                .take(3)
                .collect()
        } else {
            Vec::new()
        };
        let mut o = Obs::new(agency, &mut self.o, &mut self.n, out);
        let sref = match agency {
            "fr-ocriest" => format!("OCRIEST-OP-{}-P{seq:03}", date.format("%Y")),
            "uk-nca" => format!("NCA-OIC-{}-{seq:04}", date.format("%y")),
            _ => format!("FGP-WVL-{}-{seq:04}", date.format("%y")),
        };
        let mut rep = o.rep(stream_id, "search", sref, reported, Some(when));
        let mut ad = Ent::new("premises", mosaic_model::Schema::Address, a.id.clone());
        ad.s("full", a.addr.full())
            .s("street", a.addr.street.clone())
            .s("city", a.addr.city)
            .s("postalCode", a.addr.postcode.clone())
            .s("country", a.addr.country)
            .p("latitude", V::num(a.addr.lat, 5))
            .p("longitude", V::num(a.addr.lon, 5));
        let mut seized = Vec::new();
        if let Some(m) = &resident_m {
            let e = o.person(
                "occupant",
                &m.p,
                PersonOpts {
                    dob: true,
                    nationality: true,
                    ..Default::default()
                },
            );
            rep.add(e);
            ad.s("resident", "occupant");
            let ph = o.phone_ent("phone1", &m.phone, Some("occupant"), true);
            rep.add(ph);
            seized.push("1 mobile phone".to_owned());
            if let Some(acc) = &m.account {
                let e = o.account_ent("account", acc, Some("occupant"), true);
                rep.add(e);
                seized.push("bank cards and statements".to_owned());
            }
        }
        rep.add(ad);
        for (i, d) in forged.iter().enumerate() {
            let e = o.doc_ent(&format!("doc{}", i + 1), d, None);
            rep.add(e);
        }
        if !forged.is_empty() {
            seized.push(format!(
                "{} forged identity documents and blank cards",
                forged.len()
            ));
        }
        for (i, v) in garage_vehicles.iter().enumerate() {
            let e = o.vehicle_ent(&format!("vehicle{}", i + 1), v, None);
            rep.add(e);
        }
        if !garage_vehicles.is_empty() {
            seized.push(format!("{} vehicles", garage_vehicles.len()));
        }
        if a.kind == "money_office"
            || resident_m
                .as_ref()
                .is_some_and(|m| m.role == "money_collector" || m.role == "organizer")
        {
            seized.push(format!(
                "{} EUR in cash",
                round_to(o.rng.gen_range(3000.0..60000.0), 50.0)
            ));
        }
        if a.kind == "safe_house" {
            seized.push("mattresses for about 20 people, SIM cards".to_owned());
        }
        let seized = if seized.is_empty() {
            "nothing of interest".to_owned()
        } else {
            seized.join(", ")
        };
        rep.narrative = Some(match agency {
            "fr-ocriest" => format!(
                "Perquisition ({}) au {} — saisies : {seized}.",
                a.kind,
                a.addr.full()
            ),
            "uk-nca" => format!(
                "Search warrant executed ({}) at {} — seized: {seized}.",
                a.kind,
                a.addr.full()
            ),
            _ => format!(
                "Huiszoeking ({}) te {} — inbeslagname: {seized}.",
                a.kind,
                a.addr.full()
            ),
        });
        rep.place = Some(Obs::place(
            a.addr.full(),
            a.addr.country,
            a.addr.lat,
            a.addr.lon,
        ));
        rep.event = Some(event);
        rep.operation = Some(self.op_id.clone());
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }
}

fn paf_doc(o: &mut Obs, d: &crate::world::DocW) -> Ent {
    let mut e = Ent::new("doc", mosaic_model::Schema::IdentityDocument, d.id.clone());
    e.s("type", d.kind)
        .s("number", d.number.clone())
        .s("country", d.country)
        .s("holder", "person");
    e.s("forged", if d.forged { "true" } else { "false" });
    let _ = o;
    e
}

fn nat_plate(nat: &'static str) -> &'static str {
    match nat {
        "tr" | "iq" => "tr",
        n => n,
    }
}

fn titlecase(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl RouteSim for Channel {
    fn step(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        {
            let mut env = out.env();
            self.net.rotate(&mut self.w, &mut env, day)?;
        }
        // recruitment: keep about a month of people on the road
        let target = 330.0;
        let lambda = (10.6 + 0.1 * (target - self.pipeline.len() as f64)).clamp(0.0, 40.0);
        let recruits = poisson(&mut self.w, lambda);
        let mut crossing = Vec::new();
        for _ in 0..recruits {
            let m = self.new_migrant(out, day, 0)?;
            let by_sea = chance(&mut self.w, 0.6);
            self.pipeline.push_back((day, m));
            if by_sea {
                crossing.push(self.pipeline.len() - 1);
            }
        }
        self.aegean(day, out, &crossing)?;
        // arrivals in France and Belgium: enough to keep some 50 people waiting
        let release = poisson(
            &mut self.w,
            (10.8 + 0.25 * (50.0 - self.waiting.len() as f64)).clamp(0.0, 30.0),
        );
        for _ in 0..release {
            let ready = self
                .pipeline
                .front()
                .is_some_and(|(d, _)| day >= d + 14 || *d == 0);
            if !ready {
                break;
            }
            let (_, m) = self.pipeline.pop_front().expect("checked");
            self.arrive(out, m, day, 0)?;
        }
        if day == self.op_day {
            self.operation(day, out)?;
        } else {
            self.night(day, out)?;
        }
        if chance(&mut self.w, 0.3) && day < self.op_day {
            if let Some(d) = self.net.pick_role_in(&mut self.w, "driver", &["be"]) {
                let date = self.date(out, day as i64);
                let when = night(&mut self.o, date, 3600);
                self.port_intel(out, d, when)?;
            }
        }
        if day % 7 == 6 {
            self.fiu(day, out)?;
            self.fiu_noise(day, out)?;
        }
        if day >= self.invest_start && day % 7 == 3 && day < self.op_day {
            self.intercepts(day, out)?;
        }
        // (an inspection on the second day, so that even the demo shows one)
        if (chance(&mut self.w, 1.0 / 6.0) || day == 1) && !self.arrived.is_empty() {
            self.inspection(day, out)?;
        }
        // victims of trafficking in the UK come to the NGO's attention
        if chance(&mut self.w, 0.15) {
            if let Some(i) = (0..self.arrived.len())
                .find(|i| self.arrived[*i].1.vot && !self.arrived[*i].1.referred)
            {
                self.arrived[i].1.referred = true;
                let m = self.arrived[i].1.clone();
                let date = self.date(out, day as i64);
                let t = daytime(&mut self.o, date, 0);
                ngo_referral(out, &mut self.o, &mut self.n, &m, 2, t, None, None)?;
            }
        }
        self.stats.days = day + 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut Out) -> Result<(), SimError> {
        self.net.write_members(&mut out.truth)
    }
}

impl Obs<'_> {
    /// A local time as the agency writes it in narratives.
    pub fn out_local(&self, t: &DateTime<Utc>) -> String {
        t.with_timezone(&chrono::FixedOffset::east_opt(self.a.offset).expect("offset"))
            .format("%d/%m/%Y %H:%M")
            .to_string()
    }
}
