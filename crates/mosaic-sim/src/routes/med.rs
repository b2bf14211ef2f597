//! Central Mediterranean: departures from the Libyan coast in rubber, wooden and fishing
//! boats; rescues, landings, returns and shipwrecks; debriefs that name who was paid;
//! boat pilots arrested on landing; farm work in southern Italy afterwards.

use std::collections::VecDeque;

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{border_event, daytime, later, ngo_referral, payment, round_to, Migrant, RouteSim};
use crate::agencies::streams;
use crate::config::Route;
use crate::obs::{Obs, PersonOpts};
use crate::out::Out;
use crate::places::{self, ITALIAN_LANDINGS, LIBYA_DEPARTURES};
use crate::rep::{Ent, V};
use crate::truth::EventTruth;
use crate::util::{chance, pick, stream, weighted};
use crate::world::{self, ms, MemberSpec, Network, PhoneW, K};
use crate::SimError;

pub const MEMBERS: &[MemberSpec] = &[
    ms("organizer", "ly", &["ly"]),
    ms("organizer", "ly", &["ly", "sd"]),
    ms("recruiter", "ne", &["ng", "ne"]),
    ms("recruiter", "sd", &["sd", "er"]),
    ms("recruiter", "ly", &["gm", "sn"]),
    ms("driver", "ly", &["ne", "ly"]),
    ms("driver", "ly", &["ly", "td"]),
    ms("boat_pilot", "ly", &["gm", "sn"]),
    ms("boat_pilot", "ly", &["eg", "tn"]),
    ms("boat_pilot", "ly", &["ly", "eg"]),
    ms("boat_pilot", "ly", &["sn", "gm", "ml"]),
    ms("boat_pilot", "ly", &["tn", "eg"]),
    ms("boat_pilot", "ly", &["sd", "gm"]),
    ms("money_collector", "ly", &["ly"]),
    ms("money_collector", "it", &["sd", "eg"]),
    ms("money_collector", "sd", &["sd"]),
    ms("document_forger", "it", &["ng", "it"]),
    ms("safe_house_keeper", "ly", &["ly"]),
    ms("safe_house_keeper", "ly", &["ly", "ne"]),
    ms("safe_house_keeper", "ly", &["sd", "ly"]),
];

const ORIGINS: &[(&str, u32)] = &[
    ("gm", 10),
    ("sn", 9),
    ("ng", 12),
    ("ml", 8),
    ("gn", 10),
    ("ci", 8),
    ("sd", 10),
    ("er", 8),
    ("eg", 8),
    ("bd", 8),
    ("sy", 4),
    ("tn", 5),
];

pub struct Med {
    net: Network,
    w: ChaCha8Rng,
    o: ChaCha8Rng,
    n: ChaCha8Rng,
    satphone: PhoneW,
    satphone_until: u32,
    arrived: VecDeque<(u32, Migrant)>,
}

impl Med {
    pub fn new(seed: u64, replica: u32, out: &mut Out) -> Result<Med, SimError> {
        let mut w = stream(seed, &[2, replica as u64, 1]);
        let mut env = out.env();
        let name = format!("Zuwara boat network {}", replica + 1);
        let net = Network::new(&mut w, &mut env, Route::CentralMed, replica, name, MEMBERS)?;
        let owner = net.members[0].p.id.clone();
        let satphone = world::new_phone(
            &mut w,
            &mut env,
            "",
            Some(&owner),
            Some(&net.id),
            0,
            Some(45),
            None,
        )?;
        Ok(Med {
            net,
            w,
            o: stream(seed, &[2, replica as u64, 2]),
            n: stream(seed, &[2, replica as u64, 3]),
            satphone,
            satphone_until: 45,
            arrived: VecDeque::new(),
        })
    }

    fn date(&self, out: &Out, day: u32) -> NaiveDate {
        out.start + Duration::days(day as i64)
    }

