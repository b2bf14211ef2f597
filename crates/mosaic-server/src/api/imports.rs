//! Bulk import over the API: a JSON Lines upload, or a CSV upload with a mapping uploaded
//! before it (`POST /api/v1/imports/mappings`), is streamed to the data folder, checked
//! for provider control, then imported in the background by `mosaic_io::import_file`
//! (atomic, resumable batches; rejects recorded with line, field and rule). The caller
//! gets a job id and polls it for progress, the result and the rejects.
//!
//! Jobs live in memory: after a restart a job id is unknown, but re-uploading the same
//! content resumes the import where it stopped (imports are keyed by content hash) and
//! adds nothing already stored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};

use mosaic_io::source::{CsvRows, JsonLines, RecordSource};
use mosaic_io::{import_file, Format, ImportOptions, Mapping, Progress};
use mosaic_model::{AgencyId, ReportId};
use mosaic_policy::{provider_scope, Action};
use mosaic_store::Reject;

use crate::auth::{ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::state::AppState;

/// Most rejects returned with a job (all of them are in the store).
const MAX_REJECTS_SHOWN: usize = 1_000;
/// Most provider-control violations listed before giving up.
const MAX_VIOLATIONS: usize = 100;
/// Jobs kept in memory.
const MAX_JOBS: usize = 1_000;

/// The state of one import job.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportJob {
    pub id: String,
    /// `running`, `finished` or `failed`.
    pub state: String,
    pub file_name: String,
    pub started_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Bytes of the upload.
    pub bytes_total: u64,
    /// Bytes read so far.
    pub bytes_done: u64,
    /// Records (lines) processed so far.
    pub records_done: u64,
    /// Statements written so far.
    pub statements: u64,
    /// The import summary once finished (`mosaic_io::ImportSummary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub summary: Option<Value>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Rejected records (line, field, rule, message, raw), once finished; at most 1000.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub rejects: Vec<Reject>,
    /// More rejects exist than are listed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rejects_truncated: bool,
    #[serde(skip)]
    owner: String,
    #[serde(skip)]
    source_hash: Option<String>,
}

/// In-memory job table.
#[derive(Default)]
pub(crate) struct Jobs(Mutex<HashMap<String, Arc<Mutex<ImportJob>>>>);

impl Jobs {
    fn insert(&self, job: ImportJob) -> Arc<Mutex<ImportJob>> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= MAX_JOBS {
            // Forget the oldest finished jobs.
            let mut done: Vec<(DateTime<Utc>, String)> = m
                .iter()
                .filter_map(|(k, j)| {
                    let j = j.lock().unwrap_or_else(|p| p.into_inner());
                    (j.state != "running").then(|| (j.started_at, k.clone()))
                })
                .collect();
            done.sort();
            for (_, k) in done.into_iter().take(MAX_JOBS / 10 + 1) {
                m.remove(&k);
            }
        }
        let id = job.id.clone();
        let j = Arc::new(Mutex::new(job));
        m.insert(id, j.clone());
        j
    }

    fn get(&self, id: &str) -> Option<Arc<Mutex<ImportJob>>> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }
}

struct JobProgress(Arc<Mutex<ImportJob>>);

impl Progress for JobProgress {
    fn advance(&self, bytes_done: u64, records: u64, statements: u64) {
        let mut j = self.0.lock().unwrap_or_else(|p| p.into_inner());
        j.bytes_done = bytes_done;
        j.records_done = records;
        j.statements = statements;
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// A name for the upload (shown in the job and rejects).
    pub file_name: Option<String>,
    /// The upload's encoding (utf-8, latin-1, utf-16le, …); sniffed when absent. For CSV
    /// the mapping declares it.
    pub encoding: Option<String>,
    /// The upload is CSV, read with this mapping (the `id` that
    /// `POST /api/v1/imports/mappings` returned).
    pub mapping: Option<String>,
}

/// Largest mapping file accepted.
const MAX_MAPPING_BYTES: usize = 256 * 1024;

/// A mapping file, checked and kept for CSV uploads.
#[derive(Serialize, ToSchema)]
pub struct MappingRef {
    /// Pass it as `mapping` when uploading the CSV file (the SHA-256 of the mapping).
    pub id: String,
    /// The agency the mapping's reports are of (`[source] agency`).
    pub agency: String,
}

fn mappings_dir(state: &AppState) -> PathBuf {
    uploads_dir(state).join("mappings")
}

/// The kept mapping of this id (64 hex digits), or a 422 naming the `mapping` field.
fn mapping_path(state: &AppState, id: &str) -> ApiResult<PathBuf> {
    let refuse = |message: &str| {
        ApiError::validation(vec![FieldError {
            field: "mapping".into(),
            rule: "unknown".into(),
            message: message.into(),
        }])
    };
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refuse(
            "not a mapping id: upload the mapping to /api/v1/imports/mappings first",
        ));
    }
    let p = mappings_dir(state).join(format!("{}.mapping.toml", id.to_ascii_lowercase()));
    if !p.exists() {
        return Err(refuse(
            "no such mapping: upload it to /api/v1/imports/mappings first",
        ));
    }
    Ok(p)
}

