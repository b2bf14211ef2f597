//! At the default scale, the generated statistics match the parameters they come from:
//! the documented Channel case (20–30 attempts a day, about 10 successful, some 4,000
//! people a year, 36 arrests, 2 European arrest warrants, 45 premises searched), the fee
//! distribution, the networks' roles and the noise rates. And the ground truth is
//! complete: every mention points at an entity the truth describes.

use std::collections::{BTreeMap, BTreeSet};

use mosaic_sim::{generate, truth, SimConfig, DEFAULT_NOISE};

/// Binomial tolerance: 4 standard deviations, at least half a percentage point.
fn close(observed: f64, p: f64, n: u64) -> bool {
    let sd = (p * (1.0 - p) / n as f64).sqrt();
    (observed - p).abs() <= (4.0 * sd).max(0.005)
}

#[test]
fn default_scale_reproduces_the_channel_case_and_the_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig::default();
    assert_eq!(cfg.noise, DEFAULT_NOISE);
    let s = generate(&cfg, dir.path(), &mut |_| {}).unwrap();
    assert_eq!(s.days_simulated, 365);

    // --- the Channel case
    let c = &s.channel[0];
    let nights = &c.attempts_per_day;
    assert_eq!(nights.len(), 364, "one night is the operation");
    assert!(nights.iter().all(|n| (20..=30).contains(n)), "{nights:?}");
    let attempts: u32 = nights.iter().sum();
    let successes: u32 = c.successes_per_day.iter().sum();
    let mean_attempts = attempts as f64 / nights.len() as f64;
    let mean_successes = successes as f64 / nights.len() as f64;
    assert!(
        (24.0..26.0).contains(&mean_attempts),
        "attempts a day {mean_attempts}"
    );
    assert!(
        (9.0..11.5).contains(&mean_successes),
        "successes a day {mean_successes}"
    );
    let rate = successes as f64 / attempts as f64;
    assert!((0.37..0.47).contains(&rate), "success rate {rate}");
    assert!(
        (3300..=4400).contains(&c.people_smuggled),
        "{} a year",
        c.people_smuggled
    );
    assert_eq!((c.arrests, c.eaws, c.searches), (36, 2, 45));

    // --- fees
    let fee = &s.fees["channel"];
    assert_eq!(fee.currency, "EUR");
    assert!(
        (fee.mean() - 2000.0).abs() < 30.0,
        "channel fee mean {}",
        fee.mean()
    );
    assert!(
        (fee.sd() - 150.0).abs() < 30.0,
        "channel fee sd {}",
        fee.sd()
    );
    assert!(fee.min >= 1500.0 && fee.max <= 2600.0);
    let by = &fee.by_method;
    let total = fee.count as f64;
    assert!(close(by["cash"] as f64 / total, 0.55, fee.count), "{by:?}");
    assert!(
        close(by["bank_transfer"] as f64 / total, 0.30, fee.count),
        "{by:?}"
    );
    assert!(
        close(by["hawala"] as f64 / total, 0.15, fee.count),
        "{by:?}"
    );
    for (leg, lo, hi) in [
        ("aegean", 900.0, 1500.0),
        ("central-med", 1500.0, 3500.0),
        ("balkan", 2500.0, 4000.0),
        ("sea-asia", 1500.0, 2500.0),
    ] {
        let f = &s.fees[leg];
        assert!(f.count > 100, "{leg}");
        assert!(f.min >= lo && f.max <= hi, "{leg}: {} .. {}", f.min, f.max);
        assert!(
            (f.mean() - (lo + hi) / 2.0).abs() < (hi - lo) * 0.05,
            "{leg}: mean {}",
            f.mean()
        );
    }

    // --- roles
    let channel = s.networks.iter().find(|n| n.route == "channel").unwrap();
    let expected: BTreeMap<String, u32> = [
        ("boat_pilot", 2),
        ("document_forger", 3),
        ("driver", 16),
        ("money_collector", 6),
        ("organizer", 3),
        ("recruiter", 4),
        ("safe_house_keeper", 10),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(channel.roles, expected);
    for n in &s.networks {
        for role in ["organizer", "money_collector"] {
            assert!(
                n.roles.get(role).copied().unwrap_or(0) >= 1,
                "{} has no {role}",
                n.network
            );
        }
    }

    // --- noise as configured
    for (kind, p) in &s.noise_rates {
        let (n, applied) = s.noise_applied[kind];
        assert!(n > 1000, "{kind}: only {n} opportunities");
        let observed = applied as f64 / n as f64;
        assert!(
            close(observed, *p, n),
            "{kind}: {observed:.4} applied, {p:.4} configured ({n} chances)"
        );
    }

    // --- the ground truth agrees with the summary and is complete
    let t = truth::load(dir.path()).unwrap();
    assert_eq!(t.operations.len(), 1);
    let op = &t.operations[0];
    assert_eq!((op.arrests, op.eaws, op.searches), (36, 2, 45));
    let op_events: BTreeMap<&str, usize> = t
        .events
        .iter()
        .filter(|e| e.operation.as_deref() == Some(op.entity.as_str()))
        .fold(BTreeMap::new(), |mut m, e| {
            *m.entry(e.kind.as_str()).or_default() += 1;
            m
        });
    assert_eq!(op_events.get("arrest"), Some(&36));
    assert_eq!(op_events.get("eaw"), Some(&2));
    assert_eq!(op_events.get("search"), Some(&45));
    let smugglers = t.persons.iter().filter(|p| p.kind == "smuggler").count();
    let arrested = t
        .persons
        .iter()
        .filter(|p| p.fate.as_deref() == Some("arrested"))
        .count();
    assert!(smugglers >= 44 + 20 + 19 + 19, "{smugglers}");
    assert_eq!(arrested, 36);
    let fees: u64 = s.fees.values().map(|f| f.count).sum();
    assert_eq!(t.payments.iter().filter(|p| p.fee).count() as u64, fees);
    assert!(
        t.payments.iter().any(|p| !p.fee),
        "non-fee transactions are part of the picture"
    );
    assert_eq!(
        t.faults.len() as u64,
        s.files.iter().map(|f| f.faults).sum::<u64>()
    );

    let persons: BTreeSet<&str> = t.persons.iter().map(|p| p.entity.as_str()).collect();
    let objects: BTreeSet<&str> = t.objects.iter().map(|o| o.entity.as_str()).collect();
    let payments: BTreeSet<&str> = t.payments.iter().map(|p| p.entity.as_str()).collect();
    let events: BTreeSet<&str> = t.events.iter().map(|e| e.entity.as_str()).collect();
    for m in &t.mentions {
        let known = match m.schema.as_str() {
            "Person" => persons.contains(m.entity.as_str()),
            "Payment" => payments.contains(m.entity.as_str()),
            "BorderEvent" => events.contains(m.entity.as_str()),
            "Call" => m.entity.starts_with("call:"),
            _ => objects.contains(m.entity.as_str()),
        };
        assert!(known, "mention of unknown entity: {m:?}");
        assert_eq!(
            t.entity_of(&m.agency, &m.source_ref, &m.key),
            Some(m.entity.as_str())
        );
    }
    // entity resolution has work to do: people and phones are seen more than once
    for schema in ["Person", "Phone", "Vehicle", "BankAccount"] {
        assert!(
            t.true_pairs(schema) > 100,
            "{schema}: {} true pairs",
            t.true_pairs(schema)
        );
    }
    // smuggled migrants are never smugglers in the truth
    for p in &t.persons {
        if p.kind == "migrant" {
            assert!(
                matches!(
                    p.role.as_str(),
                    "smuggled_migrant" | "victim_of_trafficking"
                ),
                "{p:?}"
            );
        }
        if p.asylum_applicant {
            assert_eq!(p.fled_from.as_deref(), Some(p.nationality.as_str()));
        }
    }
}
