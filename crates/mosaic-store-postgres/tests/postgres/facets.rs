//! The facet conformance suites (accounts, judgements, audit, agreements, permissions,
//! referrals): the same ones the embedded store runs, here against a real server.

use std::sync::Arc;

use mosaic_store_postgres::testing::TestDb;

/// A fresh database and a store on it; the store drops before the database.
async fn fresh() -> (Arc<mosaic_store_postgres::PgStore>, Box<TestDb>) {
    let db = TestDb::create().await;
    let store = Arc::new(db.store().await);
    (store, Box::new(db))
}

mod accounts {
    use super::*;
    use mosaic_store::conformance_accounts::AccountHarness;

    async fn make() -> AccountHarness {
        let (store, db) = fresh().await;
        AccountHarness {
            accounts: store,
            keep: db,
        }
    }
    mosaic_store::conformance_account_tests!(make());
}

mod judgements {
    use super::*;
    use mosaic_store::judgements::conformance::JudgementHarness;

    async fn make() -> JudgementHarness {
        let (store, db) = fresh().await;
        JudgementHarness {
            store: store.clone(),
            judgements: store,
            keep: db,
        }
    }
    mosaic_store::conformance_judgement_tests!(make());
}

mod audit {
    use super::*;
    use mosaic_store::conformance_audit::AuditHarness;

    async fn make() -> AuditHarness {
        let (store, db) = fresh().await;
        AuditHarness {
            audit: store,
            keep: db,
        }
    }
    mosaic_store::conformance_audit_tests!(make());
}

mod agreements {
    use super::*;
    use mosaic_store::conformance_agreements::AgreementHarness;

    async fn make() -> AgreementHarness {
        let (store, db) = fresh().await;
        AgreementHarness {
            agreements: store,
            keep: db,
        }
    }
    mosaic_store::conformance_agreement_tests!(make());
}

mod permissions {
    use super::*;
    use mosaic_store::conformance_permissions::PermissionHarness;

    async fn make() -> PermissionHarness {
        let (store, db) = fresh().await;
        PermissionHarness {
            permissions: store,
            keep: db,
        }
    }
    mosaic_store::conformance_permission_tests!(make());
}

mod referrals {
    use super::*;
    use mosaic_store::conformance_referrals::ReferralHarness;

    async fn make() -> ReferralHarness {
        let (store, db) = fresh().await;
        ReferralHarness {
            referrals: store,
            keep: db,
        }
    }
    mosaic_store::conformance_referral_tests!(make());
}