/// Upload a CSV mapping file (TOML, see docs/import.md) before uploading a CSV file. It is
/// checked (a mistake is a 422 naming the line and the rule) and kept; the returned `id`
/// names it when uploading the CSV (`POST /api/v1/imports?mapping=ID`).
#[utoipa::path(
    post, path = "/api/v1/imports/mappings", tag = "reports",
    request_body(content = String, description = "The mapping file (TOML text)", content_type = "text/plain"),
    responses(
        (status = 201, description = "Checked and kept", body = MappingRef),
        (status = 422, description = "Not a valid mapping", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload_mapping(
    caller: Caller,
    State(state): State<AppState>,
    body: Body,
) -> ApiResult<Response> {
    caller.require(Action::ImportReports)?;
    let bytes = axum::body::to_bytes(body, MAX_MAPPING_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Mapping too large",
            )
            .detail(format!(
                "a mapping file has at most {MAX_MAPPING_BYTES} bytes"
            ))
        })?;
    let invalid = |message: String| {
        ApiError::validation(vec![FieldError {
            field: "mapping".into(),
            rule: "mapping".into(),
            message,
        }])
    };
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| invalid("a mapping file is UTF-8 text (TOML)".into()))?;
    let mapping = Mapping::parse(text).map_err(invalid)?;
    use sha2::Digest;
    let id = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    let dir = mappings_dir(&state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(ApiError::internal)?;
    tokio::fs::write(dir.join(format!("{id}.mapping.toml")), text)
        .await
        .map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(MappingRef {
            id,
            agency: mapping.source.agency.clone(),
        }),
    )
        .into_response())
}

fn uploads_dir(state: &AppState) -> PathBuf {
    state.0.config.data_dir.join("uploads")
}

/// Upload a JSON Lines file of reports (one report per line, Mosaic's report format), or
/// a CSV file with `mapping` naming its mapping, for import. Every report must be your
/// agency's; explicit ids must name your agency's existing reports. The upload is
/// streamed to disk (up to the configured limit) and imported in the background: poll
/// the returned job for progress, the result and the rejected lines (each with line,
/// field and rule).
#[utoipa::path(
    post, path = "/api/v1/imports", tag = "reports",
    params(ImportQuery),
    request_body(content = String, description = "JSON Lines (one report per line), or CSV with `mapping`", content_type = "application/x-ndjson"),
    responses(
        (status = 202, description = "Accepted; the job runs in the background", body = ImportJob),
        (status = 413, description = "Upload larger than the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some lines are not yours to import (provider control); nothing was imported", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn start_import(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Body,
) -> ApiResult<Response> {
    caller.require(Action::ImportReports)?;
    let centre = state.0.store.centre().await?;
    let file_name = q
        .file_name
        .as_deref()
        .map(|n| {
            n.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .take(100)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            if q.mapping.is_some() {
                "upload.csv".into()
            } else {
                "upload.jsonl".into()
            }
        });
    if let Some(e) = &q.encoding {
        mosaic_io::encoding::declared(e).map_err(ApiError::bad_request)?;
    }
    let mapping = q
        .mapping
        .as_deref()
        .map(|m| mapping_path(&state, m))
        .transpose()?;
    let id = format!("imp-{}", uuid::Uuid::now_v7().simple());
    let dir = uploads_dir(&state).join(&id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(ApiError::internal)?;
    let path = dir.join(&file_name);
    let cleanup = |dir: PathBuf| async move {
        let _ = tokio::fs::remove_dir_all(dir).await;
    };
    let bytes = match receive(body, &path, state.0.config.limits.max_import_bytes).await {
        Ok(n) => n,
        Err(e) => {
            cleanup(dir).await;
            return Err(e);
        }
    };
    let agency = caller.principal.agency().clone();
    if let Err(e) =
        check_provider(&state, &path, q.encoding.clone(), mapping.clone(), &agency).await
    {
        cleanup(dir).await;
        return Err(e);
    }

    let job = state.0.jobs.insert(ImportJob {
        id: id.clone(),
        state: "running".into(),
        file_name: file_name.clone(),
        started_at: Utc::now(),
        finished_at: None,
        bytes_total: bytes,
        bytes_done: 0,
        records_done: 0,
        statements: 0,
        summary: None,
        error: None,
        rejects: Vec::new(),
        rejects_truncated: false,
        owner: caller.principal.actor(),
        source_hash: None,
    });
    let snapshot = job.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let store = state.0.store.clone();
    let actor = caller.principal.actor();
    tracing::info!(actor = %actor, job = %id, bytes, "import started");
    tokio::spawn(async move {
        let opts = ImportOptions {
            format: Some(if mapping.is_some() {
                Format::Csv
            } else {
                Format::Jsonl
            }),
            mapping,
            rejects_dir: Some(dir.clone()),
            encoding: q.encoding,
            ..Default::default()
        };
        let progress = JobProgress(job.clone());
        let result = import_file(&*store, &centre.id, &path, &opts, &progress).await;
        {
            let mut j = job.lock().unwrap_or_else(|p| p.into_inner());
            j.finished_at = Some(Utc::now());
            match result {
                Ok(s) => {
                    j.state = "finished".into();
                    j.bytes_done = j.bytes_total;
                    j.source_hash = Some(s.source_hash.clone());
                    let mut v = serde_json::to_value(&s).unwrap_or(Value::Null);
                    // Server paths are nobody's business.
                    if let Some(o) = v.as_object_mut() {
                        o.remove("rejects_file");
                        o.insert("file".into(), Value::String(j.file_name.clone()));
                    }
                    j.summary = Some(v);
                    tracing::info!(actor = %actor, job = %j.id, rejected = s.rejected, "import finished");
                }
                Err(e) => {
                    j.state = "failed".into();
                    j.error = Some(
                        e.to_string()
                            .replace(&path.display().to_string(), &j.file_name),
                    );
                    tracing::warn!(actor = %actor, job = %j.id, error = %e, "import failed");
                }
            }
        }
        cleanup(dir).await;
    });
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/imports/{id}"))],
        Json(snapshot),
    )
        .into_response())
}

/// Streams the request body to `path`, refusing more than `max` bytes.
async fn receive(body: Body, path: &Path, max: u64) -> ApiResult<u64> {
    let mut f = tokio::fs::File::create(path)
        .await
        .map_err(ApiError::internal)?;
    let mut stream = body.into_data_stream();
    let mut n: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("upload interrupted: {e}")))?;
        n += chunk.len() as u64;
        if n > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Upload too large",
            )
            .detail(format!("an upload has at most {max} bytes; split the file")));
        }
        f.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    f.flush().await.map_err(ApiError::internal)?;
    if n == 0 {
        return Err(ApiError::bad_request("the upload is empty"));
    }
    Ok(n)
}

