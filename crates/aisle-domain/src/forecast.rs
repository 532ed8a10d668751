//! Daily demand forecasting for replenishment. Warehouse demand is often intermittent (many days
//! without a pick), so besides simple exponential smoothing there is a weekly seasonal method and
//! Croston's method with the Syntetos–Boylan correction (SBA). Each item gets the method that did
//! best in a backtest on its own history, judged by MASE against the naive forecast (yesterday's
//! demand), so a method is only preferred when it beats doing nothing clever.
//!
//! Everything here is a pure function of the series: no clock, no storage.

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
    run_seasonal_or(method, alpha, alpha, y, horizon)
}

/// As [`run`], with a separate season smoothing constant `gamma` for the seasonal method.
fn run_seasonal_or(
    method: Method,
    alpha: f64,
    gamma: f64,
    y: &[f64],
    horizon: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut fitted = Vec::with_capacity(y.len());
    match method {
        Method::Naive => {
            let mut last = y.first().copied().unwrap_or(0.0);
            for &v in y {
                fitted.push(last);
                last = v;
            }
            (fitted, vec![last; horizon])
        }
        Method::Ses => {
            let mut level = y.first().copied().unwrap_or(0.0);
            for &v in y {
                fitted.push(level);
                level += alpha * (v - level);
            }
            (fitted, vec![level; horizon])
        }
        Method::Seasonal => {
            // Start from the first week: level = its mean, season = each day's difference.
            let first = &y[..y.len().min(SEASON)];
            let mut level = mean(first);
            let mut season = [0.0; SEASON];
            for (i, v) in first.iter().enumerate() {
                season[i] = v - level;
            }
            for (t, &v) in y.iter().enumerate() {
                let s = season[t % SEASON];
                fitted.push((level + s).max(0.0));
                let new_level = level + alpha * (v - s - level);
                season[t % SEASON] = s + gamma * (v - new_level - s);
                level = new_level;
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
            for &v in y {
                since += 1.0;
                fitted.push(size.map_or(0.0, |z| correction * z / interval));
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

fn rmse(y: &[f64], fitted: &[f64]) -> f64 {
    let n = y.len().min(fitted.len());
    if n == 0 {
        return 0.0;
    }
    let sse: f64 = y.iter().zip(fitted).map(|(a, f)| (a - f).powi(2)).sum();
    (sse / n as f64).sqrt()
}

/// Fits `method` to `y`, choosing its smoothing constants by in-sample one-step error (the
/// seasonal method's level and season constants independently).
pub fn fit(method: Method, y: &[f64], horizon: usize) -> Fit {
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
    let scale = mean(
        &train
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .collect::<Vec<_>>(),
    );
    if scale == 0.0 || actual.is_empty() {
        return None;
    }
    let mae = mean(
        &actual
            .iter()
            .zip(forecast)
            .map(|(a, f)| (a - f).abs())
            .collect::<Vec<_>>(),
    );
    Some(mae / scale)
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
    /// Why this method, in plain words.
    pub reason: String,
}

impl Choice {
    /// The backtest error of the chosen method, when there was a backtest.
    pub fn chosen_mase(&self) -> Option<f64> {
        self.scores
            .iter()
            .find(|s| s.method == self.fit.method)
            .and_then(|s| s.mase)
    }
}

/// Chooses a method for `y` (daily demand, oldest first) by backtest on the last `holdout` days,
/// then refits it on the whole series and forecasts `horizon` days.
pub fn choose(y: &[f64], holdout: usize, horizon: usize) -> Choice {
    let zero_days = y.iter().filter(|v| **v == 0.0).count();
    let intermittent = !y.is_empty() && zero_days * 10 >= y.len() * 3;
    if y.len() < holdout + 2 * SEASON || holdout == 0 {
        // Too short to judge methods against each other: smooth what there is.
        let method = if intermittent {
            Method::Sba
        } else {
            Method::Ses
        };
        return Choice {
            fit: fit(method, y, horizon),
            scores: vec![],
            naive_mase: None,
            reason: format!(
                "{} days of history are too few to compare methods; {} is used",
                y.len(),
                method.name()
            ),
        };
    }
    let (train, test) = y.split_at(y.len() - holdout);
    let score = |m: Method| Score {
        method: m,
        mase: mase(train, test, &fit(m, train, holdout).forecast),
    };
    let scores: Vec<Score> = Method::CANDIDATES.iter().map(|&m| score(m)).collect();
    let naive_mase = score(Method::Naive).mase;
    let best = scores
        .iter()
        .filter_map(|s| s.mase.map(|e| (s.method, e)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let (method, reason) = match best {
        Some((m, e)) => (
            m,
            format!(
                "{} had the smallest error on the last {holdout} days (MASE {e:.2}; naive {})",
                m.name(),
                naive_mase.map_or("n/a".into(), |n| format!("{n:.2}"))
            ),
        ),
        None => {
            let m = if intermittent {
                Method::Sba
            } else {
                Method::Ses
            };
            (
                m,
                format!(
                    "demand never changed before the last {holdout} days; {} is used",
                    m.name()
                ),
            )
        }
    };
    Choice {
        fit: fit(method, y, horizon),
        scores,
        naive_mase,
        reason,
    }
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
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ses_follows_the_textbook_recursion() {
        // alpha 0.5 on 1, 2, 3: levels 1, 1.5, 2.25.
        let (fitted, f) = run(Method::Ses, 0.5, &[1.0, 2.0, 3.0], 2);
        assert_eq!(fitted, vec![1.0, 1.0, 1.5]);
        assert_eq!(f, vec![2.25, 2.25]);
        let flat = fit(Method::Ses, &[4.0; 30], 3);
        assert_eq!(flat.forecast, vec![4.0; 3]);
        assert!(close(flat.rmse, 0.0));
    }

    #[test]
    fn croston_and_sba_on_regular_intermittent_demand() {
        // 3 units every third day: size 3, interval 3, so Croston forecasts 1 a day and SBA
        // (1 - alpha/2) of that.
        let y: Vec<f64> = (0..30)
            .map(|d| if d % 3 == 2 { 3.0 } else { 0.0 })
            .collect();
        let (_, c) = run(Method::Croston, 0.2, &y, 1);
        assert!(close(c[0], 1.0), "{c:?}");
        let (_, s) = run(Method::Sba, 0.2, &y, 1);
        assert!(close(s[0], 0.9), "{s:?}");
        let (_, none) = run(Method::Croston, 0.2, &[0.0; 10], 1);
        assert_eq!(none, vec![0.0], "no demand yet, no forecast");
    }

    #[test]
    fn the_seasonal_method_reproduces_a_weekly_pattern_and_wins_the_backtest() {
        let week = [10.0, 12.0, 11.0, 13.0, 20.0, 2.0, 0.0];
        let y: Vec<f64> = (0..12 * 7).map(|d| week[d % 7]).collect();
        let f = fit(Method::Seasonal, &y, 7);
        for (got, want) in f.forecast.iter().zip(week) {
            assert!((got - want).abs() < 1e-6, "{:?}", f.forecast);
        }
        let c = choose(&y, 14, 7);
        assert_eq!(c.fit.method, Method::Seasonal, "{}", c.reason);
        assert!(
            c.scores
                .iter()
                .any(|s| s.method == Method::Ses && s.mase > Some(0.5))
        );
        assert!(
            c.reason.contains("weekly seasonal smoothing"),
            "{}",
            c.reason
        );
    }

    #[test]
    fn a_weekly_pattern_that_starts_late_is_still_learned() {
        // Ten silent weeks (an item new to the range), then twelve weeks of a weekday rhythm:
        // the season must adapt faster than the level, so their constants are fitted apart.
        let week = [9.0, 6.0, 6.0, 6.0, 3.0, 0.0, 0.0];
        let y: Vec<f64> = (0..22 * 7)
            .map(|d| if d < 70 { 0.0 } else { week[d % 7] })
            .collect();
        let c = choose(&y, 28, 7);
        assert_eq!(c.fit.method, Method::Seasonal, "{}", c.reason);
        let own = c
            .scores
            .iter()
            .find(|s| s.method == Method::Seasonal)
            .unwrap();
        assert!(own.mase.unwrap() < 0.2, "{c:?}");
        assert!(c.naive_mase.unwrap() > 1.0, "{c:?}");
    }

    #[test]
    fn croston_estimates_the_rate_of_sparse_irregular_demand() {
        // About one day in five has demand of 1 to 6 units (mean 3.5): a rate near 0.7 a day.
        let mut rng = 7u64;
        let y: Vec<f64> = (0..365)
            .map(|_| {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if (rng >> 33).is_multiple_of(5) {
                    ((rng >> 40) % 6 + 1) as f64
                } else {
                    0.0
                }
            })
            .collect();
        let rate = y.iter().sum::<f64>() / y.len() as f64;
        for m in [Method::Croston, Method::Sba] {
            let f = fit(m, &y, 1).forecast[0];
            assert!(
                (f - rate).abs() / rate < 0.3,
                "{m:?}: {f} against a rate of {rate}"
            );
        }
        let c = choose(&y, 28, 14);
        assert_eq!(c.scores.len(), 4, "every candidate was backtested");
        assert!(c.fit.forecast.iter().all(|f| *f >= 0.0));
    }

    #[test]
    fn mase_is_relative_to_the_naive_error() {
        // Naive one-step errors on the training data average 2.
        let train = [0.0, 2.0, 0.0, 2.0, 0.0];
        assert_eq!(mase(&train, &[1.0, 1.0], &[1.0, 3.0]), Some(0.5));
        assert_eq!(
            mase(&[5.0; 6], &[5.0], &[4.0]),
            None,
            "a flat history has no scale"
        );
    }

    #[test]
    fn short_histories_fall_back_with_a_reason() {
        let c = choose(&[0.0, 1.0, 0.0, 0.0], 14, 3);
        assert_eq!(c.fit.method, Method::Sba);
        assert!(c.reason.contains("4 days of history"), "{}", c.reason);
    }

    #[test]
    fn normal_quantiles_match_the_tables() {
        for (p, z) in [
            (0.5, 0.0),
            (0.9, 1.281_551_566),
            (0.95, 1.644_853_627),
            (0.99, 2.326_347_874),
            (0.01, -2.326_347_874),
            (0.999, 3.090_232_306),
        ] {
            let got = normal_quantile(p).unwrap();
            assert!((got - z).abs() < 1e-6, "p {p}: {got} vs {z}");
        }
        assert_eq!(normal_quantile(1.0), None);
        assert_eq!(normal_quantile(0.0), None);
        assert_eq!(normal_quantile(f64::NAN), None);
    }

    proptest::proptest! {
        #[test]
        fn forecasts_are_finite_and_never_negative(
            y in proptest::collection::vec(0u32..500, 0..120),
            holdout in 0usize..30,
            horizon in 0usize..30,
        ) {
            let y: Vec<f64> = y.into_iter().map(f64::from).collect();
            let c = choose(&y, holdout, horizon);
            proptest::prop_assert_eq!(c.fit.forecast.len(), horizon);
            for f in &c.fit.forecast {
                proptest::prop_assert!(f.is_finite() && *f >= 0.0, "{:?}", c);
            }
            proptest::prop_assert!(c.fit.rmse.is_finite());
            proptest::prop_assert!(!c.reason.is_empty());
        }
    }
}
