//! The correlation of growth innovations across the simulated regions: required with more
//! than one leaf, given as a common coefficient or a symmetric matrix with unit diagonal
//! over the listed leaves, and positive definite.

use super::ctx::{Ctx, R};
use super::regions::Structure;
use crate::scenario::dist::num;
use crate::scenario::raw::{Num, RawCorrelation, RawScenario};
use crate::scenario::{Correlation, CorrelationStructure, Provenance};
use nalgebra::DMatrix;

/// Checks `[correlation]`; rows and columns follow the order of the leaves.
pub(super) fn correlation(ctx: &Ctx, raw: &RawScenario, structure: &Structure) -> R<Correlation> {
    let n_leaves = structure.leaves.len();
    match raw.correlation.clone() {
        None if n_leaves == 1 => Ok(Correlation {
            structure: factor(structure, 0.0, None),
            provenance: Provenance::Assumption {
                rationale: "a single simulated region".into(),
                source: None,
                quote: None,
            },
        }),
        None => Err(ctx.err(
            "correlation",
            format!(
                "is required: the scenario simulates {n_leaves} regions; say how their growth noise is correlated (`common = rho` or `regions` + `matrix`)"
            ),
        )),
        Some(c) => given(ctx, &c, structure),
    }
}

const NOT_PD: &str = "the correlation matrix is not positive definite (its Cholesky factorisation fails); the correlations are mutually inconsistent";

/// The factor structure for `common` (and `within_parent`): each leaf's group is its
/// parent, or a group of its own.
fn factor(structure: &Structure, common: f64, within_parent: Option<f64>) -> CorrelationStructure {
    let mut parents: Vec<Option<usize>> = Vec::new();
    let group = structure
        .leaves
        .iter()
        .map(|&r| {
            let key = structure.parents[r].or(Some(usize::MAX - r));
            parents.iter().position(|&p| p == key).unwrap_or_else(|| {
                parents.push(key);
                parents.len() - 1
            })
        })
        .collect();
    CorrelationStructure::Factor {
        common,
        within_parent,
        group,
        n_groups: parents.len(),
    }
}

/// A correlation the scenario gives: its provenance and its structure (a factor
/// structure for `common` ≥ 0 with or without `within_parent`; otherwise the matrix and
/// its Cholesky factor).
fn given(ctx: &Ctx, c: &RawCorrelation, structure: &Structure) -> R<Correlation> {
    let n_leaves = structure.leaves.len();
    let provenance = ctx.provenance("correlation", &c.source, &c.quote, &c.assumption);
    let matrix = match (c.common, &c.matrix) {
        (Some(_), Some(_)) => {
            return Err(ctx.err("correlation", "give either `common` or `matrix`, not both"));
        }
        (None, None) => {
            return Err(ctx.err(
                "correlation",
                "needs `common = rho` or `regions` + `matrix`",
            ));
        }
        (Some(rho), None) => {
            if c.regions.is_some() {
                return Err(ctx.err("correlation.regions", "goes with `matrix`, not `common`"));
            }
            let rho = in_range(ctx, "correlation.common", rho.0)?;
            let within = within_parent(ctx, c, rho)?;
            let structure = factor(structure, rho, within);
            if rho >= 0.0 {
                // Positive definite unless two different regions are perfectly correlated.
                let singular = (0..n_leaves).any(|i| (0..i).any(|j| structure.get(i, j) >= 1.0));
                if singular {
                    let key = if within == Some(1.0) && rho < 1.0 {
                        "correlation.within_parent"
                    } else {
                        "correlation.common"
                    };
                    return Err(ctx.err(
                        key,
                        "makes two different simulated regions perfectly correlated (1), so the correlation matrix is singular; give a value below 1",
                    ));
                }
                return Ok(Correlation {
                    structure,
                    provenance,
                });
            }
            DMatrix::from_fn(n_leaves, n_leaves, |i, j| if i == j { 1.0 } else { rho })
        }
        (None, Some(m)) => {
            if c.within_parent.is_some() {
                return Err(ctx.err(
                    "correlation.within_parent",
                    "goes with `common`, not `matrix`",
                ));
            }
            let names = c.regions.clone().ok_or_else(|| {
                ctx.err(
                    "correlation.regions",
                    "is required with `matrix`: the regions of its rows, in order",
                )
            })?;
            let order = order(ctx, &names, structure)?;
            listed_matrix(ctx, m, &order)?
        }
    };
    let chol = nalgebra::Cholesky::new(matrix.clone()).ok_or_else(|| {
        ctx.err(
            if c.common.is_some() {
                "correlation.common"
            } else {
                "correlation.matrix"
            },
            NOT_PD,
        )
    })?;
    Ok(Correlation {
        structure: CorrelationStructure::Matrix {
            cholesky: chol.l(),
            matrix,
        },
        provenance,
    })
}

