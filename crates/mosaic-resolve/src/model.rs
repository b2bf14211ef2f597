//! The Fellegi–Sunter model: for each feature level, `m` = P(level | same entity) and
//! `u` = P(level | different entities); a pair's match weight is the prior log-odds
//! plus the sum of `log2(m/u)` over its features — which is also its explanation,
//! feature by feature.
//!
//! Training follows the standard recipe (and Splink's recommendation): `u` from random
//! pairs (almost all of which are non-matches), then expectation–maximisation over the
//! blocked candidate pairs for `m` and the prior `λ`, with `u` held fixed. EM runs on
//! counts of distinct comparison vectors, so it costs nothing next to comparing pairs.

use serde::{Deserialize, Serialize};

use crate::compare::{Feature, Gamma};

/// Smallest `m` a level may have, so no single feature is ever overwhelmingly decisive
/// (a typo in a birth date or a rotated phone must not veto a match on its own).
const M_FLOOR: f64 = 1e-3;
/// Smallest `u`: agreement among random pairs is rare but never impossible.
const U_FLOOR: f64 = 1e-6;

/// Trained Fellegi–Sunter parameters.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FsModel {
    pub features: Vec<String>,
    pub levels: Vec<Vec<String>>,
    /// Prior probability that a candidate pair is a match.
    pub lambda: f64,
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// EM iterations run, and whether the parameters settled.
    pub iterations: usize,
    pub converged: bool,
}

/// One feature's contribution to a pair's weight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub feature: String,
    /// The level label, or `missing` when a side lacks the data (weight 0).
    pub level: String,
    pub m: Option<f64>,
    pub u: Option<f64>,
    /// `log2(m/u)`: positive for evidence of a match.
    pub weight: f64,
}

/// Turns counts into probabilities no smaller than `floor`.
fn normalise(v: &mut [f64], floor: f64) {
    for _ in 0..2 {
        let s: f64 = v.iter().sum();
        if s <= 0.0 {
            return;
        }
        for x in v.iter_mut() {
            *x = (*x / s).max(floor);
        }
    }
    let s: f64 = v.iter().sum();
    for x in v.iter_mut() {
        *x /= s;
    }
}

impl FsModel {
    /// Starting parameters: agreement levels likely among matches, rare otherwise.
    pub fn initial(features: &[Feature]) -> FsModel {
        let mut m = Vec::new();
        let mut u = Vec::new();
        for f in features {
            let n = f.levels.len();
            // m falls geometrically from level 0; u rises towards "different".
            let mut mv: Vec<f64> = (0..n).map(|i| 0.5f64.powi(i as i32 * 2)).collect();
            let mut uv: Vec<f64> = (0..n)
                .map(|i| 0.5f64.powi((n - 1 - i) as i32 * 2))
                .collect();
            normalise(&mut mv, M_FLOOR);
            normalise(&mut uv, U_FLOOR);
            m.push(mv);
            u.push(uv);
        }
        FsModel {
            features: features.iter().map(|f| f.name.to_owned()).collect(),
            levels: features
                .iter()
                .map(|f| f.levels.iter().map(|s| (*s).to_owned()).collect())
                .collect(),
            lambda: 0.1,
            m,
            u,
            iterations: 0,
            converged: false,
        }
    }

