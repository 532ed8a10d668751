//! Allocating outbound order lines to stock: earliest expiry first (FEFO) for items whose stock
//! is dated, first in first out (FIFO, by when the stock arrived) otherwise. Lines are served in
//! the order given (the caller's priority, e.g. order then line number); stock promised to one
//! line is not offered to the next. Stock that expires before a line's `not_before` (expired, or
//! too short-dated: [`crate::shelf_life`]) is never taken. Pure: the caller supplies lines and
//! stock.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Stock that can be picked: one key (location, lot, expiry) of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supply<K> {
    pub key: K,
    pub item: String,
    pub expiry: Option<NaiveDate>,
    /// When this stock first arrived, for FIFO.
    pub arrived: DateTime<Utc>,
    pub qty: i64,
}

/// An order line's open quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand<L> {
    pub line: L,
    pub item: String,
    pub qty: i64,
    /// Dated stock expiring before this day is not taken ([`crate::shelf_life::earliest_expiry`]);
    /// `None` takes any.
    pub not_before: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocated<L, K> {
    pub line: L,
    /// `(stock key, quantity)` in picking order.
    pub picks: Vec<(K, i64)>,
    /// What no stock covers.
    pub short: i64,
}

/// Allocates every demand in turn. An item's stock is taken FEFO when any of it has an expiry
/// (undated stock of such an item goes last), else FIFO; ties go to the earlier arrival.
pub fn allocate<L: Clone, K: Clone>(
    demands: &[Demand<L>],
    supply: &[Supply<K>],
) -> Vec<Allocated<L, K>> {
    let mut left: Vec<i64> = supply.iter().map(|s| s.qty.max(0)).collect();
    demands
        .iter()
        .map(|d| {
            let mut idx: Vec<usize> = (0..supply.len())
                .filter(|&i| {
                    supply[i].item == d.item
                        && left[i] > 0
                        && !matches!((supply[i].expiry, d.not_before), (Some(e), Some(nb)) if e < nb)
                })
                .collect();
            let dated = idx.iter().any(|&i| supply[i].expiry.is_some());
            idx.sort_by(|&a, &b| {
                let (sa, sb) = (&supply[a], &supply[b]);
                if dated {
                    (sa.expiry.is_none(), sa.expiry, sa.arrived).cmp(&(
                        sb.expiry.is_none(),
                        sb.expiry,
                        sb.arrived,
                    ))
                } else {
                    sa.arrived.cmp(&sb.arrived)
                }
            });
            let mut open = d.qty.max(0);
            let mut picks = Vec::new();
            for i in idx {
                if open == 0 {
                    break;
                }
                let take = left[i].min(open);
                left[i] -= take;
                open -= take;
                picks.push((supply[i].key.clone(), take));
            }
            Allocated {
                line: d.line.clone(),
                picks,
                short: open,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 8, 0, 0).unwrap()
    }

    fn exp(m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2027, m, d)
    }

    fn s(
        key: &'static str,
        item: &str,
        expiry: Option<NaiveDate>,
        arrived: u32,
        qty: i64,
    ) -> Supply<&'static str> {
        Supply {
            key,
            item: item.into(),
            expiry,
            arrived: at(arrived),
            qty,
        }
    }

    fn d(line: u32, item: &str, qty: i64) -> Demand<u32> {
        Demand {
            line,
            item: item.into(),
            qty,
            not_before: None,
        }
    }

    #[test]
    fn stock_expiring_before_a_lines_limit_is_never_taken() {
        let supply = [
            s("expired", "OIL", exp(1, 2), 1, 10),
            s("short", "OIL", exp(1, 20), 1, 10),
            s("fresh", "OIL", exp(6, 1), 5, 3),
            s("undated", "OIL", None, 9, 1),
        ];
        let mut line = d(1, "OIL", 12);
        line.not_before = exp(1, 10);
        let got = allocate(&[line.clone()], &supply);
        assert_eq!(got[0].picks, vec![("short", 10), ("fresh", 2)]);
        line.not_before = exp(2, 1);
        let got = allocate(&[line], &supply);
        assert_eq!(got[0].picks, vec![("fresh", 3), ("undated", 1)]);
        assert_eq!(got[0].short, 8);
    }

    #[test]
    fn dated_stock_goes_earliest_expiry_first_whatever_arrived_first() {
        let supply = [
            s("late", "OIL", exp(6, 1), 1, 10),
            s("undated", "OIL", None, 1, 50),
            s("early", "OIL", exp(1, 31), 20, 4),
        ];
        let got = allocate(&[d(1, "OIL", 12)], &supply);
        assert_eq!(got[0].picks, vec![("early", 4), ("late", 8)]);
        assert_eq!(got[0].short, 0);
    }

    #[test]
    fn undated_stock_goes_first_in_first_out() {
        let supply = [
            s("new", "BOLT", None, 20, 100),
            s("old", "BOLT", None, 2, 30),
        ];
        let got = allocate(&[d(1, "BOLT", 40)], &supply);
        assert_eq!(got[0].picks, vec![("old", 30), ("new", 10)]);
    }

    #[test]
    fn stock_promised_to_one_line_is_not_offered_again_and_shortages_are_reported() {
        let supply = [s("a", "BOLT", None, 1, 10), s("x", "NUT", None, 1, 5)];
        let got = allocate(
            &[d(1, "BOLT", 7), d(2, "BOLT", 7), d(3, "SCREW", 2)],
            &supply,
        );
        assert_eq!((got[0].picks.clone(), got[0].short), (vec![("a", 7)], 0));
        assert_eq!((got[1].picks.clone(), got[1].short), (vec![("a", 3)], 4));
        assert_eq!((got[2].picks.clone(), got[2].short), (vec![], 2));
    }

    proptest::proptest! {
        #[test]
        fn nothing_is_promised_twice_or_invented(
            qtys in proptest::collection::vec(0i64..50, 1..8),
            wants in proptest::collection::vec(0i64..80, 1..8),
        ) {
            let supply: Vec<Supply<usize>> = qtys.iter().enumerate()
                .map(|(i, &q)| Supply { key: i, item: "I".into(), expiry: None, arrived: at(1 + i as u32), qty: q })
                .collect();
            let demands: Vec<Demand<usize>> = wants.iter().enumerate()
                .map(|(i, &q)| Demand { line: i, item: "I".into(), qty: q, not_before: None })
                .collect();
            let got = allocate(&demands, &supply);
            let mut used = vec![0i64; supply.len()];
            for (a, want) in got.iter().zip(&wants) {
                let picked: i64 = a.picks.iter().map(|(_, q)| q).sum();
                proptest::prop_assert_eq!(picked + a.short, *want);
                for (k, q) in &a.picks { used[*k] += q; }
            }
            for (u, q) in used.iter().zip(&qtys) { proptest::prop_assert!(u <= q); }
            let total_short: i64 = got.iter().map(|a| a.short).sum();
            let total: i64 = qtys.iter().sum();
            let wanted: i64 = wants.iter().sum();
            proptest::prop_assert_eq!(total_short, (wanted - total).max(0));
        }
    }
}

