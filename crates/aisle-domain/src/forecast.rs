//! Daily demand forecasting for replenishment. Warehouse demand is often intermittent (many days
//! without a pick), so besides simple exponential smoothing there is a weekly seasonal method and
//! Croston's method with the Syntetos–Boylan correction (SBA). Each item gets the method that did
//! best in a backtest on its own history, judged by MASE; the naive forecast (yesterday's demand)
//! competes too and is kept when nothing beats it, except on intermittent demand
//! ([`choose_observed`] states the rule). Days without stock are censored: unknown, not zero.
//!
//! Everything here is a pure function of the series: no clock, no storage.

use crate::said::{Said, Says};
use serde::Serialize;

/// Days in the seasonal cycle: demand in warehouses follows the working week.
pub const SEASON: usize = 7;

/// Smoothing constants tried when fitting; a coarse grid is enough for daily demand and keeps
/// fitting cheap and deterministic.
const ALPHAS: [f64; 9] = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Simple exponential smoothing: a level, no trend, no season.
    Ses,
    /// Additive weekly season on a smoothed level.
    Seasonal,
    /// Croston's method: demand size and interval smoothed separately.
    Croston,
    /// Croston with the Syntetos–Boylan bias correction.
    Sba,
    /// Yesterday's demand: the baseline every method is measured against.
    Naive,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Self::Ses => "simple exponential smoothing",
            Self::Seasonal => "weekly seasonal smoothing",
            Self::Croston => "Croston's method",
            Self::Sba => "Croston's method with SBA correction",
            Self::Naive => "naive (yesterday's demand)",
        }
    }

    const CANDIDATES: [Method; 4] = [Self::Ses, Self::Seasonal, Self::Croston, Self::Sba];
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A method's name inside a message is said in the reader's words.
impl Says for Method {
    fn said(&self) -> Said {
        match self {
            Self::Ses => said!("forecast_method.ses", "simple exponential smoothing"),
            Self::Seasonal => said!("forecast_method.seasonal", "weekly seasonal smoothing"),
            Self::Croston => said!("forecast_method.croston", "Croston's method"),
            Self::Sba => said!(
                "forecast_method.sba",
                "Croston's method with SBA correction"
            ),
            Self::Naive => said!("forecast_method.naive", "naive (yesterday's demand)"),
        }
    }
}

/// A fitted model: what it forecasts for the days after the series, and how wrong it was in
/// sample (one step ahead), for the prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    pub method: Method,
    pub alpha: f64,
    /// The seasonal method's season smoothing constant (0 for the others).
    pub gamma: f64,
    /// Forecast for each of the next `horizon` days.
    pub forecast: Vec<f64>,
    /// Root mean squared one-step-ahead error in sample.
    pub rmse: f64,
}

/// One-step-ahead fitted values (the forecast made for day t from days before t) and the
/// forecasts after the series, for a method with smoothing constant `alpha`.
#[cfg(test)]
fn run(method: Method, alpha: f64, y: &[f64], horizon: usize) -> (Vec<f64>, Vec<f64>) {
    let y: Vec<Option<f64>> = y.iter().copied().map(Some).collect();
    run_seasonal_or(method, alpha, alpha, &y, horizon)
}

