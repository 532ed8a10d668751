//! A device's durable store: master data, the stock ledger with its materialized on-hand figures,
//! and the change log, all in one SQLite file.
//!
//! The tablet app and the `aisle` CLI both drive a device through this crate, so an operation is
//! recorded by exactly the same code whichever front end took the scan. Every operation is
//! written in one transaction with its change-log entry and its ledger rows: either all of it is
//! on disk or none of it is.

#![forbid(unsafe_code)]

pub mod authority;
pub mod demo;
pub mod error;
pub mod labels;
pub mod master;
pub mod packing;
pub mod query;
pub mod record;
pub mod recover;
pub mod resolve;
pub mod schema;
pub mod sync;
pub mod tasks;
pub mod work;

pub use error::{DeviceError, Result};
pub use record::{OpContext, Recorded};
pub use resolve::Resolved;

use aisle_domain::said;
use aisle_domain::scan::{ScanConfig, ScanPatterns};
use aisle_domain::{DeviceId, WarehouseId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

/// The connection settings every ledger database uses (see `docs/architecture.md`).
pub use aisle_ledger::configure;

/// Who this device is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    pub device_id: DeviceId,
    pub name: String,
    pub warehouse_id: Option<WarehouseId>,
    pub warehouse_code: Option<String>,
    pub created_at: String,
}

/// An open device store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    scan_config: ScanConfig,
    /// The identity row, cached: it is read on every operation and changes only through this type.
    device: Option<DeviceInfo>,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let conn = Connection::open(path)?;
        Self::from_connection(conn)
    }

    /// An in-memory store, for unit tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Self> {
        configure(&conn)?;
        schema::MIGRATIONS.to_latest(&mut conn)?;
        let device = read_device(&conn)?;
        let mut store = Self {
            conn,
            scan_config: ScanConfig::standard(),
            device,
        };
        store.scan_config = store.load_scan_config()?;
        Ok(store)
    }

    /// Reads the identity and settings again after they were written behind the cache.
    pub(crate) fn reload_identity(&mut self) -> Result<()> {
        self.device = read_device(&self.conn)?;
        self.scan_config = self.load_scan_config()?;
        Ok(())
    }

    /// The underlying connection, for queries in this crate and for tests.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The scan configuration in force (site patterns and today's date).
    pub fn scan_config(&self) -> &ScanConfig {
        &self.scan_config
    }

    /// Gives the store its device identity. Refused if it already has one: a device id must never
    /// change, or its change log would be attributed to two devices.
    pub fn init_device(&mut self, name: &str, warehouse_code: Option<&str>) -> Result<DeviceInfo> {
        if name.trim().is_empty() {
            return Err(DeviceError::Invalid(said!(
                "device.device_name_empty",
                "the device name is empty"
            )));
        }
        if let Some(d) = self.device_opt()? {
            return Err(DeviceError::AlreadyInitialised {
                name: d.name,
                id: d.device_id.to_string(),
            });
        }
        let warehouse_id = match warehouse_code {
            Some(code) => Some(
                self.warehouse_by_code(code)
                    .map_err(|e| match e {
                        DeviceError::NotFound { .. } => DeviceError::Invalid(said!("device.warehouse_not_known_device", "warehouse {code:?} is not known on this device yet: import the warehouses first (`aisle import warehouses FILE.csv`), or init without --warehouse and set it later with `aisle device warehouse {code}`; nothing was changed", code = code)),
                        other => other,
                    })?
                    .id,
            ),
            None => None,
        };
        self.conn.execute(
            "INSERT INTO device (singleton, device_id, name, warehouse_id, created_at) VALUES (1, ?1, ?2, ?3, ?4)",
            params![
                DeviceId::new().to_string(),
                name.trim(),
                warehouse_id.map(|w| w.to_string()),
                chrono::Utc::now().to_rfc3339()
            ],
        )?;
        self.device = read_device(&self.conn)?;
        self.device()
    }

    /// Sets the warehouse this device works in.
    pub fn set_device_warehouse(&mut self, warehouse_code: &str) -> Result<DeviceInfo> {
        let wh = self.warehouse_by_code(warehouse_code)?;
        self.device()?;
        self.conn.execute(
            "UPDATE device SET warehouse_id = ?1",
            params![wh.id.to_string()],
        )?;
        self.device = read_device(&self.conn)?;
        self.device()
    }

    pub fn device_opt(&self) -> Result<Option<DeviceInfo>> {
        Ok(self.device.clone())
    }

    /// This device's identity, or [`DeviceError::NotInitialised`].
    pub fn device(&self) -> Result<DeviceInfo> {
        self.device_opt()?.ok_or(DeviceError::NotInitialised)
    }

    fn load_scan_config(&self) -> Result<ScanConfig> {
        Ok(ScanConfig::new(
            &self.scan_patterns()?,
            chrono::Utc::now().date_naive(),
        )?)
    }

    /// The site's location and license-plate patterns.
    pub fn scan_patterns(&self) -> Result<ScanPatterns> {
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'scan_patterns'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match stored {
            Some(json) => serde_json::from_str(&json)?,
            None => ScanPatterns::default(),
        })
    }

    /// Replaces the site's patterns. Invalid regular expressions are refused and nothing changes.
    pub fn set_scan_patterns(&mut self, patterns: &ScanPatterns) -> Result<()> {
        let config = ScanConfig::new(patterns, chrono::Utc::now().date_naive())?;
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('scan_patterns', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![serde_json::to_string(patterns)?],
        )?;
        self.scan_config = config;
        Ok(())
    }
}

/// Reads the identity row.
pub(crate) fn read_device(conn: &Connection) -> Result<Option<DeviceInfo>> {
    conn.query_row(
        "SELECT d.device_id, d.name, d.warehouse_id, w.code, d.created_at
                 FROM device d LEFT JOIN warehouses w ON w.id = d.warehouse_id",
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        },
    )
    .optional()?
    .map(|(id, name, wh, wh_code, created_at)| {
        Ok(DeviceInfo {
            device_id: parse_id(&id)?,
            name,
            warehouse_id: wh.as_deref().map(parse_id).transpose()?,
            warehouse_code: wh_code,
            created_at,
        })
    })
    .transpose()
}

/// Parses an id stored as text.
pub(crate) fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse()
        .map_err(|_| DeviceError::Decode(format!("stored id {s:?} is not a UUID")))
}

#[cfg(test)]
mod tests;
