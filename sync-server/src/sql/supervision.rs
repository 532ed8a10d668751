//! A supervisor's work: exceptions and their resolutions, tasks, leases, waves, shipments and
//! purchase orders.

use super::*;

impl Supervision for SqlStorage {
    fn exceptions(&self, open_only: bool) -> StorageResult<Vec<Exception>> {
        let conn = self.read()?;
        exceptions_where(
            &conn,
            if open_only {
                "status = 'open'"
            } else {
                "1 = 1"
            },
            &[],
        )
    }

    fn resolve_exception(
        &self,
        id: Uuid,
        by: &str,
        resolution: &Resolution,
    ) -> StorageResult<Exception> {
        let tx = self.write()?;
        let role: Option<String> = tx.first(
            "SELECT role FROM operators WHERE badge = ?1 AND disabled_at IS NULL",
            args![by],
            |r| r.get(0),
        )?;
        if role.as_deref() != Some("supervisor") {
            return Err(StorageError::Forbidden(said!(
                "resolve.not_a_supervisor",
                "{by:?} is not a supervisor; only supervisors resolve exceptions",
                by = by
            )));
        }
        let found = exceptions_where(&tx, "id = ?1", aisle_ledger::args![id.to_string()])?;
        let x = found.into_iter().next().ok_or_else(|| {
            StorageError::NotFound(said!("resolve.no_exception", "no exception {id}", id = id))
        })?;
        if x.status == ExceptionStatus::Resolved {
            return Err(StorageError::Conflict(said!(
                "resolve.already_resolved",
                "exception {id} is already resolved: {resolution}",
                id = id,
                resolution = x.resolution.unwrap_or_default()
            )));
        }
        let text = match resolution {
            Resolution::Accept { note } => format!("accepted by {by}: {note}"),
            Resolution::Reject { note } => {
                let count = match x.op_ids.first() {
                    Some(op) if x.kind == ExceptionKind::CountVariance => {
                        match logged_entry(&tx, *op)?.op {
                            Operation::Count(c) => c,
                            _ => {
                                return Err(StorageError::Internal(format!(
                                    "the operation behind count exception {id} is not a count"
                                )));
                            }
                        }
                    }
                    _ => {
                        return Err(StorageError::Invalid(said!(
                            "resolve.only_variance_rejected",
                            "only a count variance can be rejected; accept or adjust this exception"
                        )));
                    }
                };
                let qty = count.expected - count.counted;
                let op = Operation::Adjust(Adjust {
                    key: count.key,
                    qty,
                    reason: "count rejected".into(),
                    note: Some(format!("resolves exception {id}: {}", note.trim())),
                });
                let seq = self.server_op_by(&tx, x.warehouse_id, op, by)?;
                format!(
                    "count rejected by {by}: the books go back to {} ({qty:+}, server operation #{seq}); {}",
                    count.expected,
                    note.trim()
                )
            }
            Resolution::Release { note } => {
                let entry = match x.op_ids.first() {
                    Some(op) if x.kind == ExceptionKind::DuplicateEntry => {
                        let entry = strays::held_by(&tx, x.id)?;
                        if strays::applied_as_sent(&tx, &entry)? {
                            return Err(StorageError::Invalid(said!(
                                "resolve.copy_already_applied",
                                "operation {op} is already applied as sent: releasing this copy would count it twice; accept the exception to leave it out",
                                op = op
                            )));
                        }
                        entry
                    }
                    Some(op) if x.kind.holds_operation() => logged_entry(&tx, *op)?,
                    _ => {
                        return Err(StorageError::Invalid(said!(
                            "resolve.only_held_released",
                            "only a held operation (unauthorized, invalid_operation or duplicate_entry) can be released; accept or adjust this exception"
                        )));
                    }
                };
                // Released as if the supervisor had done it: still only what any replica can apply.
                // An operation held as unreadable is read again: this server may read it now.
                let as_supervisor = ChangeLogEntry {
                    operator: by.to_string(),
                    warehouse_id: x.warehouse_id,
                    op: aisle_domain::op::reread(&entry.op)
                        .filter(|_| entry.schema_version <= PAYLOAD_VERSION)
                        .unwrap_or_else(|| entry.op.clone()),
                    ..entry.clone()
                };
                let view = TxView {
                    conn: &tx,
                    device: entry.device_id,
                    pending: None,
                };
                let check = admission::admit(&as_supervisor, x.warehouse_id, Utc::now(), &view)?;
                if check.verdict == Verdict::Hold {
                    let why = check
                        .reason()
                        .cloned()
                        .unwrap_or_else(|| said!("resolve.breaks_a_rule", "it breaks a rule"));
                    return Err(StorageError::Invalid(said!(
                        "resolve.cannot_be_applied",
                        "this operation cannot be applied: {why}; accept the exception to leave it out",
                        why = why
                    )));
                }
                let seq = self.server_op_by(&tx, x.warehouse_id, as_supervisor.op, by)?;
                format!(
                    "released by {by}: the held {} is applied as server operation #{seq}; {}",
                    x.op_ids.first().map(|o| o.to_string()).unwrap_or_default(),
                    note.trim()
                )
            }
            Resolution::Adjust { qty, reason } => {
                let key = x.key.clone().ok_or_else(|| {
                    StorageError::Invalid(said!(
                        "resolve.not_a_stock_line",
                        "this exception is not about a stock line; accept it instead"
                    ))
                })?;
                if *qty == 0 || reason.trim().is_empty() {
                    return Err(StorageError::Invalid(said!(
                        "resolve.adjustment_needs",
                        "an adjustment needs a non-zero quantity and a reason"
                    )));
                }
                let op = Operation::Adjust(Adjust {
                    key,
                    qty: *qty,
                    reason: reason.trim().to_string(),
                    note: Some(format!("resolves exception {id}")),
                });
                let seq = self.server_op_by(&tx, x.warehouse_id, op, by)?;
                format!("adjusted by {qty:+} ({reason}) by {by}, server operation #{seq}")
            }
        };
        tx.exec(
            "UPDATE exceptions SET status = 'resolved', resolution = ?1 WHERE id = ?2",
            args![text, id.to_string()],
        )?;
        changed(&tx, "exception", &id.to_string())?;
        let resolved = exceptions_where(&tx, "id = ?1", aisle_ledger::args![id.to_string()])?
            .into_iter()
            .next()
            .ok_or_else(|| StorageError::Internal("exception vanished".into()))?;
        tx.commit()?;
        tracing::info!(exception = %id, by, resolution = %text, "exception resolved");
        Ok(resolved)
    }

