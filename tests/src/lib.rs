//! Helpers for the end-to-end tests: a real `aisle-server` process on a loopback port (killed
//! and cleaned up on drop), devices as real SQLite stores syncing over HTTP, `aisle` CLI
//! processes, and a TCP proxy that can lose a response after the server has committed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod app;
pub mod chaos;

use aisle_device::query::StockLine;
use aisle_device::sync::{SyncOptions, SyncReport};
use aisle_device::{OpContext, Store};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Where the browser and app tests put their screenshots: `target/screenshots`, or the folder in
/// `AISLE_SCREENSHOTS` (`scripts/screenshots.sh` sets it to `docs/screenshots` to refresh the
/// README's pictures). Tests never write to tracked files on their own.
pub fn screenshots_dir() -> PathBuf {
    std::env::var_os("AISLE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"))
}

/// A workspace binary, built by `cargo build --workspace --bins` (scripts/test.sh does it).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` before these tests",
        path.display()
    );
    path
}

/// A running sync server.
#[derive(Debug)]
pub struct Server {
    pub db: PathBuf,
    pub addr: SocketAddr,
    pub url: String,
    child: Option<Child>,
}

/// The database a test's server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file in the test's directory.
    Sqlite,
    /// A fresh database on a throwaway PostgreSQL (crates/aisle-testdb).
    Postgres,
}

/// Runs a test body `fn name(backend: Backend)` once on each backend, as the tests
/// `name::sqlite` and `name::postgres`: one body, two databases.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::Backend::Sqlite)
            }

            #[test]
            fn postgres() {
                super::$name($crate::Backend::Postgres)
            }
        }
    };
}

impl Server {
    /// A new server database in `dir` with the demo company (`items` items), served on a free port.
    pub fn with_demo(dir: &Path, items: usize) -> Self {
        Self::with_demo_on(Backend::Sqlite, dir, items)
    }

    /// The same on `backend`: `db` is then the file's path or the database's URL, which every
    /// `aisle-server --db` takes alike.
    pub fn with_demo_on(backend: Backend, dir: &Path, items: usize) -> Self {
        let db = match backend {
            Backend::Sqlite => dir.join("server.db"),
            Backend::Postgres => PathBuf::from(aisle_testdb::fresh_database()),
        };
        Self::with_demo_at(db, items)
    }

    /// The demo company loaded into `db` (a file or a URL), then served on a free port.
    pub fn with_demo_at(db: PathBuf, items: usize) -> Self {
        let ok = Command::new(bin("aisle-server"))
            .arg("--db")
            .arg(&db)
            .args(["demo", "--items", &items.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        Self::serve(db, "127.0.0.1:0".parse().unwrap())
    }

    fn serve(db: PathBuf, listen: SocketAddr) -> Self {
        Self::serve_with(db, listen, &[])
    }

    /// Serves `db` on a free loopback port with extra `serve` arguments (e.g. TLS files); the
    /// URL is `https://` when the server says so.
    pub fn start(db: PathBuf, extra: &[&str]) -> Self {
        Self::serve_with(db, "127.0.0.1:0".parse().unwrap(), extra)
    }

    fn serve_with(db: PathBuf, listen: SocketAddr, extra: &[&str]) -> Self {
        let mut child = Command::new(bin("aisle-server"))
            .args([
                "--db",
                db.to_str().unwrap(),
                "serve",
                "--listen",
                &listen.to_string(),
            ])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("server said {line:?}"))
            .to_string();
        let addr: SocketAddr = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .parse()
            .unwrap();
        Self {
            db,
            addr,
            url,
            child: Some(child),
        }
    }

    /// The server process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no shutdown, no flush beyond what was committed.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the same database again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        for _ in 0..50 {
            if TcpListener::bind(self.addr).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let again = Self::serve(self.db.clone(), self.addr);
        self.child = Some(again.child_take());
    }

