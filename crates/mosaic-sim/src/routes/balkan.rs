//! The Balkan land route: from Greece through North Macedonia and Serbia towards Hungary
//! and Austria in cars and vans, with Serbian border police interceptions.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{later, ngo_referral, night, payment, round_to, Migrant, RouteSim};
use crate::agencies::streams;
use crate::config::Route;
use crate::obs::{Obs, PersonOpts};
use crate::out::Out;
use crate::places::{self, BALKAN_CHECKPOINTS};
use crate::rep::{Ent, PlaceV, V};
use crate::truth::EventTruth;
use crate::util::{chance, pick, stream, weighted};
use crate::world::{self, ms, MemberSpec, Network, K};
use crate::SimError;

pub const MEMBERS: &[MemberSpec] = &[
    ms("organizer", "rs", &["rs", "af"]),
    ms("organizer", "tr", &["tr", "af"]),
    ms("recruiter", "tr", &["af", "pk"]),
    ms("recruiter", "gr", &["af", "pk", "sy"]),
    ms("driver", "rs", &["rs"]),
    ms("driver", "rs", &["rs", "ba"]),
    ms("driver", "rs", &["bg", "ro"]),
    ms("driver", "rs", &["md", "ro"]),
    ms("driver", "mk", &["mk", "al"]),
    ms("driver", "mk", &["mk"]),
    ms("driver", "rs", &["rs", "mk"]),
    ms("driver", "rs", &["af", "rs"]),
    ms("safe_house_keeper", "mk", &["mk", "af"]),
    ms("safe_house_keeper", "rs", &["rs", "af"]),
    ms("safe_house_keeper", "rs", &["af", "pk"]),
    ms("money_collector", "tr", &["tr", "af"]),
    ms("money_collector", "rs", &["rs", "af"]),
    ms("money_collector", "at", &["af", "at"]),
    ms("document_forger", "gr", &["gr", "al"]),
];

const ORIGINS: &[(&str, u32)] = &[
    ("af", 35),
    ("pk", 20),
    ("sy", 15),
    ("bd", 10),
    ("ma", 10),
    ("iq", 10),
];

pub struct Balkan {
    net: Network,
    w: ChaCha8Rng,
    o: ChaCha8Rng,
    n: ChaCha8Rng,
}

impl Balkan {
    pub fn new(seed: u64, replica: u32, out: &mut Out) -> Result<Balkan, SimError> {
        let mut w = stream(seed, &[3, replica as u64, 1]);
        let mut env = out.env();
        let net = Network::new(
            &mut w,
            &mut env,
            Route::Balkan,
            replica,
            format!("Preševo–Subotica network {}", replica + 1),
            MEMBERS,
        )?;
        Ok(Balkan {
            net,
            w,
            o: stream(seed, &[3, replica as u64, 2]),
            n: stream(seed, &[3, replica as u64, 3]),
        })
    }

    fn date(&self, out: &Out, day: u32) -> NaiveDate {
        out.start + Duration::days(day as i64)
    }

