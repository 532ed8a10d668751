//! Cycle counting by ABC class: items that move most (class A, the first 80% of movement) are
//! counted every month, the next 15% (B) every quarter, the rest (C) once a year. Counting the
//! fast movers often finds errors where they cost most, without counting everything all the time.

use chrono::{Days, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum AbcClass {
    A,
    B,
    C,
}

impl AbcClass {
    /// Days between counts.
    pub fn interval_days(self) -> u64 {
        match self {
            Self::A => 30,
            Self::B => 90,
            Self::C => 365,
        }
    }
}

/// Classes for `(key, movement)` pairs, in the order given. Items are ranked by movement; an
/// item is A while the movement before it is under 80% of the total, B under 95%, else C. Items
/// that did not move are C.
pub fn classify<K: Clone>(movement: &[(K, f64)]) -> Vec<(K, AbcClass)> {
    let total: f64 = movement.iter().map(|(_, m)| m.max(0.0)).sum();
    let mut order: Vec<usize> = (0..movement.len()).collect();
    order.sort_by(|&a, &b| movement[b].1.total_cmp(&movement[a].1));
    let mut class = vec![AbcClass::C; movement.len()];
    let mut before = 0.0;
    for i in order {
        let m = movement[i].1.max(0.0);
        if m > 0.0 && total > 0.0 {
            class[i] = if before < 0.8 * total {
                AbcClass::A
            } else if before < 0.95 * total {
                AbcClass::B
            } else {
                AbcClass::C
            };
        }
        before += m;
    }
    movement
        .iter()
        .zip(class)
        .map(|((k, _), c)| (k.clone(), c))
        .collect()
}

/// When an item of `class` is next due: one interval after its last count, or today if it was
/// never counted.
pub fn due_on(class: AbcClass, last_counted: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
    match last_counted {
        None => today,
        Some(d) => d + Days::new(class.interval_days()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_eighty_percent_of_movement_is_a() {
        // 100 units in all: 50 + 25 reach 75% (A, A); 10 starts at 75% (A); 8 starts at 85%
        // (B); 5 starts at 93% (B); 2 starts at 98% (C); 0 never moved (C).
        let m = [
            ("e", 5.0),
            ("a", 50.0),
            ("z", 0.0),
            ("c", 10.0),
            ("b", 25.0),
            ("d", 8.0),
            ("f", 2.0),
        ];
        let got: Vec<(&str, AbcClass)> = classify(&m);
        use AbcClass::*;
        assert_eq!(
            got,
            vec![
                ("e", B),
                ("a", A),
                ("z", C),
                ("c", A),
                ("b", A),
                ("d", B),
                ("f", C)
            ]
        );
        assert!(classify::<&str>(&[]).is_empty());
        assert_eq!(
            classify(&[("x", 0.0)]),
            vec![("x", C)],
            "no movement at all"
        );
    }

    #[test]
    fn a_items_come_due_more_often() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(due_on(AbcClass::A, Some(last), today), last + Days::new(30));
        assert_eq!(
            due_on(AbcClass::C, Some(last), today),
            last + Days::new(365)
        );
        assert_eq!(
            due_on(AbcClass::B, None, today),
            today,
            "never counted: due now"
        );
        assert!(AbcClass::A.interval_days() < AbcClass::B.interval_days());
    }
}
