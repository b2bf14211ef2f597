use std::sync::Arc;

use mosaic_store::conformance::Harness;
use mosaic_store_postgres::testing::TestDb;

async fn make() -> Harness {
    let db = TestDb::create().await;
    let store = db.store().await;
    // Fields drop in order: the store (its pool) first, then the database.
    Harness {
        store: Arc::new(store),
        keep: Box::new(db),
    }
}

mosaic_store::conformance_tests!(make());
mosaic_store::conformance_policy_tests!(make());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_purges_and_flags() {
    let db = TestDb::create().await;
    let store = db.store().await;
    mosaic_store::conformance_policy::retention_purges_and_flags(&store, &store).await;
}
