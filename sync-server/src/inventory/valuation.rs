//! Stock valued at unit cost, per item and currency.

use super::*;

/// An amount of money in millionths, shown with two decimals (rounded half up) as people expect
/// on a stock report.
pub fn money(micros: i128) -> String {
    let cents = (micros.abs() + 5_000) / 10_000;
    let sign = if micros < 0 && cents > 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// One item's stock in a warehouse and what it is worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValuedItem {
    pub sku: String,
    pub description: String,
    pub on_hand: i64,
    /// `None` when the item has no cost yet (import one with `aisle-server import costs`).
    pub unit_cost: Option<String>,
    pub currency: Option<String>,
    pub value: Option<String>,
}

/// Total value per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyTotal {
    pub currency: String,
    pub value: String,
}

/// Stock of a warehouse valued at unit cost: items by value, highest first, then the uncosted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Valuation {
    pub warehouse: String,
    pub items: Vec<ValuedItem>,
    pub totals: Vec<CurrencyTotal>,
    /// Stocked items without a unit cost: their value is unknown, not zero.
    pub uncosted: usize,
}

pub(crate) fn valuation(conn: &dyn Db, warehouse: &str) -> StorageResult<Valuation> {
    let wh = warehouse_id(conn, warehouse)?;
    type Row = (String, String, i64, Option<i64>, Option<String>);
    let rows: Vec<Row> = conn.rows(
        "SELECT i.sku, i.description, CAST(SUM(s.qty) AS BIGINT), c.unit_cost_micros, c.currency
         FROM stock s JOIN locations l ON l.id = s.location_id JOIN items i ON i.id = s.item_id
         LEFT JOIN item_costs c ON c.item_id = i.id
         WHERE l.warehouse_id = ?1
         GROUP BY i.id, i.sku, i.description, c.unit_cost_micros, c.currency HAVING SUM(s.qty) <> 0",
        args![wh],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let mut totals: std::collections::BTreeMap<String, i128> = Default::default();
    let mut items: Vec<(Option<i128>, ValuedItem)> = rows
        .into_iter()
        .map(|(sku, description, on_hand, cost, currency)| {
            let value = cost.map(|c| i128::from(c) * i128::from(on_hand));
            if let (Some(v), Some(cur)) = (value, &currency) {
                *totals.entry(cur.clone()).or_insert(0) += v;
            }
            (
                value,
                ValuedItem {
                    sku,
                    description,
                    on_hand,
                    unit_cost: cost.map(|c| money(i128::from(c))),
                    currency,
                    value: value.map(money),
                },
            )
        })
        .collect();
    items.sort_by(|(va, a), (vb, b)| {
        (va.is_none(), std::cmp::Reverse(*va), &a.sku).cmp(&(
            vb.is_none(),
            std::cmp::Reverse(*vb),
            &b.sku,
        ))
    });
    let uncosted = items.iter().filter(|(v, _)| v.is_none()).count();
    Ok(Valuation {
        warehouse: warehouse.to_string(),
        items: items.into_iter().map(|(_, i)| i).collect(),
        totals: totals
            .into_iter()
            .map(|(currency, v)| CurrencyTotal {
                currency,
                value: money(v),
            })
            .collect(),
        uncosted,
    })
}
