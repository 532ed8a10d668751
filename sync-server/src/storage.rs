//! The server's storage, behind traits so that a second backend (Postgres) can be added without
//! touching the handlers: [`SyncEngine`] (what devices call), [`Supervision`], [`Administration`]
//! and [`ReadModels`], together [`Storage`]. The backend is chosen once, at start-up.
//!
//! Methods are blocking; handlers call them on tokio's blocking pool.

use crate::error::StorageResult;
use crate::inventory::{
    CountTask, Expiring, FaceTopUp, ItemDetail, LineAllocation, LocationDetail, LotStock,
    OrderStatus, PurchaseOrderSummary, RaisedOrder, Release, ReplenishmentLine, ReturnLine,
    Shipment, ShipmentSummary, StockHit, TransferClosed, TransferSummary, Valuation,
};
use crate::tasks::TaskLine;
use aisle_domain::master::LicensePlate;
use aisle_domain::op::ChangeLogEntry;
use aisle_domain::replenish::Policy;
use aisle_domain::{DeviceId, TaskId, WarehouseId};
use aisle_proto::{
    Carton, EnrollRequest, Exception, MasterData, OrderLine, PullQuery, ReceiptLine, Snapshot,
    StockSummary, Task,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

/// One logged operation, as the JSON it was stored as: pages are never decoded and re-encoded.
#[derive(Debug, Serialize)]
pub struct RawServerOp {
    pub server_seq: u64,
    pub entry: Box<RawValue>,
}

/// A pull page as the server sends it. Serializes exactly like `aisle_proto::PullResponse`
/// (checked by the API tests against the OpenAPI document and by every device that decodes it).
#[derive(Debug, Serialize)]
pub struct PullPage {
    pub epoch: Uuid,
    pub ops: Vec<RawServerOp>,
    pub cursor: u64,
    pub more: bool,
    pub master: MasterData,
    pub receipt_lines: Vec<ReceiptLine>,
    pub order_lines: Vec<OrderLine>,
    pub exceptions: Vec<Exception>,
    pub other_warehouses: Vec<StockSummary>,
    pub rev: u64,
    pub tasks: Vec<Task>,
    pub plates: Vec<LicensePlate>,
    pub leases: Vec<aisle_proto::Lease>,
    pub cartons: Vec<Carton>,
    pub in_transit: Vec<StockSummary>,
    pub stock: Vec<aisle_proto::StockChange>,
    pub durable_seq: u64,
}

/// An enrolled device, as authentication finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRecord {
    pub id: DeviceId,
    pub name: String,
    pub warehouse_id: WarehouseId,
    pub warehouse_code: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Highest sequence number of this device durable on the server.
    pub durable_seq: u64,
    pub app_version: String,
    /// The end of the device's change log when it last called, if it said.
    pub log_end: Option<u64>,
    /// How far the device's clock was ahead (+) or behind (−) the server's at its last call.
    pub clock_offset_s: Option<i64>,
}

/// One supervisor action in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub badge: String,
    /// What was asked, e.g. `POST /v1/supervisor/exceptions/ID/resolve` or `sign in`.
    pub action: String,
    /// How it ended: the HTTP status, or `refused: wrong PIN`.
    pub outcome: String,
}

/// What a device says of itself with a call (all optional: older apps say nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub app_version: Option<String>,
    pub log_end: Option<u64>,
    /// Device clock − server clock, in seconds.
    pub clock_offset_s: Option<i64>,
}

/// How long a device's last contact stands before its requests note it again.
pub const CONTACT_REFRESH: chrono::Duration = chrono::Duration::seconds(60);

