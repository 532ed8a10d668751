//! Pull pages and snapshots: what a device receives.

use super::*;

impl SqlStorage {
    pub(super) fn pull_page(
        &self,
        device: &DeviceRecord,
        query: &PullQuery,
    ) -> StorageResult<PullPage> {
        // One read transaction on a read connection: the page, the cursor and the revision are one
        // committed state. A push committing meanwhile numbers its operations after everything
        // this snapshot holds (one writer), so the cursor never passes a row still to come.
        self.reading(|tx| {
        let limit = query
            .limit
            .unwrap_or(aisle_proto::DEFAULT_PULL_LIMIT)
            .clamp(1, aisle_proto::MAX_PULL_LIMIT);
        let wh = device.warehouse_id.to_string();
        let (ops, stock, cursor, more, durable_seq) = if query.state {
            let (stock, cursor, more) = stock_changes(&tx, device.warehouse_id, query.cursor, limit)?;
            // Read here, not from the request's authentication: a push of this device committed
            // since then is in `stock`, and the device must not add it on top a second time.
            let durable: i64 = tx
                .value("SELECT durable_seq FROM devices WHERE id = ?1", args![device.id])?
                .unwrap_or(0);
            (Vec::new(), stock, cursor, more, durable.max(0) as u64)
        } else {
            let (ops, cursor, more) = ops_after(&tx, device, query.cursor, limit)?;
            (ops, Vec::new(), cursor, more, 0)
        };
        let rev = max_rev(&tx)?;
        let mut master = MasterData::default();
        if rev > query.rev {
            let rows = tx.rows(
                "SELECT DISTINCT kind, id FROM changes WHERE rev > ?1 AND rev <= ?2 AND kind IN ('warehouse', 'location', 'item', 'operator')",
                args![query.rev as i64, rev as i64],
                |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
            )?;
            let mut wh_changed = false;
            let mut loc_ids = Vec::new();
            let mut item_ids = Vec::new();
            let mut operator_badges = Vec::new();
            for (kind, id) in rows {
                match kind.as_str() {
                    "warehouse" => wh_changed = true,
                    "location" => loc_ids.push(id),
                    "item" => item_ids.push(id),
                    "operator" => operator_badges.push(id),
                    // Work and exceptions are selected below with a subquery on `changes`.
                    _ => {}
                }
            }
            if wh_changed {
                master.warehouses = load_warehouses(&tx)?;
            }
            for id in loc_ids {
                if let Some(l) = load_location(&tx, parse(&id)?)?
                    && l.warehouse_id == device.warehouse_id
                {
                    master.locations.push(l);
                }
            }
            master.locations.sort_by_key(|l| l.id);
            for id in item_ids {
                if let Some(i) = load_item(&tx, parse(&id)?)? {
                    master.items.push(i);
                }
            }
            for badge in operator_badges {
                master.operators.extend(load_operators(&tx, Some(&badge))?);
            }
        }
        // Work and exceptions changed since the device's revision, selected through `changes`
        // (a subquery, so a large import never hits SQLite's limit on bound parameters).
        let since = |kind: &str| {
            (
                format!(
                    "warehouse_id = ?1 AND id IN (SELECT id FROM changes WHERE kind = '{kind}' AND rev > ?2 AND rev <= ?3)"
                ),
                vec![
                    wh.to_value(),
                    (query.rev as i64).to_value(),
                    (rev as i64).to_value(),
                ],
            )
        };
        let (rc, ra) = since("receipt_line");
        let (oc, oa) = since("order_line");
        let (ec, ea) = since("exception");
        let (tc, ta) = since("task");
        let (pc, pa) = since("plate");
        let response = PullPage {
            epoch: self.epoch,
            ops,
            cursor,
            more,
            master,
            receipt_lines: if rev > query.rev {
                receipt_lines(&tx, &rc, &ra)?
            } else {
                vec![]
            },
            order_lines: if rev > query.rev {
                order_lines(&tx, &oc, &oa)?
            } else {
                vec![]
            },
            exceptions: if rev > query.rev {
                exceptions_where(&tx, &ec, &ea)?
            } else {
                vec![]
            },
            other_warehouses: other_warehouses(&tx, device.warehouse_id)?,
            in_transit: in_transit(&tx)?,
            rev,
            tasks: if rev > query.rev {
                tasks::tasks_where(&tx, &tc, &ta)?
            } else {
                vec![]
            },
            plates: if rev > query.rev {
                load_plates(&tx, &pc, &pa)?
            } else {
                vec![]
            },
            cartons: if rev > query.rev {
                inventory::cartons_where(
                    &tx,
                    "c.warehouse_id = ?1 AND c.sscc IN (SELECT id FROM changes WHERE kind = 'carton' AND rev > ?2 AND rev <= ?3)",
                    &pa,
                )?
            } else {
                vec![]
            },
            leases: crate::leases::current(&tx, device.warehouse_id, Utc::now())?,
            stock,
            durable_seq,
        };
        Ok(response)
        })
    }

