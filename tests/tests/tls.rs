//! Transport security end to end: the server serves HTTPS with a warehouse's own certificate,
//! a device that trusts the warehouse's CA enrols and syncs, a device that does not is refused
//! before anything is sent, and plain HTTP off this machine is refused on both sides unless
//! explicitly allowed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_e2e::aisle_cli as aisle;
use aisle_e2e::{Backend, bin};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use std::process::Command;

struct Pki {
    ca: String,
    cert: String,
    key: String,
}

/// A warehouse CA and a server certificate it signed, for localhost and 127.0.0.1.
fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Warehouse test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    Pki {
        ca: ca_cert.pem(),
        cert: server.pem(),
        key: key.serialize_pem(),
    }
}

aisle_e2e::on_both!(devices_sync_over_https_with_the_warehouse_ca_and_plain_http_stays_local);
fn devices_sync_over_https_with_the_warehouse_ca_and_plain_http_stays_local(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let p = pki();
    let (ca, cert, key) = (
        dir.path().join("ca.pem"),
        dir.path().join("server.pem"),
        dir.path().join("server.key"),
    );
    std::fs::write(&ca, &p.ca).unwrap();
    std::fs::write(&cert, &p.cert).unwrap();
    std::fs::write(&key, &p.key).unwrap();
    let db = match backend {
        Backend::Sqlite => dir.path().join("server.db"),
        Backend::Postgres => std::path::PathBuf::from(aisle_testdb::fresh_database()),
    };
    let server = |args: &[&str]| {
        Command::new(bin("aisle-server"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(server(&["demo", "--items", "5"]).status.success());

    // Plain HTTP on a reachable address is refused before anything listens.
    let out = server(&["serve", "--listen", "0.0.0.0:0"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("refusing to serve plain HTTP") && said.contains("--tls-cert"),
        "{said}"
    );
    // A key that does not belong to a certificate is refused with both names.
    let out = server(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        key.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot use the TLS certificate"));

    let https = aisle_e2e::Server::start(
        db.clone(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--enrolment-ca-cert",
            ca.to_str().unwrap(),
        ],
    );
    let port = https
        .url
        .strip_prefix("https://127.0.0.1:")
        .unwrap_or_else(|| panic!("{}", https.url))
        .to_string();
    let url = format!("https://localhost:{port}");
    let code = || {
        let out = server(&["device", "enroll", "--warehouse", "WH1", "--name", "T1"]);
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("enrolment code: ").map(String::from))
            .unwrap()
    };

    // Without the warehouse CA the certificate is not trusted: refused, and the code unused.
    let stranger = dir.path().join("stranger.db");
    assert!(aisle(&stranger, &["init", "--name", "T1"]).status.success());
    let first = code();
    let out = aisle(&stranger, &["enroll", "--server", &url, "--code", &first]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.to_lowercase().contains("certificate"), "{said}");

    // With it: enrolment, work and sync over HTTPS.
    let t1 = dir.path().join("t1.db");
    assert!(aisle(&t1, &["init", "--name", "T1"]).status.success());
    let out = aisle(
        &t1,
        &[
            "enroll",
            "--server",
            &url,
            "--code",
            &first,
            "--ca-cert",
            ca.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap = aisle(&t1, &["sync"]);
    assert!(snap.status.success(), "the snapshot over HTTPS");
    let out = aisle(
        &t1,
        &[
            "receive",
            "--at",
            "LOC:WH1:RCV-01",
            "--item",
            "5012345000015",
            "--qty",
            "2",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = aisle(&t1, &["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ops = server(&["export", "operations"]);
    let ops = String::from_utf8(ops.stdout).unwrap();
    let device = aisle_device::Store::open(&t1)
        .unwrap()
        .device()
        .unwrap()
        .device_id;
    assert_eq!(
        ops.lines()
            .filter(|l| l.contains(&device.to_string()))
            .count(),
        1,
        "{ops}"
    );

    // The enrolment QR code can carry the CA: a tablet that scans it needs nothing else.
    let out = server(&[
        "device",
        "enroll",
        "--warehouse",
        "WH1",
        "--name",
        "T3",
        "--server-url",
        &url,
        "--ca-cert",
        ca.to_str().unwrap(),
    ]);
    let printed = String::from_utf8(out.stdout).unwrap();
    let payload = printed
        .lines()
        .find_map(|l| l.strip_prefix("QR payload: "))
        .unwrap()
        .to_string();
    assert!(payload.contains("&ca="), "{payload}");
    let t3 = dir.path().join("t3.db");
    assert!(aisle(&t3, &["init", "--name", "T3"]).status.success());
    let out = aisle(&t3, &["enroll", "--qr", &payload]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        aisle(&t3, &["sync"]).status.success(),
        "the CA from the QR code is trusted"
    );

    // From the supervisor pages too: the server started with the CA puts it in the QR code it
    // draws, and a tablet that scans it syncs.
    https.set_operator("SUP2", true);
    let web = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(p.ca.as_bytes()).unwrap())
        .build()
        .unwrap();
    let session: serde_json::Value = web
        .post(format!("{url}/v1/supervisor/session"))
        .header("aisle-protocol", "1")
        .json(&serde_json::json!({ "badge": "SUP2", "pin": "0000" }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let enrolment: serde_json::Value = web
        .post(format!("{url}/v1/supervisor/devices/enrol"))
        .header("aisle-protocol", "1")
        .bearer_auth(session["token"].as_str().unwrap())
        .json(&serde_json::json!({ "warehouse": "WH1", "name": "T4", "server_url": url }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let payload = enrolment["payload"].as_str().unwrap();
    let parsed = aisle_proto::EnrolmentPayload::parse(payload).unwrap();
    assert_eq!(parsed.ca_pem.as_deref(), Some(p.ca.as_str()));
    assert!(
        !enrolment["qr"].as_array().unwrap().is_empty(),
        "the CA fits the QR code"
    );
    let t4 = dir.path().join("t4.db");
    assert!(aisle(&t4, &["init", "--name", "T4"]).status.success());
    let out = aisle(&t4, &["enroll", "--qr", payload]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        aisle(&t4, &["sync"]).status.success(),
        "T4 trusts the server"
    );

    // A file that is not a certificate is refused at start-up, naming it.
    let out = server(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--enrolment-ca-cert",
        key.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is not a PEM certificate"), "{said}");

    // A device will not send its token in the clear to another machine unless told to.
    let other = dir.path().join("other.db");
    assert!(aisle(&other, &["init", "--name", "T2"]).status.success());
    let out = aisle(
        &other,
        &["enroll", "--server", "http://10.1.2.3:8740", "--code", "X"],
    );
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("unencrypted"), "{said}");
}

/// A client that trickles its request headers (slowloris) is cut off instead of holding a
/// connection for ever.
#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let server = aisle_e2e::Server::with_demo(dir.path(), 3);
    let mut s = std::net::TcpStream::connect(server.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: aisle\r\n")
        .unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap_or(0);
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(20),
        "the connection was held for {waited:?}"
    );
    // Closed, or answered with a timeout status: either way not held.
    let said = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || said.starts_with("HTTP/1.1 408"), "{said}");
}
