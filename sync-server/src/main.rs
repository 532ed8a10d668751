//! `aisle-server`: serve the sync API, and the administration commands warehouse IT runs on the
//! server (imports, exports, device enrolment, operators).

#![forbid(unsafe_code)]

#[macro_use]
mod out;
mod work_cli;

use aisle_domain::replenish::{Policy, PolicyKind};
use aisle_server::config::FileConfig;
use aisle_server::sql::SqlStorage;
use aisle_server::storage::{Administration, ReadModels, Supervision, SyncEngine};
use aisle_server::storage::{ExportKind, ImportKind, NewOperator, Resolution, Storage};
use aisle_server::transport::TlsFiles;
use aisle_server::{AppState, router};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Aisle's sync server.
#[derive(Debug, Parser)]
#[command(
    name = "aisle-server",
    version,
    after_help = "Examples:
  aisle-server serve --demo                          # a server with demo data on 127.0.0.1:8740
  aisle-server device enroll --warehouse WH1 --name TABLET-07
  aisle-server import items items.csv
  aisle-server export stock --out stock.csv"
)]
struct Cli {
    /// The server's database: an SQLite file (created if missing; default aisle-server.db), or
    /// a PostgreSQL URL (postgres://user@host:port/database), which several servers may share.
    #[arg(long, env = "AISLE_SERVER_DB", global = true)]
    db: Option<String>,
    /// A TOML configuration file (keys: listen, database, log_json, public_url, tls_cert,
    /// tls_key, allow_plain_http, gs1_company_prefix, sscc_extension, [printers]; see
    /// docs/deployment.md).
    #[arg(long, env = "AISLE_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API until interrupted.
    Serve {
        /// Address to listen on (default 127.0.0.1:8740); port 0 picks a free port (the bound
        /// address is printed).
        #[arg(long, env = "AISLE_LISTEN")]
        listen: Option<SocketAddr>,
        /// Load the demo company first if the database is empty.
        #[arg(long)]
        demo: bool,
        /// Log as JSON lines instead of text.
        #[arg(long, env = "AISLE_LOG_JSON")]
        log_json: bool,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Allow plain HTTP on an address other machines can reach (only on a trusted network).
        #[arg(long)]
        allow_plain_http: bool,
    },
    /// Import master data or work from CSV (all rows or none).
    Import { kind: ImportArg, file: PathBuf },
    /// Export stock, operations, exceptions, suppliers, supplier terms or item-warehouse rows as CSV.
    Export {
        kind: ExportArg,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Enrol, list and revoke devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Manage operators who sign in on devices.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// List or resolve exceptions (a supervisor's decisions, recorded as new operations).
    Exception {
        #[command(subcommand)]
        command: ExceptionCommand,
    },
    /// Set an item's reorder policy in a warehouse.
    #[command(
        after_help = "Examples:\n  aisle-server policy --warehouse WH1 --sku HAR-00001 --reorder-point 40 --order-qty 120 --lead-time-days 5\n  aisle-server policy --warehouse WH1 --sku HAR-00001 --min 20 --max 200"
    )]
    Policy {
        #[arg(long)]
        warehouse: String,
        #[arg(long)]
        sku: String,
        #[arg(long, requires = "order_qty", conflicts_with_all = ["min", "max"])]
        reorder_point: Option<i64>,
        #[arg(long)]
        order_qty: Option<i64>,
        #[arg(long, requires = "max")]
        min: Option<i64>,
        #[arg(long)]
        max: Option<i64>,
        #[arg(long, default_value_t = 0)]
        safety_stock: i64,
        #[arg(long, default_value_t = 7)]
        lead_time_days: u32,
    },
    /// What to reorder in a warehouse, with forecasts; `--order` raises the suggestions as one
    /// purchase order per preferred supplier (devices download them as expected receipts).
    Replenish {
        #[arg(long)]
        warehouse: String,
        /// Probability of not running out during the lead time, for the suggested safety stock.
        #[arg(long, default_value_t = 0.95)]
        service_level: f64,
        #[arg(long)]
        order: bool,
        #[arg(long)]
        json: bool,
    },
    /// Move and count tasks for the devices: pick-face top-ups, cycle counts.
    #[command(
        after_help = "Examples:\n  aisle-server tasks top-ups --warehouse WH1\n  aisle-server tasks counts --warehouse WH1 --sku HAR-00001\n  aisle-server tasks list --warehouse WH1"
    )]
    Tasks {
        #[command(subcommand)]
        command: TaskCommand,
    },
    /// Who holds which work (leases), and taking it back or giving it to another device.
    #[command(
        after_help = "Examples:\n  aisle-server leases list --warehouse WH1\n  aisle-server leases release --order-line ID --by SUP1\n  aisle-server leases assign --task ID --device DEVICE_ID --by SUP1"
    )]
    Leases {
        #[command(subcommand)]
        command: work_cli::LeaseCommand,
    },
    /// Waves: orders grouped and released to the devices together.
    #[command(
        after_help = "Examples:\n  aisle-server waves create --warehouse WH1 --order SO-1001 --order SO-1002 --by SUP1\n  aisle-server waves release W-1 --by SUP1"
    )]
    Waves {
        #[command(subcommand)]
        command: work_cli::WaveCommand,
    },
    /// Transfers between warehouses: create, list, close at the destination.
    #[command(
        after_help = "Examples:\n  aisle-server transfers create --from WH1 --to WH2 --line HAR-00001=24 --by SUP1\n  aisle-server transfers list --warehouse WH2\n  aisle-server transfers close TR-000001 --by SUP1"
    )]
    Transfers {
        #[command(subcommand)]
        command: work_cli::TransferCommand,
    },
    /// Outbound orders: settle one picked short.
    #[command(
        after_help = "Examples:\n  aisle-server orders short SO-1001 --choice backorder --by SUP1\n  aisle-server orders short SO-1001 --choice ship-partial --by SUP1"
    )]
    Orders {
        #[command(subcommand)]
        command: work_cli::OrderCommand,
    },
    /// Stock of a warehouse valued at unit cost (import costs with `import costs FILE.csv`).
    Valuation {
        #[arg(long)]
        warehouse: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the books: stock equals the ledger and the ledger equals the applied operations, per
    /// warehouse. Exits 1 when they do not.
    #[command(after_help = "Examples:\n  aisle-server audit\n  aisle-server audit --json")]
    Audit {
        #[arg(long)]
        json: bool,
    },
    /// Copy this server's SQLite database into an empty PostgreSQL database (same epoch: devices
    /// go on syncing); checks that every table and the books audit came across the same.
    #[command(
        after_help = "Examples:\n  aisle-server --db aisle-server.db migrate --to postgres://aisle@db.example/aisle"
    )]
    Migrate {
        /// The PostgreSQL database to copy into (postgres://user@host:port/database); it must
        /// hold no server yet.
        #[arg(long)]
        to: String,
    },
    /// Fill an empty database with the demo company.
    Demo {
        #[arg(long, default_value_t = 300)]
        items: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// Create a one-time enrolment code for a new device.
    Enroll {
        #[arg(long)]
        warehouse: String,
        #[arg(long)]
        name: String,
        /// How long the code stays valid.
        #[arg(long, default_value_t = 24)]
        valid_hours: i64,
        /// The address devices reach this server at, for the QR payload (default: the config
        /// file's public_url, else http://127.0.0.1:8740).
        #[arg(long, env = "AISLE_PUBLIC_URL")]
        server_url: Option<String>,
        /// Also draw the QR code in the terminal, for a tablet's camera.
        #[arg(long)]
        qr: bool,
        /// The warehouse CA's certificate (PEM) to put in the QR payload, when the server's
        /// certificate is signed by the warehouse's own CA.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    List,
    Revoke {
        device_id: aisle_domain::DeviceId,
    },
}

#[derive(Debug, Subcommand)]
enum ExceptionCommand {
    List {
        /// Include resolved exceptions.
        #[arg(long)]
        all: bool,
    },
    /// Resolve an exception: accept the books as they are, adjust the stock line, or release a
    /// held operation (apply it as it was sent).
    #[command(
        after_help = "Examples:\n  aisle-server exception resolve ID --by SUP1 --accept --note 'recounted, fine'\n  aisle-server exception resolve ID --by SUP1 --adjust=-3 --reason damaged\n  aisle-server exception resolve ID --by SUP1 --release --note 'Bob was covering for me'"
    )]
    Resolve {
        id: uuid::Uuid,
        /// Badge of the supervisor deciding.
        #[arg(long)]
        by: String,
        #[arg(long, conflicts_with_all = ["adjust", "release"])]
        accept: bool,
        /// Apply a held operation (unauthorized, invalid_operation or duplicate_entry) as it was sent.
        #[arg(long, conflicts_with = "adjust")]
        release: bool,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long, allow_hyphen_values = true, requires = "reason")]
        adjust: Option<i64>,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum OperatorCommand {
    /// Adds an operator, or changes one's name, PIN and role (by badge).
    #[command(
        after_help = "Example:\n  aisle-server operator add --badge SUP1 --name Sam --pin 4321 --role supervisor"
    )]
    Add {
        #[arg(long)]
        badge: String,
        #[arg(long)]
        name: String,
        #[arg(long, env = "AISLE_OPERATOR_PIN")]
        pin: String,
        #[arg(long, value_enum, default_value_t = Role::Operator)]
        role: Role,
    },
    /// Lists every operator: badge, name and role (never a PIN).
    List {
        /// One JSON document instead of lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Role {
    Operator,
    Supervisor,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ImportArg {
    Warehouses,
    Locations,
    Items,
    Receipts,
    Orders,
    /// Unit costs for stock valuation: `sku,unit_cost,currency`.
    Costs,
    /// Which items each warehouse stocks: `warehouse,sku,stocked` (yes/no), optionally
    /// `preferred_supplier` and a policy (`reorder_point,order_qty` or `min,max`).
    ItemWarehouses,
    /// Suppliers: `code,name,lead_time_days`.
    Suppliers,
    /// Each supplier's terms per item:
    /// `supplier,sku,price,currency,min_order_qty,pack_multiple,lead_time_days`.
    SupplierItems,
}

#[derive(Debug, Subcommand)]
enum TaskCommand {
    /// Open tasks of a warehouse (`--all`: the latest of any state).
    List {
        #[arg(long)]
        warehouse: String,
        #[arg(long)]
        all: bool,
    },
    /// Send every pick face below its minimum to the devices as a move task from reserve.
    TopUps {
        #[arg(long)]
        warehouse: String,
        /// Who asked (a badge), for the record.
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Send blind count tasks: for the named items, or the most overdue items of the plan.
    Counts {
        #[arg(long)]
        warehouse: String,
        #[arg(long)]
        sku: Vec<String>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Cancel an open task; devices drop it on their next sync.
    Cancel {
        id: aisle_domain::TaskId,
        #[arg(long, default_value = "cli")]
        by: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportArg {
    Stock,
    Operations,
    Exceptions,
    /// The same columns as `import suppliers`.
    Suppliers,
    /// The same columns as `import supplier-items`.
    SupplierItems,
    /// The same columns as `import item-warehouses`, every column.
    ItemWarehouses,
}

/// A database as it may be shown in a message: a URL's password left out.
fn shown(db: &str) -> String {
    match db.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) => {
                let user = user.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}@{host}")
            }
            None => db.to_string(),
        },
        None => db.to_string(),
    }
}

/// `migrate --to`: the SQLite database `db` copied into PostgreSQL, table by table.
fn migrate(db: &str, to: &str) -> anyhow::Result<()> {
    if db.contains("://") {
        bail!(
            "migrate copies an SQLite database: --db must be a file, not {}",
            shown(db)
        );
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to must be a postgres:// URL, not {to:?}");
    }
    let report = SqlStorage::copy_to_postgres(std::path::Path::new(db), to)
        .with_context(|| format!("copying {db} into {}", shown(to)))?;
    for (table, rows) in &report.tables {
        say!("{table:<24} {rows:>10} rows");
    }
    for w in &report.books.warehouses {
        say!(
            "{}: {} operations applied, {} held: the books balance on both",
            w.warehouse,
            w.applied,
            w.held
        );
    }
    say!(
        "copied into {}; serve it with `aisle-server --db URL serve`",
        shown(to)
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The chain of causes, in words: what failed and why, without a backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let file = match &cli.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let db = cli
        .db
        .clone()
        .or(file.database.clone())
        .unwrap_or_else(|| "aisle-server.db".into());
    if let Command::Migrate { to } = &cli.command {
        return migrate(&db, to);
    }
    let storage = SqlStorage::open_db(&db).with_context(|| format!("opening {}", shown(&db)))?;
    match cli.command {
        Command::Serve {
            listen,
            demo,
            log_json,
            tls_cert,
            tls_key,
            allow_plain_http,
        } => {
            init_logging(log_json || file.log_json.unwrap_or(false));
            let listen = listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8740)));
            if demo
                && storage.stats()?.operations == 0
                && storage.export(ExportKind::Stock, &mut std::io::sink())? == 0
            {
                storage.load_demo(1, 300)?;
                tracing::info!("demo company loaded");
            }
            let tls = match (
                tls_cert.or(file.tls_cert.clone()),
                tls_key.or(file.tls_key.clone()),
            ) {
                (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
                (None, None) => None,
                _ => bail!(
                    "a TLS certificate needs its key and the other way round (tls_cert and tls_key)"
                ),
            };
            let plain_ok = allow_plain_http || file.allow_plain_http.unwrap_or(false);
            aisle_server::transport::check(listen, tls.as_ref(), plain_ok)
                .map_err(anyhow::Error::msg)?;
            let outbound = aisle_server::api::shipping::Outbound::from_config(&file)
                .map_err(anyhow::Error::msg)?;
            serve(Arc::new(storage), listen, tls, outbound)
        }
        Command::Import { kind, file } => {
            let mut f = std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let kind = match kind {
                ImportArg::Warehouses => ImportKind::Warehouses,
                ImportArg::Locations => ImportKind::Locations,
                ImportArg::Items => ImportKind::Items,
                ImportArg::Receipts => ImportKind::Receipts,
                ImportArg::Orders => ImportKind::Orders,
                ImportArg::Costs => ImportKind::Costs,
                ImportArg::ItemWarehouses => ImportKind::ItemWarehouses,
                ImportArg::Suppliers => ImportKind::Suppliers,
                ImportArg::SupplierItems => ImportKind::SupplierItems,
            };
            let n = storage.import(kind, &mut f)?;
            say!("imported {n} rows from {}", file.display());
            Ok(())
        }
        Command::Export { kind, out } => {
            let kind = match kind {
                ExportArg::Stock => ExportKind::Stock,
                ExportArg::Operations => ExportKind::Operations,
                ExportArg::Exceptions => ExportKind::Exceptions,
                ExportArg::Suppliers => ExportKind::Suppliers,
                ExportArg::SupplierItems => ExportKind::SupplierItems,
                ExportArg::ItemWarehouses => ExportKind::ItemWarehouses,
            };
            let n = match out {
                Some(path) => {
                    let mut f = std::fs::File::create(&path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    storage.export(kind, &mut f)?
                }
                None => storage.export(kind, &mut std::io::stdout().lock())?,
            };
            eprintln!("{n} rows exported");
            Ok(())
        }
        Command::Device { command } => match command {
            DeviceCommand::Enroll {
                warehouse,
                name,
                valid_hours,
                server_url,
                qr,
                ca_cert,
            } => {
                let ca_pem = ca_cert
                    .map(|p| {
                        std::fs::read_to_string(&p).with_context(|| {
                            format!("cannot read the CA certificate {}", p.display())
                        })
                    })
                    .transpose()?;
                let server_url = server_url
                    .or(file.public_url.clone())
                    .unwrap_or_else(|| "http://127.0.0.1:8740".into());
                if valid_hours < 1 {
                    bail!("--valid-hours must be at least 1");
                }
                let e = storage.create_enrolment(
                    &warehouse,
                    &name,
                    chrono::Duration::hours(valid_hours),
                )?;
                say!("enrolment code: {}", e.code);
                say!(
                    "device {:?} in {}, valid until {}",
                    e.name,
                    e.warehouse_code,
                    e.expires_at.format("%Y-%m-%d %H:%M UTC")
                );
                let payload = aisle_proto::EnrolmentPayload {
                    server: server_url.clone(),
                    code: e.code.clone(),
                    ca_pem,
                }
                .encode();
                say!("QR payload: {payload}");
                if qr {
                    say!("{}", terminal_qr(&payload)?);
                }
                say!(
                    "on the device: aisle enroll --server {server_url} --code {}",
                    e.code
                );
                Ok(())
            }
            DeviceCommand::List => {
                for d in storage.devices()? {
                    say!(
                        "{} {:<16} {:<5} synced to #{:<6} last seen {} {}",
                        d.id,
                        d.name,
                        d.warehouse_code,
                        d.durable_seq,
                        d.last_seen_at
                            .map_or("never".into(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
                        if d.revoked { "REVOKED" } else { "" }
                    );
                }
                Ok(())
            }
            DeviceCommand::Revoke { device_id } => {
                storage.revoke_device(device_id)?;
                say!("device {device_id} revoked; its token no longer works");
                Ok(())
            }
        },
        Command::Operator {
            command: OperatorCommand::List { json },
        } => {
            let list = storage.operators()?;
            if json {
                say!("{}", serde_json::json!({ "operators": list }));
            } else if list.is_empty() {
                say!("no operators yet: add one with `aisle-server operator add`");
            } else {
                for o in &list {
                    say!("{:<12} {:<11} {}", o.badge, o.role, o.name);
                }
            }
            Ok(())
        }
        Command::Operator {
            command:
                OperatorCommand::Add {
                    badge,
                    name,
                    pin,
                    role,
                },
        } => {
            storage.add_operator(&NewOperator {
                badge: badge.clone(),
                name,
                pin,
                supervisor: matches!(role, Role::Supervisor),
            })?;
            say!("operator {badge} saved");
            Ok(())
        }
        Command::Exception { command } => match command {
            ExceptionCommand::List { all } => {
                for x in storage.exceptions(!all)? {
                    say!(
                        "{} {:<22} {:?} {}",
                        x.id,
                        x.kind.as_str(),
                        x.status,
                        x.message
                    );
                }
                Ok(())
            }
            ExceptionCommand::Resolve {
                id,
                by,
                accept,
                release,
                note,
                adjust,
                reason,
            } => {
                let resolution = match (accept, release, adjust) {
                    (true, false, None) => Resolution::Accept { note },
                    (false, true, None) => Resolution::Release { note },
                    (false, false, Some(qty)) => Resolution::Adjust {
                        qty,
                        reason: reason.unwrap_or_default(),
                    },
                    _ => bail!("give one of --accept, --release, or --adjust QTY --reason R"),
                };
                let x = storage.resolve_exception(id, &by, &resolution)?;
                say!("resolved: {}", x.resolution.unwrap_or_default());
                Ok(())
            }
        },
        Command::Policy {
            warehouse,
            sku,
            reorder_point,
            order_qty,
            min,
            max,
            safety_stock,
            lead_time_days,
        } => {
            let kind = match (reorder_point, order_qty, min, max) {
                (Some(reorder_point), Some(order_qty), None, None) => PolicyKind::ReorderPoint {
                    reorder_point,
                    order_qty,
                },
                (None, None, Some(min), Some(max)) => PolicyKind::MinMax { min, max },
                _ => anyhow::bail!("give --reorder-point with --order-qty, or --min with --max"),
            };
            let policy = Policy {
                kind,
                safety_stock,
                lead_time_days,
            };
            storage.set_policy(&warehouse, &sku, &policy)?;
            say!("policy set for {sku} in {warehouse}");
            Ok(())
        }
        Command::Replenish {
            warehouse,
            service_level,
            order,
            json,
        } => {
            let today = chrono::Utc::now().date_naive();
            let lines = storage.replenishment(&warehouse, today, service_level)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&lines)?);
            } else {
                let suggested = lines.iter().filter(|l| l.suggestion.is_some()).count();
                if suggested == 0 && !order {
                    say!(
                        "nothing to order in {warehouse}: {} item(s) with a policy, none at or below its reorder point",
                        lines.len()
                    );
                }
                for l in lines.iter().filter(|l| l.suggestion.is_some()) {
                    if let Some(s) = &l.suggestion {
                        say!("{:<10} order {:>6}  {}", l.sku, s.qty, s.reason);
                        say!(
                            "{:<10}              forecast: {}",
                            "",
                            l.forecast.levels.explanation
                        );
                    }
                }
            }
            if order {
                let po_lines: Vec<(String, i64)> = lines
                    .iter()
                    .filter_map(|l| l.suggestion.as_ref().map(|s| (l.sku.clone(), s.qty)))
                    .collect();
                if po_lines.is_empty() {
                    say!("nothing to order");
                } else {
                    for po in storage.raise_purchase_orders(&warehouse, &po_lines)? {
                        say!(
                            "purchase order {}: {} line(s) from {}{}",
                            po.purchase_order,
                            po.lines,
                            po.supplier.as_deref().unwrap_or("no supplier named"),
                            po.expected_date
                                .map(|d| format!(", expected {d}"))
                                .unwrap_or_default()
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Tasks { command } => {
            let print = |tasks: &[aisle_proto::Task]| {
                for t in tasks {
                    say!("{} {}", t.id, t.reason);
                }
                say!("{} task(s) sent to the devices", tasks.len());
            };
            match command {
                TaskCommand::List { warehouse, all } => {
                    for t in storage.tasks(&warehouse, !all)? {
                        let place = match &t.from_code {
                            Some(from) => format!("{from} -> {}", t.to_code),
                            None => t.to_code.clone(),
                        };
                        say!(
                            "{} {:<9} {:<10} {:<24} {}/{} {}",
                            t.task.id,
                            t.task.status.as_str(),
                            t.sku,
                            place,
                            t.task.done_qty,
                            match &t.task.work {
                                aisle_proto::TaskWork::Move { qty, .. } => *qty,
                                aisle_proto::TaskWork::Count { .. } => 1,
                            },
                            t.task.reason
                        );
                    }
                }
                TaskCommand::TopUps { warehouse, by } => {
                    print(&storage.release_top_ups(&warehouse, &by)?)
                }
                TaskCommand::Counts { warehouse, sku, by } => {
                    let today = chrono::Utc::now().date_naive();
                    print(&storage.release_counts(&warehouse, &sku, today, &by)?)
                }
                TaskCommand::Cancel { id, by } => {
                    let t = storage.cancel_task(id, &by)?;
                    say!("task {} {}", t.id, t.status.as_str());
                }
            }
            Ok(())
        }
        Command::Valuation { warehouse, json } => {
            let v = storage.valuation(&warehouse)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for i in &v.items {
                    say!(
                        "{:<12} {:>8} x {:>10} = {:>12} {}",
                        i.sku,
                        i.on_hand,
                        i.unit_cost.as_deref().unwrap_or("no cost"),
                        i.value.as_deref().unwrap_or("-"),
                        i.currency.as_deref().unwrap_or("")
                    );
                }
                for t in &v.totals {
                    say!("total {} {}", t.value, t.currency);
                }
                if v.uncosted > 0 {
                    say!("{} stocked item(s) have no unit cost", v.uncosted);
                }
            }
            Ok(())
        }
        Command::Leases { command } => work_cli::run(&storage, command),
        Command::Orders { command } => work_cli::run_orders(&storage, command),
        Command::Waves { command } => work_cli::run_waves(&storage, command),
        Command::Transfers { command } => work_cli::run_transfers(&storage, command),
        Command::Audit { json } => {
            let audit = storage.audit_books()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&audit)?);
            } else {
                for w in &audit.warehouses {
                    say!(
                        "{}: {} operations applied, {} held, {} ledger rows: {}",
                        w.warehouse,
                        w.applied,
                        w.held,
                        w.ledger_rows,
                        if w.problems.is_empty() {
                            "the books balance".to_string()
                        } else {
                            format!("{} problem(s)", w.problems.len())
                        }
                    );
                    for p in &w.problems {
                        say!("  {p}");
                    }
                }
            }
            let problems: usize = audit.warehouses.iter().map(|w| w.problems.len()).sum();
            if problems > 0 {
                bail!("the books do not balance: {problems} problem(s)");
            }
            Ok(())
        }
        Command::Migrate { to } => migrate(&db, &to),
        Command::Demo { items, seed } => {
            storage.load_demo(seed, items)?;
            say!("demo company loaded");
            Ok(())
        }
    }
}

/// The enrolment payload as a QR code drawn with Unicode half blocks.
fn terminal_qr(payload: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(payload.as_bytes())
        .context("the enrolment payload does not fit a QR code")?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .build())
}