impl Contact {
    /// True when `device`'s record already says what this contact says (a clock one second
    /// apart is the same clock) and was noted within [`CONTACT_REFRESH`] before `now`. Such a
    /// contact is not written: every request of a sync wrote it before, so a pull waited for the
    /// writer behind whatever push was in progress.
    pub fn already_noted(&self, device: &DeviceRecord, now: DateTime<Utc>) -> bool {
        let recent = device
            .last_seen_at
            .is_some_and(|seen| seen <= now && now - seen < CONTACT_REFRESH);
        recent
            && self
                .app_version
                .as_ref()
                .is_none_or(|v| *v == device.app_version)
            && self.log_end.is_none_or(|end| device.log_end == Some(end))
            && self.clock_offset_s.is_none_or(|offset| {
                device
                    .clock_offset_s
                    .is_some_and(|known| (known - offset).abs() <= 1)
            })
    }

    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

impl DeviceRecord {
    /// Operations the device had recorded but not yet pushed, as of its last call.
    pub fn waiting(&self) -> Option<u64> {
        self.log_end.map(|end| end.saturating_sub(self.durable_seq))
    }
}

/// An exception's place and operator, as codes a supervisor reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionContext {
    pub id: uuid::Uuid,
    pub location: Option<String>,
    pub operator: Option<String>,
}

/// A pending enrolment: the code is shown once; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    pub code: String,
    pub warehouse_code: String,
    pub name: String,
    pub expires_at: DateTime<Utc>,
}

/// The result of a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushOutcome {
    pub durable_seq: u64,
    pub applied: u32,
    pub duplicates: u32,
}

/// Counts for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub devices: u64,
    pub operations: u64,
    pub open_exceptions: u64,
}

/// An operator who can sign in on devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOperator {
    pub badge: String,
    pub name: String,
    pub pin: String,
    pub supervisor: bool,
}

/// An operator as listed for warehouse IT (never the PIN or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorSummary {
    pub badge: String,
    pub name: String,
    pub role: String,
    /// When a supervisor disabled the badge (stored UTC text); None: it may sign in.
    pub disabled_at: Option<String>,
    /// The language set for the operator (`en`, `de`, `es`), if any.
    pub language: Option<String>,
}

/// A signed-in supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    pub badge: String,
    pub name: String,
    pub expires_at: DateTime<Utc>,
}

/// What the CSV exports produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Stock,
    Operations,
    Exceptions,
    Suppliers,
    SupplierItems,
    ItemWarehouses,
}

/// What the CSV imports accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Warehouses,
    Locations,
    Items,
    Receipts,
    Orders,
    /// Unit costs for valuation: `sku,unit_cost,currency`.
    Costs,
    /// Which items each warehouse stocks, with a preferred supplier and a policy:
    /// `warehouse,sku,stocked[,preferred_supplier,reorder_point,order_qty,min,max]`.
    ItemWarehouses,
    /// `code,name,lead_time_days`.
    Suppliers,
    /// Each supplier's terms per item.
    SupplierItems,
}

/// How a supervisor closes an exception. History is never edited: an adjustment is a new,
/// server-originated operation that every device pulls like any other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The books are right as they stand (e.g. a count variance that was checked).
    Accept { note: String },
    /// Correct stock under the exception's key by a signed quantity.
    Adjust { qty: i64, reason: String },
    /// A count variance the supervisor does not believe: the books go back to what they were
    /// before the count (a compensating adjustment of the count's difference).
    Reject { note: String },
    /// A held operation (an `unauthorized`, `invalid_operation` or `duplicate_entry` exception) the supervisor
    /// vouches for: applied now, as a server operation every device pulls.
    Release { note: String },
}

/// What devices talk to: enrolment, push, pull, snapshots and claims of work. The single writer of
/// the operation log: every push is one transaction.
pub trait SyncEngine {
    /// Identity of this database; changes only if the database is replaced.
    fn epoch(&self) -> Uuid;

    fn create_enrolment(
        &self,
        warehouse_code: &str,
        name: &str,
        valid_for: chrono::Duration,
    ) -> StorageResult<Enrolment>;

    /// Consumes an enrolment code and registers the device with the token's hash.
    fn enroll(&self, req: &EnrollRequest, token_hash: &str) -> StorageResult<DeviceRecord>;

    fn device_by_token(&self, token_hash: &str) -> StorageResult<Option<DeviceRecord>>;

    fn devices(&self) -> StorageResult<Vec<DeviceRecord>>;

    fn revoke_device(&self, id: DeviceId) -> StorageResult<()>;

