//! Operators for supervisors: who may sign in on the tablets, added or changed (a new PIN, a new
//! role) from the pages. Tablets learn of them at their next sync; a PIN travels in the request
//! body only and is stored as its argon2 hash (never listed, never in the audit log, which
//! records the method and path).

use super::supervisor::Supervisor;
use super::{ApiJson, AppState};
use crate::error::ApiError;
use crate::storage::{NewOperator, OperatorSummary};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

/// Every operator, by badge.
pub async fn list(
    State(state): State<AppState>,
    _who: Supervisor,
) -> Result<Json<Vec<OperatorSummary>>, ApiError> {
    Ok(Json(state.blocking(|s| s.operators()).await?))
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Supervisor,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorIn {
    pub badge: String,
    pub name: String,
    /// 4 to 8 digits.
    pub pin: String,
    pub role: Role,
}

/// Adds an operator, or changes one (by badge): name, PIN and role. Answers the operator as
/// listed.
pub async fn save(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<OperatorIn>,
) -> Result<Json<OperatorSummary>, ApiError> {
    let (badge, name) = (req.badge.trim(), req.name.trim());
    for (what, value) in [("badge", badge), ("name", name)] {
        if value.is_empty() || value.chars().count() > 64 || value.chars().any(char::is_control) {
            return Err(ApiError::Unprocessable(format!(
                "the {what} must be 1 to 64 characters, none of them a control character; nothing was saved"
            )));
        }
    }
    let op = NewOperator {
        badge: badge.to_string(),
        name: name.to_string(),
        pin: req.pin,
        supervisor: req.role == Role::Supervisor,
    };
    let badge = op.badge.clone();
    let saved = state
        .blocking(move |s| {
            s.add_operator(&op)?;
            s.operators()
        })
        .await?;
    tracing::info!(operator = %badge, by = %who.session.badge, "operator saved");
    saved
        .into_iter()
        .find(|o| o.badge == badge)
        .map(Json)
        .ok_or_else(|| ApiError::Internal(format!("operator {badge} was saved but is not listed")))
}