/// `within_parent`, checked against `common = rho`: in [-1, 1], with `common` ≥ 0 and
/// at least `common`.
fn within_parent(ctx: &Ctx, c: &RawCorrelation, rho: f64) -> R<Option<f64>> {
    let within = c
        .within_parent
        .map(|w| in_range(ctx, "correlation.within_parent", w.0))
        .transpose()?;
    if let Some(w) = within {
        if rho < 0.0 {
            return Err(ctx.err(
                "correlation.within_parent",
                format!(
                    "needs `common` ≥ 0 (a block structure of non-negative correlations), got common = {}",
                    num(rho)
                ),
            ));
        }
        if w < rho {
            return Err(ctx.err(
                "correlation.within_parent",
                format!(
                    "must be at least `common` ({}): regions that share a parent are at least as correlated as any two, got {}",
                    num(rho),
                    num(w)
                ),
            ));
        }
    }
    Ok(within)
}

/// `v` if it lies in [-1, 1], else an error at `key`.
fn in_range(ctx: &Ctx, key: &str, v: f64) -> R<f64> {
    if (-1.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ctx.err(key, format!("must lie in [-1, 1], got {}", num(v))))
    }
}

/// The leaf position of each region `correlation.regions` lists: every leaf, once.
fn order(ctx: &Ctx, names: &[String], structure: &Structure) -> R<Vec<usize>> {
    let mut order = Vec::with_capacity(names.len());
    for (k, n) in names.iter().enumerate() {
        let ri = structure.index_of(n).ok_or_else(|| {
            ctx.err(
                format!("correlation.regions[{k}]"),
                format!("unknown region `{n}`"),
            )
        })?;
        let li = structure.leaf_pos(ri).ok_or_else(|| {
            ctx.err(
                format!("correlation.regions[{k}]"),
                format!("`{n}` is an aggregate; list the simulated regions"),
            )
        })?;
        if order.contains(&li) {
            return Err(ctx.err(
                format!("correlation.regions[{k}]"),
                format!("`{n}` is listed twice"),
            ));
        }
        order.push(li);
    }
    if order.len() != structure.leaves.len() {
        let missing: Vec<&str> = structure
            .leaves
            .iter()
            .enumerate()
            .filter(|(li, _)| !order.contains(li))
            .map(|(_, &ri)| structure.ids[ri].as_str())
            .collect();
        return Err(ctx.err(
            "correlation.regions",
            format!(
                "must list every simulated region; missing: {}",
                missing.join(", ")
            ),
        ));
    }
    Ok(order)
}

/// The matrix as given, its rows and columns moved to leaf order: square, unit diagonal,
/// entries in [-1, 1], symmetric.
fn listed_matrix(ctx: &Ctx, m: &[Vec<Num>], order: &[usize]) -> R<DMatrix<f64>> {
    let n_leaves = order.len();
    if m.len() != n_leaves || m.iter().any(|row| row.len() != n_leaves) {
        return Err(ctx.err(
            "correlation.matrix",
            format!(
                "must be {n_leaves}×{n_leaves}, one row and column per entry of correlation.regions"
            ),
        ));
    }
    let mut mat = DMatrix::zeros(n_leaves, n_leaves);
    for (a, row) in m.iter().enumerate() {
        for (b, v) in row.iter().enumerate() {
            let v = v.0;
            let key = || format!("correlation.matrix[{a}][{b}]");
            if a == b && (v - 1.0).abs() > 1e-12 {
                return Err(ctx.err(key(), format!("diagonal entries must be 1, got {}", num(v))));
            }
            if !(-1.0..=1.0).contains(&v) {
                return Err(ctx.err(key(), format!("must lie in [-1, 1], got {}", num(v))));
            }
            if (v - m[b][a].0).abs() > 1e-12 {
                return Err(ctx.err(
                    key(),
                    format!(
                        "the matrix must be symmetric: {} ≠ matrix[{b}][{a}] = {}",
                        num(v),
                        num(m[b][a].0)
                    ),
                ));
            }
            mat[(order[a], order[b])] = v;
        }
    }
    Ok(mat)
}

#[cfg(test)]
mod tests {
    use super::super::regions::structure;
    use super::super::testutil::{ctx, err, raw};
    use super::*;

    const TWO: &str = "[regions.a]\n[regions.b]\n[regions.p]\n[regions.c]\nparent = \"p\"\n";

    fn check(correlation_toml: &str) -> R<Correlation> {
        let r = raw(&format!("{TWO}{correlation_toml}"));
        let s = structure(&ctx(), &r)?;
        correlation(&ctx(), &r, &s)
    }

