//! The commands, as plain functions of the app state so tests call them without a window. Each
//! one checks who is signed in where work is recorded, calls `aisle-device`, and returns its
//! answer unchanged.

use crate::background::{SyncLoop, SyncView};
use crate::error::CommandError;
use aisle_device::packing::{CartonView, CloseRequest, PackRequest, ShipRequest};
use aisle_device::query::StockLine;
use aisle_device::record::{OpContext, Recorded};
use aisle_device::resolve::Resolution;
use aisle_device::sync::SyncOptions;
use aisle_device::tasks::{
    CountSheet, ExceptionView, ExpectedLine, PickList, PutawaySuggestion, TaskView,
};
use aisle_device::work::{
    AdjustRequest, CountRequest, MoveRequest, PickRequest, ReceiveRequest, ReturnRequest,
};
use aisle_device::{DeviceError, Resolved, Store};
use aisle_domain::said;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// The signed-in operator, as the UI sees them (never the PIN hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operator {
    pub badge: String,
    pub name: String,
    pub role: String,
    /// The language a supervisor set for them, if any (the app speaks it unless they chose
    /// another on this tablet).
    pub language: Option<String>,
}

/// The app's device store (for scans), who is signed in, and the background sync.
#[derive(Debug)]
pub struct AppState {
    store: Mutex<Store>,
    operator: Mutex<Option<Operator>>,
    pub sync: SyncLoop,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self {
            store: Mutex::new(store),
            operator: Mutex::new(None),
            sync: SyncLoop::default(),
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

    /// Runs work on behalf of the signed-in operator.
    fn as_operator<T>(
        &self,
        f: impl FnOnce(&mut Store, &Operator, &OpContext) -> Result<T, DeviceError>,
    ) -> Result<T, CommandError> {
        let op = self.operator()?.ok_or(CommandError::NotSignedIn)?;
        let ctx = OpContext::new(op.badge.clone());
        self.with(|s| f(s, &op, &ctx))
    }
}

/// What the status bar shows.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub device: Option<String>,
    pub warehouse: Option<String>,
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub pending: u64,
    pub last_sync_at: Option<String>,
    pub operator: Option<Operator>,
    pub sync: SyncView,
}

/// A scan and what it is here, with its stock here and the totals elsewhere.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    pub resolution: Resolution,
    pub stock: Vec<StockLine>,
    pub other_warehouses: Vec<(String, i64)>,
    /// Goods of the item on their way to each warehouse (transfers shipped, not yet received).
    pub in_transit: Vec<(String, i64)>,
}

pub fn status(state: &AppState) -> Result<Status, CommandError> {
    let mut operator = state.operator()?;
    // A badge a supervisor disabled (learnt at a sync) is signed out: its next sign-in says why.
    if let Some(op) = &operator
        && !state.with(|s| s.may_work(&op.badge))?
    {
        state.set_operator(None)?;
        operator = None;
    }
    let sync = state.sync.view();
    state.with(|s| {
        let device = s.device_opt()?;
        let st = s.sync_state()?;
        Ok(Status {
            device: device.as_ref().map(|d| d.name.clone()),
            warehouse: device.and_then(|d| d.warehouse_code),
            enrolled: st.server_url.is_some(),
            server_url: st.server_url,
            pending: s.pending_count()?,
            last_sync_at: st.last_sync_at,
            operator,
            sync,
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
        language: record.language,
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
        let (stock, other_warehouses, in_transit) = match &resolution.resolved {
            Resolved::Item(i) => (
                s.stock_of_item(i.item.id)?,
                s.other_warehouse_stock(i.item.id)?,
                s.in_transit_stock(i.item.id)?,
            ),
            Resolved::Location(l) => (s.stock_at(l.id)?, vec![], vec![]),
            Resolved::Plate(p) => (s.stock_on_plate(p.id)?, vec![], vec![]),
            Resolved::NewPlate { .. } | Resolved::Unknown => (vec![], vec![], vec![]),
        };
        Ok(Lookup {
            resolution,
            stock,
            other_warehouses,
            in_transit,
        })
    })
}

pub fn receiving_work(state: &AppState) -> Result<Vec<ExpectedLine>, CommandError> {
    state.with(|s| s.receiving_work())
}

pub fn receive(state: &AppState, req: &ReceiveRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.receive(req, ctx))
}

pub fn putaway_suggestion(state: &AppState, raw: &str) -> Result<PutawaySuggestion, CommandError> {
    state.with(|s| s.suggest_putaway_for(raw))
}

pub fn move_stock(state: &AppState, req: &MoveRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.move_stock(req, ctx))
}

pub fn pick_list(state: &AppState) -> Result<PickList, CommandError> {
    state.with(|s| s.pick_list())
}

pub fn task_list(state: &AppState) -> Result<Vec<TaskView>, CommandError> {
    state.with(|s| s.task_list())
}

