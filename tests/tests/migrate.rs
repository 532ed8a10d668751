//! `aisle-server migrate --to postgres://…`, end to end: a working SQLite server's database is
//! copied into a throwaway PostgreSQL; `aisle-server audit` says the same of both; the server
//! then runs on PostgreSQL and its devices, one with work it had not pushed yet, sync on without
//! re-enrolling (same epoch), and converge with nothing lost or doubled.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_e2e::{Device, Server, assert_converged, bin};
use std::path::PathBuf;
use std::process::Command;

fn server_cmd(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(bin("aisle-server"))
        .args(["--db", db])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_sqlite_server_moves_to_postgresql_and_its_devices_sync_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::with_demo(dir.path(), 10);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    a.receive_units(30);
    a.receive_on_plates(5);
    b.receive_units(7);
    a.sync();
    b.sync();
    a.sync();
    // A works on while the server moves.
    a.receive_units(4);
    server.kill();

    let file = server.db.to_str().unwrap().to_string();
    let before = server.admin(&["audit", "--json"]);
    let operations = server.admin(&["export", "operations"]);
    let url = aisle_testdb::fresh_database();
    let copied = server.admin(&["migrate", "--to", &url]);
    assert!(copied.contains("the books balance on both"), "{copied}");

    let after = server_cmd(&url, &["audit", "--json"]);
    assert!(after.status.success());
    assert_eq!(
        String::from_utf8(after.stdout).unwrap(),
        before,
        "the books audit differs after the move"
    );
    let exported = server_cmd(&url, &["export", "operations"]);
    assert_eq!(String::from_utf8(exported.stdout).unwrap(), operations);

    // A second copy into the same database is refused, and so is a file that does not exist.
    let again = server_cmd(&file, &["migrate", "--to", &url]);
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("already holds a server's data"), "{said}");
    let missing = dir.path().join("no-such.db");
    let none = server_cmd(missing.to_str().unwrap(), &["migrate", "--to", &url]);
    assert!(!none.status.success());
    assert!(!missing.exists(), "a missing source is not created");

    // The same devices go on with the server on PostgreSQL.
    let pg = Server::start(PathBuf::from(&url), &[]);
    for d in [&a, &b] {
        d.store
            .conn()
            .execute("UPDATE sync_state SET server_url = ?1", [&pg.url])
            .unwrap();
    }
    let pushed = a.sync();
    assert_eq!(
        pushed.pushed, 4,
        "A's work since the move reached the new server"
    );
    b.receive_units(2);
    b.sync();
    a.sync();
    assert_converged(&pg, &mut [&mut a, &mut b]);
}
