//! What an annual plan's batches are expected to cost with a registry
//! (audit/LOG-FORMAT.md "Annual plans and batches", "Cost"): the spec §6
//! sample size per class of the enterprises 存续 in each batch's scope.

use crate::engine::select::sample_size;
use crate::input::plan::annual::AnnualPlan;
use crate::model::registry::{Enterprises, Status};

/// The expected cost of one batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchCost {
    pub batch: String,
    pub department: String,
    /// Per class, enterprises 存续 in the batch's scope.
    pub eligible: [u64; 4],
    /// Per class, the spec §6 sample size (no min, max or exclusions).
    pub targets: [u64; 4],
    /// Targets × the batch's team size.
    pub inspector_days: u64,
}

/// Each batch's expected cost, in plan order.
pub fn cost(plan: &AnnualPlan, registry: &Enterprises) -> Vec<BatchCost> {
    plan.batches
        .iter()
        .map(|b| {
            let mut eligible = [0u64; 4];
            for e in registry.rows.iter().filter(|e| e.status == Status::Active) {
                let region_ok = b.regions.is_empty() || b.regions.iter().any(|r| e.region().starts_with(r.as_str()));
                let industry = registry.industry(e);
                let industry_ok =
                    b.industries.is_empty() || b.industries.iter().any(|p| industry.starts_with(p.as_str()));
                if region_ok && industry_ok {
                    eligible[e.class as usize] += 1;
                }
            }
            let targets: [u64; 4] = std::array::from_fn(|c| sample_size(b.ratios[c], eligible[c], 0, None));
            BatchCost {
                batch: b.name.clone(),
                department: b.department.clone(),
                eligible,
                targets,
                inspector_days: targets.iter().sum::<u64>() * b.team_size,
            }
        })
        .collect()
}