    #[test]
    fn a_matrix_is_reordered_to_the_leaves() {
        let c = check(
            "[correlation]\nregions = [\"c\", \"b\", \"a\"]\nmatrix = [[1, 0.5, 0.2], [0.5, 1, 0], [0.2, 0, 1]]\nassumption = \"x\"",
        )
        .expect("a valid matrix");
        // Leaves in file order: a, b, c.
        assert_eq!(c.get(2, 1), 0.5);
        assert_eq!(c.get(2, 0), 0.2);
        assert_eq!(c.get(1, 0), 0.0);
        assert!(matches!(c.structure, CorrelationStructure::Matrix { .. }));
        let c = check("[correlation]\ncommon = 0.3\nassumption = \"x\"").expect("valid");
        assert_eq!(c.get(0, 2), 0.3);
        assert_eq!(c.get(1, 1), 1.0);
        assert!(matches!(c.structure, CorrelationStructure::Factor { .. }));
        // A negative common correlation has no factor form: the matrix and its factor.
        let c = check("[correlation]\ncommon = -0.3\nassumption = \"x\"").expect("valid");
        assert_eq!(c.get(0, 2), -0.3);
        assert!(matches!(c.structure, CorrelationStructure::Matrix { .. }));
        let one = correlation(
            &ctx(),
            &raw("[regions.a]"),
            &structure(&ctx(), &raw("[regions.a]")).expect("valid"),
        )
        .expect("valid");
        assert_eq!((one.n_leaves(), one.get(0, 0)), (1, 1.0));
    }

    #[test]
    fn within_parent_correlates_regions_that_share_a_parent() {
        // Leaves a, b (no parent) and c (parent p).
        let c = check("[regions.d]\nparent = \"p\"\n[correlation]\ncommon = 0.2\nwithin_parent = 0.7\nassumption = \"x\"")
            .expect("valid");
        assert_eq!(c.n_leaves(), 4);
        assert_eq!((c.get(0, 1), c.get(0, 2), c.get(2, 3)), (0.2, 0.2, 0.7));
        let CorrelationStructure::Factor {
            group, n_groups, ..
        } = &c.structure
        else {
            panic!("a factor structure");
        };
        assert_eq!((group.as_slice(), *n_groups), (&[0, 1, 2, 2][..], 3));
        assert_eq!(
            err(check(
                "[correlation]\ncommon = 0.5\nwithin_parent = 0.4\nassumption = \"x\""
            )),
            "s.toml: correlation.within_parent: must be at least `common` (0.5): regions that share a parent are at least as correlated as any two, got 0.4"
        );
        assert_eq!(
            err(check(
                "[correlation]\ncommon = -0.2\nwithin_parent = 0.4\nassumption = \"x\""
            )),
            "s.toml: correlation.within_parent: needs `common` ≥ 0 (a block structure of non-negative correlations), got common = -0.2"
        );
        assert_eq!(
            err(check(
                "[regions.d]\nparent = \"p\"\n[correlation]\ncommon = 0.5\nwithin_parent = 1\nassumption = \"x\""
            )),
            "s.toml: correlation.within_parent: makes two different simulated regions perfectly correlated (1), so the correlation matrix is singular; give a value below 1"
        );
        assert_eq!(
            err(check("[correlation]\ncommon = 1\nassumption = \"x\"")),
            "s.toml: correlation.common: makes two different simulated regions perfectly correlated (1), so the correlation matrix is singular; give a value below 1"
        );
        // A block structure whose parents have one region each is not singular.
        assert!(
            check("[correlation]\ncommon = 0.5\nwithin_parent = 1\nassumption = \"x\"").is_ok()
        );
    }

    #[test]
    fn bad_correlations_are_rejected() {
        assert_eq!(
            err(check("")),
            "s.toml: correlation: is required: the scenario simulates 3 regions; say how their growth noise is correlated (`common = rho` or `regions` + `matrix`)"
        );
        assert_eq!(
            err(check(
                "[correlation]\ncommon = 0.3\nmatrix = []\nassumption = \"x\""
            )),
            "s.toml: correlation: give either `common` or `matrix`, not both"
        );
        assert_eq!(
            err(check("[correlation]\ncommon = -0.9\nassumption = \"x\"")),
            "s.toml: correlation.common: the correlation matrix is not positive definite (its Cholesky factorisation fails); the correlations are mutually inconsistent"
        );
        assert_eq!(
            err(check(
                "[correlation]\nregions = [\"a\", \"p\"]\nmatrix = []\nassumption = \"x\""
            )),
            "s.toml: correlation.regions[1]: `p` is an aggregate; list the simulated regions"
        );
        assert_eq!(
            err(check(
                "[correlation]\nregions = [\"a\", \"c\"]\nmatrix = []\nassumption = \"x\""
            )),
            "s.toml: correlation.regions: must list every simulated region; missing: b"
        );
        assert_eq!(
            err(check(
                "[correlation]\nregions = [\"a\", \"b\", \"c\"]\nmatrix = [[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]]\nassumption = \"x\""
            )),
            "s.toml: correlation.matrix[0][1]: the matrix must be symmetric: 0.5 ≠ matrix[1][0] = 0.4"
        );
    }
}
