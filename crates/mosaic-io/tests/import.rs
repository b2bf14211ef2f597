//! The import pipeline against the real embedded store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{json, Value};

use mosaic_io::{export_jsonl, import_file, ImportError, ImportOptions, Quiet};
use mosaic_model::{Centre, CentreId, Rule};
use mosaic_store::{
    ImportState, Reject, ReportQuery, Result as StoreResult, Scope, Stats, Store, StoreError,
    StoredReport, StoredStatement, WriteBatch, WriteOutcome,
};
use mosaic_store_sqlite::SqliteStore;

fn centre() -> Centre {
    Centre {
        id: CentreId::parse("fr-ncc").unwrap(),
        name: "Test".into(),
        country: "fr".into(),
    }
}

async fn store(dir: &Path) -> SqliteStore {
    let s = SqliteStore::open(&dir.join("data")).await.unwrap();
    s.set_centre(&centre()).await.unwrap();
    s
}

fn all() -> Scope {
    Scope::system("test")
}

fn report_line(n: usize) -> Value {
    json!({
        "agency": "fr-gcm",
        "report_type": "incident_at_sea",
        "source_ref": format!("GCM-{n}"),
        "reported_at": "2025-04-01T08:00:00Z",
        "handling": "H0",
        "tlp": "GREEN",
        "classification": "restricted",
        "narrative": format!("incident {n}"),
        "entities": [
            {"key": "b", "schema": "Vessel", "properties": {"name": [format!("Boat {n}")], "type": ["rubber dinghy"]}},
            {"key": "e", "schema": "BorderEvent", "properties": {"eventType": ["risk_to_life"], "personsInvolved": [n.to_string()], "vessel": ["b"]}}
        ]
    })
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn read_rejects(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn good_records_land_and_bad_ones_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let mut lines: Vec<String> = (0..50).map(|n| report_line(n).to_string()).collect();
    lines[10] = "{not json".into();
    let mut bad = report_line(20);
    bad["tlp"] = json!("PURPLE");
    lines[20] = bad.to_string();
    let mut bad = report_line(30);
    bad["entities"][1]["properties"]["vessel"] = json!(["nobody"]);
    lines[30] = bad.to_string();
    lines.insert(40, String::new()); // blank lines are skipped, not rejected
    let file = dir.path().join("gcm.jsonl");
    write_lines(&file, &lines);

    let sum = import_file(&s, &centre().id, &file, &ImportOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(sum.records, 50);
    assert_eq!(sum.outcome.inserted, 47);
    assert_eq!(sum.rejected, 3);
    let rejects = read_rejects(sum.rejects_file.as_ref().unwrap());
    let got: Vec<(u64, String, String)> = rejects
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap().into(),
                r["rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (11, "".into(), "syntax".into()),
            (21, "tlp".into(), "vocabulary".into()),
            (
                31,
                "entities[1].properties.vessel[0]".into(),
                "dangling_reference".into()
            ),
        ]
    );
    assert!(rejects[1]["record"].as_str().unwrap().contains("PURPLE"));
    assert!(rejects[0]["file"].as_str().unwrap().ends_with("gcm.jsonl"));
    assert_eq!(s.stats(&all()).await.unwrap().reports, 47);
}

#[tokio::test]
async fn reimport_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let lines: Vec<String> = (0..20).map(|n| report_line(n).to_string()).collect();
    let file = dir.path().join("a.jsonl");
    write_lines(&file, &lines);
    import_file(&s, &centre().id, &file, &ImportOptions::default(), &Quiet)
        .await
        .unwrap();
    let before = s.stats(&all()).await.unwrap();
    let again = import_file(&s, &centre().id, &file, &ImportOptions::default(), &Quiet)
        .await
        .unwrap();
    assert!(again.already_imported);
    assert_eq!(again.records, 0);
    // the same reports in another file (another order, one duplicated) are duplicates
    let mut shuffled = lines.clone();
    shuffled.reverse();
    shuffled.push(lines[3].clone());
    let other = dir.path().join("b.jsonl");
    write_lines(&other, &shuffled);
    let sum = import_file(&s, &centre().id, &other, &ImportOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!((sum.outcome.inserted, sum.outcome.duplicates), (0, 21));
    let after = s.stats(&all()).await.unwrap();
    assert_eq!(
        (after.reports, after.statements, after.entities),
        (before.reports, before.statements, before.entities)
    );
}

/// A store that fails on its n-th write: an import interrupted mid-way.
struct FailingStore<'a> {
    inner: &'a SqliteStore,
    writes_left: AtomicU32,
}