    pub(super) fn snapshot_for(&self, device: &DeviceRecord) -> StorageResult<Snapshot> {
        self.reading(|tx| {
            let wh = device.warehouse_id.to_string();
            let stock = tx.rows(
                "SELECT s.item_id, s.location_id, s.lot, s.expiry, s.plate_id, s.qty FROM stock s
             JOIN locations l ON l.id = s.location_id WHERE l.warehouse_id = ?1",
                aisle_ledger::args![wh],
                |r| {
                    Ok(StockRow {
                        key: key_from_row(r, 0)?,
                        qty: r.get(5)?,
                    })
                },
            )?;
            let snapshot = Snapshot {
                epoch: self.epoch,
                cursor: max_seq(&tx)?,
                rev: max_rev(&tx)?,
                master: MasterData {
                    warehouses: load_warehouses(&tx)?,
                    locations: load_locations(&tx, device.warehouse_id)?,
                    items: load_items(&tx)?,
                    operators: load_operators(&tx, None)?,
                },
                stock,
                receipt_lines: receipt_lines(&tx, "warehouse_id = ?1", aisle_ledger::args![wh])?,
                order_lines: order_lines(&tx, "warehouse_id = ?1", aisle_ledger::args![wh])?,
                exceptions: exceptions_where(
                    &tx,
                    "warehouse_id = ?1 AND status = 'open'",
                    aisle_ledger::args![wh],
                )?,
                other_warehouses: other_warehouses(&tx, device.warehouse_id)?,
                tasks: tasks::tasks_where(
                    &tx,
                    "warehouse_id = ?1 AND status = 'open'",
                    aisle_ledger::args![wh],
                )?,
                plates: load_plates(&tx, "warehouse_id = ?1", aisle_ledger::args![wh])?,
                cartons: inventory::cartons_where(
                    &tx,
                    "c.warehouse_id = ?1 AND c.shipment_op IS NULL",
                    aisle_ledger::args![wh],
                )?,
                in_transit: in_transit(&tx)?,
                leases: crate::leases::current(&tx, device.warehouse_id, Utc::now())?,
            };
            Ok(snapshot)
        })
    }
}

fn receipt_lines(conn: &dyn Db, clause: &str, args: &[Value]) -> StorageResult<Vec<ReceiptLine>> {
    let sql = format!(
        "SELECT id, receipt, line, warehouse_id, item_id, expected_qty, received_qty, expected_date FROM receipt_lines WHERE {clause} ORDER BY receipt, line"
    );
    load_rows(conn, &sql, args, |r| {
        Ok(ReceiptLine {
            id: r.get(0)?,
            receipt: r.get(1)?,
            line: r.get(2)?,
            warehouse_id: r.get(3)?,
            item_id: r.get(4)?,
            expected_qty: r.get(5)?,
            received_qty: r.get(6)?,
            expected_date: r.get(7)?,
        })
    })
}

fn order_lines(conn: &dyn Db, clause: &str, args: &[Value]) -> StorageResult<Vec<OrderLine>> {
    let sql = format!(
        "SELECT o.id, o.order_no, o.line, o.warehouse_id, o.item_id, o.qty, o.picked_qty, o.customer, s.status = 'shipped',
                o.min_shelf_life_days,
                (SELECT CAST(COALESCE(SUM(l.qty), 0) AS BIGINT) FROM carton_lines l WHERE l.order_line_id = o.id),
                (SELECT CAST(COALESCE(SUM(l.qty), 0) AS BIGINT) FROM carton_lines l JOIN cartons c ON c.sscc = l.sscc
                  WHERE l.order_line_id = o.id AND c.shipment_op IS NOT NULL)
         FROM order_lines o LEFT JOIN shipments s ON s.order_no = o.order_no WHERE {clause} ORDER BY o.order_no, o.line"
    );
    load_rows(conn, &sql, args, |r| {
        Ok(OrderLine {
            id: r.get(0)?,
            order: r.get(1)?,
            line: r.get(2)?,
            warehouse_id: r.get(3)?,
            item_id: r.get(4)?,
            qty: r.get(5)?,
            picked_qty: r.get(6)?,
            customer: r.get(7)?,
            shipped: r.get::<Option<bool>>(8)?.unwrap_or(false),
            min_shelf_life_days: shelf_life_days(r.get(9)?)?,
            packed_qty: r.get(10)?,
            shipped_qty: r.get(11)?,
        })
    })
}

