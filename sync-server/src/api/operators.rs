//! Operators for supervisors: who may sign in on the tablets, added or changed (a new PIN, a new
//! role), disabled or enabled again from the pages. Tablets learn of them at their next sync; a PIN travels in the request
//! body only and is stored as its argon2 hash (never listed, never in the audit log, which
//! records the method and path).

use super::supervisor::Supervisor;
use super::{ApiJson, ApiPath, AppState};
use crate::error::ApiError;
use crate::storage::{NewOperator, OperatorSummary};
use aisle_domain::said;
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
    super::short_name(said!("pages.word_badge", "badge"), badge)?;
    super::short_name(said!("pages.word_name", "name"), name)?;
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

/// Disables a badge from now: tablets refuse its sign-in after their next sync, and work it does
/// from now on (on a tablet that has not synced yet) is held for a supervisor; its page sessions
/// end. A supervisor cannot disable their own badge.
pub async fn disable(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(badge): ApiPath<String>,
) -> Result<Json<OperatorSummary>, ApiError> {
    if badge == who.session.badge {
        return Err(ApiError::Conflict(said!(
            "operators.cannot_disable_your_own",
            "you cannot disable your own badge: ask another supervisor"
        )));
    }
    set_disabled(state, who, badge, true).await
}

/// Enables a disabled badge again: it signs in on tablets after their next sync.
pub async fn enable(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(badge): ApiPath<String>,
) -> Result<Json<OperatorSummary>, ApiError> {
    set_disabled(state, who, badge, false).await
}

async fn set_disabled(
    state: AppState,
    who: Supervisor,
    badge: String,
    disabled: bool,
) -> Result<Json<OperatorSummary>, ApiError> {
    let b = badge.clone();
    let all = state
        .blocking(move |s| {
            s.set_operator_disabled(&b, disabled)?;
            s.operators()
        })
        .await?;
    tracing::info!(operator = %badge, disabled, by = %who.session.badge, "operator disabled or enabled");
    all.into_iter()
        .find(|o| o.badge == badge)
        .map(Json)
        .ok_or_else(|| ApiError::Internal(format!("operator {badge} is not listed")))
}

/// The languages the tablets and pages speak.
pub const LANGUAGES: [&str; 3] = ["en", "de", "es"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageIn {
    /// `en`, `de` or `es`; null clears it.
    pub language: Option<String>,
}

/// Sets the language an operator's tablets (after their next sync) and pages speak to them,
/// unless they chose another on that tablet or in that browser.
pub async fn language(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(badge): ApiPath<String>,
    ApiJson(req): ApiJson<LanguageIn>,
) -> Result<Json<OperatorSummary>, ApiError> {
    if let Some(l) = &req.language
        && !LANGUAGES.contains(&l.as_str())
    {
        return Err(ApiError::Unprocessable(said!(
            "operators.not_language_tablets_speak",
            "{l:?} is not a language the tablets speak (en, de, es); nothing was saved",
            l = l
        )));
    }
    let b = badge.clone();
    let all = state
        .blocking(move |s| {
            s.set_operator_language(&b, req.language.as_deref())?;
            s.operators()
        })
        .await?;
    tracing::info!(operator = %badge, by = %who.session.badge, "operator language set");
    all.into_iter()
        .find(|o| o.badge == badge)
        .map(Json)
        .ok_or_else(|| ApiError::Internal(format!("operator {badge} is not listed")))
}