    /// Sets `u` from comparison vectors of random pairs.
    pub fn estimate_u<'a>(&mut self, gammas: impl IntoIterator<Item = &'a Gamma>) {
        let mut counts: Vec<Vec<f64>> = self.u.iter().map(|v| vec![0.0; v.len()]).collect();
        for g in gammas {
            for (f, lv) in g.iter().enumerate().take(counts.len()) {
                if let Some(l) = lv {
                    counts[f][*l as usize] += 1.0;
                }
            }
        }
        for (f, c) in counts.iter_mut().enumerate() {
            let total: f64 = c.iter().sum();
            if total > 0.0 {
                // Laplace smoothing: a level never seen among random pairs is rare, not
                // impossible.
                for x in c.iter_mut() {
                    *x += 1.0;
                }
                normalise(c, U_FLOOR);
                self.u[f] = c.clone();
            }
        }
    }

    /// Removes the matches hidden among random pairs from `u`: random pairs show each
    /// level with probability `λ·m + (1−λ)·u`, and in a small population (or one where
    /// the same people are mentioned many times) `λ·m` is not negligible — left in, it
    /// makes agreement look common and every match weaker than it is.
    pub fn correct_u_for_matches(&mut self) {
        let l = self.lambda;
        if l <= 0.0 || l >= 1.0 {
            return;
        }
        for f in 0..self.u.len() {
            let mut v: Vec<f64> = self.u[f]
                .iter()
                .zip(&self.m[f])
                .map(|(u, m)| ((u - l * m) / (1.0 - l)).max(0.0))
                .collect();
            normalise(&mut v, U_FLOOR);
            // Never claim agreement rarer than a tenth of what was observed.
            for (x, u) in v.iter_mut().zip(&self.u[f]) {
                *x = x.max(u / 10.0);
            }
            normalise(&mut v, U_FLOOR);
            self.u[f] = v;
        }
    }

    /// Expectation–maximisation of `m` and `λ` over `(comparison vector, count)`.
    pub fn em(&mut self, patterns: &[(Gamma, u64)], max_iter: usize, tol: f64) {
        let total: f64 = patterns.iter().map(|(_, c)| *c as f64).sum();
        if total == 0.0 {
            return;
        }
        for it in 0..max_iter {
            let mut mc: Vec<Vec<f64>> = self.m.iter().map(|v| vec![0.0; v.len()]).collect();
            let mut matches = 0.0;
            for (g, c) in patterns {
                let p = self.probability(self.weight(g));
                let w = p * *c as f64;
                matches += w;
                for (f, lv) in g.iter().enumerate().take(mc.len()) {
                    if let Some(l) = lv {
                        mc[f][*l as usize] += w;
                    }
                }
            }
            let mut delta: f64 = 0.0;
            for (f, c) in mc.iter_mut().enumerate() {
                if c.iter().sum::<f64>() <= 0.0 {
                    continue;
                }
                normalise(c, M_FLOOR);
                for (a, b) in c.iter().zip(&self.m[f]) {
                    delta = delta.max((a - b).abs());
                }
                self.m[f] = c.clone();
            }
            let lambda = (matches / total).clamp(1e-9, 1.0 - 1e-9);
            delta = delta.max((lambda - self.lambda).abs());
            self.lambda = lambda;
            self.iterations = it + 1;
            if delta < tol {
                self.converged = true;
                break;
            }
        }
        tracing::debug!(
            iterations = self.iterations,
            converged = self.converged,
            lambda = self.lambda,
            "EM done"
        );
    }

    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// `log2(m/u)` of one feature level.
    pub fn level_weight(&self, feature: usize, level: u8) -> f64 {
        let l = level as usize;
        (self.m[feature][l] / self.u[feature][l]).log2()
    }

    /// The match weight (log2 odds) of a comparison vector.
    pub fn weight(&self, g: &Gamma) -> f64 {
        let mut w = self.prior_weight();
        for (f, lv) in g.iter().enumerate().take(self.m.len()) {
            if let Some(l) = lv {
                w += self.level_weight(f, *l);
            }
        }
        w
    }

    /// Match probability of a weight.
    pub fn probability(&self, weight: f64) -> f64 {
        let o = weight.exp2();
        if o.is_infinite() {
            1.0
        } else {
            o / (1.0 + o)
        }
    }

    /// Feature-by-feature contributions of a comparison vector.
    pub fn explain(&self, g: &Gamma) -> Vec<Contribution> {
        g.iter()
            .enumerate()
            .take(self.m.len())
            .map(|(f, lv)| match lv {
                Some(l) => Contribution {
                    feature: self.features[f].clone(),
                    level: self.levels[f][*l as usize].clone(),
                    m: Some(self.m[f][*l as usize]),
                    u: Some(self.u[f][*l as usize]),
                    weight: self.level_weight(f, *l),
                },
                None => Contribution {
                    feature: self.features[f].clone(),
                    level: "missing".into(),
                    m: None,
                    u: None,
                    weight: 0.0,
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::PERSON_FEATURES;

    /// Data drawn from known parameters: EM recovers them.
    #[test]
    fn em_recovers_known_parameters() {
        // Two binary-ish features only (others missing), deterministic "sampling" by
        // expected counts: 20% matches.
        let m = [[0.9, 0.05, 0.03, 0.01, 0.01], [0.8, 0.1, 0.05, 0.05, 0.0]];
        let u = [[0.01, 0.02, 0.02, 0.15, 0.80], [0.01, 0.02, 0.07, 0.9, 0.0]];
        let n: f64 = 100_000.0;
        let lambda: f64 = 0.2;
        let mut patterns = Vec::new();
        for a in 0..5u8 {
            for b in 0..4u8 {
                let c = n
                    * (lambda * m[0][a as usize] * m[1][b as usize]
                        + (1.0 - lambda) * u[0][a as usize] * u[1][b as usize]);
                let g: Gamma = [Some(a), Some(b), None, None, None, None];
                patterns.push((g, c.round() as u64));
            }
        }
        let mut model = FsModel::initial(PERSON_FEATURES);
        // u known exactly (as random sampling would estimate it)
        model.u[0] = u[0].to_vec();
        model.u[1] = u[1][..4].to_vec();
        model.em(&patterns, 200, 1e-7);
        assert!(model.converged);
        assert!((model.lambda - lambda).abs() < 0.01, "λ = {}", model.lambda);
        assert!((model.m[0][0] - 0.9).abs() < 0.02, "m = {:?}", model.m[0]);
        assert!((model.m[1][0] - 0.8).abs() < 0.02, "m = {:?}", model.m[1]);
    }

    #[test]
    fn weights_explain_themselves() {
        let model = FsModel::initial(PERSON_FEATURES);
        let g: Gamma = [Some(0), None, Some(1), Some(0), Some(0), None];
        let ex = model.explain(&g);
        let sum: f64 = ex.iter().map(|c| c.weight).sum::<f64>() + model.prior_weight();
        assert!((sum - model.weight(&g)).abs() < 1e-9);
        assert_eq!(ex[1].level, "missing");
        assert!(ex[0].weight > 0.0);
        assert!(ex[2].weight < 0.0);
        let p = model.probability(model.weight(&g));
        assert!((0.0..=1.0).contains(&p));
    }
}
