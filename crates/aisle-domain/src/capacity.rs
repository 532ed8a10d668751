//! How much a location may hold: base units (`Location::capacity`), and optionally weight
//! (`max_weight_g`) and volume (`max_volume_cm3`); a limit that is not set is no limit. A scan
//! that leaves a location over any of them is warned about on the device (or refused, where the
//! warehouse says so), and putaway suggestions pass over locations without room for the item.

use crate::Said;
use crate::master::{Item, Location};

/// What a location takes, each when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub units: Option<i64>,
    pub grams: Option<i64>,
    pub cm3: Option<i64>,
}

/// What a location holds: units, and their weight and volume as far as the items' data tell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    pub units: i64,
    pub grams: i64,
    pub cm3: i64,
}

impl Load {
    /// Adds `qty` units (negative: takes them away) weighing `unit_g` and taking `unit_cm3` each,
    /// when known. Saturating: absurd master data or quantities make a location look over its
    /// limits, never an overflow.
    pub fn add(&mut self, qty: i64, unit_g: Option<i64>, unit_cm3: Option<i64>) {
        self.units = self.units.saturating_add(qty);
        self.grams = self
            .grams
            .saturating_add(qty.saturating_mul(unit_g.unwrap_or(0)));
        self.cm3 = self
            .cm3
            .saturating_add(qty.saturating_mul(unit_cm3.unwrap_or(0)));
    }

    /// Both loads together.
    pub fn plus(self, other: Load) -> Load {
        Load {
            units: self.units.saturating_add(other.units),
            grams: self.grams.saturating_add(other.grams),
            cm3: self.cm3.saturating_add(other.cm3),
        }
    }
}

impl Limits {
    pub fn of(loc: &Location) -> Self {
        Self {
            units: loc.capacity,
            grams: loc.max_weight_g,
            cm3: loc.max_volume_cm3,
        }
    }

    /// No limit is set: nothing to check (and nothing to sum).
    pub fn is_none(&self) -> bool {
        self.units.is_none() && self.grams.is_none() && self.cm3.is_none()
    }
}

/// One unit's volume in cubic centimetres from its dimensions in millimetres, rounded up.
pub fn unit_cm3(dimensions_mm: Option<[i64; 3]>) -> Option<i64> {
    let [l, w, h] = dimensions_mm?;
    let mm3 = l.checked_mul(w)?.checked_mul(h)?;
    Some(mm3.div_euclid(1000) + i64::from(mm3.rem_euclid(1000) != 0))
}

/// One unit of `item`: its weight in grams and volume in cm³, when its data give them.
pub fn unit_of(item: &Item) -> (Option<i64>, Option<i64>) {
    (item.weight_g, unit_cm3(item.dimensions_mm))
}

/// The weight of `qty` base units of `item`: whole packs that have a weight of their own counted
/// at it (largest first: their packaging included), the rest at the unit's weight. `None` when a
/// part has no weight on record.
pub fn weight_of(item: &Item, qty: i64) -> Option<i64> {
    let mut packs: Vec<&crate::master::PackLevel> = item
        .packs
        .iter()
        .filter(|p| p.quantity > 1 && p.weight_g.is_some())
        .collect();
    packs.sort_by_key(|p| std::cmp::Reverse(p.quantity));
    let mut left = qty.max(0);
    let mut grams: i64 = 0;
    for p in packs {
        let n = left / p.quantity;
        grams = grams.checked_add(n.checked_mul(p.weight_g?)?)?;
        left -= n * p.quantity;
    }
    if left > 0 {
        grams = grams.checked_add(left.checked_mul(item.weight_g?)?)?;
    }
    Some(grams)
}

/// Units a location with `capacity` still has room for while it holds `held`; `None` when it has
/// no capacity set (no limit).
pub fn room(capacity: Option<i64>, held: i64) -> Option<i64> {
    capacity.map(|c| (c - held).max(0))
}

/// Units of an item (one unit weighing `unit_g` and taking `unit_cm3`, when known) the location
/// still takes: the least that any of its limits allows. `None` when no limit applies (none set,
/// or only a weight or volume limit and the item's weight or volume is unknown).
pub fn room_for(
    limits: Limits,
    load: Load,
    unit_g: Option<i64>,
    unit_cm3: Option<i64>,
) -> Option<i64> {
    let by = |limit: Option<i64>, held: i64, per_unit: Option<i64>| -> Option<i64> {
        let left = (limit? - held).max(0);
        let per = per_unit.filter(|p| *p > 0)?;
        Some(left / per)
    };
    [
        room(limits.units, load.units),
        by(limits.grams, load.grams, unit_g),
        by(limits.cm3, load.cm3, unit_cm3),
    ]
    .into_iter()
    .flatten()
    .min()
}

/// The warning for a location `code` that holds `held` units after a scan, if over `capacity`.
pub fn over(code: &str, capacity: Option<i64>, held: i64) -> Option<Said> {
    let c = capacity?;
    (held > c).then(|| {
        said!(
            "capacity.over_units",
            "{code} now holds {held} units, over its capacity of {capacity}; recorded, move the extra on",
            code = code,
            held = held,
            capacity = c
        )
    })
}

