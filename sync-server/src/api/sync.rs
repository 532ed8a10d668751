//! Push, pull and snapshot: the sync protocol itself (docs/sync-protocol.md).

use super::auth::AuthDevice;
use super::{ApiJson, AppState, Metrics};
use crate::error::ApiError;
use crate::storage::PullPage;
use aisle_domain::op::ChangeLogEntry;
use aisle_domain::said;
use aisle_proto::{
    ClaimRequest, ClaimResponse, MAX_PUSH_ENTRIES, PullQuery, PushResponse, Snapshot,
};
use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A push as it arrives ([`aisle_proto::PushRequest`] with its entries not yet read): each entry
/// is read on its own, so that one this server cannot read is held in its place in the device's
/// log instead of refusing the whole push and stopping the device's sync for good.
#[derive(Debug, Deserialize)]
pub struct PushIn {
    pub device_id: aisle_domain::DeviceId,
    pub epoch: uuid::Uuid,
    pub entries: Vec<Box<serde_json::value::RawValue>>,
}

pub async fn push(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    request: axum::extract::Request,
) -> Result<Json<PushResponse>, ApiError> {
    // Waits here, its body not yet read, while others' pushes are read and applied.
    let _turn = state
        .pushes
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("push queue closed: {e}")))?;
    let ApiJson(req) = ApiJson::<PushIn>::from_request(request, &state).await?;
    if req.device_id != device.id {
        Metrics::add(&state.metrics.rejected, 1);
        return Err(ApiError::Forbidden(said!(
            "sync.token_of_another_device",
            "this token belongs to device {token_device}, not to {claimed}",
            token_device = device.id,
            claimed = req.device_id
        )));
    }
    if req.epoch != state.storage.epoch() {
        Metrics::add(&state.metrics.rejected, 1);
        return Err(ApiError::Conflict(said!(
            "sync.other_epoch",
            "this device was enrolled with server database {theirs}, but this server's database is {ours}: the server was replaced or restored from a backup. Nothing was applied; warehouse IT must reconcile before this device syncs again",
            theirs = req.epoch,
            ours = state.storage.epoch()
        )));
    }
    if req.entries.len() > MAX_PUSH_ENTRIES {
        return Err(ApiError::PayloadTooLarge(said!(
            "sync.push_too_large",
            "{entries} entries in one push; at most {most}",
            entries = req.entries.len(),
            most = MAX_PUSH_ENTRIES
        )));
    }
    let raw = req.entries;
    let dev = device.clone();
    let outcome = state
        .blocking(move |s| {
            let (entries, as_sent) = read_entries(&raw).map_err(|(i, e)| {
                crate::error::StorageError::Invalid(said!(
                    "sync.push_entry",
                    "entry {n} of the push: {reason}",
                    n = i + 1,
                    reason = e
                ))
            })?;
            // The texts that read back as their entries are logged as they came.
            let texts: Vec<Option<&str>> = raw
                .iter()
                .zip(as_sent)
                .map(|(text, kept)| kept.then(|| text.get()))
                .collect();
            s.push_as_sent(&dev, &entries, &texts)
        })
        .await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            Metrics::add(&state.metrics.rejected, 1);
            tracing::warn!(device = %device.id, error = ?e, "push refused");
            return Err(e);
        }
    };
    Metrics::add(&state.metrics.pushes, 1);
    Metrics::add(&state.metrics.ops_applied, u64::from(outcome.applied));
    Metrics::add(&state.metrics.ops_duplicate, u64::from(outcome.duplicates));
    tracing::info!(device = %device.id, applied = outcome.applied, duplicates = outcome.duplicates, durable = outcome.durable_seq, "push");
    Ok(Json(PushResponse {
        durable_seq: outcome.durable_seq,
        applied: outcome.applied,
        duplicates: outcome.duplicates,
    }))
}

/// Entries from this many on are read on several threads.
const READ_IN_PARALLEL_FROM: usize = 1_000;

/// An entry read from its text, and whether that text reads back as it.
type ReadEntry = (ChangeLogEntry, bool);

