//! The tablet app's shell. Commands only translate between the UI and `aisle-device`: they
//! parse nothing, decide nothing and hold no business rules; errors reach the UI as
//! `{kind, message}` so it can branch on the kind and show the message.

#![forbid(unsafe_code)]

pub mod background;
pub mod camera;
pub mod commands;
pub mod error;

use aisle_device::Store;
use aisle_device::packing::{CartonView, CloseRequest, PackRequest, ShipRequest};
use aisle_device::record::Recorded;
use aisle_device::sync::SyncOptions;
use aisle_device::tasks::{
    CountSheet, ExceptionView, ExpectedLine, PickList, PutawaySuggestion, TaskView,
};
use aisle_device::work::{
    AdjustRequest, CountRequest, MoveRequest, PickRequest, ReceiveRequest, ReturnRequest,
};
use commands::{AppState, Enrolment, LabelRequest, Lookup, Operator, Status};
use error::CommandError;
use std::path::PathBuf;
use std::time::Duration;
use tauri::{Manager, State};

type Reply<T> = Result<T, CommandError>;

#[tauri::command]
fn get_status(state: State<'_, AppState>) -> Reply<Status> {
    commands::status(&state)
}

#[tauri::command]
fn operator_sign_in(state: State<'_, AppState>, badge: String, pin: String) -> Reply<Operator> {
    commands::sign_in(&state, &badge, &pin)
}

#[tauri::command]
fn operator_sign_out(state: State<'_, AppState>) -> Reply<()> {
    commands::sign_out(&state)
}

#[tauri::command]
fn scan_lookup(state: State<'_, AppState>, raw: String) -> Reply<Lookup> {
    commands::lookup(&state, &raw)
}

#[tauri::command]
fn receiving_work(state: State<'_, AppState>) -> Reply<Vec<ExpectedLine>> {
    commands::receiving_work(&state)
}

#[tauri::command]
fn receive(state: State<'_, AppState>, req: ReceiveRequest) -> Reply<Recorded> {
    commands::receive(&state, &req)
}

#[tauri::command]
fn putaway_suggestion(state: State<'_, AppState>, raw: String) -> Reply<PutawaySuggestion> {
    commands::putaway_suggestion(&state, &raw)
}

#[tauri::command]
fn move_stock(state: State<'_, AppState>, req: MoveRequest) -> Reply<Recorded> {
    commands::move_stock(&state, &req)
}

#[tauri::command]
fn pick_list(state: State<'_, AppState>) -> Reply<PickList> {
    commands::pick_list(&state)
}

#[tauri::command]
fn task_list(state: State<'_, AppState>) -> Reply<Vec<TaskView>> {
    commands::task_list(&state)
}

#[tauri::command]
fn pick(state: State<'_, AppState>, req: PickRequest) -> Reply<Recorded> {
    commands::pick(&state, &req)
}

#[tauri::command]
fn count_sheet(state: State<'_, AppState>, raw: String, blind: bool) -> Reply<CountSheet> {
    commands::count_sheet(&state, &raw, blind)
}

#[tauri::command]
fn count(state: State<'_, AppState>, req: CountRequest) -> Reply<Recorded> {
    commands::count(&state, &req)
}

#[tauri::command]
fn return_goods(state: State<'_, AppState>, req: ReturnRequest) -> Reply<Recorded> {
    commands::return_goods(&state, &req)
}

#[tauri::command]
fn new_carton(state: State<'_, AppState>) -> Reply<String> {
    commands::new_carton(&state)
}

#[tauri::command]
fn carton(state: State<'_, AppState>, raw: String) -> Reply<Option<CartonView>> {
    commands::carton(&state, &raw)
}

#[tauri::command]
fn open_cartons(state: State<'_, AppState>, order: Option<String>) -> Reply<Vec<CartonView>> {
    commands::open_cartons(&state, order.as_deref())
}

#[tauri::command]
fn pack(state: State<'_, AppState>, req: PackRequest) -> Reply<Recorded> {
    commands::pack(&state, &req)
}

#[tauri::command]
fn close_carton(state: State<'_, AppState>, req: CloseRequest) -> Reply<Recorded> {
    commands::close_carton(&state, &req)
}