/// Totals per item of the warehouses other than `own`. Read from the other warehouses' locations
/// to their stock (SQLite takes `CROSS JOIN` as that order): read from stock, it visited every
/// stock row of the device's own warehouse on every pull page, half of a page's time after a
/// big receipt (docs/PERFORMANCE.md, session 9).
fn other_warehouses(conn: &dyn Db, own: WarehouseId) -> StorageResult<Vec<StockSummary>> {
    Ok(conn.rows(
        "SELECT l.warehouse_id, s.item_id, CAST(SUM(s.qty) AS BIGINT) FROM locations l CROSS JOIN stock s
         WHERE s.location_id = l.id AND l.warehouse_id <> ?1 GROUP BY l.warehouse_id, s.item_id HAVING SUM(s.qty) <> 0",
        args![own],
        |r| {
            Ok(StockSummary {
                warehouse_id: r.get(0)?,
                item_id: r.get(1)?,
                qty: r.get(2)?,
            })
        },
    )?)
}

/// Goods in transit per destination warehouse and item: shipped on transfers not closed, not yet
/// received. Every warehouse's, so a tablet sees what is on its way anywhere.
fn in_transit(conn: &dyn Db) -> StorageResult<Vec<StockSummary>> {
    Ok(conn.rows(
        "SELECT t.to_wh, r.item_id, CAST(SUM(r.expected_qty - r.received_qty) AS BIGINT)
         FROM transfers t JOIN receipt_lines r ON r.receipt = t.transfer_no
         WHERE t.status = 'in_transit' AND r.received_qty < r.expected_qty
         GROUP BY t.to_wh, r.item_id",
        &[],
        |r| {
            Ok(StockSummary {
                warehouse_id: r.get(0)?,
                item_id: r.get(1)?,
                qty: r.get(2)?,
            })
        },
    )?)
}

/// Operations of the device's warehouse by others after `cursor` (the pull of older apps), the
/// page's cursor and whether more wait.
fn ops_after(
    tx: &dyn Db,
    device: &DeviceRecord,
    after: u64,
    limit: u32,
) -> StorageResult<(Vec<RawServerOp>, u64, bool)> {
    let rows = tx.rows(
        "SELECT server_seq, entry FROM ops WHERE warehouse_id = ?1 AND server_seq > ?2 AND device_id <> ?3
         AND status = 'applied' ORDER BY server_seq LIMIT ?4",
        args![device.warehouse_id, after as i64, device.id, i64::from(limit) + 1],
        |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
    )?;
    let mut ops = Vec::new();
    for (seq, entry) in rows {
        ops.push(RawServerOp {
            server_seq: seq as u64,
            entry: RawValue::from_string(entry)?,
        });
    }
    let more = ops.len() > limit as usize;
    ops.truncate(limit as usize);
    let cursor = if more {
        ops.last().map_or(after, |o| o.server_seq)
    } else {
        max_seq(tx)?.max(after)
    };
    Ok((ops, cursor, more))
}

/// The stock rows of a warehouse changed after `after`, as they stand, in whole sequence numbers
/// (an operation's rows are never split between pages, however many keys it changed): about
/// `limit` rows, the page's cursor, and whether more wait. A row changed again later is sent once,
/// as it is now, so the cost is what changed, not how often.
fn stock_changes(
    tx: &dyn Db,
    warehouse: WarehouseId,
    after: u64,
    limit: u32,
) -> StorageResult<(Vec<aisle_proto::StockChange>, u64, bool)> {
    let bound: Option<i64> = tx.value(
        "SELECT seq FROM stock_changes WHERE warehouse_id = ?1 AND seq > ?2 ORDER BY seq LIMIT 1 OFFSET ?3",
        args![warehouse, after as i64, i64::from(limit) - 1],
    )?;
    let upto = bound.unwrap_or(i64::MAX);
    // From the index `stock_changes_by_seq` alone: it holds every column read here.
    let rows = tx.rows(
        "SELECT item_id, location_id, lot, expiry, plate_id, qty, seq, first_op FROM stock_changes
         WHERE warehouse_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq",
        args![warehouse, after as i64, upto],
        |r| {
            Ok(aisle_proto::StockChange {
                key: key_from_row(r, 0)?,
                qty: r.get(5)?,
                seq: r.get::<i64>(6)?.max(0) as u64,
                first_op: none_if_empty(r.get(7)?).and_then(|op| op.parse().ok()),
            })
        },
    )?;
    let more = match bound {
        Some(b) => tx
            .value::<i64>(
                "SELECT seq FROM stock_changes WHERE warehouse_id = ?1 AND seq > ?2 LIMIT 1",
                args![warehouse, b],
            )?
            .is_some(),
        None => false,
    };
    let cursor = match bound {
        Some(b) if more => b.max(0) as u64,
        _ => max_seq(tx)?.max(after),
    };
    Ok((rows, cursor, more))
}
