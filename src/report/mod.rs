//! Writing results: one exporter per format (CSV tables, the Excel workbook, the JSON
//! manifest, the terminal summary, the `--json` documents, HTML, PNG charts). The output
//! folder they write into is [`crate::outdir`]'s.

pub mod csv;
pub mod describe;
pub mod html;
pub mod json;
pub mod manifest;
pub mod png;
pub mod text;
pub mod wording;
pub mod xlsx;
