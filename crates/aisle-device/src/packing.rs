//! Packing and shipping on the tablet, offline like every other scan: a new carton takes the next
//! SSCC from a block the server reserved for this device; picked goods of an order are scanned
//! into it (one item, or everything picked and not yet packed: a tote) and checked against the
//! order at the scan; a closed carton carries its weight; cartons are scanned onto a shipment.
//!
//! What the device knows of a carton is the server's state as last pulled with this device's own
//! unsynced operations laid over it, the way order lines' picked quantities are.

use crate::record::{OpContext, Recorded};
use crate::work::{base_units, lot_and_expiry};
use crate::{DeviceError, Result, Store};
use aisle_domain::master::PackKind;
use aisle_domain::op::{CloseCarton, Operation, Pack, PackLine, Ship};
use aisle_domain::said;
use aisle_domain::sscc::{self, SsccBlock};
use aisle_domain::{ItemId, OrderLineId};
use aisle_proto::{Carton, OrderLine};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Below this many carton numbers left, a sync asks the server for another block.
pub const SSCC_LOW: u64 = 200;

/// Picked goods into a carton: one item scanned (with its quantity), or `all_picked`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PackRequest {
    pub order: String,
    /// The carton's label (its SSCC), as scanned.
    pub carton: String,
    /// An item scan; absent with `all_picked`.
    pub item: Option<String>,
    /// Number of the scanned (or named) pack; defaults to the label's count, else 1.
    pub qty: Option<i64>,
    pub pack: Option<PackKind>,
    pub lot: Option<String>,
    /// Everything picked for the order and not yet packed (the order's tote) goes in.
    pub all_picked: bool,
}

/// Closing a carton: its weight typed from a scale, or added up from its items' weights.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloseRequest {
    pub carton: String,
    pub weight_g: Option<i64>,
}

/// Cartons scanned onto a shipment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShipRequest {
    pub carrier: String,
    pub reference: Option<String>,
    pub cartons: Vec<String>,
}

/// One item (and lot) in a carton.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartonItem {
    pub item_id: ItemId,
    pub sku: String,
    pub description: String,
    pub lot: Option<String>,
    pub qty: i64,
}

/// A carton as this device knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartonView {
    pub sscc: String,
    pub order: String,
    pub contents: Vec<CartonItem>,
    pub weight_g: Option<i64>,
    pub closed: bool,
    pub shipped: bool,
    pub units: i64,
}

/// A carton while being assembled from the pulled state and the unsynced log.
#[derive(Default)]
struct Draft {
    order: String,
    contents: BTreeMap<(ItemId, Option<String>), i64>,
    weight_g: Option<i64>,
    closed: bool,
    shipped: bool,
}

/// Where an order stands on this device, per line: ordered, picked and packed so far.
struct LineState {
    line: OrderLine,
    picked: i64,
    packed: i64,
}

