//! `aisle`: a headless Aisle device on a local SQLite file. A thin front end over `aisle-device`:
//! it parses arguments, calls the store and prints the result for people or, with `--json`, for
//! scripts.

#![forbid(unsafe_code)]

mod cli;
mod output;

use aisle_device::packing::{CloseRequest, ShipRequest};
use aisle_device::sync::SyncOptions;
use aisle_device::{DeviceError, OpContext, Resolved, Store};
use clap::Parser;
use cli::{
    CartonCommand, Cli, Command, ConfigCommand, DeviceCommand, ImportKind, LabelCommand,
    ScanCommand, StockCommand,
};
use output::Out;
use std::fs::File;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(1)
        }
    }
}

/// An error for the user: a device error, or trouble with a file they named.
#[derive(Debug)]
pub enum CliError {
    Device(DeviceError),
    File { path: String, reason: String },
    Usage(String),
}

impl From<DeviceError> for CliError {
    fn from(e: DeviceError) -> Self {
        Self::Device(e)
    }
}

fn operator(cli_operator: &Option<String>) -> Result<OpContext, CliError> {
    match cli_operator.as_deref().map(str::trim) {
        Some(op) if !op.is_empty() => Ok(OpContext::new(op)),
        _ => Err(CliError::Usage(
            "no operator: pass --operator BADGE or set AISLE_OPERATOR (every operation records who did it)".into(),
        )),
    }
}

fn open_file(path: &str) -> Result<File, CliError> {
    File::open(path).map_err(|e| CliError::File {
        path: path.to_string(),
        reason: e.to_string(),
    })
}

