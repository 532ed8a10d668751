//! Reorder arithmetic: when an item's stock position (available plus on order) reaches its
//! reorder point, how much to order and why; and, from a demand forecast, what the reorder point
//! and safety stock should be for a chosen service level. Pure functions; the server supplies
//! the quantities.

use crate::forecast::{Choice, normal_quantile};
use crate::said::Said;
use serde::{Deserialize, Serialize};

/// How an item is replenished in a warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicyKind {
    /// Order `order_qty` (as many times as needed) when the position falls to `reorder_point`.
    ReorderPoint { reorder_point: i64, order_qty: i64 },
    /// Order up to `max` when the position falls to `min`.
    MinMax { min: i64, max: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    #[serde(flatten)]
    pub kind: PolicyKind,
    pub safety_stock: i64,
    pub lead_time_days: u32,
}

impl Policy {
    /// Refuses policies that could never order sensibly.
    pub fn check(&self) -> Result<(), Said> {
        if self.safety_stock < 0 {
            return Err(said!(
                "replenish.negative_safety_stock",
                "safety stock {qty} is negative",
                qty = self.safety_stock
            ));
        }
        match self.kind {
            PolicyKind::ReorderPoint { order_qty, .. } if order_qty < 1 => Err(said!(
                "replenish.order_qty_below_one",
                "order quantity {qty} must be at least 1",
                qty = order_qty
            )),
            PolicyKind::MinMax { min, max } if max <= min => Err(said!(
                "replenish.max_not_above_min",
                "max {max} must be above min {min}",
                max = max,
                min = min
            )),
            PolicyKind::MinMax { min, .. } if min < 0 => Err(said!(
                "replenish.negative_min",
                "min {min} is negative",
                min = min
            )),
            _ => Ok(()),
        }
    }
}

/// An item's stock in one warehouse as replenishment sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub on_hand: i64,
    /// Promised to open orders, not yet picked.
    pub allocated: i64,
    /// Ordered from suppliers, not yet received.
    pub on_order: i64,
}

impl Position {
    pub fn available(&self) -> i64 {
        self.on_hand - self.allocated
    }

    /// What the reorder decision looks at: available plus on order.
    pub fn projected(&self) -> i64 {
        self.available() + self.on_order
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub qty: i64,
    /// Why, in English.
    pub reason: String,
    /// The same words as a catalog key with its values.
    pub reason_said: Said,
}

impl Suggestion {
    fn new(qty: i64, reason: Said) -> Self {
        Self {
            qty,
            reason: reason.text.clone(),
            reason_said: reason,
        }
    }
}

/// The order to place now, if any.
pub fn suggest(policy: &Policy, pos: &Position) -> Option<Suggestion> {
    let p = pos.projected();
    let have = said!(
        "replenish.position",
        "available {available} + on order {on_order} = {projected}",
        available = pos.available(),
        on_order = pos.on_order,
        projected = p
    );
    match policy.kind {
        PolicyKind::ReorderPoint {
            reorder_point,
            order_qty,
        } => {
            if p > reorder_point || order_qty < 1 {
                return None;
            }
            // Enough whole order quantities to lift the position above the reorder point.
            let lots = (reorder_point - p) / order_qty + 1;
            let qty = lots * order_qty;
            Some(Suggestion::new(
                qty,
                said!(
                    "replenish.at_reorder_point",
                    "{have} is at or below the reorder point {reorder_point}; {lots} × {order_qty} brings it to {after}",
                    have = have,
                    reorder_point = reorder_point,
                    lots = lots,
                    order_qty = order_qty,
                    after = p + qty
                ),
            ))
        }
        PolicyKind::MinMax { min, max } => {
            if p > min || max <= p {
                return None;
            }
            Some(Suggestion::new(
                max - p,
                said!(
                    "replenish.at_minimum",
                    "{have} is at or below the minimum {min}; ordering up to the maximum {max}",
                    have = have,
                    min = min,
                    max = max
                ),
            ))
        }
    }
}

/// What a supplier asks of an order line for one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Terms {
    pub min_order_qty: i64,
    pub pack_multiple: i64,
}

