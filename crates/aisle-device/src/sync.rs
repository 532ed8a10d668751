//! The device side of sync: enrolment, then push, snapshot (first time) and pull.
//!
//! Every step is resumable: the push cursor moves only when the server has acknowledged entries as
//! durable, and each pulled page is applied in one transaction together with its cursor, so an
//! interrupted sync simply continues from where it stopped. Sync may run on its own connection
//! while scans are recorded on another: each step is a short immediate transaction.

use crate::authority::take_back_held;
use crate::master::{upsert_item, upsert_location, upsert_plates};
use crate::record::{apply, apply_deltas};
use crate::{DeviceError, Result, Store};
use aisle_domain::ledger::{Delta, StockKey, net};
use aisle_domain::master::LicensePlate;
use aisle_domain::op::ChangeLogEntry;
use aisle_domain::{Said, said};
use aisle_proto::{
    APP_VERSION_HEADER, ClaimRequest, ClaimResponse, DEVICE_TIME_HEADER, EnrollRequest,
    EnrollResponse, ErrorBody, Exception, LOG_END_HEADER, Lease, MasterData, OperatorRecord,
    OrderLine, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushResponse, ReceiptLine,
    Snapshot, StockSummary, Task,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// What this build calls itself to the server.
const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Entries per push request.
const PUSH_BATCH: u64 = aisle_proto::MAX_PUSH_ENTRIES as u64;
/// Requests bodies larger than this are gzip-compressed.
const COMPRESS_ABOVE: usize = 16 * 1024;

/// How hard to try before giving up on an unreachable server.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub timeout: Duration,
    pub pull_limit: u32,
    /// Work to claim at this sync (renewing what the device holds); `None` claims nothing and
    /// leaves the device's leases to run out.
    pub claim: Option<ClaimRequest>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_backoff: Duration::from_millis(250),
            timeout: Duration::from_secs(30),
            pull_limit: 10_000,
            claim: None,
        }
    }
}

/// Which step a sync is in, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Push,
    Snapshot,
    Pull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    /// Known for pushes (entries waiting); unknown for pulls until the last page.
    pub total: Option<u64>,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: u64,
    pub duplicates: u64,
    pub snapshot: bool,
    pub pulled: u64,
    pub pages: u32,
    pub exceptions: u64,
    pub pending: u64,
    pub cursor: u64,
    /// Leases this device holds after the sync's claim (0 when it claimed nothing).
    pub claimed: u64,
    /// What went wrong after the push and pull committed (the server refused a block of carton
    /// numbers): the sync itself succeeded.
    pub warnings: Vec<Said>,
}

/// Where this device syncs to, once enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncState {
    pub server_url: Option<String>,
    pub epoch: Option<Uuid>,
    pub pushed_seq: u64,
    pub pull_cursor: u64,
    pub rev: u64,
    pub bootstrapped: bool,
    pub last_sync_at: Option<String>,
    #[serde(skip)]
    token: Option<String>,
}

struct Client {
    http: reqwest::blocking::Client,
    base: String,
    token: Option<String>,
    options: SyncOptions,
    /// The end of this device's change log when the client was made, sent with every call.
    log_end: Option<u64>,
}

/// A transport failure with its causes (the TLS or DNS reason is in the source chain).
fn network(e: impl std::error::Error) -> DeviceError {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    DeviceError::Network(text)
}

/// How a device reaches its server: the CA to trust beyond the public ones, and whether plain
/// HTTP to a host other than this machine is allowed.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    /// A PEM certificate of the warehouse's own CA.
    pub ca_pem: Option<String>,
    /// Plain HTTP beyond loopback: the token travels unencrypted. Only on a network you trust.
    pub allow_plain_http: bool,
}

