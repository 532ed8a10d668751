//! The command line's side of work in progress, for warehouse IT and scripts: `aisle-server
//! leases` (who holds which work, and moving it), `aisle-server waves` (orders released together)
//! and `aisle-server orders short` (ship what was picked, or backorder the rest).

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
    println!(
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
            println!(
                "order {} is {}: {} of {} to ship",
                out.order.order, out.order.status, out.order.picked, out.order.ordered
            );
            if let Some(bo) = out.backorder {
                println!("the rest is backorder {bo}, open for picking");
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
                println!(
                    "{:<10} {} ({}) held by {} until {}",
                    l.work.kind(),
                    l.reference,
                    l.work.id_text(),
                    l.device_name,
                    l.expires_at.format("%Y-%m-%d %H:%M UTC")
                );
            }
            println!("{} lease(s)", leases.len());
        }
        LeaseCommand::Release {
            order_line,
            task,
            by,
        } => {
            let w = work(order_line, task)?;
            storage.release_lease(w, &by)?;
            println!("released {} {}", w.kind(), w.id_text());
        }
        LeaseCommand::Assign {
            order_line,
            task,
            device,
            by,
        } => {
            let l = storage.assign_lease(work(order_line, task)?, device, &by)?;
            println!(
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
