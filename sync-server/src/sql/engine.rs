//! The sync engine's writes: enrolment and devices, pushes, and what applying one operation
//! writes (its log row, exceptions, stock, work progress).

use super::*;

impl SyncEngine for SqlStorage {
    fn epoch(&self) -> Uuid {
        self.epoch
    }

    fn create_enrolment(
        &self,
        warehouse_code: &str,
        name: &str,
        valid_for: chrono::Duration,
    ) -> StorageResult<Enrolment> {
        let tx = self.write()?;
        let wh: Option<String> = tx.first(
            "SELECT id FROM warehouses WHERE code = ?1",
            args![warehouse_code],
            |r| r.get(0),
        )?;
        let wh = wh.ok_or_else(|| {
            StorageError::NotFound(said!(
                "enrol.warehouse_does_not_exist",
                "warehouse {warehouse_code:?} does not exist",
                warehouse_code = warehouse_code
            ))
        })?;
        if name.trim().is_empty() {
            return Err(StorageError::Invalid(said!(
                "enrol.device_name_empty",
                "the device name is empty"
            )));
        }
        let code = random_code(10)?;
        let now = Utc::now();
        let expires_at = now + valid_for;
        tx.exec("INSERT INTO enrolments (code_hash, warehouse_id, name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)", args![hash_secret(&code), wh, name.trim(), now.to_rfc3339(), expires_at.to_rfc3339()])?;
        tx.commit()?;
        Ok(Enrolment {
            code,
            warehouse_code: warehouse_code.to_string(),
            name: name.trim().to_string(),
            expires_at,
        })
    }