#[async_trait::async_trait]
impl Store for FailingStore<'_> {
    fn backend(&self) -> &'static str {
        "failing"
    }
    async fn centre(&self) -> StoreResult<Centre> {
        self.inner.centre().await
    }
    async fn set_centre(&self, c: &Centre) -> StoreResult<()> {
        self.inner.set_centre(c).await
    }
    async fn put_agency(&self, a: &mosaic_model::Agency) -> StoreResult<()> {
        self.inner.put_agency(a).await
    }
    async fn agencies(&self) -> StoreResult<Vec<mosaic_model::Agency>> {
        self.inner.agencies().await
    }
    async fn write(&self, b: &WriteBatch) -> StoreResult<WriteOutcome> {
        if self.writes_left.fetch_sub(1, Ordering::SeqCst) == 0 {
            return Err(StoreError::Backend("disk on fire".into()));
        }
        self.inner.write(b).await
    }
    async fn import_state(&self, s: &str) -> StoreResult<Option<ImportState>> {
        self.inner.import_state(s).await
    }
    async fn import_rejects(&self, s: &str) -> StoreResult<Vec<Reject>> {
        self.inner.import_rejects(s).await
    }
    async fn report(
        &self,
        sc: &Scope,
        id: &mosaic_model::ReportId,
    ) -> StoreResult<Option<StoredReport>> {
        self.inner.report(sc, id).await
    }
    async fn reports(&self, sc: &Scope, q: &ReportQuery) -> StoreResult<Vec<StoredReport>> {
        self.inner.reports(sc, q).await
    }
    async fn entity(
        &self,
        sc: &Scope,
        id: &mosaic_model::EntityId,
    ) -> StoreResult<Vec<StoredStatement>> {
        self.inner.entity(sc, id).await
    }
    async fn find_by_value(
        &self,
        sc: &Scope,
        p: Option<&str>,
        v: &str,
        l: u32,
    ) -> StoreResult<Vec<StoredStatement>> {
        self.inner.find_by_value(sc, p, v, l).await
    }
    async fn stats(&self, sc: &Scope) -> StoreResult<Stats> {
        self.inner.stats(sc).await
    }
}

#[tokio::test]
async fn an_interrupted_import_resumes_and_completes() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let mut lines: Vec<String> = (0..100).map(|n| report_line(n).to_string()).collect();
    lines[55] = "[]".into();
    let file = dir.path().join("big.jsonl");
    write_lines(&file, &lines);
    let opts = ImportOptions {
        batch_size: 10,
        ..Default::default()
    };
    let failing = FailingStore {
        inner: &s,
        writes_left: AtomicU32::new(4),
    };
    let err = import_file(&failing, &centre().id, &file, &opts, &Quiet)
        .await
        .unwrap_err();
    assert!(matches!(err, ImportError::Store { .. }), "{err}");
    assert!(err.to_string().contains("big.jsonl"), "{err}");
    // whole batches only: 4 batches of 10 records
    let mid = s.stats(&all()).await.unwrap();
    assert_eq!(mid.reports, 40);
    let sum = import_file(&s, &centre().id, &file, &opts, &Quiet)
        .await
        .unwrap();
    assert_eq!(sum.resumed_after, 40);
    assert_eq!(sum.records, 60);
    assert_eq!((sum.outcome.inserted, sum.rejected), (99, 1));

    // the same file imported cleanly into another store gives the same result
    let dir2 = tempfile::tempdir().unwrap();
    let clean = store(dir2.path()).await;
    import_file(&clean, &centre().id, &file, &opts, &Quiet)
        .await
        .unwrap();
    assert_eq!(
        clean.stats(&all()).await.unwrap(),
        s.stats(&all()).await.unwrap()
    );
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples")
        .join(name)
}

