//! Judgements: decisions that two entity mentions are the same, not the same, or that a
//! person is unsure — made by an analyst (or recorded for the resolver).
//!
//! Resolution is a graph of judgements (DESIGN §2): the resolver clusters mentions by
//! score but never against a judgement, and a "not the same" holds transitively (two
//! clusters containing a not-same pair are never merged). Judgements are **append only**:
//! a merge is undone by a later judgement on the same pair (`not_same`, or `retracted`
//! to hand the pair back to the resolver), so every merge and split stays reversible and
//! the history — who, when, why — is the audit trail.
//!
//! Reads take a [`Scope`]: a restricted scope sees a judgement only if it may see at least
//! one current statement of *each* of the two entities, so a judgement never reveals that
//! a hidden entity exists.
//!
//! Every backend implements [`JudgementStore`] and runs the shared suite in
//! [`conformance`] (feature `conformance`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use mosaic_model::EntityId;

use crate::{Result, Scope, StoreError};

/// What a judgement says about a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The two mentions are of one real-world entity (a merge).
    Same,
    /// They are not (a split); holds transitively across clusters.
    NotSame,
    /// An analyst looked and could not decide: the resolver must not link the pair on
    /// its own, and the pair stays out of the review queue until new evidence arrives.
    Unsure,
    /// Withdraws the pair's previous judgement: the resolver decides again.
    Retracted,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Same,
        Verdict::NotSame,
        Verdict::Unsure,
        Verdict::Retracted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::NotSame => "not_same",
            Verdict::Unsure => "unsure",
            Verdict::Retracted => "retracted",
        }
    }

    /// Accepts `same`, `not_same` (or `not-same`, `different`), `unsure`, `retracted`
    /// (or `retract`), case-insensitively.
    pub fn parse(s: &str) -> Result<Verdict> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "same" => Ok(Verdict::Same),
            "not_same" | "different" => Ok(Verdict::NotSame),
            "unsure" => Ok(Verdict::Unsure),
            "retracted" | "retract" => Ok(Verdict::Retracted),
            _ => Err(StoreError::Invalid(format!(
                "{s:?} is not a verdict; expected same, not_same, unsure or retracted"
            ))),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A judgement to record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewJudgement {
    pub left: EntityId,
    pub right: EntityId,
    pub verdict: Verdict,
    /// Who decided: a user id, or `resolver` for automatic decisions that are recorded.
    pub author: String,
    /// Why (required: it is what a supervisor reads in the audit trail).
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl NewJudgement {
    /// Checks the judgement and puts the pair in canonical order (`left < right`), so a
    /// pair has one history however it was named.
    pub fn normalised(&self) -> Result<NewJudgement> {
        if self.left == self.right {
            return Err(StoreError::Invalid(format!(
                "a judgement needs two different entities; both are {}",
                self.left
            )));
        }
        if self.author.trim().is_empty() {
            return Err(StoreError::Invalid("a judgement needs an author".into()));
        }
        if self.reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a judgement needs a reason (it is the audit trail of the merge or split)".into(),
            ));
        }
        let mut j = self.clone();
        if j.right < j.left {
            std::mem::swap(&mut j.left, &mut j.right);
        }
        j.author = j.author.trim().to_owned();
        j.reason = j.reason.trim().to_owned();
        Ok(j)
    }
}

/// A recorded judgement. `seq` orders all judgements of a store (later wins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub seq: i64,
    /// The smaller of the two ids.
    pub left: EntityId,
    pub right: EntityId,
    pub verdict: Verdict,
    pub author: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Storage of judgements. Append only: nothing is updated or deleted.
#[async_trait::async_trait]
pub trait JudgementStore: Send + Sync {
    /// Appends a judgement (normalised with [`NewJudgement::normalised`]).
    async fn record_judgement(&self, j: &NewJudgement) -> Result<Judgement>;

    /// The latest judgement of every pair the scope may see, leaving out pairs whose
    /// latest judgement is `retracted`; ordered by `seq`.
    async fn current_judgements(&self, scope: &Scope) -> Result<Vec<Judgement>>;

    /// Every judgement (the full history, retractions included) that involves `entity`
    /// and that the scope may see, ordered by `seq`.
    async fn judgement_history(&self, scope: &Scope, entity: &EntityId) -> Result<Vec<Judgement>>;

    /// Every judgement the scope may see with `seq > after`, in `seq` order, at most
    /// `limit` (for copying a store).
    async fn judgements_page(
        &self,
        scope: &Scope,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Judgement>>;

    /// Stores judgements exactly as given, `seq` included, in one transaction; later
    /// judgements are numbered after the largest. Refuses a `seq` already held (for
    /// copying into an empty store).
    async fn restore_judgements(&self, judgements: &[Judgement]) -> Result<()>;
}

/// The judgement conformance suite: every backend's [`JudgementStore`] runs these.
///
/// Instantiate with `mosaic_store::conformance_judgement_tests!(async { /* -> JudgementHarness */ });`.
#[cfg(feature = "conformance")]
pub mod conformance {
    use std::sync::Arc;

    use chrono::{Duration, TimeZone, Utc};