    /// `first`: the opening event of the scenario, always a rescue (so that even two weeks
    /// show every agency at work).
    fn departure(&mut self, day: u32, out: &mut Out, first: bool) -> Result<(), SimError> {
        let date = self.date(out, day);
        let (kind, persons, length, registered) =
            match *weighted(&mut self.w, &[(0u8, 55), (1, 40), (2, 5)]) {
                0 => (
                    "rubber boat",
                    self.w.gen_range(30..50u32),
                    self.w.gen_range(9.0..12.0),
                    false,
                ),
                1 => (
                    "wooden boat",
                    self.w.gen_range(50..120),
                    self.w.gen_range(12.0..20.0),
                    false,
                ),
                _ => (
                    "fishing vessel",
                    self.w.gen_range(150..400),
                    self.w.gen_range(20.0..30.0),
                    true,
                ),
            };
        let from = *pick(&mut self.w, LIBYA_DEPARTURES);
        let pilot = self.net.pick_role(&mut self.w, "boat_pilot");
        let mut env = out.env();
        let flag = *pick(&mut self.w, &["ly", "tg", "sl"]);
        let boat = world::new_vessel(
            &mut self.w,
            &mut env,
            kind,
            flag,
            length,
            registered,
            None,
            Some(&self.net.id),
            day,
        )?;
        // the passengers, each with a fee paid before departure
        let mut people = Vec::with_capacity(persons as usize);
        for _ in 0..persons {
            let nat = *weighted(&mut self.w, ORIGINS);
            let child = chance(&mut self.w, 0.1);
            let female_p = if nat == "ng" || nat == "er" || nat == "ci" {
                0.35
            } else {
                0.12
            };
            let p = world::new_person(
                &mut self.w,
                &mut env,
                nat,
                if child { (12, 17) } else { (18, 40) },
                female_p,
                date,
            );
            let vot = chance(
                &mut self.w,
                if nat == "ng" && p.female() { 0.6 } else { 0.08 },
            );
            let asylum = chance(&mut self.w, 0.6);
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
            let amount = round_to(self.w.gen_range(1500.0..3500.0), 100.0);
            let method = if chance(&mut self.w, 0.6) {
                "hawala"
            } else {
                "cash"
            };
            let countries: &[&str] = if method == "cash" {
                &["ly"]
            } else {
                &["ly", "it", "sd"]
            };
            let c = self
                .net
                .pick_role_in(&mut self.w, "money_collector", countries);
            let cid = c.map(|c| self.net.members[c].p.id.clone());
            let paid = date - Duration::days(self.w.gen_range(3..40));
            payment(
                out,
                Some(&m.p.id),
                cid.as_deref(),
                None,
                None,
                amount,
                "USD",
                paid,
                method,
                Some("central-med"),
                Some(&self.net.id),
            )?;
        }
        let drawn = *weighted(
            &mut self.w,
            &[
                ("rescued", 55),
                ("landed", 20),
                ("returned", 20),
                ("shipwreck", 5),
            ],
        );
        let outcome = if first { "rescued" } else { drawn };
        let (dead, missing) = match outcome {
            "shipwreck" => {
                let missing = (persons as f64 * self.w.gen_range(0.3..0.7)) as u32;
                (self.w.gen_range(0..10).min(persons - missing), missing)
            }
            "rescued" if chance(&mut self.w, 0.1) => (self.w.gen_range(1..4), 0),
            _ => (0, 0),
        };
        let rescued = persons - dead - missing;
        let landing = *pick(&mut self.w, ITALIAN_LANDINGS);
        let event = out.ids.next(K::Event);
        let at_sea = (
            from.lat + self.w.gen_range(0.3..2.4),
            from.lon + self.w.gen_range(-0.4..1.2),
        );
        out.truth.event(&EventTruth {
            entity: event.clone(),
            kind: "attempt".into(),
            outcome: outcome.into(),
            route: "central-med".into(),
            network: Some(self.net.id.clone()),
            date: date.to_string(),
            place: if outcome == "landed" {
                landing.name.into()
            } else {
                format!("Central Mediterranean {:.2}N {:.2}E", at_sea.0, at_sea.1)
            },
            country: if outcome == "returned" {
                "ly".into()
            } else {
                "it".into()
            },
            persons,
            dead,
            missing,
            operation: None,
        })?;
        if outcome == "returned" {
            return Ok(());
        }
        // survivors: dead and missing are the last of the list
        people.truncate(rescued as usize);
        let pilot_named = pilot.is_some() && chance(&mut self.w, 0.5);
        let reported_by_gc = outcome != "landed" || chance(&mut self.w, 0.6);
        let when = super::night(&mut self.o, date, 3600) + Duration::hours(self.o.gen_range(4..30));
        let kind_it = match kind {
            "rubber boat" => "gommone",
            "wooden boat" => "barcone in legno",
            _ => "peschereccio",
        };
        if reported_by_gc && out.on(streams::IT_GC) {
            let seq = out.seq(streams::IT_GC);
            let reported = later(&mut self.o, when, 2, 20);
            let satphone = self.satphone.clone();
            let pm = pilot.map(|i| self.net.members[i].clone());
            let mut o = Obs::new("it-gc", &mut self.o, &mut self.n, out);
            let mut rep = o.rep(
                streams::IT_GC,
                "incident_at_sea",
                format!("IMRCC-{}-{seq:04}", date.format("%Y")),
                reported,
                Some(when),
            );
            let (lat, lon, place) = if outcome == "landed" {
                (landing.lat, landing.lon, landing.name.to_owned())
            } else {
                (
                    at_sea.0,
                    at_sea.1,
                    format!(
                        "Mediterraneo centrale, {:.0} miglia a nord di {}",
                        o.rng.gen_range(20.0..90.0),
                        from.name
                    ),
                )
            };
            let (etype, impact) = match outcome {
                "shipwreck" => ("risk_to_life", "critical"),
                "rescued" if dead > 0 => ("risk_to_life", "high"),
                "rescued" => ("risk_to_life", "medium"),
                _ => ("unauthorised_crossing", "low"),
            };
            let mut ev = border_event(
                "event", &event, etype, impact, when, &place, lat, lon, persons,
            );
            ev.p("rescued", V::int(rescued as i64))
                .p("dead", V::int(dead as i64))
                .p("missing", V::int(missing as i64))
                .s("vessel", "boat");
            ev.s(
                "outcome",
                match outcome {
                    "landed" => "sbarco autonomo",
                    "shipwreck" => "naufragio",
                    _ => "soccorso",
                },
            );
            rep.add(ev);
            let b = o.vessel_ent("boat", &boat, pilot_named.then_some("pilot"));
            rep.add(b);
            if chance(o.rng, 0.5) {
                let imei = chance(o.rng, 0.5);
                let e = o.phone_ent("satphone", &satphone, None, imei);
                rep.add(e);
            }
            if let (true, Some(pm)) = (pilot_named, &pm) {
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
            }
            for (i, m) in people
                .iter()
                .filter(|m| m.child || m.vot)
                .take(6)
                .enumerate()
            {
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
            rep.narrative = Some(match outcome {
                "shipwreck" => format!("Naufragio di {kind_it} partito da {}: {rescued} superstiti, {dead} salme recuperate, {missing} dispersi secondo i superstiti.", from.name),
                "landed" => format!("Sbarco autonomo a {} di {persons} persone giunte con {kind_it} partito da {}.", landing.name, from.name),
                _ => format!("Soccorso di {kind_it} in difficoltà partito da {}: {rescued} persone tratte in salvo{}, sbarcate a {}.", from.name, if dead > 0 { format!(", {dead} decedute") } else { String::new() }, landing.name),
            });
            rep.place = Some(Obs::place(
                place,
                if outcome == "landed" { "it" } else { "ly" },
                lat,
                lon,
            ));
            if outcome != "landed" {
                // at sea: no country
                if let Some(p) = rep.place.as_mut() {
                    p.country = None;
                }
            }
            rep.event = Some(event.clone());
            let nrng = &mut *o.nrng;
            o.out.emit(rep, nrng)?;
        }
        // the pilot, pointed out by passengers, is arrested on landing and replaced
        if pilot_named {
            let pi = pilot.expect("named");
            let pm = self.net.members[pi].clone();
            self.net.members[pi].active = false;
            self.net.members[pi].fate = "arrested_earlier";
            let arrest = out.ids.next(K::Event);
            out.truth.event(&EventTruth {
                entity: arrest.clone(),
                kind: "arrest".into(),
                outcome: "arrested".into(),
                route: "central-med".into(),
                network: Some(self.net.id.clone()),
                date: date.to_string(),
                place: landing.name.into(),
                country: "it".into(),
                persons: 1,
                dead: 0,
                missing: 0,
                operation: None,
            })?;
            {
                let mut env = out.env();
                let spec = MEMBERS
                    .iter()
                    .find(|s| s.role == "boat_pilot")
                    .expect("spec");
                self.net.add_member(&mut self.w, &mut env, spec, day)?;
            }
            if out.on(streams::POLIZIA) {
                let seq = out.seq(streams::POLIZIA);
                let t = later(&mut self.o, when, 6, 30);
                let reported = later(&mut self.o, t, 2, 12);
                let mut o = Obs::new("it-polizia", &mut self.o, &mut self.n, out);
                let mut rep = o.rep(
                    streams::POLIZIA,
                    "arrest",
                    format!("SQM-AG-{}-{seq:05}", date.format("%Y")),
                    reported,
                    Some(t),
                );
                let e = o.person(
                    "suspect",
                    &pm.p,
                    PersonOpts {
                        split: true,
                        dob: true,
                        nationality: true,
                        gender: true,
                        ..Default::default()
                    },
                );
                rep.add(e);
                rep.role("suspect", "boat_pilot");
                rep.narrative = Some(format!("Fermo di indiziato di delitto (art. 12 d.lgs. 286/1998): indicato dai migranti come conducente dell'imbarcazione soccorsa ({kind_it}). Sbarco a {}.", landing.name));
                rep.place = Some(Obs::place(landing.name, "it", landing.lat, landing.lon));
                rep.event = Some(arrest);
                let nrng = &mut *o.nrng;
                o.out.emit(rep, nrng)?;
            }
        }
        // debriefs: who they paid, how much, how
        let n_debrief = if chance(&mut self.o, 0.7) {
            self.o.gen_range(1..4).min(people.len())
        } else {
            0
        };
        for k in 0..n_debrief {
            let m = people[k * 7 % people.len()].clone();
            self.debrief(out, date, when, &m, &event)?;
        }
        for m in people.iter_mut() {
            if (m.child || m.vot) && chance(&mut self.w, 0.25) {
                m.referred = true;
                let t = later(&mut self.o, when, 12, 96);
                ngo_referral(out, &mut self.o, &mut self.n, m, 3, t, Some(&event), None)?;
            }
        }
        for m in people.into_iter().filter(|m| !m.child).take(40) {
            self.arrived.push_back((day, m));
        }
        while self.arrived.len() > 300
            || self
                .arrived
                .front()
                .is_some_and(|(d, _)| day.saturating_sub(*d) > 200)
        {
            self.arrived.pop_front();
        }
        Ok(())
    }

    fn debrief(
        &mut self,
        out: &mut Out,
        date: NaiveDate,
        when: chrono::DateTime<chrono::Utc>,
        m: &Migrant,
        event: &str,
    ) -> Result<(), SimError> {
        if !out.on(streams::POLIZIA) {
            return Ok(());
        }
        // whom the migrant names: the organizer by nickname, or the money collector
        let org = self.net.pick_role(&mut self.w, "organizer");
        let coll = self.net.pick_role(&mut self.w, "money_collector");
        let amount = round_to(self.w.gen_range(1500.0..3500.0), 100.0);
        let method = if chance(&mut self.w, 0.6) {
            "hawala"
        } else {
            "cash"
        };
        let paid = date - Duration::days(self.w.gen_range(5..60));
        let pid = {
            let cid = coll.map(|c| self.net.members[c].p.id.clone());
            payment(
                out,
                Some(&m.p.id),
                cid.as_deref(),
                None,
                None,
                amount,
                "USD",
                paid,
                method,
                Some("central-med"),
                Some(&self.net.id),
            )?
        };
        let seq = out.seq(streams::POLIZIA);
        let t = later(&mut self.o, when, 12, 72);
        let reported = later(&mut self.o, t, 2, 48);
        let orgm = org.map(|i| self.net.members[i].clone());
        let collm = coll.map(|i| self.net.members[i].clone());
        let mut o = Obs::new("it-polizia", &mut self.o, &mut self.n, out);
        let mut rep = o.rep(
            streams::POLIZIA,
            "migrant_debrief",
            format!("SQM-AG-{}-{seq:05}", date.format("%Y")),
            reported,
            Some(t),
        );
        let e = o.person(
            "migrant",
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
        rep.add(e);
        rep.role(
            "migrant",
            if m.vot {
                "victim_of_trafficking"
            } else {
                "smuggled_migrant"
            },
        );
        let mut text =
            format!("Audizione di migrante sbarcato: dichiara di aver pagato {amount:.0} USD");
        let mut pay = Ent::new("payment", mosaic_model::Schema::Payment, pid);
        pay.p("amount", V::num(amount, 0))
            .s("currency", "USD")
            .s("method", method)
            .s("payer", "migrant");
        pay.p(
            "date",
            V::Month(
                chrono::Datelike::year(&paid),
                chrono::Datelike::month(&paid),
            ),
        );
        if let Some(c) = &collm {
            let mut e = Ent::new("collector", mosaic_model::Schema::Person, c.p.id.clone());
            let w = o.name(&c.p);
            e.s("name", w.full.clone());
            let n = o.phone(&c.phone.num);
            e.s("phone", n.clone());
            rep.add(e);
            rep.role("collector", "money_collector");
            pay.s("beneficiary", "collector");
            text.push_str(&format!(
                " tramite {} a {} (tel. {n})",
                if method == "hawala" {
                    "hawala"
                } else {
                    "contanti"
                },
                w.full
            ));
        }
        rep.add(pay);
        if let Some(g) = &orgm {
            if let Some(e) = o.alias_only("boss", &g.p) {
                text.push_str(&format!(
                    "; il viaggio era organizzato da \"{}\"",
                    g.p.nickname.clone().unwrap_or_default()
                ));
                rep.add(e);
                rep.role("boss", "organizer");
            }
        }
        text.push('.');
        rep.narrative = Some(text);
        rep.event = Some(event.to_owned());
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }

    fn inspection(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        let date = self.date(out, day);
        let site = *pick(&mut self.w, places::IT_WORKSITES);
        let n = self.w.gen_range(2..=6).min(self.arrived.len());
        let mut workers: Vec<Migrant> = Vec::new();
        for _ in 0..n {
            let i = self.w.gen_range(0..self.arrived.len());
            let m = self.arrived[i].1.clone();
            if !workers.iter().any(|w| w.p.id == m.p.id) {
                workers.push(m);
            }
        }
        let mut env = out.env();
        let nat = *pick(&mut self.w, &["it", "ma", "ro", "gm"]);
        let mut boss = world::new_person(&mut self.w, &mut env, nat, (30, 60), 0.05, date);
        boss.phone = Some(world::new_phone(
            &mut self.w,
            &mut env,
            "it",
            Some(&boss.id),
            None,
            day,
            None,
            None,
        )?);
        env.truth.person(&world::person_truth(
            &boss,
            "other",
            None,
            "gangmaster",
            Some("it"),
            false,
            false,
            false,
            None,
        ))?;
        let event = env.ids.next(K::Event);
        env.truth.event(&EventTruth {
            entity: event.clone(),
            kind: "inspection".into(),
            outcome: "findings".into(),
            route: "central-med".into(),
            network: None,
            date: date.to_string(),
            place: site.1.into(),
            country: "it".into(),
            persons: workers.len() as u32,
            dead: 0,
            missing: 0,
            operation: None,
        })?;
        if !out.on(streams::INL) {
            return Ok(());
        }
        let seq = out.seq(streams::INL);
        let when = daytime(&mut self.o, date, 3600);
        let reported = later(&mut self.o, when, 24, 120);
        let mut o = Obs::new("it-inl", &mut self.o, &mut self.n, out);
        let mut rep = o.rep(
            streams::INL,
            "labour_inspection",
            format!(
                "INL-{}-{}-{seq:04}",
                &site.1[..2].to_uppercase(),
                date.format("%Y")
            ),
            reported,
            Some(when),
        );
        let mut b = o.person(
            "caporale",
            &boss,
            PersonOpts {
                split: true,
                dob: true,
                nationality: true,
                ..Default::default()
            },
        );
        if let Some(ph) = &boss.phone {
            let n = o.phone(&ph.num);
            b.s("phone", n);
        }
        rep.add(b);
        rep.role("caporale", "facilitator");
        for (i, w) in workers.iter().enumerate() {
            let key = format!("w{}", i + 1);
            let e = o.person(
                &key,
                &w.p,
                PersonOpts {
                    split: true,
                    dob: true,
                    nationality: true,
                    gender: true,
                    ..Default::default()
                },
            );
            rep.add(e);
            rep.role(
                &key,
                if w.vot {
                    "victim_of_trafficking"
                } else {
                    "witness"
                },
            );
        }
        rep.narrative = Some(format!(
            "Accesso ispettivo presso {} ({}): {} lavoratori stranieri privi di contratto, reclutati e trasportati da un intermediario (caporale); paga a cottimo inferiore ai minimi.",
            site.0,
            site.1,
            workers.len()
        ));
        rep.place = Some(Obs::place(site.1, "it", site.2, site.3));
        rep.event = Some(event);
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }
}

impl RouteSim for Med {
    fn step(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        {
            let mut env = out.env();
            self.net.rotate(&mut self.w, &mut env, day)?;
            if day >= self.satphone_until {
                let life = self.w.gen_range(30..60);
                let owner = self
                    .net
                    .with_role("organizer")
                    .first()
                    .map(|i| self.net.members[*i].p.id.clone());
                self.satphone = world::new_phone(
                    &mut self.w,
                    &mut env,
                    "",
                    owner.as_deref(),
                    Some(&self.net.id),
                    day,
                    Some(day + life),
                    None,
                )?;
                self.satphone_until = day + life;
            }
        }
        if chance(&mut self.w, 0.5) || day == 0 {
            self.departure(day, out, day == 0)?;
        }
        let inspect = chance(&mut self.w, 1.0 / 8.0) || day == 2;
        if !self.arrived.is_empty() && inspect {
            self.inspection(day, out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Out) -> Result<(), SimError> {
        self.net.write_members(&mut out.truth)
    }
}
