//! The sync protocol's wire types, shared by the device's sync client and the server, so both
//! sides serialize exactly the same shapes. Documented in `docs/sync-protocol.md`.

#![forbid(unsafe_code)]

use aisle_domain::master::{Item, LicensePlate, Location, Warehouse};
use aisle_domain::op::ChangeLogEntry;
use aisle_domain::{
    DeviceId, ItemId, LocationId, OpId, OrderLineId, ReceiptLineId, Said, StockKey, TaskId,
    WarehouseId,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of this protocol, sent by clients in the [`PROTOCOL_HEADER`] header. The server refuses
/// versions it does not speak with a clear error instead of misreading them.
pub const PROTOCOL_VERSION: u32 = 1;
pub const PROTOCOL_HEADER: &str = "aisle-protocol";
/// Optional headers a device sends with every call: its app version, and the highest sequence
/// number in its change log, so the server can show how much work waits on each device.
pub const APP_VERSION_HEADER: &str = "aisle-app-version";
pub const LOG_END_HEADER: &str = "aisle-log-end";
/// The device's clock when it sent the call (RFC 3339): the server measures the device's clock
/// offset from it and corrects the times of the device's operations.
pub const DEVICE_TIME_HEADER: &str = "aisle-device-time";

/// Largest number of change-log entries in one push.
pub const MAX_PUSH_ENTRIES: usize = 10_000;
/// Default and largest page of operations in one pull.
pub const DEFAULT_PULL_LIMIT: u32 = 2_000;
pub const MAX_PULL_LIMIT: u32 = 10_000;

/// `POST /v1/enroll`: a device exchanges a one-time code for its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_id: DeviceId,
    pub name: String,
    pub app_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: DeviceId,
    /// Bearer token for every later call. Shown once; the server keeps only its hash.
    pub token: String,
    pub warehouse_id: WarehouseId,
    pub warehouse_code: String,
    /// Identity of the server's database. A different epoch later means the server was replaced
    /// or restored from a backup, and the device must not trust its cursors.
    pub epoch: Uuid,
}

/// `POST /v1/push`: the next entries of the device's change log, in sequence order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub device_id: DeviceId,
    pub epoch: Uuid,
    pub entries: Vec<ChangeLogEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Highest sequence number of this device now durable on the server.
    pub durable_seq: u64,
    /// Entries applied by this request.
    pub applied: u32,
    /// Entries the server already had (a retried request): acknowledged, not applied again.
    pub duplicates: u32,
}

/// Query of `GET /v1/pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullQuery {
    /// Last server sequence number the device has applied.
    pub cursor: u64,
    /// Last revision of master data, work and exceptions the device has.
    pub rev: u64,
    pub limit: Option<u32>,
    /// Ask for the stock rows that changed after `cursor` (`stock`) instead of every operation
    /// that changed them (`ops`): a page then costs what changed, not how much was recorded.
    /// Older apps leave it out and get operations, as before.
    #[serde(default)]
    pub state: bool,
}

/// A stock row of the device's warehouse as it stands after the last operation that changed it
/// (`seq`, a server sequence number); `qty` 0 means it was emptied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockChange {
    pub key: StockKey,
    pub qty: i64,
    pub seq: u64,
    /// The first operation that put stock on this key, so that a device can still take the
    /// oldest first (FIFO) without the operations themselves.
    #[serde(default)]
    pub first_op: Option<OpId>,
}

/// One operation as the server logged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerOp {
    pub server_seq: u64,
    pub entry: ChangeLogEntry,
}

/// Master data changed since a revision (all of it in a snapshot).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MasterData {
    pub warehouses: Vec<Warehouse>,
    pub locations: Vec<Location>,
    pub items: Vec<Item>,
    /// Operators who may sign in on devices, with their PIN hashes, so sign-in works offline.
    #[serde(default)]
    pub operators: Vec<OperatorRecord>,
}

/// An operator as devices know them. The PIN is only ever an argon2 hash (PHC string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRecord {
    pub badge: String,
    pub name: String,
    /// `operator` or `supervisor` (`disabled`: a supervisor disabled the badge).
    pub role: String,
    pub pin_hash: String,
    /// The language a supervisor set for this operator (`en`, `de`, `es`), if any: the tablets
    /// speak it after sign-in unless the operator chose another there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// A line of an expected receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub id: ReceiptLineId,
    pub receipt: String,
    pub line: u32,
    pub warehouse_id: WarehouseId,
    pub item_id: ItemId,
    pub expected_qty: i64,
    pub received_qty: i64,
    pub expected_date: Option<NaiveDate>,
}

