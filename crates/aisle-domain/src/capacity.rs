//! How much a location may hold: its capacity in base units (`Location::capacity`; none means no
//! limit). A scan that leaves a location over it is warned about on the device, and putaway
//! suggestions pass over locations that are full.

/// Units a location with `capacity` still has room for while it holds `held`; `None` when it has
/// no capacity set (no limit).
pub fn room(capacity: Option<i64>, held: i64) -> Option<i64> {
    capacity.map(|c| (c - held).max(0))
}

/// The warning for a location `code` that holds `held` units after a scan, if over `capacity`.
pub fn over(code: &str, capacity: Option<i64>, held: i64) -> Option<String> {
    let c = capacity?;
    (held > c).then(|| {
        format!(
            "{code} now holds {held} units, over its capacity of {c}; recorded, move the extra on"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_and_the_warning_agree_at_the_limit() {
        assert_eq!(room(Some(200), 150), Some(50));
        assert_eq!(room(Some(200), 260), Some(0));
        assert_eq!(room(None, 10_000), None);
        assert_eq!(over("A-01-2", Some(200), 200), None);
        assert_eq!(
            over("A-01-2", Some(200), 1600).as_deref(),
            Some(
                "A-01-2 now holds 1600 units, over its capacity of 200; recorded, move the extra on"
            )
        );
        assert_eq!(over("B-01", None, 1_000_000), None);
    }
}