    fn release_top_ups(&self, warehouse: &str, by: &str) -> StorageResult<Vec<Task>> {
        let tx = self.write()?;
        let out = tasks::release_top_ups(&tx, warehouse, inventory::Faces::All, by)?;
        tx.commit()?;
        tracing::info!(warehouse, by, tasks = out.len(), "top-up tasks released");
        Ok(out)
    }

    fn quarantine_expired(
        &self,
        warehouse: &str,
        today: NaiveDate,
        by: &str,
    ) -> StorageResult<Vec<Expiring>> {
        let tx = self.write()?;
        let (hold, hold_code) = inventory::quarantine_location(&tx, warehouse)?;
        let wh: WarehouseId = parse(&inventory::warehouse_id(&tx, warehouse)?)?;
        let before = inventory::expiring(&tx, warehouse, today, 0)?;
        let lines = inventory::expired_outside_quarantine(&tx, warehouse, today)?;
        for (key, qty) in &lines {
            let op = Operation::Move(Transfer {
                item: key.item,
                lot: key.lot.clone(),
                expiry: key.expiry,
                from: key.location,
                from_plate: key.plate,
                to: hold,
                to_plate: None,
                qty: *qty,
                serials: vec![],
                task: None,
            });
            self.server_op_by(&tx, wh, op, by)?;
        }
        tx.commit()?;
        tracing::info!(warehouse, by, lines = lines.len(), to = %hold_code, "expired stock quarantined");
        Ok(before
            .into_iter()
            .filter(|x| x.days_left < 0 && !x.quarantined)
            .collect())
    }