/// Finds an item by scan, or by SKU when the text is not a barcode.
fn run(cli: Cli, out: &Out) -> Result<(), CliError> {
    // Checking and recovering read the file as it is: opening it as a store would write to it.
    match &cli.command {
        Command::Check => {
            let problems = aisle_device::recover::check(std::path::Path::new(&cli.db))?;
            out.checked(&cli.db, &problems)?;
            return if problems.is_empty() {
                Ok(())
            } else {
                Err(CliError::Device(DeviceError::Damaged(format!(
                    "{} problem(s) found",
                    problems.len()
                ))))
            };
        }
        Command::Recover { into } => {
            let r = aisle_device::recover::recover(
                std::path::Path::new(&cli.db),
                std::path::Path::new(into),
            )?;
            return out.recovered(into, &r);
        }
        _ => {}
    }
    let mut store = Store::open(&cli.db)?;
    let ctx = || operator(&cli.operator);
    match cli.command {
        Command::Init { name, warehouse } => {
            out.device(&store.init_device(&name, warehouse.as_deref())?)
        }
        Command::Device { command } => match command {
            DeviceCommand::Show => out.device(&store.device()?),
            DeviceCommand::Warehouse { code } => out.device(&store.set_device_warehouse(&code)?),
        },
        Command::Config { command } => match command {
            ConfigCommand::Show => out.patterns(&store.scan_patterns()?),
            ConfigCommand::SetPatterns { location, plate } => {
                let mut p = store.scan_patterns()?;
                if !location.is_empty() {
                    p.location = location;
                }
                if !plate.is_empty() {
                    p.plate = plate;
                }
                store.set_scan_patterns(&p)?;
                out.patterns(&p)
            }
        },
        Command::Import { kind, file } => {
            let f = open_file(&file)?;
            let summary = match kind {
                ImportKind::Warehouses => store.import_warehouses(f)?,
                ImportKind::Locations => store.import_locations(f)?,
                ImportKind::Items => store.import_items(f)?,
            };
            out.import(kind.as_str(), &summary)
        }
        Command::Demo { items, seed, name } => out.demo(&store.load_demo(seed, items, &name)?),
        Command::Receive(a) => {
            let line = a
                .receipt_line
                .as_deref()
                .map(|r| store.receipt_line_ref(r))
                .transpose()?;
            let r = store.receive(&a.request(line), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Putaway(a) => {
            let r = store.move_stock(&a.request(true), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Move(a) => {
            let r = store.move_stock(&a.request(false), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Pick(a) => {
            let line = a
                .order_line
                .as_deref()
                .map(|r| store.order_line_ref(r))
                .transpose()?;
            let r = store.pick(&a.request(line), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Count(a) => {
            let r = store.count(&a.request(), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Adjust(a) => {
            let r = store.adjust(&a.request(), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Return(a) => {
            let r = store.return_goods(&a.request(), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Carton { command } => match command {
            CartonCommand::New => out.new_carton(&store.new_carton()?),
            CartonCommand::Show { carton } => match store.carton(&carton)? {
                Some(c) => out.cartons(&[c]),
                None => Err(DeviceError::NotFound {
                    what: "carton on this device",
                    key: carton,
                }
                .into()),
            },
            CartonCommand::List { order } => out.cartons(&store.open_cartons(order.as_deref())?),
        },
        Command::Pack(a) => {
            let r = store.pack(&a.request(), &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::CloseCarton { carton, weight_g } => {
            let r = store.close_carton(&CloseRequest { carton, weight_g }, &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Ship {
            carrier,
            reference,
            cartons,
        } => {
            let req = ShipRequest {
                carrier,
                reference,
                cartons,
            };
            let r = store.ship(&req, &ctx()?)?;
            out.recorded(&store, &r)
        }
        Command::Stock { command } => {
            let mut others = Vec::new();
            let mut in_transit = Vec::new();
            let (title, lines) = match command {
                StockCommand::Item { item } => {
                    let id = store.find_item(&item)?;
                    others = store.other_warehouse_stock(id)?;
                    in_transit = store.in_transit_stock(id)?;
                    (
                        format!("stock of {}", store.item(id)?.sku),
                        store.stock_of_item(id)?,
                    )
                }
                StockCommand::Location { location } => {
                    let wh = store.device_opt()?.and_then(|d| d.warehouse_id);
                    let loc = match store.resolve(&location)?.resolved {
                        Resolved::Location(l) => l,
                        _ => store.location_by_label(&location, wh)?.ok_or(
                            DeviceError::NotFound {
                                what: "location",
                                key: location.clone(),
                            },
                        )?,
                    };
                    (format!("stock at {}", loc.code), store.stock_at(loc.id)?)
                }
                StockCommand::Lot { lot, item } => {
                    let id = item.as_deref().map(|i| store.find_item(i)).transpose()?;
                    (format!("stock of lot {lot}"), store.stock_of_lot(&lot, id)?)
                }
                StockCommand::Plate { plate } => {
                    let p = match store.resolve(&plate)?.resolved {
                        Resolved::Plate(p) => p,
                        _ => {
                            return Err(DeviceError::NotFound {
                                what: "license plate",
                                key: plate,
                            }
                            .into());
                        }
                    };
                    (
                        format!("license plate {}", p.code),
                        store.stock_on_plate(p.id)?,
                    )
                }
            };
            out.stock(&title, &lines, &others, &in_transit)
        }
        Command::Log {
            unsynced,
            after,
            limit,
        } => {
            let filter = aisle_device::query::LogFilter {
                unsynced,
                after,
                limit,
            };
            out.log(&store, &store.change_log(filter)?, store.pending_count()?)
        }
        Command::Scan { command } => match command {
            ScanCommand::Parse { data } => out.scan(&store.parse_scan(&data)?),
            ScanCommand::Lookup { data } => out.lookup(&store, &store.resolve(&data)?),
        },
        Command::Audit => out.audit(&store.audit_stock()?),
        Command::Enroll {
            server,
            code,
            qr,
            ca_cert,
            allow_plain_http,
        } => {
            let (server, code, qr_ca) = match (qr, server, code) {
                (Some(payload), _, _) => {
                    let p = aisle_proto::EnrolmentPayload::parse(&payload)
                        .map_err(|e| CliError::Usage(e.text))?;
                    (p.server, p.code, p.ca_pem)
                }
                (None, Some(server), Some(code)) => (server, code, None),
                _ => return Err(CliError::Usage("give --server and --code, or --qr".into())),
            };
            let ca_pem = match &ca_cert {
                Some(path) => Some(std::fs::read_to_string(path).map_err(|e| CliError::File {
                    path: path.clone(),
                    reason: e.to_string(),
                })?),
                None => qr_ca,
            };
            let transport = aisle_device::sync::Transport {
                ca_pem,
                allow_plain_http,
            };
            let resp = store.enroll_with(&server, &code, SyncOptions::default(), &transport)?;
            out.enrolled(&resp)
        }
        Command::Sync {
            attempts,
            pull_limit,
            status,
            orders,
            tasks,
        } => {
            if status {
                return out.sync_state(&store.sync_state()?, store.pending_count()?);
            }
            let claim = (orders.is_some() || tasks.is_some()).then(|| aisle_proto::ClaimRequest {
                orders: orders.unwrap_or(0),
                tasks: tasks.unwrap_or(0),
            });
            let options = SyncOptions {
                attempts,
                pull_limit,
                claim,
                ..SyncOptions::default()
            };
            // Progress is for a person watching: on a terminal only, so that a script or a
            // log that captures both streams gets the result alone.
            use std::io::IsTerminal;
            let watched = !out.json && std::io::stderr().is_terminal();
            let report = store.sync(options, &mut |p| {
                if watched {
                    eprintln!(
                        "{}: {}{}",
                        format!("{:?}", p.phase).to_lowercase(),
                        p.done,
                        p.total.map(|t| format!(" of {t}")).unwrap_or_default()
                    );
                }
            })?;
            out.synced(&report)
        }
        Command::SignIn { badge, pin } => out.signed_in(&store.sign_in(&badge, &pin)?),
        Command::Label { what, out: path } => {
            let svg = match what {
                LabelCommand::Plate { plate } => store.plate_label(&plate)?,
                LabelCommand::Item { item, lot, expiry } => {
                    store.item_label(&item, lot.as_deref(), expiry)?
                }
                LabelCommand::Carton {
                    carton,
                    format,
                    printer,
                } => return carton_label(&store, out, &carton, &format, printer, path),
            };
            out.label(&svg, path.as_deref())
        }
        Command::Exceptions { all } => out.exceptions(&store.exceptions(!all)?),
        Command::Tasks => out.tasks(&store.task_list()?),
        Command::Picks => out.picks(&store, &store.pick_list()?),
        Command::Receipts => out.receipts(&store, &store.receipt_lines()?),
        Command::Check | Command::Recover { .. } => Ok(()),
    }
}

/// A carton's label as SVG, ZPL or PDF (to a file), or its ZPL sent to a network printer.
fn carton_label(
    store: &Store,
    out: &Out,
    carton: &str,
    format: &str,
    printer: Option<String>,
    path: Option<String>,
) -> Result<(), CliError> {
    let label = store.carton_label(carton)?;
    let drawn = |e| CliError::Device(aisle_device::labels::label_error(e));
    if let Some(p) = printer {
        let zpl = label.zpl().map_err(drawn)?;
        aisle_labels::printer::send(&p, zpl.as_bytes(), std::time::Duration::from_secs(5))
            .map_err(|e| {
                CliError::Device(DeviceError::Invalid(aisle_domain::Said::untranslated(
                    e.to_string(),
                )))
            })?;
        return out.printed(&label.sscc, &p);
    }
    match format.to_ascii_lowercase().as_str() {
        "svg" => out.label(&label.svg().map_err(drawn)?, path.as_deref()),
        "zpl" => out.label(&label.zpl().map_err(drawn)?, path.as_deref()),
        "pdf" => {
            let Some(p) = path else {
                return Err(CliError::Usage("a PDF label needs --out FILE".into()));
            };
            let pdf = label.pdf().map_err(drawn)?;
            std::fs::write(&p, &pdf).map_err(|e| CliError::File {
                path: p.clone(),
                reason: e.to_string(),
            })?;
            out.written(&p, pdf.len())
        }
        other => Err(CliError::Usage(format!(
            "label format {other:?}: svg, zpl or pdf"
        ))),
    }
}