    /// What a device said of itself on its last call: its app version and the end of its
    /// change log (so that "operations waiting" = log end − durable sequence).
    fn note_contact(&self, device: DeviceId, contact: &Contact) -> StorageResult<()>;

    /// Appends a device's entries exactly once and applies them (see docs/sync-protocol.md).
    fn push(
        &self,
        device: &DeviceRecord,
        entries: &[ChangeLogEntry],
    ) -> StorageResult<PushOutcome> {
        self.push_as_sent(device, entries, &[])
    }

    /// [`push`](Self::push), with the text each entry came in where that text reads back as
    /// exactly the entry (`texts[i]` for `entries[i]`, [`aisle_domain::op::read_entry_as_sent`]):
    /// logged as it came rather than encoded again. An entry without one is encoded.
    fn push_as_sent(
        &self,
        device: &DeviceRecord,
        entries: &[ChangeLogEntry],
        texts: &[Option<&str>],
    ) -> StorageResult<PushOutcome>;

    fn pull(&self, device: &DeviceRecord, query: &PullQuery) -> StorageResult<PullPage>;

    fn snapshot(&self, device: &DeviceRecord) -> StorageResult<Snapshot>;

    /// Renews a device's leases and gives it more free work (docs/sync-protocol.md, "Leases").
    fn claim(
        &self,
        device: &DeviceRecord,
        req: &aisle_proto::ClaimRequest,
    ) -> StorageResult<Vec<aisle_proto::Lease>>;

    /// Reserves a block of SSCC serial references for a device's cartons (no other device gets
    /// them).
    fn reserve_sscc_block(
        &self,
        device: &DeviceRecord,
        extension: u8,
        prefix: &str,
    ) -> StorageResult<aisle_domain::sscc::SsccBlock>;
}

/// Warehouse IT and the server's own bookkeeping: operators, imports and exports, the demo,
/// supervisor sessions, the audit log and the books audit.
pub trait Administration {
    fn add_operator(&self, op: &NewOperator) -> StorageResult<()>;

    /// Every operator, by badge.
    fn operators(&self) -> StorageResult<Vec<OperatorSummary>>;

    /// Disables a badge from now (tablets refuse its sign-in after their next sync; work it does
    /// from now on is held; its page sessions end), or enables it again.
    fn set_operator_disabled(&self, badge: &str, disabled: bool) -> StorageResult<()>;

    /// Sets (or with None clears) the language an operator's tablets and pages speak to them.
    fn set_operator_language(&self, badge: &str, language: Option<&str>) -> StorageResult<()>;

    fn import(&self, kind: ImportKind, csv: &mut dyn std::io::Read) -> StorageResult<usize>;

    fn export(&self, kind: ExportKind, out: &mut dyn std::io::Write) -> StorageResult<usize>;

    /// Fills an empty server with the demo company and its opening stock.
    fn load_demo(&self, seed: u64, items: usize) -> StorageResult<()>;

    fn stats(&self) -> StorageResult<Stats>;

    /// Checks a supervisor's badge and PIN and opens a session for `token_hash` until
    /// `expires_at`. Operators who are not supervisors are refused.
    fn open_session(
        &self,
        badge: &str,
        pin: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<SessionRecord>;

    /// The supervisor of a live session.
    fn session(&self, token_hash: &str) -> StorageResult<Option<SessionRecord>>;

    fn close_session(&self, token_hash: &str) -> StorageResult<()>;

    /// Appends to the audit log of supervisor actions.
    fn audit(&self, badge: &str, action: &str, outcome: &str) -> StorageResult<()>;

    /// The latest `limit` audit entries, newest first.
    fn audit_log(&self, limit: u32) -> StorageResult<Vec<AuditEntry>>;

    /// The books audit: stock equals the ledger, the ledger equals the applied operations, per
    /// warehouse (`aisle-server audit`).
    fn audit_books(&self) -> StorageResult<crate::books::BooksAudit>;
}

/// A supervisor's work: exceptions and their resolutions, tasks, leases, waves, shipments,
/// shortfalls, reorder policies and purchase orders. Writes, serialized with the sync engine.
pub trait Supervision {
    fn exceptions(&self, open_only: bool) -> StorageResult<Vec<Exception>>;

