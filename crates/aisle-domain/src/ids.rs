//! Identifiers: UUIDv7 newtypes, so ids minted offline on many devices never collide and sort by
//! creation time, and so an `ItemId` can never be passed where a `LocationId` is meant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        /// Stored as its hyphenated text, which every table and index compares.
        #[cfg(feature = "sqlite")]
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.0.hyphenated().to_string()))
            }
        }

        /// Read from its stored text; anything else is a decoding error naming the column's value.
        #[cfg(feature = "sqlite")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                text.parse().map_err(|e: uuid::Error| {
                    rusqlite::types::FromSqlError::Other(
                        format!("stored id {text:?} is not a UUID: {e}").into(),
                    )
                })
            }
        }
    };
}

id_type!(
    /// A warehouse (a site).
    WarehouseId
);
id_type!(
    /// A location: a bin, a dock, a pick face, or a structural node such as an aisle.
    LocationId
);
id_type!(
    /// An item (a SKU).
    ItemId
);
id_type!(
    /// A license plate: a pallet or tote that holds stock and moves as a unit.
    PlateId
);
impl PlateId {
    /// The one id of the plate with this code: an SSCC is unique in the world (a site's own plate
    /// labels are unique in its company), so every device that meets a code offline, first or
    /// not, gives it the same id and their work lands on one plate.
    pub fn for_code(code: &str) -> Self {
        Self(Uuid::new_v5(&PLATE_NAMESPACE, code.trim().as_bytes()))
    }
}

/// Namespace of the name-based (UUIDv5) plate ids. Never change it: plate ids in every ledger
/// depend on it.
const PLATE_NAMESPACE: Uuid = Uuid::from_u128(0x6a1e_5f1d_0c3b_4d2e_9a7f_5c1b_2d3e_4f50);

id_type!(
    /// One operation in a change log, unique across all devices.
    OpId
);
id_type!(
    /// A device (a tablet or a headless `aisle` CLI store).
    DeviceId
);
id_type!(
    /// A line of an expected receipt (inbound work).
    ReceiptLineId
);
id_type!(
    /// A line of an outbound order (pick work).
    OrderLineId
);
id_type!(
    /// A task the server sends to devices: a move (e.g. a pick-face top-up) or a count.
    TaskId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_increase() {
        let a = OpId::new();
        let b = OpId::new();
        assert_eq!(a.0.get_version_num(), 7);
        assert!(b > a, "v7 ids minted later must sort later");
    }

    #[test]
    fn ids_round_trip_through_text() {
        let id = ItemId::new();
        let parsed: ItemId = id.to_string().parse().unwrap();
        assert_eq!(parsed, id);
        assert!("not-a-uuid".parse::<ItemId>().is_err());
    }

    #[test]
    fn a_plate_code_has_one_id_everywhere() {
        let a = PlateId::for_code("340299910000000025");
        assert_eq!(a, PlateId::for_code("340299910000000025"));
        assert_eq!(a, PlateId::for_code(" 340299910000000025\n"));
        assert_ne!(a, PlateId::for_code("340299910000000032"));
        assert_eq!(a.0.get_version_num(), 5);
    }
}
