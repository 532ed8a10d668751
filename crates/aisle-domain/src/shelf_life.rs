//! Which dated stock may still go to a customer. One rule for the server's allocation, the
//! devices' pick walks and admission of a pick against an order line:
//! - stock past its expiry date is never allocated or picked against an order (the expiry date
//!   itself is the last day it may go: GS1's "expiration date" is the last day of use);
//! - stock with fewer days left than required is kept out too. The requirement is the larger of
//!   the item's minimum remaining shelf life and the order line's (an ERP sets it per customer
//!   on the order).
//!
//! Undated stock is always sellable. Days are calendar days on the server's clock (UTC).

use chrono::{Days, NaiveDate};

/// The days of shelf life an order line needs left: the larger of its item's minimum and its own
/// (either may be unset).
pub fn required_days(item: Option<u32>, line: Option<u32>) -> u32 {
    item.unwrap_or(0).max(line.unwrap_or(0))
}

/// The earliest expiry date that may still go out on `today` with `min_days` left.
pub fn earliest_expiry(today: NaiveDate, min_days: u32) -> NaiveDate {
    today
        .checked_add_days(Days::new(u64::from(min_days)))
        .unwrap_or(NaiveDate::MAX)
}

/// Why stock expiring on `expiry` may not go out on `today` to a line that needs `min_days` of
/// shelf life left; `None` when it may.
pub fn unsellable(expiry: Option<NaiveDate>, today: NaiveDate, min_days: u32) -> Option<String> {
    let expiry = expiry?;
    if expiry < today {
        return Some(format!("this stock expired on {expiry}"));
    }
    if expiry < earliest_expiry(today, min_days) {
        let left = (expiry - today).num_days();
        return Some(format!(
            "this stock expires on {expiry}, {left} day{} from now; at least {min_days} must be left",
            if left == 1 { "" } else { "s" }
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn the_expiry_date_is_the_last_day_stock_may_go_out() {
        let today = d(12, 3);
        assert_eq!(unsellable(Some(d(12, 3)), today, 0), None);
        assert_eq!(
            unsellable(Some(d(12, 2)), today, 0).as_deref(),
            Some("this stock expired on 2026-12-02")
        );
        assert_eq!(unsellable(None, today, 365), None);
    }

    #[test]
    fn a_minimum_shelf_life_keeps_short_dated_stock_back() {
        let today = d(12, 3);
        assert_eq!(unsellable(Some(d(12, 13)), today, 10), None);
        assert_eq!(
            unsellable(Some(d(12, 12)), today, 10).as_deref(),
            Some("this stock expires on 2026-12-12, 9 days from now; at least 10 must be left")
        );
        assert_eq!(earliest_expiry(today, 10), d(12, 13));
        assert_eq!(earliest_expiry(today, u32::MAX), NaiveDate::MAX);
        assert_eq!(required_days(Some(10), Some(30)), 30);
        assert_eq!(required_days(Some(45), None), 45);
        assert_eq!(required_days(None, None), 0);
    }

    proptest::proptest! {
        /// The reason and the date bound say the same thing for any day and requirement.
        #[test]
        fn the_bound_and_the_reason_agree(offset in -400i64..400, min in 0u32..400) {
            let today = d(6, 1);
            let expiry = today + chrono::Duration::days(offset);
            let refused = unsellable(Some(expiry), today, min).is_some();
            proptest::prop_assert_eq!(refused, expiry < earliest_expiry(today, min));
            proptest::prop_assert_eq!(refused, offset < i64::from(min));
        }
    }
}
