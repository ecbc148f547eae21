//! Every plan figure in the shipped scenarios is quoted from its source: each `quote` of a
//! value marked as a plan figure must occur in the named seed document (ignoring
//! whitespace, which the documents' tables and page breaks scatter), and every plan target
//! must be quoted the same way.

use crate::support::{self, SHIPPED_SCENARIOS, check_quote, shipped};
use empsim::scenario::{Provenance, Scenario};

#[test]
fn plan_quotes_occur_in_their_source_documents() {
    let Some(seeds) = support::shared("seeds") else {
        return;
    };
    let mut checked = 0;
    for name in SHIPPED_SCENARIOS {
        let scn = Scenario::from_file(&shipped(&format!("{name}.toml"))).unwrap();
        for t in &scn.targets {
            check_quote(
                &seeds,
                &format!("{name} target {}", t.id),
                &t.source,
                &t.quote,
            );
            checked += 1;
        }
        for r in &scn.regions {
            for b in &r.baselines {
                if let Provenance::Plan { source, quote } = &b.provenance {
                    check_quote(
                        &seeds,
                        &format!("{name} {} baseline {}", r.id, b.indicator),
                        source,
                        quote,
                    );
                    checked += 1;
                }
                if let Some(Provenance::Plan { source, quote }) =
                    b.single_year.as_ref().map(|y| &y.provenance)
                {
                    let what = format!("{name} {} {} single year", r.id, b.indicator);
                    check_quote(&seeds, &what, source, quote);
                    checked += 1;
                }
            }
        }
        for p in &scn.params {
            match &p.provenance {
                Provenance::Plan { source, quote }
                | Provenance::Assumption {
                    source: Some(source),
                    quote: Some(quote),
                    ..
                } if !source.contains(',') => {
                    check_quote(&seeds, &format!("{name} {}", p.name), source, quote);
                    checked += 1;
                }
                _ => {}
            }
        }
        for s in &scn.shocks {
            if let Provenance::Assumption {
                source: Some(source),
                quote: Some(quote),
                ..
            } = &s.provenance
            {
                check_quote(&seeds, &format!("{name} shock {}", s.name), source, quote);
                checked += 1;
            }
        }
    }
    // Targets: 15 in each Henan scenario, 2 for Shaoyang (47). Plan baselines: 13 in each
    // Henan scenario, 2 for Shaoyang (41). Quoted parameters: 3 levers and 2 Shaoyang
    // parameters (5). The downside shock (1).
    // Shaoyang's 2020 single-year figure inside its cumulative baseline (1). The minimal
    // example: 4 targets and 3 baselines (7).
    assert_eq!(checked, 47 + 41 + 5 + 1 + 1 + 7);
}