#[tokio::test]
async fn the_documented_csv_example_imports_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let opts = ImportOptions {
        rejects_dir: Some(dir.path().to_owned()),
        ..Default::default()
    };
    let sum = import_file(
        &s,
        &centre().id,
        &example("paf-interceptions.csv"),
        &opts,
        &Quiet,
    )
    .await
    .unwrap();
    assert_eq!(sum.records, 4);
    assert_eq!(sum.outcome.inserted, 2);
    let rejects = read_rejects(sum.rejects_file.as_ref().unwrap());
    let got: Vec<(u64, &str, &str)> = rejects
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap(),
                r["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (4, "date_rapport", "date"),
            (5, "cotation (grading)", "grading")
        ]
    );
    // French decimals, dates in +01:00, split phones and the reference to the driver
    let r = s
        .reports(
            &all(),
            &ReportQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let first = &r[0].report;
    assert_eq!(first.source_ref.as_deref(), Some("PAF-2025-0001"));
    assert_eq!(first.reported_at.to_rfc3339(), "2025-03-01T08:12:00+00:00");
    assert_eq!(first.bbox().unwrap().0, 1.95);
    assert_eq!(
        first.narrative.as_deref(),
        Some("Camion intercepté, 14 personnes dans la remorque. (14 personnes)")
    );
    let driver = &first
        .entities
        .iter()
        .find(|e| e.key == "driver")
        .unwrap()
        .properties;
    assert_eq!(driver["birthDate"], vec!["1987-04-12"]);
    assert_eq!(driver["nationality"], vec!["sy"]);
    let second = &r[1].report;
    let phones = &second
        .entities
        .iter()
        .find(|e| e.key == "driver")
        .unwrap()
        .properties["phone"];
    assert_eq!(
        phones,
        &vec!["0612345678".to_string(), "+32470123456".to_string()]
    );
    let truck = second.entities.iter().find(|e| e.key == "truck").unwrap();
    assert_eq!(truck.properties["operator"], vec!["driver"]);
}

#[tokio::test]
async fn encodings_are_detected_not_mangled() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let mapping = r#"
[source]
agency = "de-bpol"
[report]
report_type = { value = "interception" }
source_ref = "ref"
reported_at = "date"
handling = { value = "H0" }
tlp = { value = "GREEN" }
classification = { value = "restricted" }
[[entity]]
key = "p"
schema = "Person"
properties.name = "name"
"#;
    let text = "ref,date,name\nR1,2025-01-02T03:04:05Z,Jürgen Müller\nR2,2025-01-02T03:04:05Z,Zoë Ðorđević\n";
    let latin1_text = "ref,date,name\nL1,2025-01-02T03:04:05Z,Jürgen Müller\n";
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            text.replace("R1", "U1")
                .replace("R2", "U2")
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(latin1_text);
    for (name, bytes) in [
        ("utf8.csv", text.as_bytes().to_vec()),
        ("latin1.csv", latin1.into_owned()),
        ("utf16.csv", utf16),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        std::fs::write(
            dir.path().join(name.replace(".csv", ".mapping.toml")),
            mapping,
        )
        .unwrap();
        let sum = import_file(&s, &centre().id, &p, &ImportOptions::default(), &Quiet)
            .await
            .unwrap();
        assert_eq!(sum.rejected, 0, "{name}");
    }
    let names: Vec<String> = s
        .find_by_value(&all(), Some("name"), "Jürgen Müller", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|st| st.value)
        .collect();
    assert_eq!(
        names.len(),
        3,
        "UTF-8, Latin-1 and UTF-16 all read as the same name"
    );
    assert_eq!(
        s.find_by_value(&all(), None, "Zoë Ðorđević", 10)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn mapping_problems_stop_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let err = import_file(&s, &centre().id, &csv, &ImportOptions::default(), &Quiet)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("x.mapping.toml does not exist"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("x.mapping.toml"),
        "[source]\nagency = \"fr-paf\"\n[report]\nsource_ref = \"numero\"\n",
    )
    .unwrap();
    let err = import_file(&s, &centre().id, &csv, &ImportOptions::default(), &Quiet)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no column \"numero\" (used by report.source_ref)"),
        "{err}"
    );
    std::fs::write(dir.path().join("x.mapping.toml"), "[source]\nagency = \"fr-paf\"\n[[entity]]\nkey = \"p\"\nschema = \"Person\"\nproperties.wings = \"a\"\n").unwrap();
    let err = import_file(&s, &centre().id, &csv, &ImportOptions::default(), &Quiet)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Person has no property \"wings\""),
        "{err}"
    );
    std::fs::write(
        dir.path().join("x.mapping.toml"),
        "[source]\nagency = \"fr-paf\"\ncolour = 1\n",
    )
    .unwrap();
    let err = import_file(&s, &centre().id, &csv, &ImportOptions::default(), &Quiet)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("line 3"),
        "TOML errors carry the line: {err}"
    );
    assert_eq!(s.stats(&all()).await.unwrap().imports, 0);
}