/// A line of an outbound order (pick work).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub id: OrderLineId,
    pub order: String,
    pub line: u32,
    pub warehouse_id: WarehouseId,
    pub item_id: ItemId,
    pub qty: i64,
    pub picked_qty: i64,
    pub customer: Option<String>,
    /// The order is shipped: final, no more picks count against it (absent from older servers).
    #[serde(default)]
    pub shipped: bool,
    /// Days of shelf life the customer needs left on dated stock (the item's own minimum applies
    /// too: the larger wins; `aisle_domain::shelf_life`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_shelf_life_days: Option<u32>,
    /// Packed into cartons so far, and in cartons that shipped (absent from older servers).
    #[serde(default)]
    pub packed_qty: i64,
    #[serde(default)]
    pub shipped_qty: i64,
}

/// What went into a carton of one order line (or item, and lot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartonContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line: Option<OrderLineId>,
    pub item_id: ItemId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    pub qty: i64,
}

/// A carton as the server knows it: its order, contents, weight and the shipment that took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carton {
    pub sscc: String,
    /// Empty when a shipment named the carton before anything packed into it reached the server.
    pub order: String,
    pub warehouse_id: WarehouseId,
    pub contents: Vec<CartonContent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_g: Option<i64>,
    #[serde(default)]
    pub closed: bool,
    /// The shipment (its operation's id) that took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<OpId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

/// What a task asks a device to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskWork {
    /// Move `qty` of an item (of a lot, when given) from one location to another: a pick-face
    /// top-up from reserve.
    Move {
        item_id: ItemId,
        from: LocationId,
        to: LocationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lot: Option<String>,
        /// The lot's expiry, so that the move takes exactly that stock (absent from older
        /// servers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expiry: Option<NaiveDate>,
        qty: i64,
    },
    /// Count an item at a location (a cycle count, or a recount a supervisor asked for).
    Count {
        item_id: ItemId,
        location_id: LocationId,
        blind: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Work the server sends to the devices of a warehouse. A device carries it out with an
/// ordinary move or count that names the task; the server marks it done when that arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub warehouse_id: WarehouseId,
    #[serde(flatten)]
    pub work: TaskWork,
    /// Why it exists, in English.
    pub reason: String,
    /// The same reason as a catalog key with its values, for a reader in another language
    /// (absent on tasks made before servers kept it: those show `reason`'s English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_said: Option<aisle_domain::said::Said>,
    pub status: TaskStatus,
    /// Units moved so far (moves), or counts recorded (counts).
    pub done_qty: i64,
    pub created_at: DateTime<Utc>,
    /// A recount of a bin where a picker did not find the stock: until it is counted, nothing is
    /// allocated or picked from the item at that location (absent from older servers).
    #[serde(default)]
    pub blocks_picking: bool,
}

pub use aisle_domain::reconcile::ExceptionKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionStatus {
    Open,
    Resolved,
}

/// A disagreement for a supervisor, linked to the operations involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub id: Uuid,
    pub kind: ExceptionKind,
    pub warehouse_id: WarehouseId,
    pub device_id: Option<DeviceId>,
    /// The operation that raised it first, then any earlier ones involved.
    pub op_ids: Vec<OpId>,
    pub location_id: Option<LocationId>,
    pub key: Option<StockKey>,
    /// The message in English.
    pub message: String,
    /// The message's catalog key and values, for a reader in another language (absent on
    /// exceptions raised before servers kept it: those are shown in `message`'s English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<aisle_domain::said::Said>,
    pub status: ExceptionStatus,
    pub created_at: DateTime<Utc>,
    pub resolution: Option<String>,
}

pub use aisle_domain::admission::WorkRef;

