//! The employment indicators empsim projects: their keys, names, units and kinds.
//!
//! The set is fixed because each indicator has its own equation in the model (see
//! `docs/MODEL.md`); scenario files refer to them by key.

use serde::Serialize;
use std::fmt;

/// How an indicator behaves over time and across regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A yearly flow (万人 per year); sums over years and over regions.
    Flow,
    /// A stock at year end (万人); sums over regions, not over years.
    Stock,
    /// A rate (%); averaged over regions with weights, never summed.
    Rate,
}

/// One projected indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 城镇新增就业: new urban jobs, 万人 per year.
    UrbanNewJobs,
    /// 新增农村劳动力转移就业: new rural labour transfer employment, 万人 per year.
    RuralTransferNew,
    /// 新增返乡创业人数: new return-home entrepreneurs, 万人 per year.
    ReturnEntrepreneurs,
    /// 农村劳动力转移就业总量: stock of transferred rural labour at year end, 万人.
    RuralTransferStock,
    /// 城镇调查失业率: surveyed urban unemployment rate, annual average, %.
    SurveyedUnemploymentRate,
    /// 城镇登记失业率: registered urban unemployment rate, year end, %: what cities publish;
    /// lower than the surveyed rate, by a gap the scenario assumes (`docs/MODEL.md`).
    RegisteredUnemploymentRate,
}

impl Indicator {
    /// Every indicator, in output order.
    pub const ALL: [Indicator; 6] = [
        Indicator::UrbanNewJobs,
        Indicator::RuralTransferNew,
        Indicator::ReturnEntrepreneurs,
        Indicator::RuralTransferStock,
        Indicator::SurveyedUnemploymentRate,
        Indicator::RegisteredUnemploymentRate,
    ];

    /// The flows, in the order of the model's flow arrays.
    pub const FLOWS: [Indicator; 3] = [
        Indicator::UrbanNewJobs,
        Indicator::RuralTransferNew,
        Indicator::ReturnEntrepreneurs,
    ];

    /// The key used in scenario files and outputs.
    pub fn key(self) -> &'static str {
        match self {
            Indicator::UrbanNewJobs => "urban_new_jobs",
            Indicator::RuralTransferNew => "rural_transfer_new",
            Indicator::ReturnEntrepreneurs => "return_entrepreneurs",
            Indicator::RuralTransferStock => "rural_transfer_stock",
            Indicator::SurveyedUnemploymentRate => "surveyed_unemployment_rate",
            Indicator::RegisteredUnemploymentRate => "registered_unemployment_rate",
        }
    }

    /// Looks an indicator up by its key.
    pub fn from_key(key: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.key() == key)
    }

    /// The list of valid keys, for error messages.
    pub fn valid_keys() -> String {
        Indicator::ALL
            .iter()
            .map(|i| i.key())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The Chinese name used in the plans.
    pub fn name_zh(self) -> &'static str {
        match self {
            Indicator::UrbanNewJobs => "城镇新增就业",
            Indicator::RuralTransferNew => "新增农村劳动力转移就业",
            Indicator::ReturnEntrepreneurs => "新增返乡创业人数",
            Indicator::RuralTransferStock => "农村劳动力转移就业总量",
            Indicator::SurveyedUnemploymentRate => "城镇调查失业率",
            Indicator::RegisteredUnemploymentRate => "城镇登记失业率",
        }
    }

    /// The English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Indicator::UrbanNewJobs => "New urban jobs",
            Indicator::RuralTransferNew => "New rural labour transfer",
            Indicator::ReturnEntrepreneurs => "New return-home entrepreneurs",
            Indicator::RuralTransferStock => "Transferred rural labour (stock)",
            Indicator::SurveyedUnemploymentRate => "Surveyed urban unemployment rate",
            Indicator::RegisteredUnemploymentRate => "Registered urban unemployment rate",
        }
    }

    /// The unit of one yearly value.
    pub fn unit(self) -> &'static str {
        match self {
            Indicator::RegisteredUnemploymentRate => "% (year end)",
            _ => match self.kind() {
                IndicatorKind::Flow => "万人/年 (10k persons per year)",
                IndicatorKind::Stock => "万人 (10k persons, year end)",
                IndicatorKind::Rate => "% (annual average)",
            },
        }
    }

    /// Flow, stock or rate.
    pub fn kind(self) -> IndicatorKind {
        match self {
            Indicator::UrbanNewJobs
            | Indicator::RuralTransferNew
            | Indicator::ReturnEntrepreneurs => IndicatorKind::Flow,
            Indicator::RuralTransferStock => IndicatorKind::Stock,
            Indicator::SurveyedUnemploymentRate | Indicator::RegisteredUnemploymentRate => {
                IndicatorKind::Rate
            }
        }
    }

    /// Index into the model's flow arrays, for flows.
    pub fn flow_index(self) -> Option<usize> {
        Indicator::FLOWS.iter().position(|f| *f == self)
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Annual values or running sums from the first projection year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Annual,
    Cumulative,
}

impl Measure {
    /// `annual` or `cumulative`, as in the CSV files.
    pub fn key(self) -> &'static str {
        match self {
            Measure::Annual => "annual",
            Measure::Cumulative => "cumulative",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_keys_are_rejected() {
        for i in Indicator::ALL {
            assert_eq!(Indicator::from_key(i.key()), Some(i));
        }
        assert_eq!(Indicator::from_key("gdp"), None);
    }

    #[test]
    fn flows_have_flow_indices_in_order() {
        assert_eq!(Indicator::UrbanNewJobs.flow_index(), Some(0));
        assert_eq!(Indicator::ReturnEntrepreneurs.flow_index(), Some(2));
        assert_eq!(Indicator::SurveyedUnemploymentRate.flow_index(), None);
    }
}
