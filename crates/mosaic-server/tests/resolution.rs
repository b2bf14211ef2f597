//! `/api/v1/entities/{id}/resolution` over real HTTP (issue 7): an analyst sees which
//! mentions from which agencies were joined into an entity and why, computed over what
//! they may see only: a TLP:RED mention of another agency and a protected child never
//! take part.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};

use mosaic_model::Report;
use mosaic_server::ServerConfig;
use mosaic_store::conformance::centre;

use support::{bind_all_facets, demo_store, write_reports, Running, PURPOSE};

fn person_report(n: u32, agency: &str, tlp: &str, person: Value) -> Report {
    let mut v = json!({
        "agency": agency, "report_type": "interception", "source_ref": format!("RES-{n}"),
        "reported_at": format!("2025-06-{:02}T10:00:00Z", n), "handling": "H0", "tlp": tlp,
        "classification": "restricted",
        "entities": [
            {"key": "p", "schema": "Person", "properties": person},
            {"key": "ph", "schema": "Phone", "properties": {"number": ["+33 6 12 34 56 78"], "owner": ["p"]}}
        ]
    });
    if person.get("child").is_some() {
        // a smuggled child: protected by the policy (personal data pseudonymised)
        v["roles"] = json!([{"entity": "p", "role": "smuggled_migrant"}]);
    }
    Report::from_value(&centre().id, &v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_sees_which_mentions_were_joined_and_why_within_their_scope() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = demo_store(&data).await;
    let paf = person_report(
        1,
        "fr-paf",
        "AMBER",
        json!({"name": ["Mohammed Al-Hassan"], "birthDate": ["1985-02-03"]}),
    );
    let douane = person_report(
        2,
        "fr-douane",
        "AMBER",
        json!({"name": ["Muhamad Alhasan"], "birthDate": ["1985-02-03"]}),
    );
    let red = person_report(
        3,
        "fr-douane",
        "RED",
        json!({"name": ["Mohammed Al Hassan"], "alias": ["Redmarkeralias"], "birthDate": ["1985-02-03"]}),
    );
    let child = person_report(
        4,
        "fr-paf",
        "AMBER",
        // flagged a child; otherwise indistinguishable from the man (name, date, phone),
        // so only the protection rule keeps it out
        json!({"name": ["Mohammed Al-Hassan"], "child": ["true"], "birthDate": ["1985-02-03"], "nationality": ["SY"]}),
    );
    let id = |r: &Report| r.entity_id(&r.entities[0]).to_string();
    write_reports(
        &store,
        vec![paf.clone(), douane.clone(), red.clone(), child.clone()],
    )
    .await;
    let srv = Running::spawn(
        bind_all_facets(store, ServerConfig::local_http(0, data)).await,
        support::client(),
    );
    let (h, _) = srv.login("analyst", "mosaic-demo-analyst").await;
    // The resolution of an entity, read by the analyst with a stated purpose.
    let resolution = |entity: String| {
        srv.req(
            reqwest::Method::GET,
            &format!("/api/v1/entities/{entity}/resolution"),
        )
        .headers(h.clone())
        .header(PURPOSE, "case:fr-ncc:case:res-1")
        .send()
    };
    let path = format!("/api/v1/entities/{}/resolution", id(&paf));

    // A stated purpose is required, as for every read of personal data.
    let r = srv
        .req(reqwest::Method::GET, &path)
        .headers(h.clone())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    let r = resolution(id(&paf)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let body = v.to_string();
    let members: Vec<&str> = v["cluster"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["entity_id"].as_str().unwrap())
        .collect();
    // The two agencies' mentions of one man are joined...
    assert!(members.contains(&id(&paf).as_str()), "{v}");
    assert!(members.contains(&id(&douane).as_str()), "{v}");
    let agencies: Vec<&str> = v["cluster"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["mentions"].as_array().unwrap())
        .map(|m| m["agency"].as_str().unwrap())
        .collect();
    assert!(agencies.contains(&"fr-paf") && agencies.contains(&"fr-douane"));
    // ...and why, feature by feature.
    let link = &v["cluster"]["links"][0];
    // (at or above the default match probability, 0.3, or it would not have joined)
    assert!(link["probability"].as_f64().unwrap() >= 0.3, "{v}");
    let features: Vec<&str> = link["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feature"].as_str().unwrap())
        .collect();
    assert!(
        features.contains(&"name") && features.contains(&"birth date"),
        "{v}"
    );
    // Never on what the analyst may not read: another agency's TLP:RED mention, or a
    // protected child (not even pseudonymised).
    assert_eq!(members.len(), 2, "{v}");
    for hidden in [id(&red), id(&child), "Redmarkeralias".into(), "SY".into()] {
        assert!(!body.contains(&hidden), "{hidden} in {body}");
    }
    // The phone: the two men's mentions of it are one phone; the child's (it points at
    // a protected person) is left out with the child.
    let phone = |r: &Report| r.entity_id(&r.entities[1]).to_string();
    let r = resolution(phone(&paf)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let phones: Vec<&str> = v["cluster"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(phones.len(), 2, "{v}");
    assert!(
        phones.contains(&phone(&douane).as_str()) && !phones.contains(&phone(&child).as_str()),
        "{v}"
    );

    let r = resolution(id(&red)).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    srv.stop().await;
}
