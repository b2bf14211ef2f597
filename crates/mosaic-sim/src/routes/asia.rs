//! South-East Asian sea and port route: Rohingya and Bangladeshi migrants on trawlers
//! across the Andaman Sea to camps in Thailand and on to Malaysia; ransoms paid by
//! families by money transfer; ships that change name and flag but keep their IMO.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{
    border_event, daytime, later, ngo_referral, night, payment, round_to, Migrant, RouteSim,
};
use crate::agencies::streams;
use crate::config::Route;
use crate::obs::{Obs, PersonOpts};
use crate::out::Out;
use crate::places::{self, ANDAMAN, SEA_ASIA_PORTS};
use crate::rep::V;
use crate::truth::EventTruth;
use crate::util::{chance, pick, stream, weighted};
use crate::world::{self, ms, MemberSpec, Network, VesselW, K};
use crate::SimError;

pub const MEMBERS: &[MemberSpec] = &[
    ms("organizer", "th", &["th"]),
    ms("organizer", "my", &["my", "mm"]),
    ms("recruiter", "bd", &["bd"]),
    ms("recruiter", "bd", &["bd", "mm"]),
    ms("recruiter", "mm", &["mm"]),
    ms("recruiter", "mm", &["mm", "bd"]),
    ms("boat_pilot", "th", &["th", "mm"]),
    ms("boat_pilot", "th", &["mm"]),
    ms("boat_pilot", "mm", &["mm", "th"]),
    ms("boat_pilot", "my", &["my", "th"]),
    ms("safe_house_keeper", "th", &["th"]),
    ms("safe_house_keeper", "th", &["th", "mm"]),
    ms("safe_house_keeper", "th", &["mm"]),
    ms("money_collector", "bd", &["bd"]),
    ms("money_collector", "my", &["my", "bd"]),
    ms("money_collector", "th", &["th"]),
    ms("driver", "th", &["th"]),
    ms("driver", "my", &["my"]),
    ms("document_forger", "my", &["my", "bd"]),
];

pub struct Asia {
    net: Network,
    w: ChaCha8Rng,
    o: ChaCha8Rng,
    n: ChaCha8Rng,
    ships: Vec<(VesselW, u32)>,
}

impl Asia {
    pub fn new(seed: u64, replica: u32, out: &mut Out) -> Result<Asia, SimError> {
        let mut w = stream(seed, &[4, replica as u64, 1]);
        let mut env = out.env();
        let net = Network::new(
            &mut w,
            &mut env,
            Route::SeaAsia,
            replica,
            format!("Andaman network {}", replica + 1),
            MEMBERS,
        )?;
        let mut ships = Vec::new();
        for _ in 0..2 {
            let flag = *pick(&mut w, &["th", "my", "km", "tg"]);
            let owner = net.members[0].p.id.clone();
            let length = w.gen_range(22.0..35.0);
            let v = world::new_vessel(
                &mut w,
                &mut env,
                "fishing trawler",
                flag,
                length,
                true,
                Some(&owner),
                Some(&net.id),
                0,
            )?;
            let until = w.gen_range(60..150);
            ships.push((v, until));
        }
        Ok(Asia {
            net,
            w,
            o: stream(seed, &[4, replica as u64, 2]),
            n: stream(seed, &[4, replica as u64, 3]),
            ships,
        })
    }

    fn date(&self, out: &Out, day: u32) -> NaiveDate {
        out.start + Duration::days(day as i64)
    }