    /// Resolves an exception as supervisor `by` (a badge with the supervisor role).
    fn resolve_exception(
        &self,
        id: Uuid,
        by: &str,
        resolution: &Resolution,
    ) -> StorageResult<Exception>;

    /// Pick faces below their minimum as move tasks from reserve, sent to the devices.
    fn release_top_ups(&self, warehouse: &str, by: &str) -> StorageResult<Vec<Task>>;

    /// Moves every expired stock line of the warehouse (expiry before `today`) into its
    /// quarantine location, as server operations by `by` that devices pull like any other:
    /// one supervisor action. The lines moved, as the expiry list showed them.
    fn quarantine_expired(
        &self,
        warehouse: &str,
        today: NaiveDate,
        by: &str,
    ) -> StorageResult<Vec<Expiring>>;

    /// Creates a transfer of `(sku, qty)` lines from one warehouse to another: an order at the
    /// source for its devices to pick; once shipped, an expected receipt at the destination.
    fn create_transfer(
        &self,
        from: &str,
        to: &str,
        lines: &[(String, i64)],
        by: &str,
    ) -> StorageResult<String>;

    /// Closes a transfer in transit once its destination is done receiving; less received than
    /// shipped raises a `transfer_short` exception.
    fn close_transfer(&self, number: &str, by: &str) -> StorageResult<TransferClosed>;

    /// Moves stock out of quarantine (a supervisor's release, e.g. a returned item inspected and
    /// found sound) as server operations by `by`, which devices pull; expired stock stays. The
    /// stock lines moved.
    fn release_quarantine(
        &self,
        release: &Release,
        today: NaiveDate,
        by: &str,
    ) -> StorageResult<usize>;

    /// Blind count tasks for the named items, or for the most overdue items of the count plan.
    fn release_counts(
        &self,
        warehouse: &str,
        skus: &[String],
        today: NaiveDate,
        by: &str,
    ) -> StorageResult<Vec<Task>>;

    /// A blind recount of the stock behind a count exception (which stays open).
    fn recount(&self, exception: Uuid, by: &str) -> StorageResult<Task>;

    fn cancel_task(&self, id: TaskId, by: &str) -> StorageResult<Task>;

    /// The tasks of a warehouse: open ones, or the latest of any state.
    fn tasks(&self, warehouse: &str, open_only: bool) -> StorageResult<Vec<TaskLine>>;

    /// Confirms an order packed or shipped, as supervisor `by`.
    fn confirm_shipment(
        &self,
        order: &str,
        step: &Shipment,
        by: &str,
    ) -> StorageResult<OrderStatus>;

    /// An order picked short: ship what was picked, or backorder the rest (`crate::shortfall`).
    fn settle_short(
        &self,
        order: &str,
        choice: crate::shortfall::ShortChoice,
        by: &str,
    ) -> StorageResult<crate::shortfall::ShortOutcome>;

    /// The waves of a warehouse (`crate::waves`).
    fn waves(&self, warehouse: &str) -> StorageResult<Vec<crate::waves::Wave>>;

    /// A new wave of orders, held until released.
    fn create_wave(
        &self,
        warehouse: &str,
        orders: &[String],
        by: &str,
    ) -> StorageResult<crate::waves::Wave>;

    /// Releases a wave to the devices.
    fn release_wave(&self, wave: &str, by: &str) -> StorageResult<crate::waves::Wave>;

    /// Current leases of a warehouse.
    fn leases(&self, warehouse: &str) -> StorageResult<Vec<aisle_proto::Lease>>;

    /// Takes work back from whoever holds it, as supervisor `by`.
    fn release_lease(&self, work: aisle_proto::WorkRef, by: &str) -> StorageResult<()>;

    /// Gives work to a device, as supervisor `by`.
    fn assign_lease(
        &self,
        work: aisle_proto::WorkRef,
        device: DeviceId,
        by: &str,
    ) -> StorageResult<aisle_proto::Lease>;

