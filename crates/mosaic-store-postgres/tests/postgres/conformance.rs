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
