//! Replenishment: each item's stock position per warehouse (on hand, allocated to open orders,
//! on order from suppliers), its reorder policy, its daily demand from picks, a forecast chosen by
//! backtest, and what to order. A purchase order becomes expected receipt lines, which devices
//! download like any imported receipt.

use super::*;
use aisle_domain::said;

/// Days of demand history the forecast looks at, and the backtest's holdout.
pub const HISTORY_DAYS: u32 = 182;
pub const HOLDOUT_DAYS: usize = 28;

/// One item's replenishment in one warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplenishmentLine {
    pub sku: String,
    pub description: String,
    pub position: Position,
    pub policy: Policy,
    /// `policy` when set for the warehouse, `item` (the item master's reorder fields), or
    /// `forecast` (the forecast's reorder point over the preferred supplier's lead time).
    pub policy_source: &'static str,
    pub suggestion: Option<Suggestion>,
    /// The warehouse's preferred supplier for the item and its terms.
    pub supplier: Option<SupplierTerms>,
    pub forecast: ForecastSummary,
}

/// What the forecast says about the policy, in numbers and words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastSummary {
    pub method: forecast::Method,
    pub mase: Option<f64>,
    pub naive_mase: Option<f64>,
    /// Why this method, in English.
    pub reason: String,
    /// The same words as a catalog key with its values.
    pub reason_said: Said,
    pub levels: Levels,
}

/// Units picked per day for the last `days` days up to `today`, oldest first, zeros included.
/// Days come from the device clock of each pick (when it happened, not when it synced).
pub(crate) fn demand_history(
    conn: &dyn Db,
    warehouse: &str,
    item: &str,
    days: u32,
    today: NaiveDate,
) -> StorageResult<Vec<(NaiveDate, i64)>> {
    let first = today - Days::new(u64::from(days.saturating_sub(1)));
    let d = conn.dialect();
    let by_day: HashMap<String, i64> = conn
        .rows(
            &format!(
                "SELECT substr(at, 1, 10), CAST(SUM({qty}) AS BIGINT)
                 FROM ops
                 WHERE op_type = 'pick' AND warehouse_id = ?1 AND {item} = ?2
                   AND substr(at, 1, 10) >= ?3 AND substr(at, 1, 10) <= ?4
                 GROUP BY substr(at, 1, 10)",
                qty = d.json_int("entry", &["op", "qty"]),
                item = d.json_text("entry", &["op", "key", "item"]),
            ),
            args![warehouse, item, first.to_string(), today.to_string()],
            |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)),
        )?
        .into_iter()
        .collect();
    Ok(first
        .iter_days()
        .take(days as usize)
        .map(|d| (d, by_day.get(&d.to_string()).copied().unwrap_or(0)))
        .collect())
}