    /// Sets the reorder policy of an item in a warehouse (replacing the item master's default).
    fn set_policy(&self, warehouse: &str, sku: &str, policy: &Policy) -> StorageResult<()>;

    /// A purchase order of `(sku, qty)` lines, from `supplier` (its code) when given, whose terms
    /// the lines must meet; it becomes expected receipt lines for the devices.
    fn create_purchase_order(
        &self,
        warehouse: &str,
        supplier: Option<&str>,
        lines: &[(String, i64)],
        expected: Option<NaiveDate>,
    ) -> StorageResult<RaisedOrder>;

    /// One purchase order per preferred supplier for a warehouse's `(sku, qty)` lines, all or
    /// none.
    fn raise_purchase_orders(
        &self,
        warehouse: &str,
        lines: &[(String, i64)],
    ) -> StorageResult<Vec<RaisedOrder>>;
}

/// The read-only pages: stock, items, locations, lots, expiry, orders, allocation, count plans,
/// demand, replenishment and valuation. Backends answer them on read connections, so a page
/// never waits behind a push.
pub trait ReadModels {
    /// Every warehouse, by code (the supervisor pages' warehouse selector).
    fn warehouses(&self) -> StorageResult<Vec<aisle_domain::master::Warehouse>>;

    /// Items matching part of a SKU, description or barcode, with stock per warehouse.
    fn stock_search(&self, q: &str, limit: u32) -> StorageResult<Vec<StockHit>>;

    /// An item in a warehouse: stock by location, daily demand, forecast with its interval.
    fn item_detail(
        &self,
        warehouse: &str,
        sku: &str,
        today: NaiveDate,
        service_level: f64,
    ) -> StorageResult<ItemDetail>;

    /// A location of a warehouse: what it holds and its latest movements.
    fn location_detail(&self, warehouse: &str, code: &str) -> StorageResult<LocationDetail>;

    /// Every stock line of a lot, in every warehouse.
    fn lot_stock(&self, lot: &str) -> StorageResult<Vec<LotStock>>;

    /// Stock expiring within `days` of `today` (or already expired), earliest first.
    fn expiring(
        &self,
        warehouse: &str,
        today: NaiveDate,
        days: u32,
    ) -> StorageResult<Vec<Expiring>>;

    /// Moves that top up pick faces below a quarter of their capacity from storage bins.
    fn face_top_ups(&self, warehouse: &str) -> StorageResult<Vec<FaceTopUp>>;

    /// Outbound orders of a warehouse with their picking and shipping state.
    fn orders(&self, warehouse: &str) -> StorageResult<Vec<OrderStatus>>;

    /// Every open order line of a warehouse allocated to stock (FEFO for dated stock, else FIFO).
    fn allocation(&self, warehouse: &str) -> StorageResult<Vec<LineAllocation>>;

    /// The cycle-count plan of a warehouse: ABC class by movement and when each item is due.
    fn count_plan(&self, warehouse: &str, today: NaiveDate) -> StorageResult<Vec<CountTask>>;

    /// Daily units picked of an item in a warehouse, for the `days` days up to `today`.
    fn demand_history(
        &self,
        warehouse: &str,
        sku: &str,
        days: u32,
        today: NaiveDate,
    ) -> StorageResult<Vec<(NaiveDate, i64)>>;

    /// The demand series a forecast of the item reads (`inventory::demand_series`): from its first
    /// movement in the warehouse, censored days (no stock, no pick) as `None`.
    fn demand_series(
        &self,
        warehouse: &str,
        sku: &str,
        days: u32,
        today: NaiveDate,
    ) -> StorageResult<Vec<Option<f64>>>;

    /// Every item with a policy in a warehouse: position, forecast and what to order now.
    fn replenishment(
        &self,
        warehouse: &str,
        today: NaiveDate,
        service_level: f64,
    ) -> StorageResult<Vec<ReplenishmentLine>>;

    /// Stock of a warehouse valued at unit cost, by item.
    fn valuation(&self, warehouse: &str) -> StorageResult<Valuation>;

