//! Device authentication: `Authorization: Bearer TOKEN`, looked up by the token's hash, and the
//! protocol-version header every sync call carries.

use super::{AppState, Metrics};
use crate::error::ApiError;
use crate::sql::hash_secret;
use crate::storage::{Contact, DeviceRecord};
use aisle_domain::said;
use aisle_domain::said::Said;
use aisle_proto::{
    APP_VERSION_HEADER, DEVICE_TIME_HEADER, LOG_END_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The authenticated device of a request.
#[derive(Debug)]
pub struct AuthDevice(pub DeviceRecord);

/// Refuses a request whose protocol version this server does not speak.
pub fn check_protocol(parts: &Parts) -> Result<(), ApiError> {
    let Some(v) = parts.headers.get(PROTOCOL_HEADER) else {
        // Not a client of this protocol (or one from before it was versioned): the same answer
        // as any other version this server does not speak.
        return Err(ApiError::UpgradeRequired(said!(
            "sync.protocol_missing",
            "missing the {header} header; this server speaks sync protocol {server}, so update the app (its unsynced work stays on the device)",
            header = PROTOCOL_HEADER,
            server = PROTOCOL_VERSION
        )));
    };
    let v: u32 = v
        .to_str()
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| {
            ApiError::BadRequest(said!(
                "sync.protocol_not_number",
                "the {header} header must be a number",
                header = PROTOCOL_HEADER
            ))
        })?;
    match v.cmp(&PROTOCOL_VERSION) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(ApiError::UpgradeRequired(said!(
            "sync.protocol_older",
            "this app speaks sync protocol {app}, older than the server's {server}; update the app (its unsynced work stays on the device)",
            app = v,
            server = PROTOCOL_VERSION
        ))),
        std::cmp::Ordering::Greater => Err(ApiError::UpgradeRequired(said!(
            "sync.protocol_newer",
            "this app speaks sync protocol {app}, newer than the server's {server}; update the server (the app's unsynced work stays on the device)",
            app = v,
            server = PROTOCOL_VERSION
        ))),
    }
}

/// What a device says of itself on every call: its app version ([`APP_VERSION_HEADER`]), the
/// end of its change log ([`LOG_END_HEADER`]) and its clock ([`DEVICE_TIME_HEADER`]).
fn contact(parts: &Parts) -> Result<Contact, ApiError> {
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        parts
            .headers
            .get(name)
            .map(|v| {
                v.to_str()
                    .ok()
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && s.len() <= 64)
                    .map(String::from)
                    .ok_or_else(|| {
                        ApiError::BadRequest(said!(
                            "sync.header_text",
                            "the {header} header must be 1 to 64 printable characters",
                            header = name
                        ))
                    })
            })
            .transpose()
    };
    let version = text(APP_VERSION_HEADER)?;
    let log_end = text(LOG_END_HEADER)?
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                ApiError::BadRequest(said!(
                    "sync.log_end_header",
                    "the {header} header must be a sequence number, not {value:?}",
                    header = LOG_END_HEADER,
                    value = v
                ))
            })
        })
        .transpose()?;
    let clock_offset_s = text(DEVICE_TIME_HEADER)?
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(&v)
                .map(|t| (t.to_utc() - chrono::Utc::now()).num_seconds())
                .map_err(|_| {
                    ApiError::BadRequest(said!(
                        "sync.device_time_header",
                        "the {header} header must be an RFC 3339 time, not {value:?}",
                        header = DEVICE_TIME_HEADER,
                        value = v
                    ))
                })
        })
        .transpose()?;
    Ok(Contact {
        app_version: version,
        log_end,
        clock_offset_s,
    })
}

/// The token of an `Authorization: Bearer TOKEN` header, if there is a non-empty one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_token(&parts.headers)
}

/// [`bearer`] from the headers alone.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        check_protocol(parts)?;
        let token = bearer(parts);
        let fail = |m: Said| {
            Metrics::add(&state.metrics.auth_failures, 1);
            ApiError::Unauthorized(m)
        };
        let Some(token) = token else {
            return Err(fail(said!(
                "sync.no_token",
                "missing bearer token; enrol the device first"
            )));
        };
        let contact = contact(parts)?;
        let hash = hash_secret(token);
        match state.blocking(move |s| s.device_by_token(&hash)).await? {
            Some(d) if !d.revoked => {
                if let Err(wait) = state.limits.take(&format!("device:{}", d.id)) {
                    Metrics::add(&state.metrics.rate_limited, 1);
                    return Err(ApiError::TooManyRequests {
                        message: said!(
                            "sync.too_many_requests",
                            "this device is sending too many requests; try again in {seconds} s (nothing was changed)",
                            seconds = wait.as_secs().max(1)
                        ),
                        retry_after: wait,
                    });
                }
                // Noted even with no contact headers (a token that has been used ends the retry
                // window of its enrolment code), unless the device's record says it all already.
                if !contact.already_noted(&d, chrono::Utc::now()) {
                    let id = d.id;
                    state
                        .blocking(move |s| s.note_contact(id, &contact))
                        .await?;
                }
                Ok(Self(d))
            }
            Some(_) => Err(fail(said!(
                "sync.device_revoked",
                "this device has been revoked; ask warehouse IT to enrol it again"
            ))),
            None => Err(fail(said!(
                "sync.unknown_token",
                "this server does not know this device's token: it was enrolled with another server, or its enrolment was removed; ask warehouse IT to enrol it again"
            ))),
        }
    }
}
