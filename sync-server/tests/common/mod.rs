//! The API test harness: a real server database with the demo company, driven through
//! `router(state)` with `oneshot`. Every test body runs twice ([`both!`]): on an SQLite file in a
//! temp dir, and on a fresh database of a throwaway PostgreSQL (crates/aisle-testdb).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

pub mod device;

use aisle_server::sql::SqlStorage;
use aisle_server::storage::Administration;
use aisle_server::{AppState, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

/// Which database the tests of this thread run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

thread_local! {
    static BACKEND: std::cell::Cell<Backend> = const { std::cell::Cell::new(Backend::Sqlite) };
}

pub fn use_backend(backend: Backend) {
    BACKEND.with(|b| b.set(backend));
}

/// Where a test's database is, for SQL a test runs behind the server's back.
#[derive(Debug, Clone)]
pub enum RawDb {
    File(std::path::PathBuf),
    Url(String),
}

impl RawDb {
    /// Runs one statement straight on the database: what it changed, or the database's refusal.
    pub fn exec(&self, sql: &str) -> Result<usize, String> {
        use aisle_ledger::db::Db;
        off_runtime(|| match self {
            Self::File(path) => {
                let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                conn.exec(sql, &[]).map_err(|e| e.to_string())
            }
            Self::Url(url) => {
                let conn = aisle_ledger::db::PgConn::connect(url).map_err(|e| e.to_string())?;
                conn.exec(sql, &[]).map_err(|e| e.to_string())
            }
        })
    }
}

/// A new, empty server database on this thread's backend (an SQLite file goes in `dir`).
pub fn open_storage(dir: &std::path::Path) -> (SqlStorage, RawDb) {
    let backend = BACKEND.with(std::cell::Cell::get);
    off_runtime(|| match backend {
        Backend::Sqlite => {
            let path = dir.join("s.db");
            (SqlStorage::open(&path).unwrap(), RawDb::File(path))
        }
        Backend::Postgres => {
            let url = aisle_testdb::fresh_database();
            (SqlStorage::open_postgres(&url).unwrap(), RawDb::Url(url))
        }
    })
}

/// Runs blocking storage work from a test's async body, as the server does on its blocking pool
/// (PostgreSQL's synchronous client may not run on an async thread).
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// `both!(name)` before `async fn name()`: the body runs as the tests `name::sqlite` and
/// `name::postgres`.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                crate::common::use_backend(crate::common::Backend::Sqlite);
                super::$name().await;
            }

            #[tokio::test]
            async fn postgres() {
                crate::common::use_backend(crate::common::Backend::Postgres);
                super::$name().await;
            }
        }
    };
}
pub(crate) use both;

pub struct Api {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
    pub raw: RawDb,
}

impl Api {
    pub fn new() -> Self {
        Self::with_items(5)
    }

    pub fn with_items(items: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (storage, raw) = open_storage(dir.path());
        off_runtime(|| storage.load_demo(1, items).unwrap());
        Self {
            _dir: dir,
            state: AppState::new(Arc::new(storage)),
            raw,
        }
    }

    /// Calls the storage directly from a test's async body (off the runtime, as the server does).
    pub fn with_storage<T: Send>(
        &self,
        f: impl FnOnce(&dyn aisle_server::storage::Storage) -> T + Send,
    ) -> T {
        off_runtime(|| f(self.state.storage.as_ref()))
    }

    pub async fn call(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        (status, body)
    }

    pub async fn json(&self, req: Request<Body>) -> (StatusCode, Value) {
        let (s, b) = self.call(req).await;
        (
            s,
            serde_json::from_slice(&b)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&b))),
        )
    }

    /// Signs in the demo supervisor and returns the session token.
    pub async fn supervisor_token(&self) -> String {
        let (s, session) = self
            .json(post(
                "/v1/supervisor/session",
                &serde_json::json!({ "badge": "SUP1", "pin": "4321" }),
                None,
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{session}");
        session["token"].as_str().unwrap().to_string()
    }

    /// A supervisor's POST of `body` to `path` with session `token`.
    pub async fn supervise(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        self.json(with_token(post(path, body, None), token)).await
    }

    /// Pushes `op` as the first operation of a device that has just taken `snap`.
    pub async fn push_first(
        &self,
        device_token: &str,
        device: &str,
        snap: &Value,
        op: Value,
    ) -> (StatusCode, Value) {
        let entry = serde_json::json!({
            "op_id": aisle_domain::OpId::new(), "device_id": device, "seq": 1, "schema_version": 1,
            "warehouse_id": snap["master"]["warehouses"][0]["id"], "operator": "ALICE",
            "device_time": chrono::Utc::now(), "scans": [], "seen_cursor": snap["cursor"],
            "op": op
        });
        self.json(post(
            "/v1/push",
            &serde_json::json!({ "device_id": device, "epoch": snap["epoch"], "entries": [entry] }),
            Some(device_token),
        ))
        .await
    }

    /// Enrols a device and returns its token.
    pub async fn token(&self) -> (String, String) {
        self.token_in("WH1").await
    }

    /// Enrols a device in `warehouse` and returns its token.
    pub async fn token_in(&self, warehouse: &str) -> (String, String) {
        let code = self.with_storage(|s| {
            s.create_enrolment(warehouse, "T1", chrono::Duration::hours(1))
                .unwrap()
                .code
        });
        let device = aisle_domain::DeviceId::new().to_string();
        let body = serde_json::json!({ "code": code, "device_id": device, "name": "T1", "app_version": "test" });
        let (s, v) = self.json(post("/v1/enroll", &body, None)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        (v["token"].as_str().unwrap().to_string(), device)
    }
}

pub fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri).header("aisle-protocol", "1");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

pub fn post(uri: &str, body: &Value, token: Option<&str>) -> Request<Body> {
    let mut b = Request::post(uri)
        .header("aisle-protocol", "1")
        .header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

/// Every property the document marks required for `schema` is present in `value`.
pub fn assert_matches_schema(doc: &Value, schema: &str, value: &Value) {
    let s = &doc["components"]["schemas"][schema];
    for req in s["required"].as_array().unwrap() {
        let name = req.as_str().unwrap();
        assert!(
            value.get(name).is_some(),
            "{schema}.{name} is required by the OpenAPI document but missing in {value}"
        );
    }
    for (name, v) in value.as_object().unwrap() {
        assert!(
            s["properties"].get(name).is_some() || s["additionalProperties"] == true,
            "{schema} has undocumented property {name}"
        );
        let _ = v;
    }
}

pub fn with_token(mut req: Request<Body>, token: &str) -> Request<Body> {
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}