/// A pick face's stock of an item and its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Face<K> {
    pub key: K,
    pub item: String,
    pub qty: i64,
    /// Top up when the face holds less than this...
    pub min: i64,
    /// ...to this.
    pub max: i64,
}

/// A move from reserve to a pick face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopUp<F, R> {
    pub face: F,
    pub from: R,
    pub qty: i64,
}

/// Move tasks that bring every pick face below its minimum back up to its maximum from reserve
/// stock, chosen like an order line (FEFO for dated stock, else FIFO). Faces are served in the
/// order given; what reserve cannot cover is left (the face stays low until stock arrives).
/// Reserve expiring before `not_before` (expired: it may never be picked) is not brought forward.
pub fn top_ups<F: Clone, R: Clone>(
    faces: &[Face<F>],
    reserve: &[Supply<R>],
    not_before: Option<NaiveDate>,
) -> Vec<TopUp<F, R>> {
    let low: Vec<(usize, Demand<usize>)> = faces
        .iter()
        .enumerate()
        .filter(|(_, f)| f.qty < f.min && f.max > f.qty)
        .map(|(i, f)| {
            (
                i,
                Demand {
                    line: i,
                    item: f.item.clone(),
                    qty: f.max - f.qty,
                    not_before,
                },
            )
        })
        .collect();
    let demands: Vec<Demand<usize>> = low.into_iter().map(|(_, d)| d).collect();
    allocate(&demands, reserve)
        .into_iter()
        .flat_map(|a| {
            let face = faces[a.line].key.clone();
            a.picks.into_iter().map(move |(from, qty)| TopUp {
                face: face.clone(),
                from,
                qty,
            })
        })
        .collect()
}

#[cfg(test)]
mod top_up_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn low_faces_are_filled_to_max_from_the_oldest_reserve() {
        let at = |d| Utc.with_ymd_and_hms(2026, 11, d, 8, 0, 0).unwrap();
        let faces = [
            Face {
                key: "A-1",
                item: "BOLT".to_string(),
                qty: 10,
                min: 50,
                max: 200,
            },
            Face {
                key: "A-2",
                item: "NUT".to_string(),
                qty: 60,
                min: 50,
                max: 200,
            },
            Face {
                key: "A-3",
                item: "SCREW".to_string(),
                qty: 0,
                min: 50,
                max: 200,
            },
        ];
        let reserve = [
            Supply {
                key: "B-new",
                item: "BOLT".into(),
                expiry: None,
                arrived: at(20),
                qty: 500,
            },
            Supply {
                key: "B-old",
                item: "BOLT".into(),
                expiry: None,
                arrived: at(2),
                qty: 100,
            },
            Supply {
                key: "B-nut",
                item: "NUT".into(),
                expiry: None,
                arrived: at(2),
                qty: 100,
            },
        ];
        let got = top_ups(&faces, &reserve, None);
        assert_eq!(
            got,
            vec![
                TopUp {
                    face: "A-1",
                    from: "B-old",
                    qty: 100
                },
                TopUp {
                    face: "A-1",
                    from: "B-new",
                    qty: 90
                },
            ],
            "NUT is above its minimum; SCREW has no reserve"
        );
    }
}