/// The demand history a forecast reads, oldest first, from the item's daily `picks` (as
/// [`demand_history`] reads them, up to `today`): from the item's first movement in the
/// warehouse (its first receipt, or a first pick) rather than the window's first day. A day that
/// began with no stock of the item in the warehouse and saw no pick is censored (`None`): nothing
/// could be picked, so its demand is unknown, not zero.
pub(crate) fn demand_series(
    conn: &dyn Db,
    warehouse: &str,
    item: &str,
    picks: &[(NaiveDate, i64)],
    today: NaiveDate,
) -> StorageResult<Vec<Option<f64>>> {
    let moves: Vec<(String, i64)> = conn.rows(
        "SELECT substr(o.at, 1, 10), CAST(SUM(g.qty) AS BIGINT)
         FROM ledger g JOIN ops o ON o.op_id = g.op_id JOIN locations l ON l.id = g.location_id
         WHERE g.item_id = ?1 AND l.warehouse_id = ?2 AND substr(o.at, 1, 10) <= ?3
         GROUP BY substr(o.at, 1, 10) ORDER BY 1",
        args![item, warehouse, today.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some(first_move) = moves.first() else {
        return Ok(vec![]);
    };
    let first_move: NaiveDate = first_move.0.parse().map_err(|_| {
        StorageError::Internal(format!("stored time {:?} is not a date", first_move.0))
    })?;
    let by_day: HashMap<&str, i64> = moves.iter().map(|(d, q)| (d.as_str(), *q)).collect();
    let window_start = picks.first().map_or(today, |(d, _)| *d);
    let start = window_start.max(first_move);
    // Stock on hand when the first day of the series began.
    let start_text = start.to_string();
    let mut on_hand: i64 = moves
        .iter()
        .filter(|(d, _)| d.as_str() < start_text.as_str())
        .map(|(_, q)| q)
        .sum();
    let mut series = Vec::new();
    for &(day, picked) in picks.iter().filter(|(d, _)| *d >= start) {
        series.push((on_hand > 0 || picked > 0).then_some(picked as f64));
        on_hand += by_day.get(day.to_string().as_str()).copied().unwrap_or(0);
    }
    Ok(series)
}

pub(crate) fn set_policy(
    conn: &dyn Db,
    warehouse: &str,
    sku: &str,
    policy: &Policy,
) -> StorageResult<()> {
    policy.check().map_err(StorageError::Invalid)?;
    let wh = warehouse_id(conn, warehouse)?;
    let item = item_id(conn, sku)?;
    conn.exec(
        "INSERT INTO reorder_policies (warehouse_id, item_id, policy) VALUES (?1, ?2, ?3)
         ON CONFLICT(warehouse_id, item_id) DO UPDATE SET policy = excluded.policy",
        args![wh, item, serde_json::to_string(policy)?],
    )?;
    Ok(())
}

/// An item's position in a warehouse on `today`. On hand counts only stock that can go out:
/// stock in quarantine and stock past its expiry are left out (`aisle_domain::shelf_life`).
pub(super) fn position(
    conn: &dyn Db,
    wh: &str,
    item: &str,
    today: NaiveDate,
) -> StorageResult<Position> {
    let one = |sql: &str, args: &[aisle_ledger::db::Value]| -> StorageResult<i64> {
        Ok(conn.one(sql, args, |r| r.get(0))?)
    };
    Ok(Position {
        on_hand: one(
            "SELECT COALESCE(CAST(SUM(s.qty) AS BIGINT), 0) FROM stock s JOIN locations l ON l.id = s.location_id
             WHERE l.warehouse_id = ?1 AND s.item_id = ?2 AND l.kind <> 'quarantine'
               AND (s.expiry = '' OR s.expiry >= ?3)",
            args![wh, item, today.to_string()],
        )?,
        allocated: one(
            "SELECT COALESCE(CAST(SUM(CASE WHEN qty > picked_qty THEN qty - picked_qty ELSE 0 END) AS BIGINT), 0) FROM order_lines
             WHERE warehouse_id = ?1 AND item_id = ?2",
            args![wh, item],
        )?,
        on_order: one(
            "SELECT COALESCE(CAST(SUM(CASE WHEN expected_qty > received_qty THEN expected_qty - received_qty ELSE 0 END) AS BIGINT), 0) FROM receipt_lines
             WHERE warehouse_id = ?1 AND item_id = ?2",
            args![wh, item],
        )?,
    })
}

/// An item a warehouse stocks, as replenishment reads it.
struct Stocked {
    id: String,
    sku: String,
    description: String,
    /// The item master's reorder point (or min) and max.
    master: (Option<i64>, Option<i64>),
    /// The warehouse's own policy, as stored.
    policy: Option<String>,
}

/// One function maps a [`Stocked`] row.
fn stocked(r: &aisle_ledger::db::Row<'_>) -> Result<Stocked, aisle_ledger::LedgerError> {
    Ok(Stocked {
        id: r.get(0)?,
        sku: r.get(1)?,
        description: r.get(2)?,
        master: (r.get::<Option<i64>>(3)?.or(r.get(4)?), r.get(5)?),
        policy: r.get(6)?,
    })
}

/// Every item the warehouse stocks that has a policy (its own, the item master's, or one from the
/// forecast when a preferred supplier gives the lead time), with what to order now, rounded up to
/// the supplier's terms. Items that need ordering come first. A warehouse stocks an item as its
/// item-warehouse row says (`aisle-server import item-warehouses`); without a row, when it has its
/// own policy for the item or has ever held it.
pub(crate) fn replenishment(
    conn: &dyn Db,
    warehouse: &str,
    today: NaiveDate,
    service_level: f64,
) -> StorageResult<Vec<ReplenishmentLine>> {
    if !(service_level > 0.0 && service_level < 1.0) {
        return Err(StorageError::Invalid(said!(
            "replenish.service_level_must_between",
            "service level {service_level} must be between 0 and 1 (for example 0.95)",
            service_level = service_level
        )));
    }
    let wh = warehouse_id(conn, warehouse)?;
    let rows: Vec<Stocked> = conn.rows(
        // Only what the warehouse stocks: as its item-warehouse row says; without one, when it
        // has its own policy for the item or has ever held it.
        "SELECT i.id, i.sku, i.description, i.reorder_point, i.min_qty, i.max_qty, p.policy
         FROM items i LEFT JOIN reorder_policies p ON p.item_id = i.id AND p.warehouse_id = ?1
           LEFT JOIN item_warehouses iw ON iw.item_id = i.id AND iw.warehouse_id = ?1
         WHERE COALESCE(iw.stocked, p.policy IS NOT NULL
                 OR EXISTS (SELECT 1 FROM stock_changes c WHERE c.item_id = i.id AND c.warehouse_id = ?1))
         ORDER BY i.sku",
        args![wh],
        stocked,
    )?;
    let mut out = Vec::new();
    for row in rows {
        let supplier = preferred_terms(conn, &wh, &row.id)?;
        let own = match row.policy {
            Some(json) => Some((serde_json::from_str::<Policy>(&json)?, "policy")),
            None => match row.master {
                (Some(min), Some(max)) if max > min => Some((
                    Policy {
                        kind: PolicyKind::MinMax { min, max },
                        safety_stock: 0,
                        lead_time_days: DEFAULT_LEAD_TIME_DAYS,
                    },
                    "item",
                )),
                _ => None,
            },
        };
        // The supplier's lead time is the truth where there is one.
        let lead_time_days = match (&supplier, &own) {
            (Some(s), _) => s.lead_time_days,
            (None, Some((p, _))) => p.lead_time_days,
            (None, None) => continue,
        };
        let pos = position(conn, &wh, &row.id, today)?;
        let picks = demand_history(conn, &wh, &row.id, HISTORY_DAYS, today)?;
        let history = demand_series(conn, &wh, &row.id, &picks, today)?;
        let choice: Choice =
            forecast::choose_observed(&history, HOLDOUT_DAYS, lead_time_days as usize);
        let levels = replenish::levels(&choice, lead_time_days, service_level)
            // The service level is the server's configuration, checked when it starts.
            .map_err(|m| StorageError::Invalid(Said::untranslated(m)))?;
        let (policy, source) = match own {
            Some((p, source)) => (
                Policy {
                    lead_time_days,
                    ..p
                },
                source,
            ),
            None => match replenish::forecast_policy(&levels, lead_time_days) {
                Some(p) => (p, "forecast"),
                // No levels of its own and no demand to derive them from.
                None => continue,
            },
        };
        let suggestion = replenish::suggest(&policy, &pos).map(|s| match &supplier {
            Some(t) => t.terms.apply(&t.code, s),
            None => s,
        });
        let mase = choice.chosen_mase();
        out.push(ReplenishmentLine {
            sku: row.sku,
            description: row.description,
            suggestion,
            position: pos,
            policy,
            policy_source: source,
            supplier,
            forecast: ForecastSummary {
                method: choice.fit.method,
                mase,
                naive_mase: choice.naive_mase,
                reason: choice.reason,
                reason_said: choice.reason_said,
                levels,
            },
        });
    }
    out.sort_by_key(|l| l.suggestion.is_none());
    Ok(out)
}
