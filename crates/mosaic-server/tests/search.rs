//! `/api/v1/search` and `/api/v1/events` over real HTTP against the embedded store: names
//! found in another spelling and script, the caller's scope inside the query (hits,
//! totals and pages), the index following writes and imports, rebuilt from the store at
//! start, and live notices only for reports the listener may see.

mod support;

use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

use mosaic_model::Report;
use mosaic_server::{Server, ServerConfig};
use mosaic_store::conformance::centre;
use mosaic_store::{Store, WriteBatch};
use mosaic_store_sqlite::SqliteStore;

use support::{demo_store, Running as T};

/// A report of `agency` naming `name`, with a phone and a narrative.
fn named(n: u32, agency: &str, tlp: &str, name: &str, narrative: &str) -> Value {
    json!({
        "agency": agency, "report_type": "interception", "source_ref": format!("S-{n}"),
        "reported_at": format!("2025-05-{:02}T10:00:00Z", n), "grading": "B2",
        "handling": "H0", "tlp": tlp, "classification": "restricted",
        "narrative": narrative,
        "place": {"name": "Calais", "geometry": {"type": "Point", "coordinates": [1.85, 50.95]}},
        "entities": [
            {"key": "p", "schema": "Person", "properties": {"name": [name]}},
            {"key": "ph", "schema": "Phone", "properties": {"number": [format!("+33 6 11 22 33 {n:02}")], "owner": ["p"]}}
        ],
        "roles": [{"entity": "p", "role": "driver"}]
    })
}

fn report(v: &Value) -> Report {
    Report::from_value(&centre().id, v).unwrap()
}

async fn start(dir: &std::path::Path, store: Arc<SqliteStore>) -> T {
    let config = ServerConfig::local_http(0, dir.to_owned());
    let server = Server::bind(store.clone(), store, config).await.unwrap();
    T::spawn(server, support::client())
}