    use mosaic_model::{AgencyId, Classification, EntityId, HandlingCode, Report, Tlp};

    use super::*;
    use crate::{LabelFilter, Store, WriteBatch};

    /// A store under test (reports and judgements on the same backend).
    pub struct JudgementHarness {
        pub store: Arc<dyn Store>,
        pub judgements: Arc<dyn JudgementStore>,
        pub keep: Box<dyn std::any::Any + Send + Sync>,
    }

    /// Generates one `#[tokio::test]` per judgement conformance test.
    #[macro_export]
    macro_rules! conformance_judgement_tests {
        ($make:expr) => {
            $crate::conformance_judgement_tests!(@each $make;
                record_and_read_back,
                pair_order_is_canonical,
                later_judgement_wins_and_history_is_kept,
                invalid_judgements_are_refused,
                hidden_entities_hide_their_judgements,
                judgements_restore_verbatim
            );
        };
        (@each $make:expr; $($name:ident),+) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h: $crate::judgements::conformance::JudgementHarness = $make.await;
                    $crate::judgements::conformance::$name(&*h.store, &*h.judgements).await;
                    drop(h);
                }
            )+
        };
    }

    fn t(min: i64) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn person(r: &Report) -> EntityId {
        r.entity_id(&r.entities[0])
    }

    fn phone(r: &Report) -> EntityId {
        r.entity_id(&r.entities[1])
    }

    fn judge(a: &EntityId, b: &EntityId, v: Verdict, min: i64) -> NewJudgement {
        NewJudgement {
            left: a.clone(),
            right: b.clone(),
            verdict: v,
            author: "fr-ncc:usr:analyst1".into(),
            reason: format!("checked {v}"),
            at: t(min),
        }
    }

    async fn setup(store: &dyn Store) -> (Report, Report, Report) {
        store
            .set_centre(&crate::conformance::centre())
            .await
            .unwrap();
        let a = crate::conformance::report(1, "fr-paf", "AMBER", "H0", "restricted");
        let b = crate::conformance::report(2, "be-pol", "AMBER", "H0", "restricted");
        let secret = crate::conformance::report(3, "fr-dgsi", "RED", "H2", "secret");
        store
            .write(&WriteBatch {
                reports: vec![a.clone(), b.clone(), secret.clone()],
                ..Default::default()
            })
            .await
            .unwrap();
        (a, b, secret)
    }

    fn sys() -> Scope {
        Scope::system("judgement conformance")
    }

    pub async fn record_and_read_back(store: &dyn Store, js: &dyn JudgementStore) {
        let (a, b, _) = setup(store).await;
        let j = js
            .record_judgement(&judge(&person(&a), &person(&b), Verdict::Same, 0))
            .await
            .unwrap();
        assert_eq!(j.verdict, Verdict::Same);
        assert_eq!(j.author, "fr-ncc:usr:analyst1");
        assert_eq!(j.reason, "checked same");
        assert_eq!(j.at, t(0));
        let cur = js.current_judgements(&sys()).await.unwrap();
        assert_eq!(cur, vec![j.clone()]);
        let hist = js.judgement_history(&sys(), &person(&b)).await.unwrap();
        assert_eq!(hist, vec![j]);
        assert!(js
            .judgement_history(&sys(), &phone(&a))
            .await
            .unwrap()
            .is_empty());
    }

    pub async fn pair_order_is_canonical(store: &dyn Store, js: &dyn JudgementStore) {
        let (a, b, _) = setup(store).await;
        let (x, y) = (person(&a), person(&b));
        let j1 = js
            .record_judgement(&judge(&y, &x, Verdict::Same, 0))
            .await
            .unwrap();
        assert!(j1.left < j1.right);
        let j2 = js
            .record_judgement(&judge(&x, &y, Verdict::NotSame, 1))
            .await
            .unwrap();
        assert_eq!((j1.left.clone(), j1.right.clone()), (j2.left, j2.right));
        // one pair, so one current judgement: the later one
        let cur = js.current_judgements(&sys()).await.unwrap();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].verdict, Verdict::NotSame);
    }

    pub async fn later_judgement_wins_and_history_is_kept(
        store: &dyn Store,
        js: &dyn JudgementStore,
    ) {
        let (a, b, _) = setup(store).await;
        let (x, y) = (person(&a), person(&b));
        let (p, q) = (phone(&a), phone(&b));
        let s1 = js
            .record_judgement(&judge(&x, &y, Verdict::Same, 0))
            .await
            .unwrap();
        let s2 = js
            .record_judgement(&judge(&p, &q, Verdict::Unsure, 1))
            .await
            .unwrap();
        let s3 = js
            .record_judgement(&judge(&x, &y, Verdict::NotSame, 2))
            .await
            .unwrap();
        assert!(s1.seq < s2.seq && s2.seq < s3.seq);
        let cur = js.current_judgements(&sys()).await.unwrap();
        assert_eq!(cur, vec![s2.clone(), s3.clone()]);
        // a retraction removes the pair from the current set, never from the history
        let s4 = js
            .record_judgement(&judge(&x, &y, Verdict::Retracted, 3))
            .await
            .unwrap();
        assert_eq!(js.current_judgements(&sys()).await.unwrap(), vec![s2]);
        let hist = js.judgement_history(&sys(), &x).await.unwrap();
        assert_eq!(hist, vec![s1, s3, s4]);
    }

    pub async fn invalid_judgements_are_refused(store: &dyn Store, js: &dyn JudgementStore) {
        let (a, b, _) = setup(store).await;
        let x = person(&a);
        let self_pair = judge(&x, &x, Verdict::Same, 0);
        assert!(matches!(
            js.record_judgement(&self_pair).await,
            Err(StoreError::Invalid(_))
        ));
        let mut no_reason = judge(&x, &person(&b), Verdict::Same, 0);
        no_reason.reason = "  ".into();
        assert!(matches!(
            js.record_judgement(&no_reason).await,
            Err(StoreError::Invalid(_))
        ));
        let mut no_author = judge(&x, &person(&b), Verdict::Same, 0);
        no_author.author = String::new();
        assert!(matches!(
            js.record_judgement(&no_author).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(js.current_judgements(&sys()).await.unwrap().is_empty());
    }

    pub async fn hidden_entities_hide_their_judgements(store: &dyn Store, js: &dyn JudgementStore) {
        let (a, b, secret) = setup(store).await;
        let visible = js
            .record_judgement(&judge(&person(&a), &person(&b), Verdict::Same, 0))
            .await
            .unwrap();
        js.record_judgement(&judge(&person(&a), &person(&secret), Verdict::NotSame, 1))
            .await
            .unwrap();
        let restricted = Scope::restricted(
            LabelFilter {
                agencies: None,
                max_classification: Classification::Restricted,
                max_tlp: Tlp::Amber,
                handling: HandlingCode::ALL.iter().copied().collect(),
            },
            "judgement conformance",
        );
        assert_eq!(
            js.current_judgements(&restricted).await.unwrap(),
            vec![visible.clone()]
        );
        assert_eq!(
            js.judgement_history(&restricted, &person(&a))
                .await
                .unwrap(),
            vec![visible]
        );
        assert!(js
            .judgement_history(&restricted, &person(&secret))
            .await
            .unwrap()
            .is_empty());
        // an agency filter hides the other agency's entity, and so the pair
        let only_paf = Scope::restricted(
            LabelFilter {
                agencies: Some([AgencyId::parse("fr-paf").unwrap()].into_iter().collect()),
                max_classification: Classification::TopSecret,
                max_tlp: Tlp::Red,
                handling: HandlingCode::ALL.iter().copied().collect(),
            },
            "judgement conformance",
        );
        assert!(js.current_judgements(&only_paf).await.unwrap().is_empty());
        assert_eq!(js.current_judgements(&sys()).await.unwrap().len(), 2);
    }

    pub async fn judgements_restore_verbatim(store: &dyn Store, js: &dyn JudgementStore) {
        let (a, b, secret) = setup(store).await;
        let j = |seq: i64, left: &EntityId, right: &EntityId, verdict: Verdict| Judgement {
            seq,
            left: left.clone().min(right.clone()),
            right: left.clone().max(right.clone()),
            verdict,
            author: "fr-ncc:usr:analyst1".into(),
            reason: format!("copied {seq}"),
            at: t(seq),
        };
        let copied = vec![
            j(4, &person(&a), &person(&b), Verdict::Same),
            j(9, &person(&a), &person(&secret), Verdict::NotSame),
            j(12, &person(&a), &person(&b), Verdict::Retracted),
        ];
        js.restore_judgements(&copied).await.unwrap();
        assert_eq!(js.judgements_page(&sys(), 0, 100).await.unwrap(), copied);
        assert_eq!(
            js.judgements_page(&sys(), 4, 1).await.unwrap(),
            copied[1..2].to_vec()
        );
        // the scope applies: the secret entity's pair stays hidden
        let restricted = Scope::restricted(
            LabelFilter {
                agencies: None,
                max_classification: Classification::Restricted,
                max_tlp: Tlp::Amber,
                handling: HandlingCode::ALL.iter().copied().collect(),
            },
            "judgement conformance",
        );
        assert_eq!(
            js.judgements_page(&restricted, 0, 100).await.unwrap().len(),
            2
        );
        // new judgements are numbered after the copied ones
        let next = js
            .record_judgement(&judge(&person(&b), &phone(&b), Verdict::Unsure, 20))
            .await
            .unwrap();
        assert!(next.seq > 12, "{}", next.seq);
        // a seq already held is refused, and nothing of the batch is written
        let clash = vec![
            j(30, &person(&b), &phone(&a), Verdict::Same),
            j(9, &person(&b), &phone(&a), Verdict::Same),
        ];
        assert!(js.restore_judgements(&clash).await.is_err());
        assert_eq!(js.judgements_page(&sys(), 0, 100).await.unwrap().len(), 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_parse_and_print() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()).unwrap(), v);
        }
        assert_eq!(Verdict::parse("Not-Same").unwrap(), Verdict::NotSame);
        assert!(Verdict::parse("maybe").is_err());
    }
}
