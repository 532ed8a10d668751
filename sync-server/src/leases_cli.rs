//! `aisle-server leases`: who holds which work, and moving it (the command line's side of
//! `crate::leases`, for warehouse IT and scripts).

use aisle_domain::{DeviceId, OrderLineId, TaskId};
use aisle_proto::WorkRef;
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
                    "{:<10} {} held by {} until {}",
                    l.work.kind(),
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
