//! The server's configuration file (TOML). Precedence: command-line flag, then environment
//! variable, then this file, then the built-in default, so a bare `aisle-server serve` works.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the file may set. Unknown keys are refused: a typo must not be silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on, e.g. `"0.0.0.0:8740"`.
    pub listen: Option<SocketAddr>,
    /// The database: an SQLite file, or a `postgres://` URL.
    pub database: Option<String>,
    /// Log as JSON lines.
    pub log_json: Option<bool>,
    /// The address devices reach the server at (for enrolment QR payloads).
    pub public_url: Option<String>,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// The warehouse CA's certificate (PEM) for enrolment QR codes (pages and `device enroll`).
    pub enrolment_ca_cert: Option<PathBuf>,
    /// Allow plain HTTP on an address other machines can reach.
    pub allow_plain_http: Option<bool>,
    /// The company's GS1 prefix (7 to 10 digits) that cartons' SSCCs are minted under.
    pub gs1_company_prefix: Option<String>,
    /// The SSCC extension digit (0 to 9) for cartons (default 9, so that they never meet plates
    /// labelled under the same prefix with another digit).
    pub sscc_extension: Option<u8>,
    /// Label printers by name, as `host` or `host:port` (raw printing, port 9100 by default):
    /// `[printers]` then `pack-1 = "10.0.4.21"`. Supervisors print to these names only.
    #[serde(default)]
    pub printers: std::collections::BTreeMap<String, String>,
}

/// A configuration file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("configuration file {path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text).map_err(|reason| ConfigError::Invalid {
            path: path.display().to_string(),
            reason,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let c = FileConfig::parse("listen = \"0.0.0.0:9000\"\ndatabase = \"/var/lib/aisle/server.db\"\nlog_json = true\npublic_url = \"https://aisle.example\"\n").unwrap();
        assert_eq!(c.listen, Some("0.0.0.0:9000".parse().unwrap()));
        assert_eq!(c.database.as_deref(), Some("/var/lib/aisle/server.db"));
        assert_eq!(
            (c.log_json, c.public_url.as_deref()),
            (Some(true), Some("https://aisle.example"))
        );
        assert_eq!(FileConfig::parse("").unwrap(), FileConfig::default());
    }

    #[test]
    fn mistakes_are_refused_with_where_and_why() {
        let e = FileConfig::parse("listen = \"not an address\"").unwrap_err();
        assert!(
            e.contains("line 1") && e.contains("invalid socket address"),
            "{e}"
        );
        let e = FileConfig::parse("lisen = \"0.0.0.0:1\"").unwrap_err();
        assert!(e.contains("unknown field `lisen`"), "{e}");
        let e = FileConfig::load(Path::new("/nonexistent/aisle.toml")).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot read the configuration file /nonexistent/aisle.toml"),
            "{e}"
        );
    }
}