impl T {
    async fn search(&self, h: &HeaderMap, query: &str) -> Value {
        let r = self
            .client
            .get(format!("{}/api/v1/search", self.url))
            .query(&[("q", query), ("limit", "100")])
            .headers(h.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{query}");
        r.json().await.unwrap()
    }
}

fn report_ids(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["report_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn setup() -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path()).await;
    (dir, store)
}

/// Reads server-sent events until `want` events named `reports` arrived (after `ready`).
async fn read_events(resp: &mut reqwest::Response, want: usize) -> Vec<Value> {
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < want {
        let chunk = resp.chunk().await.unwrap().expect("stream open");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: reports") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                out.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    out
}

async fn subscribe(t: &T, h: &HeaderMap) -> reqwest::Response {
    let mut r = t
        .client
        .get(format!("{}/api/v1/events", t.url))
        .headers(h.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    // wait for `ready`: from here on every stored report is seen by this listener
    let mut buf = String::new();
    while !buf.contains("event: ready") {
        let c = r.chunk().await.unwrap().expect("ready");
        buf.push_str(std::str::from_utf8(&c).unwrap());
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_spellings_within_scope_and_follows_writes() {
    let (dir, store) = setup().await;
    // stored before the server starts: the index is rebuilt from the store
    let visible = named(
        1,
        "fr-paf",
        "AMBER",
        "AL-HASSAN Mohammed",
        "Lorry stopped at the Calais ferry port.",
    );
    let red = named(
        2,
        "fr-paf",
        "RED",
        "محمد الحسن",
        "Informant says the Calais ferry is used weekly.",
    );
    store
        .write(&WriteBatch {
            reports: vec![report(&visible), report(&red)],
            ..Default::default()
        })
        .await
        .unwrap();
    let t = start(dir.path(), store.clone()).await;
    let officer = t.login("officer", "mosaic-demo-officer").await.0; // fr-paf
    let analyst = t.login("analyst", "mosaic-demo-analyst").await.0; // fr-ocriest

    // another spelling and another script find both for the provider
    let res = t.search(&officer, "Muhamad Alhasan").await;
    let ids = report_ids(&res);
    assert!(
        ids.contains(&report(&visible).id.to_string()),
        "fuzzy: {res}"
    );
    assert!(
        ids.contains(&report(&red).id.to_string()),
        "transliterated: {res}"
    );
    let hit = res["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "entity" && h["title"] == "AL-HASSAN Mohammed")
        .expect("entity hit");
    assert!(
        hit["entity_id"].as_str().unwrap().contains(":ent:"),
        "{hit}"
    );
    assert_eq!(hit["schema"], "Person");
    assert!(
        hit["highlights"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "Mohammed"),
        "{hit}"
    );
    // an identifier as written nationally
    let res = t.search(&officer, "06 11 22 33 01").await;
    assert!(
        report_ids(&res).contains(&report(&visible).id.to_string()),
        "{res}"
    );

    // another agency's analyst: the TLP:RED report is nowhere — not in hits, not in totals
    let red_id = report(&red).id.to_string();
    for query in [
        "Muhamad Alhasan",
        "محمد الحسن",
        "calais ferry",
        "informant weekly",
        "",
    ] {
        let res = t.search(&analyst, query).await;
        let body = res.to_string();
        assert!(!body.contains(&red_id), "{query}: {body}");
        assert!(!body.contains("Informant"), "{query}: {body}");
        assert!(!body.contains("محمد"), "{query}: {body}");
        assert_eq!(
            res["total"].as_u64().unwrap() as usize,
            res["hits"].as_array().unwrap().len(),
            "{query}: the total counts only visible documents: {body}"
        );
    }
    let res = t.search(&analyst, "informant weekly").await;
    assert_eq!(res["total"], 0, "{res}");
    let res = t.search(&analyst, "").await;
    assert_eq!(
        res["total"], 3,
        "report, person and phone of the visible report: {res}"
    );

    // paging: offset and next_offset
    let r: Value = t
        .client
        .get(format!("{}/api/v1/search?q=&limit=2", t.url))
        .headers(analyst.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["hits"].as_array().unwrap().len(), 2);
    assert_eq!(r["next_offset"], 2);
    let r: Value = t
        .client
        .get(format!("{}/api/v1/search?q=&limit=2&offset=2", t.url))
        .headers(analyst.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["hits"].as_array().unwrap().len(), 1);
    assert!(r.get("next_offset").is_none(), "{r}");

    // filters
    let r: Value = t
        .client
        .get(format!(
            "{}/api/v1/search?q=calais&kind=entity&schema=Phone",
            t.url
        ))
        .headers(officer.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["total"], 0, "narrative words are not phones: {r}");
    let r = t
        .client
        .get(format!("{}/api/v1/search?kind=people", t.url))
        .headers(officer.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // a submitted report is searchable as soon as the submission returns
    let r = t
        .client
        .post(format!("{}/api/v1/reports", t.url))
        .headers(officer.clone())
        .json(&named(
            3,
            "fr-paf",
            "GREEN",
            "Bogdan Ionescu",
            "Van at Coquelles.",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let res = t.search(&analyst, "Bogdan Ionesku").await;
    assert!(res["total"].as_u64().unwrap() >= 1, "{res}");

    // unauthenticated: 401
    let r = t
        .client
        .get(format!("{}/api/v1/search?q=x", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    t.stop().await;

    // restarted on a store changed behind its back: the index is rebuilt
    store
        .write(&WriteBatch {
            reports: vec![report(&named(
                4,
                "fr-paf",
                "GREEN",
                "Kestutis Jankauskas",
                "Seen at Dunkirk.",
            ))],
            ..Default::default()
        })
        .await
        .unwrap();
    let t = start(dir.path(), store.clone()).await;
    let analyst = t.login("analyst", "mosaic-demo-analyst").await.0;
    let res = t.search(&analyst, "Kestutis Jankauskas").await;
    assert!(res["total"].as_u64().unwrap() >= 1, "{res}");
    let res = t.search(&analyst, "Bogdan Ionescu").await;
    assert!(res["total"].as_u64().unwrap() >= 1, "{res}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_announce_only_what_the_listener_may_see() {
    let (dir, store) = setup().await;
    let t = start(dir.path(), store.clone()).await;
    let officer = t.login("officer", "mosaic-demo-officer").await.0; // fr-paf
    let analyst = t.login("analyst", "mosaic-demo-analyst").await.0; // fr-ocriest
    let mut officer_events = subscribe(&t, &officer).await;
    let mut analyst_events = subscribe(&t, &analyst).await;

    // first a TLP:RED report (only fr-paf may see it), then a GREEN one
    let red = named(11, "fr-paf", "RED", "Hidden Redperson", "red");
    let green = named(12, "fr-paf", "GREEN", "Open Greenperson", "green");
    for v in [&red, &green] {
        let r = t
            .client
            .post(format!("{}/api/v1/reports", t.url))
            .headers(officer.clone())
            .json(v)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (red_id, green_id) = (report(&red).id.to_string(), report(&green).id.to_string());
    let got = read_events(&mut officer_events, 2).await;
    assert_eq!(got[0]["ids"], json!([red_id]));
    assert_eq!(got[1]["ids"], json!([green_id]));
    // the analyst's first notice is the green report: the red one was never announced
    let got = read_events(&mut analyst_events, 1).await;
    assert_eq!(got[0]["ids"], json!([green_id]), "{got:?}");

    // an import over the API is announced batch by batch
    let lines = format!(
        "{}\n{}\n",
        named(13, "fr-paf", "GREEN", "Imported Person", "imported"),
        named(14, "fr-paf", "RED", "Imported Redperson", "imported red")
    );
    let r = t
        .client
        .post(format!("{}/api/v1/imports?file_name=two.jsonl", t.url))
        .headers(officer.clone())
        .header("content-type", "application/x-ndjson")
        .body(lines)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let got = read_events(&mut analyst_events, 1).await;
    let ids = got[0]["ids"].as_array().unwrap();
    let imported_green = report(&named(13, "fr-paf", "GREEN", "Imported Person", "imported"))
        .id
        .to_string();
    assert_eq!(ids, &vec![json!(imported_green)], "{got:?}");
    let res = t.search(&analyst, "Imported Person").await;
    assert!(
        report_ids(&res).contains(&imported_green),
        "searchable once announced: {res}"
    );
    drop(officer_events);
    drop(analyst_events);
    t.stop().await;
}