    fn child_take(mut self) -> Child {
        self.child.take().unwrap()
    }

    /// Runs an `aisle-server` administration command on this database.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(bin("aisle-server"))
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "aisle-server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Adds an operator (or changes their role) with PIN 0000.
    pub fn set_operator(&self, badge: &str, supervisor: bool) {
        let mut args = vec![
            "operator", "add", "--badge", badge, "--name", badge, "--pin", "0000",
        ];
        if supervisor {
            args.extend(["--role", "supervisor"]);
        }
        self.admin(&args);
    }

    /// A one-time enrolment code.
    pub fn enrolment_code(&self, warehouse: &str, name: &str) -> String {
        let out = self.admin(&["device", "enroll", "--warehouse", warehouse, "--name", name]);
        out.lines()
            .find_map(|l| l.strip_prefix("enrolment code: "))
            .unwrap()
            .to_string()
    }

    /// The QR payload of a new enrolment, as a tablet's camera would read it.
    pub fn enrolment_qr(&self, warehouse: &str, name: &str) -> String {
        let out = self.admin(&[
            "device",
            "enroll",
            "--warehouse",
            warehouse,
            "--name",
            name,
            "--server-url",
            &self.url,
        ]);
        out.lines()
            .find_map(|l| l.strip_prefix("QR payload: "))
            .unwrap()
            .to_string()
    }

    /// Rows of an export (header dropped).
    pub fn export(&self, kind: &str) -> Vec<csv::StringRecord> {
        let out = self.admin(&["export", kind]);
        csv::Reader::from_reader(out.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    }

    /// The server's stock of one warehouse, keyed like [`device_stock`].
    /// What the stock export holds of `sku` in `warehouse` (at `location` when given).
    pub fn held(&self, warehouse: &str, location: Option<&str>, sku: &str) -> i64 {
        self.export("stock")
            .iter()
            .filter(|r| &r[0] == warehouse && &r[2] == sku)
            .filter(|r| location.is_none_or(|l| &r[1] == l))
            .map(|r| r[6].parse::<i64>().unwrap())
            .sum()
    }

    pub fn stock(&self, warehouse: &str) -> BTreeMap<String, i64> {
        self.export("stock")
            .iter()
            .filter(|r| &r[0] == warehouse)
            .map(|r| {
                (
                    format!("{}|{}|{}|{}|{}", &r[1], &r[2], &r[3], &r[4], &r[5]),
                    r[6].parse().unwrap(),
                )
            })
            .collect()
    }

    /// Op ids in the server's log, in server order, excluding the server's own operations.
    pub fn device_op_ids(&self, devices: &[String]) -> Vec<String> {
        self.export("operations")
            .iter()
            .filter(|r| devices.contains(&r[2].to_string()))
            .map(|r| r[1].to_string())
            .collect()
    }

    /// `(kind, message)` of every exception.
    pub fn exceptions(&self) -> Vec<(String, String)> {
        self.export("exceptions")
            .iter()
            .map(|r| (r[1].to_string(), r[5].to_string()))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A fake label printer on a loopback socket: its address, and what the first connection sent
/// (the thread ends when the sender closes).
pub fn fake_printer() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let got = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    });
    (addr, got)
}

/// A supervisor's HTTP session on the server (the supervisor pages' API).
#[derive(Debug)]
pub struct Supervisor {
    http: reqwest::blocking::Client,
    url: String,
    token: String,
}

impl Supervisor {
    /// Signs in as SUP2 (made a supervisor with PIN 0000 first).
    pub fn sign_in(server: &Server) -> Self {
        server.set_operator("SUP2", true);
        let http = reqwest::blocking::Client::new();
        let session: Value = http
            .post(format!("{}/v1/supervisor/session", server.url))
            .header("aisle-protocol", "1")
            .json(&serde_json::json!({ "badge": "SUP2", "pin": "0000" }))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let token = session["token"]
            .as_str()
            .unwrap_or_else(|| panic!("signing in: {session}"))
            .to_string();
        Self {
            http,
            url: server.url.clone(),
            token,
        }
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .header("aisle-protocol", "1")
            .bearer_auth(&self.token)
            .send()
            .unwrap()
    }