/// Refuses a server address that would send the token in the clear over a network, unless
/// that is explicitly allowed.
pub fn check_server_url(server: &str, allow_plain_http: bool) -> Result<()> {
    let url = url::Url::parse(server.trim()).map_err(|e| {
        DeviceError::Invalid(said!(
            "sync.not_server_address_like",
            "{server:?} is not a server address like https://aisle.example:8740 ({reason})",
            server = server,
            reason = e
        ))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback || allow_plain_http => Ok(()),
        "http" => Err(DeviceError::Invalid(said!(
            "sync.plain_http_would_send",
            "plain HTTP to {host} would send this device's token and work unencrypted; use https:// (with the warehouse's CA certificate if it has its own), or allow plain HTTP explicitly on a network you trust",
            host = url.host_str().unwrap_or("the server")
        ))),
        other => Err(DeviceError::Invalid(said!(
            "sync.not_server_address_use",
            "{other}:// is not a server address; use https://",
            other = other
        ))),
    }
}

impl Client {
    fn new(
        base: &str,
        token: Option<String>,
        options: SyncOptions,
        ca_pem: Option<&str>,
    ) -> Result<Self> {
        let mut builder = reqwest::blocking::Client::builder()
            .timeout(options.timeout)
            .gzip(true);
        if let Some(pem) = ca_pem {
            let ca = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| {
                DeviceError::Invalid(said!(
                    "sync.ca_certificate_not_pem",
                    "the CA certificate is not a PEM certificate: {reason}",
                    reason = e
                ))
            })?;
            builder = builder.add_root_certificate(ca);
        }
        let http = builder.build().map_err(network)?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            options,
            log_end: None,
        })
    }

    /// Sends a request, retrying with backoff while the server is unreachable or failing (5xx).
    fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&impl Serialize>,
        query: &[(&str, String)],
    ) -> Result<T> {
        let body = match body {
            Some(b) => Some(serde_json::to_vec(b)?),
            None => None,
        };
        self.call_with(method, path, body, query)
    }

    /// [`Client::call`] with the body already encoded as JSON.
    fn call_with<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
        query: &[(&str, String)],
    ) -> Result<T> {
        let mut delay = self.options.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.options.attempts.max(1) {
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
                .header(APP_VERSION_HEADER, APP_VERSION)
                .header(DEVICE_TIME_HEADER, chrono::Utc::now().to_rfc3339())
                .query(query);
            if let Some(end) = self.log_end {
                req = req.header(LOG_END_HEADER, end.to_string());
            }
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = &body {
                req = req.header(reqwest::header::CONTENT_TYPE, "application/json");
                req = if b.len() > COMPRESS_ABOVE {
                    req.header(reqwest::header::CONTENT_ENCODING, "gzip")
                        .body(gzip(b)?)
                } else {
                    req.body(b.clone())
                };
            }
            match req.send() {
                Ok(resp) if resp.status().is_success() => return resp.json::<T>().map_err(network),
                Ok(resp) if resp.status().is_server_error() => {
                    last = format!("HTTP {}", resp.status())
                }
                // Told to slow down: wait as long as the server asks (within reason), then retry.
                Ok(resp) if resp.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                    let asked = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map_or(delay, Duration::from_secs);
                    delay = delay.max(asked).min(Duration::from_secs(10));
                    last = "the server asked this device to slow down (HTTP 429)".into();
                }
                Ok(resp) => {
                    let status = resp.status();
                    let body: ErrorBody = resp.json().unwrap_or(ErrorBody {
                        kind: "http".into(),
                        message: format!("HTTP {status}"),
                        expected_seq: None,
                        said: None,
                    });
                    return Err(match body.expected_seq {
                        Some(expected) if body.kind == "sequence_gap" => {
                            DeviceError::SequenceGap { expected }
                        }
                        // The server's words in the operator's language where it sent their key.
                        _ => DeviceError::Sync {
                            kind: body.kind,
                            message: Box::new(
                                body.said
                                    .unwrap_or_else(|| Said::untranslated(body.message)),
                            ),
                        },
                    });
                }
                Err(e) => {
                    last = match network(e) {
                        DeviceError::Network(text) => text,
                        other => other.to_string(),
                    }
                }
            }
            if attempt < self.options.attempts {
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(8));
            }
        }
        Err(DeviceError::Network(last))
    }
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).map_err(network)?;
    enc.finish().map_err(network)
}

fn read_state(conn: &Connection) -> Result<SyncState> {
    Ok(conn.query_row(
        "SELECT server_url, token, epoch, pushed_seq, pull_cursor, rev, bootstrapped, last_sync_at FROM sync_state",
        [],
        |r| {
            Ok(SyncState {
                server_url: r.get(0)?,
                token: r.get(1)?,
                epoch: r.get::<_, Option<String>>(2)?.and_then(|e| e.parse().ok()),
                pushed_seq: r.get::<_, i64>(3)? as u64,
                pull_cursor: r.get::<_, i64>(4)? as u64,
                rev: r.get::<_, i64>(5)? as u64,
                bootstrapped: r.get(6)?,
                last_sync_at: r.get(7)?,
            })
        },
    )?)
}