    /// Where each exception happened and who did the work that raised it: the location's code
    /// and the badge on the first operation, for the supervisor's grouping (open ones only,
    /// unless `open_only` is false).
    fn exception_context(&self, open_only: bool) -> StorageResult<Vec<ExceptionContext>>;

    /// A warehouse's recent activity for the dashboard: sync activity and picks per hour over the
    /// last day, exceptions per day over the last two weeks, up to `now`.
    fn activity(
        &self,
        warehouse: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<crate::inventory::Activity>;

    /// A warehouse's purchase orders, newest first.
    fn purchase_orders(&self, warehouse: &str) -> StorageResult<Vec<PurchaseOrderSummary>>;

    /// A warehouse's customer returns, newest first (at most `limit`).
    fn returns(&self, warehouse: &str, limit: u32) -> StorageResult<Vec<ReturnLine>>;

    /// The transfers into or out of a warehouse, newest first.
    fn transfers(&self, warehouse: &str) -> StorageResult<Vec<TransferSummary>>;

    /// A warehouse's cartons (of one order, when given), by SSCC.
    fn cartons(&self, warehouse: &str, order: Option<&str>) -> StorageResult<Vec<Carton>>;

    /// A warehouse's shipments of cartons, newest first (at most `limit`).
    fn shipments(&self, warehouse: &str, limit: u32) -> StorageResult<Vec<ShipmentSummary>>;

    /// The packing slip of a shipment of cartons (`None`: no such shipment).
    fn packing_slip(
        &self,
        shipment: &str,
    ) -> StorageResult<Option<aisle_labels::slip::PackingSlip>>;

    /// What a carton's label says (`None`: no such carton).
    fn carton_label(&self, sscc: &str) -> StorageResult<Option<aisle_labels::carton::CartonLabel>>;
}

/// Everything a backend provides; handlers hold an `Arc<dyn Storage>`. Implemented for every type
/// that implements the four parts.
pub trait Storage:
    SyncEngine + Administration + Supervision + ReadModels + std::fmt::Debug + Send + Sync + 'static
{
}

impl<T> Storage for T where
    T: SyncEngine
        + Administration
        + Supervision
        + ReadModels
        + std::fmt::Debug
        + Send
        + Sync
        + 'static
{
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(seen_ago_s: Option<i64>, now: DateTime<Utc>) -> DeviceRecord {
        DeviceRecord {
            id: DeviceId::new(),
            name: "D1".into(),
            warehouse_id: WarehouseId::new(),
            warehouse_code: "WH1".into(),
            enrolled_at: now,
            revoked: false,
            last_seen_at: seen_ago_s.map(|s| now - chrono::Duration::seconds(s)),
            durable_seq: 4,
            app_version: "1.2.0".into(),
            log_end: Some(9),
            clock_offset_s: Some(3),
        }
    }

    /// A contact is written again when it says something new, when the device was never seen
    /// (its first request ends its enrolment code's retry window) or not for a minute.
    #[test]
    fn a_contact_is_noted_again_only_when_it_says_something_new_or_a_minute_passed() {
        let now = Utc::now();
        let same = Contact {
            app_version: Some("1.2.0".into()),
            log_end: Some(9),
            clock_offset_s: Some(4),
        };
        assert!(same.already_noted(&device(Some(10), now), now));
        assert!(Contact::default().already_noted(&device(Some(10), now), now));
        assert!(!same.already_noted(&device(None, now), now), "never seen");
        assert!(
            !same.already_noted(&device(Some(60), now), now),
            "a minute ago"
        );
        assert!(
            !same.already_noted(&device(Some(-5), now), now),
            "seen in the future"
        );
        let newer = |c: Contact| !c.already_noted(&device(Some(10), now), now);
        assert!(newer(Contact {
            log_end: Some(10),
            ..same.clone()
        }));
        assert!(newer(Contact {
            app_version: Some("1.3.0".into()),
            ..same.clone()
        }));
        assert!(newer(Contact {
            clock_offset_s: Some(5),
            ..same.clone()
        }));
    }
}
