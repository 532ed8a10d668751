//! Outbound orders: open lines allocated to stock (FEFO for dated stock, else FIFO), the orders'
//! picking and shipping state, and a supervisor's packed/shipped confirmation.

use super::*;
use aisle_domain::said;

/// Where one open order line will be picked from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineAllocation {
    pub order: String,
    pub line: u32,
    pub customer: Option<String>,
    pub sku: String,
    pub open: i64,
    pub picks: Vec<AllocatedStock>,
    pub short: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocatedStock {
    pub location: String,
    pub lot: Option<String>,
    pub expiry: Option<String>,
    pub qty: i64,
    #[serde(skip)]
    pub(crate) location_id: String,
    #[serde(skip)]
    pub(crate) item_id: String,
}

/// Allocates every open order line of the warehouse (by order, then line) to the stock in its
/// pick faces and storage bins: FEFO for dated stock, FIFO otherwise (see
/// `aisle_domain::allocation`), never stock that expired or has less shelf life left than the
/// item or the line asks for (`aisle_domain::shelf_life`, today on the server's clock). Devices build their pick walks from the same open lines.
pub(crate) fn allocation(conn: &dyn Db, warehouse: &str) -> StorageResult<Vec<LineAllocation>> {
    let wh = warehouse_id(conn, warehouse)?;
    type Line = (
        String,
        u32,
        Option<String>,
        String,
        i64,
        Option<i64>,
        Option<i64>,
    );
    let lines: Vec<Line> = conn.rows("SELECT o.order_no, o.line, o.customer, i.sku, o.qty - o.picked_qty,
                i.min_shelf_life_days, o.min_shelf_life_days
         FROM order_lines o
         JOIN items i ON i.id = o.item_id
         WHERE o.warehouse_id = ?1 AND o.qty > o.picked_qty
           AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_no = o.order_no AND s.status = 'shipped')
         ORDER BY o.order_no, o.line", args![wh], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?;
    let supply = stock_lines(conn, &wh, "('pick_face', 'storage')", None)?;
    let today = Utc::now().date_naive();
    let mut demands = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let days = shelf_life::required_days(shelf_life_days(l.5)?, shelf_life_days(l.6)?);
        demands.push(allocation::Demand {
            line: i,
            item: l.3.clone(),
            qty: l.4,
            not_before: Some(shelf_life::earliest_expiry(today, days)),
        });
    }
    Ok(allocation::allocate(&demands, &supply)
        .into_iter()
        .zip(lines)
        .map(
            |(a, (order, line, customer, sku, open, ..))| LineAllocation {
                order,
                line,
                customer,
                sku,
                open,
                picks: a
                    .picks
                    .into_iter()
                    .map(|(k, qty)| AllocatedStock { qty, ..k })
                    .collect(),
                short: a.short,
            },
        )
        .collect())
}

/// An outbound order's progress: lines picked, and whether it is packed or shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderStatus {
    pub order: String,
    pub customer: Option<String>,
    pub lines: u32,
    pub ordered: i64,
    pub picked: i64,
    /// Units a supervisor cut from the order after a short pick (shipped partial, or moved to a
    /// backorder).
    pub cut: i64,
    /// Packed into cartons, and in cartons that shipped.
    pub packed: i64,
    pub shipped: i64,
    /// Units still to ship: a backorder once part of the order has shipped.
    pub backorder: i64,
    /// `open`, `picked` (every line in full), `packed` or `shipped` (confirmed by a
    /// supervisor, or every unit shipped in cartons), or `part_shipped` (cartons shipped, units
    /// still to come: the rest stays open for allocation and picking).
    pub status: String,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
}

