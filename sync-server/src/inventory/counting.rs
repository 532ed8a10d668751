//! The cycle-count plan: ABC class by movement and when each item is next due.

use super::*;

/// Days of picks that decide an item's ABC class.
pub const ABC_DAYS: u64 = 90;

/// An item's place in the cycle-count plan of a warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountTask {
    pub sku: String,
    pub description: String,
    pub class: AbcClass,
    /// Units picked in the last 90 days.
    pub movement: i64,
    pub last_counted: Option<NaiveDate>,
    pub due_on: NaiveDate,
    /// Where it is, to count location by location.
    pub locations: Vec<String>,
}

/// Every item stocked in the warehouse with its ABC class and when it is next due for counting,
/// most overdue first.
pub(crate) fn count_plan(
    conn: &dyn Db,
    warehouse: &str,
    today: NaiveDate,
) -> StorageResult<Vec<CountTask>> {
    let wh = warehouse_id(conn, warehouse)?;
    let since = (today - Days::new(ABC_DAYS)).to_string();
    type Row = (String, String, String, i64, Option<String>, Option<String>);
    let d = conn.dialect();
    let rows: Vec<Row> = conn.rows(
        &format!(
            "SELECT i.id, i.sku, i.description,
                (SELECT COALESCE(CAST(SUM({qty}) AS BIGINT), 0) FROM ops o
                  WHERE o.op_type = 'pick' AND o.warehouse_id = ?1 AND {item} = i.id
                    AND substr(o.at, 1, 10) >= ?2),
                (SELECT MAX(substr(o.at, 1, 10)) FROM ops o
                  WHERE o.op_type = 'count' AND o.warehouse_id = ?1 AND {item} = i.id),
                (SELECT {codes} FROM (SELECT DISTINCT l.code FROM stock s
                   JOIN locations l ON l.id = s.location_id
                  WHERE s.item_id = i.id AND l.warehouse_id = ?1 AND s.qty <> 0 ORDER BY l.code) AS held)
             FROM items i
             WHERE EXISTS (SELECT 1 FROM stock s JOIN locations l ON l.id = s.location_id
                            WHERE s.item_id = i.id AND l.warehouse_id = ?1 AND s.qty <> 0)
             ORDER BY i.sku",
            qty = d.json_int("o.entry", &["op", "qty"]),
            item = d.json_text("o.entry", &["op", "key", "item"]),
            codes = d.joined("code", " "),
        ),
        args![wh, since],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let movement: Vec<(usize, f64)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.3 as f64))
        .collect();
    let classes = cycle_count::classify(&movement);
    let mut out = Vec::with_capacity(rows.len());
    for ((_, sku, description, moved, last, locations), (_, class)) in rows.into_iter().zip(classes)
    {
        let last_counted = last
            .map(|d| {
                d.parse::<NaiveDate>().map_err(|_| {
                    StorageError::Internal(format!("stored count date {d:?} is not a date"))
                })
            })
            .transpose()?;
        out.push(CountTask {
            sku,
            description,
            class,
            movement: moved,
            due_on: cycle_count::due_on(class, last_counted, today),
            last_counted,
            locations: locations
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    out.sort_by(|a, b| (a.due_on, a.class, &a.sku).cmp(&(b.due_on, b.class, &b.sku)));
    Ok(out)
}
