//! A device as the API tests drive it: enrolled, with its snapshot, numbering its own change-log
//! entries; and helpers to read stock and exceptions back.

use super::{Api, get, post};
use aisle_domain::PlateId;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// An enrolled device that has taken its snapshot, numbering its own entries.
pub struct Device {
    pub token: String,
    pub id: String,
    pub snap: Value,
    pub seq: u64,
}

impl Device {
    pub async fn enrol(api: &Api) -> Self {
        let (token, id) = api.token().await;
        let (s, snap) = api.json(get("/v1/snapshot", Some(&token))).await;
        assert_eq!(s, StatusCode::OK, "{snap}");
        Self {
            token,
            id,
            snap,
            seq: 0,
        }
    }

    /// The next change-log entry of this device: `op` done by `operator`.
    pub fn entry(&mut self, operator: &str, op: Value) -> Value {
        self.seq += 1;
        json!({
            "op_id": aisle_domain::OpId::new(), "device_id": self.id, "seq": self.seq,
            "schema_version": 1, "warehouse_id": self.warehouse(), "operator": operator,
            "device_time": chrono::Utc::now(), "scans": [], "seen_cursor": self.snap["cursor"],
            "op": op
        })
    }

    pub fn warehouse(&self) -> Value {
        self.snap["master"]["warehouses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["code"] == "WH1")
            .unwrap()["id"]
            .clone()
    }

    pub async fn push(&self, api: &Api, entries: &[Value]) -> (StatusCode, Value) {
        api.json(post(
            "/v1/push",
            &json!({ "device_id": self.id, "epoch": self.snap["epoch"], "entries": entries }),
            Some(&self.token),
        ))
        .await
    }

    /// Pushes and insists on success: every entry is durable.
    pub async fn push_ok(&self, api: &Api, entries: &[Value]) -> Value {
        let (s, v) = self.push(api, entries).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let last = entries.last().map_or(json!(0), |e| e["seq"].clone());
        assert_eq!(v["durable_seq"], last, "{v}");
        v
    }

    pub async fn pull(&self, api: &Api) -> Value {
        let (s, v) = api
            .json(get(
                &format!("/v1/pull?cursor={}&rev=0", self.snap["cursor"]),
                Some(&self.token),
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }
}

pub fn location(snap: &Value, code: &str) -> Value {
    snap["master"]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == code)
        .unwrap_or_else(|| panic!("no location {code}"))["id"]
        .clone()
}

pub fn item(snap: &Value, index: usize) -> (Value, String) {
    let i = &snap["master"]["items"][index];
    (i["id"].clone(), i["sku"].as_str().unwrap().to_string())
}

/// On-hand quantity under a key, as a fresh snapshot reports it.
pub async fn on_hand(api: &Api, d: &Device, key: &Value) -> i64 {
    let (_, snap) = api.json(get("/v1/snapshot", Some(&d.token))).await;
    snap["stock"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            ["item", "location", "lot", "expiry", "plate"]
                .iter()
                .all(|f| r["key"][f] == key[f])
        })
        .map(|r| r["qty"].as_i64().unwrap())
        .sum()
}

/// The open exceptions of a kind, as a supervisor sees them.
pub async fn exceptions(api: &Api, kind: &str) -> Vec<Value> {
    let token = api.supervisor_token().await;
    let (_, all) = api
        .json(super::with_token(
            get("/v1/supervisor/exceptions", None),
            &token,
        ))
        .await;
    all.as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == kind)
        .cloned()
        .collect()
}

/// A receive of `qty` of the first item in stock at `RCV-01`, on `plate` when given.
pub fn receive(snap: &Value, qty: i64, plate: Option<(PlateId, &str)>) -> Value {
    let mut op = json!({
        "type": "receive",
        "key": { "item": item(snap, 0).0, "location": location(snap, "RCV-01") },
        "qty": qty
    });
    if let Some((id, code)) = plate {
        op["key"]["plate"] = json!(id);
        op["plate_code"] = json!(code);
    }
    op
}