    pub fn json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().unwrap()
    }

    pub fn post(&self, path: &str, body: Value) -> reqwest::blocking::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header("aisle-protocol", "1")
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .unwrap()
    }
}

/// A device: a real store file, enrolled with a server.
#[derive(Debug)]
pub struct Device {
    pub store: Store,
    pub path: PathBuf,
    pub ctx: OpContext,
}

pub fn quick() -> SyncOptions {
    SyncOptions {
        attempts: 3,
        first_backoff: Duration::from_millis(50),
        ..SyncOptions::default()
    }
}

impl Device {
    pub fn enrolled(dir: &Path, server: &Server, name: &str, url: &str) -> Self {
        Self::enrolled_in(dir, server, name, url, "WH1")
    }

    /// A device enrolled in `warehouse`, synced once.
    pub fn enrolled_in(
        dir: &Path,
        server: &Server,
        name: &str,
        url: &str,
        warehouse: &str,
    ) -> Self {
        // Its operator exists on the server, so that its work is admitted (and the device knows
        // the badge from its first snapshot).
        let badge = format!("OP-{name}");
        server.set_operator(&badge, false);
        Self::enrolled_with_code(
            dir,
            name,
            url,
            &server.enrolment_code(warehouse, name),
            &badge,
        )
    }

    /// A device enrolled with `code` (from the pages, say), synced once, working as `badge`.
    pub fn enrolled_with_code(dir: &Path, name: &str, url: &str, code: &str, badge: &str) -> Self {
        let path = dir.join(format!("{name}.db"));
        let mut store = Store::open(&path).unwrap();
        store.init_device(name, None).unwrap();
        store.enroll(url, code, quick()).unwrap();
        store.sync(quick(), &mut |_| {}).unwrap();
        Self {
            store,
            path,
            ctx: OpContext::new(badge),
        }
    }

    /// What this device holds of `sku` at location `code`.
    pub fn held(&self, sku: &str, code: &str) -> i64 {
        let item = self.store.find_item(sku).unwrap();
        self.store
            .stock_of_item(item)
            .unwrap()
            .iter()
            .filter(|l| l.location == code)
            .map(|l| l.qty)
            .sum()
    }

    /// This device's pick tasks for `order`, in walk order.
    pub fn tasks_of(&self, order: &str) -> Vec<aisle_device::tasks::PickTask> {
        self.store
            .pick_list()
            .unwrap()
            .tasks
            .into_iter()
            .filter(|t| t.order == order)
            .collect()
    }

    pub fn id(&self) -> String {
        self.store.device().unwrap().device_id.to_string()
    }

    pub fn sync(&mut self) -> SyncReport {
        self.store.sync(quick(), &mut |_| {}).unwrap()
    }

    /// Receives `n` single units of the demo's first item at the receiving dock: `n` operations.
    pub fn receive_units(&mut self, n: usize) {
        let req = aisle_device::work::ReceiveRequest {
            location: "LOC:WH1:RCV-01".into(),
            item: "5012345000015".into(),
            ..Default::default()
        };
        for _ in 0..n {
            self.store.receive(&req, &self.ctx).unwrap();
        }
    }

    /// Receives one unit onto each of `n` new plates (SSCCs): `n` stock rows.
    pub fn receive_on_plates(&mut self, n: usize) {
        self.receive_on_plates_from(0, n);
    }

    /// Receives one unit onto each of `n` plates, the `first`-th SSCC of the series on.
    pub fn receive_on_plates_from(&mut self, first: u64, n: usize) {
        for i in first..first + n as u64 {
            let req = aisle_device::work::ReceiveRequest {
                location: "LOC:WH1:RCV-01".into(),
                item: "5012345000015".into(),
                plate: Some(chaos::sscc(100_000 + i)),
                qty: Some(1),
                ..Default::default()
            };
            self.store.receive(&req, &self.ctx).unwrap();
        }
    }

