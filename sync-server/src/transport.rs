//! How the server is reached: HTTPS with the warehouse's certificate and key (rustls), or plain
//! HTTP, which is allowed only on loopback unless the operator says otherwise: a device's token
//! and every scan would otherwise cross the warehouse network unencrypted.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A certificate chain and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Refuses plain HTTP on an address other machines can reach, unless `allow_plain_http`.
pub fn check(
    listen: SocketAddr,
    tls: Option<&TlsFiles>,
    allow_plain_http: bool,
) -> Result<(), String> {
    if tls.is_some() || allow_plain_http || listen.ip().is_loopback() {
        return Ok(());
    }
    Err(format!(
        "refusing to serve plain HTTP on {listen}: device tokens and scans would cross the network unencrypted. Give a certificate and key (--tls-cert, --tls-key, or tls_cert/tls_key in the configuration file), listen on 127.0.0.1 behind a TLS proxy, or pass --allow-plain-http on a network you trust"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_unless_allowed() {
        let tls = TlsFiles {
            cert: "c.pem".into(),
            key: "k.pem".into(),
        };
        let lan: SocketAddr = "0.0.0.0:8740".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8740".parse().unwrap();
        assert!(check(local, None, false).is_ok());
        assert!(check(lan, Some(&tls), false).is_ok());
        assert!(check(lan, None, true).is_ok());
        let e = check(lan, None, false).unwrap_err();
        assert!(
            e.contains("0.0.0.0:8740") && e.contains("--tls-cert"),
            "{e}"
        );
        let v6: SocketAddr = "[::1]:8740".parse().unwrap();
        assert!(check(v6, None, false).is_ok());
    }
}
