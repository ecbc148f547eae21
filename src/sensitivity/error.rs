//! The error type shared by every part of the sensitivity-analysis library.
//!
//! All fallible public functions of [`crate::sensitivity`] return
//! [`Result<T>`](crate::sensitivity::Result), i.e. `Result<T, SensitivityError>`. Bad user input
//! (an empty factor list, inverted bounds, a zero sample size, a model returning ragged or
//! non-finite outputs, ...) is always reported through this type, never by a panic. Every message
//! names the offending factor, option or design row so it can be shown to a user as is.

use thiserror::Error;

/// Everything that can go wrong when setting up or running a sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SensitivityError {
    /// The factor list was empty.
    #[error("no factors given: at least one factor is required")]
    NoFactors,

    /// A factor has an empty (or all-whitespace) name.
    #[error("factor #{index} has an empty name")]
    EmptyFactorName {
        /// Position of the factor in the list (0-based).
        index: usize,
    },

    /// Two factors share the same name (results are keyed by name, so names must be unique).
    #[error("duplicate factor name `{name}`")]
    DuplicateFactor {
        /// The repeated name.
        name: String,
    },

    /// A factor's distribution parameters or overrides are invalid.
    #[error("factor `{name}`: {reason}")]
    InvalidFactor {
        /// Name of the offending factor.
        name: String,
        /// Human-readable explanation, including the offending values.
        reason: String,
    },

    /// A factor mapped a unit-interval coordinate to a non-finite parameter value (for example
    /// `u = 0` through an unbounded inverse CDF).
    #[error("factor `{name}` maps u = {u} to the non-finite value {value}")]
    NonFiniteValue {
        /// Name of the offending factor.
        name: String,
        /// The unit-interval coordinate.
        u: f64,
        /// The value the inverse CDF returned.
        value: f64,
    },

    /// The number of base samples of a Saltelli design is too small.
    #[error("n_base must be at least 2 (got {0})")]
    InvalidBaseSamples(usize),

    /// An analysis option is out of range.
    #[error("invalid option `{option}`: {reason}")]
    InvalidOption {
        /// Name of the option (as spelled in the options struct or function argument).
        option: &'static str,
        /// Human-readable explanation, including the offending value.
        reason: String,
    },

    /// More Sobol' dimensions were requested than the embedded direction-number table holds.
    #[error(
        "the Sobol' sequence supports at most {max} dimensions, but {requested} were requested"
    )]
    TooManyDimensions {
        /// Number of dimensions requested.
        requested: usize,
        /// Number of dimensions available.
        max: usize,
    },

    /// A Sobol' sequence of zero dimensions was requested.
    #[error("a Sobol' sequence needs at least one dimension")]
    ZeroDimensions,

    /// A Sobol' point index beyond the 2^32 points of the 32-bit generator was requested.
    #[error("Sobol' point index {index} is out of range: the generator has 2^32 points")]
    SequenceExhausted {
        /// First index that is not available.
        index: u64,
    },

    /// The number of model outputs handed to an estimator does not match the design.
    #[error("expected {expected} model outputs (one per design row), got {got}")]
    OutputCount {
        /// Number of design rows.
        expected: usize,
        /// Number of output rows received.
        got: usize,
    },

    /// The model returned an empty output vector.
    #[error("the model returned no outputs for design row {row}")]
    EmptyOutput {
        /// Design row (0-based).
        row: usize,
    },

    /// The model returned output vectors of different lengths for different design rows.
    #[error(
        "the model returned {got} outputs for design row {row}, expected {expected} (as for row 0)"
    )]
    OutputLength {
        /// Design row (0-based).
        row: usize,
        /// Length of the output of row 0.
        expected: usize,
        /// Length of the output of this row.
        got: usize,
    },

    /// The model returned NaN or an infinity.
    #[error("output {output} of design row {row} is not finite ({value})")]
    NonFiniteOutput {
        /// Design row (0-based).
        row: usize,
        /// Output index `k` (0-based).
        output: usize,
        /// The offending value.
        value: f64,
    },

    /// A design handed to an estimator is internally inconsistent (e.g. hand-edited).
    #[error("inconsistent design: {0}")]
    InvalidDesign(String),
}