impl Store {
    /// Carton numbers this device can still mint without the server.
    pub fn sscc_left(&self) -> Result<u64> {
        let left: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(count - used), 0) FROM sscc_blocks",
            [],
            |r| r.get(0),
        )?;
        Ok(left.max(0) as u64)
    }

    /// Keeps a block the server reserved for this device.
    pub(crate) fn add_sscc_block(&self, b: &SsccBlock) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO sscc_blocks (prefix, extension, first_serial, count) VALUES (?1, ?2, ?3, ?4)",
            params![b.prefix, b.extension, b.first as i64, b.count as i64],
        )?;
        Ok(())
    }

    /// The next carton number: mints an SSCC from this device's blocks and marks it used, so
    /// that no two cartons of this device (or any other) share one.
    pub fn new_carton(&mut self) -> Result<String> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let next: Option<(String, u8, i64, i64)> = tx
            .query_row(
                "SELECT prefix, extension, first_serial, used FROM sscc_blocks WHERE used < count
                 ORDER BY first_serial LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((prefix, extension, first, used)) = next else {
            return Err(DeviceError::Invalid(said!(
                "packing.tablet_has_no_carton",
                "this tablet has no carton numbers left: sync once to get more"
            )));
        };
        let code = sscc::mint(extension, &prefix, (first + used) as u64).map_err(|e| {
            DeviceError::Invalid(said!(
                "packing.carton_number",
                "a carton number: {reason}",
                reason = e.said().text
            ))
        })?;
        tx.execute(
            "UPDATE sscc_blocks SET used = used + 1 WHERE prefix = ?1 AND extension = ?2 AND first_serial = ?3",
            params![prefix, extension, first],
        )?;
        tx.commit()?;
        Ok(code)
    }

    /// The SSCC in a carton label's scan (plain 18 digits, or GS1 AI 00).
    fn carton_code(&self, raw: &str) -> Result<String> {
        let scan = aisle_domain::scan::parse(raw, self.scan_config()).map_err(|source| {
            DeviceError::Scan {
                raw: raw.to_string(),
                source,
            }
        })?;
        let code = scan.sscc().ok_or_else(|| {
            DeviceError::Invalid(said!(
                "packing.not_carton_label_scan",
                "{raw:?} is not a carton label: scan the carton's SSCC",
                raw = raw.trim()
            ))
        })?;
        sscc::check(code).map_err(|e| DeviceError::Invalid(e.said()))?;
        Ok(code.to_string())
    }

    /// This device's operations the server has not acknowledged yet: read once per command and
    /// laid over the pulled cartons and order lines.
    fn unsynced(&self) -> Result<Vec<Operation>> {
        let pushed = self.sync_state()?.pushed_seq;
        Ok(self
            .change_log(crate::query::LogFilter {
                unsynced: false,
                after: pushed,
                limit: None,
            })?
            .into_iter()
            .map(|e| e.op)
            .collect())
    }

    fn drafts(&self) -> Result<BTreeMap<String, Draft>> {
        self.drafts_over(&self.unsynced()?)
    }

    /// The pulled cartons with `unsynced` laid over them.
    fn drafts_over(&self, unsynced: &[Operation]) -> Result<BTreeMap<String, Draft>> {
        let mut out: BTreeMap<String, Draft> = BTreeMap::new();
        let mut stmt = self.conn.prepare("SELECT line FROM cartons")?;
        let pulled: Vec<Carton> = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|r| Ok(serde_json::from_str(&r?)?))
            .collect::<Result<_>>()?;
        for c in pulled {
            let d = out.entry(c.sscc.clone()).or_default();
            d.order = c.order;
            d.weight_g = c.weight_g;
            d.closed = c.closed;
            d.shipped = c.shipment.is_some();
            for x in c.contents {
                *d.contents.entry((x.item_id, x.lot)).or_insert(0) += x.qty;
            }
        }
        for op in unsynced {
            match op {
                Operation::Pack(p) => {
                    let d = out.entry(p.carton.clone()).or_default();
                    if d.order.is_empty() {
                        d.order = p.order.clone();
                    }
                    for l in &p.lines {
                        *d.contents.entry((l.item, l.lot.clone())).or_insert(0) += l.qty;
                    }
                }
                Operation::CloseCarton(c) => {
                    let d = out.entry(c.carton.clone()).or_default();
                    d.weight_g = Some(c.weight_g);
                    d.closed = true;
                }
                Operation::Ship(s) => {
                    for c in &s.cartons {
                        out.entry(c.clone()).or_default().shipped = true;
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn view(&self, sscc: String, d: Draft) -> Result<CartonView> {
        let mut contents = Vec::with_capacity(d.contents.len());
        for ((item_id, lot), qty) in d.contents {
            let (sku, description) = match self.item(item_id) {
                Ok(i) => (i.sku, i.description),
                Err(DeviceError::NotFound { .. }) => (item_id.to_string(), String::new()),
                Err(e) => return Err(e),
            };
            contents.push(CartonItem {
                item_id,
                sku,
                description,
                lot,
                qty,
            });
        }
        Ok(CartonView {
            units: contents.iter().map(|c| c.qty).sum(),
            sscc,
            order: d.order,
            contents,
            weight_g: d.weight_g,
            closed: d.closed,
            shipped: d.shipped,
        })
    }

    /// A carton by its label's scan, as this device knows it (`None`: never seen here).
    pub fn carton(&self, raw: &str) -> Result<Option<CartonView>> {
        let code = self.carton_code(raw)?;
        match self.drafts()?.remove(&code) {
            Some(d) => Ok(Some(self.view(code, d)?)),
            None => Ok(None),
        }
    }

    /// The order a carton label names, when `text` is the label of a carton this device knows
    /// (a return is received against the carton's SSCC as well as the order number).
    pub(crate) fn order_of_carton(&self, text: &str) -> Result<Option<String>> {
        let Ok(code) = self.carton_code(text) else {
            return Ok(None);
        };
        Ok(self
            .drafts()?
            .remove(&code)
            .map(|d| d.order)
            .filter(|o| !o.is_empty()))
    }

    /// Cartons this device knows that have not shipped (of one order, when given).
    pub fn open_cartons(&self, order: Option<&str>) -> Result<Vec<CartonView>> {
        let mut out = Vec::new();
        for (code, d) in self.drafts()? {
            if !d.shipped && order.is_none_or(|o| o == d.order) {
                out.push(self.view(code, d)?);
            }
        }
        Ok(out)
    }

    /// An order's lines with what is picked and packed as far as this device knows (the
    /// server's figures with `unsynced` added).
    fn order_state(&self, order: &str, unsynced: &[Operation]) -> Result<Vec<LineState>> {
        let mut picks: HashMap<OrderLineId, i64> = HashMap::new();
        let mut packs: HashMap<OrderLineId, i64> = HashMap::new();
        for op in unsynced {
            match op {
                Operation::Pick(p) => {
                    if let Some(id) = p.order_line {
                        *picks.entry(id).or_insert(0) += p.qty;
                    }
                }
                Operation::Pack(p) => {
                    for l in &p.lines {
                        if let Some(id) = l.order_line {
                            *packs.entry(id).or_insert(0) += l.qty;
                        }
                    }
                }
                _ => {}
            }
        }
        let lines: Vec<LineState> = self
            .order_lines()?
            .into_iter()
            .filter(|l| l.order == order)
            .map(|l| LineState {
                picked: l.picked_qty + picks.get(&l.id).copied().unwrap_or(0),
                packed: l.packed_qty + packs.get(&l.id).copied().unwrap_or(0),
                line: l,
            })
            .collect();
        if lines.is_empty() {
            return Err(DeviceError::NotFound {
                what: "order (sync to download orders)",
                key: order.to_string(),
            });
        }
        Ok(lines)
    }

    /// Packs picked goods of an order into a carton. Refused with the reason, and nothing
    /// recorded, for a carton of another order or one closed or shipped, an item the order does
    /// not have, or more than the order asks for; packing beyond what this device knows was picked
    /// is recorded with a warning (another tablet may have picked it).
    pub fn pack(&mut self, req: &PackRequest, ctx: &OpContext) -> Result<Recorded> {
        let order = req.order.trim();
        if order.is_empty() {
            return Err(DeviceError::Invalid(said!(
                "packing.scan_order",
                "scan or type the order being packed"
            )));
        }
        let carton = self.carton_code(&req.carton)?;
        let unsynced = self.unsynced()?;
        let state = self.order_state(order, &unsynced)?;
        if let Some(c) = self.drafts_over(&unsynced)?.remove(&carton) {
            if !c.order.is_empty() && c.order != order {
                return Err(DeviceError::Invalid(said!(
                    "packing.carton_holds_order_not",
                    "carton {carton} holds order {held}, not {order}: take a new carton",
                    held = c.order,
                    carton = carton,
                    order = order
                )));
            }
            if c.shipped {
                return Err(DeviceError::Invalid(said!(
                    "packing.carton_has_shipped_take",
                    "carton {carton} has shipped: take a new carton",
                    carton = carton
                )));
            }
            if c.closed {
                return Err(DeviceError::Invalid(said!(
                    "packing.carton_closed_take_new",
                    "carton {carton} is closed: take a new carton",
                    carton = carton
                )));
            }
        }
        let mut scans = vec![req.order.clone(), req.carton.clone()];
        let mut warnings = Vec::new();
        let lines = if req.all_picked {
            let lines: Vec<PackLine> = state
                .iter()
                .filter(|s| s.picked > s.packed)
                .map(|s| PackLine {
                    order_line: Some(s.line.id),
                    item: s.line.item_id,
                    lot: None,
                    qty: s.picked - s.packed,
                })
                .collect();
            if lines.is_empty() {
                return Err(DeviceError::Invalid(said!(
                    "packing.nothing_picked_order_waiting",
                    "nothing picked of order {order} is waiting to be packed",
                    order = order
                )));
            }
            lines
        } else {
            let raw = req.item.as_deref().unwrap_or("");
            if raw.trim().is_empty() {
                return Err(DeviceError::Invalid(said!(
                    "packing.scan_item_to_pack",
                    "scan an item to pack (or pack everything picked)"
                )));
            }
            scans.push(raw.to_string());
            let scan = self.expect_item(raw, None, ctx)?;
            let of_item: Vec<&LineState> = state
                .iter()
                .filter(|s| s.line.item_id == scan.item.id)
                .collect();
            if of_item.is_empty() {
                return Err(DeviceError::Invalid(said!(
                    "packing.wrong_item_not_order",
                    "wrong item: {sku} is not on order {order}",
                    sku = scan.item.sku,
                    order = order
                )));
            }
            let (qty, _) = base_units(&scan, req.pack, req.qty.or(scan.count).unwrap_or(1))?;
            let (lot, _) = lot_and_expiry(&scan, &req.lot, None)?;
            let ordered: i64 = of_item.iter().map(|s| s.line.qty).sum();
            let packed: i64 = of_item.iter().map(|s| s.packed).sum();
            let picked: i64 = of_item.iter().map(|s| s.picked).sum();
            if packed + qty > ordered {
                return Err(DeviceError::Invalid(said!(
                    "packing.too_many_order_asks",
                    "too many: order {order} asks for {ordered} of {sku}, {packed} packed already; {qty} more is {over} over",
                    sku = scan.item.sku,
                    over = packed + qty - ordered,
                    order = order,
                    ordered = ordered,
                    packed = packed,
                    qty = qty
                )));
            }
            if packed + qty > picked {
                warnings.push(said!(
                    "packing.packed_over_picked",
                    "{packed} packed of {sku} against {picked} picked as far as this tablet knows",
                    packed = packed + qty,
                    sku = scan.item.sku,
                    picked = picked
                ));
            }
            // Spread over the item's lines, each up to what it asks for.
            let mut left = qty;
            let mut lines = Vec::new();
            for s in of_item {
                let room = (s.line.qty - s.packed).max(0).min(left);
                if room > 0 {
                    lines.push(PackLine {
                        order_line: Some(s.line.id),
                        item: s.line.item_id,
                        lot: lot.clone(),
                        qty: room,
                    });
                    left -= room;
                }
            }
            lines
        };
        let tote: Option<u32> = self
            .conn
            .query_row(
                "SELECT tote FROM totes WHERE order_code = ?1",
                [order],
                |r| r.get(0),
            )
            .optional()?;
        let op = Operation::Pack(Pack {
            order: order.to_string(),
            carton,
            lines,
            tote: tote.filter(|_| req.all_picked),
        });
        let mut recorded = self.record(op, &ctx.clone().with_scans(scans))?;
        recorded.warnings.extend(warnings);
        Ok(recorded)
    }

    /// Closes a carton with its weight: typed, or the items' weights added up.
    pub fn close_carton(&mut self, req: &CloseRequest, ctx: &OpContext) -> Result<Recorded> {
        let carton = self.carton_code(&req.carton)?;
        let Some(c) = self.drafts()?.remove(&carton) else {
            return Err(DeviceError::NotFound {
                what: "carton on this tablet (pack into it first, or sync)",
                key: carton,
            });
        };
        if c.shipped {
            return Err(DeviceError::Invalid(said!(
                "packing.carton_has_shipped_already",
                "carton {carton} has shipped already",
                carton = carton
            )));
        }
        if c.contents.is_empty() || c.order.is_empty() {
            return Err(DeviceError::Invalid(said!(
                "packing.carton_empty_pack_something",
                "carton {carton} is empty: pack something into it first",
                carton = carton
            )));
        }
        let weight_g = match req.weight_g {
            Some(w) => w,
            None => {
                // Whole cases (or inners) at their own weight, the rest at the unit's.
                let mut sum = 0i64;
                for ((item, _), qty) in &c.contents {
                    let it = self.item(*item)?;
                    let w = aisle_domain::capacity::weight_of(&it, *qty).ok_or_else(|| {
                        DeviceError::Invalid(said!("packing.item_has_no_weight", "item {sku} has no weight on record: weigh the carton and type its weight", sku = it.sku))
                    })?;
                    sum = sum.checked_add(w).ok_or_else(|| {
                        DeviceError::Invalid(said!(
                            "packing.carton_weight_too_large",
                            "the carton's weight is too large"
                        ))
                    })?;
                }
                sum
            }
        };
        let op = Operation::CloseCarton(CloseCarton {
            order: c.order,
            carton,
            weight_g,
            weighed: req.weight_g.is_some(),
        });
        self.record(op, &ctx.clone().with_scans([req.carton.clone()]))
    }

    /// Ships closed cartons with a carrier (and a route, truck or tracking reference).
    pub fn ship(&mut self, req: &ShipRequest, ctx: &OpContext) -> Result<Recorded> {
        if req.cartons.is_empty() {
            return Err(DeviceError::Invalid(said!(
                "packing.scan_cartons_onto_shipment",
                "scan the cartons onto the shipment first"
            )));
        }
        let mut drafts = self.drafts()?;
        let mut cartons = Vec::with_capacity(req.cartons.len());
        for raw in &req.cartons {
            let code = self.carton_code(raw)?;
            let Some(c) = drafts.remove(&code) else {
                return Err(DeviceError::Invalid(if cartons.contains(&code) {
                    said!(
                        "packing.carton_scanned_twice",
                        "carton {code} is scanned twice",
                        code = code
                    )
                } else {
                    said!(
                        "packing.carton_not_known",
                        "carton {code} is not known on this tablet: sync, or check the label",
                        code = code
                    )
                }));
            };
            if c.shipped {
                return Err(DeviceError::Invalid(said!(
                    "packing.carton_has_shipped_already",
                    "carton {carton} has shipped already",
                    carton = code
                )));
            }
            if !c.closed {
                return Err(DeviceError::Invalid(said!(
                    "packing.carton_still_open_close",
                    "carton {code} is still open: close (weigh) it before it ships",
                    code = code
                )));
            }
            cartons.push(code);
        }
        let op = Operation::Ship(Ship {
            carrier: req.carrier.trim().to_string(),
            reference: req
                .reference
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            cartons,
        });
        self.record(op, &ctx.clone().with_scans(req.cartons.clone()))
    }

    /// The label printer this tablet prints carton labels on (`host:port`), if one is set.
    pub fn label_printer(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'label_printer'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets (or with an empty address, forgets) the label printer: `host` or `host:port`, port
    /// 9100 by default. Returns the address as it will be used.
    pub fn set_label_printer(&mut self, printer: &str) -> Result<Option<String>> {
        if printer.trim().is_empty() {
            self.conn
                .execute("DELETE FROM settings WHERE key = 'label_printer'", [])?;
            return Ok(None);
        }
        let addr =
            aisle_labels::printer::address(printer).map_err(|e| DeviceError::Invalid(e.said()))?;
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('label_printer', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [&addr],
        )?;
        Ok(Some(addr))
    }

    /// Sends a carton's label (ZPL) to this tablet's label printer; returns the printer's address.
    pub fn print_carton_label(&self, raw: &str) -> Result<String> {
        let printer = self.label_printer()?.ok_or_else(|| {
            DeviceError::Invalid(said!(
                "packing.no_label_printer_set",
                "no label printer is set on this tablet: set one first"
            ))
        })?;
        let zpl = self
            .carton_label(raw)?
            .zpl()
            .map_err(crate::labels::label_error)?;
        aisle_labels::printer::send(&printer, zpl.as_bytes(), std::time::Duration::from_secs(5))
            .map_err(|e| DeviceError::Invalid(e.said()))?;
        Ok(printer)
    }

    /// What a carton's label says, from what this device knows.
    pub fn carton_label(&self, raw: &str) -> Result<aisle_labels::carton::CartonLabel> {
        let c = self.carton(raw)?.ok_or_else(|| DeviceError::NotFound {
            what: "carton on this tablet",
            key: raw.trim().to_string(),
        })?;
        let device = self.device()?;
        let from: Option<String> = match device.warehouse_id {
            Some(wh) => self
                .conn
                .query_row(
                    "SELECT name FROM warehouses WHERE id = ?1",
                    [wh.to_string()],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        };
        let to = self
            .order_lines()?
            .into_iter()
            .find(|l| l.order == c.order)
            .and_then(|l| l.customer);
        Ok(aisle_labels::carton::CartonLabel {
            sscc: c.sscc,
            from: from.unwrap_or_default(),
            to,
            order: c.order,
            weight_g: c.weight_g,
            contents: c
                .contents
                .iter()
                .map(|x| aisle_labels::carton::content_line(&x.sku, x.qty, x.lot.as_deref()))
                .collect(),
            carrier: None,
        })
    }
}
