//! The forecast methods against textbook recursions and known answers, and the method-choice
//! rule on series where each outcome must win.

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

    /// With stock-out days anywhere (censored), forecasts stay finite and never negative, and a
    /// series censored throughout forecasts nothing.
    #[test]
    fn censored_days_never_break_a_forecast(
        y in proptest::collection::vec(proptest::option::of(0u32..500), 0..120),
        holdout in 0usize..30,
        horizon in 0usize..30,
    ) {
        let y: Vec<Option<f64>> = y.into_iter().map(|v| v.map(f64::from)).collect();
        let c = choose_observed(&y, holdout, horizon);
        proptest::prop_assert_eq!(c.fit.forecast.len(), horizon);
        for f in &c.fit.forecast {
            proptest::prop_assert!(f.is_finite() && *f >= 0.0, "{:?}", c);
        }
        proptest::prop_assert!(c.fit.rmse.is_finite());
        if y.iter().all(Option::is_none) {
            proptest::prop_assert!(c.fit.forecast.iter().all(|f| *f == 0.0), "{:?}", c);
        }
    }
}

/// Deterministic noise in [-1, 1): the same series on every run.
fn noise(t: usize) -> f64 {
    let x = (t as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((x >> 33) as f64 / (1u64 << 30) as f64) - 1.0
}

#[test]
fn on_a_steady_trend_the_naive_forecast_is_kept() {
    // One more each day (a product taking off): every smoothing method lags behind the latest
    // day, the weekly one folds the climb into a saw-tooth; yesterday's demand lags least.
    let y: Vec<f64> = (0..120).map(|t| 10.0 + t as f64).collect();
    let c = choose(&y, 28, 7);
    assert_eq!(c.fit.method, Method::Naive, "{c:?}");
    let best = c
        .scores
        .iter()
        .filter_map(|s| s.mase)
        .fold(f64::INFINITY, f64::min);
    assert!(c.naive_mase.unwrap() < best, "{c:?}");
    assert!(c.reason.contains("so it is kept"), "{}", c.reason);
    assert_eq!(c.fit.forecast, vec![129.0; 7]);
    assert_eq!(c.chosen_mase(), c.naive_mase);
    // The naive backtest by hand: from origins 92, 99, 106 and 113, each day h ahead is off
    // by h; the in-sample naive error is 1.
    let errors: Vec<f64> = [28, 21, 14, 7]
        .iter()
        .flat_map(|&n| (1..=n).map(f64::from))
        .collect();
    let by_hand = errors.iter().sum::<f64>() / errors.len() as f64;
    assert!((c.naive_mase.unwrap() - by_hand).abs() < 1e-9, "{c:?}");
}

#[test]
fn on_a_noisy_steady_level_smoothing_beats_the_naive_forecast() {
    let y: Vec<f64> = (0..120).map(|t| (20.0 + 6.0 * noise(t)).round()).collect();
    let c = choose(&y, 28, 7);
    assert_ne!(c.fit.method, Method::Naive, "{}", c.reason);
    assert!(c.chosen_mase().unwrap() < c.naive_mase.unwrap(), "{c:?}");
    assert!((c.fit.forecast[0] - 20.0).abs() < 2.0, "{c:?}");
}

#[test]
fn a_level_that_moved_is_followed_by_simple_smoothing() {
    // 20 a day, then 35 a day from day 70, with noise: SES follows the new level; SBA's
    // correction keeps it low, the weekly method chases noise, yesterday is noisy.
    let y: Vec<f64> = (0..120)
        .map(|t| (if t < 70 { 20.0 } else { 35.0 } + 3.0 * noise(t)).round())
        .collect();
    let c = choose(&y, 28, 7);
    assert_eq!(c.fit.method, Method::Ses, "{}", c.reason);
    assert!((c.fit.forecast[0] - 35.0).abs() < 2.0, "{c:?}");
}

#[test]
fn intermittent_demand_never_gets_the_naive_forecast() {
    // A pick of 8 every tenth day and nothing between: yesterday is a zero or a spike. The
    // naive forecast (zero, from every origin) has the smaller error, as MAE favours zero on
    // such series, but a zero rate would never reorder.
    let y: Vec<f64> = (0..120)
        .map(|t| if t % 10 == 9 { 8.0 } else { 0.0 })
        .collect();
    let c = choose(&y, 28, 7);
    let best = c
        .scores
        .iter()
        .filter_map(|s| s.mase)
        .fold(f64::INFINITY, f64::min);
    assert!(
        c.naive_mase.unwrap() < best,
        "the case the rule is for: {c:?}"
    );
    assert!(
        matches!(c.fit.method, Method::Croston | Method::Sba),
        "{}",
        c.reason
    );
    assert!(
        c.fit.forecast[0] > 0.5,
        "a rate, not a zero: {:?}",
        c.fit.forecast
    );
}

/// SES with the smallest in-sample one-step error on the grid, written out again here: the
/// figure the new-item test checks against.
fn ses_by_hand(y: &[f64]) -> f64 {
    let mut best = (f64::INFINITY, 0.0);
    for alpha in [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9] {
        let (mut level, mut sse) = (y[0], 0.0);
        for v in y {
            sse += (v - level) * (v - level);
            level = alpha * v + (1.0 - alpha) * level;
        }
        if sse < best.0 {
            best = (sse, level);
        }
    }
    best.1
}

#[test]
fn a_new_item_is_forecast_from_its_own_days_not_from_months_of_zeros() {
    // First picked 20 days ago, about 15.6 a day since (issue 15's item).
    let days: Vec<f64> = (0..20).map(|t| (15.6 + 2.0 * noise(t)).round()).collect();
    let own: Vec<Option<f64>> = days.iter().copied().map(Some).collect();
    let c = choose_observed(&own, 28, 7);
    assert_eq!(c.fit.method, Method::Ses, "{}", c.reason);
    assert!(
        (c.fit.forecast[0] - ses_by_hand(&days)).abs() < 1e-9,
        "{c:?}"
    );
    assert!(
        (c.fit.forecast[0] - 15.6).abs() < 1.5,
        "{:?}",
        c.fit.forecast
    );
    // The old history: padded to 182 days with zeros, it looked intermittent and far lower.
    let mut padded = vec![0.0; 162];
    padded.extend(&days);
    let old = choose(&padded, 28, 7);
    assert!(old.fit.forecast[0] < 10.0, "{old:?}");
}

#[test]
fn stock_out_days_are_neither_zero_demand_nor_scored() {
    // Ten a day (with noise), then 21 days with no stock (censored), then ten a day again.
    let level = |t: usize| (10.0 + 2.0 * noise(t)).round();
    let mut y: Vec<Option<f64>> = (0..60).map(|t| Some(level(t))).collect();
    y.extend(std::iter::repeat_n(None, 21));
    y.extend((81..120).map(|t| Some(level(t))));
    let c = choose_observed(&y, 28, 7);
    assert!(
        !matches!(c.fit.method, Method::Croston | Method::Sba),
        "{}",
        c.reason
    );
    assert!((c.fit.forecast[0] - 10.0).abs() < 1.5, "{c:?}");
    // The same days counted as zeros: an intermittent-looking series, forecast lower.
    let zeros: Vec<f64> = y.iter().map(|v| v.unwrap_or(0.0)).collect();
    let wrong = choose(&zeros, 28, 7);
    assert!(wrong.fit.forecast[0] < c.fit.forecast[0], "{wrong:?}");
    // A censored day is carried over, not fitted: SES's level does not move across the gap.
    let (fitted, _) = run_seasonal_or(Method::Ses, 0.5, 0.5, &y, 0);
    assert!(close(fitted[60], fitted[80]) && close(fitted[80], fitted[81]));
    // Censored days inside the holdout are not scored: the same choice with them cut out of
    // the holdout's end as observed days.
    let mut late_gap = y[..100].to_vec();
    late_gap.extend(std::iter::repeat_n(None, 10));
    let scored = choose_observed(&late_gap, 28, 7);
    assert!(
        scored.chosen_mase().is_some_and(f64::is_finite),
        "{scored:?}"
    );
}
