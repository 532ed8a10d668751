//! Devices for supervisors, from the pages: enrol a tablet (a one-time code and its QR code,
//! which the tablet's Settings screen or camera reads) and revoke one (its token stops working at
//! once; its work already synced stays). The list is `supervisor::devices`.

use super::supervisor::Supervisor;
use super::{ApiJson, ApiPath, AppState};
use crate::error::ApiError;
use aisle_domain::DeviceId;
use aisle_domain::said;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest an enrolment code may stay valid from the pages: a week.
const MAX_VALID_HOURS: i64 = 168;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentIn {
    /// The warehouse's code.
    pub warehouse: String,
    /// What the tablet is called on the pages (1 to 64 characters).
    pub name: String,
    /// The address tablets reach this server at (http or https, no query), for the QR code.
    pub server_url: String,
    /// 1 to 168; 24 when not given.
    #[serde(default)]
    pub valid_hours: Option<i64>,
}

/// A new enrolment: the code (shown once), what the QR code carries, and the QR code's modules.
#[derive(Debug, Serialize)]
pub struct EnrolmentOut {
    pub code: String,
    pub warehouse: String,
    pub name: String,
    pub expires_at: DateTime<Utc>,
    pub payload: String,
    /// The QR code, row by row: `1` dark, `0` light (without the quiet zone).
    pub qr: Vec<String>,
}

/// The server address a QR code may carry: `http://` or `https://`, a host, no query, fragment,
/// spaces or `&` (the payload's separator), at most 200 characters.
fn server_url(raw: &str) -> Result<String, ApiError> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or("");
    let bad = rest.is_empty()
        || url.len() > 200
        || rest.starts_with('/')
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "?#&".contains(c));
    if bad {
        return Err(ApiError::Unprocessable(said!(
            "devices.not_address_tablets_can",
            "{raw:?} is not an address tablets can reach this server at (http:// or https:// and a host, e.g. https://aisle.example.com:8740); nothing was created",
            raw = raw
        )));
    }
    Ok(url.to_string())
}

/// A QR code's modules as rows of `1` (dark) and `0`.
fn qr_rows(payload: &str) -> Result<Vec<String>, ApiError> {
    let code = qrcode::QrCode::new(payload.as_bytes()).map_err(|e| {
        ApiError::Unprocessable(said!(
            "devices.enrolment_does_not_fit",
            "the enrolment does not fit a QR code: {e}",
            e = e
        ))
    })?;
    let width = code.width();
    let colors = code.to_colors();
    Ok(colors
        .chunks(width)
        .map(|row| {
            row.iter()
                .map(|c| if *c == qrcode::Color::Dark { '1' } else { '0' })
                .collect()
        })
        .collect())
}

/// Creates a one-time enrolment code for a new tablet in a warehouse.
pub async fn enrol(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<EnrolmentIn>,
) -> Result<Json<EnrolmentOut>, ApiError> {
    let name = req.name.trim().to_string();
    super::short_name(said!("pages.word_tablet_name", "tablet's name"), &name)?;
    let hours = req.valid_hours.unwrap_or(24);
    if !(1..=MAX_VALID_HOURS).contains(&hours) {
        return Err(ApiError::Unprocessable(said!(
            "enrol.valid_hours",
            "a code is valid for 1 to {most} hours, not {hours}; nothing was created",
            most = MAX_VALID_HOURS,
            hours = hours
        )));
    }
    let server = server_url(&req.server_url)?;
    let warehouse = req.warehouse.trim().to_string();
    let e = state
        .blocking(move |s| s.create_enrolment(&warehouse, &name, chrono::Duration::hours(hours)))
        .await?;
    let payload = aisle_proto::EnrolmentPayload {
        server,
        code: e.code.clone(),
        ca_pem: state.enrolment_ca.as_deref().map(str::to_string),
    }
    .encode();
    tracing::info!(device = %e.name, warehouse = %e.warehouse_code, by = %who.session.badge, "enrolment code created");
    Ok(Json(EnrolmentOut {
        qr: qr_rows(&payload)?,
        code: e.code,
        warehouse: e.warehouse_code,
        name: e.name,
        expires_at: e.expires_at,
        payload,
    }))
}

/// Revokes a device: its token no longer works. Work it already synced stays.
pub async fn revoke(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(id): ApiPath<DeviceId>,
) -> Result<StatusCode, ApiError> {
    state.blocking(move |s| s.revoke_device(id)).await?;
    tracing::info!(device = %id, by = %who.session.badge, "device revoked");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_address_is_http_or_https_with_a_host_and_nothing_after() {
        assert_eq!(
            server_url(" https://aisle.example.com:8740/ ").unwrap(),
            "https://aisle.example.com:8740"
        );
        assert_eq!(
            server_url("http://10.0.0.5:8740").unwrap(),
            "http://10.0.0.5:8740"
        );
        for bad in [
            "",
            "aisle.example.com",
            "ftp://x",
            "https://",
            "https:///path",
            "https://a b",
            "https://x?code=1",
            "https://x#y",
            "https://x&code=EVIL",
        ] {
            assert!(server_url(bad).is_err(), "{bad:?} was taken");
        }
        assert!(server_url(&format!("https://{}", "a".repeat(200))).is_err());
    }

    #[test]
    fn the_qr_code_is_square_with_finder_patterns() {
        let rows = qr_rows("aisle-enroll:1?server=https://x&code=ABCDEFGHJK").unwrap();
        let n = rows.len();
        assert!(rows.iter().all(|r| r.len() == n));
        // The top-left finder: a 7-module dark ring.
        assert_eq!(&rows[0][..7], "1111111");
        assert_eq!(&rows[1][..7], "1000001");
        assert!(rows[n - 1].starts_with("1111111"));
    }
}
