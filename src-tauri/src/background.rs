//! Background sync. A thread with its own connection to the device store syncs whenever the
//! interval passes or someone asks ("Sync now"), so scanning never waits for the network; the
//! outcome (online or not, progress, last result) is kept for the status bar.

use aisle_device::sync::{Progress, SyncOptions, SyncReport};
use aisle_device::{DeviceError, Store};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What the UI shows about sync.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncView {
    /// `None` until the first attempt; `Some(false)` when the server could not be reached.
    pub online: Option<bool>,
    pub running: bool,
    pub progress: Option<Progress>,
    pub last_report: Option<SyncReport>,
    /// `{kind, message}` of the last failed attempt, cleared by a successful one.
    pub last_error: Option<ErrorView>,
    pub last_attempt_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorView {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Default)]
struct Shared {
    view: SyncView,
    wanted: bool,
    stop: bool,
}

/// The handle the commands use; the thread holds the other end.
#[derive(Debug, Clone, Default)]
pub struct SyncLoop {
    shared: Arc<(Mutex<Shared>, Condvar)>,
}

impl SyncLoop {
    pub fn view(&self) -> SyncView {
        self.shared
            .0
            .lock()
            .map(|s| s.view.clone())
            .unwrap_or_default()
    }

    /// Asks for a sync as soon as the thread is free.
    pub fn request(&self) {
        if let Ok(mut s) = self.shared.0.lock() {
            s.wanted = true;
            self.shared.1.notify_all();
        }
    }

    pub fn stop(&self) {
        if let Ok(mut s) = self.shared.0.lock() {
            s.stop = true;
            self.shared.1.notify_all();
        }
    }

    fn update(&self, f: impl FnOnce(&mut SyncView)) {
        if let Ok(mut s) = self.shared.0.lock() {
            f(&mut s.view);
        }
    }

    /// Waits for a request or the interval; `false` when asked to stop.
    fn wait(&self, interval: Duration) -> bool {
        let Ok(guard) = self.shared.0.lock() else {
            return false;
        };
        let Ok((mut s, _)) = self
            .shared
            .1
            .wait_timeout_while(guard, interval, |s| !s.wanted && !s.stop)
        else {
            return false;
        };
        s.wanted = false;
        !s.stop
    }

    /// One sync attempt on `store`, recorded in the view. Returns `false` when the store is not
    /// enrolled yet (nothing to do; the caller reopens it later, since enrolment happens on the
    /// app's other connection).
    pub fn attempt(&self, store: &mut Store, options: SyncOptions) -> bool {
        match store.sync_state() {
            Ok(state) if state.server_url.is_none() => return false,
            Ok(_) => {}
            Err(e) => {
                self.update(|v| v.last_error = Some(error_view(&e)));
                return true;
            }
        }
        self.update(|v| {
            v.running = true;
            v.progress = None;
        });
        let result = store.sync(options, &mut |p| self.update(|v| v.progress = Some(p)));
        let now = chrono::Utc::now().to_rfc3339();
        self.update(|v| {
            v.running = false;
            v.progress = None;
            v.last_attempt_at = Some(now);
            match result {
                Ok(report) => {
                    v.online = Some(true);
                    v.last_report = Some(report);
                    v.last_error = None;
                }
                Err(e) => {
                    // A refusal comes from a server that answered; a local failure says
                    // nothing about the network.
                    match e {
                        DeviceError::Network(_) => v.online = Some(false),
                        DeviceError::Sync { .. } | DeviceError::SequenceGap { .. } => {
                            v.online = Some(true);
                        }
                        _ => {}
                    }
                    v.last_error = Some(error_view(&e));
                }
            }
        });
        true
    }

    /// Starts the thread: syncs at once, then every `interval` or on request.
    pub fn spawn(&self, path: PathBuf, interval: Duration, options: SyncOptions) {
        let this = self.clone();
        std::thread::spawn(move || {
            let mut store = None;
            loop {
                if store.is_none() {
                    match Store::open(&path) {
                        Ok(s) => store = Some(s),
                        Err(e) => this.update(|v| v.last_error = Some(error_view(&e))),
                    }
                }
                if let Some(s) = store.as_mut()
                    && !this.attempt(s, options)
                {
                    store = None;
                }
                if !this.wait(interval) {
                    break;
                }
            }
        });
    }
}

fn error_view(e: &DeviceError) -> ErrorView {
    ErrorView {
        kind: e.kind().to_string(),
        message: e.to_string(),
    }
}
