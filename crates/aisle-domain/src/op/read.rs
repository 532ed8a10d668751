//! Reading a pushed change-log entry one at a time, so that an entry this build cannot read
//! keeps its place in the device's log instead of refusing the whole push (which would stop the
//! device's sync for good): its operation becomes [`Unreadable`], which the server holds for a
//! supervisor.

use super::{ChangeLogEntry, Operation, PAYLOAD_VERSION, Unreadable};
use crate::{DeviceId, OpId, WarehouseId};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// Everything of an entry but its operation: what numbers it in the device's log.
#[derive(Deserialize)]
struct Envelope {
    op_id: OpId,
    device_id: DeviceId,
    seq: u64,
    schema_version: u32,
    warehouse_id: WarehouseId,
    operator: String,
    device_time: DateTime<Utc>,
    #[serde(default)]
    scans: Vec<String>,
    #[serde(default)]
    seen_cursor: u64,
    op: Value,
}

/// [`read_entry`] from the entry's JSON text: an entry this build reads is decoded in one pass
/// (no tree of values in between: a push of a thousand entries spent a tenth of its time
/// building and dropping them); any other goes the way of [`read_entry`].
pub fn read_entry_text(text: &str) -> Result<ChangeLogEntry, String> {
    read_entry_as_sent(text).map(|(entry, _)| entry)
}

/// [`read_entry_text`], and whether `text` itself reads back as the entry (true when this build
/// read it in its one pass): such a text may be kept as it came, instead of encoding the entry
/// again. An entry read any other way (made [`Unreadable`], or read only through a tree of
/// values, which forgives a repeated field) is false.
pub fn read_entry_as_sent(text: &str) -> Result<(ChangeLogEntry, bool), String> {
    if let Ok(entry) = serde_json::from_str::<ChangeLogEntry>(text)
        && entry.schema_version <= PAYLOAD_VERSION
    {
        return Ok((entry, true));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("a change-log entry that cannot be numbered: {e}"))?;
    read_entry(value).map(|entry| (entry, false))
}

/// Reads one entry as a device sent it. An entry of a newer payload version, or whose operation
/// this build cannot decode, comes back with an [`Unreadable`] operation (the raw JSON and the
/// reason); only an entry whose envelope (id, device, number, warehouse, operator, time) cannot
/// be read is an error.
pub fn read_entry(value: Value) -> Result<ChangeLogEntry, String> {
    let newer = value
        .get("schema_version")
        .and_then(Value::as_u64)
        .is_some_and(|v| v > u64::from(PAYLOAD_VERSION));
    // Read in place (no copy of the entry): the common case costs one pass.
    if !newer && let Ok(entry) = ChangeLogEntry::deserialize(&value) {
        return Ok(entry);
    }
    let env: Envelope = serde_json::from_value(value)
        .map_err(|e| format!("a change-log entry that cannot be numbered: {e}"))?;
    let reason = if newer {
        format!(
            "payload version {} is newer than this server reads ({PAYLOAD_VERSION})",
            env.schema_version
        )
    } else {
        match Operation::deserialize(&env.op) {
            Err(e) => format!("the operation cannot be read: {e}"),
            // The operation reads on its own, so something else of the entry did not.
            Ok(_) => "the entry cannot be read as this build knows it".to_string(),
        }
    };
    Ok(ChangeLogEntry {
        op_id: env.op_id,
        device_id: env.device_id,
        seq: env.seq,
        schema_version: env.schema_version,
        warehouse_id: env.warehouse_id,
        operator: env.operator,
        device_time: env.device_time,
        scans: env.scans,
        seen_cursor: env.seen_cursor,
        op: Operation::Unreadable(Unreadable {
            raw: env.op.to_string(),
            reason,
        }),
    })
}

/// What a held unreadable operation is, read again by this build (after an upgrade, say).
pub fn reread(op: &Operation) -> Option<Operation> {
    match op {
        Operation::Unreadable(u) => serde_json::from_str(&u.raw).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Reads `v` from its text and as a value, which must agree.
    fn read(v: Value) -> Result<ChangeLogEntry, String> {
        let from_text = read_entry_text(&v.to_string());
        let from_value = read_entry(v);
        assert_eq!(from_text, from_value, "read from text and from a value");
        from_value
    }

    fn envelope(version: u32, op: Value) -> Value {
        json!({
            "op_id": OpId::new(), "device_id": DeviceId::new(), "seq": 7,
            "schema_version": version, "warehouse_id": WarehouseId::new(), "operator": "ALICE",
            "device_time": "2026-12-02T10:00:00Z", "scans": ["X"], "op": op
        })
    }

    #[test]
    fn a_readable_entry_reads_as_itself() {
        let op = json!({ "type": "unknown_scan", "raw": "X", "expected": "item" });
        let e = read(envelope(PAYLOAD_VERSION, op)).unwrap();
        assert!(matches!(e.op, Operation::UnknownScan(_)));
        assert_eq!(e.seq, 7);
    }

    #[test]
    fn an_unknown_operation_or_a_newer_version_keeps_its_place_as_unreadable() {
        let op = json!({ "type": "pack_carton", "carton": "C-1" });
        let e = read(envelope(PAYLOAD_VERSION, op.clone())).unwrap();
        let Operation::Unreadable(u) = &e.op else {
            panic!("{e:?}")
        };
        assert_eq!(serde_json::from_str::<Value>(&u.raw).unwrap(), op);
        assert!(u.reason.contains("pack_carton"), "{}", u.reason);
        assert_eq!((e.seq, e.scans.clone()), (7, vec!["X".to_string()]));
        assert!(e.op.check().is_err(), "held, never applied");
        assert!(e.op.effects().is_empty());
        // The same entry sent again reads the same: a duplicate, not a conflict.
        assert_eq!(read(envelope(PAYLOAD_VERSION, op)).unwrap().op, e.op);

        let scan = json!({ "type": "unknown_scan", "raw": "X", "expected": "item" });
        let newer = read(envelope(PAYLOAD_VERSION + 1, scan.clone())).unwrap();
        let Operation::Unreadable(u) = &newer.op else {
            panic!("{newer:?}")
        };
        assert!(u.reason.contains("newer"), "{}", u.reason);
        // A build that reads it (after an upgrade) gets the operation back.
        assert!(matches!(reread(&newer.op), Some(Operation::UnknownScan(_))));
    }

    #[test]
    fn an_entry_that_cannot_be_numbered_is_an_error() {
        let mut v = envelope(PAYLOAD_VERSION, json!({ "type": "whatever" }));
        v.as_object_mut().unwrap().remove("seq");
        assert!(read(v).unwrap_err().contains("cannot be numbered"));
        assert!(
            read_entry_text("[1, 2")
                .unwrap_err()
                .contains("cannot be numbered")
        );
    }

    /// A field given twice: the decoder in one pass refuses it, the value keeps the last, and the
    /// text reader must come to what the value reader does.
    #[test]
    fn an_entry_with_a_field_twice_reads_as_its_value_does() {
        let v = envelope(
            PAYLOAD_VERSION,
            json!({ "type": "unknown_scan", "raw": "X", "expected": "item" }),
        );
        let text = v
            .to_string()
            .replacen("\"seq\":7", "\"seq\":6,\"seq\":7", 1);
        assert!(text.contains("\"seq\":6,"), "{text}");
        assert_eq!(read_entry_text(&text), read_entry(v));
    }
}
