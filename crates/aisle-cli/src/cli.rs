//! The command line: arguments, help text with examples, and their translation into the store's
//! request types.

use aisle_device::packing::PackRequest;
use aisle_device::work::{
    AdjustRequest, CountRequest, MoveRequest, PickRequest, ReceiveRequest, ReturnRequest,
};
use aisle_domain::master::PackKind;
use aisle_domain::{OrderLineId, ReceiptLineId, TaskId};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  aisle --db t1.db demo                                  # a demo store: 2 warehouses, 300 items
  export AISLE_DB=t1.db AISLE_OPERATOR=ALICE
  aisle receive --at LOC:WH1:RCV-01 --item ']C10105012345000084<GS>10L42<GS>17270131' --qty 5
  aisle putaway --what 05012345000084 --from LOC:WH1:RCV-01 --to LOC:WH1:B-01-01-1 --qty 5 --lot L42
  aisle pick --at LOC:WH1:A-01-01-1 --item 5012345000015 --qty 2 --requested 3 --short-reason lost
  aisle count --at LOC:WH1:A-01-01-1 --item 5012345000015 --counted 7 --blind
  aisle stock item 5012345000015
  aisle log --unsynced --json
  aisle scan parse '(01)09506000134352(17)270131(10)ABC'

Quantities are in the pack level scanned (a case GTIN with --qty 2 is two cases) unless --pack
names another level; everything is stored in base units. --json prints one JSON document on
stdout, and errors as {\"error\": {\"kind\", \"message\"}} on stderr; see docs/cli.md.";

/// Aisle's headless device: warehouse work, offline, against a local SQLite file.
#[derive(Debug, Parser)]
#[command(name = "aisle", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The device's database file (created if missing).
    #[arg(long, env = "AISLE_DB", default_value = "aisle.db", global = true)]
    pub db: String,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Badge code of the operator doing the work (recorded with every operation).
    #[arg(long, env = "AISLE_OPERATOR", global = true)]
    pub operator: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Give this store its device identity (once).
    #[command(after_help = "Example:\n  aisle --db t1.db init --name TABLET-07 --warehouse WH1")]
    Init {
        #[arg(long)]
        name: String,
        /// Code of the warehouse this device works in.
        #[arg(long)]
        warehouse: Option<String>,
    },
    /// Show or change the device identity.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Show or change scan patterns for location and license-plate labels.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Import master data from CSV (all rows or none); formats in docs/csv-formats.md.
    #[command(
        after_help = "Examples:\n  aisle import warehouses warehouses.csv\n  aisle import locations locations.csv\n  aisle import items items.csv"
    )]
    Import { kind: ImportKind, file: String },
    /// Fill a new store with the demo company and opening stock.
    Demo {
        #[arg(long, default_value_t = 300)]
        items: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Device name when the store has no identity yet.
        #[arg(long, default_value = "DEMO-1")]
        name: String,
    },
    /// Receive goods at a location, optionally onto a license plate.
    #[command(
        after_help = "Example:\n  aisle receive --at LOC:WH1:RCV-01 --item 15012345000012 --qty 3 --plate 106141411234567897"
    )]
    Receive(ReceiveArgs),
    /// Put received stock or a license plate away.
    #[command(
        after_help = "Examples:\n  aisle putaway --what 106141411234567897 --to LOC:WH1:B-01-01-1\n  aisle putaway --what 5012345000015 --from LOC:WH1:RCV-01 --to LOC:WH1:A-01-01-1 --qty 6"
    )]
    Putaway(MoveArgs),
    /// Move stock of an item, or a whole license plate.
    Move(MoveArgs),
    /// Pick for an order line; a short pick needs --requested and --short-reason.
    Pick(PickArgs),
    /// Record a counted quantity of an item at a location.
    Count(CountArgs),
    /// Correct stock with a reason code (quantity is signed).
    #[command(
        after_help = "Example:\n  aisle adjust --at LOC:WH1:A-01-01-1 --item 5012345000015 --qty=-2 --reason damaged"
    )]
    Adjust(AdjustArgs),
    /// Receive goods a customer sent back against their order: restock them, quarantine them or
    /// scrap them.
    #[command(
        after_help = "Examples:\n  aisle return --order SO-5001 --item 5012345000015 --qty 2 --to LOC:WH1:A-01-01-1 --disposition restock\n  aisle return --order SO-5001 --item 5012345000015 --to LOC:WH1:QA-01 --disposition quarantine --reason damaged"
    )]
    Return(ReturnArgs),
    /// Cartons for packing: take a new one (a fresh SSCC), show one, list the open ones.
    #[command(
        after_help = "Examples:\n  aisle carton new\n  aisle carton show 906141410000000018\n  aisle carton list --order SO-5001"
    )]
    Carton {
        #[command(subcommand)]
        command: CartonCommand,
    },
    /// Pack picked goods of an order into a carton: one item, or everything picked (--all).
    #[command(
        after_help = "Examples:\n  aisle pack --order SO-5001 --carton 906141410000000018 --item 5012345000015 --qty 4\n  aisle pack --order SO-5001 --carton 906141410000000018 --all"
    )]
    Pack(PackArgs),
    /// Close a carton with its weight (typed from a scale, else added up from its items).
    #[command(
        name = "close-carton",
        after_help = "Example:\n  aisle close-carton --carton 906141410000000018 --weight-g 12500"
    )]
    CloseCarton {
        #[arg(long)]
        carton: String,
        /// Gross weight in grams, from a scale.
        #[arg(long)]
        weight_g: Option<i64>,
    },
    /// Ship closed cartons with a carrier (and a route, truck or tracking reference).
    #[command(
        after_help = "Example:\n  aisle ship --carrier DHL --reference 'Route 7' 906141410000000018 906141410000000025"
    )]
    Ship {
        #[arg(long)]
        carrier: String,
        #[arg(long)]
        reference: Option<String>,
        /// The cartons' SSCCs.
        #[arg(required = true)]
        cartons: Vec<String>,
    },
    /// Show stock by item, location, lot or license plate.
    Stock {
        #[command(subcommand)]
        command: StockCommand,
    },
    /// List the change log.
    Log {
        /// Only entries not yet acknowledged by the server.
        #[arg(long)]
        unsynced: bool,
        /// Only entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Decode a scan, or look up what it is on this device.
    Scan {
        #[command(subcommand)]
        command: ScanCommand,
    },
    /// Check that on-hand stock equals the sum of the ledger.
    Audit,
    /// Enrol this device with a sync server, using a one-time code from warehouse IT.
    #[command(
        after_help = "Examples:\n  aisle enroll --server https://aisle.example:8740 --code K7QX2M9PLA --ca-cert warehouse-ca.pem\n  aisle enroll --qr 'aisle-enroll:1?server=http://aisle.example:8740&code=K7QX2M9PLA'"
    )]
    Enroll {
        #[arg(long, required_unless_present = "qr", requires = "code")]
        server: Option<String>,
        #[arg(long, requires = "server")]
        code: Option<String>,
        /// The scanned enrolment QR code, instead of --server and --code.
        #[arg(long, conflicts_with_all = ["server", "code"])]
        qr: Option<String>,
        /// The warehouse's own CA certificate (PEM), when the server's certificate is not
        /// signed by a public CA.
        #[arg(long)]
        ca_cert: Option<String>,
        /// Allow plain http:// to a server other than this machine (the token travels
        /// unencrypted; only on a network you trust).
        #[arg(long)]
        allow_plain_http: bool,
    },
    /// Push this device's work, then pull everyone else's (resumable; safe to repeat).
    Sync {
        /// Tries per request while the server cannot be reached.
        #[arg(long, default_value_t = 4)]
        attempts: u32,
        /// Operations per pulled page.
        #[arg(long, default_value_t = 2000)]
        pull_limit: u32,
        /// Show where sync stands instead of syncing.
        #[arg(long)]
        status: bool,
        /// Claim work: hold up to this many whole orders (renewing what this device holds).
        #[arg(long)]
        orders: Option<u32>,
        /// Claim work: hold up to this many tasks (renewing what this device holds).
        #[arg(long)]
        tasks: Option<u32>,
    },
    /// Check an operator's badge and PIN against the operators synced from the server (offline).
    SignIn {
        #[arg(long)]
        badge: String,
        #[arg(long, env = "AISLE_PIN", hide_env_values = true)]
        pin: String,
    },
    /// Make a printable label (SVG): a license plate with its contents, or an item.
    #[command(
        after_help = "Examples:\n  aisle label plate 106141411234567897 --out plate.svg\n  aisle label item 5012345000084 --lot L42 --expiry 2027-01-31 --out item.svg"
    )]
    Label {
        #[command(subcommand)]
        what: LabelCommand,
        /// Write the SVG here instead of standard output.
        #[arg(long, global = true)]
        out: Option<String>,
    },
    /// Check the store file for damage (SQLite's integrity check); exits 1 when damaged.
    Check,
    /// Save what can be read from a damaged store into a new one: identity, enrolment, settings
    /// and every readable change-log entry. Sync it afterwards (a fresh snapshot rebuilds stock).
    #[command(
        after_help = "Example:\n  aisle --db t7.db check\n  aisle --db t7.db recover --into t7-recovered.db\n  aisle --db t7-recovered.db sync"
    )]
    Recover {
        /// The new store file (must not exist yet).
        #[arg(long)]
        into: String,
    },
    /// Move and count tasks from the server still to do here, in walk order (as of the last sync).
    #[command(
        after_help = "Example:\n  aisle tasks\n  aisle move --task TASK --what 5012345000084 --from LOC:WH1:B-01-01-1 --to LOC:WH1:A-01-01-1 --qty 30"
    )]
    Tasks,
    /// Pick work held by (or open to) this device, in walk order, with references such as
    /// `SO-1001/2` that `aisle pick --order-line` accepts (as of the last sync).
    #[command(
        after_help = "Example:\n  aisle picks\n  aisle pick --at LOC:WH1:A-01-01-1 --item 5012345000015 --qty 4 --requested 4 --order-line SO-5001/1"
    )]
    Picks,
    /// Expected receipt lines with what is still to come, with references such as `PO-1001/1`
    /// that `aisle receive --receipt-line` accepts (as of the last sync).
    Receipts,
    /// Exceptions the server raised about this warehouse (as of the last sync).
    Exceptions {
        /// Include resolved ones.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CartonCommand {
    /// A new carton number (SSCC) from this device's block.
    New,
    /// A carton as this device knows it.
    Show { carton: String },
    /// Cartons not yet shipped (of one order).
    List {
        #[arg(long)]
        order: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct PackArgs {
    #[arg(long)]
    pub order: String,
    /// The carton's SSCC (`aisle carton new` gives one).
    #[arg(long)]
    pub carton: String,
    /// An item's barcode or SKU; not with --all.
    #[arg(long, conflicts_with = "all")]
    pub item: Option<String>,
    #[arg(long)]
    pub qty: Option<i64>,
    #[arg(long, value_parser = parse_pack)]
    pub pack: Option<PackKind>,
    #[arg(long)]
    pub lot: Option<String>,
    /// Everything picked for the order and not yet packed (its tote).
    #[arg(long, required_unless_present = "item")]
    pub all: bool,
}

impl PackArgs {
    pub fn request(self) -> PackRequest {
        PackRequest {
            order: self.order,
            carton: self.carton,
            item: self.item,
            qty: self.qty,
            pack: self.pack,
            lot: self.lot,
            all_picked: self.all,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum LabelCommand {
    /// A license-plate label: the SSCC as GS1-128 and what the plate holds.
    Plate { plate: String },
    /// An item label: EAN-13, or GS1-128 with lot and expiry when given.
    Item {
        item: String,
        #[arg(long)]
        lot: Option<String>,
        #[arg(long, value_parser = parse_date)]
        expiry: Option<NaiveDate>,
    },
    /// A carton label: its SSCC as GS1-128, order, customer, weight and contents; as SVG, ZPL
    /// (thermal printers) or PDF (needs --out), or sent to a network printer as ZPL.
    Carton {
        carton: String,
        /// svg, zpl or pdf.
        #[arg(long, default_value = "svg")]
        format: String,
        /// Send the ZPL to this printer (host or host:port; port 9100 by default).
        #[arg(long)]
        printer: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    Show,
    /// Set the warehouse this device works in.
    Warehouse {
        code: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    Show,
    /// Replace the location and/or plate patterns (regular expressions; a named group `code`
    /// picks the location code out of a longer label).
    #[command(
        after_help = "Example:\n  aisle config set-patterns --location '^LOC:(?:[A-Z0-9]+:)?(?<code>[A-Z0-9-]+)$' --plate '^LP[0-9]{8}$'"
    )]
    SetPatterns {
        #[arg(long)]
        location: Vec<String>,
        #[arg(long)]
        plate: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportKind {
    Warehouses,
    Locations,
    Items,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warehouses => "warehouses",
            Self::Locations => "locations",
            Self::Items => "items",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Stock of an item (barcode or SKU) in every location and warehouse.
    Item { item: String },
    /// Everything at a location (label or code).
    Location { location: String },
    /// Stock of a lot.
    Lot {
        lot: String,
        #[arg(long)]
        item: Option<String>,
    },
    /// What a license plate holds.
    Plate { plate: String },
}

#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// Show what a scan decodes to (no lookup).
    Parse { data: String },
    /// Show what a scan is on this device: item, location or plate, with details.
    Lookup { data: String },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%y%m%d"))
        .map_err(|_| format!("{s:?} is not a date (use YYYY-MM-DD)"))
}

fn parse_pack(s: &str) -> Result<PackKind, String> {
    s.parse()
}

/// The item part shared by receive and pick.
#[derive(Debug, Args)]
pub struct ItemArgs {
    /// The item scan (GTIN, GS1 label, Digital Link or internal code).
    #[arg(long)]
    pub item: String,
    /// How many of the scanned pack (default: the label's count, else 1).
    #[arg(long)]
    pub qty: Option<i64>,
    /// Count in this pack level instead of the scanned one (each, inner, case, pallet).
    #[arg(long, value_parser = parse_pack)]
    pub pack: Option<PackKind>,
    #[arg(long)]
    pub lot: Option<String>,
    #[arg(long, value_parser = parse_date)]
    pub expiry: Option<NaiveDate>,
    /// Serial numbers, one per unit (repeat the flag).
    #[arg(long)]
    pub serial: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// The location scan (dock or bin).
    #[arg(long)]
    pub at: String,
    #[command(flatten)]
    pub item: ItemArgs,
    /// License plate: an SSCC or plate label; a new one is created.
    #[arg(long)]
    pub plate: Option<String>,
    /// The receipt line received against: `PO-1001/1` (see `aisle receipts`) or its id.
    #[arg(long)]
    pub receipt_line: Option<String>,
}

impl ReceiveArgs {
    pub fn request(self, receipt_line: Option<ReceiptLineId>) -> ReceiveRequest {
        ReceiveRequest {
            location: self.at,
            item: self.item.item,
            qty: self.item.qty,
            pack: self.item.pack,
            lot: self.item.lot,
            expiry: self.item.expiry,
            serials: self.item.serial,
            plate: self.plate,
            receipt_line,
        }
    }
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// An item or license-plate scan.
    #[arg(long)]
    pub what: String,
    /// Where the stock is now (needed for items).
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub qty: Option<i64>,
    #[arg(long, value_parser = parse_pack)]
    pub pack: Option<PackKind>,
    #[arg(long)]
    pub lot: Option<String>,
    #[arg(long, value_parser = parse_date)]
    pub expiry: Option<NaiveDate>,
    #[arg(long)]
    pub serial: Vec<String>,
    /// The server task this move carries out (see `aisle tasks`); the move must match it.
    #[arg(long)]
    pub task: Option<TaskId>,
}

impl MoveArgs {
    pub fn request(self, putaway: bool) -> MoveRequest {
        MoveRequest {
            what: self.what,
            from: self.from,
            to: self.to,
            qty: self.qty,
            pack: self.pack,
            lot: self.lot,
            expiry: self.expiry,
            serials: self.serial,
            putaway,
            task: self.task,
        }
    }
}

#[derive(Debug, Args)]
pub struct PickArgs {
    #[arg(long)]
    pub at: String,
    #[command(flatten)]
    pub item: ItemArgs,
    /// Quantity the order line asked for.
    #[arg(long)]
    pub requested: Option<i64>,
    /// Why less than requested was picked.
    #[arg(long)]
    pub short_reason: Option<String>,
    /// The order line picked for: `SO-1001/2` (see `aisle picks`) or its id.
    #[arg(long)]
    pub order_line: Option<String>,
}

impl PickArgs {
    pub fn request(self, order_line: Option<OrderLineId>) -> PickRequest {
        PickRequest {
            location: self.at,
            item: self.item.item,
            qty: self.item.qty,
            pack: self.item.pack,
            lot: self.item.lot,
            expiry: self.item.expiry,
            requested: self.requested,
            short_reason: self.short_reason,
            order_line,
            serials: self.item.serial,
        }
    }
}

#[derive(Debug, Args)]
pub struct CountArgs {
    #[arg(long)]
    pub at: String,
    #[arg(long)]
    pub item: String,
    /// Quantity counted, in the scanned (or --pack) level.
    #[arg(long)]
    pub counted: i64,
    #[arg(long, value_parser = parse_pack)]
    pub pack: Option<PackKind>,
    #[arg(long)]
    pub lot: Option<String>,
    #[arg(long, value_parser = parse_date)]
    pub expiry: Option<NaiveDate>,
    /// The counter was not shown the expected quantity.
    #[arg(long)]
    pub blind: bool,
    /// The server task this count carries out (see `aisle tasks`); the count must match it.
    #[arg(long)]
    pub task: Option<TaskId>,
}

impl CountArgs {
    pub fn request(self) -> CountRequest {
        CountRequest {
            location: self.at,
            item: self.item,
            counted: self.counted,
            pack: self.pack,
            lot: self.lot,
            expiry: self.expiry,
            blind: self.blind,
            task: self.task,
        }
    }
}

#[derive(Debug, Args)]
pub struct AdjustArgs {
    #[arg(long)]
    pub at: String,
    #[arg(long)]
    pub item: String,
    /// Signed quantity (write negative values as --qty=-2).
    #[arg(long, allow_hyphen_values = true)]
    pub qty: i64,
    #[arg(long, value_parser = parse_pack)]
    pub pack: Option<PackKind>,
    #[arg(long)]
    pub lot: Option<String>,
    #[arg(long, value_parser = parse_date)]
    pub expiry: Option<NaiveDate>,
    /// Reason code (damaged, lost, found, expired, correction...).
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub note: Option<String>,
}

impl AdjustArgs {
    pub fn request(self) -> AdjustRequest {
        AdjustRequest {
            location: self.at,
            item: self.item,
            qty: self.qty,
            pack: self.pack,
            lot: self.lot,
            expiry: self.expiry,
            reason: self.reason,
            note: self.note,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReturnArgs {
    /// The order the goods were shipped on.
    #[arg(long)]
    pub order: String,
    #[arg(long)]
    pub item: String,
    /// Where the goods go: storage or a pick face (restock), a quarantine location, or the dock
    /// they were received at (scrap).
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub qty: Option<i64>,
    #[arg(long, value_parser = parse_pack)]
    pub pack: Option<PackKind>,
    #[arg(long)]
    pub lot: Option<String>,
    #[arg(long, value_parser = parse_date)]
    pub expiry: Option<NaiveDate>,
    #[arg(long)]
    pub serial: Vec<String>,
    /// restock, quarantine or scrap.
    #[arg(long)]
    pub disposition: String,
    #[arg(long)]
    pub reason: Option<String>,
}

impl ReturnArgs {
    pub fn request(self) -> ReturnRequest {
        ReturnRequest {
            order: self.order,
            location: self.to,
            item: self.item,
            qty: self.qty,
            pack: self.pack,
            lot: self.lot,
            expiry: self.expiry,
            serials: self.serial,
            disposition: self.disposition,
            reason: self.reason,
        }
    }
}
