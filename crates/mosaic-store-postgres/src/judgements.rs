//! [`JudgementStore`] on PostgreSQL (migration 0003): an append-only table of resolution
//! decisions. A restricted scope sees a judgement only when it may see a current
//! statement of each entity of the pair; the check is an `EXISTS` inside the query.

use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use mosaic_model::EntityId;
use mosaic_store::judgements::{Judgement, JudgementStore, NewJudgement, Verdict};
use mosaic_store::{Result, Scope, StoreError};

use crate::sql::{from_micros, micros, push_scope};
use crate::{backend, PgStore};

pub(crate) const COLS: &str = "j.seq, j.left_id, j.right_id, j.verdict, j.author, j.reason, j.at";

pub(crate) fn row(r: &PgRow) -> Result<Judgement> {
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

/// Appends the scope condition on judgement alias `j`: both entities visible.
fn push_visible(qb: &mut QueryBuilder<'_, Postgres>, scope: &Scope) {
    if scope.filter().is_none() {
        qb.push("TRUE");
        return;
    }
    for (i, col) in ["left_id", "right_id"].into_iter().enumerate() {
        if i > 0 {
            qb.push(" AND ");
        }
        qb.push(format!(
            "EXISTS (SELECT 1 FROM statements s JOIN reports r ON r.seq = s.report_seq \
             WHERE s.entity_id = j.{col} AND r.current AND "
        ));
        push_scope(qb, scope);
        qb.push(")");
    }
}

#[async_trait::async_trait]
impl JudgementStore for PgStore {
    async fn record_judgement(&self, j: &NewJudgement) -> Result<Judgement> {
        let j = j.normalised()?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO judgements (left_id, right_id, verdict, author, reason, at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
        )
        .bind(j.left.as_str())
        .bind(j.right.as_str())
        .bind(j.verdict.as_str())
        .bind(&j.author)
        .bind(&j.reason)
        .bind(micros(&j.at))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(Judgement {
            seq,
            at: from_micros(micros(&j.at)), // what a read returns (microseconds)
            left: j.left,
            right: j.right,
            verdict: j.verdict,
            author: j.author,
            reason: j.reason,
        })
    }

    async fn current_judgements(&self, scope: &Scope) -> Result<Vec<Judgement>> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT {COLS} FROM judgements j \
             WHERE j.seq = (SELECT MAX(k.seq) FROM judgements k \
                            WHERE k.left_id = j.left_id AND k.right_id = j.right_id) \
               AND j.verdict <> 'retracted' AND "
        ));
        push_visible(&mut qb, scope);
        qb.push(" ORDER BY j.seq");
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn judgement_history(&self, scope: &Scope, entity: &EntityId) -> Result<Vec<Judgement>> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT {COLS} FROM judgements j WHERE (j.left_id = "
        ));
        qb.push_bind(entity.as_str())
            .push(" OR j.right_id = ")
            .push_bind(entity.as_str())
            .push(") AND ");
        push_visible(&mut qb, scope);
        qb.push(" ORDER BY j.seq");
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn judgements_page(
        &self,
        scope: &Scope,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Judgement>> {
        let mut qb = QueryBuilder::new(format!("SELECT {COLS} FROM judgements j WHERE j.seq > "));
        qb.push_bind(after).push(" AND ");
        push_visible(&mut qb, scope);
        qb.push(" ORDER BY j.seq LIMIT ")
            .push_bind(i64::from(limit.clamp(1, 10_000)));
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn restore_judgements(&self, judgements: &[Judgement]) -> Result<()> {
        if judgements.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        for j in judgements {
            sqlx::query(
                "INSERT INTO judgements (seq, left_id, right_id, verdict, author, reason, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(j.seq)
            .bind(j.left.as_str())
            .bind(j.right.as_str())
            .bind(j.verdict.as_str())
            .bind(&j.author)
            .bind(&j.reason)
            .bind(micros(&j.at))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        crate::copy::advance_identity(&mut tx, "judgements", "seq").await?;
        tx.commit().await.map_err(backend)
    }
}
