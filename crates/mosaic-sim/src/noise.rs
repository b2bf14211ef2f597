//! Noise: how far reports drift from the truth, as a function of one level (0.0–1.0).
//!
//! At level 0 each agency still writes in its own systematic way (its romanisation, its
//! date and phone formats) but makes no mistakes, sends nothing twice and nothing
//! broken. The rates below scale linearly with the level; `docs/scenario.md` lists them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::names::NameNoise;

#[derive(Clone, Copy, Debug)]
pub struct Noise {
    pub level: f64,
    pub names: NameNoise,
    /// An optional field left empty.
    pub missing: f64,
    /// Day and month swapped in a date (only where the result is still a valid date and
    /// breaks no rule).
    pub dm_swap: f64,
    /// A birth date recorded as 1 January of the year (undocumented migrants).
    pub jan_first: f64,
    /// A phone number written in another format than the agency's usual one.
    pub phone_format: f64,
    /// A plate written without or with other separators.
    pub plate_format: f64,
    /// A report submitted twice, identically.
    pub duplicate: f64,
    /// A report re-sent with a correction (same reference, new version).
    pub revision: f64,
    /// A broken record (besides the one of each kind every file gets when level > 0).
    pub fault: f64,
}

impl Noise {
    pub fn new(level: f64) -> Noise {
        let l = level.clamp(0.0, 1.0);
        Noise {
            level: l,
            names: NameNoise {
                variant: 0.5 * l,
                typo: 0.1 * l,
            },
            missing: 0.4 * l,
            dm_swap: 0.05 * l,
            jan_first: 0.1 * l,
            phone_format: 0.5 * l,
            plate_format: 0.3 * l,
            duplicate: 0.03 * l,
            revision: 0.01 * l,
            fault: 0.002 * l,
        }
    }

    /// The documented rates, by kind (for the manifest and the statistics test).
    pub fn rates(&self) -> BTreeMap<&'static str, f64> {
        BTreeMap::from([
            ("name_variant", self.names.variant),
            ("name_typo", self.names.typo),
            ("missing", self.missing),
            ("dm_swap", self.dm_swap),
            ("jan_first", self.jan_first),
            ("phone_format", self.phone_format),
            ("plate_format", self.plate_format),
            ("duplicate", self.duplicate),
            ("revision", self.revision),
        ])
    }
}

/// How often each kind of noise had a chance to apply, and did.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NoiseCounts {
    pub counts: BTreeMap<String, (u64, u64)>,
}

impl NoiseCounts {
    pub fn add(&mut self, kind: &str, applied: bool) {
        let e = self.counts.entry(kind.to_owned()).or_insert((0, 0));
        e.0 += 1;
        if applied {
            e.1 += 1;
        }
    }

    pub fn add_n(&mut self, kind: &str, opportunities: u64, applied: u64) {
        let e = self.counts.entry(kind.to_owned()).or_insert((0, 0));
        e.0 += opportunities;
        e.1 += applied;
    }

    /// Applied / opportunities.
    pub fn rate(&self, kind: &str) -> Option<f64> {
        self.counts
            .get(kind)
            .filter(|(o, _)| *o > 0)
            .map(|(o, a)| *a as f64 / *o as f64)
    }
}
