//! A TCP proxy that breaks HTTP traffic on purpose, for the chaos test: each request it relays
//! may be dropped before the server sees it, cut short, sent twice, delayed, or have its answer
//! swallowed or cut short after the server has acted on it. Faults are drawn from a seeded
//! generator, so a failing schedule can be replayed from its seed.
//!
//! Also the chaos test's tally and small helpers it shares.
//!
//! The proxy reads one whole request (headers and `Content-Length` body), adds
//! `Connection: close` so the server answers it alone, and relays the answer until the server
//! closes: one request per connection keeps it from having to parse responses.

use crate::{Server, bin};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What happened to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    None,
    /// Held back before it is forwarded.
    Delay,
    /// Never reaches the server; the client's connection is closed.
    DropRequest,
    /// Only part of it reaches the server, then both sides are closed.
    TruncateRequest,
    /// Reaches the server twice (a retry the client did not make).
    Duplicate,
    /// The server answers, the client never hears it.
    DropResponse,
    /// The client gets only the start of the answer.
    TruncateResponse,
}

/// Counts of the faults injected, by kind.
#[derive(Debug, Default)]
pub struct FaultCounts {
    counts: Mutex<std::collections::HashMap<&'static str, u64>>,
    pub requests: AtomicU64,
}

impl FaultCounts {
    fn add(&self, f: Fault) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if f != Fault::None
            && let Ok(mut c) = self.counts.lock()
        {
            *c.entry(f.name()).or_insert(0) += 1;
        }
    }

    /// `(fault, count)` sorted by name.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let mut v: Vec<_> = self
            .counts
            .lock()
            .map(|c| c.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    pub fn injected(&self) -> u64 {
        self.snapshot().iter().map(|(_, n)| n).sum()
    }
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Delay => "delay",
            Self::DropRequest => "drop request",
            Self::TruncateRequest => "truncate request",
            Self::Duplicate => "duplicate request",
            Self::DropResponse => "drop response",
            Self::TruncateResponse => "truncate response",
        }
    }

    fn draw(rng: &mut fastrand::Rng, rate: f64) -> Self {
        if rng.f64() >= rate {
            return Self::None;
        }
        match rng.u8(0..6) {
            0 => Self::Delay,
            1 => Self::DropRequest,
            2 => Self::TruncateRequest,
            3 => Self::Duplicate,
            4 => Self::DropResponse,
            _ => Self::TruncateResponse,
        }
    }
}

/// The running proxy. Faults stop when `faults_on` is cleared (for the final clean sync).
#[derive(Debug, Clone)]
pub struct ChaosProxy {
    pub url: String,
    pub faults_on: Arc<AtomicBool>,
    pub counts: Arc<FaultCounts>,
}

impl ChaosProxy {
    /// Relays to `target`, breaking a share `rate` of requests, drawn from `seed`.
    pub fn start(target: SocketAddr, seed: u64, rate: f64) -> Self {
        Self::start_many(vec![target], seed, rate)
    }

    /// Relays each request to one of `targets`, drawn at random (a load balancer in front of
    /// several servers), breaking a share `rate` of them.
    pub fn start_many(targets: Vec<SocketAddr>, seed: u64, rate: f64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the proxy");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("the proxy's address")
        );
        let faults_on = Arc::new(AtomicBool::new(true));
        let counts = Arc::new(FaultCounts::default());
        let rng = Arc::new(Mutex::new(fastrand::Rng::with_seed(seed)));
        let (on, c) = (faults_on.clone(), counts.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let fault = if on.load(Ordering::SeqCst) {
                    rng.lock()
                        .map(|mut r| Fault::draw(&mut r, rate))
                        .unwrap_or(Fault::None)
                } else {
                    Fault::None
                };
                let delay = rng.lock().map(|mut r| r.u64(20..300)).unwrap_or(50);
                let target = rng
                    .lock()
                    .map(|mut r| targets[r.usize(..targets.len())])
                    .unwrap_or(targets[0]);
                let c = c.clone();
                std::thread::spawn(move || {
                    if let Some(f) = relay_one(client, target, fault, delay) {
                        c.add(f);
                    }
                });
            }
        });
        Self {
            url,
            faults_on,
            counts,
        }
    }
}

/// Reads one HTTP request: headers, then as many body bytes as `Content-Length` says.
fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    // One request per connection: the server closes after answering.
    let mut out = buf[..head_end - 2].to_vec();
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&buf[head_end..]);
    Some(out)
}

/// Sends a request on its own connection and reads the answer to the end, discarding it.
fn send_aside(target: SocketAddr, request: &[u8]) {
    if let Ok(mut s) = TcpStream::connect(target) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        let _ = s.write_all(request);
        let _ = std::io::copy(&mut s, &mut std::io::sink());
    }
}