impl Terms {
    /// The smallest quantity the supplier accepts that is at least `qty`: at least the minimum
    /// order and a whole number of packs. `None` when that would overflow.
    pub fn fit(&self, qty: i64) -> Option<i64> {
        let want = qty.max(self.min_order_qty).max(1);
        let pack = self.pack_multiple.max(1);
        let packs = want.checked_add(pack - 1)? / pack;
        packs.checked_mul(pack)
    }

    /// Why `qty` is refused, if it is.
    pub fn refuse(&self, qty: i64) -> Option<Said> {
        if qty < self.min_order_qty {
            Some(said!(
                "replenish.below_minimum_order",
                "{qty} is below the supplier's minimum order of {min_order}",
                qty = qty,
                min_order = self.min_order_qty
            ))
        } else if self.pack_multiple > 1 && qty % self.pack_multiple != 0 {
            Some(said!(
                "replenish.not_whole_packs",
                "{qty} is not a whole number of the supplier's packs of {pack}",
                qty = qty,
                pack = self.pack_multiple
            ))
        } else {
            None
        }
    }

    /// `s` raised to what the supplier accepts, saying so in its reason.
    pub fn apply(&self, supplier: &str, s: Suggestion) -> Suggestion {
        match self.fit(s.qty) {
            Some(qty) if qty != s.qty => Suggestion::new(
                qty,
                said!(
                    "replenish.rounded_for_supplier",
                    "{reason}; {qty} rounded up to {rounded} for {supplier} (minimum order {min_order}, packs of {pack})",
                    reason = s.reason_said,
                    qty = s.qty,
                    rounded = qty,
                    supplier = supplier,
                    min_order = self.min_order_qty,
                    pack = self.pack_multiple
                ),
            ),
            _ => s,
        }
    }
}

/// A policy from a forecast, for an item with no reorder levels of its own: reorder at the
/// forecast's reorder point (demand over the lead time plus safety stock, [`levels`]) and order
/// one lead time's demand (at least one). `None` when the forecast expects no demand.
pub fn forecast_policy(levels: &Levels, lead_time_days: u32) -> Option<Policy> {
    if levels.lead_time_demand <= 0.0 {
        return None;
    }
    Some(Policy {
        kind: PolicyKind::ReorderPoint {
            reorder_point: levels.reorder_point,
            order_qty: (levels.lead_time_demand.ceil() as i64).max(1),
        },
        safety_stock: levels.safety_stock,
        lead_time_days,
    })
}

/// Reorder point and safety stock derived from a forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Levels {
    /// Expected demand over the lead time.
    pub lead_time_demand: f64,
    pub safety_stock: i64,
    pub reorder_point: i64,
    /// How they were found, in English.
    pub explanation: String,
    /// The same words as a catalog key with its values.
    pub explanation_said: Said,
}

