//! The read-only pages, answered on read connections.

use super::*;

impl ReadModels for SqlStorage {
    fn warehouses(&self) -> StorageResult<Vec<aisle_domain::master::Warehouse>> {
        self.reading(|conn| {
            let mut all = super::load_warehouses(conn)?;
            all.sort_by(|a, b| a.code.cmp(&b.code));
            Ok(all)
        })
    }

    fn stock_search(&self, q: &str, limit: u32) -> StorageResult<Vec<StockHit>> {
        self.reading(|conn| inventory::stock_search(conn, q, limit))
    }

    fn item_detail(
        &self,
        warehouse: &str,
        sku: &str,
        today: NaiveDate,
        service_level: f64,
    ) -> StorageResult<ItemDetail> {
        self.reading(|conn| inventory::item_detail(conn, warehouse, sku, today, service_level))
    }

    fn location_detail(&self, warehouse: &str, code: &str) -> StorageResult<LocationDetail> {
        self.reading(|conn| inventory::location_detail(conn, warehouse, code))
    }

    fn lot_stock(&self, lot: &str) -> StorageResult<Vec<LotStock>> {
        self.reading(|conn| inventory::lot_stock(conn, lot))
    }

    fn expiring(
        &self,
        warehouse: &str,
        today: NaiveDate,
        days: u32,
    ) -> StorageResult<Vec<Expiring>> {
        self.reading(|conn| inventory::expiring(conn, warehouse, today, days))
    }

    fn face_top_ups(&self, warehouse: &str) -> StorageResult<Vec<FaceTopUp>> {
        self.reading(|conn| inventory::face_top_ups(conn, warehouse, inventory::Faces::All))
    }

    fn orders(&self, warehouse: &str) -> StorageResult<Vec<OrderStatus>> {
        self.reading(|conn| inventory::orders(conn, warehouse))
    }

    fn allocation(&self, warehouse: &str) -> StorageResult<Vec<LineAllocation>> {
        self.reading(|conn| inventory::allocation(conn, warehouse))
    }

    fn count_plan(&self, warehouse: &str, today: NaiveDate) -> StorageResult<Vec<CountTask>> {
        self.reading(|conn| inventory::count_plan(conn, warehouse, today))
    }

    fn demand_history(
        &self,
        warehouse: &str,
        sku: &str,
        days: u32,
        today: NaiveDate,
    ) -> StorageResult<Vec<(NaiveDate, i64)>> {
        self.reading(|conn| {
            let wh = inventory::warehouse_id(conn, warehouse)?;
            let item = inventory::item_id(conn, sku)?;
            inventory::demand_history(conn, &wh, &item, days, today)
        })
    }

    fn demand_series(
        &self,
        warehouse: &str,
        sku: &str,
        days: u32,
        today: NaiveDate,
    ) -> StorageResult<Vec<Option<f64>>> {
        self.reading(|conn| {
            let wh = inventory::warehouse_id(conn, warehouse)?;
            let item = inventory::item_id(conn, sku)?;
            let picks = inventory::demand_history(conn, &wh, &item, days, today)?;
            inventory::demand_series(conn, &wh, &item, &picks, today)
        })
    }

    fn replenishment(
        &self,
        warehouse: &str,
        today: NaiveDate,
        service_level: f64,
    ) -> StorageResult<Vec<ReplenishmentLine>> {
        self.reading(|conn| inventory::replenishment(conn, warehouse, today, service_level))
    }

    fn valuation(&self, warehouse: &str) -> StorageResult<Valuation> {
        self.reading(|conn| inventory::valuation(conn, warehouse))
    }

    fn exception_context(&self, open_only: bool) -> StorageResult<Vec<ExceptionContext>> {
        self.reading(|conn| {
            let d = conn.dialect();
            // The operator is read from the entry here, not in SQL: a held entry may carry any
            // text (a NUL in a badge), which PostgreSQL's JSON functions refuse to turn into text.
            let sql = format!(
                "SELECT e.id, l.code, o.entry
                 FROM exceptions e
                 LEFT JOIN locations l ON l.id = e.location_id
                 LEFT JOIN ops o ON o.op_id = {first}
                 WHERE {status}",
                first = d.json_first("e.op_ids"),
                status = if open_only {
                    "e.status = 'open'"
                } else {
                    "1 = 1"
                },
            );
            super::load_rows(conn, &sql, &[], |r| {
                let entry: Option<String> = r.get(2)?;
                let operator = entry
                    .and_then(|e| serde_json::from_str::<serde_json::Value>(&e).ok())
                    .and_then(|v| v["operator"].as_str().map(shown_text));
                Ok(ExceptionContext {
                    id: parse(&r.get::<String>(0)?)?,
                    location: r.get(1)?,
                    operator,
                })
            })
        })
    }

    fn activity(
        &self,
        warehouse: &str,
        now: chrono::DateTime<Utc>,
    ) -> StorageResult<inventory::Activity> {
        self.reading(|conn| inventory::activity(conn, warehouse, now))
    }

    fn purchase_orders(
        &self,
        warehouse: &str,
    ) -> StorageResult<Vec<inventory::PurchaseOrderSummary>> {
        self.reading(|conn| inventory::purchase_orders(conn, warehouse))
    }

    fn returns(&self, warehouse: &str, limit: u32) -> StorageResult<Vec<inventory::ReturnLine>> {
        self.reading(|conn| inventory::returns(conn, warehouse, limit))
    }

    fn transfers(&self, warehouse: &str) -> StorageResult<Vec<inventory::TransferSummary>> {
        self.reading(|conn| inventory::transfers(conn, warehouse))
    }

    fn cartons(
        &self,
        warehouse: &str,
        order: Option<&str>,
    ) -> StorageResult<Vec<aisle_proto::Carton>> {
        self.reading(|conn| {
            let wh = inventory::warehouse_id(conn, warehouse)?;
            inventory::cartons_where(
                conn,
                "c.warehouse_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.order_no = ?2)",
                args![wh, order],
            )
        })
    }

    fn shipments(
        &self,
        warehouse: &str,
        limit: u32,
    ) -> StorageResult<Vec<inventory::ShipmentSummary>> {
        self.reading(|conn| inventory::shipments(conn, warehouse, limit))
    }

    fn packing_slip(
        &self,
        shipment: &str,
    ) -> StorageResult<Option<aisle_labels::slip::PackingSlip>> {
        self.reading(|conn| inventory::packing_slip(conn, shipment))
    }

    fn carton_label(&self, sscc: &str) -> StorageResult<Option<aisle_labels::carton::CartonLabel>> {
        self.reading(|conn| inventory::carton_label(conn, sscc))
    }
}

/// Text from a device as a page may show it: control characters (which admission holds) made
/// visible as U+FFFD.
fn shown_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}