fn relay_one(mut client: TcpStream, target: SocketAddr, fault: Fault, delay: u64) -> Option<Fault> {
    let request = read_request(&mut client)?;
    match fault {
        Fault::DropRequest => {
            let _ = client.shutdown(Shutdown::Both);
            return Some(fault);
        }
        Fault::TruncateRequest => {
            if let Ok(mut s) = TcpStream::connect(target) {
                let _ = s.write_all(&request[..request.len() / 2]);
                let _ = s.shutdown(Shutdown::Both);
            }
            let _ = client.shutdown(Shutdown::Both);
            return Some(fault);
        }
        Fault::Duplicate => send_aside(target, &request),
        Fault::Delay => std::thread::sleep(Duration::from_millis(delay)),
        _ => {}
    }
    let Ok(mut server) = TcpStream::connect(target) else {
        let _ = client.shutdown(Shutdown::Both);
        return Some(fault);
    };
    let _ = server.set_read_timeout(Some(Duration::from_secs(60)));
    if server.write_all(&request).is_err() {
        let _ = client.shutdown(Shutdown::Both);
        return Some(fault);
    }
    let mut answer = Vec::new();
    let _ = server.read_to_end(&mut answer);
    let keep = match fault {
        Fault::DropResponse => 0,
        Fault::TruncateResponse => answer.len() / 2,
        _ => answer.len(),
    };
    let _ = client.write_all(&answer[..keep]);
    let _ = client.shutdown(Shutdown::Both);
    Some(fault)
}

/// What one seed of the chaos test did, for the summary.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub ops_tried: u64,
    pub ops_acknowledged: u64,
    pub ops_refused: u64,
    pub order_picks: u64,
    pub device_kills_in_writes: u64,
    pub device_kills_in_syncs: u64,
    pub server_kills: u64,
    pub database_kills: u64,
    pub syncs: u64,
    pub background_syncs: u64,
    pub double_syncs: u64,
    pub late_enrolments: u64,
    pub enrolment_retries: u64,
    pub resolutions: u64,
    pub resolutions_refused: u64,
    pub faults: u64,
    pub requests: u64,
    pub ops_checked: u64,
    pub exceptions: u64,
    pub held: u64,
    pub plates: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Self) {
        macro_rules! sum {
            ($($f:ident),*) => { $(self.$f += o.$f;)* };
        }
        sum!(
            ops_tried,
            ops_acknowledged,
            ops_refused,
            order_picks,
            device_kills_in_writes,
            device_kills_in_syncs,
            server_kills,
            database_kills,
            syncs,
            background_syncs,
            double_syncs,
            late_enrolments,
            enrolment_retries,
            resolutions,
            resolutions_refused,
            faults,
            requests,
            ops_checked,
            exceptions,
            held,
            plates
        );
    }
}

/// Waits for a child at most `limit`, then kills it.
pub fn finish(mut child: Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A valid SSCC (GS1 check digit) for supplier pallet `n`.
pub fn sscc(n: u64) -> String {
    let body = format!("34029991{n:09}");
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|c| aisle_domain::scan::gtin::has_valid_check_digit(c))
        .unwrap()
}

/// What every thread of one seed shares.
#[derive(Debug)]
pub struct Warehouse {
    pub seed: u64,
    pub dir: PathBuf,
    /// The server's database: its file, or its URL.
    pub db: PathBuf,
    /// The server processes behind the proxy (two on PostgreSQL).
    pub servers: Vec<Mutex<Server>>,
    /// The test's own PostgreSQL, which the server killer may crash.
    pub postgres: Option<aisle_testdb::OwnCluster>,
    pub proxy: ChaosProxy,
    pub items: Vec<String>,
    /// Every item's first barcode by SKU, to scan what a pick list names.
    pub barcodes: BTreeMap<String, String>,
    pub bins: Vec<String>,
    pub plates: Vec<String>,
    pub start: Instant,
    pub journal: Mutex<Vec<String>>,
    /// Set when every tablet has finished its shift: the server killer and supervisor stop.
    pub shift_over: AtomicBool,
}

impl Warehouse {
    pub fn note(&self, what: String) {
        let line = format!("{:>6} ms {what}", self.start.elapsed().as_millis());
        if let Ok(mut j) = self.journal.lock() {
            j.push(line);
        }
    }

    pub fn context(&self) -> String {
        let journal = self
            .journal
            .lock()
            .map(|j| j.join("\n"))
            .unwrap_or_default();
        format!(
            "seed {} (replay with AISLE_CHAOS_SEED={}); journal:\n{journal}\nfaults: {:?}",
            self.seed,
            self.seed,
            self.proxy.counts.snapshot()
        )
    }

    /// An `aisle-server` administration command on the server's database (it works whether the
    /// server process is up or not; while the test has PostgreSQL down, it is tried again).
    pub fn admin(&self, args: &[&str]) -> Output {
        let run = || {
            Command::new(bin("aisle-server"))
                .arg("--db")
                .arg(&self.db)
                .args(args)
                .output()
                .unwrap()
        };
        let mut out = run();
        for _ in 0..40 {
            if out.status.success() || self.postgres.is_none() {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
            out = run();
        }
        out
    }
}

pub fn aisle(db: &Path, operator: &str) -> Command {
    let mut c = Command::new(bin("aisle"));
    c.arg("--db")
        .arg(db)
        .env("AISLE_OPERATOR", operator)
        .stdin(Stdio::null());
    c
}