/// Work assigned to one device until `expires_at` (renewed at each of its syncs). Only its holder
/// works it; the server does not count work on it by anyone else while the lease lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub work: WorkRef,
    /// The work in words: `SO-1001/2` for an order line, the task's reason for a task.
    #[serde(default)]
    pub reference: String,
    pub device_id: DeviceId,
    pub device_name: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /v1/claims`: renew this device's leases and take more work, up to `orders` whole orders
/// and `tasks` tasks held at once (0 takes nothing new).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    #[serde(default)]
    pub orders: u32,
    #[serde(default)]
    pub tasks: u32,
}

/// The answer to a claim: every lease this device now holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimResponse {
    pub leases: Vec<Lease>,
}

/// Stock of an item in a warehouse other than the device's own: a summary, not a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockSummary {
    pub warehouse_id: WarehouseId,
    pub item_id: ItemId,
    pub qty: i64,
}

/// `GET /v1/pull`: a page of everything since the device's cursors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub epoch: Uuid,
    /// Operations of the device's warehouse by other devices and the server, in server order.
    pub ops: Vec<ServerOp>,
    /// The cursor to send next time (the last server sequence covered by this page).
    pub cursor: u64,
    /// More operations are waiting: pull again with the new cursor.
    pub more: bool,
    /// Changes since `rev`, delivered with the first page.
    pub master: MasterData,
    pub receipt_lines: Vec<ReceiptLine>,
    pub order_lines: Vec<OrderLine>,
    pub exceptions: Vec<Exception>,
    /// Current totals of other warehouses (replace what the device had).
    pub other_warehouses: Vec<StockSummary>,
    pub rev: u64,
    /// Tasks for the device's warehouse changed since `rev` (absent from servers before tasks).
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// License plates of the device's warehouse changed since `rev` (absent from older servers).
    #[serde(default)]
    pub plates: Vec<LicensePlate>,
    /// Every current lease of the device's warehouse (replaces what the device had).
    #[serde(default)]
    pub leases: Vec<Lease>,
    /// Cartons of the device's warehouse changed since `rev` (absent from older servers).
    #[serde(default)]
    pub cartons: Vec<Carton>,
    /// Goods in transit between warehouses, per destination warehouse and item: shipped on
    /// transfers and not yet received (replaces what the device had; absent from older servers).
    #[serde(default)]
    pub in_transit: Vec<StockSummary>,
    /// Asked with `state`: the stock rows changed after the cursor, up to the page's cursor.
    #[serde(default)]
    pub stock: Vec<StockChange>,
    /// Asked with `state`: how much of the device's own change log `stock` holds (its durable
    /// sequence when the page was read). The device adds its later operations on top.
    #[serde(default)]
    pub durable_seq: u64,
}

/// One line of stock in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRow {
    pub key: StockKey,
    pub qty: i64,
}

/// `GET /v1/snapshot`: what a new device starts from, consistent with `cursor` and `rev`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub epoch: Uuid,
    pub cursor: u64,
    pub rev: u64,
    pub master: MasterData,
    /// Stock of the device's warehouse.
    pub stock: Vec<StockRow>,
    pub receipt_lines: Vec<ReceiptLine>,
    pub order_lines: Vec<OrderLine>,
    pub exceptions: Vec<Exception>,
    pub other_warehouses: Vec<StockSummary>,
    /// Open tasks of the device's warehouse.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// License plates of the device's warehouse (absent from older servers).
    #[serde(default)]
    pub plates: Vec<LicensePlate>,
    /// Every current lease of the device's warehouse.
    #[serde(default)]
    pub leases: Vec<Lease>,
    /// Cartons of the device's warehouse that have not shipped (absent from older servers).
    #[serde(default)]
    pub cartons: Vec<Carton>,
    /// Goods in transit between warehouses, per destination warehouse and item.
    #[serde(default)]
    pub in_transit: Vec<StockSummary>,
}

/// Every error response's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable name to branch on (`unauthorized`, `forbidden`, `sequence_gap`, `conflict`, ...).
    pub kind: String,
    /// In English.
    pub message: String,
    /// For `sequence_gap`: the sequence number the server expects next from this device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<u64>,
    /// The message's catalog key and values, where the server has them, for a reader in another
    /// language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<aisle_domain::said::Said>,
}

/// What an enrolment QR code holds: `aisle-enroll:1?server=URL&code=CODE`, and `&ca=…` (the
/// warehouse CA's PEM certificate, base64url) when the server's certificate is signed by the
/// warehouse's own CA. Warehouse IT prints it; the tablet scans it instead of typing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentPayload {
    pub server: String,
    pub code: String,
    /// The CA certificate to trust for this server (PEM).
    pub ca_pem: Option<String>,
}

impl EnrolmentPayload {
    const PREFIX: &'static str = "aisle-enroll:1?";

    pub fn encode(&self) -> String {
        use base64::Engine;
        let mut s = format!("{}server={}&code={}", Self::PREFIX, self.server, self.code);
        if let Some(ca) = &self.ca_pem {
            s.push_str("&ca=");
            s.push_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ca.as_bytes()));
        }
        s
    }

    /// Reads a scanned payload, saying what is wrong with a bad one.
    pub fn parse(text: &str) -> Result<Self, Said> {
        use aisle_domain::said;
        use base64::Engine;
        let query = text.trim().strip_prefix(Self::PREFIX).ok_or_else(|| {
            said!(
                "enrol.not_a_code",
                "{text:?} is not an Aisle enrolment code (it must start with {prefix:?})",
                text = text,
                prefix = Self::PREFIX
            )
        })?;
        let (mut server, mut code, mut ca_pem) = (None, None, None);
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("server", v)) if !v.is_empty() => server = Some(v.to_string()),
                Some(("code", v)) if !v.is_empty() => code = Some(v.to_string()),
                Some(("ca", v)) if !v.is_empty() => {
                    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(v)
                        .map_err(|e| {
                            said!(
                                "enrol.ca_damaged",
                                "the CA certificate in the enrolment code is damaged ({reason})",
                                reason = e
                            )
                        })?;
                    let pem = String::from_utf8(bytes).map_err(|_| {
                        said!(
                            "enrol.ca_not_text",
                            "the CA certificate in the enrolment code is not text"
                        )
                    })?;
                    if !pem.contains("-----BEGIN CERTIFICATE-----") {
                        return Err(said!(
                            "enrol.ca_not_pem",
                            "the CA in the enrolment code is not a PEM certificate"
                        ));
                    }
                    ca_pem = Some(pem);
                }
                _ => {
                    return Err(said!(
                        "enrol.unexpected_part",
                        "unexpected part {part:?} in the enrolment code",
                        part = pair
                    ));
                }
            }
        }
        match (server, code) {
            (Some(server), Some(code)) => Ok(Self {
                server,
                code,
                ca_pem,
            }),
            _ => Err(said!(
                "enrol.code_incomplete",
                "the enrolment code lacks the server address or the code"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrolment_payloads_round_trip_and_bad_ones_are_explained() {
        let p = EnrolmentPayload {
            server: "http://10.1.2.3:8740".into(),
            code: "K7QX2M9PLA".into(),
            ca_pem: None,
        };
        assert_eq!(EnrolmentPayload::parse(&p.encode()), Ok(p.clone()));
        let with_ca = EnrolmentPayload {
            ca_pem: Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()),
            ..p
        };
        let encoded = with_ca.encode();
        assert!(
            !encoded.contains('\n') && !encoded.contains('+'),
            "{encoded}"
        );
        assert_eq!(EnrolmentPayload::parse(&encoded), Ok(with_ca));
        assert!(
            EnrolmentPayload::parse("aisle-enroll:1?server=a&code=b&ca=!!")
                .unwrap_err()
                .contains("damaged")
        );
        assert!(
            EnrolmentPayload::parse("https://example.com")
                .unwrap_err()
                .contains("not an Aisle enrolment code")
        );
        assert!(
            EnrolmentPayload::parse("aisle-enroll:1?server=http://x")
                .unwrap_err()
                .contains("lacks")
        );
        assert!(
            EnrolmentPayload::parse("aisle-enroll:1?server=a&code=b&x=1")
                .unwrap_err()
                .contains("\"x=1\"")
        );
    }
}

#[cfg(test)]
mod compatibility {
    use super::*;

    /// A page from a server that predates tasks, and one from a newer server with fields this
    /// build does not know: both read, so neither side has to upgrade first.
    #[test]
    fn pages_from_older_and_newer_servers_read() {
        let old = serde_json::json!({
            "epoch": Uuid::nil(), "ops": [], "cursor": 3, "more": false,
            "master": { "warehouses": [], "locations": [], "items": [] },
            "receipt_lines": [], "order_lines": [], "exceptions": [], "other_warehouses": [], "rev": 7
        });
        let page: PullResponse = serde_json::from_value(old.clone()).unwrap();
        assert!(page.tasks.is_empty() && page.master.operators.is_empty());
        let mut newer = old;
        newer["tasks"] = serde_json::json!([]);
        newer["something_new"] = serde_json::json!({ "x": 1 });
        let page: PullResponse = serde_json::from_value(newer).unwrap();
        assert_eq!((page.cursor, page.rev), (3, 7));
    }

    /// A task and a message from a newer server, with fields this build does not know (inside
    /// the task's flattened work and inside its reason), still read: a tablet of the last
    /// release goes on syncing with a server of the next. And a task without `reason_said` (an
    /// older server) reads with none.
    #[test]
    fn tasks_and_messages_with_fields_of_a_newer_server_read() {
        let task = Task {
            id: TaskId::new(),
            warehouse_id: WarehouseId::new(),
            work: TaskWork::Count {
                item_id: ItemId::new(),
                location_id: LocationId::new(),
                blind: true,
            },
            reason: "cycle count of HAR-00001".into(),
            reason_said: Some(aisle_domain::said!(
                "tasks.top_up",
                "top up pick face {face}: it holds {holds} of {capacity} {sku}; bring {qty} from {from}",
                face = "A-01",
                holds = 1,
                capacity = 40,
                sku = "HAR-00001",
                qty = 39,
                from = "R-01"
            )),
            status: TaskStatus::Open,
            done_qty: 0,
            created_at: Utc::now(),
            blocks_picking: false,
        };
        let mut json = serde_json::to_value(&task).unwrap();
        assert_eq!(json["reason_said"]["forms"]["qty"], "number");
        json["something_new"] = serde_json::json!(1);
        json["reason_said"]["tone"] = serde_json::json!("calm");
        let read: Task = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(read, task);
        json.as_object_mut().unwrap().remove("reason_said");
        let older: Task = serde_json::from_value(json).unwrap();
        assert_eq!(older.reason_said, None);
    }
}