/// Ctrl-C or SIGTERM (systemd, container stop): stop accepting, let in-flight requests finish.
/// Every push is one transaction, so even a hard kill loses nothing acknowledged.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn serve(
    storage: Arc<dyn Storage>,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    outbound: aisle_server::api::shipping::Outbound,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut state = AppState::new(storage.clone());
        state.outbound = Arc::new(outbound);
        let app = router(state).into_make_service();
        let listener = std::net::TcpListener::bind(listen)
            .with_context(|| format!("cannot listen on {listen}"))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let handle = axum_server::Handle::new();
        let stop = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            stop.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        match tls {
            None => {
                let mut server = axum_server::from_tcp(listener)?;
                server
                    .http_builder()
                    .http1()
                    .header_read_timeout(HEADER_TIMEOUT);
                // Tests and scripts read this line to find the port when listening on port 0.
                say!("listening on http://{addr}");
                tracing::info!(%addr, epoch = %storage.epoch(), "aisle-server listening");
                server.handle(handle).serve(app).await?;
            }
            Some(files) => {
                let config =
                    axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                        .await
                        .with_context(|| {
                            format!(
                                "cannot use the TLS certificate {} with the key {}",
                                files.cert.display(),
                                files.key.display()
                            )
                        })?;
                let mut server = axum_server::from_tcp_rustls(listener, config)?;
                server
                    .http_builder()
                    .http1()
                    .header_read_timeout(HEADER_TIMEOUT);
                say!("listening on https://{addr}");
                tracing::info!(%addr, epoch = %storage.epoch(), "aisle-server listening (TLS)");
                server.handle(handle).serve(app).await?;
            }
        }
        Ok(())
    })
}

/// A client gets this long to send a request's headers; a slow trickle (slowloris) is cut off
/// instead of holding a connection. The body is covered by the API's request timeout.
const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[cfg(test)]
mod tests {
    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            super::shown("postgres://aisle:s3cret@db.example:5432/aisle"),
            "postgres://aisle@db.example:5432/aisle"
        );
        assert_eq!(super::shown("postgres://db/aisle"), "postgres://db/aisle");
        assert_eq!(
            super::shown("/var/lib/aisle/server.db"),
            "/var/lib/aisle/server.db"
        );
    }
}