fn check_epoch(state: &SyncState, epoch: Uuid) -> Result<()> {
    match state.epoch {
        Some(e) if e != epoch => Err(DeviceError::Sync {
            kind: "epoch_mismatch".into(),
            message: Box::new(said!(
                "sync.epoch_mismatch",
                "the server's database is {theirs}, not {ours} that this device enrolled with: it was replaced or restored from a backup. Nothing was changed here; warehouse IT must reconcile",
                theirs = epoch,
                ours = e
            )),
        }),
        _ => Ok(()),
    }
}

fn upsert_master(tx: &Connection, m: &MasterData) -> Result<()> {
    for w in &m.warehouses {
        let clash: Option<String> = tx
            .query_row(
                "SELECT id FROM warehouses WHERE code = ?1 AND id <> ?2",
                params![w.code, w.id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if clash.is_some() {
            return Err(DeviceError::Invalid(said!(
                "sync.warehouse_exists_device_with",
                "warehouse {code} exists on this device with another identity; enrol a fresh store",
                code = w.code
            )));
        }
        tx.execute(
            "INSERT INTO warehouses (id, code, name, refuse_over_capacity) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET code = excluded.code, name = excluded.name, refuse_over_capacity = excluded.refuse_over_capacity",
            params![
                w.id.to_string(),
                w.code,
                w.name,
                i64::from(w.refuse_over_capacity)
            ],
        )?;
    }
    for l in &m.locations {
        upsert_location(tx, l)?;
    }
    for i in &m.items {
        upsert_item(tx, i)?;
    }
    for o in &m.operators {
        tx.prepare_cached(
            "INSERT INTO operators (badge, name, role, pin_hash, language) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(badge) DO UPDATE SET name = excluded.name, role = excluded.role,
                 pin_hash = excluded.pin_hash, language = excluded.language",
        )?
        .execute(params![o.badge, o.name, o.role, o.pin_hash, o.language])?;
    }
    Ok(())
}

/// A downloaded line named by its id or by `DOCUMENT/LINE`.
fn find_line<'a, Id: Copy + std::str::FromStr + PartialEq>(
    reference: &str,
    what: &'static str,
    lines: impl Iterator<Item = (Id, &'a str, u32)>,
) -> Result<Id> {
    let reference = reference.trim();
    let by_id = reference.parse::<Id>().ok();
    let by_ref = reference
        .rsplit_once('/')
        .and_then(|(doc, n)| Some((doc, n.parse::<u32>().ok()?)));
    lines
        .filter(|(id, doc, n)| by_id == Some(*id) || by_ref == Some((*doc, *n)))
        .map(|(id, ..)| id)
        .next()
        .ok_or(DeviceError::NotFound {
            what,
            key: format!("{reference} (give DOCUMENT/LINE, e.g. SO-1001/2, or the line's id; sync to download work)"),
        })
}

fn store_json<T: Serialize>(tx: &Connection, table: &str, id: String, value: &T) -> Result<()> {
    let sql = format!(
        "INSERT INTO {table} (id, line) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET line = excluded.line"
    );
    tx.prepare_cached(&sql)?
        .execute(params![id, serde_json::to_string(value)?])?;
    Ok(())
}

/// What a pull page or a snapshot brings besides operations and master data.
struct Work<'a> {
    receipts: &'a [ReceiptLine],
    orders: &'a [OrderLine],
    exceptions: &'a [Exception],
    others: &'a [StockSummary],
    tasks: &'a [Task],
    plates: &'a [LicensePlate],
    leases: &'a [Lease],
    cartons: &'a [aisle_proto::Carton],
    in_transit: &'a [StockSummary],
}

fn store_work(tx: &Connection, work: Work<'_>) -> Result<()> {
    let Work {
        receipts,
        orders,
        exceptions,
        others,
        tasks,
        plates,
        leases,
        cartons,
        in_transit,
    } = work;
    upsert_plates(tx, plates)?;
    for c in cartons {
        store_json(tx, "cartons", c.sscc.clone(), c)?;
    }
    // Leases come whole with every page: who holds what now.
    tx.execute("DELETE FROM leases", [])?;
    for l in leases {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO leases (work, device_id, device_name, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            format!("{}:{}", l.work.kind(), l.work.id_text()),
            l.device_id.to_string(),
            l.device_name,
            l.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ])?;
    }
    for r in receipts {
        store_json(tx, "receipt_lines", r.id.to_string(), r)?;
    }
    for o in orders {
        store_json(tx, "order_lines", o.id.to_string(), o)?;
    }
    for x in exceptions {
        tx.prepare_cached(
            "INSERT INTO exceptions (id, status, body) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET status = excluded.status, body = excluded.body",
        )?
        .execute(params![x.id.to_string(), format!("{:?}", x.status).to_ascii_lowercase(), serde_json::to_string(x)?])?;
    }
    for t in tasks {
        tx.prepare_cached(
            "INSERT INTO tasks (id, status, body) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET status = excluded.status, body = excluded.body",
        )?
        .execute(params![t.id.to_string(), t.status.as_str(), serde_json::to_string(t)?])?;
    }
    tx.execute("DELETE FROM in_transit", [])?;
    for s in in_transit {
        tx.prepare_cached(
            "INSERT INTO in_transit (warehouse_id, item_id, qty) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![
            s.warehouse_id.to_string(),
            s.item_id.to_string(),
            s.qty
        ])?;
    }
    tx.execute("DELETE FROM other_stock", [])?;
    for s in others {
        tx.prepare_cached(
            "INSERT INTO other_stock (warehouse_id, item_id, qty) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![
            s.warehouse_id.to_string(),
            s.item_id.to_string(),
            s.qty
        ])?;
    }
    Ok(())
}