    /// `first`: the opening trip of the scenario is intercepted.
    fn trip(&mut self, day: u32, out: &mut Out, first: bool) -> Result<(), SimError> {
        let date = self.date(out, day);
        let Some(d) = self.net.pick_role(&mut self.w, "driver") else {
            return Ok(());
        };
        let driver = self.net.members[d].clone();
        let Some(vehicle) = driver.vehicle.clone() else {
            return Ok(());
        };
        let n = if vehicle.kind == "car" {
            self.w.gen_range(4..=7)
        } else {
            self.w.gen_range(6..=15)
        };
        let mut env = out.env();
        let mut people = Vec::with_capacity(n);
        for _ in 0..n {
            let nat = *weighted(&mut self.w, ORIGINS);
            let child = chance(&mut self.w, 0.12);
            let mut p = world::new_person(
                &mut self.w,
                &mut env,
                nat,
                if child { (12, 17) } else { (18, 40) },
                0.08,
                date,
            );
            if chance(&mut self.w, 0.3) {
                let c = if crate::idents::has_phone_plan(nat) {
                    nat
                } else {
                    "rs"
                };
                p.phone = Some(world::new_phone(
                    &mut self.w,
                    &mut env,
                    c,
                    Some(&p.id),
                    None,
                    day,
                    None,
                    None,
                )?);
            }
            let vot = chance(&mut self.w, 0.04);
            let asylum = chance(&mut self.w, 0.4);
            env.truth.person(&world::person_truth(
                &p,
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
            people.push(Migrant {
                p,
                child,
                vot,
                asylum,
                referred: false,
                forged: None,
            });
        }
        for m in &people {
            let amount = round_to(self.w.gen_range(2500.0..4000.0), 100.0);
            let method = if chance(&mut self.w, 0.6) {
                "hawala"
            } else {
                "cash"
            };
            let c = self.net.pick_role_in(
                &mut self.w,
                "money_collector",
                if method == "hawala" {
                    &["tr", "at"]
                } else {
                    &["rs"]
                },
            );
            let cid = c.map(|c| self.net.members[c].p.id.clone());
            let paid = date - Duration::days(self.w.gen_range(1..20));
            payment(
                out,
                Some(&m.p.id),
                cid.as_deref(),
                None,
                None,
                amount,
                "EUR",
                paid,
                method,
                Some("balkan"),
                Some(&self.net.id),
            )?;
        }
        let intercepted = chance(&mut self.w, 0.35) || first;
        let cp = *pick(&mut self.w, BALKAN_CHECKPOINTS);
        let event = out.ids.next(K::Event);
        out.truth.event(&EventTruth {
            entity: event.clone(),
            kind: "attempt".into(),
            outcome: if intercepted {
                "intercepted"
            } else {
                "succeeded"
            }
            .into(),
            route: "balkan".into(),
            network: Some(self.net.id.clone()),
            date: date.to_string(),
            place: cp.name.into(),
            country: "rs".into(),
            persons: n as u32,
            dead: 0,
            missing: 0,
            operation: None,
        })?;
        if !intercepted {
            return Ok(());
        }
        let when = night(&mut self.o, date, 3600);
        if out.on(streams::RS_BP) {
            let seq = out.seq(streams::RS_BP);
            let yy = date.format("%y");
            let reported = later(&mut self.o, when, 1, 10);
            let (lat, lon) = places::near(&mut self.o, &cp, 1.0);
            let unit = *pick(&mut self.o, &["KU", "PU", "SU", "NI"]);
            for (i, who) in std::iter::once(None)
                .chain(people.iter().map(Some))
                .enumerate()
            {
                let mut o = Obs::new("rs-bp", &mut self.o, &mut self.n, out);
                let mut rep = o.rep(
                    streams::RS_BP,
                    "interception",
                    format!("{unit}-{seq:05}/{yy}-{}", i + 1),
                    reported,
                    Some(when),
                );
                rep.extras
                    .push(("procedure", format!("{unit}-{seq:05}/{yy}")));
                rep.place = Some(PlaceV {
                    name: Some(cp.name.to_owned()),
                    country: Some("rs"),
                    point: Some((lat, lon)),
                });
                rep.narrative = Some(format!(
                    "Zaustavljeno vozilo sa {n} migranata bez dokumenata ({}).",
                    cp.name
                ));
                rep.event = Some(event.clone());
                let mut v = Ent::new("vehicle", mosaic_model::Schema::Vehicle, vehicle.id.clone());
                let plate = o.plate(&vehicle.plate);
                v.s("registrationNumber", plate)
                    .s("country", vehicle.country)
                    .s(
                        "type",
                        if vehicle.kind == "car" {
                            "putničko vozilo"
                        } else {
                            "kombi"
                        },
                    );
                rep.add(v);
                let mut ev = Ent::new("event", mosaic_model::Schema::BorderEvent, event.clone());
                ev.s("eventType", "unauthorised_crossing")
                    .p("date", V::Date(date))
                    .s("place", cp.name)
                    .p("personsInvolved", V::int(n as i64))
                    .s("vehicle", "vehicle");
                rep.add(ev);
                let (p, role, child, asylum) = match who {
                    None => (&driver.p, "driver", false, false),
                    Some(m) => (&m.p, "smuggled_migrant", m.child, m.asylum),
                };
                let mut e = o.person(
                    "person",
                    p,
                    PersonOpts {
                        split: true,
                        dob: true,
                        nationality: true,
                        gender: true,
                        child: Some(child),
                        asylum: Some(asylum),
                        ..Default::default()
                    },
                );
                // Serbian officers write Serbian names in Cyrillic half the time
                if matches!(p.name.culture, crate::names::Culture::Serbian) && chance(o.rng, 0.5) {
                    for (prop, vals) in e.props.iter_mut() {
                        if matches!(*prop, "name" | "firstName" | "lastName") {
                            for v in vals.iter_mut() {
                                if let V::S(s) = v {
                                    *s = crate::names::serbian_cyrillic(s);
                                }
                            }
                        }
                    }
                }
                rep.add(e);
                rep.role("person", role);
                if let Some(ph) = &p.phone {
                    if o.keep() {
                        let e = o.phone_ent("phone", ph, Some("person"), false);
                        rep.add(e);
                    }
                }
                let nrng = &mut *o.nrng;
                o.out.emit(rep, nrng)?;
            }
        }
        for m in people.iter_mut() {
            if m.child && chance(&mut self.w, 0.5) {
                m.referred = true;
                let t = later(&mut self.o, when, 6, 48);
                ngo_referral(out, &mut self.o, &mut self.n, m, 4, t, Some(&event), None)?;
            }
        }
        Ok(())
    }
}

impl RouteSim for Balkan {
    fn step(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        {
            let mut env = out.env();
            self.net.rotate(&mut self.w, &mut env, day)?;
        }
        if chance(&mut self.w, 0.8) || day == 0 {
            self.trip(day, out, day == 0)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Out) -> Result<(), SimError> {
        self.net.write_members(&mut out.truth)
    }
}
