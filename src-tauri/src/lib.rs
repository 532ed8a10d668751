//! The tablet app's shell. Commands only translate between the UI and `aisle-device`: they
//! parse nothing, decide nothing and hold no business rules; errors reach the UI as
//! `{kind, message}` so it can branch on the kind and show the message.

#![forbid(unsafe_code)]

use aisle_device::{DeviceError, Resolved, Store};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::Manager;

/// A command's error as the UI sees it.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("the device store is unavailable after an earlier failure; restart the app")]
    Poisoned,
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let kind = match self {
            Self::Device(e) => e.kind(),
            Self::Poisoned => "unavailable",
        };
        let mut st = s.serialize_struct("CommandError", 2)?;
        st.serialize_field("kind", kind)?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// The signed-in operator, as the UI sees them (never the PIN hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operator {
    pub badge: String,
    pub name: String,
    pub role: String,
}

/// The app's one device store and who is signed in.
#[derive(Debug)]
pub struct AppState {
    store: Mutex<Store>,
    operator: Mutex<Option<Operator>>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self {
            store: Mutex::new(store),
            operator: Mutex::new(None),
        }
    }

    fn operator(&self) -> Result<Option<Operator>, CommandError> {
        Ok(self
            .operator
            .lock()
            .map_err(|_| CommandError::Poisoned)?
            .clone())
    }

    fn set_operator(&self, op: Option<Operator>) -> Result<(), CommandError> {
        *self.operator.lock().map_err(|_| CommandError::Poisoned)? = op;
        Ok(())
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, DeviceError>,
    ) -> Result<T, CommandError> {
        let mut store = self.store.lock().map_err(|_| CommandError::Poisoned)?;
        Ok(f(&mut store)?)
    }
}

/// What the status bar shows.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub device: Option<String>,
    pub warehouse: Option<String>,
    pub enrolled: bool,
    pub pending: u64,
    pub last_sync_at: Option<String>,
    pub operator: Option<Operator>,
}

/// A scan and what it is here, with its stock.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    pub resolution: aisle_device::resolve::Resolution,
    pub stock: Vec<aisle_device::query::StockLine>,
}

pub fn status(state: &AppState) -> Result<Status, CommandError> {
    let operator = state.operator()?;
    state.with(|s| {
        let device = s.device_opt()?;
        let sync = s.sync_state()?;
        Ok(Status {
            device: device.as_ref().map(|d| d.name.clone()),
            warehouse: device.and_then(|d| d.warehouse_code),
            enrolled: sync.server_url.is_some(),
            pending: s.pending_count()?,
            last_sync_at: sync.last_sync_at,
            operator,
        })
    })
}

/// Checks a badge and PIN against the operators on this device (works offline).
pub fn sign_in(state: &AppState, badge: &str, pin: &str) -> Result<Operator, CommandError> {
    let record = state.with(|s| s.sign_in(badge, pin))?;
    let op = Operator {
        badge: record.badge,
        name: record.name,
        role: record.role,
    };
    state.set_operator(Some(op.clone()))?;
    Ok(op)
}

pub fn sign_out(state: &AppState) -> Result<(), CommandError> {
    state.set_operator(None)
}

pub fn lookup(state: &AppState, raw: &str) -> Result<Lookup, CommandError> {
    state.with(|s| {
        let resolution = s.resolve(raw)?;
        let stock = match &resolution.resolved {
            Resolved::Item(i) => s.stock_of_item(i.item.id)?,
            Resolved::Location(l) => s.stock_at(l.id)?,
            Resolved::Plate(p) => s.stock_on_plate(p.id)?,
            Resolved::NewPlate { .. } | Resolved::Unknown => vec![],
        };
        Ok(Lookup { resolution, stock })
    })
}

#[tauri::command]
fn get_status(state: tauri::State<'_, AppState>) -> Result<Status, CommandError> {
    status(&state)
}

#[tauri::command]
fn operator_sign_in(
    state: tauri::State<'_, AppState>,
    badge: String,
    pin: String,
) -> Result<Operator, CommandError> {
    sign_in(&state, &badge, &pin)
}

#[tauri::command]
fn operator_sign_out(state: tauri::State<'_, AppState>) -> Result<(), CommandError> {
    sign_out(&state)
}

#[tauri::command]
fn scan_lookup(state: tauri::State<'_, AppState>, raw: String) -> Result<Lookup, CommandError> {
    lookup(&state, &raw)
}

/// Where the store lives: `AISLE_DB` when set (tests, kiosks), else the app's data directory.
fn store_path(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(p) = std::env::var_os("AISLE_DB") {
        return Ok(PathBuf::from(p));
    }
    let dir = app.path().app_data_dir()?;
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join("aisle-device.db"))
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let store = Store::open(store_path(app)?)?;
            app.manage(AppState::new(store));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            get_status,
            operator_sign_in,
            operator_sign_out,
            scan_lookup
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: the app could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("app.db")).unwrap();
        store.load_demo(1, 10, "APP-TEST").unwrap();
        (dir, AppState::new(store))
    }

    #[test]
    fn status_reports_the_device_and_waiting_work() {
        let (_d, st) = state();
        let s = status(&st).unwrap();
        assert_eq!(
            (s.device.as_deref(), s.warehouse.as_deref(), s.enrolled),
            (Some("APP-TEST"), Some("WH1"), false)
        );
        assert!(s.pending > 0, "demo opening stock waits to sync");
        assert_eq!(s.operator, None);
    }

    #[test]
    fn sign_in_checks_the_pin_and_is_shown_in_the_status() {
        let (_d, st) = state();
        let e = sign_in(&st, "ALICE", "9999").unwrap_err();
        assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "invalid");
        assert_eq!(
            status(&st).unwrap().operator,
            None,
            "a wrong PIN signs nobody in"
        );
        let op = sign_in(&st, "ALICE", "1234").unwrap();
        assert_eq!(
            (op.name.as_str(), op.role.as_str()),
            ("Alice Smith", "operator")
        );
        assert_eq!(status(&st).unwrap().operator, Some(op));
        sign_out(&st).unwrap();
        assert_eq!(status(&st).unwrap().operator, None);
    }

    #[test]
    fn lookup_resolves_and_errors_serialize_as_kind_and_message() {
        let (_d, st) = state();
        let l = lookup(&st, "5012345000015").unwrap();
        assert!(matches!(l.resolution.resolved, Resolved::Item(_)));
        assert!(!l.stock.is_empty());
        let e = lookup(&st, "]E09506000134353").unwrap_err();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"], "bad_scan");
        assert!(json["message"].as_str().unwrap().contains("check digit"));
    }
}
