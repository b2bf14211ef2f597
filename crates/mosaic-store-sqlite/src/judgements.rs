//! [`JudgementStore`] for the embedded store (migration 0003): an append-only table of
//! resolution decisions. A restricted scope sees a judgement only when it may see a
//! current statement of each entity of the pair; the check is an `EXISTS` inside the
//! query, like every other scope filter.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use mosaic_model::EntityId;
use mosaic_store::judgements::{Judgement, JudgementStore, NewJudgement, Verdict};
use mosaic_store::{Result, Scope, StoreError};

use crate::sql::{from_micros, micros, ScopeSql};
use crate::{backend, SqliteStore};

const COLS: &str = "j.seq, j.left_id, j.right_id, j.verdict, j.author, j.reason, j.at";

fn row(r: &SqliteRow) -> Result<Judgement> {
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("judgement {what}: {e}"));
    Ok(Judgement {
        seq: r.get(0),
        left: EntityId::parse(r.get(1)).map_err(|e| corrupt("left", e.to_string()))?,
        right: EntityId::parse(r.get(2)).map_err(|e| corrupt("right", e.to_string()))?,
        verdict: Verdict::parse(r.get(3)).map_err(|e| corrupt("verdict", e.to_string()))?,
        author: r.get(4),
        reason: r.get(5),
        at: from_micros(r.get(6)),
    })
}

/// The scope condition on judgement alias `j`: both entities visible. Returns the clause
/// and how many times the scope's binds must be repeated (0 for system scope).
fn visible(scope: &Scope) -> (String, ScopeSql, usize) {
    let f = ScopeSql::new(scope);
    if scope.filter().is_none() {
        return ("1 = 1".into(), f, 0);
    }
    let exists = |col: &str| {
        format!(
            "EXISTS (SELECT 1 FROM statements s JOIN reports r ON r.seq = s.report_seq \
             WHERE s.entity_id = j.{col} AND r.current = 1 AND {})",
            f.clause
        )
    };
    let clause = format!("({} AND {})", exists("left_id"), exists("right_id"));
    (clause, f, 2)
}

#[async_trait::async_trait]
impl JudgementStore for SqliteStore {
    async fn record_judgement(&self, j: &NewJudgement) -> Result<Judgement> {
        let j = j.normalised()?;
        self.with_tx(move |c| {
            Box::pin(async move {
                let seq: i64 = sqlx::query_scalar(
                    "INSERT INTO judgements (left_id, right_id, verdict, author, reason, at) \
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
                )
                .bind(j.left.as_str())
                .bind(j.right.as_str())
                .bind(j.verdict.as_str())
                .bind(&j.author)
                .bind(&j.reason)
                .bind(micros(&j.at))
                .fetch_one(&mut *c)
                .await
                .map_err(backend)?;
                Ok(Judgement {
                    seq,
                    left: j.left,
                    right: j.right,
                    verdict: j.verdict,
                    author: j.author,
                    reason: j.reason,
                    // what a read returns (microsecond precision)
                    at: from_micros(micros(&j.at)),
                })
            })
        })
        .await
    }

    async fn current_judgements(&self, scope: &Scope) -> Result<Vec<Judgement>> {
        let (clause, f, times) = visible(scope);
        let sql = format!(
            "SELECT {COLS} FROM judgements j \
             WHERE j.seq = (SELECT MAX(k.seq) FROM judgements k \
                            WHERE k.left_id = j.left_id AND k.right_id = j.right_id) \
               AND j.verdict <> 'retracted' AND {clause} ORDER BY j.seq"
        );
        let mut q = sqlx::query(&sql);
        for _ in 0..times {
            q = f.bind(q);
        }
        let rows = q.fetch_all(&self.readers).await.map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn judgement_history(&self, scope: &Scope, entity: &EntityId) -> Result<Vec<Judgement>> {
        let (clause, f, times) = visible(scope);
        let sql = format!(
            "SELECT {COLS} FROM judgements j WHERE (j.left_id = ? OR j.right_id = ?) \
             AND {clause} ORDER BY j.seq"
        );
        let mut q = sqlx::query(&sql)
            .bind(entity.as_str())
            .bind(entity.as_str());
        for _ in 0..times {
            q = f.bind(q);
        }
        let rows = q.fetch_all(&self.readers).await.map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn judgements_page(
        &self,
        scope: &Scope,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Judgement>> {
        let (clause, f, times) = visible(scope);
        let sql = format!(
            "SELECT {COLS} FROM judgements j WHERE j.seq > ? AND {clause} ORDER BY j.seq LIMIT ?"
        );
        let mut q = sqlx::query(&sql).bind(after);
        for _ in 0..times {
            q = f.bind(q);
        }
        let rows = q
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn restore_judgements(&self, judgements: &[Judgement]) -> Result<()> {
        let js = judgements.to_vec();
        self.with_tx(move |c| {
            Box::pin(async move {
                for j in &js {
                    sqlx::query(
                        "INSERT INTO judgements (seq, left_id, right_id, verdict, author, reason, at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(j.seq)
                    .bind(j.left.as_str())
                    .bind(j.right.as_str())
                    .bind(j.verdict.as_str())
                    .bind(&j.author)
                    .bind(&j.reason)
                    .bind(micros(&j.at))
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
                }
                Ok(())
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_store::judgements::conformance::JudgementHarness;
    use std::sync::Arc;

    async fn make() -> JudgementHarness {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        JudgementHarness {
            store: store.clone(),
            judgements: store,
            keep: Box::new(dir),
        }
    }

    mosaic_store::conformance_judgement_tests!(make());
}
