//! Packing and shipping on the server: the cartons, their contents and the shipments that took
//! them, written as devices' pack, close and ship operations are applied (in the push's
//! transaction), and read back for devices (pull), supervisors (lists, packing slips, labels).
//! Also the blocks of SSCC serial references each device mints its cartons' numbers from.

use super::*;
use aisle_domain::op::{ChangeLogEntry, Operation};
use aisle_domain::sscc::{self, SsccBlock};
use aisle_domain::{DeviceId, WarehouseId};
use aisle_labels::carton::CartonLabel;
use aisle_labels::slip::{PackingSlip, SlipCarton, SlipLine};
use aisle_proto::{Carton, CartonContent};
use chrono::{DateTime, SecondsFormat};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Records what a pack, close or ship operation says about cartons; other operations are left.
/// The rules (`pack_mismatch`) were judged before, against the state without it.
pub(crate) fn record(
    tx: &dyn Db,
    e: &ChangeLogEntry,
    warehouse: WarehouseId,
    at: DateTime<Utc>,
) -> StorageResult<()> {
    let wh = warehouse.to_string();
    let now = stamp(at);
    match &e.op {
        Operation::Pack(p) => {
            // A shipment may have named the carton first (its packer synced later): it gets its
            // order now.
            tx.exec(
                "INSERT INTO cartons (sscc, warehouse_id, order_no, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sscc) DO UPDATE SET order_no = excluded.order_no WHERE cartons.order_no = ''",
                args![p.carton, wh, p.order, now],
            )?;
            for l in &p.lines {
                tx.exec(
                    "INSERT INTO carton_lines (op_id, sscc, order_no, order_line_id, item_id, lot, qty, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    args![
                        e.op_id.to_string(),
                        p.carton,
                        p.order,
                        l.order_line.map(|x| x.to_string()),
                        l.item.to_string(),
                        l.lot.clone().unwrap_or_default(),
                        l.qty,
                        now
                    ],
                )?;
                tx.exec(
                    "INSERT INTO changes (kind, id) SELECT 'order_line', id FROM order_lines WHERE order_no = ?1 AND item_id = ?2",
                    args![p.order, l.item.to_string()],
                )?;
            }
            // Packed into a carton that had already left (its packer synced after the shipper):
            // for a transfer, the destination expects this too.
            let gone: Option<Option<String>> = tx.first(
                "SELECT shipment_op FROM cartons WHERE sscc = ?1",
                args![p.carton],
                |r| r.get(0),
            )?;
            if gone.flatten().is_some() {
                super::transfers::shipped_in_carton(tx, &p.carton, Some(&e.op_id.to_string()))?;
            }
            changed(tx, &p.carton)?;
        }
        Operation::CloseCarton(c) => {
            tx.exec(
                "INSERT INTO cartons (sscc, warehouse_id, order_no, weight_g, weighed, closed_op, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (sscc) DO UPDATE SET weight_g = excluded.weight_g, weighed = excluded.weighed,
                    closed_op = excluded.closed_op",
                args![
                    c.carton,
                    wh,
                    c.order,
                    c.weight_g,
                    i64::from(c.weighed),
                    e.op_id.to_string(),
                    now
                ],
            )?;
            changed(tx, &c.carton)?;
        }
        Operation::Ship(s) => {
            tx.exec(
                "INSERT INTO dispatches (op_id, warehouse_id, carrier, reference, operator, device_id, device_time, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                args![
                    e.op_id.to_string(),
                    wh,
                    s.carrier.trim(),
                    s.reference.as_deref().map(str::trim),
                    e.operator.clone(),
                    e.device_id.to_string(),
                    stamp(e.device_time),
                    now
                ],
            )?;
            for c in &s.cartons {
                tx.exec(
                    "INSERT INTO cartons (sscc, warehouse_id, order_no, created_at) VALUES (?1, ?2, '', ?3)
                     ON CONFLICT (sscc) DO NOTHING",
                    args![c, wh, now],
                )?;
                // The first shipment keeps the carton; a second one is a pack_mismatch.
                let first = tx.exec(
                    "UPDATE cartons SET shipment_op = ?2, shipped_device_time = ?3 WHERE sscc = ?1 AND shipment_op IS NULL",
                    args![c, e.op_id.to_string(), stamp(e.device_time)],
                )?;
                if first == 1 {
                    super::transfers::shipped_in_carton(tx, c, None)?;
                }
                tx.exec(
                    "INSERT INTO changes (kind, id) SELECT DISTINCT 'order_line', order_line_id FROM carton_lines
                     WHERE sscc = ?1 AND order_line_id IS NOT NULL",
                    args![c],
                )?;
                changed(tx, c)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn changed(tx: &dyn Db, sscc: &str) -> StorageResult<()> {
    tx.exec(
        "INSERT INTO changes (kind, id) VALUES ('carton', ?1)",
        args![sscc],
    )?;
    Ok(())
}

/// Cartons matching `clause` (over `cartons c`), with their contents, by SSCC.
pub(crate) fn cartons_where(
    conn: &dyn Db,
    clause: &str,
    args: &[aisle_ledger::db::Value],
) -> StorageResult<Vec<Carton>> {
    type Head = (
        String,
        String,
        WarehouseId,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let heads: Vec<Head> = conn.rows(
        &format!(
            "SELECT c.sscc, c.order_no, c.warehouse_id, c.weight_g, c.closed_op, c.shipment_op, d.carrier
             FROM cartons c LEFT JOIN dispatches d ON d.op_id = c.shipment_op
             WHERE {clause} ORDER BY c.sscc"
        ),
        args,
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    // Every carton's contents in one statement (a snapshot carries every open carton).
    let mut contents: HashMap<String, Vec<CartonContent>> = HashMap::new();
    if !heads.is_empty() {
        let rows: Vec<(String, CartonContent)> = conn.rows(
            &format!(
                "SELECT l.sscc, l.order_line_id, l.item_id, l.lot, CAST(SUM(l.qty) AS BIGINT) FROM carton_lines l
                 WHERE l.sscc IN (SELECT c.sscc FROM cartons c WHERE {clause})
                 GROUP BY l.sscc, l.order_line_id, l.item_id, l.lot ORDER BY l.sscc, l.item_id, l.lot"
            ),
            args,
            |r| {
                Ok((
                    r.get(0)?,
                    CartonContent {
                        order_line: r.get(1)?,
                        item_id: r.get(2)?,
                        lot: none_if_empty(r.get(3)?),
                        qty: r.get(4)?,
                    },
                ))
            },
        )?;
        for (sscc, c) in rows {
            contents.entry(sscc).or_default().push(c);
        }
    }
    let mut out = Vec::with_capacity(heads.len());
    for (sscc, order, warehouse_id, weight_g, closed, shipment, carrier) in heads {
        let contents = contents.remove(&sscc).unwrap_or_default();
        out.push(Carton {
            sscc,
            order,
            warehouse_id,
            contents,
            weight_g,
            closed: closed.is_some(),
            shipment: shipment
                .map(|s| s.parse())
                .transpose()
                .map_err(|e| StorageError::Internal(format!("a stored shipment id: {e}")))?,
            carrier,
        });
    }
    Ok(out)
}

/// One shipment of cartons, for the supervisor pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShipmentSummary {
    /// The ship operation's id.
    pub id: String,
    pub carrier: String,
    pub reference: Option<String>,
    pub operator: String,
    /// When the server applied it.
    pub at: String,
    pub cartons: Vec<String>,
    pub orders: Vec<String>,
    /// Sum of the cartons' weights where known, in grams.
    pub weight_g: i64,
}

/// A warehouse's shipments of cartons, newest first (at most `limit`).
pub(crate) fn shipments(
    conn: &dyn Db,
    warehouse: &str,
    limit: u32,
) -> StorageResult<Vec<ShipmentSummary>> {
    let wh = warehouse_id(conn, warehouse)?;
    let heads: Vec<(String, String, Option<String>, String, String)> = conn.rows(
        "SELECT op_id, carrier, reference, operator, at FROM dispatches WHERE warehouse_id = ?1
         ORDER BY at DESC, op_id LIMIT ?2",
        args![wh, i64::from(limit)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let mut out = Vec::with_capacity(heads.len());
    for (id, carrier, reference, operator, at) in heads {
        let cartons: Vec<(String, String, Option<i64>)> = conn.rows(
            "SELECT sscc, order_no, weight_g FROM cartons WHERE shipment_op = ?1 ORDER BY order_no, sscc",
            args![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut orders: Vec<String> = cartons.iter().map(|c| c.1.clone()).collect();
        orders.dedup();
        out.push(ShipmentSummary {
            weight_g: cartons.iter().filter_map(|c| c.2).sum(),
            cartons: cartons.into_iter().map(|c| c.0).collect(),
            orders,
            id,
            carrier,
            reference,
            operator,
            at,
        });
    }
    Ok(out)
}

/// The cartons of one shipment (or the one carton) as documents show them.
fn slip_cartons(
    conn: &dyn Db,
    shipment: Option<&str>,
    carton: Option<&str>,
) -> StorageResult<Vec<SlipCarton>> {
    let heads: Vec<(String, String, Option<i64>)> = conn.rows(
        "SELECT sscc, order_no, weight_g FROM cartons
         WHERE (CAST(?1 AS TEXT) IS NULL OR shipment_op = ?1) AND (CAST(?2 AS TEXT) IS NULL OR sscc = ?2)
         ORDER BY order_no, sscc",
        args![shipment, carton],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut out = Vec::with_capacity(heads.len());
    for (sscc, order, weight_g) in heads {
        let customer: Option<String> = conn
            .first(
                "SELECT MAX(customer) FROM order_lines WHERE order_no = ?1",
                args![order],
                |r| r.get(0),
            )?
            .flatten();
        let lines = conn.rows(
            "SELECT i.sku, i.description, l.lot, CAST(SUM(l.qty) AS BIGINT) FROM carton_lines l JOIN items i ON i.id = l.item_id
             WHERE l.sscc = ?1 GROUP BY i.sku, i.description, l.lot ORDER BY i.sku, l.lot",
            args![sscc],
            |r| {
                Ok(SlipLine {
                    sku: r.get(0)?,
                    description: r.get(1)?,
                    lot: none_if_empty(r.get(2)?),
                    qty: r.get(3)?,
                })
            },
        )?;
        out.push(SlipCarton {
            sscc,
            order,
            customer,
            weight_g,
            lines,
        });
    }
    Ok(out)
}

/// The packing slip of a shipment, if there is one with this id.
pub(crate) fn packing_slip(conn: &dyn Db, shipment: &str) -> StorageResult<Option<PackingSlip>> {
    let head: Option<(String, String, Option<String>, String)> = conn.first(
        "SELECT w.name, d.carrier, d.reference, d.at FROM dispatches d JOIN warehouses w ON w.id = d.warehouse_id
         WHERE d.op_id = ?1",
        args![shipment],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let Some((from, carrier, reference, at)) = head else {
        return Ok(None);
    };
    Ok(Some(PackingSlip {
        shipment: shipment.to_string(),
        from,
        carrier,
        reference,
        shipped_at: at.get(..16).unwrap_or(&at).replace('T', " "),
        cartons: slip_cartons(conn, Some(shipment), None)?,
    }))
}

/// The label of a carton, if the server knows the carton.
pub(crate) fn carton_label(conn: &dyn Db, sscc: &str) -> StorageResult<Option<CartonLabel>> {
    let head: Option<(String, Option<String>)> = conn.first(
        "SELECT w.name, d.carrier FROM cartons c JOIN warehouses w ON w.id = c.warehouse_id
         LEFT JOIN dispatches d ON d.op_id = c.shipment_op WHERE c.sscc = ?1",
        args![sscc],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some((from, carrier)) = head else {
        return Ok(None);
    };
    let Some(c) = slip_cartons(conn, None, Some(sscc))?.pop() else {
        return Ok(None);
    };
    Ok(Some(CartonLabel {
        sscc: c.sscc,
        from,
        to: c.customer,
        order: c.order,
        weight_g: c.weight_g,
        contents: c
            .lines
            .iter()
            .map(|l| aisle_labels::carton::content_line(&l.sku, l.qty, l.lot.as_deref()))
            .collect(),
        carrier,
    }))
}

/// How many serial references one block holds: a busy packing bench closes a few hundred
/// cartons a shift.
pub const SSCC_BLOCK: u64 = 1000;

/// Reserves the next block of serial references under `prefix` and `extension` for `device`.
/// Blocks never overlap: each starts after the highest one handed out (the writer's lock makes
/// two requests take turns).
pub(crate) fn reserve_sscc_block(
    tx: &dyn Db,
    device: DeviceId,
    extension: u8,
    prefix: &str,
) -> StorageResult<SsccBlock> {
    let next: i64 = tx
        .first(
            "SELECT COALESCE(MAX(first_serial + count), 0) FROM sscc_blocks WHERE prefix = ?1 AND extension = ?2",
            args![prefix, i64::from(extension)],
            |r| r.get(0),
        )?
        .unwrap_or(0);
    let first = next.max(0) as u64;
    if first + SSCC_BLOCK - 1 > sscc::max_serial(prefix) {
        return Err(StorageError::Conflict(said!(
            "packing.sscc_exhausted",
            "every SSCC serial reference under prefix {prefix} and extension {extension} is used: configure another extension digit",
            prefix = prefix,
            extension = extension.to_string()
        )));
    }
    // The prefix and extension are the server's configuration, checked when it starts.
    sscc::mint(extension, prefix, first)
        .map_err(|e| StorageError::Invalid(Said::untranslated(e.to_string())))?;
    tx.exec(
        "INSERT INTO sscc_blocks (first_serial, count, prefix, extension, device_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            first as i64,
            SSCC_BLOCK as i64,
            prefix,
            i64::from(extension),
            device.to_string(),
            stamp(Utc::now())
        ],
    )?;
    Ok(SsccBlock {
        extension,
        prefix: prefix.to_string(),
        first,
        count: SSCC_BLOCK,
    })
}
