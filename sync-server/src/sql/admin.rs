//! Warehouse IT's side: operators, CSV imports and exports, the demo company, supervisor
//! sessions, the audit log and the books audit.

use super::*;

impl Administration for SqlStorage {
    fn add_operator(&self, op: &NewOperator) -> StorageResult<()> {
        if op.badge.trim().is_empty() || op.name.trim().is_empty() {
            return Err(StorageError::Invalid(said!(
                "operators.badge_and_name",
                "an operator needs a badge code and a name"
            )));
        }
        let hash = aisle_ledger::pin::hash_pin(&op.pin)?;
        let tx = self.write()?;
        tx.exec("INSERT INTO operators (badge, name, pin_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(badge) DO UPDATE SET name = excluded.name, pin_hash = excluded.pin_hash, role = excluded.role", args![op.badge.trim(), op.name.trim(), hash, if op.supervisor { "supervisor" } else { "operator" }, Utc::now().to_rfc3339()])?;
        tx.commit()
    }

    fn operators(&self) -> StorageResult<Vec<crate::storage::OperatorSummary>> {
        let conn = self.read()?;
        Ok(conn.rows(
            "SELECT badge, name, role, disabled_at, language FROM operators ORDER BY badge",
            args![],
            |r| {
                Ok(crate::storage::OperatorSummary {
                    badge: r.get(0)?,
                    name: r.get(1)?,
                    role: r.get(2)?,
                    disabled_at: r.get(3)?,
                    language: r.get(4)?,
                })
            },
        )?)
    }

    fn set_operator_language(&self, badge: &str, language: Option<&str>) -> StorageResult<()> {
        let tx = self.write()?;
        let n = tx.exec(
            "UPDATE operators SET language = ?2 WHERE badge = ?1",
            args![badge, language],
        )?;
        if n == 0 {
            return Err(StorageError::NotFound(said!(
                "operators.no_badge",
                "no operator with badge {badge:?}",
                badge = badge
            )));
        }
        tx.commit()
    }

    fn set_operator_disabled(&self, badge: &str, disabled: bool) -> StorageResult<()> {
        let tx = self.write()?;
        let n = if disabled {
            let n = tx.exec(
                "UPDATE operators SET disabled_at = ?2 WHERE badge = ?1 AND disabled_at IS NULL",
                // The same fixed-width UTC text as the role history, so that text order is time order.
                args![
                    badge,
                    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                ],
            )?;
            // A disabled supervisor's page sessions end now.
            tx.exec("DELETE FROM sessions WHERE badge = ?1", args![badge])?;
            n
        } else {
            tx.exec(
                "UPDATE operators SET disabled_at = NULL WHERE badge = ?1 AND disabled_at IS NOT NULL",
                args![badge],
            )?
        };
        if n == 0 {
            let known: Option<i64> = tx.first(
                "SELECT 1 FROM operators WHERE badge = ?1",
                args![badge],
                |r| r.get(0),
            )?;
            if known.is_none() {
                return Err(StorageError::NotFound(said!(
                    "operators.no_badge",
                    "no operator with badge {badge:?}",
                    badge = badge
                )));
            }
        }
        tx.commit()
    }

