//! Tests only: a throwaway PostgreSQL for the tests that run one body on both backends.
//!
//! `scripts/test.sh` starts one cluster for the whole run and says where in
//! `AISLE_TEST_POSTGRES` (a superuser URL without a database). Without it (a plain `cargo test`),
//! the first test that asks starts its own: `initdb` into a temporary directory (as the
//! `postgres` user when run as root, since PostgreSQL refuses to run as root), `postgres` on a
//! free loopback port, and a watchdog shell that stops it and removes the directory when this
//! test process ends. Nothing assumes a PostgreSQL already running. Each test gets a database of
//! its own ([`fresh_database`]).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where a cluster listens: `postgres://postgres@127.0.0.1:PORT`.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub base_url: String,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(1);

/// The cluster for this test process, started on first use.
pub fn cluster() -> Result<&'static Cluster, String> {
    CLUSTER
        .get_or_init(|| match std::env::var("AISLE_TEST_POSTGRES") {
            Ok(url) if !url.trim().is_empty() => Ok(Cluster {
                base_url: url.trim().trim_end_matches('/').to_string(),
            }),
            _ => start_own(),
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A new, empty database on the cluster: its URL. Panics with the reason when no PostgreSQL can
/// be started (tests only).
pub fn fresh_database() -> String {
    match try_fresh_database() {
        Ok(url) => url,
        // ok: tests only; a test without its database cannot run, and says why.
        #[allow(clippy::panic)]
        Err(e) => panic!("no PostgreSQL for this test: {e}"),
    }
}

/// A new, empty database on the cluster: its URL.
pub fn try_fresh_database() -> Result<String, String> {
    create_database(&cluster()?.base_url)
}

/// Creates a database with a name of its own on the cluster at `base_url`: its URL.
fn create_database(base_url: &str) -> Result<String, String> {
    create(base_url, None)
}

/// A new database that starts as a copy of the one at `template_url` (on the shared cluster;
/// nothing may be connected to the template): its URL. Tests that run many seeds from one
/// prepared server use it as SQLite tests copy a file.
pub fn copy_of(template_url: &str) -> Result<String, String> {
    let (base, template) = template_url
        .rsplit_once('/')
        .ok_or_else(|| format!("{template_url} names no database"))?;
    create(base, Some(template))
}

/// `CREATE DATABASE` with a name of its own, empty or from `template`: its URL.
fn create(base_url: &str, template: Option<&str>) -> Result<String, String> {
    let name = format!(
        "aisle_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = postgres::Client::connect(&format!("{base_url}/postgres"), postgres::NoTls)
        .map_err(|e| format!("connecting to {base_url}: {e}"))?;
    let from = template
        .map(|t| format!(" TEMPLATE {t}"))
        .unwrap_or_default();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}{from}"))
        .map_err(|e| format!("creating database {name}{from}: {e}"))?;
    Ok(format!("{base_url}/{name}"))
}

/// The directory holding `initdb` and `postgres`: `AISLE_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin` (Debian's layout), else `pg_config --bindir`.
pub fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("AISLE_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .map_err(|_| "PostgreSQL is not installed (run scripts/deps.sh)".to_string())?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args...`, as the `postgres` user when this process is root.
fn as_owner(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Runs a shell script in the background, detached from this process's output.
fn detached_shell(script: &str) -> std::io::Result<()> {
    Command::new("sh")
        .args(["-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// A cluster of a test's own that the test may crash and start again (the chaos test's
/// "PostgreSQL killed"): `pg_ctl` runs it; a watchdog removes it when the test process ends.
#[derive(Debug)]
pub struct OwnCluster {
    pub base_url: String,
    bin: PathBuf,
    data: PathBuf,
    dir: PathBuf,
    port: u16,
    root: bool,
}

impl OwnCluster {
    /// Initialises and starts a new cluster in a temporary directory, on a free port.
    pub fn start() -> Result<Self, String> {
        let bin = bin_dir()?;
        let root = is_root();
        let dir = std::env::temp_dir().join(format!(
            "aisle-pg-own-{}-{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::Relaxed)
        ));
        let data = init(&bin, root, &dir)?;
        let port = free_port()?;
        let run = if root { "runuser -u postgres -- " } else { "" };
        let script = format!(
            "while kill -0 {parent} 2>/dev/null; do sleep 1; done
             {run}'{pg_ctl}' -D '{data}' stop -m immediate >/dev/null 2>&1
             rm -rf '{dir}'",
            pg_ctl = bin.join("pg_ctl").display(),
            data = data.display(),
            dir = dir.display(),
            parent = std::process::id(),
        );
        detached_shell(&script).map_err(|e| format!("starting the watchdog: {e}"))?;
        let cluster = Self {
            base_url: format!("postgres://postgres@127.0.0.1:{port}"),
            bin,
            data,
            dir,
            port,
            root,
        };
        cluster.up()?;
        Ok(cluster)
    }

    /// Starts the cluster and waits until it takes connections.
    pub fn up(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            self.port,
            self.dir.display()
        );
        let out = as_owner(self.root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-o", &options, "-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("pg_ctl start: {e}"))?;
        if !out.status.success() {
            let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
            return Err(format!("PostgreSQL did not start: {log}"));
        }
        Ok(())
    }

    /// Stops the cluster as a crash would (`pg_ctl stop -m immediate`: no checkpoint, every
    /// connection cut; the next start recovers from the write-ahead log).
    pub fn crash(&self) -> Result<(), String> {
        let out = as_owner(self.root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["stop", "-m", "immediate"])
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("pg_ctl stop: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// A new, empty database on this cluster: its URL.
    pub fn fresh_database(&self) -> Result<String, String> {
        create_database(&self.base_url)
    }
}

/// `initdb` into `dir/data` (owned by `postgres` when root); the data directory.
fn init(bin: &Path, root: bool, dir: &Path) -> Result<PathBuf, String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if root {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(
                "running as root, but there is no `postgres` user to own the cluster".into(),
            );
        }
    }
    let data = dir.join("data");
    let init = as_owner(root, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        ));
    }
    Ok(data)
}

fn start_own() -> Result<Cluster, String> {
    let bin = bin_dir()?;
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("aisle-pg-{}", std::process::id()));
    let data = init(&bin, root, &dir)?;
    let port = free_port()?;
    // The watchdog: runs PostgreSQL, and when this test process is gone, stops it (fast
    // shutdown through its pid file) and removes the directory.
    let run = if root { "runuser -u postgres -- " } else { "" };
    let script = format!(
        "{run}'{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 >'{dir}/log' 2>&1 &
         while kill -0 {parent} 2>/dev/null; do sleep 1; done
         kill -INT \"$(head -1 '{data}/postmaster.pid')\" 2>/dev/null
         wait
         rm -rf '{dir}'",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    detached_shell(&script).map_err(|e| format!("starting PostgreSQL: {e}"))?;
    let base_url = format!("postgres://postgres@127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match postgres::Client::connect(&format!("{base_url}/postgres"), postgres::NoTls) {
            Ok(_) => return Ok(Cluster { base_url }),
            Err(e) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                return Err(format!("PostgreSQL did not start: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