    pub fn op_ids(&self) -> Vec<String> {
        self.store
            .change_log(Default::default())
            .unwrap()
            .iter()
            .map(|e| e.op_id.to_string())
            .collect()
    }
}

/// Every device has exactly the server's stock of WH1, audits clean and has nothing left to push,
/// and the server logged every device operation exactly once.
pub fn assert_converged(server: &Server, devices: &mut [&mut Device]) {
    let expected = server.stock("WH1");
    assert!(!expected.is_empty());
    for d in devices.iter() {
        assert_eq!(
            device_stock(&d.store),
            expected,
            "device {} differs from the server",
            d.store.device().unwrap().name
        );
        assert!(d.store.audit_stock().unwrap().is_empty());
        assert_eq!(d.store.pending_count().unwrap(), 0);
    }
    // Exactly once: the server's log holds every device operation once, and nothing else of theirs.
    let ids: Vec<String> = devices.iter().map(|d| d.id()).collect();
    let logged = server.device_op_ids(&ids);
    let unique: BTreeSet<&String> = logged.iter().collect();
    assert_eq!(unique.len(), logged.len(), "an operation was logged twice");
    let union: BTreeSet<String> = devices.iter().flat_map(|d| d.op_ids()).collect();
    assert_eq!(unique.into_iter().cloned().collect::<BTreeSet<_>>(), union);
}

/// A device's stock of its own warehouse, keyed `location|sku|lot|expiry|plate`.
pub fn device_stock(store: &Store) -> BTreeMap<String, i64> {
    let wh = store.device().unwrap().warehouse_code.unwrap();
    all_lines(store)
        .into_iter()
        .filter(|l| l.warehouse == wh)
        .map(|l| {
            (
                format!(
                    "{}|{}|{}|{}|{}",
                    l.location,
                    l.sku,
                    l.lot.unwrap_or_default(),
                    l.expiry.map(|e| e.to_string()).unwrap_or_default(),
                    l.plate.unwrap_or_default()
                ),
                l.qty,
            )
        })
        .collect()
}

/// Runs the `aisle` CLI on a store as operator ALICE and returns what it did.
pub fn aisle_cli(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin("aisle"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("AISLE_OPERATOR", "ALICE")
        .output()
        .unwrap()
}

/// The device's bearer token, read from its store as the sync client does.
pub fn device_token(store: &Store) -> String {
    store
        .conn()
        .query_row("SELECT token FROM sync_state", [], |r| r.get(0))
        .unwrap()
}

/// Every stock line the device knows, in all warehouses.
pub fn all_stock(store: &Store) -> Vec<StockLine> {
    all_lines(store)
}

fn all_lines(store: &Store) -> Vec<StockLine> {
    let conn = store.conn();
    let mut stmt = conn.prepare("SELECT DISTINCT item_id FROM stock").unwrap();
    let ids: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    ids.iter()
        .flat_map(|i| store.stock_of_item(i.parse().unwrap()).unwrap())
        .collect()
}

/// A TCP proxy that forwards everything, except that it swallows the next `drop` responses: the
/// request reaches the server (which commits), the client sees the connection die.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub url: String,
    pub drop_responses: Arc<AtomicUsize>,
}

impl Proxy {
    pub fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let drop_responses = Arc::new(AtomicUsize::new(0));
        let drops = drop_responses.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let drops = drops.clone();
                std::thread::spawn(move || relay(client, target, &drops));
            }
        });
        Self {
            url,
            drop_responses,
        }
    }
}

