//! The PostgreSQL store against a real server (see `mosaic_store_postgres::testing`):
//! the shared conformance suite, plus what several processes on one database need.
//! An unreachable server fails these tests; it never skips them.

mod bulk;
mod concurrency;
mod conformance;
mod facets;
mod notify;
mod schema;
mod secrets;