    fn create_transfer(
        &self,
        from: &str,
        to: &str,
        lines: &[(String, i64)],
        by: &str,
    ) -> StorageResult<String> {
        let tx = self.write()?;
        let number = inventory::create_transfer(&tx, from, to, lines, by, changed)?;
        tx.commit()?;
        tracing::info!(transfer = %number, from, to, by, lines = lines.len(), "transfer created");
        Ok(number)
    }

    fn close_transfer(&self, number: &str, by: &str) -> StorageResult<inventory::TransferClosed> {
        let tx = self.write()?;
        let (dst, short, received) = inventory::close_transfer(&tx, number)?;
        let exception = if short.is_empty() {
            None
        } else {
            let missing: Vec<String> = short
                .iter()
                .map(|s| format!("{} {}/{}", s.sku, s.received, s.shipped))
                .collect();
            Some(raise(
                &tx,
                &ExceptionDraftRow {
                    kind: ExceptionKind::TransferShort,
                    warehouse: parse(&dst)?,
                    device: self.server_device,
                    op_ids: received,
                    location: None,
                    key: None,
                    message: said!(
                        "transfer.closed_short",
                        "transfer {number} closed by {by} short: received {missing} (received/shipped)",
                        number = number,
                        by = by,
                        missing = missing.join(", ")
                    ),
                },
            )?)
        };
        tx.commit()?;
        tracing::info!(transfer = %number, by, short = short.len(), "transfer closed");
        Ok(inventory::TransferClosed {
            transfer: number.to_string(),
            short,
            exception,
        })
    }

    fn release_quarantine(
        &self,
        release: &inventory::Release,
        today: NaiveDate,
        by: &str,
    ) -> StorageResult<usize> {
        let tx = self.write()?;
        let wh: WarehouseId = parse(&inventory::warehouse_id(&tx, &release.warehouse)?)?;
        let (lines, to) = inventory::release_plan(&tx, release, today)?;
        for (key, qty) in &lines {
            let op = Operation::Move(Transfer {
                item: key.item,
                lot: key.lot.clone(),
                expiry: key.expiry,
                from: key.location,
                from_plate: key.plate,
                to,
                to_plate: None,
                qty: *qty,
                serials: vec![],
                task: None,
            });
            self.server_op_by(&tx, wh, op, by)?;
        }
        tx.commit()?;
        tracing::info!(warehouse = %release.warehouse, by, sku = %release.sku, from = %release.from, to = %release.to, lines = lines.len(), "released from quarantine");
        Ok(lines.len())
    }

    fn release_counts(
        &self,
        warehouse: &str,
        skus: &[String],
        today: NaiveDate,
        by: &str,
    ) -> StorageResult<Vec<Task>> {
        let tx = self.write()?;
        let out = tasks::release_counts(&tx, warehouse, skus, today, by)?;
        tx.commit()?;
        tracing::info!(warehouse, by, tasks = out.len(), "count tasks released");
        Ok(out)
    }

    fn recount(&self, exception: Uuid, by: &str) -> StorageResult<Task> {
        let tx = self.write()?;
        let x = exceptions_where(&tx, "id = ?1", aisle_ledger::args![exception.to_string()])?
            .into_iter()
            .next()
            .ok_or_else(|| {
                StorageError::NotFound(said!(
                    "resolve.no_exception",
                    "no exception {id}",
                    id = exception
                ))
            })?;
        if x.status == ExceptionStatus::Resolved {
            return Err(StorageError::Conflict(said!(
                "resolve.recount_resolved",
                "exception {id} is already resolved",
                id = exception
            )));
        }
        let task = tasks::recount(&tx, &x, by)?;
        tx.commit()?;
        tracing::info!(%exception, by, task = %task.id, "recount requested");
        Ok(task)
    }

    fn cancel_task(&self, id: TaskId, by: &str) -> StorageResult<Task> {
        let tx = self.write()?;
        let task = tasks::cancel(&tx, id)?;
        tx.commit()?;
        tracing::info!(task = %id, by, "task cancelled");
        Ok(task)
    }