    /// `first`: the opening voyage of the scenario is intercepted.
    fn voyage(&mut self, day: u32, out: &mut Out, first: bool) -> Result<(), SimError> {
        let date = self.date(out, day);
        let persons = self.w.gen_range(60..200u32);
        let on_ship = chance(&mut self.w, 0.6);
        let ship = self.w.gen_range(0..self.ships.len());
        let pilot = self.net.pick_role(&mut self.w, "boat_pilot");
        let mut env = out.env();
        let boat = if on_ship {
            self.ships[ship].0.clone()
        } else {
            {
                let length = self.w.gen_range(12.0..20.0);
                world::new_vessel(
                    &mut self.w,
                    &mut env,
                    "wooden boat",
                    "mm",
                    length,
                    false,
                    None,
                    Some(&self.net.id),
                    day,
                )?
            }
        };
        let mut people = Vec::with_capacity(persons as usize);
        for _ in 0..persons {
            let nat = *weighted(&mut self.w, &[("mm", 60), ("bd", 40)]);
            let child = chance(&mut self.w, 0.15);
            let p = world::new_person(
                &mut self.w,
                &mut env,
                nat,
                if child { (10, 17) } else { (18, 40) },
                0.3,
                date,
            );
            let vot = chance(&mut self.w, 0.3);
            let asylum = nat == "mm" && chance(&mut self.w, 0.5);
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
            // ransom demanded from the family while held in a camp
            let amount = round_to(self.w.gen_range(1500.0..2500.0), 50.0);
            let method = *weighted(
                &mut self.w,
                &[("money_transfer", 60), ("cash", 25), ("hawala", 15)],
            );
            let c = self
                .net
                .pick_role(&mut self.w, "money_collector")
                .map(|c| self.net.members[c].p.id.clone());
            let paid = date + Duration::days(self.w.gen_range(1..30));
            payment(
                out,
                Some(&m.p.id),
                c.as_deref(),
                None,
                None,
                amount,
                "USD",
                paid,
                method,
                Some("sea-asia"),
                Some(&self.net.id),
            )?;
        }
        let drawn = *weighted(
            &mut self.w,
            &[("intercepted", 40), ("landed", 50), ("shipwreck", 10)],
        );
        let outcome = if first { "intercepted" } else { drawn };
        let (dead, missing) = if outcome == "shipwreck" {
            (
                self.w.gen_range(5..30).min(persons / 3),
                self.w.gen_range(0..20).min(persons / 3),
            )
        } else if chance(&mut self.w, 0.15) {
            (self.w.gen_range(1..8), 0)
        } else {
            (0, 0)
        };
        let area = *pick(&mut self.w, ANDAMAN);
        let event = out.ids.next(K::Event);
        out.truth.event(&EventTruth {
            entity: event.clone(),
            kind: "attempt".into(),
            outcome: outcome.into(),
            route: "sea-asia".into(),
            network: Some(self.net.id.clone()),
            date: date.to_string(),
            place: area.name.into(),
            country: area.country.into(),
            persons,
            dead,
            missing,
            operation: None,
        })?;
        if outcome == "landed" {
            return Ok(());
        }
        let when = night(&mut self.o, date, 28800);
        let rescued = persons - dead - missing;
        people.truncate(rescued as usize);
        if out.on(streams::MY_MMEA) {
            let seq = out.seq(streams::MY_MMEA);
            let reported = later(&mut self.o, when, 3, 30);
            let (lat, lon) = places::near(&mut self.o, &area, 10.0);
            let pm = pilot.map(|i| self.net.members[i].clone());
            let mut o = Obs::new("my-mmea", &mut self.o, &mut self.n, out);
            let base = *pick(o.rng, &["PLK", "LGK", "PNG"]);
            let mut rep = o.rep(
                streams::MY_MMEA,
                "incident_at_sea",
                format!("MMEA/{base}/{}/{seq:03}", date.format("%Y")),
                reported,
                Some(when),
            );
            let risk = outcome == "shipwreck" || dead > 0;
            let mut ev = border_event(
                "event",
                &event,
                if risk {
                    "risk_to_life"
                } else {
                    "unauthorised_crossing"
                },
                if outcome == "shipwreck" {
                    "critical"
                } else if risk {
                    "high"
                } else {
                    "medium"
                },
                when,
                area.name,
                lat,
                lon,
                persons,
            );
            ev.p("rescued", V::int(rescued as i64))
                .p("dead", V::int(dead as i64))
                .p("missing", V::int(missing as i64))
                .s("vessel", "boat");
            rep.add(ev);
            let named_pilot = pm.is_some() && chance(o.rng, 0.6);
            let b = o.vessel_ent("boat", &boat, named_pilot.then_some("master"));
            rep.add(b);
            if let (true, Some(pm)) = (named_pilot, &pm) {
                let e = o.person(
                    "master",
                    &pm.p,
                    PersonOpts {
                        dob: true,
                        nationality: true,
                        id_number: true,
                        ..Default::default()
                    },
                );
                rep.add(e);
                rep.role("master", "boat_pilot");
                if chance(o.rng, 0.5) {
                    let ph = o.phone_ent("phone", &pm.phone, Some("master"), false);
                    rep.add(ph);
                }
            }
            for (i, m) in people
                .iter()
                .filter(|m| m.child || m.vot)
                .take(5)
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
                rep.role(
                    &key,
                    if m.vot {
                        "victim_of_trafficking"
                    } else {
                        "smuggled_migrant"
                    },
                );
            }
            rep.narrative = Some(format!(
                "{} carrying {persons} persons (Rohingya and Bangladeshi nationals) intercepted {}. {rescued} persons disembarked{}{}.",
                if boat.name.is_empty() { boat.kind.to_owned() } else { format!("{} {}", boat.kind, boat.name) },
                area.name,
                if dead > 0 { format!(", {dead} dead") } else { String::new() },
                if missing > 0 { format!(", {missing} missing") } else { String::new() }
            ));
            rep.place = Some(Obs::place(area.name, area.country, lat, lon));
            if let Some(p) = rep.place.as_mut() {
                p.country = None;
            }
            rep.event = Some(event.clone());
            let nrng = &mut *o.nrng;
            o.out.emit(rep, nrng)?;
        }
        for m in people.iter_mut() {
            if m.vot && chance(&mut self.w, 0.1) {
                m.referred = true;
                let t = later(&mut self.o, when, 24, 120);
                ngo_referral(out, &mut self.o, &mut self.n, m, 5, t, Some(&event), None)?;
            }
        }
        Ok(())
    }

    /// Port intelligence on the network's ships.
    fn port_intel(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        if !out.on(streams::MY_PIU) {
            return Ok(());
        }
        let date = self.date(out, day);
        let (ship, _) = self.ships[self.w.gen_range(0..self.ships.len())].clone();
        let port = *pick(&mut self.w, SEA_ASIA_PORTS);
        let pilot = self
            .net
            .pick_role(&mut self.w, "boat_pilot")
            .map(|i| self.net.members[i].clone());
        let seq = out.seq(streams::MY_PIU);
        let when = daytime(&mut self.o, date, 28800);
        let reported = later(&mut self.o, when, 6, 72);
        let mut o = Obs::new("my-piu", &mut self.o, &mut self.n, out);
        let mut rep = o.rep(
            streams::MY_PIU,
            "port_intelligence",
            format!("PIU-PKL-{}-{seq:04}", date.format("%Y")),
            reported,
            Some(when),
        );
        let v = o.vessel_ent("vessel", &ship, pilot.as_ref().map(|_| "master"));
        rep.add(v);
        let mut text = format!(
            "Fishing trawler {} (flag {}, MMSI {}{}) berthed at {}. Crew list irregular; provisions and water far beyond crew needs; hold recently fitted with partitions.",
            ship.name,
            ship.flag.to_uppercase(),
            ship.mmsi.clone().unwrap_or_default(),
            ship.imo.as_ref().map(|i| format!(", IMO {i}")).unwrap_or_default(),
            port.name
        );
        if let Some(pm) = &pilot {
            let e = o.person(
                "master",
                &pm.p,
                PersonOpts {
                    nationality: true,
                    id_number: true,
                    ..Default::default()
                },
            );
            let name = e
                .get("name")
                .and_then(|v| v.first())
                .map(|v| v.iso())
                .unwrap_or_default();
            rep.add(e);
            text.push_str(&format!(" Master: {name}."));
            if chance(o.rng, 0.6) {
                let n = o.phone(&pm.phone.num);
                text.push_str(&format!(" Master's phone {n}."));
                let ph = o.phone_ent("phone", &pm.phone, Some("master"), false);
                rep.add(ph);
            }
        }
        text.push_str(" Assessed as possibly used to move persons from the Andaman coast.");
        rep.narrative = Some(text);
        rep.place = Some(Obs::place(port.name, port.country, port.lat, port.lon));
        let nrng = &mut *o.nrng;
        o.out.emit(rep, nrng)
    }
}

impl RouteSim for Asia {
    fn step(&mut self, day: u32, out: &mut Out) -> Result<(), SimError> {
        {
            let mut env = out.env();
            self.net.rotate(&mut self.w, &mut env, day)?;
        }
        // ships change name and flag, keeping their IMO number
        for (ship, until) in self.ships.iter_mut() {
            if day >= *until {
                let flag = *pick(&mut self.w, &["th", "my", "km", "tg", "sl", "pa"]);
                world::reflag(&mut self.w, ship, flag);
                *until = day + self.w.gen_range(60..150);
            }
        }
        if chance(&mut self.w, 1.0 / 6.0) || day == 0 {
            self.voyage(day, out, day == 0)?;
        }
        if chance(&mut self.w, 1.0 / 7.0) || day == 1 {
            self.port_intel(day, out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Out) -> Result<(), SimError> {
        self.net.write_members(&mut out.truth)
    }
}
