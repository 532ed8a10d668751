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
    let cluster = cluster()?;
    let name = format!(
        "aisle_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin =
        postgres::Client::connect(&format!("{}/postgres", cluster.base_url), postgres::NoTls)
            .map_err(|e| format!("connecting to {}: {e}", cluster.base_url))?;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| format!("creating database {name}: {e}"))?;
    Ok(format!("{}/{name}", cluster.base_url))
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

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn start_own() -> Result<Cluster, String> {
    let bin = bin_dir()?;
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("aisle-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if root {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
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
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting PostgreSQL: {e}"))?;
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
