//! Printing results: aligned text for people, one JSON document for scripts. The JSON shapes are
//! the serde forms of the store's types, documented in `docs/cli.md`.

use crate::CliError;
use aisle_device::demo::DemoSummary;
use aisle_device::master::ImportSummary;
use aisle_device::query::StockLine;
use aisle_device::resolve::Resolution;
use aisle_device::{DeviceError, DeviceInfo, Recorded, Resolved, Store};
use aisle_domain::op::{ChangeLogEntry, Operation};
use aisle_domain::scan::{Scan, ScanContent, ScanPatterns};
use aisle_domain::{ItemId, LocationId};
use serde::Serialize;
use serde_json::json;

/// Prints a line on stdout. A closed pipe (`aisle log | head`) ends the program quietly instead
/// of panicking: the reader has what it wanted.
macro_rules! say {
    ($($t:tt)*) => { emit(format_args!($($t)*)) };
}

fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

pub struct Out {
    pub json: bool,
}

type R = Result<(), CliError>;

fn sku(store: &Store, id: ItemId) -> String {
    store
        .item(id)
        .map(|i| i.sku)
        .unwrap_or_else(|_| id.to_string())
}

fn loc(store: &Store, id: LocationId) -> String {
    store
        .location(id)
        .map(|l| l.code)
        .unwrap_or_else(|_| id.to_string())
}

fn lot_text(lot: &Option<String>, expiry: &Option<chrono::NaiveDate>) -> String {
    let mut s = String::new();
    if let Some(l) = lot {
        s.push_str(&format!(" lot {l}"));
    }
    if let Some(e) = expiry {
        s.push_str(&format!(" exp {e}"));
    }
    s
}