/// As [`run`], with a separate season smoothing constant `gamma` for the seasonal method, on a
/// series with censored days (`None`: no stock, so the day's demand is unknown). A censored day
/// updates nothing: the state carries over (the season still turns, and Croston's interval does
/// not grow, since no demand could be seen).
fn run_seasonal_or(
    method: Method,
    alpha: f64,
    gamma: f64,
    y: &[Option<f64>],
    horizon: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut fitted = Vec::with_capacity(y.len());
    let first_seen = y.iter().flatten().next().copied().unwrap_or(0.0);
    match method {
        Method::Naive => {
            let mut last = first_seen;
            for v in y {
                fitted.push(last);
                if let Some(v) = v {
                    last = *v;
                }
            }
            (fitted, vec![last; horizon])
        }
        Method::Ses => {
            let mut level = first_seen;
            for v in y {
                fitted.push(level);
                if let Some(v) = v {
                    level += alpha * (v - level);
                }
            }
            (fitted, vec![level; horizon])
        }
        Method::Seasonal => {
            // Start from the first week: level = its mean, season = each day's difference.
            let first = &y[..y.len().min(SEASON)];
            let seen: Vec<f64> = first.iter().flatten().copied().collect();
            let mut level = if seen.is_empty() {
                first_seen
            } else {
                mean(&seen)
            };
            let mut season = [0.0; SEASON];
            for (i, v) in first.iter().enumerate() {
                season[i] = v.map_or(0.0, |v| v - level);
            }
            for (t, v) in y.iter().enumerate() {
                let s = season[t % SEASON];
                fitted.push((level + s).max(0.0));
                if let Some(v) = v {
                    let new_level = level + alpha * (v - s - level);
                    season[t % SEASON] = s + gamma * (v - new_level - s);
                    level = new_level;
                }
            }
            let n = y.len();
            let forecast = (0..horizon)
                .map(|h| (level + season[(n + h) % SEASON]).max(0.0))
                .collect();
            (fitted, forecast)
        }
        Method::Croston | Method::Sba => {
            let correction = if method == Method::Sba {
                1.0 - alpha / 2.0
            } else {
                1.0
            };
            // Initialised from the first demand, as is usual; before it the forecast is zero.
            let mut size: Option<f64> = None;
            let mut interval = 1.0;
            let mut since = 0.0;
            for v in y {
                fitted.push(size.map_or(0.0, |z| correction * z / interval));
                let Some(v) = *v else { continue };
                since += 1.0;
                if v > 0.0 {
                    match size {
                        None => {
                            size = Some(v);
                            interval = since;
                        }
                        Some(z) => {
                            size = Some(z + alpha * (v - z));
                            interval += alpha * (since - interval);
                        }
                    }
                    since = 0.0;
                }
            }
            let f = size.map_or(0.0, |z| correction * z / interval);
            (fitted, vec![f; horizon])
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Root mean squared error over the observed days.
fn rmse(y: &[Option<f64>], fitted: &[f64]) -> f64 {
    let errors: Vec<f64> = y
        .iter()
        .zip(fitted)
        .filter_map(|(a, f)| a.map(|a| (a - f).powi(2)))
        .collect();
    if errors.is_empty() {
        return 0.0;
    }
    mean(&errors).sqrt()
}

fn observed(y: &[f64]) -> Vec<Option<f64>> {
    y.iter().copied().map(Some).collect()
}

/// Fits `method` to `y`, choosing its smoothing constants by in-sample one-step error (the
/// seasonal method's level and season constants independently).
pub fn fit(method: Method, y: &[f64], horizon: usize) -> Fit {
    fit_observed(method, &observed(y), horizon)
}

/// [`fit`] on a series with censored days (`None`), which are neither fitted nor scored.
pub fn fit_observed(method: Method, y: &[Option<f64>], horizon: usize) -> Fit {
    let alphas: &[f64] = if method == Method::Naive {
        &[1.0]
    } else {
        &ALPHAS
    };
    let gammas: &[f64] = if method == Method::Seasonal {
        &ALPHAS
    } else {
        &[0.0]
    };
    // The first season only initialises the seasonal method: judge it after that.
    let skip = if method == Method::Seasonal {
        SEASON.min(y.len())
    } else {
        0
    };
    let mut best: Option<Fit> = None;
    for &alpha in alphas {
        for &gamma in gammas {
            let (fitted, forecast) = run_seasonal_or(method, alpha, gamma, y, horizon);
            let e = rmse(&y[skip..], &fitted[skip..]);
            if best.as_ref().is_none_or(|b| e < b.rmse) {
                best = Some(Fit {
                    method,
                    alpha,
                    gamma,
                    forecast,
                    rmse: e,
                });
            }
        }
    }
    best.unwrap_or(Fit {
        method,
        alpha: 0.0,
        gamma: 0.0,
        forecast: vec![0.0; horizon],
        rmse: 0.0,
    })
}

/// Mean absolute scaled error of `forecast` against `actual`, scaled by the in-sample mean
/// absolute error of the naive one-step forecast on `train`. `None` when the training series
/// never changes (the scale is zero and any error is infinitely worse than naive).
pub fn mase(train: &[f64], actual: &[f64], forecast: &[f64]) -> Option<f64> {
    mase_observed(&observed(train), &observed(actual), forecast)
}

/// [`mase`] over observed days only: the naive scale over consecutive observed days of `train`
/// (the naive forecast carries the last observed day over a censored gap), the error over the
/// observed days of `actual`.
fn mase_observed(train: &[Option<f64>], actual: &[Option<f64>], forecast: &[f64]) -> Option<f64> {
    let scale = naive_scale(train)?;
    let errors = abs_errors(actual, forecast);
    (!errors.is_empty()).then(|| mean(&errors) / scale)
}

/// The in-sample mean absolute error of the naive one-step forecast over the observed days;
/// `None` when it is zero (the series never changed).
fn naive_scale(train: &[Option<f64>]) -> Option<f64> {
    let seen: Vec<f64> = train.iter().flatten().copied().collect();
    let scale = mean(
        &seen
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .collect::<Vec<_>>(),
    );
    (scale > 0.0).then_some(scale)
}

fn abs_errors(actual: &[Option<f64>], forecast: &[f64]) -> Vec<f64> {
    actual
        .iter()
        .zip(forecast)
        .filter_map(|(a, f)| a.map(|a| (a - f).abs()))
        .collect()
}

/// The backtest error of `method` on the last `holdout` days of `y`, from several origins: at
/// the start of the holdout and every week into it, each forecasting to the end of the series.
/// One origin judges a method by one forecast, and the naive forecast by one day's value, which
/// wins by luck as often as not on a noisy level; four origins make that luck rare. MASE over all
/// (origin, day) errors, scaled by the naive error before the first origin.
fn backtest(method: Method, y: &[Option<f64>], holdout: usize) -> Option<f64> {
    let first = y.len() - holdout;
    let scale = naive_scale(&y[..first])?;
    let mut errors = Vec::new();
    for origin in (first..y.len()).step_by(SEASON) {
        let forecast = fit_observed(method, &y[..origin], y.len() - origin).forecast;
        errors.extend(abs_errors(&y[origin..], &forecast));
    }
    (!errors.is_empty()).then(|| mean(&errors) / scale)
}

/// The backtest of one method: fitted on all but the last `holdout` days, scored on those.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub method: Method,
    pub mase: Option<f64>,
}

/// The chosen model for a series and how every candidate did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub fit: Fit,
    pub scores: Vec<Score>,
    /// The naive forecast's MASE on the same holdout, for comparison.
    pub naive_mase: Option<f64>,
    /// Why this method, in plain words (English).
    pub reason: String,
    /// The same words as a catalog key with its values.
    pub reason_said: Said,
}

impl Choice {
    /// A choice and why, `reason` the English of `reason_said`.
    fn new(fit: Fit, scores: Vec<Score>, naive_mase: Option<f64>, reason: Said) -> Self {
        Self {
            fit,
            scores,
            naive_mase,
            reason: reason.text.clone(),
            reason_said: reason,
        }
    }

    /// The backtest error of the chosen method, when there was a backtest.
    pub fn chosen_mase(&self) -> Option<f64> {
        if self.fit.method == Method::Naive {
            return self.naive_mase;
        }
        self.scores
            .iter()
            .find(|s| s.method == self.fit.method)
            .and_then(|s| s.mase)
    }
}

/// Chooses a method for `y` (daily demand, oldest first) by backtest on the last `holdout` days,
/// then refits it on the whole series and forecasts `horizon` days.
pub fn choose(y: &[f64], holdout: usize, horizon: usize) -> Choice {
    choose_observed(&observed(y), holdout, horizon)
}

/// The method choice, one rule (docs/inventory.md, "Forecasts"):
/// 1. Censored days (`None`: no stock on hand, so the demand is unknown) count for nothing: not
///    as zero demand, not in any fit, not in any score.
/// 2. Fewer than `holdout` + 14 observed days: too few to compare; SBA when at least 30% of the
///    observed days had no demand (intermittent), else SES.
/// 3. Otherwise each candidate (SES, weekly seasonal, Croston, SBA) and the naive forecast are
///    backtested on the last `holdout` days from four origins a week apart ([`backtest`]) and
///    scored by MASE (observed days only). The smallest MASE wins; on a tie the earlier in that
///    list.
/// 4. The naive forecast is kept only when it scores strictly better than every candidate and
///    the series is not intermittent: on intermittent demand yesterday is a zero or a spike, not
///    a rate, and MAE-based scores favour forecasting zero.
/// 5. No candidate can be scored (the training days never changed): SBA if intermittent, else SES.
pub fn choose_observed(y: &[Option<f64>], holdout: usize, horizon: usize) -> Choice {
    let seen: Vec<f64> = y.iter().flatten().copied().collect();
    let zero_days = seen.iter().filter(|v| **v == 0.0).count();
    let intermittent = !seen.is_empty() && zero_days * 10 >= seen.len() * 3;
    let fallback = if intermittent {
        Method::Sba
    } else {
        Method::Ses
    };
    let holdout_seen = y.iter().rev().take(holdout).flatten().count();
    if seen.len() < holdout + 2 * SEASON || holdout == 0 || holdout_seen == 0 {
        // Too short to judge methods against each other: smooth what there is.
        return Choice::new(
            fit_observed(fallback, y, horizon),
            vec![],
            None,
            said!(
                "forecast.too_few_days",
                "{days} days of history (stock-out days left out) are too few to compare methods; {method} is used",
                days = seen.len(),
                method = fallback
            ),
        );
    }
    let score = |m: Method| Score {
        method: m,
        mase: backtest(m, y, holdout),
    };
    let scores: Vec<Score> = Method::CANDIDATES.iter().map(|&m| score(m)).collect();
    let naive_mase = score(Method::Naive).mase;
    let best = scores
        .iter()
        .filter_map(|s| s.mase.map(|e| (s.method, e)))
        .reduce(|a, b| if b.1 < a.1 { b } else { a });
    let (method, reason) = match (best, naive_mase) {
        (Some((m, e)), Some(n)) if n < e && !intermittent => (
            Method::Naive,
            said!(
                "forecast.naive_kept",
                "the naive forecast had the smallest error on the last {days} days (MASE {naive}; best smoothing method {method} {error}), so it is kept",
                days = holdout,
                naive = format!("{n:.2}"),
                method = m,
                error = format!("{e:.2}")
            ),
        ),
        (Some((m, e)), Some(n)) => (
            m,
            said!(
                "forecast.smallest_error",
                "{method} had the smallest error on the last {days} days (MASE {error}; naive {naive})",
                method = m,
                days = holdout,
                error = format!("{e:.2}"),
                naive = format!("{n:.2}")
            ),
        ),
        (Some((m, e)), None) => (
            m,
            said!(
                "forecast.smallest_error_no_naive",
                "{method} had the smallest error on the last {days} days (MASE {error}; naive n/a)",
                method = m,
                days = holdout,
                error = format!("{e:.2}")
            ),
        ),
        (None, _) => (
            fallback,
            said!(
                "forecast.demand_never_changed",
                "demand never changed before the last {days} days; {method} is used",
                days = holdout,
                method = fallback
            ),
        ),
    };
    Choice::new(fit_observed(method, y, horizon), scores, naive_mase, reason)
}

/// The standard normal quantile for probability `p` (0 < p < 1), by Acklam's rational
/// approximation (relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let low = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    Some(if p < low {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - low {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    })
}

#[cfg(test)]
mod tests;