impl Store {
    /// Where this device syncs to and how far it has got.
    pub fn sync_state(&self) -> Result<SyncState> {
        read_state(&self.conn)
    }

    /// Exchanges a one-time enrolment code for this device's token. Only a store without
    /// stand-alone data can be enrolled: its work must all be work the server can account for.
    pub fn enroll(
        &mut self,
        server_url: &str,
        code: &str,
        options: SyncOptions,
    ) -> Result<EnrollResponse> {
        self.enroll_with(server_url, code, options, &Transport::default())
    }

    /// [`Store::enroll`] with a CA to trust and the plain-HTTP choice.
    pub fn enroll_with(
        &mut self,
        server_url: &str,
        code: &str,
        options: SyncOptions,
        transport: &Transport,
    ) -> Result<EnrollResponse> {
        check_server_url(server_url, transport.allow_plain_http)?;
        let device = self.device()?;
        let state = self.sync_state()?;
        if state.token.is_some() {
            return Err(DeviceError::Invalid(said!(
                "sync.device_already_enrolled_with",
                "this device is already enrolled with {server}",
                server = state.server_url.clone().unwrap_or_default()
            )));
        }
        let ops: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM change_log", [], |r| r.get(0))?;
        let items = self.item_count()?;
        if ops > 0 || items > 0 {
            return Err(DeviceError::Invalid(said!(
                "sync.store_already_holds_stand",
                "this store already holds stand-alone data ({ops} operations, {items} items); enrol a new store",
                ops = ops,
                items = items
            )));
        }
        let client = Client::new(server_url, None, options, transport.ca_pem.as_deref())?;
        let req = EnrollRequest {
            code: code.trim().to_string(),
            device_id: device.device_id,
            name: device.name.clone(),
            app_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let resp: EnrollResponse =
            client.call(reqwest::Method::POST, "/v1/enroll", Some(&req), &[])?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO warehouses (id, code, name) VALUES (?1, ?2, ?2) ON CONFLICT(id) DO NOTHING",
            params![resp.warehouse_id.to_string(), resp.warehouse_code],
        )?;
        tx.execute(
            "UPDATE device SET warehouse_id = ?1",
            params![resp.warehouse_id.to_string()],
        )?;
        tx.execute(
            "UPDATE sync_state SET server_url = ?1, token = ?2, epoch = ?3, ca_pem = ?4",
            params![
                server_url.trim().trim_end_matches('/'),
                resp.token,
                resp.epoch.to_string(),
                transport.ca_pem
            ],
        )?;
        tx.commit()?;
        self.device = crate::read_device(&self.conn)?;
        Ok(resp)
    }

    /// Enrols a store that may not have a device identity yet (a freshly installed app): names
    /// the device first when needed, then exchanges the code.
    pub fn enroll_as(
        &mut self,
        name: &str,
        server_url: &str,
        code: &str,
        options: SyncOptions,
        transport: &Transport,
    ) -> Result<EnrollResponse> {
        if self.device_opt()?.is_none() {
            if name.trim().is_empty() {
                return Err(DeviceError::Invalid(said!(
                    "sync.give_device_name_example",
                    "give this device a name (for example TABLET-07) before enrolling"
                )));
            }
            self.init_device(name.trim(), None)?;
        }
        self.enroll_with(server_url, code, options, transport)
    }

