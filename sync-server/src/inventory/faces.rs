//! Pick-face top-ups: faces below their share of capacity, topped up from storage bins.

use super::*;

/// A pick face's minimum is a quarter of its capacity; a top-up fills it to capacity.
pub const FACE_MIN_SHARE: i64 = 4;

/// A move from reserve to a pick face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaceTopUp {
    pub sku: String,
    pub to: String,
    pub face_qty: i64,
    pub capacity: i64,
    pub from: String,
    pub lot: Option<String>,
    pub expiry: Option<String>,
    pub qty: i64,
    /// Ids behind the codes, for turning the suggestion into a task.
    #[serde(skip)]
    pub(crate) ids: TopUpIds,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TopUpIds {
    pub item: String,
    pub from: String,
    pub to: String,
}

/// A pick face holding (or having held) an item: where, what, how much, how much fits.
#[derive(Debug, Clone)]
pub(super) struct FaceKey {
    id: String,
    code: String,
    item_id: String,
    sku: String,
    qty: i64,
    capacity: i64,
}

/// Which pick faces to look at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Faces<'a> {
    /// Every face of the warehouse that has held an item (an empty face is the most urgent).
    All,
    /// Only these `(location id, item id)` pairs, e.g. the faces a push has just taken from.
    Only(&'a [(String, String)]),
}

/// Move tasks for pick faces (with a capacity) holding an item below a quarter of their
/// capacity, empty ones included: up to capacity, from storage bins, FEFO/FIFO. Faces that
/// already have an open move task for the item are left out: that task is on its way.
pub(crate) fn face_top_ups(
    conn: &dyn Db,
    warehouse: &str,
    which: Faces<'_>,
) -> StorageResult<Vec<FaceTopUp>> {
    let wh = warehouse_id(conn, warehouse)?;
    const FACE: &str = "SELECT l.id, l.code, i.id, i.sku,
            COALESCE((SELECT CAST(SUM(s.qty) AS BIGINT) FROM stock s WHERE s.location_id = l.id AND s.item_id = i.id), 0),
            l.capacity
         FROM locations l JOIN items i ON i.id = ?3
         WHERE l.id = ?2 AND l.warehouse_id = ?1 AND l.kind = 'pick_face' AND l.capacity IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.location_id = l.id AND t.item_id = i.id
                            AND t.kind = 'move' AND t.status = 'open')";
    let pairs: Vec<(String, String)> = match which {
        Faces::Only(p) => p.to_vec(),
        // The ledger remembers which items a face has held, even once it is empty.
        Faces::All => conn.rows(
            "SELECT DISTINCT g.location_id, g.item_id FROM ledger g
             JOIN locations l ON l.id = g.location_id
             WHERE l.warehouse_id = ?1 AND l.kind = 'pick_face' AND l.capacity IS NOT NULL",
            args![wh],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?,
    };
    let mut faces: Vec<allocation::Face<FaceKey>> = Vec::new();
    for (loc, item) in &pairs {
        let row = conn.first(FACE, args![wh, loc, item], |r| {
            Ok(FaceKey {
                id: r.get(0)?,
                code: r.get(1)?,
                item_id: r.get(2)?,
                sku: r.get(3)?,
                qty: r.get(4)?,
                capacity: r.get(5)?,
            })
        })?;
        if let Some(key) = row {
            faces.push(allocation::Face {
                item: key.sku.clone(),
                qty: key.qty,
                min: key.capacity / FACE_MIN_SHARE,
                max: key.capacity,
                key,
            });
        }
    }
    faces.sort_by(|a, b| (&a.key.code, &a.key.sku).cmp(&(&b.key.code, &b.key.sku)));
    faces.dedup_by(|a, b| a.key.id == b.key.id && a.key.item_id == b.key.item_id);
    let low: Vec<&allocation::Face<FaceKey>> = faces.iter().filter(|f| f.qty < f.min).collect();
    let reserve = match which {
        Faces::All if !low.is_empty() => stock_lines(conn, &wh, "('storage')", None)?,
        Faces::All => Vec::new(),
        Faces::Only(_) => {
            let mut items: Vec<&str> = low.iter().map(|f| f.key.item_id.as_str()).collect();
            items.sort_unstable();
            items.dedup();
            let mut reserve = Vec::new();
            for item in items {
                reserve.extend(stock_lines(conn, &wh, "('storage')", Some(item))?);
            }
            reserve
        }
    };
    Ok(
        allocation::top_ups(&faces, &reserve, Some(Utc::now().date_naive()))
            .into_iter()
            .map(|t| FaceTopUp {
                ids: TopUpIds {
                    item: t.face.item_id,
                    from: t.from.location_id,
                    to: t.face.id,
                },
                sku: t.face.sku,
                to: t.face.code,
                face_qty: t.face.qty,
                capacity: t.face.capacity,
                from: t.from.location,
                lot: t.from.lot,
                expiry: t.from.expiry,
                qty: t.qty,
            })
            .collect(),
    )
}
