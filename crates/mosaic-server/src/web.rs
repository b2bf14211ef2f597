//! The browser app (`web/`), embedded in the binary and served at `/`.
//!
//! `web/dist` is built by Vite with fixed file names (see `web/vite.config.ts`) and
//! committed, so a Rust build needs no Node.js; `web/build-check.sh` checks that the
//! committed build matches the sources. The files are embedded with `include_bytes!`, so
//! no extra dependency is needed. Responses carry an `ETag` (SHA-256 of the content) and
//! `Cache-Control: no-cache`, so browsers revalidate cheaply and never run a stale app.
//!
//! Any other path that is not under `/api/` answers with the app's `index.html` (the app
//! routes on the URL fragment, but deep links still load it). Unknown `/api/…` paths
//! answer 404 as `application/problem+json`, like the API's own fallback.
//!
//! Merge it into the API router *before* the API's middleware layers, so the security
//! headers and request ids apply to it too:
//! `let app = api.merge(crate::web::router()).route("/api/openapi.json", …)…`.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

/// One embedded file.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../../web/dist/index.html"),
    },
    Asset {
        path: "assets/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../web/dist/assets/app.js"),
    },
    Asset {
        path: "assets/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../web/dist/assets/app.css"),
    },
];

/// The app's Content Security Policy: everything from this origin, nothing from anywhere
/// else (the app works with no internet), no inline scripts.
const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

fn etags() -> &'static [String] {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| format!("\"{}\"", hex::encode(&Sha256::digest(a.body)[..12])))
            .collect()
    })
}

/// The router serving the app: `/` and every path outside `/api/`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(serve))
        .route("/{*path}", get(serve))
}

fn not_found_problem() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/problem+json")],
        r#"{"type":"urn:mosaic:problem:not-found","title":"Not found","status":404,"detail":"no such object, or not one you may see"}"#,
    )
        .into_response()
}

async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return not_found_problem();
    }
    let index = match ASSETS.iter().position(|a| a.path == path) {
        Some(i) => i,
        // A missing asset is a 404, not the app (a stale page asking for old files).
        None if path.starts_with("assets/") => return not_found_problem(),
        None => 0,
    };
    let asset = &ASSETS[index];
    let etag = &etags()[index];
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::ETAG,
        HeaderValue::from_str(etag).expect("hex etag is a header value"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if index == 0 {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if fresh {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    (StatusCode::OK, h, asset.body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(path: &str, etag: Option<&str>) -> Response {
        let mut req = Request::get(path);
        if let Some(e) = etag {
            req = req.header(header::IF_NONE_MATCH, e);
        }
        router()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn ct(r: &Response) -> &str {
        r.headers()[header::CONTENT_TYPE].to_str().unwrap()
    }

    #[tokio::test]
    async fn serves_the_app_with_content_types_and_index_fallback() {
        let r = get("/", None).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(ct(&r).starts_with("text/html"));
        assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(ct(&get("/assets/app.js", None).await).starts_with("text/javascript"));
        assert!(ct(&get("/assets/app.css", None).await).starts_with("text/css"));
        // Deep links load the app; missing assets and API paths do not.
        assert!(ct(&get("/entity/x", None).await).starts_with("text/html"));
        assert_eq!(
            get("/assets/old-123.js", None).await.status(),
            StatusCode::NOT_FOUND
        );
        let api = get("/api/v1/nope", None).await;
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
        assert_eq!(ct(&api), "application/problem+json");
    }

    #[tokio::test]
    async fn etag_revalidation() {
        let r = get("/assets/app.js", None).await;
        let tag = r.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(
            get("/assets/app.js", Some(&tag)).await.status(),
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(
            get("/assets/app.js", Some("\"other\"")).await.status(),
            StatusCode::OK
        );
    }
}
