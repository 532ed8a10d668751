//! Sending a label to a network label printer: raw bytes over TCP, port 9100 unless another is
//! named (the "raw" or "JetDirect" protocol every Zebra-compatible printer speaks). No reply is
//! expected; the printer prints what it receives.

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The raw printing port.
pub const RAW_PORT: u16 = 9100;

/// Why the printer did not get the label.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("{0:?} is not a printer address: give host or host:port")]
    Address(String),
    #[error("printer {addr} cannot be reached: {source}")]
    Unreachable {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("printer {addr} stopped taking the label: {source}")]
    Send {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

impl PrintError {
    /// The error in the reader's words (the network's own reason inside stays as it is).
    pub fn said(&self) -> aisle_domain::Said {
        use aisle_domain::said;
        match self {
            Self::Address(printer) => said!(
                "labels.printer_address",
                "{printer:?} is not a printer address: give host or host:port",
                printer = printer
            ),
            Self::Unreachable { addr, source } => said!(
                "labels.printer_unreachable",
                "printer {addr} cannot be reached: {reason}",
                addr = addr,
                reason = source
            ),
            Self::Send { addr, source } => said!(
                "labels.printer_stopped",
                "printer {addr} stopped taking the label: {reason}",
                addr = addr,
                reason = source
            ),
        }
    }
}

/// `host` or `host:port` (port 9100 when none is given).
pub fn address(printer: &str) -> Result<String, PrintError> {
    let p = printer.trim();
    if p.is_empty() || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PrintError::Address(printer.to_string()));
    }
    let has_port = p.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty() && !host.ends_with(':') && port.parse::<u16>().is_ok()
    });
    Ok(if has_port {
        p.to_string()
    } else {
        format!("{p}:{RAW_PORT}")
    })
}

/// Sends `data` to the printer and closes the connection; waits at most `timeout` for each step.
pub fn send(printer: &str, data: &[u8], timeout: Duration) -> Result<(), PrintError> {
    let addr = address(printer)?;
    let targets = addr
        .to_socket_addrs()
        .map_err(|_| PrintError::Address(printer.to_string()))?;
    let mut last = None;
    for target in targets {
        match TcpStream::connect_timeout(&target, timeout) {
            Ok(mut stream) => {
                let sent = stream
                    .set_write_timeout(Some(timeout))
                    .and_then(|()| stream.write_all(data))
                    .and_then(|()| stream.flush())
                    .and_then(|()| stream.shutdown(std::net::Shutdown::Write));
                return sent.map_err(|source| PrintError::Send {
                    addr: addr.clone(),
                    source,
                });
            }
            Err(e) => last = Some(e),
        }
    }
    Err(PrintError::Unreachable {
        addr: addr.clone(),
        source: last.unwrap_or_else(|| std::io::Error::other("the name has no address")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn addresses_default_to_port_9100() {
        assert_eq!(address("10.0.0.5").unwrap(), "10.0.0.5:9100");
        assert_eq!(address("zebra-3:6101").unwrap(), "zebra-3:6101");
        assert!(address("").is_err() && address("a b").is_err());
    }

    #[test]
    fn a_fake_printer_receives_every_byte() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let got = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).unwrap();
            buf
        });
        send(&addr, b"^XA^FDhello^FS^XZ", Duration::from_secs(5)).unwrap();
        assert_eq!(got.join().unwrap(), b"^XA^FDhello^FS^XZ");
    }

    #[test]
    fn no_printer_is_a_clear_error() {
        // A port nothing listens on: bound, then closed.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = send(&format!("127.0.0.1:{port}"), b"x", Duration::from_secs(2)).unwrap_err();
        assert!(e.to_string().contains("cannot be reached"), "{e}");
    }
}
