//! The API test harness: a real SQLite server database in a temp dir with the demo company,
//! driven through `router(state)` with `oneshot`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

pub mod device;

use aisle_server::sqlite::SqliteStorage;
use aisle_server::storage::Administration;
use aisle_server::{AppState, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub struct Api {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
}

impl Api {
    pub fn new() -> Self {
        Self::with_items(5)
    }

    pub fn with_items(items: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(dir.path().join("s.db")).unwrap();
        storage.load_demo(1, items).unwrap();
        Self {
            _dir: dir,
            state: AppState::new(Arc::new(storage)),
        }
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
        let code = self
            .state
            .storage
            .create_enrolment(warehouse, "T1", chrono::Duration::hours(1))
            .unwrap()
            .code;
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