#[tauri::command]
fn ship(state: State<'_, AppState>, req: ShipRequest) -> Reply<Recorded> {
    commands::ship(&state, &req)
}

#[tauri::command]
fn label_printer(state: State<'_, AppState>) -> Reply<Option<String>> {
    commands::label_printer(&state)
}

#[tauri::command]
fn set_label_printer(state: State<'_, AppState>, printer: String) -> Reply<Option<String>> {
    commands::set_label_printer(&state, &printer)
}

#[tauri::command]
fn print_carton(state: State<'_, AppState>, raw: String) -> Reply<String> {
    commands::print_carton(&state, &raw)
}

#[tauri::command]
fn adjust(state: State<'_, AppState>, req: AdjustRequest) -> Reply<Recorded> {
    commands::adjust(&state, &req)
}

#[tauri::command]
fn exceptions(state: State<'_, AppState>, open_only: bool) -> Reply<Vec<ExceptionView>> {
    commands::exceptions(&state, open_only)
}

#[tauri::command]
fn sync_now(state: State<'_, AppState>) -> Reply<()> {
    state.sync.request();
    Ok(())
}

#[tauri::command]
fn enroll(state: State<'_, AppState>, enrolment: Enrolment) -> Reply<Status> {
    commands::enroll(&state, &enrolment)
}

#[tauri::command]
fn label(state: State<'_, AppState>, req: LabelRequest) -> Reply<String> {
    commands::label(&state, &req)
}

/// Where the store lives: `AISLE_DB` when set (tests, kiosks), else the app's data directory.
fn store_path(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(p) = std::env::var_os("AISLE_DB") {
        return Ok(PathBuf::from(p));
    }
    let dir = app.path().app_data_dir()?;
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join("aisle-device.db"))
}

/// Seconds between background syncs: `AISLE_SYNC_INTERVAL` (seconds), else 30.
fn sync_interval() -> Result<Duration, String> {
    match std::env::var("AISLE_SYNC_INTERVAL") {
        Err(_) => Ok(Duration::from_secs(30)),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Duration::from_secs(n)),
            _ => Err(format!(
                "AISLE_SYNC_INTERVAL={v:?} is not a whole number of seconds of at least 1"
            )),
        },
    }
}

/// Work a tablet holds at once: whole orders to pick and tasks (top-ups, counts). Every sync
/// renews what it holds and tops it up to this, so two tablets never get the same work.
const CLAIM: aisle_proto::ClaimRequest = aisle_proto::ClaimRequest {
    orders: 3,
    tasks: 5,
};

/// A background attempt gives up quickly: the next one is never far away.
fn background_options() -> SyncOptions {
    SyncOptions {
        attempts: 1,
        timeout: Duration::from_secs(15),
        claim: Some(CLAIM),
        ..SyncOptions::default()
    }
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let path = store_path(app)?;
            // Never write into a damaged file: say so and leave it for `aisle recover`.
            if path.exists() {
                let problems = aisle_device::recover::check(&path)?;
                if !problems.is_empty() {
                    return Err(format!(
                        "the device database {} is damaged ({}); nothing was written to it. Recover its work with `aisle --db {} recover --into NEW.db`",
                        path.display(),
                        problems.join("; "),
                        path.display()
                    )
                    .into());
                }
            }
            let interval = sync_interval()?;
            let state = AppState::new(Store::open(&path)?);
            state.sync.spawn(path, interval, background_options());
            app.manage(state);
            if let Some(window) = app.get_webview_window("main") {
                camera::allow_camera(&window)?;
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            get_status,
            operator_sign_in,
            operator_sign_out,
            scan_lookup,
            receiving_work,
            receive,
            putaway_suggestion,
            move_stock,
            pick_list,
            task_list,
            pick,
            count_sheet,
            count,
            adjust,
            return_goods,
            new_carton,
            carton,
            open_cartons,
            pack,
            close_carton,
            ship,
            label_printer,
            set_label_printer,
            print_carton,
            exceptions,
            sync_now,
            enroll,
            label
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: the app could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests;
