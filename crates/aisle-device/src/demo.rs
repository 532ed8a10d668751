//! Loads the demo company into a new store: master data, a device identity in WH1 and opening
//! stock recorded as adjustments (reason `opening-balance`), so the demo's stock has a ledger like
//! any other.

use crate::master::{upsert_item, upsert_location};
use crate::record::OpContext;
use crate::{DeviceError, Result, Store};
use aisle_domain::demo::{self, DemoData};
use aisle_domain::said;
use serde::Serialize;

/// What the demo load created.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub warehouses: usize,
    pub locations: usize,
    pub items: usize,
    pub opening_lines: usize,
}

impl Store {
    /// Fills an empty store with the demo company. Refused once the store has operations, so demo
    /// stock can never be mixed into real work.
    pub fn load_demo(
        &mut self,
        seed: u64,
        item_count: usize,
        device_name: &str,
    ) -> Result<DemoSummary> {
        let ops: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM change_log", [], |r| r.get(0))?;
        if ops > 0 {
            return Err(DeviceError::Invalid(said!(
                "demo.store_not_empty",
                "this store already has {ops} operations; load demo data into a new store",
                ops = ops
            )));
        }
        let DemoData {
            warehouses,
            locations,
            items,
            opening,
        } = demo::generate(seed, item_count, self.scan_config.today);
        let tx = self.conn.transaction()?;
        for w in &warehouses {
            tx.execute(
                "INSERT INTO warehouses (id, code, name) VALUES (?1, ?2, ?3)",
                (w.id.to_string(), &w.code, &w.name),
            )?;
        }
        for l in &locations {
            upsert_location(&tx, l)?;
        }
        for i in &items {
            upsert_item(&tx, i)?;
        }
        for (badge, name, pin, supervisor) in demo::DEMO_OPERATORS {
            tx.execute(
                "INSERT INTO operators (badge, name, role, pin_hash) VALUES (?1, ?2, ?3, ?4)",
                (
                    badge,
                    name,
                    if *supervisor {
                        "supervisor"
                    } else {
                        "operator"
                    },
                    aisle_ledger::pin::hash_pin(pin)?,
                ),
            )?;
        }
        tx.commit()?;
        let wh1 = &warehouses[0];
        match self.device_opt()? {
            None => {
                self.init_device(device_name, Some(&wh1.code))?;
            }
            Some(d) if d.warehouse_id.is_none() => {
                self.set_device_warehouse(&wh1.code)?;
            }
            Some(_) => {}
        }
        // Opening stock is booked by the demo's supervisor, a badge the rules know.
        let ctx = OpContext::new(demo::DEMO_SUPERVISOR);
        let device_wh = self.device()?.warehouse_id;
        let mut lines = 0;
        for o in &opening {
            // Opening stock of other warehouses reaches a device through sync, not as its own work.
            let loc = self.location(o.location)?;
            if Some(loc.warehouse_id) != device_wh {
                continue;
            }
            self.record(o.to_operation(), &ctx)?;
            lines += 1;
        }
        Ok(DemoSummary {
            warehouses: warehouses.len(),
            locations: locations.len(),
            items: items.len(),
            opening_lines: lines,
        })
    }
}