    fn enroll(&self, req: &EnrollRequest, token_hash: &str) -> StorageResult<DeviceRecord> {
        let tx = self.write()?;
        let code = req.code.trim().to_ascii_uppercase();
        let found: Option<(String, String, String)> = tx
            .first("SELECT warehouse_id, expires_at, COALESCE(used_by, '') FROM enrolments WHERE code_hash = ?1", args![hash_secret(&code)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let Some((wh, expires, used_by)) = found else {
            return Err(StorageError::NotFound(said!(
                "enrol.enrolment_code_not_known",
                "enrolment code is not known"
            )));
        };
        if time(&expires)? < Utc::now() {
            return Err(StorageError::NotFound(said!(
                "enrol.enrolment_code_expired_ask",
                "enrolment code has expired; ask for a new one"
            )));
        }
        if !used_by.is_empty() {
            // The same device asking again with its code, before it ever used the token it was
            // given: the answer was lost on the way (weak network), so it gets a new token and
            // the lost one stops working. Any other reuse of a code is refused.
            let device = req.device_id.to_string();
            let retry = used_by == device
                && tx.exec("UPDATE devices SET token_hash = ?1 WHERE id = ?2 AND last_seen_at IS NULL AND revoked_at IS NULL", args![token_hash, device])? == 1;
            if !retry {
                return Err(StorageError::NotFound(said!(
                    "enrol.enrolment_code_was_already",
                    "enrolment code was already used"
                )));
            }
            let rec = Self::device_where(&tx, "d.id = ?1", &device)?
                .ok_or_else(|| StorageError::Internal("device vanished during enrolment".into()))?;
            tx.commit()?;
            return Ok(rec);
        }
        let exists: Option<String> = tx.first(
            "SELECT id FROM devices WHERE id = ?1",
            args![req.device_id.to_string()],
            |r| r.get(0),
        )?;
        if exists.is_some() {
            return Err(StorageError::Conflict(said!(
                "enrol.already_enrolled",
                "device {device} is already enrolled",
                device = req.device_id
            )));
        }
        tx.exec("INSERT INTO devices (id, name, warehouse_id, token_hash, enrolled_at, app_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", args![req.device_id.to_string(), req.name, wh, token_hash, Utc::now().to_rfc3339(), req.app_version])?;
        tx.exec(
            "UPDATE enrolments SET used_by = ?1 WHERE code_hash = ?2",
            args![req.device_id.to_string(), hash_secret(&code)],
        )?;
        let rec = Self::device_where(&tx, "d.id = ?1", &req.device_id.to_string())?
            .ok_or_else(|| StorageError::Internal("device vanished during enrolment".into()))?;
        tx.commit()?;
        Ok(rec)
    }

    fn device_by_token(&self, token_hash: &str) -> StorageResult<Option<DeviceRecord>> {
        let conn = self.read()?;
        Self::device_where(&conn, "d.token_hash = ?1", token_hash)
    }

    fn devices(&self) -> StorageResult<Vec<DeviceRecord>> {
        let conn = self.read()?;
        load_rows(
            &conn,
            &format!(
                "SELECT {DEVICE_COLUMNS} FROM devices d JOIN warehouses w ON w.id = d.warehouse_id ORDER BY d.name"
            ),
            &[],
            device_from_row,
        )
    }

    fn revoke_device(&self, id: DeviceId) -> StorageResult<()> {
        let tx = self.write()?;
        let n = tx.exec(
            "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            args![Utc::now().to_rfc3339(), id.to_string()],
        )?;
        if n == 0 {
            return Err(StorageError::NotFound(said!(
                "enrol.no_active_device",
                "no active device {id}",
                id = id
            )));
        }
        tx.commit()
    }

    fn note_contact(&self, device: DeviceId, contact: &Contact) -> StorageResult<()> {
        let tx = self.write()?;
        tx.exec("UPDATE devices SET app_version = COALESCE(?1, app_version), log_end = COALESCE(?2, log_end),
               clock_offset_s = COALESCE(?3, clock_offset_s), last_seen_at = ?4 WHERE id = ?5", args![
            contact.app_version,
            contact.log_end.map(|n| n as i64),
            contact.clock_offset_s,
            Utc::now().to_rfc3339(),
            device.to_string()
        ])?;
        tx.commit()?;
        if let Some(o) = contact.clock_offset_s.filter(|o| o.abs() > CLOCK_REPORT_S) {
            tracing::warn!(device = %device, offset_s = o, "a device's clock is off; its times are corrected by the offset");
        }
        Ok(())
    }

    fn push_as_sent(
        &self,
        device: &DeviceRecord,
        entries: &[ChangeLogEntry],
        texts: &[Option<&str>],
    ) -> StorageResult<PushOutcome> {
        // Almost every push carries only operation ids never logged, so it is first written
        // without looking them up. Were one logged before, writing its log row breaks the log's
        // unique operation id (or some other write breaks first), the attempt is rolled back
        // whole, and the push is written again with the ids looked up, which sets such an entry
        // aside: exactly-once rests on the log's unique index either way, and the attempt that
        // commits is the careful one whenever the first could not.
        match self.push_once(device, entries, texts, Lookup::Skip) {
            // Refused for an entry's number or device, whatever the log holds: the careful
            // attempt would refuse the same.
            Err(e @ (StorageError::Gap { .. } | StorageError::Forbidden(_))) => Err(e),
            Err(e) => {
                tracing::info!(device = %device.id, error = %e, "push written again with its operation ids looked up");
                self.push_once(device, entries, texts, Lookup::First)
            }
            done => done,
        }
    }

    fn pull(&self, device: &DeviceRecord, query: &PullQuery) -> StorageResult<PullPage> {
        self.pull_page(device, query)
    }

    fn snapshot(&self, device: &DeviceRecord) -> StorageResult<Snapshot> {
        self.snapshot_for(device)
    }

    fn claim(
        &self,
        device: &DeviceRecord,
        req: &aisle_proto::ClaimRequest,
    ) -> StorageResult<Vec<aisle_proto::Lease>> {
        let tx = self.write()?;
        let out = crate::leases::claim(&tx, device, req, Utc::now())?;
        tx.commit()?;
        Ok(out)
    }

    fn reserve_sscc_block(
        &self,
        device: &DeviceRecord,
        extension: u8,
        prefix: &str,
    ) -> StorageResult<aisle_domain::sscc::SsccBlock> {
        let tx = self.write()?;
        let block = inventory::reserve_sscc_block(&tx, device.id, extension, prefix)?;
        tx.commit()?;
        tracing::info!(device = %device.id, first = block.first, count = block.count, "SSCC block reserved");
        Ok(block)
    }
}

/// Whether a push looks up its operation ids before its first entry (see
/// [`SyncEngine::push_as_sent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// Not at all: the log's unique index refuses an id logged before, and the push is
    /// written again with [`Lookup::First`].
    Skip,
    First,
}

