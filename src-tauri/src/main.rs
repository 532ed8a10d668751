//! The desktop entry point; everything is in the library so mobile targets share it.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    aisle_app_lib::run();
}