/// A push's entries read from their text (`read_entry_as_sent`), in order, off the async runtime,
/// each with whether its text reads back as the entry: a push of 5,000 spent about 25 ms reading
/// them, so a large one is split across the machine's cores (at most four). The first entry that
/// cannot be read, with its index, refuses the push.
fn read_entries(
    raw: &[Box<RawValue>],
) -> Result<(Vec<ChangeLogEntry>, Vec<bool>), (usize, String)> {
    let read = |offset: usize, part: &[Box<RawValue>]| {
        part.iter()
            .enumerate()
            .map(|(i, v)| {
                aisle_domain::op::read_entry_as_sent(v.get()).map_err(|e| (offset + i, e))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let parts: Vec<Result<Vec<ReadEntry>, (usize, String)>> =
        if raw.len() < READ_IN_PARALLEL_FROM || threads < 2 {
            vec![read(0, raw)]
        } else {
            let size = raw.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = raw
                    .chunks(size)
                    .enumerate()
                    .map(|(n, part)| scope.spawn(move || read(n * size, part)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err((0, "reading the entries failed".to_string())))
                    })
                    .collect()
            })
        };
    let mut entries = Vec::with_capacity(raw.len());
    let mut as_sent = Vec::with_capacity(raw.len());
    for part in parts {
        for (entry, kept) in part? {
            entries.push(entry);
            as_sent.push(kept);
        }
    }
    Ok((entries, as_sent))
}

pub async fn pull(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullPage>, ApiError> {
    let Query(q) =
        query.map_err(|e| ApiError::BadRequest(super::request_refused(e.body_text())))?;
    let page = state.blocking(move |s| s.pull(&device, &q)).await?;
    Metrics::add(&state.metrics.pulls, 1);
    Metrics::add(&state.metrics.ops_pulled, page.ops.len() as u64);
    Ok(Json(page))
}

pub async fn snapshot(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<Snapshot>, ApiError> {
    Ok(Json(state.blocking(move |s| s.snapshot(&device)).await?))
}

/// `POST /v1/claims`: renew this device's leases and take more work.
pub async fn claim(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> Result<Json<ClaimResponse>, ApiError> {
    const MOST: u32 = 100;
    if req.orders > MOST || req.tasks > MOST {
        return Err(ApiError::Unprocessable(said!(
            "sync.too_many_leases",
            "a device holds at most {most} orders and {most} tasks at once",
            most = MOST
        )));
    }
    let leases = state.blocking(move |s| s.claim(&device, &req)).await?;
    Ok(Json(ClaimResponse { leases }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aisle_domain::ledger::StockKey;
    use aisle_domain::op::{Operation, PAYLOAD_VERSION, Receive};
    use aisle_domain::{DeviceId, ItemId, LocationId, OpId, WarehouseId};

    fn entry_text(seq: u64) -> Box<RawValue> {
        let e = ChangeLogEntry {
            op_id: OpId::new(),
            device_id: DeviceId::new(),
            seq,
            schema_version: PAYLOAD_VERSION,
            warehouse_id: WarehouseId::new(),
            operator: "ALICE".into(),
            device_time: chrono::Utc::now(),
            scans: vec![],
            seen_cursor: 0,
            op: Operation::Receive(Receive {
                key: StockKey::loose(ItemId::new(), LocationId::new()),
                qty: 1,
                pack: None,
                serials: vec![],
                receipt_line: None,
                plate_code: None,
            }),
        };
        RawValue::from_string(serde_json::to_string(&e).unwrap()).unwrap()
    }

    /// Read on several threads, the entries keep their order, and the first that cannot be read
    /// is named by its place in the push. Only a text that reads back as its entry is kept as sent.
    #[test]
    fn a_large_push_is_read_in_order_and_a_bad_entry_is_named() {
        let mut raw: Vec<Box<RawValue>> = (1..=2_500).map(entry_text).collect();
        // A field twice: read through a tree of values (the last one counts), so not kept.
        let twice = raw[10].get().replacen('{', "{\"operator\": \"BOB\", ", 1);
        raw[10] = RawValue::from_string(twice).unwrap();
        // An operation this build does not know: held as unreadable, so not kept either.
        let unknown = raw[2_000].get().replace("\"receive\"", "\"teleport\"");
        raw[2_000] = RawValue::from_string(unknown).unwrap();
        let (read, as_sent) = read_entries(&raw).unwrap();
        let seqs: Vec<u64> = read.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=2_500).collect::<Vec<u64>>());
        assert!(matches!(read[2_000].op, Operation::Unreadable(_)));
        let not_kept: Vec<usize> = (0..as_sent.len()).filter(|i| !as_sent[*i]).collect();
        assert_eq!(not_kept, vec![10, 2_000]);
        raw[1_700] = RawValue::from_string("{\"seq\": \"x\"}".into()).unwrap();
        raw[2_300] = RawValue::from_string("{}".into()).unwrap();
        assert_eq!(read_entries(&raw).unwrap_err().0, 1_700);
    }
}
