//! How targets and units read in every output (terminal tables, CSV-free texts, chart labels,
//! the HTML report): written once here. Indicator and region names live with their types
//! ([`crate::indicator::Indicator::name_en`], `name_zh`, `unit`).

use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::{Applies, Nature, Target, TargetKind};

/// P(met) with its Monte Carlo error, for texts and charts: `0.765 ± 0.004`; at P(met) = 1
/// or 0, where the standard error is 0 and says nothing, the end of the 95 % Wilson
/// interval instead: `1.000 (95 %: ≥ 0.9996)`, `0.000 (95 %: ≤ 0.0004)`.
pub fn p_met_pm(r: &crate::stats::TargetResult) -> String {
    p_met_text(r.p_met, r.p_met_se, (r.p_met_low, r.p_met_high))
}

/// [`p_met_pm`] from the figures: P(met), its standard error and its 95 % interval.
pub fn p_met_text(p: f64, se: f64, (low, high): (f64, f64)) -> String {
    if p >= 1.0 {
        format!("1.000 (95 %: ≥ {low:.4})")
    } else if p <= 0.0 {
        format!("0.000 (95 %: ≤ {high:.4})")
    } else {
        format!("{p:.3} ± {se:.3}")
    }
}

/// The short unit of an indicator's values: `万人` (10k persons) or `%`.
pub fn unit_short(ind: Indicator) -> &'static str {
    match ind.kind() {
        IndicatorKind::Rate => "%",
        _ => "万人",
    }
}

/// Where a target comes from, for a chart's source line: its documents by title and the
/// plan's text, then how it was read when that is an assumption.
pub fn target_source(scn: &crate::scenario::Scenario, t: &Target) -> String {
    let titles = scn.source_titles(&t.source);
    let mut s = match (t.quote.is_empty(), titles.is_empty()) {
        (false, _) => format!("{titles} “{}”", t.quote),
        (true, false) => titles,
        (true, true) => String::new(),
    };
    if let Some(a) = &t.assumption {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str(&format!("assumption: {a}"));
    }
    s
}

/// What a target requires, in one line: `≥ 33 万人 in total over 2021-2025`,
/// `≤ 5.5 % every year 2021-2025`, `≤ 5.5 % on average over 2021-2025`,
/// `≈ 5.5 ± 0.5 % in 2025`.
pub fn requirement(t: &Target) -> String {
    let tol = t.tolerance.map(|x| format!(" ± {x}")).unwrap_or_default();
    let head = format!(
        "{} {}{tol} {}",
        t.kind.symbol(),
        t.value,
        unit_short(t.indicator)
    );
    match (t.kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => {
            format!("{head} in total over {}", t.period_label())
        }
        (_, Some(Applies::EachYear)) => format!("{head} every year {}", t.period_label()),
        (_, Some(Applies::Average)) => format!("{head} on average over {}", t.period_label()),
        _ => format!("{head} in {}", t.last_year),
    }
}

/// A target's nature in the plans' word and in English: `预期性 expected`,
/// `约束性 binding`, or `nature not stated`. `zh` wraps the Chinese word (e.g. for HTML).
pub fn nature(n: Nature, zh: impl Fn(&str) -> String) -> String {
    match n {
        Nature::Expected => format!("{} expected", zh("预期性")),
        Nature::Binding => format!("{} binding", zh("约束性")),
        Nature::Unspecified => "nature not stated".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_met_reads_with_its_error_or_its_wilson_bound_at_the_edges() {
        let r = |p: f64, n: usize| {
            let (low, high) = crate::stats::wilson_interval(p, n);
            crate::stats::TargetResult {
                target: 0,
                p_met: p,
                p_met_se: (p * (1.0 - p) / n as f64).sqrt(),
                p_met_low: low,
                p_met_high: high,
                outcome_p50: 0.0,
                outcome_p05: 0.0,
                outcome_p95: 0.0,
                expected_shortfall: 0.0,
                shortfall_if_missed: 0.0,
                glide: Vec::new(),
                levels: Vec::new(),
                running: Vec::new(),
                progress: None,
            }
        };
        assert_eq!(p_met_pm(&r(0.765, 10_000)), "0.765 ± 0.004");
        // n/(n + 1.96²) = 10000/10003.84 = 0.99962.
        assert_eq!(p_met_pm(&r(1.0, 10_000)), "1.000 (95 %: ≥ 0.9996)");
        assert_eq!(p_met_pm(&r(0.0, 10_000)), "0.000 (95 %: ≤ 0.0004)");
        // The compare tables and legends read the same from their row's figures.
        let at_1000 = crate::stats::wilson_interval(1.0, 1000);
        assert_eq!(p_met_text(1.0, 0.0, at_1000), "1.000 (95 %: ≥ 0.9962)");
    }

    #[test]
    fn units_and_natures_read_the_same_everywhere() {
        assert_eq!(unit_short(Indicator::UrbanNewJobs), "万人");
        assert_eq!(unit_short(Indicator::SurveyedUnemploymentRate), "%");
        assert_eq!(nature(Nature::Binding, |s| s.to_string()), "约束性 binding");
        assert_eq!(
            nature(Nature::Expected, |s| format!("<b>{s}</b>")),
            "<b>预期性</b> expected"
        );
    }

    #[test]
    fn requirements_say_which_years_count() {
        let mut t = Target {
            id: "r.surveyed_unemployment_rate.level_cap".into(),
            region: 0,
            indicator: Indicator::SurveyedUnemploymentRate,
            kind: TargetKind::LevelCap,
            first_year: 2021,
            last_year: 2025,
            value: 5.5,
            tolerance: None,
            applies: Some(Applies::EachYear),
            nature: Nature::Expected,
            source: "s".into(),
            quote: "城镇调查失业率年均控制在 5.5% 以内".into(),
            assumption: None,
            note: None,
        };
        assert_eq!(requirement(&t), "≤ 5.5 % every year 2021-2025");
        t.applies = Some(Applies::Average);
        assert_eq!(requirement(&t), "≤ 5.5 % on average over 2021-2025");
        assert_eq!(t.kind_label(), "level_cap (period average)");
        t.applies = Some(Applies::End);
        assert_eq!(requirement(&t), "≤ 5.5 % in 2025");
    }
}
