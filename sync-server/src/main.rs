//! `aisle-server`: serve the sync API, and the administration commands warehouse IT runs on the
//! server (imports, exports, device enrolment, operators).

#![forbid(unsafe_code)]

mod args;
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
use args::*;
use clap::Parser;
use std::net::SocketAddr;
use std::sync::Arc;

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
            enrolment_ca_cert,
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
            let enrolment_ca = enrolment_ca_cert
                .or(file.enrolment_ca_cert.clone())
                .map(|p| read_ca(&p))
                .transpose()?;
            serve(Arc::new(storage), listen, tls, outbound, enrolment_ca)
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
                    .or(file.enrolment_ca_cert.clone())
                    .map(|p| read_ca(&p))
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
                    match &o.disabled_at {
                        Some(at) => say!(
                            "{:<12} {:<11} {} (disabled since {at})",
                            o.badge,
                            o.role,
                            o.name
                        ),
                        None => say!("{:<12} {:<11} {}", o.badge, o.role, o.name),
                    }
                }
            }
            Ok(())
        }
        Command::Operator {
            command: OperatorCommand::Disable { badge },
        } => {
            storage.set_operator_disabled(&badge, true)?;
            say!("{badge} disabled: tablets refuse it after their next sync");
            Ok(())
        }
        Command::Operator {
            command: OperatorCommand::Enable { badge },
        } => {
            storage.set_operator_disabled(&badge, false)?;
            say!("{badge} enabled again: tablets take it at their next sync");
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

/// A CA certificate for enrolment QR codes: a PEM certificate, or a clear error naming the file.
fn read_ca(path: &std::path::Path) -> anyhow::Result<String> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the CA certificate {}", path.display()))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        bail!(
            "{} is not a PEM certificate (-----BEGIN CERTIFICATE-----); tablets could not use it",
            path.display()
        );
    }
    Ok(pem)
}

fn serve(
    storage: Arc<dyn Storage>,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    outbound: aisle_server::api::shipping::Outbound,
    enrolment_ca: Option<String>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut state = AppState::new(storage.clone());
        state.outbound = Arc::new(outbound);
        state.enrolment_ca = enrolment_ca.map(Arc::from);
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