pub fn pick(state: &AppState, req: &PickRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.pick(req, ctx))
}

pub fn count_sheet(state: &AppState, raw: &str, blind: bool) -> Result<CountSheet, CommandError> {
    state.with(|s| s.count_sheet_at(raw, blind))
}

pub fn count(state: &AppState, req: &CountRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.count(req, ctx))
}

/// A customer return, by the signed-in operator.
pub fn return_goods(state: &AppState, req: &ReturnRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.return_goods(req, ctx))
}

/// A new carton number (SSCC) from this tablet's block.
pub fn new_carton(state: &AppState) -> Result<String, CommandError> {
    state.with(|s| s.new_carton())
}

/// A carton as this tablet knows it (`None`: never seen here).
pub fn carton(state: &AppState, raw: &str) -> Result<Option<CartonView>, CommandError> {
    state.with(|s| s.carton(raw))
}

/// Cartons not yet shipped (of one order).
pub fn open_cartons(
    state: &AppState,
    order: Option<&str>,
) -> Result<Vec<CartonView>, CommandError> {
    state.with(|s| s.open_cartons(order))
}

pub fn pack(state: &AppState, req: &PackRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.pack(req, ctx))
}

pub fn close_carton(state: &AppState, req: &CloseRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.close_carton(req, ctx))
}

pub fn ship(state: &AppState, req: &ShipRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, _, ctx| s.ship(req, ctx))
}

/// The tablet's label printer, as set.
pub fn label_printer(state: &AppState) -> Result<Option<String>, CommandError> {
    state.with(|s| s.label_printer())
}

pub fn set_label_printer(state: &AppState, printer: &str) -> Result<Option<String>, CommandError> {
    state.with(|s| s.set_label_printer(printer))
}

/// A carton's label (ZPL) to the tablet's label printer; the printer's address back.
pub fn print_carton(state: &AppState, raw: &str) -> Result<String, CommandError> {
    state.with(|s| s.print_carton_label(raw))
}

/// Adjustments are a supervisor's: the signed-in operator's role is checked on the device.
pub fn adjust(state: &AppState, req: &AdjustRequest) -> Result<Recorded, CommandError> {
    state.as_operator(|s, op, ctx| {
        s.require_supervisor(&op.badge)?;
        s.adjust(req, ctx)
    })
}

pub fn exceptions(state: &AppState, open_only: bool) -> Result<Vec<ExceptionView>, CommandError> {
    state.with(|s| s.exception_views(open_only))
}

/// An enrolment as typed in Settings or scanned from the server's QR code.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Enrolment {
    pub name: String,
    /// The QR payload `aisle-enroll:1?server=…&code=…`; replaces `server` and `code`.
    pub payload: Option<String>,
    pub server: String,
    pub code: String,
    /// The warehouse CA's certificate (PEM), typed or pasted; a QR payload may carry it instead.
    #[serde(default)]
    pub ca_pem: Option<String>,
}

pub fn enroll(state: &AppState, e: &Enrolment) -> Result<Status, CommandError> {
    let typed_ca = e.ca_pem.clone().filter(|c| !c.trim().is_empty());
    let (server, code, ca_pem) = match e.payload.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(p) => {
            let p = aisle_proto::EnrolmentPayload::parse(p.trim()).map_err(DeviceError::Invalid)?;
            (p.server, p.code, p.ca_pem.or(typed_ca))
        }
        None => (
            e.server.trim().to_string(),
            e.code.trim().to_string(),
            typed_ca,
        ),
    };
    if server.is_empty() || code.is_empty() {
        return Err(DeviceError::Invalid(said!(
            "app.enrol_needs_server_and_code",
            "enter the server address and the enrolment code, or scan the enrolment QR code"
        ))
        .into());
    }
    let transport = aisle_device::sync::Transport {
        ca_pem,
        allow_plain_http: false,
    };
    state.with(|s| s.enroll_as(&e.name, &server, &code, SyncOptions::default(), &transport))?;
    state.sync.request();
    status(state)
}

/// A label to show and print: an item (by SKU or barcode) or a license plate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LabelRequest {
    pub plate: Option<String>,
    /// A carton's SSCC: its carton label.
    pub carton: Option<String>,
    pub item: Option<String>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
}

pub fn label(state: &AppState, req: &LabelRequest) -> Result<String, CommandError> {
    state.with(|s| match (&req.plate, &req.item) {
        _ if req.carton.is_some() => s
            .carton_label(req.carton.as_deref().unwrap_or_default())?
            .svg()
            .map_err(aisle_device::labels::label_error),
        (Some(plate), _) => s.plate_label(plate),
        (None, Some(item)) => s.item_label(item, req.lot.as_deref(), req.expiry),
        (None, None) => Err(DeviceError::Invalid(said!(
            "app.label_needs_plate_or_item",
            "scan a license plate or an item to print its label"
        ))),
    })
}