/// One line saying what an operation did, in warehouse words.
pub fn describe(store: &Store, op: &Operation) -> String {
    match op {
        Operation::Receive(r) => format!(
            "received {} x {}{} at {}{}",
            r.qty,
            sku(store, r.key.item),
            lot_text(&r.key.lot, &r.key.expiry),
            loc(store, r.key.location),
            r.plate_code
                .as_ref()
                .map(|p| format!(" on plate {p}"))
                .unwrap_or_default()
        ),
        Operation::Putaway(t) | Operation::Move(t) => format!(
            "{} {} x {}{} from {} to {}",
            if matches!(op, Operation::Putaway(_)) {
                "put away"
            } else {
                "moved"
            },
            t.qty,
            sku(store, t.item),
            lot_text(&t.lot, &t.expiry),
            loc(store, t.from),
            loc(store, t.to)
        ),
        Operation::MovePlate(m) => format!(
            "{} plate {} ({} lines) from {} to {}",
            if m.putaway { "put away" } else { "moved" },
            m.plate_code,
            m.contents.len(),
            loc(store, m.from),
            loc(store, m.to)
        ),
        Operation::Pick(p) => format!(
            "picked {}{} x {}{} at {}{}",
            p.qty,
            p.requested.map(|r| format!(" of {r}")).unwrap_or_default(),
            sku(store, p.key.item),
            lot_text(&p.key.lot, &p.key.expiry),
            loc(store, p.key.location),
            p.short_reason
                .as_ref()
                .map(|r| format!(" (short: {r})"))
                .unwrap_or_default()
        ),
        Operation::Count(c) => format!(
            "counted {} x {}{} at {} (expected {}, difference {:+})",
            c.counted,
            sku(store, c.key.item),
            lot_text(&c.key.lot, &c.key.expiry),
            loc(store, c.key.location),
            c.expected,
            c.counted - c.expected
        ),
        Operation::Adjust(a) => format!(
            "adjusted {} by {:+}{} at {} (reason: {})",
            sku(store, a.key.item),
            a.qty,
            lot_text(&a.key.lot, &a.key.expiry),
            loc(store, a.key.location),
            a.reason
        ),
        Operation::UnknownScan(u) => format!("unknown scan {:?} (expected {})", u.raw, u.expected),
        Operation::Unreadable(u) => format!("an operation this build cannot read ({})", u.reason),
        Operation::Return(r) => format!(
            "returned {} x {}{} on order {} ({}) at {}",
            r.qty,
            sku(store, r.key.item),
            lot_text(&r.key.lot, &r.key.expiry),
            r.order,
            r.disposition.as_str(),
            loc(store, r.key.location)
        ),
        Operation::Pack(p) => format!(
            "packed {} into carton {} for order {}",
            p.lines
                .iter()
                .map(|l| format!(
                    "{} x {}{}",
                    l.qty,
                    sku(store, l.item),
                    lot_text(&l.lot, &None)
                ))
                .collect::<Vec<_>>()
                .join(", "),
            p.carton,
            p.order
        ),
        Operation::CloseCarton(c) => format!(
            "closed carton {} of order {} ({})",
            c.carton,
            c.order,
            aisle_domain::op::weight_text(c.weight_g)
        ),
        Operation::Ship(s) => format!(
            "shipped {} carton(s) with {}{}",
            s.cartons.len(),
            s.carrier,
            s.reference
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
    }
}

impl Out {
    fn print_json<T: Serialize>(&self, value: &T) -> R {
        match serde_json::to_string_pretty(value) {
            Ok(s) => {
                say!("{s}");
                Ok(())
            }
            Err(e) => Err(CliError::Device(DeviceError::Decode(e.to_string()))),
        }
    }

    pub fn error(&self, e: &CliError) {
        let (kind, message) = match e {
            CliError::Device(d) => (d.kind(), d.to_string()),
            CliError::File { path, reason } => ("file", format!("cannot read {path}: {reason}")),
            CliError::Usage(m) => ("usage", m.clone()),
        };
        if self.json {
            eprintln!(
                "{}",
                json!({ "error": { "kind": kind, "message": message } })
            );
        } else {
            eprintln!("error: {message}");
        }
    }

    pub fn device(&self, d: &DeviceInfo) -> R {
        if self.json {
            return self.print_json(d);
        }
        say!("device    {} ({})", d.name, d.device_id);
        say!(
            "warehouse {}",
            d.warehouse_code.as_deref().unwrap_or("(none)")
        );
        Ok(())
    }

    pub fn patterns(&self, p: &ScanPatterns) -> R {
        if self.json {
            return self.print_json(p);
        }
        for l in &p.location {
            say!("location pattern  {l}");
        }
        for l in &p.plate {
            say!("plate pattern     {l}");
        }
        Ok(())
    }

    pub fn import(&self, what: &str, s: &ImportSummary) -> R {
        if self.json {
            return self.print_json(
                &json!({ "imported": what, "created": s.created, "updated": s.updated }),
            );
        }
        say!(
            "imported {what}: {} created, {} updated",
            s.created,
            s.updated
        );
        Ok(())
    }

    pub fn demo(&self, s: &DemoSummary) -> R {
        if self.json {
            return self.print_json(s);
        }
        say!(
            "demo company loaded: {} warehouses, {} locations, {} items, {} opening stock lines",
            s.warehouses,
            s.locations,
            s.items,
            s.opening_lines
        );
        Ok(())
    }

    pub fn recorded(&self, store: &Store, r: &Recorded) -> R {
        if self.json {
            return self.print_json(r);
        }
        say!("OK #{} {}", r.entry.seq, describe(store, &r.entry.op));
        for w in &r.warnings {
            say!("WARNING: {w}");
        }
        Ok(())
    }

    /// Stock lines, then other warehouses' totals and goods in transit (known from sync) when
    /// there are any.
    pub fn stock(
        &self,
        title: &str,
        lines: &[StockLine],
        others: &[(String, i64)],
        in_transit: &[(String, i64)],
    ) -> R {
        let by_warehouse = |list: &[(String, i64)]| -> Vec<serde_json::Value> {
            list.iter()
                .map(|(w, q)| json!({ "warehouse": w, "qty": q }))
                .collect()
        };
        if self.json {
            let total: i64 = lines.iter().map(|l| l.qty).sum();
            return self.print_json(&json!({ "title": title, "total": total, "lines": lines, "other_warehouses": by_warehouse(others), "in_transit": by_warehouse(in_transit) }));
        }
        say!("{title}");
        if lines.is_empty() {
            say!("  (none here)");
        } else {
            self.stock_table(lines);
        }
        for (w, q) in others {
            say!("  {w:<5} (other warehouse, total as of the last sync) {q:>8}");
        }
        for (w, q) in in_transit {
            say!("  {w:<5} (in transit to it on a transfer, as of the last sync) {q:>8}");
        }
        Ok(())
    }

    fn stock_table(&self, lines: &[StockLine]) {
        say!(
            "  {:<5} {:<14} {:<14} {:<12} {:<10} {:<20} {:>8}",
            "WH",
            "LOCATION",
            "SKU",
            "LOT",
            "EXPIRY",
            "PLATE",
            "QTY"
        );
        for l in lines {
            say!(
                "  {:<5} {:<14} {:<14} {:<12} {:<10} {:<20} {:>8}",
                l.warehouse,
                l.location,
                l.sku,
                l.lot.as_deref().unwrap_or("-"),
                l.expiry
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "-".into()),
                l.plate.as_deref().unwrap_or("-"),
                l.qty
            );
        }
        say!("  total {}", lines.iter().map(|l| l.qty).sum::<i64>());
    }

    pub fn log(&self, store: &Store, entries: &[ChangeLogEntry], pending: u64) -> R {
        if self.json {
            return self.print_json(&json!({ "pending": pending, "entries": entries }));
        }
        for e in entries {
            say!(
                "#{:<6} {} {:<8} {}",
                e.seq,
                e.device_time.format("%Y-%m-%d %H:%M:%S"),
                e.operator,
                describe(store, &e.op)
            );
        }
        say!("{} entries shown, {pending} waiting to sync", entries.len());
        Ok(())
    }

    pub fn scan(&self, s: &Scan) -> R {
        if self.json {
            return self.print_json(s);
        }
        if let Some(sym) = &s.symbology {
            say!("symbology {} ({})", sym.aim, sym.name);
        }
        match &s.content {
            ScanContent::Gtin { gtin, format } => say!("GTIN {gtin} ({format:?})"),
            ScanContent::Gs1 {
                elements,
                digital_link,
            } => {
                say!(
                    "GS1 {}",
                    if *digital_link {
                        "Digital Link"
                    } else {
                        "element string"
                    }
                );
                for e in elements {
                    say!("  ({}) {:<24} {}", e.ai, e.title, e.value);
                }
            }
            ScanContent::Location {
                code,
                warehouse: Some(wh),
            } => say!("location label, code {code} in warehouse {wh}"),
            ScanContent::Location { code, .. } => say!("location label, code {code}"),
            ScanContent::LicensePlate { code } => say!("license plate {code}"),
            ScanContent::Text { text } => say!("text {text:?} (looked up as an internal code)"),
        }
        Ok(())
    }

    pub fn lookup(&self, store: &Store, r: &Resolution) -> R {
        let stock = match &r.resolved {
            Resolved::Item(i) => store.stock_of_item(i.item.id)?,
            Resolved::Location(l) => store.stock_at(l.id)?,
            Resolved::Plate(p) => store.stock_on_plate(p.id)?,
            Resolved::NewPlate { .. } | Resolved::Unknown => vec![],
        };
        if self.json {
            return self.print_json(&json!({ "resolution": r, "stock": stock }));
        }
        let title = match &r.resolved {
            Resolved::Item(i) => format!(
                "item {} {} ({}, {} base units per scan){}",
                i.item.sku,
                i.item.description,
                i.pack.as_str(),
                i.per_pack,
                lot_text(&i.lot, &i.expiry)
            ),
            Resolved::Location(l) => format!("location {} ({})", l.code, l.kind),
            Resolved::Plate(p) => format!("license plate {}", p.code),
            Resolved::NewPlate { code } => {
                format!("new license plate {code} (not on this device yet)")
            }
            Resolved::Unknown => {
                format!("unknown: {:?} matches nothing on this device", r.scan.data)
            }
        };
        self.stock(&title, &stock, &[], &[])
    }

    pub fn enrolled(&self, r: &aisle_proto::EnrollResponse) -> R {
        if self.json {
            return self.print_json(&json!({ "device_id": r.device_id, "warehouse_code": r.warehouse_code, "epoch": r.epoch }));
        }
        say!(
            "enrolled as {} in warehouse {}; run `aisle sync` to download its data",
            r.device_id,
            r.warehouse_code
        );
        Ok(())
    }

    pub fn sync_state(&self, s: &aisle_device::sync::SyncState, pending: u64) -> R {
        if self.json {
            return self.print_json(&json!({ "state": s, "pending": pending }));
        }
        say!(
            "server        {}",
            s.server_url.as_deref().unwrap_or("(not enrolled)")
        );
        say!("pushed up to  #{} ({pending} waiting)", s.pushed_seq);
        say!("pulled up to  server #{} (rev {})", s.pull_cursor, s.rev);
        say!(
            "last sync     {}",
            s.last_sync_at.as_deref().unwrap_or("never")
        );
        Ok(())
    }

    pub fn synced(&self, r: &aisle_device::sync::SyncReport) -> R {
        if self.json {
            return self.print_json(r);
        }
        say!(
            "synced: pushed {} ({} already there), pulled {} stock changes in {} pages{}, {} exceptions, {} waiting",
            r.pushed,
            r.duplicates,
            r.pulled,
            r.pages,
            if r.snapshot { " after a snapshot" } else { "" },
            r.exceptions,
            r.pending
        );
        if r.claimed > 0 {
            say!(
                "holding {} pieces of work (order lines and tasks) for this device",
                r.claimed
            );
        }
        for w in &r.warnings {
            say!("warning: {w}");
        }
        Ok(())
    }

    pub fn exceptions(&self, list: &[aisle_proto::Exception]) -> R {
        if self.json {
            return self.print_json(&json!({ "exceptions": list }));
        }
        for x in list {
            say!(
                "{} {:<22} {:?} {}",
                x.created_at.format("%Y-%m-%d %H:%M"),
                x.kind.as_str(),
                x.status,
                x.message
            );
        }
        say!("{} exceptions", list.len());
        Ok(())
    }

    pub fn tasks(&self, list: &[aisle_device::tasks::TaskView]) -> R {
        if self.json {
            return self.print_json(&json!({ "tasks": list }));
        }
        for t in list {
            let what = match &t.source {
                Some(from) => format!(
                    "move {} {} from {} to {}",
                    t.remaining, t.sku, from.code, t.target.code
                ),
                None => format!("count {} at {}", t.sku, t.target.code),
            };
            say!("{} {what}: {}", t.task.id, t.task.reason);
        }
        say!("{} tasks", list.len());
        Ok(())
    }

    pub fn picks(&self, store: &Store, list: &aisle_device::tasks::PickList) -> R {
        if self.json {
            return self.print_json(list);
        }
        for t in &list.tasks {
            let lot = t
                .lot
                .as_deref()
                .map(|l| format!(" lot {l}"))
                .unwrap_or_default();
            say!(
                "{}/{} pick {} {}{lot} at {} ({}) into tote {}",
                t.order,
                t.line,
                t.qty,
                t.sku,
                t.location,
                t.location_barcode,
                t.tote
            );
        }
        let lines = store.order_lines()?;
        for s in &list.shortages {
            let reference = lines.iter().find(|l| l.id == s.order_line).map_or_else(
                || s.order_line.to_string(),
                |l| format!("{}/{}", l.order, l.line),
            );
            say!(
                "{reference} short: {} of {} not in stock here",
                s.missing,
                s.sku
            );
        }
        say!("{} picks, {} short", list.tasks.len(), list.shortages.len());
        Ok(())
    }

    pub fn receipts(&self, store: &Store, lines: &[aisle_proto::ReceiptLine]) -> R {
        if self.json {
            return self.print_json(&json!({ "receipt_lines": lines }));
        }
        for l in lines {
            say!(
                "{}/{} {}: {} of {} received{}",
                l.receipt,
                l.line,
                store.item(l.item_id)?.sku,
                l.received_qty,
                l.expected_qty,
                l.expected_date
                    .map(|d| format!(", expected {d}"))
                    .unwrap_or_default()
            );
        }
        say!("{} receipt lines", lines.len());
        Ok(())
    }

    pub fn checked(&self, path: &str, problems: &[String]) -> R {
        if self.json {
            return self.print_json(
                &json!({ "file": path, "ok": problems.is_empty(), "problems": problems }),
            );
        }
        if problems.is_empty() {
            say!("{path}: no damage found");
        } else {
            for p in problems {
                say!("{p}");
            }
            say!("{path} is damaged: run `aisle --db {path} recover --into NEW.db`");
        }
        Ok(())
    }

    pub fn recovered(&self, into: &str, r: &aisle_device::recover::Recovery) -> R {
        if self.json {
            return self.print_json(r);
        }
        say!("saved {} change-log entries into {into}", r.entries);
        if !r.unreadable.is_empty() {
            say!(
                "could not read entries {:?}; those already pushed ({} were) are safe on the server",
                r.unreadable,
                r.pushed
            );
        }
        if !r.tables_lost.is_empty() {
            say!("could not copy: {}", r.tables_lost.join(", "));
        }
        if r.enrolled {
            say!(
                "next: `aisle --db {into} sync` takes a fresh snapshot and sends what was not pushed"
            );
        }
        Ok(())
    }

    pub fn signed_in(&self, o: &aisle_proto::OperatorRecord) -> R {
        if self.json {
            return self.print_json(&json!({ "badge": o.badge, "name": o.name, "role": o.role }));
        }
        say!("signed in: {} ({}, {})", o.name, o.badge, o.role);
        Ok(())
    }

    /// An SVG label to a file, or to standard output.
    pub fn new_carton(&self, sscc: &str) -> R {
        if self.json {
            return self.print_json(&json!({ "carton": sscc }));
        }
        say!("{sscc}");
        Ok(())
    }

    pub fn cartons(&self, cartons: &[aisle_device::packing::CartonView]) -> R {
        if self.json {
            return self.print_json(&cartons);
        }
        if cartons.is_empty() {
            say!("no open cartons");
        }
        for c in cartons {
            let state = match (c.shipped, c.closed) {
                (true, _) => "shipped",
                (false, true) => "closed",
                (false, false) => "open",
            };
            let weight = c
                .weight_g
                .map(|w| format!(", {}", aisle_domain::op::weight_text(w)))
                .unwrap_or_default();
            say!(
                "carton {} order {} ({state}, {} units{weight})",
                c.sscc,
                c.order,
                c.units
            );
            for x in &c.contents {
                let lot = x
                    .lot
                    .as_ref()
                    .map(|l| format!(" lot {l}"))
                    .unwrap_or_default();
                say!("  {} x {}{lot}  {}", x.qty, x.sku, x.description);
            }
        }
        Ok(())
    }

    pub fn printed(&self, carton: &str, printer: &str) -> R {
        if self.json {
            return self.print_json(&json!({ "printed": carton, "printer": printer }));
        }
        say!("label of carton {carton} sent to printer {printer}");
        Ok(())
    }

    pub fn written(&self, path: &str, bytes: usize) -> R {
        if self.json {
            return self.print_json(&json!({ "written": path, "bytes": bytes }));
        }
        say!("label written to {path}");
        Ok(())
    }

    pub fn label(&self, svg: &str, path: Option<&str>) -> R {
        match path {
            Some(p) => {
                std::fs::write(p, svg).map_err(|e| CliError::File {
                    path: p.to_string(),
                    reason: e.to_string(),
                })?;
                if self.json {
                    return self.print_json(&json!({ "written": p, "bytes": svg.len() }));
                }
                say!("label written to {p}");
                Ok(())
            }
            None => {
                say!("{svg}");
                Ok(())
            }
        }
    }

    pub fn audit(&self, problems: &[String]) -> R {
        if self.json {
            return self.print_json(&json!({ "ok": problems.is_empty(), "problems": problems }));
        }
        if problems.is_empty() {
            say!("stock equals the ledger");
            return Ok(());
        }
        for p in problems {
            say!("MISMATCH {p}");
        }
        Err(CliError::Usage(format!(
            "{} stock lines differ from the ledger",
            problems.len()
        )))
    }
}