    /// Push, then (the first time) a snapshot, then pull until up to date.
    pub fn sync(
        &mut self,
        options: SyncOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncReport> {
        let mut report = self.push(options, progress)?;
        if let Some(req) = options.claim {
            // Before the pull, so that the pull brings the leases as they now are.
            report.claimed = self.claim(options, req)?;
        }
        let pulled = self.pull(options, progress)?;
        // Carton numbers come after the work is safe: a server that refuses a block (every
        // number of its prefix handed out) must not make every sync look failed.
        match self.top_up_ssccs(options) {
            Ok(()) => {}
            Err(DeviceError::Sync { message, .. }) => report.warnings.push(said!(
                "sync.no_carton_numbers",
                "no new carton numbers from the server: {message}",
                message = message
            )),
            Err(e) => return Err(e),
        }
        report.snapshot = pulled.snapshot;
        report.pulled = pulled.pulled;
        report.pages = pulled.pages;
        report.exceptions = pulled.exceptions;
        report.cursor = pulled.cursor;
        self.conn.execute(
            "UPDATE sync_state SET last_sync_at = ?1",
            [chrono::Utc::now().to_rfc3339()],
        )?;
        report.pending = self.pending_count()?;
        Ok(report)
    }

    fn client(&self, options: SyncOptions) -> Result<(Client, Uuid)> {
        let state = self.sync_state()?;
        let (Some(url), Some(token)) = (state.server_url.clone(), state.token.clone()) else {
            return Err(DeviceError::Invalid(said!(
                "sync.device_not_enrolled_run",
                "this device is not enrolled; run `aisle enroll --server URL --code CODE`"
            )));
        };
        let epoch = state
            .epoch
            .ok_or_else(|| DeviceError::Decode("enrolled without an epoch".into()))?;
        let ca: Option<String> = self
            .conn
            .query_row("SELECT ca_pem FROM sync_state", [], |r| r.get(0))?;
        let mut client = Client::new(&url, Some(token), options, ca.as_deref())?;
        client.log_end = Some(self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM change_log",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64);
        Ok((client, epoch))
    }

    /// Pushes every entry not yet acknowledged, in batches; resumable at any point.
    pub fn push(
        &mut self,
        options: SyncOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncReport> {
        let device = self.device()?;
        let (client, epoch) = self.client(options)?;
        let mut report = SyncReport::default();
        let total = self.pending_count()?;
        // Push up to the end of the log as it is now: scans recorded meanwhile wait for the next
        // sync, so a busy scanner can never keep a sync from finishing.
        let end: i64 =
            self.conn
                .query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |r| {
                    r.get(0)
                })?;
        loop {
            let pushed = self.sync_state()?.pushed_seq;
            let (body, entries) = crate::query::push_body(
                &self.conn,
                device.device_id,
                epoch,
                (pushed, end as u64),
                PUSH_BATCH,
            )?;
            if entries == 0 {
                break;
            }
            match client.call_with::<PushResponse>(
                reqwest::Method::POST,
                "/v1/push",
                Some(body),
                &[],
            ) {
                Ok(resp) => {
                    self.conn.execute(
                        "UPDATE sync_state SET pushed_seq = MAX(pushed_seq, ?1)",
                        [resp.durable_seq as i64],
                    )?;
                    report.pushed += u64::from(resp.applied);
                    report.duplicates += u64::from(resp.duplicates);
                }
                Err(DeviceError::SequenceGap { expected }) => {
                    if expected.saturating_sub(1) < pushed {
                        return Err(DeviceError::Sync {
                            kind: "server_behind".into(),
                            message: Box::new(said!(
                                "sync.server_behind",
                                "the server has this device's operations only up to #{held}, but #{pushed} was acknowledged before: it may have been restored from a backup. Nothing is lost here; warehouse IT must reconcile",
                                held = (expected - 1).to_string(),
                                pushed = pushed.to_string()
                            )),
                        });
                    }
                    // The server had more than we knew (an acknowledgement was lost): skip ahead.
                    self.conn.execute(
                        "UPDATE sync_state SET pushed_seq = ?1",
                        [(expected - 1) as i64],
                    )?;
                }
                Err(e) => return Err(e),
            }
            progress(Progress {
                phase: Phase::Push,
                done: report.pushed + report.duplicates,
                total: Some(total),
            });
        }

        report.pending = self.pending_count()?;
        Ok(report)
    }

    /// Renews this device's leases and takes more work (`POST /v1/claims`); returns how many
    /// leases it now holds. A server from before leases (404) gives none.
    pub fn claim(&mut self, options: SyncOptions, req: ClaimRequest) -> Result<u64> {
        let (client, _) = self.client(options)?;
        match client.call::<ClaimResponse>(reqwest::Method::POST, "/v1/claims", Some(&req), &[]) {
            Ok(resp) => Ok(resp.leases.len() as u64),
            Err(DeviceError::Sync { kind, message })
                if kind == "not_found" || message.text.starts_with("HTTP 404") =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    /// Asks the server for another block of carton numbers when fewer than
    /// [`SSCC_LOW`](crate::packing::SSCC_LOW) are left (`POST /v1/sscc-blocks`). A server from
    /// before cartons (404) gives none.
    pub fn top_up_ssccs(&mut self, options: SyncOptions) -> Result<()> {
        if self.sscc_left()? >= crate::packing::SSCC_LOW {
            return Ok(());
        }
        let (client, _) = self.client(options)?;
        match client.call::<aisle_domain::sscc::SsccBlock>(
            reqwest::Method::POST,
            "/v1/sscc-blocks",
            None::<&()>,
            &[],
        ) {
            Ok(block) => self.add_sscc_block(&block),
            Err(DeviceError::Sync { kind, message })
                if kind == "not_found" || message.text.starts_with("HTTP 404") =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Takes a snapshot the first time, then pulls pages until the server has no more.
    pub fn pull(
        &mut self,
        options: SyncOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncReport> {
        let (client, _) = self.client(options)?;
        let mut report = SyncReport::default();
        // Snapshot, the first time: the device's warehouse as the server has it.
        if !self.sync_state()?.bootstrapped {
            progress(Progress {
                phase: Phase::Snapshot,
                done: 0,
                total: None,
            });
            let snap: Snapshot =
                client.call(reqwest::Method::GET, "/v1/snapshot", None::<&()>, &[])?;
            if self.apply_snapshot(&snap)? {
                report.snapshot = true;
                report.exceptions += snap.exceptions.len() as u64;
            }
        }

        // Pull pages until the server says there is no more.
        loop {
            let st = self.sync_state()?;
            let query = [
                ("cursor", st.pull_cursor.to_string()),
                ("rev", st.rev.to_string()),
                ("limit", options.pull_limit.to_string()),
                ("state", "true".to_string()),
            ];
            let page: PullResponse =
                client.call(reqwest::Method::GET, "/v1/pull", None::<&()>, &query)?;
            let more = page.more;
            report.pulled += self.apply_page(&page)?;
            report.exceptions += page.exceptions.len() as u64;
            report.pages += 1;
            report.cursor = page.cursor;
            progress(Progress {
                phase: Phase::Pull,
                done: report.pulled,
                total: None,
            });
            if !more {
                break;
            }
        }
        Ok(report)
    }

    /// Makes local stock equal the snapshot plus this device's not-yet-pushed operations, in one
    /// transaction with the cursors the snapshot is consistent with. A device that another sync
    /// (a second process, or the app's timer) bootstrapped meanwhile keeps what it has: the
    /// snapshot may be older than what that sync has pulled since. Returns whether it applied.
    fn apply_snapshot(&mut self, snap: &Snapshot) -> Result<bool> {
        let own = self.device()?.device_id;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let state = read_state(&tx)?;
        check_epoch(&state, snap.epoch)?;
        if state.bootstrapped {
            return Ok(false);
        }
        tx.pragma_update(None, "defer_foreign_keys", "ON")?;
        upsert_master(&tx, &snap.master)?;
        let mut target: BTreeMap<StockKey, i64> =
            snap.stock.iter().map(|r| (r.key.clone(), r.qty)).collect();
        let unpushed: Vec<ChangeLogEntry> =
            crate::query::change_log_on(&tx, state.pushed_seq, None)?;
        for (k, q) in net(unpushed.iter().flat_map(|e| e.op.effects())) {
            *target.entry(k).or_insert(0) += q;
        }
        let current = crate::query::all_stock(&tx)?;
        let mut deltas = Vec::new();
        for (k, q) in &target {
            let have = current.get(k).copied().unwrap_or(0);
            if *q != have {
                deltas.push(Delta {
                    key: k.clone(),
                    qty: q - have,
                });
            }
        }
        for (k, have) in &current {
            if !target.contains_key(k) {
                deltas.push(Delta {
                    key: k.clone(),
                    qty: -have,
                });
            }
        }
        apply_deltas(&tx, &format!("snapshot:{}", snap.cursor), &deltas)?;
        store_work(
            &tx,
            Work {
                receipts: &snap.receipt_lines,
                orders: &snap.order_lines,
                exceptions: &snap.exceptions,
                others: &snap.other_warehouses,
                tasks: &snap.tasks,
                plates: &snap.plates,
                leases: &snap.leases,
                cartons: &snap.cartons,
                in_transit: &snap.in_transit,
            },
        )?;
        take_back_held(&tx, own, &snap.exceptions, Some(state.pushed_seq))?;
        tx.execute(
            "UPDATE sync_state SET pull_cursor = ?1, rev = ?2, bootstrapped = 1",
            params![snap.cursor as i64, snap.rev as i64],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Applies one pulled page and its cursors atomically: the stock rows it carries (or, from an
    /// older server, the operations). Returns how many rows or operations it applied.
    ///
    /// Two syncs of one device can run at once (two processes, or a timer and a tap) and apply
    /// their pages in either order. Operations are safe by their cursor; master data, work,
    /// exceptions and plates are the state as of the page's revision, so a page older than what
    /// the device already has must not overwrite it (a resolved exception would reopen for good).
    fn apply_page(&mut self, page: &PullResponse) -> Result<u64> {
        let own = self.device()?.device_id;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let state = read_state(&tx)?;
        check_epoch(&state, page.epoch)?;
        tx.pragma_update(None, "defer_foreign_keys", "ON")?;
        let stale = page.rev < state.rev;
        if !stale {
            upsert_master(&tx, &page.master)?;
        }
        let mut applied = 0;
        for op in &page.ops {
            if op.entry.device_id == own || op.server_seq <= state.pull_cursor {
                continue;
            }
            let inserted = tx
                .prepare_cached("INSERT OR IGNORE INTO remote_ops (server_seq, op_id, device_id, op_type) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![
                    op.server_seq as i64,
                    op.entry.op_id.to_string(),
                    op.entry.device_id.to_string(),
                    op.entry.op.kind().as_str()
                ])?;
            if inserted == 1 {
                apply(&tx, op.entry.op_id, &op.entry.op)?;
                applied += 1;
            }
        }
        if !stale {
            store_work(
                &tx,
                Work {
                    receipts: &page.receipt_lines,
                    orders: &page.order_lines,
                    exceptions: &page.exceptions,
                    others: &page.other_warehouses,
                    tasks: &page.tasks,
                    plates: &page.plates,
                    leases: &page.leases,
                    cartons: &page.cartons,
                    in_transit: &page.in_transit,
                },
            )?;
            take_back_held(&tx, own, &page.exceptions, None)?;
        }
        // After the held operations were taken back: a row sets its key whatever came before.
        applied += stock_rows::apply_stock_rows(&tx, page, state.pull_cursor)?;
        tx.execute(
            "UPDATE sync_state SET pull_cursor = MAX(pull_cursor, ?1), rev = MAX(rev, ?2)",
            params![page.cursor as i64, page.rev as i64],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// Checks an operator's badge and PIN against the operators synced from the server. Works
    /// offline; the PIN is compared with its argon2 hash, never stored.
    pub fn sign_in(&self, badge: &str, pin: &str) -> Result<OperatorRecord> {
        let found: Option<OperatorRecord> = self
            .conn
            .query_row(
                "SELECT badge, name, role, pin_hash, language FROM operators WHERE badge = ?1",
                [badge.trim()],
                |r| {
                    Ok(OperatorRecord {
                        badge: r.get(0)?,
                        name: r.get(1)?,
                        role: r.get(2)?,
                        pin_hash: r.get(3)?,
                        language: r.get(4)?,
                    })
                },
            )
            .optional()?;
        let Some(op) = found else {
            return Err(DeviceError::Invalid(said!(
                "sync.badge_not_known",
                "badge {badge} is not known on this tablet: check the number, or ask a supervisor (a new badge reaches the tablet at its next sync)",
                badge = badge.trim()
            )));
        };
        if !aisle_ledger::pin::verify_pin(pin, &op.pin_hash)? {
            return Err(DeviceError::Invalid(said!(
                "sync.wrong_pin",
                "wrong PIN for badge {badge}",
                badge = op.badge
            )));
        }
        if op.role == "disabled" {
            return Err(DeviceError::Forbidden(said!(
                "sync.badge_disabled",
                "badge {badge} is disabled: ask a supervisor",
                badge = op.badge
            )));
        }
        Ok(op)
    }

    /// Whether `badge` may still work on this tablet: known, and not disabled by a supervisor
    /// (as of the last sync). The app signs out an operator who may not.
    pub fn may_work(&self, badge: &str) -> Result<bool> {
        let role: Option<String> = self
            .conn
            .query_row(
                "SELECT role FROM operators WHERE badge = ?1",
                [badge],
                |r| r.get(0),
            )
            .optional()?;
        Ok(role.is_some_and(|r| r != "disabled"))
    }

    /// Refuses unless `badge` is a supervisor on this device's operator list: adjustments and
    /// other corrections are theirs alone.
    pub fn require_supervisor(&self, badge: &str) -> Result<()> {
        let role: Option<String> = self
            .conn
            .query_row(
                "SELECT role FROM operators WHERE badge = ?1",
                [badge.trim()],
                |r| r.get(0),
            )
            .optional()?;
        match role.as_deref() {
            Some("supervisor") => Ok(()),
            Some(_) => Err(DeviceError::Forbidden(said!(
                "sync.not_supervisor",
                "{badge} is not a supervisor; ask a supervisor to sign in for this",
                badge = badge.trim()
            ))),
            None => Err(DeviceError::NotFound {
                what: "operator",
                key: badge.trim().to_string(),
            }),
        }
    }

    /// Rows of a pulled table kept as JSON bodies with a status (`exceptions`, `tasks`), oldest
    /// first; only the open ones with `open_only`.
    fn bodies<T: DeserializeOwned>(&self, table: &str, open_only: bool) -> Result<Vec<T>> {
        let only = if open_only {
            "WHERE status = 'open'"
        } else {
            ""
        };
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT body FROM {table} {only} ORDER BY id"))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
    }

    /// Exceptions the server raised in this device's warehouse, as last pulled.
    pub fn exceptions(&self, open_only: bool) -> Result<Vec<Exception>> {
        self.bodies("exceptions", open_only)
    }

    /// Order lines downloaded for this warehouse (pick work), as last pulled.
    pub fn order_lines(&self) -> Result<Vec<OrderLine>> {
        let mut stmt = self.conn.prepare("SELECT line FROM order_lines")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut lines: Vec<OrderLine> = rows
            .map(|r| Ok(serde_json::from_str(&r?)?))
            .collect::<Result<_>>()?;
        lines.sort_by(|a, b| (&a.order, a.line).cmp(&(&b.order, b.line)));
        Ok(lines)
    }

    /// An order line by its id or its reference `ORDER/LINE` (e.g. `SO-1001/2`), as downloaded.
    pub fn order_line_ref(&self, reference: &str) -> Result<aisle_domain::OrderLineId> {
        let lines = self.order_lines()?;
        find_line(
            reference,
            "order line",
            lines.iter().map(|l| (l.id, l.order.as_str(), l.line)),
        )
    }

    /// A receipt line by its id or its reference `RECEIPT/LINE` (e.g. `PO-1001/1`).
    pub fn receipt_line_ref(&self, reference: &str) -> Result<aisle_domain::ReceiptLineId> {
        let lines = self.receipt_lines()?;
        find_line(
            reference,
            "receipt line",
            lines.iter().map(|l| (l.id, l.receipt.as_str(), l.line)),
        )
    }

    /// Tasks downloaded for this warehouse, as last pulled (open ones only with `open_only`).
    pub fn tasks(&self, open_only: bool) -> Result<Vec<Task>> {
        self.bodies("tasks", open_only)
    }

    /// Expected receipt lines downloaded for this warehouse, as last pulled.
    pub fn receipt_lines(&self) -> Result<Vec<ReceiptLine>> {
        let mut stmt = self.conn.prepare("SELECT line FROM receipt_lines")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut lines: Vec<ReceiptLine> = rows
            .map(|r| Ok(serde_json::from_str(&r?)?))
            .collect::<Result<_>>()?;
        lines.sort_by(|a, b| (&a.receipt, a.line).cmp(&(&b.receipt, b.line)));
        Ok(lines)
    }

    /// Goods of an item in transit to each warehouse (on transfers), as last pulled.
    pub fn in_transit_stock(&self, item: aisle_domain::ItemId) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT w.code, t.qty FROM in_transit t JOIN warehouses w ON w.id = t.warehouse_id WHERE t.item_id = ?1 ORDER BY w.code",
        )?;
        let rows = stmt.query_map([item.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Total stock of an item in each other warehouse, as last pulled.
    pub fn other_warehouse_stock(&self, item: aisle_domain::ItemId) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT w.code, o.qty FROM other_stock o JOIN warehouses w ON w.id = o.warehouse_id WHERE o.item_id = ?1 ORDER BY w.code",
        )?;
        let rows = stmt.query_map([item.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

mod stock_rows;

#[cfg(test)]
mod tests;