pub(crate) fn orders(conn: &dyn Db, warehouse: &str) -> StorageResult<Vec<OrderStatus>> {
    let wh = warehouse_id(conn, warehouse)?;
    let rows = conn.rows(
        "SELECT o.order_no, MAX(o.customer), COUNT(*), CAST(SUM(o.qty) AS BIGINT), CAST(SUM(CASE WHEN o.picked_qty < o.qty THEN o.picked_qty ELSE o.qty END) AS BIGINT),
                s.status, s.carrier, s.tracking, CAST(SUM(COALESCE(o.ordered_qty, o.qty)) AS BIGINT),
                (SELECT CAST(COALESCE(SUM(l.qty), 0) AS BIGINT) FROM carton_lines l WHERE l.order_no = o.order_no),
                (SELECT CAST(COALESCE(SUM(l.qty), 0) AS BIGINT) FROM carton_lines l JOIN cartons c ON c.sscc = l.sscc
                  WHERE l.order_no = o.order_no AND c.shipment_op IS NOT NULL)
         FROM order_lines o LEFT JOIN shipments s ON s.order_no = o.order_no
         WHERE o.warehouse_id = ?1 GROUP BY o.order_no, s.status, s.carrier, s.tracking ORDER BY o.order_no",
        args![wh],
        |r| {
            let to_pick: i64 = r.get(3)?;
            let picked: i64 = r.get(4)?;
            let shipped: Option<String> = r.get(5)?;
            let ordered: i64 = r.get(8)?;
            let packed: i64 = r.get(9)?;
            let shipped_units: i64 = r.get(10)?;
            Ok(OrderStatus {
                order: r.get(0)?,
                customer: r.get(1)?,
                lines: r.get(2)?,
                ordered,
                picked,
                cut: ordered - to_pick,
                packed,
                shipped: shipped_units,
                backorder: (to_pick - shipped_units).max(0),
                status: shipped.unwrap_or_else(|| {
                    match () {
                        _ if shipped_units >= to_pick && shipped_units > 0 => "shipped",
                        _ if shipped_units > 0 => "part_shipped",
                        _ if picked >= to_pick => "picked",
                        _ => "open",
                    }
                    .to_string()
                }),
                carrier: r.get(6)?,
                tracking: r.get(7)?,
            })
        },
    )?;
    Ok(rows)
}

/// Confirms an order packed, or shipped with its carrier and tracking number. Only a fully
/// picked order can be packed, only a packed one shipped, and a shipped one is final.
pub(crate) fn confirm_shipment(
    conn: &dyn Db,
    order: &str,
    step: &Shipment,
    by: &str,
) -> StorageResult<OrderStatus> {
    let wh: Option<String> = conn
        .first("SELECT w.code FROM order_lines o JOIN warehouses w ON w.id = o.warehouse_id WHERE o.order_no = ?1 LIMIT 1", args![order], |r| r.get(0))?;
    let Some(wh) = wh else {
        return Err(StorageError::NotFound(said!(
            "orders.no_order",
            "no order {order:?}",
            order = order
        )));
    };
    let current = orders(conn, &wh)?
        .into_iter()
        .find(|o| o.order == order)
        .ok_or_else(|| {
            StorageError::NotFound(said!(
                "orders.no_order",
                "no order {order:?}",
                order = order
            ))
        })?;
    let now = chrono::Utc::now().to_rfc3339();
    match (step, current.status.as_str()) {
        (Shipment::Packed, "picked") => {
            conn.exec("INSERT INTO shipments (order_no, status, by_badge, updated_at) VALUES (?1, 'packed', ?2, ?3)", args![order, by, now])?;
        }
        (Shipment::Shipped { carrier, tracking }, "packed") => {
            if carrier.trim().is_empty() || tracking.trim().is_empty() {
                return Err(StorageError::Invalid(said!(
                    "orders.shipment_needs_carrier_tracking",
                    "a shipment needs the carrier and the tracking number"
                )));
            }
            conn.exec("UPDATE shipments SET status = 'shipped', carrier = ?2, tracking = ?3, by_badge = ?4, updated_at = ?5
                 WHERE order_no = ?1", args![order, carrier.trim(), tracking.trim(), by, now])?;
            // Devices learn that the order is final: its lines leave their pick lists.
            conn.exec("INSERT INTO changes (kind, id) SELECT 'order_line', id FROM order_lines WHERE order_no = ?1", args![order])?;
        }
        (step, status) => {
            let (status, picked, ordered) =
                (super::status_words(status), current.picked, current.ordered);
            return Err(StorageError::Conflict(match step {
                Shipment::Packed => said!(
                    "orders.pack_when_picked",
                    "order {order} is {status} ({picked} of {ordered} picked); it can be packed once every line is picked in full",
                    order = order,
                    status = status,
                    picked = picked,
                    ordered = ordered
                ),
                Shipment::Shipped { .. } => said!(
                    "orders.ship_when_packed",
                    "order {order} is {status} ({picked} of {ordered} picked); it can be shipped once it is packed",
                    order = order,
                    status = status,
                    picked = picked,
                    ordered = ordered
                ),
            }));
        }
    }
    orders(conn, &wh)?
        .into_iter()
        .find(|o| o.order == order)
        .ok_or_else(|| StorageError::Internal("the order vanished".into()))
}

/// A step of shipping confirmation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Shipment {
    Packed,
    Shipped { carrier: String, tracking: String },
}
