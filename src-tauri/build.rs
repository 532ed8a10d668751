//! Tauri's build step: reads tauri.conf.json and the capability files. Listing the app's
//! commands here makes Tauri generate an `allow-<command>` permission for each, so the capability
//! file grants exactly these and nothing else (no command is allowed by default).
fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "get_status",
        "operator_sign_in",
        "operator_sign_out",
        "scan_lookup",
        "receiving_work",
        "receive",
        "putaway_suggestion",
        "move_stock",
        "pick_list",
        "task_list",
        "pick",
        "count_sheet",
        "count",
        "adjust",
        "return_goods",
        "new_carton",
        "carton",
        "open_cartons",
        "pack",
        "close_carton",
        "ship",
        "label_printer",
        "set_label_printer",
        "print_carton",
        "exceptions",
        "sync_now",
        "enroll",
        "label",
    ]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}
