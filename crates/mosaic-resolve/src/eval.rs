//! Pairwise precision and recall of a clustering against ground truth: of the pairs of
//! records put together, how many are truly the same (precision); of the pairs truly the
//! same, how many were put together (recall). Counted from cluster sizes, never by
//! enumerating pairs, so it is linear in the number of records.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// Pairwise scores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PairMetrics {
    pub records: u64,
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub true_positive_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores `(predicted cluster, true entity)` for each record.
pub fn pairwise<P: Hash + Eq, T: Hash + Eq>(
    items: impl IntoIterator<Item = (P, T)>,
) -> PairMetrics {
    let mut both: HashMap<(u64, u64), u64> = HashMap::new();
    let mut pid: HashMap<P, u64> = HashMap::new();
    let mut tid: HashMap<T, u64> = HashMap::new();
    let mut records = 0;
    for (p, t) in items {
        records += 1;
        let np = pid.len() as u64;
        let pi = *pid.entry(p).or_insert(np);
        let nt = tid.len() as u64;
        let ti = *tid.entry(t).or_insert(nt);
        *both.entry((pi, ti)).or_default() += 1;
    }
    let mut pc: HashMap<u64, u64> = HashMap::new();
    let mut tc: HashMap<u64, u64> = HashMap::new();
    for ((p, t), n) in &both {
        *pc.entry(*p).or_default() += n;
        *tc.entry(*t).or_default() += n;
    }
    let tp: u64 = both.values().map(|n| pairs(*n)).sum();
    let pp: u64 = pc.values().map(|n| pairs(*n)).sum();
    let tt: u64 = tc.values().map(|n| pairs(*n)).sum();
    let precision = if pp == 0 { 1.0 } else { tp as f64 / pp as f64 };
    let recall = if tt == 0 { 1.0 } else { tp as f64 / tt as f64 };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    PairMetrics {
        records,
        true_pairs: tt,
        predicted_pairs: pp,
        true_positive_pairs: tp,
        precision,
        recall,
        f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs() {
        // truth: {a,b,c} {d}; predicted: {a,b} {c,d}
        let m = pairwise([(1, "x"), (1, "x"), (2, "x"), (2, "y")]);
        assert_eq!(m.true_pairs, 3);
        assert_eq!(m.predicted_pairs, 2);
        assert_eq!(m.true_positive_pairs, 1);
        assert!((m.precision - 0.5).abs() < 1e-12);
        assert!((m.recall - 1.0 / 3.0).abs() < 1e-12);
        let perfect = pairwise([(1, 1), (1, 1), (2, 2)]);
        assert_eq!((perfect.precision, perfect.recall), (1.0, 1.0));
    }
}
