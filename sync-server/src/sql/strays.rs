//! Entries a device sent that cannot be logged under their own identity, kept aside instead of
//! refusing the push: an operation id the log already holds (another device's, this device's at
//! another number, or twice in one push), or other content under a sequence number already
//! logged (a tablet restored from an old backup, a copied database). Refusing them would stop
//! that device's sync for good, with every scan after them (non-negotiable 1), so each is kept
//! as sent in `stray_entries` with a `duplicate_entry` exception that holds it: it changes no
//! stock, the device takes its effects back when the exception reaches it, and a supervisor may
//! release it (applied as a new server operation) unless the same operation is already applied.

use super::books::LOOKUPS_PER_QUERY;
use super::*;
use std::collections::HashMap;

/// Where an operation id is logged: the device and its sequence number there.
pub(super) type Logged = HashMap<OpId, (String, i64)>;

/// Which of `ids` the log holds already, and where. A few queries for a whole push, made only
/// when its first attempt, without them, met an id logged before (`SyncEngine::push_as_sent`).
pub(super) fn logged_before(tx: &dyn Db, ids: &[OpId]) -> StorageResult<Logged> {
    let mut out = Logged::new();
    for chunk in ids.chunks(LOOKUPS_PER_QUERY) {
        let values: Vec<Value> = chunk.iter().map(|op| Value::Text(op.to_string())).collect();
        let rows = tx.rows(
            &format!(
                "SELECT op_id, device_id, device_seq FROM ops WHERE op_id IN {}",
                aisle_ledger::db::values_list(1, chunk.len())
            ),
            &values,
            |r| Ok((r.get::<OpId>(0)?, (r.get::<String>(1)?, r.get::<i64>(2)?))),
        )?;
        out.extend(rows);
    }
    Ok(out)
}

/// True when the same entry (operation id and operation) was set aside already under this
/// device's number: sent again after a lost reply, a duplicate.
pub(super) fn set_aside_before(tx: &dyn Db, e: &ChangeLogEntry) -> StorageResult<bool> {
    let kept: Vec<String> = tx.rows(
        "SELECT entry FROM stray_entries WHERE device_id = ?1 AND device_seq = ?2 AND op_id = ?3",
        args![e.device_id.to_string(), e.seq as i64, e.op_id.to_string()],
        |r| r.get(0),
    )?;
    for text in kept {
        let kept: ChangeLogEntry = serde_json::from_str(&text)?;
        if kept.op == e.op {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Keeps `e` aside with a `duplicate_entry` exception of `warehouse` saying `why`, and
/// announces the exception to devices.
pub(super) fn set_aside(
    tx: &dyn Db,
    e: &ChangeLogEntry,
    warehouse: WarehouseId,
    why: Said,
) -> StorageResult<()> {
    tracing::warn!(device = %e.device_id, seq = e.seq, op = %e.op_id, "{why}");
    let id = super::raise(
        tx,
        &super::ExceptionDraftRow {
            kind: ExceptionKind::DuplicateEntry,
            warehouse,
            device: e.device_id,
            op_ids: vec![e.op_id],
            location: None,
            key: None,
            message: said!(
                "stray.held",
                "{why}; held: kept as sent, not applied anywhere until a supervisor releases it",
                why = why
            )
            .nest("why", why),
        },
    )?;
    tx.exec(
        "INSERT INTO stray_entries (exception_id, device_id, device_seq, op_id, entry, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            id.to_string(),
            e.device_id.to_string(),
            e.seq as i64,
            e.op_id.to_string(),
            serde_json::to_string(e)?,
            Utc::now().to_rfc3339()
        ],
    )?;
    Ok(())
}

/// The entry a `duplicate_entry` exception holds.
pub(super) fn held_by(tx: &dyn Db, exception: Uuid) -> StorageResult<ChangeLogEntry> {
    let text: Option<String> = tx.first(
        "SELECT entry FROM stray_entries WHERE exception_id = ?1",
        args![exception.to_string()],
        |r| r.get(0),
    )?;
    let text = text.ok_or_else(|| {
        StorageError::Internal(format!("the entry exception {exception} holds is missing"))
    })?;
    Ok(serde_json::from_str(&text)?)
}

/// True when the operation of `e` (its id and content) is logged and applied: a copy of it must
/// not be released.
pub(super) fn applied_as_sent(tx: &dyn Db, e: &ChangeLogEntry) -> StorageResult<bool> {
    let logged: Option<String> = tx.first(
        "SELECT entry FROM ops WHERE op_id = ?1 AND status = 'applied'",
        args![e.op_id.to_string()],
        |r| r.get(0),
    )?;
    match logged {
        Some(text) => Ok(serde_json::from_str::<ChangeLogEntry>(&text)?.op == e.op),
        None => Ok(false),
    }
}
