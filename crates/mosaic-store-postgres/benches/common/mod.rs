//! The benchmark fixture shared by the benches of this crate.

use serde_json::json;

use mosaic_model::{CentreId, Report};

/// A report with three entities and a role: 13 statements, some values (phone numbers,
/// registration plates) shared between reports as in real data.
pub fn report(centre: &CentreId, n: usize) -> Report {
    let day = n % 365;
    let v = json!({
        "agency": if n % 3 == 0 { "fr-gn" } else { "fr-paf" },
        "report_type": "interception",
        "source_ref": format!("BENCH-{n}"),
        "reported_at": format!("2025-01-01T{:02}:{:02}:00Z", n % 24, n % 60),
        "observed_at": format!("2024-12-31T{:02}:00:00Z", n % 24),
        "grading": "B2",
        "handling": "H0",
        "tlp": "AMBER",
        "classification": "restricted",
        "narrative": format!("Interception {n} on day {day}: a van with several passengers stopped at the border crossing."),
        "place": {"geometry": {"type": "Point", "coordinates": [-5.0 + (n % 200) as f64 * 0.05, 43.0 + (n % 97) as f64 * 0.05]}},
        "entities": [
            {"key": "p", "schema": "Person", "properties": {
                "name": [format!("Person {n}")],
                "nationality": ["sy"],
                "birthDate": [format!("19{:02}-0{}-1{}", 60 + n % 40, 1 + n % 9, n % 10)],
                "phone": [format!("+3361{:07}", n % 50_000)]
            }},
            {"key": "ph", "schema": "Phone", "properties": {
                "number": [format!("+3361{:07}", n % 50_000)],
                "imei": [format!("35{:013}", n)],
                "owner": ["p"]
            }},
            {"key": "v", "schema": "Vehicle", "properties": {
                "registrationNumber": [format!("AB-{:03}-CD", n % 1000)],
                "country": ["fr"],
                "make": ["Renault"],
                "model": ["Master"],
                "operator": ["p"]
            }}
        ],
        "roles": [{"entity": "p", "role": "driver"}]
    });
    Report::from_value(centre, &v).expect("bench fixture is valid")
}