/// A warning for each limit that `load` is over at location `code`.
pub fn over_limits(code: &str, limits: Limits, load: Load) -> Vec<Said> {
    let mut out: Vec<Said> = over(code, limits.units, load.units).into_iter().collect();
    if let Some(g) = limits.grams.filter(|g| load.grams > *g) {
        out.push(said!(
            "capacity.over_weight",
            "{code} now holds {weight}, over its weight limit of {limit}; recorded, move the extra on",
            code = code,
            weight = crate::op::weight_text(load.grams),
            limit = crate::op::weight_text(g)
        ));
    }
    if let Some(v) = limits.cm3.filter(|v| load.cm3 > *v) {
        out.push(said!(
            "capacity.over_volume",
            "{code} now holds {volume} cm³, over its volume of {limit} cm³; recorded, move the extra on",
            code = code,
            volume = load.cm3,
            limit = v
        ));
    }
    out
}

/// Warnings as one line of English.
pub fn joined(warnings: &[Said]) -> String {
    warnings
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn room_and_the_warning_agree_at_the_limit() {
        assert_eq!(room(Some(200), 150), Some(50));
        assert_eq!(room(Some(200), 260), Some(0));
        assert_eq!(room(None, 10_000), None);
        assert_eq!(over("A-01-2", Some(200), 200), None);
        assert_eq!(
            over("A-01-2", Some(200), 1600).map(|s| s.text).as_deref(),
            Some(
                "A-01-2 now holds 1600 units, over its capacity of 200; recorded, move the extra on"
            )
        );
        assert_eq!(over("B-01", None, 1_000_000), None);
    }

    #[test]
    fn weight_and_volume_limit_what_fits() {
        let limits = Limits {
            units: Some(100),
            grams: Some(50_000),
            cm3: Some(60_000),
        };
        let load = Load {
            units: 10,
            grams: 20_000,
            cm3: 10_000,
        };
        // 2 kg a unit: 15 more by weight; 1 litre: 50 by volume; 90 by units.
        assert_eq!(room_for(limits, load, Some(2_000), Some(1_000)), Some(15));
        // Weight unknown: volume decides.
        assert_eq!(room_for(limits, load, None, Some(1_000)), Some(50));
        assert_eq!(room_for(Limits::default(), load, Some(1), Some(1)), None);
        let heavy = Load {
            grams: 50_500,
            ..load
        };
        assert_eq!(
            over_limits("B-01", limits, heavy)
                .into_iter()
                .map(|s| s.text)
                .collect::<Vec<_>>(),
            vec![
                "B-01 now holds 50.500 kg, over its weight limit of 50.000 kg; recorded, move the extra on"
            ]
        );
        assert_eq!(unit_cm3(Some([100, 100, 101])), Some(1_010));
        assert_eq!(unit_cm3(Some([10, 10, 15])), Some(2), "1.5 cm³ takes 2");
        assert_eq!(unit_cm3(None), None);
    }

    #[test]
    fn absurd_quantities_and_weights_saturate_instead_of_overflowing() {
        let mut load = Load::default();
        load.add(1_000_000_000, Some(i64::MAX / 2), Some(7));
        load.add(1_000_000_000, Some(i64::MAX / 2), Some(7));
        assert_eq!(load.grams, i64::MAX);
        assert_eq!(load.cm3, 14_000_000_000);
        let limits = Limits {
            grams: Some(1_000),
            ..Limits::default()
        };
        assert_eq!(over_limits("X", limits, load).len(), 1);
        assert_eq!(load.plus(load).grams, i64::MAX);
    }

    #[test]
    fn a_carton_weighs_its_whole_packs_at_their_own_weight() {
        let item = crate::demo::generate(1, 3, chrono::NaiveDate::MIN).items[1].clone();
        let mut item = item;
        item.weight_g = Some(100);
        let case = item
            .packs
            .iter_mut()
            .find(|p| p.kind == crate::master::PackKind::Case)
            .unwrap();
        case.weight_g = Some(case.quantity * 100 + 400);
        let per_case = case.quantity;
        // One case and 3 units: the case with its packaging, the units alone.
        assert_eq!(
            weight_of(&item, per_case + 3),
            Some(per_case * 100 + 400 + 300)
        );
        assert_eq!(weight_of(&item, 2), Some(200));
        item.weight_g = None;
        assert_eq!(weight_of(&item, per_case), Some(per_case * 100 + 400));
        assert_eq!(
            weight_of(&item, per_case + 1),
            None,
            "a loose unit without a weight"
        );
    }

    proptest! {
        /// For a location within its limits, what `room_for` says still fits leaves it within
        /// them, and one unit more does not.
        #[test]
        fn room_for_is_exactly_what_fits(
            units in proptest::option::of(0i64..1_000),
            grams in proptest::option::of(0i64..1_000_000),
            cm3 in proptest::option::of(0i64..1_000_000),
            held in 0i64..1_000,
            held_g in 0i64..1_000_000,
            held_cm3 in 0i64..1_000_000,
            unit_g in 1i64..20_000,
            unit_v in 1i64..20_000,
        ) {
            let limits = Limits { units, grams, cm3 };
            let load = Load { units: held, grams: held_g, cm3: held_cm3 };
            let add = |n: i64| Load {
                units: held + n,
                grams: held_g + n * unit_g,
                cm3: held_cm3 + n * unit_v,
            };
            match room_for(limits, load, Some(unit_g), Some(unit_v)) {
                None => prop_assert!(limits.is_none()),
                Some(n) => {
                    if over_limits("X", limits, load).is_empty() {
                        prop_assert!(over_limits("X", limits, add(n)).is_empty());
                        prop_assert!(!over_limits("X", limits, add(n + 1)).is_empty());
                    }
                }
            }
        }
    }
}
