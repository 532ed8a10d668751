//! The `aisle-server` administration commands as warehouse IT runs them, on both backends:
//! output that ends where a pipe's reader stops, an operator list without PINs, and a clear word
//! when there is nothing to say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_e2e::{Backend, Server, bin};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn administration_commands_on_both_backends() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        eprintln!("aisle-server's commands on {backend:?}");
        let dir = tempfile::tempdir().unwrap();
        let server = Server::with_demo_on(backend, dir.path(), 40);
        a_reader_that_stops_early_ends_the_output_quietly(&server);
        operators_are_listed_without_their_pins(&server);
        a_captured_sync_prints_its_result_alone(&server, dir.path());
    }
}

/// `aisle sync` run by a script (its output captured, not a terminal): the result line on
/// stdout and nothing on stderr, so the two streams never run together in a log.
fn a_captured_sync_prints_its_result_alone(server: &Server, dir: &std::path::Path) {
    let db = dir.join("tablet.db");
    let run = |args: &[&str]| {
        let out = aisle_e2e::aisle_cli(&db, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&["init", "--name", "T-CLI"]);
    let code = server.enrolment_code("WH1", "T-CLI");
    run(&["enroll", "--server", &server.url, "--code", &code]);
    let out = run(&["sync"]);
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.starts_with("synced: ") && said.ends_with(" waiting\n") && said.lines().count() == 1,
        "{said:?}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// `aisle-server valuation --warehouse WH1 | head -1`: the command ends with success when the
/// reader goes away, instead of panicking on the broken pipe.
fn a_reader_that_stops_early_ends_the_output_quietly(server: &Server) {
    let mut child = Command::new(bin("aisle-server"))
        .arg("--db")
        .arg(&server.db)
        .args(["valuation", "--warehouse", "WH1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("EUR"), "{first}");
    // The reader has gone (its end of the pipe dropped with the BufReader).
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
}

fn operators_are_listed_without_their_pins(server: &Server) {
    server.admin(&[
        "operator", "add", "--badge", "NEW1", "--name", "Nia New", "--pin", "9876",
    ]);
    let list = server.admin(&["operator", "list"]);
    for badge in ["ALICE", "SUP1", "NEW1"] {
        assert!(list.contains(badge), "{list}");
    }
    assert!(
        list.lines()
            .any(|l| l.starts_with("SUP1") && l.contains("supervisor")),
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&server.admin(&["operator", "list", "--json"])).unwrap();
    let ops = json["operators"].as_array().unwrap();
    assert!(
        ops.iter()
            .any(|o| o["badge"] == "NEW1" && o["name"] == "Nia New" && o["role"] == "operator")
    );
    let text = json.to_string();
    assert!(
        !text.contains("pin") && !text.contains("9876") && !text.contains("argon"),
        "{text}"
    );
    // Disabled and enabled again from the command line; the list says which.
    server.admin(&["operator", "disable", "NEW1"]);
    let list = server.admin(&["operator", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("NEW1") && l.contains("disabled since")),
        "{list}"
    );
    server.admin(&["operator", "enable", "NEW1"]);
    let list = server.admin(&["operator", "list"]);
    assert!(!list.contains("disabled"), "{list}");
}

/// A server with a warehouse and nothing else: every command says so in words.
#[test]
fn an_empty_server_says_there_is_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    let csv = dir.path().join("warehouses.csv");
    std::fs::write(&csv, "code,name\nWH1,Central DC\n").unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(bin("aisle-server"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    run(&["import", "warehouses", csv.to_str().unwrap()]);
    let (said, _) = run(&["replenish", "--warehouse", "WH1"]);
    assert!(said.starts_with("nothing to order in WH1"), "{said:?}");
    let (said, _) = run(&["operator", "list"]);
    assert!(said.starts_with("no operators yet"), "{said:?}");
    let (csv_out, note) = run(&["export", "exceptions"]);
    assert!(
        csv_out.starts_with("id,") && csv_out.ends_with('\n') && csv_out.lines().count() == 1,
        "{csv_out:?}"
    );
    assert_eq!(note, "0 rows exported\n");
}