impl SqlStorage {
    /// One attempt at a push, in one transaction: with `lookup` [`Lookup::First`], the operation
    /// ids are looked up before the first entry, and one logged before is set aside.
    fn push_once(
        &self,
        device: &DeviceRecord,
        entries: &[ChangeLogEntry],
        texts: &[Option<&str>],
        lookup: Lookup,
    ) -> StorageResult<PushOutcome> {
        let tx = self.write()?;
        let (durable, offset): (i64, Option<i64>) = tx.one(
            "SELECT durable_seq, clock_offset_s FROM devices WHERE id = ?1",
            args![device.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // A clock off by more than a few seconds is corrected; a device that never said its
        // time (an older app) is taken at its word.
        let correction =
            chrono::Duration::seconds(offset.filter(|o| o.abs() > CLOCK_TOLERANCE_S).unwrap_or(0));
        let mut expected = durable as u64 + 1;
        let (mut applied, mut duplicates) = (0u32, 0u32);
        let books = PendingBooks::default();
        let logged = match lookup {
            Lookup::First => {
                let ids: Vec<OpId> = entries.iter().map(|e| e.op_id).collect();
                strays::logged_before(&tx, &ids)?
            }
            Lookup::Skip => strays::Logged::new(),
        };
        books
            .plates
            .read_ahead(&tx, entries.iter().map(|e| &e.op))?;
        let mut this_push = std::collections::HashSet::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if e.seq == 0 {
                return Err(StorageError::Invalid(said!(
                    "enrol.entry_sequence_number_device",
                    "an entry has sequence number 0; a device's change log starts at #1"
                )));
            }
            if e.device_id != device.id {
                return Err(StorageError::Forbidden(said!(
                    "sync.entry_of_another_device",
                    "entry #{seq} belongs to device {device}, not to the device whose token was used",
                    seq = e.seq.to_string(),
                    device = e.device_id
                )));
            }
            if e.seq < expected {
                if self.logged_already(&tx, e, device.warehouse_id)? {
                    duplicates += 1;
                }
                continue;
            }
            if e.seq > expected {
                return Err(StorageError::Gap { expected });
            }
            if e.schema_version > PAYLOAD_VERSION && !matches!(e.op, Operation::Unreadable(_)) {
                return Err(StorageError::Invalid(said!(
                    "sync.payload_newer",
                    "entry #{seq} has payload version {version}, newer than this server understands ({ours}); upgrade the server",
                    seq = e.seq.to_string(),
                    version = e.schema_version.to_string(),
                    ours = PAYLOAD_VERSION.to_string()
                )));
            }
            // From here on, nothing in the entry's content can refuse the push: what the server
            // may not apply as sent is held with an exception, and the device moves on.
            // An operation id logged before, or met earlier in this push: kept aside, never
            // applied twice.
            let (seq, kind, op) = (e.seq, e.op.kind(), e.op_id);
            let reused = match logged.get(&e.op_id) {
                Some((other, n)) if *other == device.id.to_string() => Some(said!(
                    "stray.reused_by_this_device",
                    "entry #{seq} ({kind}) has operation id {op}, which was logged before by this device as #{n}",
                    seq = seq.to_string(),
                    kind = kind,
                    op = op,
                    n = n.to_string()
                )),
                Some((other, n)) => Some(said!(
                    "stray.reused_by_device",
                    "entry #{seq} ({kind}) has operation id {op}, which was logged before by device {other} as #{n}",
                    seq = seq.to_string(),
                    kind = kind,
                    op = op,
                    other = other,
                    n = n.to_string()
                )),
                None if !this_push.insert(e.op_id) => Some(said!(
                    "stray.reused_in_push",
                    "entry #{seq} ({kind}) has operation id {op}, which an earlier entry of the same push has",
                    seq = seq.to_string(),
                    kind = kind,
                    op = op
                )),
                None => None,
            };
            match reused {
                Some(why) => strays::set_aside(&tx, e, device.warehouse_id, why)?,
                None => {
                    self.apply_entry(
                        &tx,
                        &books,
                        Sent {
                            entry: e,
                            text: texts.get(i).copied().flatten(),
                        },
                        e.device_time - correction,
                        Some(device.warehouse_id),
                    )?;
                }
            }
            applied += 1;
            expected += 1;
        }
        books.flush(&tx)?;
        if applied > 0 {
            // Picks and moves may have left pick faces low: top them up from reserve.
            let fresh = &entries[entries.len() - applied as usize..];
            let faces = tasks::faces_taken_from(fresh);
            if !faces.is_empty() {
                tasks::release_top_ups(
                    &tx,
                    &device.warehouse_code,
                    inventory::Faces::Only(&faces),
                    "server",
                )?;
            }
        }
        tx.exec(
            "UPDATE devices SET durable_seq = ?1, last_seen_at = ?2 WHERE id = ?3",
            args![
                (expected - 1) as i64,
                Utc::now().to_rfc3339(),
                device.id.to_string()
            ],
        )?;
        tx.commit()?;
        Ok(PushOutcome {
            durable_seq: expected - 1,
            applied,
            duplicates,
        })
    }

    /// An entry under a number this device's log already reached: true when it is the same
    /// entry again (a duplicate: the reply was lost); other content under that number is set
    /// aside with an exception (false), so the device's sync goes on.
    fn logged_already(
        &self,
        tx: &dyn Db,
        e: &ChangeLogEntry,
        warehouse: WarehouseId,
    ) -> StorageResult<bool> {
        let prev: Option<String> = tx.first(
            "SELECT entry FROM ops WHERE device_id = ?1 AND device_seq = ?2",
            args![e.device_id.to_string(), e.seq as i64],
            |r| r.get(0),
        )?;
        let prev = prev
            .map(|p| serde_json::from_str::<ChangeLogEntry>(&p))
            .transpose()?;
        // The same entry again; or one this server held as unreadable, sent again to a server
        // that now reads it (after an upgrade): a duplicate either way.
        if let Some(prev) = &prev {
            let same_op =
                prev.op == e.op || aisle_domain::op::reread(&prev.op).is_some_and(|op| op == e.op);
            if prev.op_id == e.op_id && same_op {
                return Ok(true);
            }
        }
        if strays::set_aside_before(tx, e)? {
            return Ok(true);
        }
        let why = match prev {
            Some(prev) => said!(
                "stray.differs_from_logged",
                "entry #{seq} ({kind}, operation {op}) differs from the entry logged under that number (operation {logged}): was this tablet restored from an old backup, or its database copied?",
                seq = e.seq.to_string(),
                kind = e.op.kind(),
                op = e.op_id,
                logged = prev.op_id
            ),
            None => said!(
                "stray.differs_from_held",
                "entry #{seq} ({kind}, operation {op}) differs from what this server holds under that number",
                seq = e.seq.to_string(),
                kind = e.op.kind(),
                op = e.op_id
            ),
        };
        strays::set_aside(tx, e, warehouse, why)?;
        Ok(false)
    }

    /// Logs one entry (that happened `at`, on the server's clock), raises its exceptions against
    /// the state before it, and applies it. A device's entry (`device_warehouse` given) is
    /// admitted first ([`aisle_domain::admission`]): one the server may not apply as sent is
    /// logged as held, with the exception that says why, and changes no stock; one whose work
    /// reference does not fit is applied without it. Server operations are trusted.
    pub(super) fn apply_entry(
        &self,
        tx: &dyn Db,
        books: &PendingBooks,
        sent: Sent<'_>,
        at: DateTime<Utc>,
        device_warehouse: Option<WarehouseId>,
    ) -> StorageResult<u64> {
        let Sent { entry: e, text } = sent;
        let view = TxView {
            conn: tx,
            device: e.device_id,
            pending: Some(books),
        };
        let admission = match device_warehouse {
            Some(wh) => admission::admit(e, wh, at, &view)?,
            None => Admission {
                verdict: Verdict::Apply { work: true },
                exceptions: vec![],
            },
        };
        let held = admission.verdict == Verdict::Hold;
        let server_seq = books.log(
            tx,
            vec![
                Value::Text(e.op_id.to_string()),
                Value::Text(e.device_id.to_string()),
                Value::Int(e.seq as i64),
                Value::Text(e.warehouse_id.to_string()),
                Value::Text(e.op.kind().as_str().to_string()),
                Value::Text(books.received_at()),
                Value::Text(match text {
                    Some(text) => text.to_string(),
                    None => serde_json::to_string(e)?,
                }),
                Value::Text(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                Value::Text(if held { "held" } else { "applied" }.to_string()),
            ],
        )?;
        let mut drafts = admission.exceptions;
        for d in &mut drafts {
            let why = std::mem::replace(&mut d.message, Said::untranslated(""));
            d.message = match d.kind {
                ExceptionKind::WorkMismatch => said!(
                    "exception.work_unchanged",
                    "{why}; the stock moved as scanned, the line or task it names is unchanged",
                    why = why
                )
                .nest("why", why),
                k if k.holds_operation() => said!(
                    "exception.held",
                    "{why}; held: logged but not applied anywhere until a supervisor releases it",
                    why = why
                )
                .nest("why", why),
                _ => why,
            };
        }
        if let Verdict::Apply { work } = admission.verdict {
            // Work that may not count against the line or task it names is applied without it.
            let applied: Cow<'_, ChangeLogEntry> = if work {
                Cow::Borrowed(e)
            } else {
                Cow::Owned(ChangeLogEntry {
                    op: e.op.without_work(),
                    ..e.clone()
                })
            };
            drafts.extend(reconcile::assess(&applied, &view, &self.rules)?);
            books.add(e.op_id, server_seq, applied.op.effects());
            books.plates.place(tx, &applied.op, |loc| {
                Ok(WorkView::location(&view, loc)?.map(|(warehouse, _)| warehouse))
            })?;
            self.track_work(tx, &applied)?;
            if let Operation::Return(r) = &e.op {
                let (_, _, lot, expiry, _) = aisle_ledger::effects::key_columns(&r.key);
                tx.exec(
                    "INSERT INTO returns (op_id, warehouse_id, order_no, item_id, location_id, lot, expiry, qty, disposition, reason, operator, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    args![
                        e.op_id.to_string(),
                        device_warehouse.unwrap_or(e.warehouse_id).to_string(),
                        r.order,
                        r.key.item.to_string(),
                        r.key.location.to_string(),
                        lot,
                        expiry,
                        r.qty,
                        r.disposition.as_str(),
                        r.reason.clone(),
                        e.operator.clone(),
                        at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                    ],
                )?;
            }
            inventory::record(tx, e, device_warehouse.unwrap_or(e.warehouse_id), at)?;
            if let Operation::Count(c) = &e.op {
                tx.exec("INSERT INTO counts (item_id, location_id, server_seq, op_id, device_id) VALUES (?1, ?2, ?3, ?4, ?5)", args![c.key.item.to_string(), c.key.location.to_string(), server_seq as i64, e.op_id.to_string(), e.device_id.to_string()])?;
            }
        }
        for d in drafts {
            let mut op_ids = vec![e.op_id];
            op_ids.extend(d.related);
            raise(
                tx,
                &ExceptionDraftRow {
                    kind: d.kind,
                    warehouse: device_warehouse.unwrap_or(e.warehouse_id),
                    device: e.device_id,
                    op_ids,
                    location: d.location,
                    key: d.key,
                    message: d.message,
                },
            )?;
        }
        Ok(server_seq)
    }

