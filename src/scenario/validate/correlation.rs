//! The correlation of growth innovations across the simulated regions: required with more
//! than one leaf, given as a common coefficient or a symmetric matrix with unit diagonal
//! over the listed leaves, and positive definite.

use super::ctx::{Ctx, R};
use super::regions::Structure;
use crate::scenario::dist::num;
use crate::scenario::raw::{Num, RawCorrelation, RawScenario};
use crate::scenario::{Correlation, Provenance};
use nalgebra::DMatrix;

/// Checks `[correlation]`; rows and columns follow the order of the leaves.
pub(super) fn correlation(ctx: &Ctx, raw: &RawScenario, structure: &Structure) -> R<Correlation> {
    let n_leaves = structure.leaves.len();
    match raw.correlation.clone() {
        None if n_leaves == 1 => Ok(Correlation {
            matrix: DMatrix::identity(1, 1),
            cholesky: DMatrix::identity(1, 1),
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

/// A correlation the scenario gives: its provenance, its matrix, and the Cholesky factor.
fn given(ctx: &Ctx, c: &RawCorrelation, structure: &Structure) -> R<Correlation> {
    let n_leaves = structure.leaves.len();
    let provenance = ctx.provenance("correlation", &c.source, &c.quote, &c.assumption)?;
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
            let rho = rho.0;
            if !(-1.0..=1.0).contains(&rho) {
                return Err(ctx.err(
                    "correlation.common",
                    format!("must lie in [-1, 1], got {}", num(rho)),
                ));
            }
            DMatrix::from_fn(n_leaves, n_leaves, |i, j| if i == j { 1.0 } else { rho })
        }
        (None, Some(m)) => {
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
            if c.common.is_some() { "correlation.common" } else { "correlation.matrix" },
            "the correlation matrix is not positive definite (its Cholesky factorisation fails); the correlations are mutually inconsistent",
        )
    })?;
    Ok(Correlation {
        cholesky: chol.l(),
        matrix,
        provenance,
    })
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
        assert_eq!(c.matrix[(2, 1)], 0.5);
        assert_eq!(c.matrix[(2, 0)], 0.2);
        assert_eq!(c.matrix[(1, 0)], 0.0);
        let c = check("[correlation]\ncommon = 0.3\nassumption = \"x\"").expect("valid");
        assert_eq!(c.matrix[(0, 2)], 0.3);
        let one = correlation(
            &ctx(),
            &raw("[regions.a]"),
            &structure(&ctx(), &raw("[regions.a]")).expect("valid"),
        );
        assert_eq!(one.map(|c| c.matrix), Ok(DMatrix::identity(1, 1)));
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