    fn import(&self, kind: ImportKind, csv: &mut dyn std::io::Read) -> StorageResult<usize> {
        let tx = self.write()?;
        let n = match kind {
            ImportKind::Warehouses => {
                let s = import_warehouses_into(&tx, csv)?;
                s.created + s.updated
            }
            ImportKind::Locations => {
                let s = import_locations_into(&tx, csv)?;
                s.created + s.updated
            }
            ImportKind::Items => {
                let s = import_items_into(&tx, csv)?;
                s.created + s.updated
            }
            ImportKind::Costs => {
                let rows = parse_costs(csv)?;
                let mut errors = Vec::new();
                for r in &rows {
                    let item: Option<String> =
                        tx.first("SELECT id FROM items WHERE sku = ?1", args![r.sku], |x| {
                            x.get(0)
                        })?;
                    match item {
                        Some(item) => {
                            tx.exec("INSERT INTO item_costs (item_id, unit_cost_micros, currency, updated_at) VALUES (?1, ?2, ?3, ?4)
                                 ON CONFLICT(item_id) DO UPDATE SET unit_cost_micros = excluded.unit_cost_micros,
                                   currency = excluded.currency, updated_at = excluded.updated_at", args![item, r.unit_cost_micros, r.currency, Utc::now().to_rfc3339()])?;
                        }
                        None => errors.push(RowError {
                            line: r.line_no,
                            column: Some("sku".into()),
                            reason: format!("item {:?} does not exist", r.sku),
                        }),
                    }
                }
                if !errors.is_empty() {
                    return Err(ImportError {
                        what: "costs",
                        errors,
                    }
                    .into());
                }
                rows.len()
            }
            ImportKind::ItemWarehouses => {
                let rows = parse_item_warehouses(csv)?;
                let codes = rows.iter().map(|r| Codes {
                    line_no: r.line_no,
                    warehouse: &r.warehouse,
                    sku: &r.sku,
                });
                let ids = resolve_codes(&tx, "item-warehouses", codes)?;
                let mut errors = Vec::new();
                for (r, (wh, item)) in rows.iter().zip(ids) {
                    inventory::import_item_warehouse(
                        &tx,
                        &wh.to_string(),
                        &item.to_string(),
                        r,
                        &mut errors,
                    )?;
                }
                if !errors.is_empty() {
                    return Err(ImportError {
                        what: "item-warehouses",
                        errors,
                    }
                    .into());
                }
                rows.len()
            }
            ImportKind::Suppliers => inventory::import_suppliers(&tx, &parse_suppliers(csv)?)?,
            ImportKind::SupplierItems => {
                inventory::import_supplier_items(&tx, &parse_supplier_items(csv)?)?
            }
            ImportKind::Receipts => {
                let rows = parse_receipts(csv)?;
                let ids = resolve_codes(&tx, "receipts", work_codes(&rows))?;
                for (r, (wh, item)) in rows.iter().zip(ids) {
                    let id = ReceiptLineId::new().to_string();
                    tx.exec("INSERT INTO receipt_lines (id, receipt, line, warehouse_id, item_id, expected_qty, expected_date)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT(receipt, line) DO UPDATE SET item_id = excluded.item_id, expected_qty = excluded.expected_qty,
                           expected_date = excluded.expected_date, warehouse_id = excluded.warehouse_id", args![id, r.document, r.line, wh.to_string(), item.to_string(), r.qty, r.extra])?;
                    let id: String = tx.one(
                        "SELECT id FROM receipt_lines WHERE receipt = ?1 AND line = ?2",
                        args![r.document, r.line],
                        |x| x.get(0),
                    )?;
                    changed(&tx, "receipt_line", &id)?;
                }
                rows.len()
            }
            ImportKind::Orders => {
                let rows = parse_orders(csv)?;
                let ids = resolve_codes(&tx, "orders", work_codes(&rows))?;
                let mut errors = Vec::new();
                for r in &rows {
                    let status: Option<String> = tx.first(
                        "SELECT status FROM shipments WHERE order_no = ?1",
                        args![r.document],
                        |x| x.get(0),
                    )?;
                    if status.as_deref() == Some("shipped") {
                        errors.push(RowError {
                            line: r.line_no,
                            column: Some("order".into()),
                            reason: format!(
                                "order {:?} is shipped; a shipped order is final (raise a new order)",
                                r.document
                            ),
                        });
                    }
                }
                if !errors.is_empty() {
                    return Err(ImportError {
                        what: "orders",
                        errors,
                    }
                    .into());
                }
                for (r, (wh, item)) in rows.iter().zip(ids) {
                    let id = OrderLineId::new().to_string();
                    tx.exec("INSERT INTO order_lines (id, order_no, line, warehouse_id, item_id, qty, ordered_qty, customer, min_shelf_life_days)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)
                         ON CONFLICT(order_no, line) DO UPDATE SET item_id = excluded.item_id, qty = excluded.qty,
                           ordered_qty = excluded.qty, customer = excluded.customer, warehouse_id = excluded.warehouse_id,
                           min_shelf_life_days = excluded.min_shelf_life_days", args![id, r.document, r.line, wh.to_string(), item.to_string(), r.qty, r.extra, r.min_shelf_life_days.map(i64::from)])?;
                    let id: String = tx.one(
                        "SELECT id FROM order_lines WHERE order_no = ?1 AND line = ?2",
                        args![r.document, r.line],
                        |x| x.get(0),
                    )?;
                    changed(&tx, "order_line", &id)?;
                }
                rows.len()
            }
        };
        tx.commit()?;
        Ok(n)
    }

    fn export(&self, kind: ExportKind, out: &mut dyn std::io::Write) -> StorageResult<usize> {
        let conn = self.read()?;
        let mut n = 0;
        match kind {
            ExportKind::Stock => {
                csv_row(
                    out,
                    &[
                        "warehouse",
                        "location",
                        "sku",
                        "lot",
                        "expiry",
                        "plate",
                        "qty",
                    ]
                    .map(String::from),
                )?;
                for_each_row(
                    &conn,
                    "SELECT w.code, l.code, i.sku, s.lot, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
                     JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id
                     JOIN warehouses w ON w.id = l.warehouse_id LEFT JOIN plates p ON p.id = s.plate_id
                     ORDER BY w.code, l.code, i.sku, s.lot, s.expiry",
                    &[],
                    |r| {
                        let f: Vec<String> = (0..6)
                            .map(|i| r.get::<String>(i))
                            .collect::<Result<_, _>>()?;
                        let qty: i64 = r.get(6)?;
                        csv_row(out, &[f, vec![qty.to_string()]].concat())?;
                        n += 1;
                        Ok(())
                    },
                )?;
            }
            ExportKind::Operations => {
                csv_row(
                    out,
                    &[
                        "server_seq",
                        "op_id",
                        "device_id",
                        "device_seq",
                        "warehouse",
                        "op_type",
                        "operator",
                        "device_time",
                        "received_at",
                        "payload",
                    ]
                    .map(String::from),
                )?;
                for_each_row(
                    &conn,
                    "SELECT o.server_seq, o.entry, w.code, o.received_at FROM ops o JOIN warehouses w ON w.id = o.warehouse_id ORDER BY o.server_seq",
                    &[],
                    |r| {
                        let e: ChangeLogEntry = serde_json::from_str(&r.get::<String>(1)?)?;
                        csv_row(
                            out,
                            &[
                                r.get::<i64>(0)?.to_string(),
                                e.op_id.to_string(),
                                e.device_id.to_string(),
                                e.seq.to_string(),
                                r.get(2)?,
                                e.op.kind().to_string(),
                                e.operator.clone(),
                                e.device_time.to_rfc3339(),
                                r.get(3)?,
                                serde_json::to_string(&e.op)?,
                            ],
                        )?;
                        n += 1;
                        Ok(())
                    },
                )?;
            }
            ExportKind::Suppliers => n = csv_rows(out, &inventory::export_suppliers(&conn)?)?,
            ExportKind::SupplierItems => {
                n = csv_rows(out, &inventory::export_supplier_items(&conn)?)?
            }
            ExportKind::ItemWarehouses => {
                n = csv_rows(out, &inventory::export_item_warehouses(&conn)?)?
            }
            ExportKind::Exceptions => {
                csv_row(
                    out,
                    &[
                        "id",
                        "kind",
                        "status",
                        "warehouse",
                        "device_id",
                        "message",
                        "op_ids",
                        "created_at",
                        "resolution",
                    ]
                    .map(String::from),
                )?;
                let list = exceptions_where(&conn, "1 = 1", &[])?;
                let codes: std::collections::HashMap<WarehouseId, String> = load_warehouses(&conn)?
                    .into_iter()
                    .map(|w| (w.id, w.code))
                    .collect();
                for x in list {
                    csv_row(
                        out,
                        &[
                            x.id.to_string(),
                            x.kind.as_str().into(),
                            if x.status == ExceptionStatus::Open {
                                "open".into()
                            } else {
                                "resolved".into()
                            },
                            codes.get(&x.warehouse_id).cloned().unwrap_or_default(),
                            x.device_id.map(|d| d.to_string()).unwrap_or_default(),
                            x.message,
                            x.op_ids
                                .iter()
                                .map(|o| o.to_string())
                                .collect::<Vec<_>>()
                                .join(" "),
                            x.created_at.to_rfc3339(),
                            x.resolution.unwrap_or_default(),
                        ],
                    )?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    fn load_demo(&self, seed: u64, items: usize) -> StorageResult<()> {
        let tx = self.write()?;
        let existing: i64 = tx.one("SELECT COUNT(*) FROM warehouses", &[], |r| r.get(0))?;
        if existing > 0 {
            return Err(StorageError::Invalid(said!(
                "demo.server_has_data",
                "the server already has master data; demo data goes into a new database"
            )));
        }
        let demo = aisle_domain::demo::generate(seed, items, Utc::now().date_naive());
        for w in &demo.warehouses {
            tx.exec(
                "INSERT INTO warehouses (id, code, name) VALUES (?1, ?2, ?3)",
                args![w.id.to_string(), w.code, w.name],
            )?;
        }
        for l in &demo.locations {
            upsert_location(&tx, l)?;
        }
        for (n, i) in demo.items.iter().enumerate() {
            upsert_item(&tx, i)?;
            // Unit costs from 0.35 to about 50 EUR, so the valuation has figures to show.
            let micros = 350_000 + ((n as i64 * 7_919 + seed as i64 * 104_729) % 4_965) * 10_000;
            tx.exec("INSERT INTO item_costs (item_id, unit_cost_micros, currency, updated_at) VALUES (?1, ?2, 'EUR', ?3)", args![i.id.to_string(), micros, Utc::now().to_rfc3339()])?;
        }
        // Sixteen weeks of picks behind the first 20 items, so forecasts have a history; their
        // opening stock includes what was picked, so today's stock is as generated.
        let today = Utc::now().date_naive();
        let past = demo.past_picks(today, 20);
        let start = Utc::now() - chrono::Duration::days(113);
        for (i, o) in demo.opening.iter().enumerate() {
            let wh = demo
                .locations
                .iter()
                .find(|l| l.id == o.location)
                .map(|l| l.warehouse_id)
                .ok_or_else(|| {
                    StorageError::Internal("demo stock in an unknown location".into())
                })?;
            let picked: i64 = past.iter().filter(|p| p.opening == i).map(|p| p.qty).sum();
            let opening = aisle_domain::demo::OpeningStock {
                qty: o.qty + picked,
                ..o.clone()
            };
            self.server_op_at(&tx, wh, opening.to_operation(), "SYSTEM", start)?;
        }
        for p in &past {
            let o = &demo.opening[p.opening];
            let wh = demo
                .locations
                .iter()
                .find(|l| l.id == o.location)
                .map(|l| l.warehouse_id)
                .ok_or_else(|| StorageError::Internal("demo pick in an unknown location".into()))?;
            let when = p
                .day
                .and_hms_opt(10, 0, 0)
                .map(|t| t.and_utc())
                .ok_or_else(|| StorageError::Internal("demo pick time".into()))?;
            let pick = Operation::Pick(aisle_domain::op::Pick {
                key: StockKey {
                    item: o.item,
                    location: o.location,
                    lot: o.lot.clone(),
                    expiry: o.expiry,
                    plate: None,
                },
                qty: p.qty,
                requested: None,
                short_reason: None,
                order_line: None,
                serials: vec![],
            });
            self.server_op_at(&tx, wh, pick, "DEMO", when)?;
        }
        tx.commit()?;
        self.import(ImportKind::Receipts, &mut demo.receipts_csv().as_bytes())?;
        self.import(ImportKind::Orders, &mut demo.orders_csv().as_bytes())?;
        for (badge, name, pin, supervisor) in aisle_domain::demo::DEMO_OPERATORS {
            self.add_operator(&NewOperator {
                badge: (*badge).into(),
                name: (*name).into(),
                pin: (*pin).into(),
                supervisor: *supervisor,
            })?;
        }
        Ok(())
    }

    fn stats(&self) -> StorageResult<Stats> {
        let conn = self.read()?;
        let count = |sql: &str| conn.one(sql, &[], |r| r.get::<i64>(0)).map(|n| n as u64);
        Ok(Stats {
            devices: count("SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL")?,
            operations: count("SELECT COALESCE(MAX(server_seq), 0) FROM ops")?,
            open_exceptions: count("SELECT COUNT(*) FROM exceptions WHERE status = 'open'")?,
        })
    }

    fn open_session(
        &self,
        badge: &str,
        pin: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<SessionRecord> {
        // The PIN is checked on a read connection: a deliberately slow hash never holds up pushes.
        let found: Option<(String, String, String, String)> = self.read()?.first(
            "SELECT badge, name, CASE WHEN disabled_at IS NULL THEN role ELSE 'disabled' END, pin_hash
             FROM operators WHERE badge = ?1",
            args![badge.trim()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        // The same answer for an unknown badge and a wrong PIN: no probing for badges.
        let refused =
            || StorageError::Forbidden(said!("signin.wrong_badge_or_pin", "wrong badge or PIN"));
        let Some((badge, name, role, hash)) = found else {
            return Err(refused());
        };
        if !aisle_ledger::pin::verify_pin(pin, &hash)? {
            return Err(refused());
        }
        if role == "disabled" {
            return Err(StorageError::Forbidden(said!(
                "signin.badge_disabled",
                "badge {badge} is disabled: ask another supervisor",
                badge = badge
            )));
        }
        if role != "supervisor" {
            return Err(StorageError::Forbidden(said!(
                "signin.not_a_supervisor",
                "{badge} is not a supervisor; these pages are for supervisors",
                badge = badge
            )));
        }
        let tx = self.write()?;
        tx.exec(
            "DELETE FROM sessions WHERE expires_at < ?1",
            args![Utc::now().to_rfc3339()],
        )?;
        tx.exec("INSERT INTO sessions (token_hash, badge, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)", args![token_hash, badge, Utc::now().to_rfc3339(), expires_at.to_rfc3339()])?;
        tx.commit()?;
        Ok(SessionRecord {
            badge,
            name,
            expires_at,
        })
    }

    fn session(&self, token_hash: &str) -> StorageResult<Option<SessionRecord>> {
        let conn = self.read()?;
        let row: Option<(String, String, String)> = conn.first(
            "SELECT s.badge, o.name, s.expires_at FROM sessions s
                 JOIN operators o ON o.badge = s.badge
                 WHERE s.token_hash = ?1 AND o.role = 'supervisor'",
            args![token_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let Some((badge, name, expires)) = row else {
            return Ok(None);
        };
        let expires_at = time(&expires)?;
        Ok((expires_at > Utc::now()).then_some(SessionRecord {
            badge,
            name,
            expires_at,
        }))
    }

    fn close_session(&self, token_hash: &str) -> StorageResult<()> {
        let tx = self.write()?;
        tx.exec(
            "DELETE FROM sessions WHERE token_hash = ?1",
            args![token_hash],
        )?;
        tx.commit()
    }

    fn audit(&self, badge: &str, action: &str, outcome: &str) -> StorageResult<()> {
        let tx = self.write()?;
        tx.exec(
            "INSERT INTO audit (at, badge, action, outcome) VALUES (?1, ?2, ?3, ?4)",
            args![Utc::now().to_rfc3339(), badge, action, outcome],
        )?;
        tx.commit()
    }

    fn audit_log(&self, limit: u32) -> StorageResult<Vec<AuditEntry>> {
        let conn = self.read()?;
        let rows: Vec<(String, String, String, String)> = conn.rows(
            "SELECT at, badge, action, outcome FROM audit ORDER BY id DESC LIMIT ?1",
            args![limit],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        rows.into_iter()
            .map(|(at, badge, action, outcome)| {
                Ok(AuditEntry {
                    at: time(&at)?,
                    badge,
                    action,
                    outcome,
                })
            })
            .collect()
    }

    fn audit_books(&self) -> StorageResult<crate::books::BooksAudit> {
        // One read transaction: the ledger, the log and stock as one consistent state.
        self.reading(crate::books::audit)
    }
}

/// Resolves work rows' warehouse and SKU codes, collecting every problem.
/// The warehouse and item ids of rows given by codes (`line_no`, `warehouse`, `sku`); every
/// unknown code is a row error and nothing is returned.
fn resolve_codes<'a>(
    conn: &dyn Db,
    what: &'static str,
    rows: impl Iterator<Item = Codes<'a>>,
) -> StorageResult<Vec<(WarehouseId, ItemId)>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for r in rows {
        let wh: Option<String> = conn.first(
            "SELECT id FROM warehouses WHERE code = ?1",
            args![r.warehouse],
            |x| x.get(0),
        )?;
        let item: Option<String> =
            conn.first("SELECT id FROM items WHERE sku = ?1", args![r.sku], |x| {
                x.get(0)
            })?;
        match (wh, item) {
            (Some(w), Some(i)) => out.push((parse(&w)?, parse(&i)?)),
            (w, i) => {
                if w.is_none() {
                    errors.push(RowError {
                        line: r.line_no,
                        column: Some("warehouse".into()),
                        reason: format!("warehouse {:?} does not exist", r.warehouse),
                    });
                }
                if i.is_none() {
                    errors.push(RowError {
                        line: r.line_no,
                        column: Some("sku".into()),
                        reason: format!("item {:?} does not exist", r.sku),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ImportError { what, errors }.into())
    }
}

/// A row's line number, warehouse code and SKU.
struct Codes<'a> {
    line_no: u64,
    warehouse: &'a str,
    sku: &'a str,
}

fn work_codes(rows: &[WorkRow]) -> impl Iterator<Item = Codes<'_>> {
    rows.iter().map(|r| Codes {
        line_no: r.line_no,
        warehouse: &r.warehouse,
        sku: &r.sku,
    })
}

/// A header and its rows; the rows written, not counting the header.
fn csv_rows(out: &mut dyn std::io::Write, rows: &[Vec<String>]) -> StorageResult<usize> {
    for r in rows {
        csv_row(out, r)?;
    }
    Ok(rows.len().saturating_sub(1))
}

fn csv_row(out: &mut dyn std::io::Write, fields: &[String]) -> StorageResult<()> {
    let line: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    writeln!(out, "{}", line.join(","))
        .map_err(|e| StorageError::Internal(format!("writing the export: {e}")))
}