/// Provider control (DESIGN §4.1) before anything is written: every record must be the
/// caller's agency's, and explicit report ids must name the agency's own reports.
/// Malformed lines are left to the importer, which rejects them with line and rule.
async fn check_provider(
    state: &AppState,
    path: &Path,
    encoding: Option<String>,
    mapping: Option<PathBuf>,
    agency: &AgencyId,
) -> ApiResult<()> {
    let p = path.to_owned();
    let own = agency.as_str().to_owned();
    let (mut errors, ids) = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        let other = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let mapping = mapping
            .map(|m| Mapping::load(&m).map_err(|e| other(e.to_string())))
            .transpose()?;
        let declared = match &mapping {
            Some(m) => m.source.encoding.clone(),
            None => encoding,
        };
        let (reader, _, _) = mosaic_io::encoding::open(&p, declared.as_deref())?;
        let mut src: Box<dyn RecordSource> = match mapping {
            Some(m) => Box::new(CsvRows::new(reader, m).map_err(other)?),
            None => Box::new(JsonLines::new(reader)),
        };
        let mut errors: Vec<FieldError> = Vec::new();
        let mut ids: Vec<(u64, String)> = Vec::new();
        while let Some(rec) = src.next_record() {
            let rec = rec?;
            let Ok((v, _)) = rec.value else { continue };
            if let Some(a) = v.get("agency").and_then(Value::as_str) {
                if a.trim() != own && errors.len() < MAX_VIOLATIONS {
                    errors.push(FieldError {
                        field: format!("lines[{}].agency", rec.line),
                        rule: "provider".into(),
                        message: format!(
                            "line {}: a report of {a}; you may import only {own}'s reports",
                            rec.line
                        ),
                    });
                }
            }
            if let Some(id) = v.get("id").and_then(Value::as_str) {
                ids.push((rec.line, id.to_owned()));
            }
        }
        Ok((errors, ids))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::bad_request(format!("cannot read the upload: {e}")))?;
    let scope = provider_scope(agency, "provider check on import");
    for (line, id) in ids {
        if errors.len() >= MAX_VIOLATIONS {
            break;
        }
        let Ok(rid) = ReportId::parse(&id) else {
            continue; // the importer rejects it with its rule
        };
        if state.0.store.report(&scope, &rid).await?.is_none() {
            errors.push(FieldError {
                field: format!("lines[{line}].id"),
                rule: "provider".into(),
                message: format!(
                    "line {line}: an explicit id must name an existing report of your agency; omit id for a new report"
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        Err(ApiError::validation(errors))
    }
}

/// An import job you started: progress, then the summary and the rejected lines.
#[utoipa::path(
    get, path = "/api/v1/imports/{id}", tag = "reports",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = ImportJob),
        (status = 404, description = "No such job, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_import(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ImportJob>> {
    caller.require(Action::ImportReports)?;
    let job = state.0.jobs.get(&id).ok_or_else(ApiError::not_found)?;
    let mut j = job.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if j.owner != caller.principal.actor() {
        return Err(ApiError::not_found());
    }
    if let (Some(src), "finished") = (&j.source_hash, j.state.as_str()) {
        let mut rejects = state.0.store.import_rejects(src).await?;
        if rejects.len() > MAX_REJECTS_SHOWN {
            rejects.truncate(MAX_REJECTS_SHOWN);
            j.rejects_truncated = true;
        }
        j.rejects = rejects;
    }
    Ok(Json(j))
}
