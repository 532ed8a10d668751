//! The `aisle-server` command line as clap reads it: the commands, their arguments and help.
//! What each command does is in `main.rs`.

use crate::work_cli;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

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
pub struct Cli {
    /// The server's database: an SQLite file (created if missing; default aisle-server.db), or
    /// a PostgreSQL URL (postgres://user@host:port/database), which several servers may share.
    #[arg(long, env = "AISLE_SERVER_DB", global = true)]
    pub db: Option<String>,
    /// A TOML configuration file (keys: listen, database, log_json, public_url, tls_cert,
    /// tls_key, enrolment_ca_cert, allow_plain_http, gs1_company_prefix, sscc_extension,
    /// [printers]; see docs/deployment.md).
    #[arg(long, env = "AISLE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
        /// The warehouse CA's certificate (PEM) that signed --tls-cert: put into the enrolment
        /// QR codes made on the supervisor pages, so a tablet trusts this server from its scan.
        #[arg(long)]
        enrolment_ca_cert: Option<PathBuf>,
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
pub enum DeviceCommand {
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
pub enum ExceptionCommand {
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
pub enum OperatorCommand {
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
    /// Lists every operator: badge, name and role (never a PIN), and whether disabled.
    List {
        /// One JSON document instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Disables a badge from now: tablets refuse it after their next sync, and work recorded with
    /// it from now on is held for a supervisor.
    Disable { badge: String },
    /// Enables a disabled badge again.
    Enable { badge: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Role {
    Operator,
    Supervisor,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportArg {
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
pub enum TaskCommand {
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
pub enum ExportArg {
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
