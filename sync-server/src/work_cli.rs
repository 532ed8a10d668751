//! The command line's side of work in progress, for warehouse IT and scripts: `aisle-server
//! leases` (who holds which work, and moving it), `aisle-server waves` (orders released together)
//! `aisle-server orders short` (ship what was picked, or backorder the rest) and `aisle-server
//! transfers` (between warehouses).

use aisle_domain::{DeviceId, OrderLineId, TaskId};
use aisle_proto::WorkRef;
use aisle_server::shortfall::ShortChoice;
use aisle_server::storage::Storage;
use anyhow::bail;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum LeaseCommand {
    /// Current leases of a warehouse: which device holds which order line or task, until when.
    List {
        #[arg(long)]
        warehouse: String,
    },
    /// Take work back from the device that holds it; it goes back to the pool.
    Release {
        #[arg(long, conflicts_with = "task")]
        order_line: Option<OrderLineId>,
        #[arg(long)]
        task: Option<TaskId>,
        /// Who decided (a supervisor's badge), for the record.
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Give work to a device, taking it from whoever held it.
    Assign {
        #[arg(long, conflicts_with = "task")]
        order_line: Option<OrderLineId>,
        #[arg(long)]
        task: Option<TaskId>,
        #[arg(long)]
        device: DeviceId,
        #[arg(long, default_value = "cli")]
        by: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WaveCommand {
    /// The waves of a warehouse and their orders.
    List {
        #[arg(long)]
        warehouse: String,
    },
    /// Group open orders into a wave, held until it is released.
    Create {
        #[arg(long)]
        warehouse: String,
        /// An order number (repeat for each order).
        #[arg(long = "order", required = true)]
        orders: Vec<String>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Release a wave: devices take its orders first at their next sync.
    Release {
        wave: String,
        #[arg(long, default_value = "cli")]
        by: String,
    },
}

fn print_wave(w: &aisle_server::waves::Wave) {
    say!(
        "{} {} {}: {}",
        w.wave,
        w.warehouse,
        if w.released { "released" } else { "held" },
        w.orders.join(", ")
    );
}

pub fn run_waves(storage: &dyn Storage, command: WaveCommand) -> anyhow::Result<()> {
    match command {
        WaveCommand::List { warehouse } => {
            for w in storage.waves(&warehouse)? {
                print_wave(&w);
            }
        }
        WaveCommand::Create {
            warehouse,
            orders,
            by,
        } => print_wave(&storage.create_wave(&warehouse, &orders, &by)?),
        WaveCommand::Release { wave, by } => print_wave(&storage.release_wave(&wave, &by)?),
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// An order picked short: ship what was picked (`--choice ship-partial`) or move the rest to
    /// a backorder that stays open for picking (`--choice backorder`).
    Short {
        order: String,
        #[arg(long, value_enum)]
        choice: Choice,
        #[arg(long, default_value = "cli")]
        by: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Choice {
    ShipPartial,
    Backorder,
}

pub fn run_orders(storage: &dyn Storage, command: OrderCommand) -> anyhow::Result<()> {
    match command {
        OrderCommand::Short { order, choice, by } => {
            let choice = match choice {
                Choice::ShipPartial => ShortChoice::ShipPartial,
                Choice::Backorder => ShortChoice::Backorder,
            };
            let out = storage.settle_short(&order, choice, &by)?;
            say!(
                "order {} is {}: {} of {} to ship",
                out.order.order,
                out.order.status,
                out.order.picked,
                out.order.ordered
            );
            if let Some(bo) = out.backorder {
                say!("the rest is backorder {bo}, open for picking");
            }
        }
    }
    Ok(())
}

fn work(order_line: Option<OrderLineId>, task: Option<TaskId>) -> anyhow::Result<WorkRef> {
    match (order_line, task) {
        (Some(l), None) => Ok(WorkRef::OrderLine(l)),
        (None, Some(t)) => Ok(WorkRef::Task(t)),
        _ => bail!("give --order-line ID or --task ID"),
    }
}

pub fn run(storage: &dyn Storage, command: LeaseCommand) -> anyhow::Result<()> {
    match command {
        LeaseCommand::List { warehouse } => {
            let leases = storage.leases(&warehouse)?;
            for l in &leases {
                say!(
                    "{:<10} {} ({}) held by {} until {}",
                    l.work.kind(),
                    l.reference,
                    l.work.id_text(),
                    l.device_name,
                    l.expires_at.format("%Y-%m-%d %H:%M UTC")
                );
            }
            say!("{} lease(s)", leases.len());
        }
        LeaseCommand::Release {
            order_line,
            task,
            by,
        } => {
            let w = work(order_line, task)?;
            storage.release_lease(w, &by)?;
            say!("released {} {}", w.kind(), w.id_text());
        }
        LeaseCommand::Assign {
            order_line,
            task,
            device,
            by,
        } => {
            let l = storage.assign_lease(work(order_line, task)?, device, &by)?;
            say!(
                "{} {} now held by {} until {}",
                l.work.kind(),
                l.work.id_text(),
                l.device_name,
                l.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum TransferCommand {
    /// A transfer to another warehouse: an order at the source for its devices to pick; once
    /// shipped (`orders` confirmation as for any order), expected goods at the destination.
    Create {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// `SKU=QTY`, once per line.
        #[arg(long = "line", value_parser = sku_qty, required = true)]
        lines: Vec<(String, i64)>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Transfers into or out of a warehouse.
    List {
        #[arg(long)]
        warehouse: String,
    },
    /// Close a transfer once its destination is done receiving; short: an exception.
    Close {
        transfer: String,
        #[arg(long, default_value = "cli")]
        by: String,
    },
}

/// `SKU=QTY`.
fn sku_qty(text: &str) -> Result<(String, i64), String> {
    let (sku, qty) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not SKU=QTY"))?;
    let qty: i64 = qty
        .trim()
        .parse()
        .map_err(|_| format!("{qty:?} is not a whole number of units"))?;
    Ok((sku.trim().to_string(), qty))
}

pub fn run_transfers(storage: &dyn Storage, command: TransferCommand) -> anyhow::Result<()> {
    match command {
        TransferCommand::Create {
            from,
            to,
            lines,
            by,
        } => {
            let number = storage.create_transfer(&from, &to, &lines, &by)?;
            say!(
                "transfer {number}: {} line(s) from {from} to {to}; {from}'s devices pick it",
                lines.len()
            );
        }
        TransferCommand::List { warehouse } => {
            for t in storage.transfers(&warehouse)? {
                say!(
                    "{} {} -> {} {}: ordered {}, shipped {}, received {}",
                    t.transfer,
                    t.from,
                    t.to,
                    t.status,
                    t.ordered,
                    t.shipped,
                    t.received
                );
            }
        }
        TransferCommand::Close { transfer, by } => {
            let closed = storage.close_transfer(&transfer, &by)?;
            if closed.short.is_empty() {
                say!("transfer {transfer} closed: everything shipped was received");
            } else {
                for s in &closed.short {
                    say!(
                        "{}: received {} of {} shipped",
                        s.sku,
                        s.received,
                        s.shipped
                    );
                }
                say!("transfer {transfer} closed short: an exception for a supervisor");
            }
        }
    }
    Ok(())
}