fn relay(client: TcpStream, target: SocketAddr, drops: &AtomicUsize) {
    let Ok(server) = TcpStream::connect(target) else {
        return;
    };
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut s_write);
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let (mut s_read, mut c_write) = (server, client);
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match s_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // Swallow the first bytes of a response when asked to: the server has already answered,
        // so whatever the request did is committed.
        if drops.load(Ordering::SeqCst) > 0 {
            drops.fetch_sub(1, Ordering::SeqCst);
            let _ = c_write.shutdown(Shutdown::Both);
            let _ = s_read.shutdown(Shutdown::Both);
            return;
        }
        if c_write.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = c_write.shutdown(Shutdown::Both);
}

/// A storage bin of the demo's warehouse WH1.
pub const RESERVE: &str = "B-02-03-4";

/// A plain pick-face stock line (no lot, expiry or plate) of an untracked item, with some of
/// the item received into the reserve bin [`RESERVE`] so that a top-up has stock to come from.
pub fn face_with_reserve(device: &mut Device) -> (StockLine, String) {
    let face = all_stock(&device.store)
        .into_iter()
        .find(|l| {
            l.location_kind == aisle_domain::master::LocationKind::PickFace
                && l.warehouse == "WH1"
                && l.lot.is_none()
                && l.expiry.is_none()
                && l.plate.is_none()
                && l.qty >= 4
                && device
                    .store
                    .item(l.item_id)
                    .is_ok_and(|i| i.tracking == aisle_domain::Tracking::None && !i.expiry_tracked)
        })
        .expect("the demo has plain pick-face stock");
    let barcode = device.store.item(face.item_id).unwrap().barcodes[0].clone();
    let req = aisle_device::work::ReceiveRequest {
        location: format!("LOC:WH1:{RESERVE}"),
        item: barcode.clone(),
        qty: Some(500),
        pack: Some(aisle_domain::PackKind::Each),
        ..Default::default()
    };
    device.store.receive(&req, &device.ctx).unwrap();
    (face, barcode)
}

/// A picture of linear bars (1 = dark module) as a 24-bit BMP, as a phone camera's photo of a
/// label would be opened: `module` pixels a module, a quiet zone of ten modules, bars `height`
/// pixels tall. BMP because it needs no encoder: rows of BGR, bottom up, padded to 4 bytes.
pub fn bars_bmp(bars: &[u8], module: usize, height: usize) -> Vec<u8> {
    let quiet = 10 * module;
    let width = bars.len() * module + 2 * quiet;
    let rows = height + 2 * quiet;
    let stride = (width * 3).div_ceil(4) * 4;
    let size = 54 + stride * rows;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&(width as i32).to_le_bytes());
    out.extend_from_slice(&(rows as i32).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 24]);
    for y in 0..rows {
        let in_bars = y >= quiet && y < quiet + height;
        for x in 0..width {
            let dark = in_bars
                && x >= quiet
                && x < quiet + bars.len() * module
                && bars[(x - quiet) / module] == 1;
            let v = if dark { 0 } else { 255 };
            out.extend_from_slice(&[v, v, v]);
        }
        out.resize(out.len() + stride - width * 3, 0);
    }
    out
}

/// The test command's own Python (`AISLE_LABEL_PYTHON`, made by scripts/label-venv.sh: zxing-cpp,
/// resvg, PDFium and Pillow) for the tests that render and read labels.
pub fn label_python() -> String {
    std::env::var("AISLE_LABEL_PYTHON").unwrap_or_else(|_| {
        panic!(
            "AISLE_LABEL_PYTHON is not set: run ./scripts/test.sh, which makes a Python environment with zxing-cpp, resvg, PDFium and Pillow for this test"
        )
    })
}

/// What zxing-cpp, an independent decoder, read on each file (`tests/labels/decode.py`: SVG
/// rendered with resvg, PDF with PDFium, PNG as is): file -> list of barcodes.
pub fn read_labels(files: &[PathBuf]) -> Value {
    let out = Command::new(label_python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("labels/decode.py"))
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "decode.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