    fn tasks(&self, warehouse: &str, open_only: bool) -> StorageResult<Vec<TaskLine>> {
        let conn = self.read()?;
        tasks::task_lines(&conn, warehouse, open_only)
    }

    fn confirm_shipment(
        &self,
        order: &str,
        step: &Shipment,
        by: &str,
    ) -> StorageResult<OrderStatus> {
        let tx = self.write()?;
        let status = inventory::confirm_shipment(&tx, order, step, by)?;
        if matches!(step, inventory::Shipment::Shipped { .. }) {
            // A transfer's goods are now in transit, expected at their destination.
            inventory::shipped(&tx, order, changed)?;
        }
        tx.commit()?;
        Ok(status)
    }

    fn settle_short(
        &self,
        order: &str,
        choice: crate::shortfall::ShortChoice,
        by: &str,
    ) -> StorageResult<crate::shortfall::ShortOutcome> {
        let tx = self.write()?;
        let out = crate::shortfall::settle(&tx, order, choice, by)?;
        tx.commit()?;
        Ok(out)
    }

    fn waves(&self, warehouse: &str) -> StorageResult<Vec<crate::waves::Wave>> {
        let conn = self.read()?;
        crate::waves::list(&conn, warehouse)
    }

    fn create_wave(
        &self,
        warehouse: &str,
        orders: &[String],
        by: &str,
    ) -> StorageResult<crate::waves::Wave> {
        let tx = self.write()?;
        let wave = crate::waves::create(&tx, warehouse, orders, by)?;
        tx.commit()?;
        Ok(wave)
    }

    fn release_wave(&self, wave: &str, by: &str) -> StorageResult<crate::waves::Wave> {
        let tx = self.write()?;
        let wave = crate::waves::release(&tx, wave, by)?;
        tx.commit()?;
        Ok(wave)
    }

    fn leases(&self, warehouse: &str) -> StorageResult<Vec<aisle_proto::Lease>> {
        let conn = self.read()?;
        let wh: WarehouseId = parse(&inventory::warehouse_id(&conn, warehouse)?)?;
        crate::leases::current(&conn, wh, Utc::now())
    }

    fn release_lease(&self, work: aisle_proto::WorkRef, by: &str) -> StorageResult<()> {
        let tx = self.write()?;
        crate::leases::release(&tx, work, by, Utc::now())?;
        tx.commit()?;
        Ok(())
    }

    fn assign_lease(
        &self,
        work: aisle_proto::WorkRef,
        device: DeviceId,
        by: &str,
    ) -> StorageResult<aisle_proto::Lease> {
        let tx = self.write()?;
        let dev = Self::device_where(&tx, "d.id = ?1", &device.to_string())?.ok_or_else(|| {
            StorageError::NotFound(said!(
                "devices.no_device",
                "no device {device}",
                device = device
            ))
        })?;
        let lease = crate::leases::assign(&tx, work, &dev, by, Utc::now())?;
        tx.commit()?;
        Ok(lease)
    }

    fn set_policy(&self, warehouse: &str, sku: &str, policy: &Policy) -> StorageResult<()> {
        let tx = self.write()?;
        inventory::set_policy(&tx, warehouse, sku, policy)?;
        tx.commit()
    }

    fn create_purchase_order(
        &self,
        warehouse: &str,
        supplier: Option<&str>,
        lines: &[(String, i64)],
        expected: Option<NaiveDate>,
    ) -> StorageResult<inventory::RaisedOrder> {
        let tx = self.write()?;
        let (po, expected) =
            inventory::create_purchase_order(&tx, warehouse, supplier, lines, expected, changed)?;
        tx.commit()?;
        Ok(inventory::RaisedOrder {
            purchase_order: po,
            supplier: supplier.map(str::to_string),
            lines: lines.len(),
            expected_date: expected,
        })
    }

    fn raise_purchase_orders(
        &self,
        warehouse: &str,
        lines: &[(String, i64)],
    ) -> StorageResult<Vec<inventory::RaisedOrder>> {
        let tx = self.write()?;
        let raised = inventory::raise_purchase_orders(&tx, warehouse, lines, changed)?;
        tx.commit()?;
        Ok(raised)
    }
}