    /// Receipt and order line progress, and serial numbers in stock.
    pub(super) fn track_work(&self, tx: &dyn Db, e: &ChangeLogEntry) -> StorageResult<()> {
        tasks::track(tx, e)?;
        let op_id = e.op_id.to_string();
        match &e.op {
            Operation::Receive(r) => {
                if let Some(line) = r.receipt_line {
                    let progress =
                        "UPDATE receipt_lines SET received_qty = received_qty + ?1 WHERE id = ?2";
                    line_progress(
                        tx,
                        progress,
                        "receipt_line",
                        &line.to_string(),
                        r.qty,
                        &op_id,
                    )?;
                }
                for s in &r.serials {
                    tx.exec("INSERT INTO serials (item_id, serial, op_id, in_stock) VALUES (?1, ?2, ?3, 1)
                     ON CONFLICT (item_id, serial) DO UPDATE SET op_id = excluded.op_id, in_stock = 1", args![r.key.item.to_string(), s, op_id])?;
                }
            }
            Operation::Pick(p) => {
                if let Some(line) = p.order_line {
                    let progress =
                        "UPDATE order_lines SET picked_qty = picked_qty + ?1 WHERE id = ?2";
                    line_progress(tx, progress, "order_line", &line.to_string(), p.qty, &op_id)?;
                }
                for s in &p.serials {
                    tx.exec(
                        "UPDATE serials SET in_stock = 0 WHERE item_id = ?1 AND serial = ?2",
                        args![p.key.item.to_string(), s],
                    )?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn device_where(
        conn: &dyn Db,
        clause: &str,
        key: &str,
    ) -> StorageResult<Option<DeviceRecord>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices d JOIN warehouses w ON w.id = d.warehouse_id WHERE {clause}"
        );
        Ok(load_rows(conn, &sql, args![key], device_from_row)?
            .into_iter()
            .next())
    }
}

/// An entry to apply, and the text it came in if that text is to be logged as it is (see
/// [`SyncEngine::push_as_sent`]); without one the entry is encoded for the log.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sent<'a> {
    pub entry: &'a ChangeLogEntry,
    pub text: Option<&'a str>,
}

impl<'a> From<&'a ChangeLogEntry> for Sent<'a> {
    fn from(entry: &'a ChangeLogEntry) -> Self {
        Self { entry, text: None }
    }
}

/// Adds `qty` to a receipt or order line (`progress`, an UPDATE of `?1` on the line `?2`) and
/// remembers which operation worked on it; a line that does not exist changes nothing.
fn line_progress(
    tx: &dyn Db,
    progress: &str,
    kind: &str,
    line: &str,
    qty: i64,
    op_id: &str,
) -> StorageResult<()> {
    if tx.exec(progress, args![qty, line])? > 0 {
        tx.exec(
            "INSERT INTO line_ops (line_id, op_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            args![line, op_id],
        )?;
        changed(tx, kind, line)?;
    }
    Ok(())
}

/// The columns [`device_from_row`] reads, from `devices d JOIN warehouses w`.
const DEVICE_COLUMNS: &str = "d.id, d.name, d.warehouse_id, w.code, d.enrolled_at, d.revoked_at, d.last_seen_at, d.durable_seq, d.app_version, d.log_end, d.clock_offset_s";

fn device_from_row(r: &Row<'_>) -> StorageResult<DeviceRecord> {
    Ok(DeviceRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        warehouse_id: r.get(2)?,
        warehouse_code: r.get(3)?,
        enrolled_at: time(&r.get::<String>(4)?)?,
        revoked: r.get::<Option<String>>(5)?.is_some(),
        last_seen_at: r
            .get::<Option<String>>(6)?
            .as_deref()
            .map(time)
            .transpose()?,
        durable_seq: r.get(7)?,
        app_version: r.get(8)?,
        log_end: r.get(9)?,
        clock_offset_s: r.get(10)?,
    })
}
