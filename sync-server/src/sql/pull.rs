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
        let mut ops = Vec::new();
        let rows = tx.rows(
            "SELECT server_seq, entry FROM ops WHERE warehouse_id = ?1 AND server_seq > ?2 AND device_id <> ?3
             AND status = 'applied' ORDER BY server_seq LIMIT ?4",
            args![wh, query.cursor as i64, device.id, i64::from(limit) + 1],
            |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
        )?;
        for (seq, entry) in rows {
            ops.push(RawServerOp {
                server_seq: seq as u64,
                entry: RawValue::from_string(entry)?,
            });
        }
        let more = ops.len() > limit as usize;
        ops.truncate(limit as usize);
        let cursor = if more {
            ops.last().map_or(query.cursor, |o| o.server_seq)
        } else {
            max_seq(&tx)?.max(query.cursor)
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
            leases: crate::leases::current(&tx, device.warehouse_id, Utc::now())?,
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
        "SELECT o.id, o.order_no, o.line, o.warehouse_id, o.item_id, o.qty, o.picked_qty, o.customer, s.status = 'shipped'
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
        })
    })
}

fn other_warehouses(conn: &dyn Db, own: WarehouseId) -> StorageResult<Vec<StockSummary>> {
    Ok(conn.rows(
        "SELECT l.warehouse_id, s.item_id, CAST(SUM(s.qty) AS BIGINT) FROM stock s JOIN locations l ON l.id = s.location_id
         WHERE l.warehouse_id <> ?1 GROUP BY l.warehouse_id, s.item_id HAVING SUM(s.qty) <> 0",
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