/// Safety stock covers the forecast's error over the lead time at the chosen service level
/// (the probability of not running out before the order arrives): z × σ × √L, where σ is the
/// one-step forecast error. Daily errors are taken as independent, the usual simplification.
pub fn levels(choice: &Choice, lead_time_days: u32, service_level: f64) -> Result<Levels, String> {
    let z = normal_quantile(service_level)
        .ok_or_else(|| format!("service level {service_level} must be between 0 and 1"))?;
    let days = lead_time_days as usize;
    let demand: f64 = choice.fit.forecast.iter().take(days).sum::<f64>()
        + choice.fit.forecast.last().copied().unwrap_or(0.0)
            * days.saturating_sub(choice.fit.forecast.len()) as f64;
    let sigma = choice.fit.rmse * f64::from(lead_time_days).sqrt();
    let safety = (z * sigma).max(0.0).ceil() as i64;
    let rop = demand.ceil() as i64 + safety;
    if demand == 0.0 && sigma == 0.0 {
        let none = said!(
            "replenish.no_demand",
            "no demand in the history, so the forecast suggests no reorder level; the policy alone decides"
        );
        return Ok(Levels {
            lead_time_demand: 0.0,
            safety_stock: 0,
            reorder_point: 0,
            explanation: none.text.clone(),
            explanation_said: none,
        });
    }
    let explanation = said!(
        "replenish.levels",
        "about {demand} expected over the {days}-day lead time ({method}); {safety} safety stock covers a {level}% service level (z {z} × error {sigma}); reorder at {rop}",
        demand = format!("{demand:.1}"),
        days = lead_time_days,
        method = choice.fit.method,
        safety = safety,
        level = format!("{:.0}", service_level * 100.0),
        z = format!("{z:.2}"),
        sigma = format!("{sigma:.1}"),
        rop = rop
    );
    Ok(Levels {
        lead_time_demand: demand,
        safety_stock: safety,
        reorder_point: rop,
        explanation: explanation.text.clone(),
        explanation_said: explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{Fit, Method};

    fn rop(reorder_point: i64, order_qty: i64) -> Policy {
        Policy {
            kind: PolicyKind::ReorderPoint {
                reorder_point,
                order_qty,
            },
            safety_stock: 0,
            lead_time_days: 5,
        }
    }

    fn pos(on_hand: i64, allocated: i64, on_order: i64) -> Position {
        Position {
            on_hand,
            allocated,
            on_order,
        }
    }

    #[test]
    fn reorder_point_orders_whole_lots_above_the_point() {
        assert_eq!(
            suggest(&rop(20, 15), &pos(30, 5, 0)),
            None,
            "25 is above 20"
        );
        let s = suggest(&rop(20, 15), &pos(25, 5, 0)).unwrap();
        assert_eq!(s.qty, 15, "20 is at the point: one lot lifts it to 35");
        assert_eq!(
            s.reason,
            "available 20 + on order 0 = 20 is at or below the reorder point 20; 1 × 15 brings it to 35"
        );
        assert_eq!(
            suggest(&rop(20, 15), &pos(0, 10, 0)).unwrap().qty,
            45,
            "-10 needs 3 lots"
        );
        assert_eq!(
            suggest(&rop(20, 15), &pos(10, 0, 15)),
            None,
            "on order counts"
        );
    }

    #[test]
    fn min_max_orders_up_to_max() {
        let p = Policy {
            kind: PolicyKind::MinMax { min: 10, max: 50 },
            safety_stock: 0,
            lead_time_days: 3,
        };
        assert_eq!(suggest(&p, &pos(11, 0, 0)), None);
        assert_eq!(suggest(&p, &pos(10, 2, 0)).unwrap().qty, 42);
    }

    #[test]
    fn bad_policies_are_refused() {
        assert!(
            rop(5, 0)
                .check()
                .unwrap_err()
                .text
                .contains("order quantity 0")
        );
        let mm = Policy {
            kind: PolicyKind::MinMax { min: 9, max: 9 },
            safety_stock: 0,
            lead_time_days: 1,
        };
        assert!(
            mm.check()
                .unwrap_err()
                .text
                .contains("max 9 must be above min 9")
        );
        assert!(rop(5, 10).check().is_ok());
    }

    #[test]
    fn levels_from_a_flat_forecast_have_known_answers() {
        let choice = Choice {
            fit: Fit {
                method: Method::Ses,
                alpha: 0.2,
                gamma: 0.0,
                forecast: vec![5.0; 7],
                rmse: 2.0,
            },
            scores: vec![],
            naive_mase: None,
            reason: String::new(),
            reason_said: Said::untranslated(""),
        };
        // 4 days × 5 = 20; sigma 2 × √4 = 4; z(95%) 1.645 × 4 = 6.58 → 7; 20 + 7 = 27.
        let l = levels(&choice, 4, 0.95).unwrap();
        assert_eq!(
            (l.lead_time_demand, l.safety_stock, l.reorder_point),
            (20.0, 7, 27)
        );
        assert!(
            l.explanation.contains("95% service level"),
            "{}",
            l.explanation
        );
        // A lead time beyond the forecast horizon extends its last day.
        assert_eq!(levels(&choice, 10, 0.5).unwrap().reorder_point, 50);
        assert!(levels(&choice, 4, 1.0).is_err());
        let none = Choice {
            fit: Fit {
                forecast: vec![0.0; 7],
                rmse: 0.0,
                ..choice.fit.clone()
            },
            ..choice.clone()
        };
        let l = levels(&none, 4, 0.95).unwrap();
        assert_eq!(l.reorder_point, 0);
        assert_eq!(
            l.explanation,
            "no demand in the history, so the forecast suggests no reorder level; the policy alone decides"
        );
        // No explanation has a run of blanks (a string continued across lines without `\`).
        for e in [
            &l.explanation,
            &levels(&choice, 4, 0.95).unwrap().explanation,
        ] {
            assert!(!e.contains("  "), "{e:?}");
        }
    }

    #[test]
    fn supplier_terms_round_up_to_the_minimum_and_whole_packs() {
        let t = Terms {
            min_order_qty: 50,
            pack_multiple: 12,
        };
        assert_eq!(t.fit(1), Some(60), "the minimum 50, in packs of 12");
        assert_eq!(t.fit(60), Some(60));
        assert_eq!(t.fit(61), Some(72));
        assert_eq!(t.fit(i64::MAX), None);
        assert_eq!(t.refuse(60), None);
        assert!(t.refuse(48).unwrap().contains("minimum order of 50"));
        assert!(t.refuse(70).unwrap().contains("packs of 12"));
        let s = t.apply("ACME", Suggestion::new(55, Said::untranslated("low")));
        assert_eq!(s.qty, 60);
        assert_eq!(
            s.reason,
            "low; 55 rounded up to 60 for ACME (minimum order 50, packs of 12)"
        );
    }

    proptest::proptest! {
        /// What `fit` gives is accepted, covers the need, and is the least such quantity.
        #[test]
        fn fitted_quantities_are_the_least_the_supplier_accepts(
            qty in 1i64..100_000, min in 1i64..1_000, pack in 1i64..500
        ) {
            let t = Terms { min_order_qty: min, pack_multiple: pack };
            let q = t.fit(qty).unwrap();
            proptest::prop_assert!(q >= qty && q >= min);
            proptest::prop_assert_eq!(t.refuse(q), None);
            let smaller = (qty.max(min)..q).find(|&x| t.refuse(x).is_none());
            proptest::prop_assert_eq!(smaller, None);
        }
    }

    /// The reorder point from a forecast, against a computation written out by hand: 8 a day
    /// over a 9-day lead time is 72; a one-step error of 4 over 9 days is 4 × √9 = 12; a 97.5%
    /// service level is z = 1.959964 (the normal table's 1.96), so safety stock is
    /// ⌈23.52⌉ = 24 and the reorder point 72 + 24 = 96. The order quantity is one lead time's
    /// demand.
    #[test]
    fn a_forecast_policy_reorders_at_lead_time_demand_plus_safety_stock() {
        let choice = Choice {
            fit: Fit {
                method: Method::Ses,
                alpha: 0.2,
                gamma: 0.0,
                forecast: vec![8.0; 7],
                rmse: 4.0,
            },
            scores: vec![],
            naive_mase: None,
            reason: String::new(),
            reason_said: Said::untranslated(""),
        };
        let l = levels(&choice, 9, 0.975).unwrap();
        assert!((l.lead_time_demand - 72.0).abs() < 1e-9, "{l:?}");
        assert_eq!(l.safety_stock, (1.959964f64 * 12.0).ceil() as i64);
        assert_eq!(l.safety_stock, 24);
        assert_eq!(l.reorder_point, 96);
        let p = forecast_policy(&l, 9).unwrap();
        assert_eq!(
            p.kind,
            PolicyKind::ReorderPoint {
                reorder_point: 96,
                order_qty: 72
            }
        );
        assert_eq!((p.safety_stock, p.lead_time_days), (24, 9));
        let none = levels(
            &Choice {
                fit: Fit {
                    forecast: vec![0.0; 7],
                    rmse: 0.0,
                    ..choice.fit.clone()
                },
                ..choice.clone()
            },
            9,
            0.975,
        )
        .unwrap();
        assert_eq!(forecast_policy(&none, 9), None, "no demand, no order");
    }
}