#[tokio::test]
async fn import_export_import_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    let a = store(dir.path()).await;
    let lines: Vec<String> = (0..30).map(|n| report_line(n).to_string()).collect();
    let file = dir.path().join("in.jsonl");
    write_lines(&file, &lines);
    import_file(&a, &centre().id, &file, &ImportOptions::default(), &Quiet)
        .await
        .unwrap();
    import_file(
        &a,
        &centre().id,
        &example("paf-interceptions.csv"),
        &ImportOptions {
            rejects_dir: Some(dir.path().into()),
            ..Default::default()
        },
        &Quiet,
    )
    .await
    .unwrap();
    let mut first = Vec::new();
    let n = export_jsonl(&a, &all(), &mut first, |_| {}).await.unwrap();
    assert_eq!(n, 32);
    let exported = dir.path().join("export.jsonl");
    std::fs::write(&exported, &first).unwrap();

    // into a store of another centre: ids travel with the reports
    let dir2 = tempfile::tempdir().unwrap();
    let b = SqliteStore::open(dir2.path()).await.unwrap();
    b.set_centre(&Centre {
        id: CentreId::parse("be-ncc").unwrap(),
        name: "B".into(),
        country: "be".into(),
    })
    .await
    .unwrap();
    let sum = import_file(
        &b,
        &CentreId::parse("be-ncc").unwrap(),
        &exported,
        &ImportOptions::default(),
        &Quiet,
    )
    .await
    .unwrap();
    assert_eq!((sum.outcome.inserted, sum.rejected), (32, 0));
    let mut second = Vec::new();
    export_jsonl(&b, &all(), &mut second, |_| {}).await.unwrap();
    assert_eq!(
        String::from_utf8(first).unwrap(),
        String::from_utf8(second).unwrap()
    );
    let (sa, sb) = (
        a.stats(&all()).await.unwrap(),
        b.stats(&all()).await.unwrap(),
    );
    assert_eq!(
        (
            sa.reports,
            sa.statements,
            sa.entities,
            sa.entities_by_schema
        ),
        (
            sb.reports,
            sb.statements,
            sb.entities,
            sb.entities_by_schema
        )
    );
}

#[test]
fn rejects_carry_the_rule_code() {
    // the wire names of rules are part of the rejects format
    assert_eq!(
        serde_json::to_value(Rule::DanglingReference).unwrap(),
        json!("dangling_reference")
    );
}

/// Windows exports: a UTF-8 byte-order mark and CRLF line ends. The header is read and
/// reject line numbers are the physical lines.
#[tokio::test]
async fn bom_and_crlf_csv_keep_header_and_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let mapping = "[source]\nagency = \"de-bpol\"\n[report]\nreport_type = { value = \"interception\" }\nsource_ref = \"ref\"\nreported_at = \"date\"\nhandling = { value = \"H0\" }\ntlp = { value = \"GREEN\" }\nclassification = { value = \"restricted\" }\n[[entity]]\nkey = \"p\"\nschema = \"Person\"\nproperties.name = \"name\"\n";
    let p = dir.path().join("win.csv");
    let text = "\u{feff}ref,date,name\r\nR1,2025-01-02T03:04:05Z,A\r\nR2,bad,B\r\nR3,2025-01-02T03:04:05Z,C\r\nR4,bad,D\r\n";
    std::fs::write(&p, text).unwrap();
    std::fs::write(dir.path().join("win.mapping.toml"), mapping).unwrap();
    let sum = import_file(&s, &centre().id, &p, &ImportOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!((sum.outcome.inserted, sum.rejected), (2, 2));
    let lines: Vec<u64> = read_rejects(sum.rejects_file.as_ref().unwrap())
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 5]);
}
